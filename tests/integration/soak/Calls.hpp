// Small helpers of the soak's operations: calls whose answer is predicted, and calls sent
// without waiting for the answer.
#pragma once

#include "FwxdClient.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fwx::test::soak {

// The prediction of an operation did not hold: the step fails with this message.
class Mismatch : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Runs call, which must fail with the D-Bus error name; throws Mismatch otherwise.
void expectError(const std::function<void()>& call, std::string_view name, const std::string& what);

// Method calls on one object of fwxd without a generated proxy (and so without the match
// rules a proxy adds for its signals).
void callMethod(FwxdClient& client, const std::string& path, const std::string& interface,
                const std::string& method);

} // namespace fwx::test::soak
