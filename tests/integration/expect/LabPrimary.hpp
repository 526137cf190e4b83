// A primary connection through the lab firewall for expectations to hang on.
#pragma once

#include "lab/Lab.hpp"
#include "lab/TcpServer.hpp"
#include "lab/UniqueFd.hpp"
#include "redirect/Session.hpp"

#include <cstdint>

namespace fwx::test {

// The client connects to a server in the server namespace through the firewall and keeps
// the connection open, so that conntrack tracks it as long as the test needs it.
class LabPrimary {
public:
    // Throws std::runtime_error if the connection fails: the test cannot go on.
    LabPrimary(const Lab& lab, Family family, std::uint16_t serverPort);

    const redirect::PrimaryConnection& connection() const noexcept { return primary_; }

private:
    TcpServer server_;
    UniqueFd socket_;
    redirect::PrimaryConnection primary_;
};

} // namespace fwx::test
