#include "net/Transport.hpp"

#include "error/Error.hpp"
#include "net/Text.hpp"

#include <algorithm>

#include <fmt/format.h>
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
    // One spelling, as the contract says: "TCP" is refused like any other unknown word.
    if (text == "tcp") {
        return Transport::Tcp;
    }
    if (text == "udp") {
        return Transport::Udp;
    }
    for (const std::string_view known : {std::string_view("tcp"), std::string_view("udp")}) {
        if (equalsIgnoringCase(text, known)) {
            throwInvalid(fmt::format("{} is not a transport: write it in lower case, \"{}\"",
                                     text::quote(text), known));
        }
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
