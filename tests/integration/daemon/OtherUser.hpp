// fwx::test::connectAs: a client connection of another uid, made by the test process itself.
//
// dbus-daemon learns a peer's uid from its socket (SO_PEERCRED), which records the
// credentials of the thread that called connect(). So the calling thread alone takes the
// uid for the moment of connecting (raw setresuid/setresgid system calls: glibc's wrappers
// change every thread of the process), and the connection is that uid's for its whole
// life while the thread is root again. Unlike gdbus or busctl under setpriv, such a client
// keeps its connection, and so its sessions, across many calls.
#pragma once

#include "FwxdClient.hpp"

#include <memory>
#include <string>

#include <sys/types.h>

namespace fwx::test {

// Throws std::system_error if the thread cannot take the uid (or come back: then it aborts,
// as every later step would run with the wrong credentials).
std::unique_ptr<FwxdClient> connectAs(const std::string& busAddress, uid_t uid, gid_t gid);

} // namespace fwx::test
