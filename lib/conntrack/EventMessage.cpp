#include "conntrack/EventMessage.hpp"

#include "conntrack/Entry.hpp"
#include "conntrack/Expect.hpp"
#include "conntrack/ExpectationCodec.hpp"
#include "conntrack/FlowParser.hpp"
#include "error/Error.hpp"

#include <cerrno>
#include <cstdint>
#include <utility>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netlink.h>

namespace fwx::conntrack {

namespace {

std::uint8_t subsystemOf(const nlmsghdr& message) {
    return static_cast<std::uint8_t>(NFNL_SUBSYS_ID(message.nlmsg_type));
}

std::uint8_t typeOf(const nlmsghdr& message) {
    return static_cast<std::uint8_t>(NFNL_MSG_TYPE(message.nlmsg_type));
}

std::optional<redirect::FlowEventType> flowEventTypeOf(const nlmsghdr& message) {
    if (subsystemOf(message) != NFNL_SUBSYS_CTNETLINK) {
        return std::nullopt;
    }
    switch (typeOf(message)) {
    case IPCTNL_MSG_CT_NEW:
        return (message.nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) != 0
                   ? redirect::FlowEventType::New
                   : redirect::FlowEventType::Update;
    case IPCTNL_MSG_CT_DELETE:
        return redirect::FlowEventType::Destroy;
    default:
        return std::nullopt;
    }
}

std::optional<redirect::ExpectationEventType> expectationEventTypeOf(const nlmsghdr& message) {
    if (subsystemOf(message) != NFNL_SUBSYS_CTNETLINK_EXP) {
        return std::nullopt;
    }
    switch (typeOf(message)) {
    case IPCTNL_MSG_EXP_NEW:
        return redirect::ExpectationEventType::New;
    case IPCTNL_MSG_EXP_DELETE:
        return redirect::ExpectationEventType::Destroy;
    default:
        return std::nullopt;
    }
}

} // namespace

std::optional<redirect::FlowEvent> flowEventOf(const nlmsghdr& message) {
    const auto type = flowEventTypeOf(message);
    if (!type) {
        return std::nullopt;
    }
    const Entry entry(nfct_new());
    if (!entry) {
        throwSystemError("allocating a conntrack entry", ENOMEM);
    }
    nfct_nlmsg_parse(&message, entry.get());
    auto flow = flowOf(entry.get());
    if (!flow) {
        return std::nullopt;
    }
    return redirect::FlowEvent{*type, *flow};
}

std::optional<redirect::ExpectationEvent> expectationEventOf(const nlmsghdr& message) {
    const auto type = expectationEventTypeOf(message);
    if (!type) {
        return std::nullopt;
    }
    const Expect entry = makeExpect();
    nfexp_nlmsg_parse(&message, entry.get());
    auto expectation = fromKernel(entry.get());
    if (!expectation) {
        return std::nullopt;
    }
    return redirect::ExpectationEvent{*type, std::move(*expectation)};
}

} // namespace fwx::conntrack
