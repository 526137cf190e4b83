// fwxctl list: every session and its actions, from ObjectManager.GetManagedObjects (one call,
// one consistent picture). Text and JSON show the same values (cli/PropertyFormat.hpp); the
// text escapes whatever fwxd sends, so the listing stays one line per property.
#include "cli/Bus.hpp"
#include "cli/Commands.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Output.hpp"
#include "cli/PropertyFormat.hpp"
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

// None: not worth a line (no NoExpectationReason when the action is expectation-backed).
std::optional<std::string> actionValue(const std::string& key, const sdbus::Variant& value) {
    if (key == "NoExpectationReason" && value.containsValueOfType<std::string>() &&
        value.get<std::string>().empty()) {
        return std::nullopt;
    }
    return propertyText(key, value);
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
                out.line("    " + key + ": " + propertyText(key, value));
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
                actions.push_back({{"path", actionPath}, {"properties", propertiesJson(*action)}});
            }
        }
        sessions.push_back({{"path", std::string(path)},
                            {"properties", propertiesJson(session->second)},
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
