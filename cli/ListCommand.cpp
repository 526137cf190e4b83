// fwxctl list: every session and its actions, from ObjectManager.GetManagedObjects (one call,
// one consistent picture).
#include "cli/Bus.hpp"
#include "cli/Commands.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Output.hpp"
#include "cli/Proxies.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace fwx::cli {

namespace {

constexpr const char* SessionInterface = "org.fwxd.Session1";
constexpr const char* ActionInterface = "org.fwxd.Action1";

using Objects = std::map<sdbus::ObjectPath, std::map<std::string, Properties>>;

const Properties* interfaceOf(const Objects& objects, const std::string& path,
                              const std::string& interface) {
    const auto object = objects.find(sdbus::ObjectPath(path));
    if (object == objects.end()) {
        return nullptr;
    }
    const auto found = object->second.find(interface);
    return found == object->second.end() ? nullptr : &found->second;
}

std::vector<std::string> actionsOf(const Properties& session) {
    std::vector<std::string> paths;
    const auto actions = session.find("Actions");
    if (actions != session.end() &&
        actions->second.containsValueOfType<std::vector<sdbus::ObjectPath>>()) {
        for (const auto& path : actions->second.get<std::vector<sdbus::ObjectPath>>()) {
            paths.push_back(path);
        }
    }
    return paths;
}

std::string text(const Properties& properties, const std::string& key) {
    const auto found = properties.find(key);
    return found == properties.end() ? std::string("?") : printable(toText(found->second));
}

// "10.71.1.1:41983 -> 198.51.100.2:80 tcp pending"
std::string summary(const Properties& action) {
    const auto endpoint = [&](const std::string& address, const std::string& port) {
        const std::string host = text(action, address);
        return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
               text(action, port);
    };
    return endpoint("InternalAddress", "InternalPort") + " -> " +
           endpoint("ConnectAddress", "ConnectPort") + " " + text(action, "Protocol") + " " +
           text(action, "State");
}

using Primary = sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;

// "tcp 192.0.2.2:40000 -> 198.51.100.1:21", or "none".
std::string primaryText(const sdbus::Variant& value) {
    if (!value.containsValueOfType<Primary>()) {
        return toText(value);
    }
    const auto primary = value.get<Primary>();
    if (primary.get<0>().empty()) {
        return "none";
    }
    const auto endpoint = [](const std::string& host, std::uint16_t port) {
        return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
               std::to_string(port);
    };
    return primary.get<0>() + " " + endpoint(primary.get<1>(), primary.get<2>()) + " -> " +
           endpoint(primary.get<3>(), primary.get<4>());
}

// The Description is the owner's own text: quoted and escaped. Whatever else fwxd sends is
// escaped too: the listing stays one line per property whatever a value holds.
std::string sessionValue(const std::string& key, const sdbus::Variant& value) {
    if (key == "PrimaryConnection") {
        return printable(primaryText(value));
    }
    if (key == "Description" && value.containsValueOfType<std::string>()) {
        return quotedText(value.get<std::string>());
    }
    return printable(toText(value));
}

// None: not worth a line (no NoExpectationReason when the action is expectation-backed).
std::optional<std::string> actionValue(const std::string& key, const sdbus::Variant& value) {
    if (key == "ExpiresAt" && value.containsValueOfType<std::uint64_t>()) {
        return formatRealtime(value.get<std::uint64_t>());
    }
    const std::string text = printable(toText(value));
    if (key == "NoExpectationReason" && text.empty()) {
        return std::nullopt;
    }
    return text;
}

void printText(const Output& out, const Objects& objects) {
    std::size_t count = 0;
    for (const auto& [path, interfaces] : objects) {
        const auto session = interfaces.find(SessionInterface);
        if (session == interfaces.end()) {
            continue;
        }
        ++count;
        out.line(std::string(path));
        for (const auto& [key, value] : session->second) {
            if (key != "Actions") {
                out.line("    " + key + ": " + sessionValue(key, value));
            }
        }
        for (const std::string& actionPath : actionsOf(session->second)) {
            const Properties* action = interfaceOf(objects, actionPath, ActionInterface);
            if (action == nullptr) {
                out.line("    " + actionPath + " (gone)");
                continue;
            }
            out.line("    " + actionPath + "  " + summary(*action));
            for (const auto& [key, value] : *action) {
                if (const auto shown = actionValue(key, value)) {
                    out.line(fmt::format("        {}: {}", key, *shown));
                }
            }
        }
    }
    if (count == 0) {
        out.line("no sessions");
    }
}

Json toJson(const Objects& objects) {
    Json sessions = Json::array();
    for (const auto& [path, interfaces] : objects) {
        const auto session = interfaces.find(SessionInterface);
        if (session == interfaces.end()) {
            continue;
        }
        Json actions = Json::array();
        for (const std::string& actionPath : actionsOf(session->second)) {
            const Properties* action = interfaceOf(objects, actionPath, ActionInterface);
            if (action != nullptr) {
                actions.push_back({{"path", actionPath}, {"properties", cli::toJson(*action)}});
            }
        }
        sessions.push_back({{"path", std::string(path)},
                            {"properties", cli::toJson(session->second)},
                            {"actions", std::move(actions)}});
    }
    return {{"sessions", std::move(sessions)}};
}

} // namespace

int runList(const CommonOptions& common) {
    const Output out(common.json);
    const auto connection = connectBus(common.bus);
    FirewallProxy firewall(*connection);
    const Objects objects = firewall.GetManagedObjects();
    if (out.json()) {
        out.document(toJson(objects));
    } else {
        printText(out, objects);
    }
    return toInt(ExitCode::Success);
}

} // namespace fwx::cli
