// What the TCP and UDP relay tests share: the loop, a recording handler, loopback
// addresses of the family under test, and SIGPIPE ignored as the relay requires.
#pragma once

#include "EpollReactor.hpp"
#include "RecordingHandler.hpp"
#include "net/Address.hpp"
#include "relay/Relay.hpp"
#include "relay/Sockets.hpp"

#include <csignal>
#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace fwx::relay::test {

inline net::Address loopback(net::Family family) {
    return net::Address::parse(family == net::Family::V4 ? "127.0.0.1" : "::1");
}

// A second local address as the proxy external address: on IPv4 all of 127/8 is local;
// IPv6 has ::1 only.
inline net::Address otherLoopback(net::Family family) {
    return net::Address::parse(family == net::Family::V4 ? "127.0.0.2" : "::1");
}

inline std::string familyName(const testing::TestParamInfo<net::Family>& info) {
    return info.param == net::Family::V4 ? "IPv4" : "IPv6";
}

class RelayFixture : public testing::TestWithParam<net::Family> {
protected:
    void SetUp() override {
        static_cast<void>(std::signal(SIGPIPE, SIG_IGN));
        // No test passes by skipping: a machine without this family's loopback fails here,
        // saying so.
        try {
            static_cast<void>(bindUdp(net::Endpoint{local(), 0}));
        } catch (const Error& e) {
            FAIL() << "the relay tests need the " << net::toString(GetParam())
                   << " loopback address, which this machine lacks: " << e.what();
        }
    }

    net::Address local() const { return loopback(GetParam()); }
    net::Endpoint anyPortOf(const net::Address& address) const { return {address, 0}; }

    RelayOptions optionsTo(net::Transport transport, const net::Endpoint& target) const {
        RelayOptions options;
        options.transport = transport;
        options.internal = anyPortOf(local());
        options.target = target;
        return options;
    }

    std::unique_ptr<Relay> open(const RelayOptions& options) {
        return Relay::open(loop, options, handler);
    }

    EpollReactor loop;
    RecordingHandler handler;
};

} // namespace fwx::relay::test
