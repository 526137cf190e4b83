#include "cli/ActionProgress.hpp"

namespace fwx::cli {

void ActionProgress::state(const std::string& state) {
    if (state == "consumed") {
        consumed_ = true;
        admitting_ = false;
    } else if (state == "expired" || state == "cancelled") {
        admitting_ = false;
    }
}

} // namespace fwx::cli
