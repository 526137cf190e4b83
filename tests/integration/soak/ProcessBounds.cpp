#include "ProcessBounds.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace fwx::test::soak {

ProcessSample sampleProcess(pid_t pid) {
    ProcessSample sample;
    const std::string proc = "/proc/" + std::to_string(pid);
    std::error_code error;
    for (auto it = std::filesystem::directory_iterator(proc + "/fd", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        ++sample.fds;
    }
    if (error) {
        throw std::runtime_error("listing " + proc + "/fd: " + error.message());
    }
    std::ifstream status(proc + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) {
            sample.rssKiB = std::stoul(line.substr(6));
            return sample;
        }
    }
    throw std::runtime_error(proc + "/status has no VmRSS");
}

bool ProcessBounds::add(std::uint64_t operation, const ProcessSample& sample) {
    ++samples_;
    last_ = sample;
    if (operation <= warmUp_) {
        warmUpPeak_.fds = std::max(warmUpPeak_.fds, sample.fds);
        warmUpPeak_.rssKiB = std::max(warmUpPeak_.rssKiB, sample.rssKiB);
        return true;
    }
    if (!pastWarmUp_) {
        pastWarmUp_ = true;
        first_ = sample;
    }
    peak_.fds = std::max(peak_.fds, sample.fds);
    peak_.rssKiB = std::max(peak_.rssKiB, sample.rssKiB);
    return sample.fds <= warmUpPeak_.fds + FdAllowance &&
           (!MemoryBounded || sample.rssKiB <= warmUpPeak_.rssKiB + RssAllowanceKiB);
}

std::string ProcessBounds::describe() const {
    return fmt::format("fwxd fds: warm-up peak {}, after warm-up {}..{} (peak {}, bound {}); "
                       "RSS KiB: warm-up peak {}, after warm-up first {} last {} peak {} "
                       "(bound {}{}); {} samples",
                       warmUpPeak_.fds, first_.fds, last_.fds, peak_.fds,
                       warmUpPeak_.fds + FdAllowance, warmUpPeak_.rssKiB, first_.rssKiB,
                       last_.rssKiB, peak_.rssKiB, warmUpPeak_.rssKiB + RssAllowanceKiB,
                       MemoryBounded ? "" : ", not enforced under AddressSanitizer", samples_);
}

} // namespace fwx::test::soak
