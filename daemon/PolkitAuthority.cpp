#include "daemon/PolkitAuthority.hpp"

#include "daemon/Log.hpp"

#include <cstdint>
#include <utility>

namespace fwx::daemon {

namespace {
constexpr const char* Interface = "org.freedesktop.PolicyKit1.Authority";

using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using Result = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;

PolkitAnswer answerOf(const std::string& action, const sdbus::Error* error, const Result& result) {
    if (error != nullptr) {
        const std::string& name = error->getName();
        if (name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
            name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
            return {false, "polkit, which could grant " + action + ", is not on the bus"};
        }
        log::warning("polkit could not answer for {}: {}", action,
                     log::untrusted(name + ": " + error->getMessage()));
        return {false, "polkit could not answer for " + action + " (" + name + ")"};
    }
    if (result.get<0>()) { // is_authorized
        return {true, {}};
    }
    if (result.get<1>()) { // is_challenge
        return {false, "polkit grants " + action +
                           " only after authentication, which fwxd does not ask for"};
    }
    return {false, "polkit does not grant " + action};
}
} // namespace

PolkitAuthority::PolkitAuthority(sdbus::IConnection& connection)
    : authority_(sdbus::createProxy(connection, "org.freedesktop.PolicyKit1",
                                    "/org/freedesktop/PolicyKit1/Authority")) {
}

void PolkitAuthority::check(const std::string& busName, const std::string& action, Done done) {
    const Subject subject{"system-bus-name", {{"name", sdbus::Variant(busName)}}};
    const std::map<std::string, std::string> details;
    const std::uint32_t noInteraction = 0;
    try {
        authority_->callMethodAsync("CheckAuthorization")
            .onInterface(Interface)
            .withTimeout(Timeout)
            .withArguments(subject, action, details, noInteraction, std::string())
            .uponReplyInvoke([action, done](const sdbus::Error* error, const Result& result) {
                done(answerOf(action, error, result));
            });
    } catch (const sdbus::Error& e) {
        log::warning("cannot ask polkit about {}: {}", action, e.getMessage());
        done({false, "polkit could not be asked about " + action});
    }
}

} // namespace fwx::daemon
