#include "net/Endpoint.hpp"

#include "error/Error.hpp"
#include "net/Parsing.hpp"
#include "net/Text.hpp"

#include <cstring>

namespace fwx::net {

namespace {

constexpr std::uint32_t kMaxPort = 65535;

// The two halves of "ADDRESS:PORT" or "[ADDRESS]:PORT", before either is checked.
struct Split {
    std::string_view address;
    std::string_view port;
    bool bracketed = false;
};

std::optional<Split> splitBracketed(std::string_view text, std::string* why) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
        return detail::fail(why, [&] {
            return text::quote(text) + " has no closing \"]\" (expected [ADDRESS]:PORT)";
        });
    }
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) {
        return detail::fail(
            why, [&] { return text::quote(text) + " has no port (expected [ADDRESS]:PORT)"; });
    }
    if (rest.front() != ':') {
        return detail::fail(why, [&] {
            return text::quote(text) + " needs \":\" between \"]\" and the port (expected "
                                       "[ADDRESS]:PORT)";
        });
    }
    return Split{text.substr(1, close - 1), rest.substr(1), true};
}

std::optional<Split> splitPlain(std::string_view text, std::string* why) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return detail::fail(
            why, [&] { return text::quote(text) + " has no port (expected ADDRESS:PORT)"; });
    }
    // Without brackets there is no telling where an IPv6 address ends: is "2001:db8::1:80"
    // port 80 of 2001:db8::1, or the address 2001:db8::1:80 without a port?
    if (text.find(':') != colon) {
        return detail::fail(why, [&] {
            return text::quote(text) + ": an IPv6 address with a port needs brackets "
                                       "(expected [ADDRESS]:PORT)";
        });
    }
    if (colon == 0) {
        return detail::fail(why,
                            [&] { return text::quote(text) + " has no address before \":\""; });
    }
    return Split{text.substr(0, colon), text.substr(colon + 1), false};
}

std::optional<Split> split(std::string_view text, std::string* why) {
    if (text.empty()) {
        return detail::fail(why, [&] {
            return "\"\" is empty: an endpoint is needed (ADDRESS:PORT or [ADDRESS]:PORT)";
        });
    }
    if (text::hasOuterWhitespace(text)) {
        return detail::fail(
            why, [&] { return text::quote(text) + " has leading or trailing whitespace"; });
    }
    return text.front() == '[' ? splitBracketed(text, why) : splitPlain(text, why);
}

std::optional<std::uint16_t> parsePort(std::string_view text, std::string_view portText,
                                       bool allowZeroPort, std::string* why) {
    const auto number = text::parseDecimal(portText, kMaxPort);
    if (!number.error && (number.value != 0 || allowZeroPort)) {
        return static_cast<std::uint16_t>(number.value);
    }
    if (number.error == text::NumberError::Empty) {
        return detail::fail(why, [&] { return text::quote(text) + " has no port after \":\""; });
    }
    const auto port = [&] {
        return "port " + text::quote(portText) + " of " + text::quote(text);
    };
    if (number.error == text::NumberError::NotDecimal) {
        return detail::fail(why, [&] { return port() + " is not a decimal number"; });
    }
    return detail::fail(
        why, [&] { return port() + " is out of range " + (allowZeroPort ? "0" : "1") + "-65535"; });
}

std::optional<Address> parseHost(std::string_view text, const Split& parts, std::string* why) {
    std::string addressWhy;
    const auto address =
        detail::parseAddress(parts.address, why != nullptr ? &addressWhy : nullptr);
    if (!address) {
        return detail::fail(why, [&] { return text::quote(text) + ": " + addressWhy; });
    }
    if (parts.bracketed && address->isV4()) {
        return detail::fail(why, [&] {
            return text::quote(text) + ": brackets are only for IPv6 addresses (expected "
                                       "ADDRESS:PORT)";
        });
    }
    return address;
}

} // namespace

namespace detail {

std::optional<Endpoint> parseEndpoint(std::string_view text, bool allowZeroPort, std::string* why) {
    const auto parts = split(text, why);
    if (!parts) {
        return std::nullopt;
    }
    const auto address = parseHost(text, *parts, why);
    if (!address) {
        return std::nullopt;
    }
    const auto port = parsePort(text, parts->port, allowZeroPort, why);
    if (!port) {
        return std::nullopt;
    }
    return Endpoint{*address, *port};
}

} // namespace detail

Endpoint Endpoint::parse(std::string_view text, bool allowZeroPort) {
    std::string why;
    auto endpoint = detail::parseEndpoint(text, allowZeroPort, &why);
    if (!endpoint) {
        throwInvalid(why);
    }
    return *endpoint;
}

Endpoint Endpoint::fromSockaddr(const sockaddr* sa, socklen_t len) {
    if (sa == nullptr || len < sizeof(sa_family_t)) {
        throwInvalid("no socket address");
    }
    // Copies, not casts: sa may point into any buffer, aligned or not.
    sa_family_t family = AF_UNSPEC;
    std::memcpy(&family, sa, sizeof family);
    if (family == AF_INET && len >= sizeof(sockaddr_in)) {
        sockaddr_in in{};
        std::memcpy(&in, sa, sizeof in);
        return Endpoint{Address::fromV4(in.sin_addr), ntohs(in.sin_port)};
    }
    if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
        // sin6_scope_id is dropped: zone ids are not supported anywhere in fwxd.
        sockaddr_in6 in6{};
        std::memcpy(&in6, sa, sizeof in6);
        return Endpoint{Address::fromV6(in6.sin6_addr), ntohs(in6.sin6_port)};
    }
    throwInvalid("socket address of family " + std::to_string(family) + " and length " +
                 std::to_string(len) + " is not an IPv4 or IPv6 socket address");
}

socklen_t Endpoint::toSockaddr(sockaddr_storage& out) const noexcept {
    out = {};
    if (address.isV4()) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        std::memcpy(&in.sin_addr, address.bytes().data(), sizeof in.sin_addr);
        std::memcpy(&out, &in, sizeof in);
        return sizeof in;
    }
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    std::memcpy(&in6.sin6_addr, address.bytes().data(), sizeof in6.sin6_addr);
    std::memcpy(&out, &in6, sizeof in6);
    return sizeof in6;
}

std::string Endpoint::toString() const {
    const std::string host = address.isV6() ? "[" + address.toString() + "]" : address.toString();
    return host + ":" + std::to_string(port);
}

} // namespace fwx::net
