#include "net/NetlinkDump.hpp"

#include "error/Error.hpp"
#include "net/NetlinkSocket.hpp"

#include <cerrno>
#include <exception>
#include <string>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

namespace fwx::net::detail {

namespace {

// Large enough for any message of a dump: the kernel sizes dump messages after the
// receive buffers it has seen, up to 32 KiB; a smaller buffer would truncate them
// (ENOSPC from libmnl).
constexpr std::size_t kReceiveBufferSize = 32768;

// Carries the handler through libmnl's C callback, and any exception back out of it:
// unwinding through libmnl's C frames is not an option.
struct CallbackContext {
    const DumpHandler* onMessage;
    std::exception_ptr exception;
};

int onMessageCallback(const nlmsghdr* message, void* data) {
    auto* context = static_cast<CallbackContext*>(data);
    try {
        (*context->onMessage)(*message);
    } catch (...) {
        context->exception = std::current_exception();
        return MNL_CB_ERROR;
    }
    return MNL_CB_OK;
}

void send(const NetlinkSocket& socket, const nlmsghdr& request, std::string_view what) {
    if (mnl_socket_sendto(socket.get(), &request, request.nlmsg_len) < 0) {
        throwSystemError("sending " + std::string(what) + " request", errno);
    }
}

// One batch of messages: returns 0 at the end of the dump, 1 for more to come, -1 when
// the kernel interrupted the dump.
int receiveBatch(const NetlinkSocket& socket, std::vector<char>& buffer, std::uint32_t sequence,
                 std::string_view what, CallbackContext& context) {
    const ssize_t received = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
    if (received < 0) {
        if (errno == EINTR) { // a signal, not the kernel: just receive again
            return 1;
        }
        throwSystemError("receiving " + std::string(what), errno);
    }
    const int result = mnl_cb_run(buffer.data(), static_cast<std::size_t>(received), sequence,
                                  socket.portId(), onMessageCallback, &context);
    if (result != MNL_CB_ERROR) {
        return result == MNL_CB_STOP ? 0 : 1;
    }
    if (context.exception) {
        std::rethrow_exception(context.exception);
    }
    if (errno == EINTR) { // libmnl's way of saying NLM_F_DUMP_INTR
        return -1;
    }
    throwSystemError(std::string(what), errno);
}

} // namespace

bool dumpOnce(int bus, nlmsghdr& request, std::string_view what, const DumpHandler& onMessage) {
    const NetlinkSocket socket = NetlinkSocket::open(bus);
    // A fresh socket per dump: its port id alone tells its answers apart, so any fixed
    // sequence number does.
    constexpr std::uint32_t kSequence = 1;
    request.nlmsg_seq = kSequence;
    send(socket, request, what);
    std::vector<char> buffer(kReceiveBufferSize);
    CallbackContext context{&onMessage, nullptr};
    for (;;) {
        const int status = receiveBatch(socket, buffer, kSequence, what, context);
        if (status <= 0) {
            return status == 0;
        }
    }
}

void throwInterrupted(std::string_view what, int attempts) {
    throwSystemError(std::string(what) + " was interrupted " + std::to_string(attempts) +
                         " times in a row by changes to the table",
                     EINTR);
}

} // namespace fwx::net::detail
