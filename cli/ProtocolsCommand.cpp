// fwxctl protocols: the registered protocols (Firewall1.Protocols), their kernel helpers
// and the servers those reach, and who they belong to.
#include "cli/Bus.hpp"
#include "cli/Commands.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Output.hpp"
#include "cli/Proxies.hpp"

#include <map>
#include <string>

#include <fmt/format.h>

namespace fwx::cli {

namespace {

// Escaped: a protocol's Name is its registrant's text.
std::string text(const Properties& properties, const std::string& key) {
    const auto found = properties.find(key);
    return found == properties.end() ? std::string("?") : printable(toText(found->second));
}

// "6ba7b810-...  FTP  tcp/21  helper ftp for 198.51.100.7  uid 0 (:1.4)"
std::string summary(const std::string& guid, const Properties& protocol) {
    std::string line = fmt::format("{}  {}  {}/{}", guid, text(protocol, "Name"),
                                   text(protocol, "Transport"), text(protocol, "PrimaryPorts"));
    const std::string helper = text(protocol, "Helper");
    if (!helper.empty()) {
        line += fmt::format("  helper {} for {}", helper, text(protocol, "Servers"));
    }
    return line +
           fmt::format("  uid {} ({})", text(protocol, "Owner"), text(protocol, "RegisteredBy"));
}

} // namespace

int runProtocols(const CommonOptions& common) {
    const Output out(common.json);
    const auto connection = connectBus(common.bus);
    FirewallProxy firewall(*connection);
    const std::map<std::string, Properties> protocols = firewall.Protocols();
    if (out.json()) {
        Json listed = Json::object();
        for (const auto& [guid, protocol] : protocols) {
            listed[guid] = cli::toJson(protocol);
        }
        out.document({{"protocols", std::move(listed)}});
        return toInt(ExitCode::Success);
    }
    for (const auto& [guid, protocol] : protocols) {
        out.line(summary(guid, protocol));
    }
    if (protocols.empty()) {
        out.line("no protocols");
    }
    return toInt(ExitCode::Success);
}

} // namespace fwx::cli
