#include "conntrack/ExpectationDump.hpp"

#include "conntrack/ExpectationCodec.hpp"
#include "conntrack/Query.hpp"

#include <cstdint>
#include <string>

namespace fwx::conntrack {

std::vector<redirect::Expectation> dumpExpectations(const Handle& handle, net::Family family) {
    std::vector<redirect::Expectation> found;
    const auto addressFamily = static_cast<std::uint32_t>(net::toAddressFamily(family));
    queryExpectations(
        handle, NFCT_Q_DUMP, &addressFamily,
        [&](const nf_expect* expect) {
            if (auto expectation = fromKernel(expect)) {
                found.push_back(std::move(*expectation));
            }
        },
        "conntrack: dumping the " + std::string(net::toString(family)) + " expectation table");
    return found;
}

} // namespace fwx::conntrack
