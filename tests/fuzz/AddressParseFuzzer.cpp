// libFuzzer target for the text parsers of lib/net: Address, Prefix, Endpoint, Transport.
//
// Beyond "no crash, no sanitizer report", it checks what the parsers promise:
//   - tryParse() and parse() agree, and bad text is rejected with fwx::Error only, of code
//     InvalidArgument, whose message is printable ASCII (input is quoted with escapes);
//   - whatever parses prints canonically: parse(toString(x)) == x, and printing that again
//     gives the same text.
// Any broken promise traps, so that libFuzzer saves the input.
#include "error/Error.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "net/Transport.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace {

using fwx::net::Address;
using fwx::net::Endpoint;
using fwx::net::Prefix;

void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

bool isPrintableAscii(std::string_view text) {
    for (const char c : text) {
        if (c < 0x20 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

// The value parse produces, or nullopt when it throws a proper InvalidArgument error.
template <typename Parse> auto parseOrReject(Parse parse) -> std::optional<decltype(parse())> {
    try {
        return parse();
    } catch (const fwx::Error& error) {
        check(error.code() == fwx::ErrorCode::InvalidArgument);
        check(isPrintableAscii(error.what()) && !std::string_view(error.what()).empty());
        return std::nullopt;
    }
}

// parse(x.toString()) == x and the text is a fixed point.
template <typename T, typename Parse> void checkRoundTrip(const T& value, Parse parse) {
    const std::string text = value.toString();
    const auto again = parseOrReject([&] { return parse(text); });
    check(again.has_value() && *again == value && again->toString() == text);
}

void fuzzAddress(std::string_view text) {
    const auto address = Address::tryParse(text);
    const auto parsed = parseOrReject([&] { return Address::parse(text); });
    check(address == parsed);
    if (address) {
        checkRoundTrip(*address, [](std::string_view t) { return Address::parse(t); });
        check(Address::fromBytes(address->family(), address->bytes()) == *address);
    }
}

void fuzzPrefix(std::string_view text) {
    const auto prefix = Prefix::tryParse(text);
    const auto parsed = parseOrReject([&] { return Prefix::parse(text); });
    check(prefix == parsed);
    if (prefix) {
        checkRoundTrip(*prefix, [](std::string_view t) { return Prefix::parse(t); });
        check(prefix->contains(prefix->network()) && prefix->contains(prefix->last()));
        check(Prefix::of(prefix->last(), prefix->length()) == *prefix);
    }
}

void fuzzEndpoint(std::string_view text, bool allowZeroPort) {
    const auto endpoint = parseOrReject([&] { return Endpoint::parse(text, allowZeroPort); });
    if (!endpoint) {
        return;
    }
    check(allowZeroPort || endpoint->port != 0);
    checkRoundTrip(*endpoint, [](std::string_view t) { return Endpoint::parse(t, true); });
    sockaddr_storage storage{};
    const socklen_t length = endpoint->toSockaddr(storage);
    const auto* sa = static_cast<const sockaddr*>(static_cast<const void*>(&storage));
    check(Endpoint::fromSockaddr(sa, length) == *endpoint);
}

void fuzzTransport(std::string_view text) {
    const auto transport = parseOrReject([&] { return fwx::net::parseTransport(text); });
    if (transport) {
        check(fwx::net::parseTransport(fwx::net::toString(*transport)) == *transport);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzzAddress(text);
    fuzzPrefix(text);
    fuzzEndpoint(text, false);
    fuzzEndpoint(text, true);
    fuzzTransport(text);
    return 0;
}
