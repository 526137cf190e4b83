#include "redirect/KernelHelper.hpp"

#include <algorithm>

namespace fwx::redirect {

// From the kernel's helper definitions (net/netfilter/nf_conntrack_*.c: the name and the
// nf_conntrack_expect_policy of each). H.323's two helpers are "Q.931" (TCP) and "RAS"
// (UDP); checked with `nft add ct helper` on the project's 6.18 kernel.
const std::vector<KernelHelper>& kernelHelpers() {
    static const std::vector<KernelHelper> helpers = {
        {"amanda", false, true, 3, true}, {"ftp", true, false, 1, true},
        {"irc", true, false, 8, false},   {"netbios-ns", false, true, 1, false},
        {"pptp", true, false, 2, false},  {"Q.931", true, false, 20, true},
        {"RAS", false, true, 32, true},   {"sane", true, false, 1, true},
        {"sip", true, true, 11, true},    {"snmp", false, true, 1, false},
        {"tftp", false, true, 1, true},
    };
    return helpers;
}

std::optional<KernelHelper> findKernelHelper(std::string_view name) {
    const auto& helpers = kernelHelpers();
    const auto it = std::find_if(helpers.begin(), helpers.end(),
                                 [&](const KernelHelper& helper) { return helper.name == name; });
    if (it == helpers.end()) {
        return std::nullopt;
    }
    return *it;
}

} // namespace fwx::redirect
