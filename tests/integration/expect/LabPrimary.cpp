#include "LabPrimary.hpp"

#include "lab/TcpConnect.hpp"

#include <sstream>
#include <stdexcept>

namespace fwx::test {

namespace {
constexpr milliseconds ConnectTimeout{3000};

net::Endpoint endpointOf(const SocketAddress& address) {
    return net::Endpoint{net::Address::parse(address.address()), address.port()};
}
} // namespace

LabPrimary::LabPrimary(const Lab& lab, Family family, std::uint16_t serverPort)
    : server_(&lab.server(), Lab::serverAddress(family), serverPort) {
    TcpConnectOptions options;
    options.keepOpen = true;
    TcpOutcome outcome =
        tcpConnect(&lab.client(), server_.address(), "hello\n", ConnectTimeout, options);
    if (!outcome.connected()) {
        std::ostringstream text;
        text << "primary connection to " << server_.address() << ": " << outcome;
        throw std::runtime_error(text.str());
    }
    socket_ = std::move(outcome.connection);
    primary_ = redirect::PrimaryConnection{net::Transport::Tcp, endpointOf(*outcome.local),
                                           endpointOf(server_.address())};
}

} // namespace fwx::test
