// libFuzzer target for the D-Bus argument parsers of the daemon (daemon/BusArguments):
// RedirectConnections' arguments and options, OpenSession's options and RegisterProtocol's
// spec, built from fuzzed strings, numbers and variant types.
//
// Promises checked beyond "no crash, no sanitizer report": bad input is refused with
// fwx::Error of code InvalidArgument only, and what is accepted is consistent (one target
// per connect address, a parsed timeout is positive, a primary connection of one family).
#include "daemon/BusArguments.hpp"
#include "error/Error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

namespace {

using fwx::daemon::ConnectAddress;
using fwx::daemon::Options;

void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

// A value of one of the types clients send (or get wrong).
sdbus::Variant anyVariantFrom(FuzzedDataProvider& data) {
    switch (data.ConsumeIntegralInRange(0, 4)) {
    case 0:
        return sdbus::Variant(data.ConsumeRandomLengthString(64));
    case 1:
        return sdbus::Variant(data.ConsumeIntegral<std::uint64_t>());
    case 2:
        return sdbus::Variant(data.ConsumeBool());
    case 3:
        return sdbus::Variant(std::vector<std::uint16_t>{data.ConsumeIntegral<std::uint16_t>()});
    default:
        return sdbus::Variant(fwx::daemon::PrimaryConnectionStruct(
            data.ConsumeRandomLengthString(8), data.ConsumeRandomLengthString(48),
            data.ConsumeIntegral<std::uint16_t>(), data.ConsumeRandomLengthString(48),
            data.ConsumeIntegral<std::uint16_t>()));
    }
}

// The bus only carries valid UTF-8 strings, and sdbus-c++ refuses to build a variant of
// anything else: such inputs cannot reach the daemon.
sdbus::Variant variantFrom(FuzzedDataProvider& data) {
    try {
        return anyVariantFrom(data);
    } catch (const sdbus::Error&) {
        return sdbus::Variant(std::uint64_t{0});
    }
}

Options optionsFrom(FuzzedDataProvider& data) {
    static const char* const keys[] = {
        "Timeout",           "AllowedSource", "Context",   "RequireExpectation", "Description",
        "PrimaryConnection", "Name",          "Transport", "PrimaryPorts",       "Helper",
        "Servers",           "Bogus"};
    Options options;
    const int count = data.ConsumeIntegralInRange(0, 4);
    for (int i = 0; i < count; ++i) {
        options.insert_or_assign(data.PickValueInArray(keys), variantFrom(data));
    }
    return options;
}

template <typename Call> void expectOnlyInvalidArgument(Call&& call) {
    try {
        call();
    } catch (const fwx::Error& e) {
        check(e.code() == fwx::ErrorCode::InvalidArgument);
    }
}

void fuzzRedirect(FuzzedDataProvider& data) {
    std::vector<ConnectAddress> targets;
    const int count = data.ConsumeIntegralInRange(0, 3);
    for (int i = 0; i < count; ++i) {
        targets.emplace_back(data.ConsumeRandomLengthString(48),
                             data.ConsumeIntegral<std::uint16_t>());
    }
    const std::string internal = data.ConsumeRandomLengthString(48);
    const std::string proxy = data.ConsumeRandomLengthString(48);
    const std::string protocol = data.ConsumeRandomLengthString(8);
    const auto flags = data.ConsumeIntegral<std::uint32_t>();
    const Options options = optionsFrom(data);
    expectOnlyInvalidArgument([&] {
        const auto parsed =
            fwx::daemon::parseRedirectArguments(targets, internal, proxy, protocol, flags, options);
        check(parsed.request.targets.size() == targets.size());
        check(!parsed.request.timeout || parsed.request.timeout->count() > 0);
    });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    FuzzedDataProvider data(bytes, size);
    switch (data.ConsumeIntegralInRange(0, 2)) {
    case 0:
        fuzzRedirect(data);
        break;
    case 1: {
        const Options options = optionsFrom(data);
        expectOnlyInvalidArgument([&] {
            const auto session = fwx::daemon::parseSessionOptions(options);
            check(!session.primary ||
                  session.primary->client.family() == session.primary->server.family());
        });
        break;
    }
    default: {
        const Options spec = optionsFrom(data);
        expectOnlyInvalidArgument([&] { fwx::daemon::parseProtocolSpec(spec); });
        break;
    }
    }
    return 0;
}
