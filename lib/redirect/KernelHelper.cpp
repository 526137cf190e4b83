#include "redirect/KernelHelper.hpp"

#include <algorithm>

namespace fwx::redirect {

// From the kernel's helper definitions (net/netfilter/nf_conntrack_*.c: the
// nf_conntrack_expect_policy of each), checked on the project's 6.18 kernel for irc.
const std::vector<KernelHelper>& kernelHelpers() {
    static const std::vector<KernelHelper> helpers = {
        {"amanda", false, true, 0, 4, true},      {"ftp", true, false, 1, 0, true},
        {"h323", true, true, 20, 32, true},       {"irc", true, false, 8, 0, false},
        {"netbios-ns", false, true, 0, 1, false}, {"pptp", true, false, 2, 0, false},
        {"sane", true, false, 1, 0, true},        {"sip", true, true, 11, 11, true},
        {"snmp", false, true, 0, 1, false},       {"tftp", false, true, 0, 1, true},
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
