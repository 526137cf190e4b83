#include "lab/Conntrack.hpp"

#include "lab/Command.hpp"

namespace fwx::test {

std::vector<std::string> conntrackList(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"conntrack", "-L"};
    argv.insert(argv.end(), args.begin(), args.end());
    return splitLines(run(argv).out);
}

void conntrackFlush() {
    run({"conntrack", "-F"});
    run({"conntrack", "-F", "expect"});
}

} // namespace fwx::test
