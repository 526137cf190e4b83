#include "Limits.hpp"

#include "BusClient.hpp"
#include "BusDaemon.hpp"
#include "FwxdProcess.hpp"
#include "NftElementCount.hpp"
#include "Rig.hpp"
#include "StopSignal.hpp"
#include "lab/Command.hpp"

#include <algorithm>
#include <functional>

namespace fwx::bench {

namespace {

std::string outcome(const std::function<void()>& call) {
    try {
        call();
        return "ok";
    } catch (const BusCallError& e) {
        return e.name();
    }
}

std::string firstErrorLine(const std::string& log) {
    for (const std::string& line : test::splitLines(log)) {
        for (const char* sign : {"nft:", "rror", "failed", "cannot"}) {
            if (line.find(sign) != std::string::npos) {
                return line;
            }
        }
    }
    return "";
}

RedirectCall callOf(std::size_t targets, const std::string& target, const char* protocol) {
    RedirectCall call;
    call.protocol = protocol;
    for (std::size_t i = 0; i < targets; ++i) {
        call.targets.push_back({target, static_cast<std::uint16_t>(30000 + i)});
    }
    return call;
}

LargeRequest checkLargeRequest(std::size_t targets, const std::string& target) {
    const test::BusDaemon bus;
    test::FwxdProcess fwxd(bus, Rig::settings());
    BusClient client(bus.address());
    LargeRequest result;
    result.targets = targets;
    const std::string session = client.openSession();
    const RedirectCall call = callOf(targets, target, "tcp");
    result.redirect = outcome([&] { client.redirect(session, call); });
    result.activeAfterRedirect = client.activeRedirects();
    result.kernelAfterRedirect = nftElementCount("fwxd", "ports_v4");
    result.close = outcome([&] { client.closeSession(session); });
    result.activeAfterClose = client.activeRedirects();
    result.kernelAfterClose = nftElementCount("fwxd", "ports_v4");
    result.logLine = firstErrorLine(fwxd.log());
    fwxd.terminate();
    return result;
}

} // namespace

std::vector<LargeRequest> checkLargeRequests(const std::vector<std::size_t>& sizes,
                                             const std::string& target) {
    std::vector<LargeRequest> results;
    for (const std::size_t targets : sizes) {
        throwIfStopped();
        results.push_back(checkLargeRequest(targets, target));
    }
    return results;
}

SingleUseCapacity checkSingleUseCapacity(std::size_t wanted, std::size_t chunk,
                                         const std::string& target) {
    const test::BusDaemon bus;
    test::FwxdProcess fwxd(bus, Rig::settings());
    BusClient client(bus.address());
    SingleUseCapacity result;
    result.wanted = wanted;
    result.chunk = chunk;
    const std::string session = client.openSession();
    bool tcp = true;
    while (result.accepted < wanted) {
        throwIfStopped();
        const RedirectCall call =
            callOf(std::min(chunk, wanted - result.accepted), target, tcp ? "tcp" : "udp");
        tcp = !tcp;
        try {
            result.accepted += client.redirect(session, call).actions.size();
        } catch (const BusCallError& e) {
            result.error = e.what();
            break;
        }
    }
    result.accepted = client.activeRedirects();
    result.kernelOnce = nftElementCount("fwxd", "once_v4");
    result.logLine = firstErrorLine(fwxd.log());
    fwxd.terminate();
    return result;
}

} // namespace fwx::bench
