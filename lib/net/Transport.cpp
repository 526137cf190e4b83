#include "net/Transport.hpp"

#include "error/Error.hpp"
#include "net/Text.hpp"

#include <algorithm>

#include <netinet/in.h>

namespace fwx::net {

namespace {

bool equalsIgnoringCase(std::string_view text, std::string_view lowerCase) {
    return std::equal(
        text.begin(), text.end(), lowerCase.begin(), lowerCase.end(),
        [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; });
}

} // namespace

std::string_view toString(Transport transport) {
    return transport == Transport::Tcp ? "tcp" : "udp";
}

Transport parseTransport(std::string_view text) {
    if (equalsIgnoringCase(text, "tcp")) {
        return Transport::Tcp;
    }
    if (equalsIgnoringCase(text, "udp")) {
        return Transport::Udp;
    }
    if (text.empty()) {
        throwInvalid("\"\" is empty: a transport is needed (\"tcp\" or \"udp\")");
    }
    throwInvalid(text::quote(text) + " is not a transport (expected \"tcp\" or \"udp\")");
}

std::uint8_t ipProtocol(Transport transport) {
    return transport == Transport::Tcp ? IPPROTO_TCP : IPPROTO_UDP;
}

} // namespace fwx::net
