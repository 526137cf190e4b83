#include "redirect/Redirect.hpp"

#include <string>

#include <fmt/format.h>

namespace fwx::redirect {

std::string describe(const RedirectGroup& group) {
    if (group.redirects.empty()) {
        return fmt::format("group {}: no redirects", group.id);
    }
    // A group's ports are consecutive on one address (PortAllocator), so the ends say it all.
    const net::Endpoint& first = group.redirects.front().internal;
    const std::uint16_t last = group.redirects.back().internal.port;
    const std::string ports =
        last == first.port ? first.toString() : fmt::format("{}-{}", first.toString(), last);
    return fmt::format("group {}: {}/{}", group.id, ports, net::toString(group.transport()));
}

} // namespace fwx::redirect
