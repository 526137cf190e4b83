#include "StopSignal.hpp"

#include "GlobalSysctl.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <system_error>

#include <unistd.h>

namespace fwx::bench {

namespace {

std::atomic<int> signals{0};

void onSignal(int /*signal*/) {
    if (signals.fetch_add(1) == 0) {
        return;
    }
    GlobalSysctl::restoreAllFromSignalHandler();
    constexpr char message[] = "scale-bench: second signal, exiting at once\n";
    static_cast<void>(::write(STDERR_FILENO, message, sizeof message - 1));
    ::_exit(130);
}

} // namespace

void installStopHandlers() {
    struct sigaction action {};
    action.sa_handler = onSignal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
        if (::sigaction(signal, &action, nullptr) != 0) {
            throw std::system_error(errno, std::generic_category(), "sigaction");
        }
    }
}

bool stopRequested() noexcept {
    return signals.load() > 0;
}

void throwIfStopped() {
    if (stopRequested()) {
        throw Interrupted();
    }
}

} // namespace fwx::bench
