#include "BusClient.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <systemd/sd-bus.h>

namespace fwx::bench {

namespace {

constexpr const char* Service = "org.fwxd.Firewall1";
constexpr const char* FirewallPath = "/org/fwxd/Firewall1";

struct MessageUnref {
    void operator()(sd_bus_message* message) const noexcept { sd_bus_message_unref(message); }
};
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

// sd_bus_error with its free.
class Error {
public:
    Error() = default;
    ~Error() { sd_bus_error_free(&error_); }
    Error(const Error&) = delete;
    Error& operator=(const Error&) = delete;

    sd_bus_error* get() noexcept { return &error_; }

private:
    sd_bus_error error_{}; // SD_BUS_ERROR_NULL, without its C compound literal
};

void check(int r, const char* what) {
    if (r < 0) {
        throw BusCallError(std::string("errno:") + std::strerror(-r), what);
    }
}

Message newCall(sd_bus* bus, const std::string& path, const char* interface, const char* member) {
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_call(bus, &raw, Service, path.c_str(), interface, member),
          member);
    return Message(raw);
}

Message call(sd_bus* bus, std::chrono::microseconds timeout, const Message& message,
             const char* what) {
    Error error;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call(bus, message.get(), static_cast<std::uint64_t>(timeout.count()),
                              error.get(), &reply);
    if (r < 0) {
        if (sd_bus_error_is_set(error.get()) != 0) {
            throw BusCallError(error.get()->name,
                               std::string(what) + ": " +
                                   (error.get()->message != nullptr ? error.get()->message : ""));
        }
        check(r, what);
    }
    return Message(reply);
}

void appendEmptyOptions(const Message& m) {
    check(sd_bus_message_open_container(m.get(), 'a', "{sv}"), "a{sv}");
    check(sd_bus_message_close_container(m.get()), "a{sv}");
}

} // namespace

BusCallError::BusCallError(std::string name, const std::string& message)
    : std::runtime_error(name + ": " + message)
    , name_(std::move(name)) {
}

void BusClient::Close::operator()(sd_bus* bus) const noexcept {
    sd_bus_flush_close_unref(bus);
}

BusClient::BusClient(const std::string& address) {
    sd_bus* raw = nullptr;
    check(sd_bus_new(&raw), "sd_bus_new");
    bus_.reset(raw);
    check(sd_bus_set_address(raw, address.c_str()), "sd_bus_set_address");
    check(sd_bus_set_bus_client(raw, 1), "sd_bus_set_bus_client");
    check(sd_bus_start(raw), ("connecting to " + address).c_str());
}

BusClient::~BusClient() = default;
BusClient::BusClient(BusClient&&) noexcept = default;
BusClient& BusClient::operator=(BusClient&&) noexcept = default;

std::string BusClient::uniqueName() const {
    const char* name = nullptr;
    check(sd_bus_get_unique_name(bus_.get(), &name), "sd_bus_get_unique_name");
    return name;
}

void BusClient::ping() {
    const Message m = newCall(bus_.get(), "/", "org.freedesktop.DBus.Peer", "Ping");
    call(bus_.get(), timeout_, m, "Ping");
}

std::string BusClient::openSession() {
    const Message m = newCall(bus_.get(), FirewallPath, "org.fwxd.Firewall1", "OpenSession");
    appendEmptyOptions(m);
    const Message reply = call(bus_.get(), timeout_, m, "OpenSession");
    const char* path = nullptr;
    check(sd_bus_message_read(reply.get(), "o", &path), "OpenSession reply");
    return path;
}

RedirectReply BusClient::redirect(const std::string& session, const RedirectCall& request) {
    const Message m = newCall(bus_.get(), session, "org.fwxd.Session1", "RedirectConnections");
    check(sd_bus_message_open_container(m.get(), 'a', "(sq)"), "a(sq)");
    for (const Target& target : request.targets) {
        check(sd_bus_message_append(m.get(), "(sq)", target.address.c_str(), target.port), "(sq)");
    }
    check(sd_bus_message_close_container(m.get()), "a(sq)");
    check(sd_bus_message_append(m.get(), "sssus", "", "", request.protocol.c_str(), request.flags,
                                ""),
          "RedirectConnections arguments");
    appendEmptyOptions(m);
    const Message reply = call(bus_.get(), timeout_, m, "RedirectConnections");
    RedirectReply result;
    const char* internal = nullptr;
    check(sd_bus_message_read(reply.get(), "sq", &internal, &result.basePort),
          "RedirectConnections reply");
    result.internalAddress = internal;
    check(sd_bus_message_enter_container(reply.get(), 'a', "o"), "ao");
    const char* path = nullptr;
    int r = 0;
    while ((r = sd_bus_message_read(reply.get(), "o", &path)) > 0) {
        result.actions.emplace_back(path);
    }
    check(r, "RedirectConnections actions");
    return result;
}

void BusClient::cancel(const std::string& action) {
    const Message m = newCall(bus_.get(), action, "org.fwxd.Action1", "Cancel");
    call(bus_.get(), timeout_, m, "Cancel");
}

void BusClient::closeSession(const std::string& session) {
    const Message m = newCall(bus_.get(), session, "org.fwxd.Session1", "Close");
    call(bus_.get(), timeout_, m, "Close");
}

std::uint32_t BusClient::activeRedirects() {
    const Message m = newCall(bus_.get(), FirewallPath, "org.freedesktop.DBus.Properties", "Get");
    check(sd_bus_message_append(m.get(), "ss", "org.fwxd.Firewall1", "ActiveRedirects"),
          "Get arguments");
    const Message reply = call(bus_.get(), timeout_, m, "Get ActiveRedirects");
    std::uint32_t value = 0;
    check(sd_bus_message_read(reply.get(), "v", "u", &value), "ActiveRedirects reply");
    return value;
}

void BusClient::setCallTimeout(std::chrono::microseconds timeout) noexcept {
    timeout_ = std::max(timeout, std::chrono::microseconds(1000));
}

void BusClient::disconnect() noexcept {
    bus_.reset();
}

} // namespace fwx::bench
