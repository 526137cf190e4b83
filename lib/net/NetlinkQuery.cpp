#include "net/NetlinkQuery.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <exception>
#include <string>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

namespace fwx::net {

namespace {

// Large enough for any message of a dump: the kernel sizes dump messages after the
// receive buffers it has seen, up to 32 KiB; a smaller buffer would truncate them
// (ENOSPC from libmnl).
constexpr std::size_t ReceiveBufferSize = 32768;

// Carries the handler through libmnl's C callback, and any exception back out of it:
// unwinding through libmnl's C frames is not an option.
struct CallbackContext {
    const NetlinkQuery::Handler* onMessage;
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

} // namespace

NetlinkQuery::NetlinkQuery(int bus)
    : bus_(bus) {
}

bool NetlinkQuery::dumpOnce(nlmsghdr& request, std::string_view what, const Handler& onMessage) {
    if (!socket_) {
        socket_ = NetlinkSocket::open(bus_);
        buffer_.resize(ReceiveBufferSize);
    }
    request.nlmsg_seq = ++sequence_;
    try {
        if (mnl_socket_sendto(socket_->get(), &request, request.nlmsg_len) < 0) {
            throwSystemError("sending " + std::string(what) + " request", errno);
        }
        return receiveAll(request.nlmsg_seq, what, onMessage);
    } catch (...) {
        socket_.reset();
        throw;
    }
}

bool NetlinkQuery::receiveAll(std::uint32_t sequence, std::string_view what,
                              const Handler& onMessage) {
    CallbackContext context{&onMessage, nullptr};
    for (;;) {
        const ssize_t received =
            mnl_socket_recvfrom(socket_->get(), buffer_.data(), buffer_.size());
        if (received < 0) {
            if (errno == EINTR) { // a signal, not the kernel: just receive again
                continue;
            }
            throwSystemError("receiving " + std::string(what), errno);
        }
        const int result = mnl_cb_run(buffer_.data(), static_cast<std::size_t>(received), sequence,
                                      socket_->portId(), onMessageCallback, &context);
        if (result == MNL_CB_STOP) {
            return true;
        }
        if (result != MNL_CB_ERROR) {
            continue;
        }
        if (context.exception) {
            std::rethrow_exception(context.exception);
        }
        if (errno == EINTR) { // libmnl's way of saying NLM_F_DUMP_INTR
            // The rest of the interrupted answer is still queued: start on a fresh socket.
            socket_.reset();
            return false;
        }
        throwSystemError(std::string(what), errno);
    }
}

void NetlinkQuery::throwInterrupted(std::string_view what, int attempts) {
    throwSystemError(std::string(what) + " was interrupted " + std::to_string(attempts) +
                         " times in a row by changes to the table",
                     EINTR);
}

} // namespace fwx::net
