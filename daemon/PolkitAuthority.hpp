#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// polkit's answer for one caller and action. why says, for the caller's refusal, why not.
struct PolkitAnswer {
    bool authorized = false;
    std::string why;
};

// Asks polkit whether a bus peer may perform an action. CallerGrants uses it; its tests
// answer through a fake.
class PolkitClient {
public:
    using Done = std::function<void(PolkitAnswer)>;

    virtual ~PolkitClient() = default;
    // Calls done once: from the event loop, or before it returns if no call could be made.
    virtual void check(const std::string& busName, const std::string& action, Done done) = 0;
};

// polkitd over the bus: org.freedesktop.PolicyKit1.Authority.CheckAuthorization with the
// caller's unique bus name as subject ("system-bus-name"), without user interaction, and
// asynchronously: the loop serves others meanwhile. Without polkitd on the bus (the bus
// answers ServiceUnknown at once) every check is a refusal that says so.
class PolkitAuthority final : public PolkitClient {
public:
    static constexpr std::chrono::seconds Timeout{10};

    explicit PolkitAuthority(sdbus::IConnection& connection);
    PolkitAuthority(const PolkitAuthority&) = delete;
    PolkitAuthority& operator=(const PolkitAuthority&) = delete;

    void check(const std::string& busName, const std::string& action, Done done) override;

private:
    // Its destruction cancels the calls in flight: none answers after fwxd's objects went.
    std::unique_ptr<sdbus::IProxy> authority_;
};

} // namespace fwx::daemon
