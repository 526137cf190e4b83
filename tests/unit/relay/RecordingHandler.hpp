// A relay::ConnectionHandler that keeps everything it is told, for the tests to inspect.
#pragma once

#include "relay/ConnectionHandler.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace fwx::relay::test {

struct ClosedRecord {
    Connection connection;
    CloseReason reason = CloseReason::Finished;
    int errnum = 0;
};

struct HandedOverRecord {
    Connection connection;
    UniqueFd client;
    UniqueFd target;
};

class RecordingHandler final : public ConnectionHandler {
public:
    void onAdmitted(const Connection& connection) noexcept override {
        admitted.push_back(connection);
    }
    void onEstablished(const Connection& connection) noexcept override {
        established.push_back(connection);
    }
    void onClosed(const Connection& connection, CloseReason reason, int errnum) noexcept override {
        closed.push_back({connection, reason, errnum});
        afterClosed();
    }
    void onHandedOver(const Connection& connection, UniqueFd client,
                      UniqueFd target) noexcept override {
        handedOver.push_back({connection, std::move(client), std::move(target)});
    }
    void onRelayError(const Error& error) noexcept override { errors.emplace_back(error.what()); }

    std::vector<Connection> admitted;
    std::vector<Connection> established;
    std::vector<ClosedRecord> closed;
    std::vector<HandedOverRecord> handedOver;
    std::vector<std::string> errors;
    std::function<void()> afterClosed = [] {
    };
};

} // namespace fwx::relay::test
