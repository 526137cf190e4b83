#include "lab/Nft.hpp"

#include "lab/Command.hpp"

#include <stdexcept>

namespace fwx::test {

nlohmann::json nftJson(const std::vector<std::string>& listArgs) {
    std::vector<std::string> argv{"nft", "-j", "list"};
    argv.insert(argv.end(), listArgs.begin(), listArgs.end());
    const CommandResult result = run(argv);
    try {
        return nlohmann::json::parse(result.out);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error(commandLine(argv) + " printed no JSON (" + e.what() +
                                 "): " + result.out);
    }
}

void nftApply(std::string_view script) {
    runWithInput({"nft", "-f", "-"}, std::string(script));
}

} // namespace fwx::test
