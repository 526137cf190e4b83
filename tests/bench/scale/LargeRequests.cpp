#include "LargeRequests.hpp"

#include "BusClient.hpp"
#include "BusDaemon.hpp"
#include "FwxdProcess.hpp"
#include "NftElementCount.hpp"
#include "Rig.hpp"
#include "StopSignal.hpp"
#include "lab/Command.hpp"

#include <functional>

namespace fwx::bench {

namespace {

std::string outcome(const std::function<void()>& call) {
    try {
        call();
        return "ok";
    } catch (const BusCallError& e) {
        return e.name();
    }
}

std::string firstErrorLine(const std::string& log) {
    for (const std::string& line : test::splitLines(log)) {
        for (const char* sign : {"nft:", "rror", "failed", "cannot"}) {
            if (line.find(sign) != std::string::npos) {
                return line;
            }
        }
    }
    return "";
}

LargeRequest check(std::size_t targets, const std::string& target) {
    const test::BusDaemon bus;
    test::FwxdProcess fwxd(bus, Rig::settings());
    BusClient client(bus.address());
    LargeRequest result;
    result.targets = targets;
    const std::string session = client.openSession();
    RedirectCall call;
    for (std::size_t i = 0; i < targets; ++i) {
        call.targets.push_back({target, static_cast<std::uint16_t>(30000 + i)});
    }
    result.redirect = outcome([&] { client.redirect(session, call); });
    result.activeAfterRedirect = client.activeRedirects();
    result.kernelAfterRedirect = nftElementCount("fwxd", "ports_v4");
    result.close = outcome([&] { client.closeSession(session); });
    result.activeAfterClose = client.activeRedirects();
    result.kernelAfterClose = nftElementCount("fwxd", "ports_v4");
    result.logLine = firstErrorLine(fwxd.log());
    fwxd.terminate();
    return result;
}

} // namespace

std::vector<LargeRequest> checkLargeRequests(const std::vector<std::size_t>& sizes,
                                             const std::string& target) {
    std::vector<LargeRequest> results;
    for (const std::size_t targets : sizes) {
        throwIfStopped();
        results.push_back(check(targets, target));
    }
    return results;
}

} // namespace fwx::bench
