#pragma once

#include "daemon/SessionObjects.hpp"
#include "redirect/Action.hpp"
#include "redirect/Notices.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <org.fwxd.Action1-adaptor.h>
#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// org.fwxd.Action1 at /org/fwxd/Firewall1/action/N: one redirected port. Its properties
// are read from the SessionRegistry on every call, so they cannot go stale.
class ActionObject final : public sdbus::AdaptorInterfaces<org::fwxd::Action1_adaptor> {
public:
    ActionObject(sdbus::IConnection& connection, redirect::ActionId id, SessionObjects& sessions,
                 std::optional<sdbus::Variant> context);
    ~ActionObject();
    ActionObject(const ActionObject&) = delete;
    ActionObject& operator=(const ActionObject&) = delete;

    void emitExpired(const std::string& owner, std::string_view reason);
    // Established or Closed, to notice.owner only.
    void emitConnection(const redirect::ConnectionNotice& notice);
    // PropertiesChanged for State, Connections and ExpiresAt, to the owner only.
    void emitStateChanged(const std::string& owner);

private:
    void Cancel() override;

    std::string InternalAddress() override;
    uint16_t InternalPort() override;
    std::string ConnectAddress() override;
    uint16_t ConnectPort() override;
    std::string ProxyExternalAddress() override;
    std::string Protocol() override;
    uint32_t Flags() override;
    std::string Mode() override;
    bool Expected() override;
    std::string State() override;
    uint64_t ExpiresAt() override;
    uint32_t Connections() override;

    // The action, once the caller has been found allowed to read it.
    const redirect::Action& readable();
    template <typename Getter> auto read(Getter&& getter);

    redirect::ActionId id_;
    SessionObjects& sessions_;
    std::optional<sdbus::Variant> context_;
};

} // namespace fwx::daemon
