#pragma once

#include <string_view>

namespace fwx::daemon::log {

// The kinds of events fwxd logs that an admin may look for.
enum class Event {
    None, // a record of no particular kind: no MESSAGE_ID
    Ready,
    Stopping,
    Fatal,
    BusLost,
    SessionOpened,
    SessionClosed,
    RedirectCreated,
    RedirectEnded,
    ExpectationsUnavailable,
    ConnectionEstablished,
    ConnectionClosed,
    ProtocolRegistered,
    ProtocolUnregistered,
    KernelFailure,
    KernelRecovered,
    EventsLost,
    AccountingOff,
    InternalError,
};

// The journal's MESSAGE_ID of each kind, as systemd's sd-messages.h lists its own: made
// once with `systemd-id128 new` and never changed, since admins filter on them
// (`journalctl MESSAGE_ID=...`), fwxd(8) lists them and systemd/fwxd.catalog explains them.
// "" for Event::None.
constexpr std::string_view messageId(Event event) {
    switch (event) {
    case Event::None:
        return "";
    case Event::Ready:
        return "59a856513a2c4fb78fa89c76d18f2833";
    case Event::Stopping:
        return "735edbfa8de44ee2b5b2d4f3f639001f";
    case Event::Fatal:
        return "2fc5c96a4ffd4eb5adc753eb61403ca2";
    case Event::BusLost:
        return "4da41c77bd8d4ce48dc1f7379e7e824b";
    case Event::SessionOpened:
        return "c1ead4c964d4450fbb242a85d9841279";
    case Event::SessionClosed:
        return "f47b31319ee741c6964a50ef75ee6a45";
    case Event::RedirectCreated:
        return "38d5d299c71744b5b75923d5ce2f074f";
    case Event::RedirectEnded:
        return "6abab151d2c7461ca85f70ff0b2cb74e";
    case Event::ExpectationsUnavailable:
        return "e8cbbb151af04e04aa7eb063106d458f";
    case Event::ConnectionEstablished:
        return "76231d815b9c4551bfb26063e7c070e3";
    case Event::ConnectionClosed:
        return "d861f15eccb94a3eaa2dad6bbb0383d4";
    case Event::ProtocolRegistered:
        return "11ac9f201e3e4722b5a133681111f2b2";
    case Event::ProtocolUnregistered:
        return "49c9e00a985d48a7ae105031e1da8460";
    case Event::KernelFailure:
        return "0bc9cd5dfbb4420c93b663051f51bf58";
    case Event::KernelRecovered:
        return "ab70b1497622469d929faaa71dcd4214";
    case Event::EventsLost:
        return "a42107bff41843b6be76d0c37b4f1971";
    case Event::AccountingOff:
        return "b8e8b2d7f62847e3ae9fa7818eb74975";
    case Event::InternalError:
        return "f308bd333cee4936aedb2a8c47bebf14";
    }
    return "";
}

} // namespace fwx::daemon::log
