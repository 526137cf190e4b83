// Fakes of the redirect:: interfaces for unit tests: header-only, no kernel, no root.
// Each records what it was asked and can be told to fail, so tests can check both what the
// code under test does and how it copes when the kernel refuses.
#pragma once

#include "error/Error.hpp"
#include "net/Address.hpp"
#include "net/Transport.hpp"
#include "redirect/Host.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace fwx::fakes {

// A host whose local addresses and bound sockets the test sets.
class FakeHost final : public redirect::Host {
public:
    void addLocalAddress(const net::Address& address) { local_.insert(address); }
    void removeLocalAddress(const net::Address& address) { local_.erase(address); }

    // A socket bound to address:port (address may be the wildcard, as with the kernel).
    void bind(const net::Address& address, net::Transport transport, std::uint16_t port) {
        bound_[{address, transport}].insert(port);
    }
    void unbind(const net::Address& address, net::Transport transport, std::uint16_t port) {
        bound_[{address, transport}].erase(port);
    }

    // The next call of either method throws error instead of answering.
    void failNextCall(Error error) { nextError_ = std::move(error); }

    unsigned isLocalAddressCalls() const noexcept { return isLocalAddressCalls_; }
    unsigned boundPortsCalls() const noexcept { return boundPortsCalls_; }

    bool isLocalAddress(const net::Address& address) override {
        ++isLocalAddressCalls_;
        throwIfTold();
        return local_.contains(address);
    }

    // Like the kernel's answer: ports of the range bound to the address itself or to its
    // wildcard.
    std::vector<std::uint16_t> boundPorts(const net::Address& address, net::Transport transport,
                                          const redirect::PortRange& range) override {
        ++boundPortsCalls_;
        throwIfTold();
        std::set<std::uint16_t> ports = portsOf(address, transport);
        ports.merge(portsOf(net::Address::any(address.family()), transport));
        std::erase_if(ports, [&](std::uint16_t port) { return !range.contains(port); });
        return {ports.begin(), ports.end()};
    }

private:
    void throwIfTold() {
        if (nextError_) {
            const Error error = *std::exchange(nextError_, std::nullopt);
            throw error;
        }
    }

    std::set<std::uint16_t> portsOf(const net::Address& address, net::Transport transport) const {
        const auto it = bound_.find({address, transport});
        return it == bound_.end() ? std::set<std::uint16_t>{} : it->second;
    }

    std::set<net::Address> local_;
    std::map<std::pair<net::Address, net::Transport>, std::set<std::uint16_t>> bound_;
    std::optional<Error> nextError_;
    unsigned isLocalAddressCalls_ = 0;
    unsigned boundPortsCalls_ = 0;
};

} // namespace fwx::fakes
