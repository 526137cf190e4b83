// libFuzzer target for the fwxd.conf loader: arbitrary text through parseConfig (inih, our
// line reader, the key parsers and the cross-key rules).
//
// Beyond "no crash, no sanitizer report", it checks what the loader promises:
//   - a refused file throws fwx::Error only, of code InvalidArgument, with a message that
//     starts with the file name (every message names the file);
//   - an accepted file gives a Config that keeps the rules: at least one internal
//     address, none twice, MaxPortsPerRequest within 1..1024 and the port range, timeouts
//     at least 1 with the default not above the maximum, per-client limits at least 1.
// Any broken promise traps, so that libFuzzer saves the input.
#include "config/ConfigFile.hpp"
#include "error/Error.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using fwx::config::Config;

constexpr std::string_view sourceName = "fuzz.conf";

void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

bool hasDuplicates(const Config& config) {
    auto addresses = config.redirect.internalAddresses;
    std::sort(addresses.begin(), addresses.end());
    return std::adjacent_find(addresses.begin(), addresses.end()) != addresses.end();
}

void checkAccepted(const Config& config) {
    const auto& redirect = config.redirect;
    check(!redirect.internalAddresses.empty() && !hasDuplicates(config));
    check(redirect.maxPortsPerRequest >= 1 && redirect.maxPortsPerRequest <= 1024);
    check(redirect.maxPortsPerRequest <= redirect.portRange.size());
    check(redirect.defaultTimeout.count() >= 1 && redirect.defaultTimeout <= redirect.maxTimeout);
    check(config.access.maxSessionsPerClient >= 1 && config.access.maxActionsPerClient >= 1);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        checkAccepted(fwx::config::parseConfig(text, std::string(sourceName)));
    } catch (const fwx::Error& error) {
        check(error.code() == fwx::ErrorCode::InvalidArgument);
        check(std::string_view(error.what()).starts_with(sourceName));
    }
    return 0;
}
