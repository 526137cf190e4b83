#pragma once

#include <cstdint>
#include <string_view>

namespace fwx::relay {

// Why a relayed connection ended.
enum class CloseReason : std::uint8_t {
    Finished,      // TCP: both sides closed their direction and everything was delivered
    Reset,         // one side reset the connection (or it broke): the other got a reset too
    Refused,       // the target refused (TCP RST to the SYN; UDP ICMP port unreachable)
    ConnectFailed, // the outbound leg could not be opened or connected otherwise (errno)
    IdleTimeout,   // UDP: no datagram either way for the relay's idle timeout
    Cancelled,     // the relay was stopped with the connection still live
    Failed,        // a local error while relaying (errno), e.g. no descriptors left
};

// "finished", "reset", "refused", "connect-failed", "idle-timeout", "cancelled", "failed"
std::string_view toString(CloseReason reason);

} // namespace fwx::relay
