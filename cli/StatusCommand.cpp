// fwxctl status: the daemon's Firewall1 properties.
#include "cli/Bus.hpp"
#include "cli/Commands.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Output.hpp"
#include "cli/Proxies.hpp"

#include <string>

namespace fwx::cli {

int runStatus(const CommonOptions& common) {
    const Output out(common.json);
    const auto connection = connectBus(common.bus);
    FirewallProxy firewall(*connection);

    const std::string version = firewall.Version();
    const std::vector<std::string> addresses = firewall.InternalAddresses();
    const auto range = firewall.PortRange();
    const std::size_t sessions = firewall.Sessions().size();
    const std::uint32_t redirects = firewall.ActiveRedirects();

    if (out.json()) {
        out.document({{"Version", version},
                      {"InternalAddresses", addresses},
                      {"PortRange", {range.get<0>(), range.get<1>()}},
                      {"Sessions", sessions},
                      {"ActiveRedirects", redirects}});
        return toInt(ExitCode::Success);
    }
    std::string joined;
    for (const std::string& address : addresses) {
        joined += (joined.empty() ? "" : " ") + address;
    }
    out.line("Version:           " + version);
    out.line("InternalAddresses: " + joined);
    out.line("PortRange:         " + std::to_string(range.get<0>()) + "-" +
             std::to_string(range.get<1>()));
    out.line("Sessions:          " + std::to_string(sessions));
    out.line("ActiveRedirects:   " + std::to_string(redirects));
    return toInt(ExitCode::Success);
}

} // namespace fwx::cli
