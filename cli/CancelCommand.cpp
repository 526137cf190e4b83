// fwxctl cancel: Action1.Cancel of one action (its owner, or root, may).
#include "cli/Arguments.hpp"
#include "cli/Bus.hpp"
#include "cli/Commands.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Output.hpp"
#include "cli/Proxies.hpp"

namespace fwx::cli {

int runCancel(const CommonOptions& common, const std::string& action) {
    const Output out(common.json);
    const std::string path = actionPath(action);
    const auto connection = connectBus(common.bus);
    ActionProxy proxy(*connection, sdbus::ObjectPath(path));
    proxy.Cancel();
    if (out.json()) {
        out.document({{"cancelled", path}});
    } else {
        out.line("cancelled " + path);
    }
    return toInt(ExitCode::Success);
}

} // namespace fwx::cli
