#pragma once

#include <string>

namespace fwx::redirect {

// Who asked: the bus connection that owns a session (its unique name) and its uid. A
// session ends with its owner.
struct Owner {
    std::string name;
    unsigned uid = 0;
};

} // namespace fwx::redirect
