#pragma once

#include "daemon/Callers.hpp"
#include "daemon/EventLoop.hpp"
#include "redirect/ConnectFilters.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <org.fwxd.ConnectFilter1-adaptor.h>
#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

class ConnectFilterObjects;
class SessionObjects;

// org.fwxd.ConnectFilter1 at /org/fwxd/Firewall1/filter/N: one registration.
class ConnectFilterObject final
    : public sdbus::AdaptorInterfaces<org::fwxd::ConnectFilter1_adaptor> {
public:
    ConnectFilterObject(sdbus::IConnection& connection, redirect::FilterId id,
                        ConnectFilterObjects& filters);
    ~ConnectFilterObject();
    ConnectFilterObject(const ConnectFilterObject&) = delete;
    ConnectFilterObject& operator=(const ConnectFilterObject&) = delete;

private:
    void Unregister() override;
    std::string ProtocolGuid() override;
    std::string Owner() override;

    redirect::FilterId id_;
    ConnectFilterObjects& filters_;
};

// The connect filters on the bus, kept in step with redirect::ConnectFilters: registering
// (an administrator's act), unregistering (the registrant or root), and the filters of a
// bus connection that left.
class ConnectFilterObjects {
public:
    ConnectFilterObjects(EventLoop& loop, sdbus::IConnection& connection,
                         redirect::ConnectFilters& filters, SessionObjects& sessions);
    ConnectFilterObjects(const ConnectFilterObjects&) = delete;
    ConnectFilterObjects& operator=(const ConnectFilterObjects&) = delete;

    // For an administrator (the caller checked). Throws fwx::Error: UnknownProtocol,
    // QuotaExceeded.
    sdbus::ObjectPath add(const Caller& caller, const std::string& protocolGuid);
    // Throws fwx::Error(AccessDenied) unless the caller registered it or is root.
    void unregister(redirect::FilterId id);
    void ownerVanished(const std::string& name);
    // The filter, once the caller may use fwxd at all; throws UnknownObject if it went.
    const redirect::ConnectFilter& readable(redirect::FilterId id);

private:
    // Removes the filter and, once the current message's handler has returned, its object.
    void drop(redirect::FilterId id);
    // Its object goes once the current message's handler has returned.
    void bury(redirect::FilterId id);

    EventLoop& loop_;
    sdbus::IConnection& connection_;
    redirect::ConnectFilters& filters_;
    SessionObjects& sessions_;
    std::map<redirect::FilterId, std::unique_ptr<ConnectFilterObject>> objects_;
    std::vector<std::unique_ptr<ConnectFilterObject>> graveyard_;
};

} // namespace fwx::daemon
