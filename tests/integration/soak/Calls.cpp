#include "Calls.hpp"

namespace fwx::test::soak {

void expectError(const std::function<void()>& call, std::string_view name,
                 const std::string& what) {
    const ::testing::AssertionResult failed = failsWith(call, name);
    if (!failed) {
        throw Mismatch(what + ": " + failed.message());
    }
}

void callMethod(FwxdClient& client, const std::string& path, const std::string& interface,
                const std::string& method) {
    auto proxy = sdbus::createProxy(client.connection(), FwxdName, path);
    proxy->callMethod(method).onInterface(interface);
}

} // namespace fwx::test::soak
