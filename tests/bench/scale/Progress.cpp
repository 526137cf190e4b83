#include "Progress.hpp"

#include <chrono>
#include <iostream>

namespace fwx::bench {

namespace {

const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

} // namespace

double secondsRunning() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void progressLine(const std::string& line) {
    std::cerr << fmt::format("[{:6.1f} s] ", secondsRunning()) << line << std::endl;
}

} // namespace fwx::bench
