// fwx::test::Netns: a named network namespace for one side of the lab (client, server).
#pragma once

#include "lab/Command.hpp"
#include "lab/UniqueFd.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fwx::test {

// Moves the calling thread into a network namespace for its lifetime, then back to the
// namespace the thread was in. Sockets opened meanwhile stay in the namespace they were
// created in, which is how a test gets client and server sockets without subprocesses.
class NetnsGuard {
public:
    explicit NetnsGuard(int netnsFd);
    // Aborts if the thread cannot return: every later step would silently run in the
    // wrong namespace.
    ~NetnsGuard();
    NetnsGuard(const NetnsGuard&) = delete;
    NetnsGuard& operator=(const NetnsGuard&) = delete;

private:
    UniqueFd original_;
};

// `ip netns add fwxd-<role>-<pid>-<n>`, deleted again by the destructor. The pid keeps
// test binaries that meson runs in parallel apart; n keeps the namespaces of one process
// apart. Interfaces inside disappear with the namespace once no socket holds it.
class Netns {
public:
    explicit Netns(std::string_view role);
    ~Netns();
    Netns(Netns&& other) noexcept;
    Netns& operator=(Netns&& other) noexcept;
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;

    const std::string& name() const noexcept { return name_; }
    int fd() const noexcept { return fd_.get(); }

    // Calls fn on this thread inside the namespace and returns its result; the thread is
    // back in its previous namespace afterwards, also when fn throws.
    template <class F> decltype(auto) run(F&& fn) const {
        const NetnsGuard guard(fd_.get());
        return std::invoke(std::forward<F>(fn));
    }

    // `ip netns exec NAME argv...`
    CommandResult exec(const std::vector<std::string>& argv,
                       const CommandOptions& options = {}) const;
    // `ip -n NAME args...`: configures the namespace without entering it.
    CommandResult ip(const std::vector<std::string>& args) const;

    // Deletes namespaces left by lab processes that no longer exist (a crashed run). Call
    // it before this process creates any Netns (lab main() does).
    static void removeStale();

private:
    void destroy() noexcept;

    std::string name_;
    UniqueFd fd_;
};

// Writes a sysctl of the calling thread's network namespace, e.g.
// writeSysctl("net/ipv4/ip_forward", "1"); /proc/sys/net follows the writer's namespace.
void writeSysctl(std::string_view path, std::string_view value);

} // namespace fwx::test
