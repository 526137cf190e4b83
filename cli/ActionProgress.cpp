#include "cli/ActionProgress.hpp"

namespace fwx::cli {

void ActionProgress::state(const std::string& state) {
    if (state == "consumed" || state == "expired" || state == "cancelled") {
        admitting_ = false;
    }
}

} // namespace fwx::cli
