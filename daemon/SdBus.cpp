#include "daemon/SdBus.hpp"

#include "error/Error.hpp"

#include <cstdlib>
#include <cstring>

namespace fwx::daemon {

namespace {

// A second reference to an sdbus-c++ message: its protected copy constructor and its
// sd_bus_message are open to derived classes.
class MessageReference : public sdbus::Message {
public:
    explicit MessageReference(const sdbus::Message& message)
        : sdbus::Message(message) {}
    BusMessage take() const { return BusMessage(sd_bus_message_ref(raw())); }
    sd_bus_message* raw() const { return static_cast<sd_bus_message*>(msg_); }
};

void check(int r, const char* what) {
    if (r < 0) {
        throwSystemError(what, -r);
    }
}

} // namespace

sd_bus* sdBusOf(sdbus::IConnection& connection) {
    const auto scratch = sdbus::createObject(connection, "/");
    const sdbus::Signal signal = scratch->createSignal("org.fwxd.Firewall1", "Scratch");
    sd_bus* bus = sd_bus_message_get_bus(MessageReference(signal).raw());
    if (bus == nullptr) {
        throwSystemError("finding the sd_bus of the D-Bus connection", EINVAL);
    }
    return bus;
}

void appendVariant(sd_bus_message* message, const sdbus::Variant& value, sdbus::IObject& scratch) {
    sdbus::Signal carrier = scratch.createSignal("org.fwxd.Firewall1", "Scratch");
    carrier << value;
    carrier.seal();
    const BusMessage source = MessageReference(carrier).take();
    check(sd_bus_message_rewind(source.get(), 1), "reading back a D-Bus variant");
    check(sd_bus_message_copy(message, source.get(), 0), "copying a D-Bus variant");
}

char** newStrv(const std::vector<std::string>& strings) {
    struct Free {
        void operator()(char** strv) const noexcept {
            for (char** s = strv; *s != nullptr; ++s) {
                std::free(*s); // NOLINT(cppcoreguidelines-no-malloc): sd-bus frees with free()
            }
            std::free(strv); // NOLINT(cppcoreguidelines-no-malloc)
        }
    };
    // NOLINTNEXTLINE(cppcoreguidelines-no-malloc)
    std::unique_ptr<char*[], Free> strv(
        static_cast<char**>(std::calloc(strings.size() + 1, sizeof(char*))));
    if (!strv) {
        throwSystemError("listing D-Bus objects", ENOMEM);
    }
    for (std::size_t i = 0; i < strings.size(); ++i) {
        strv[i] = strdup(strings[i].c_str());
        if (strv[i] == nullptr) {
            throwSystemError("listing D-Bus objects", ENOMEM);
        }
    }
    return strv.release();
}

} // namespace fwx::daemon
