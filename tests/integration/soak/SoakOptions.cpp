#include "SoakOptions.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace fwx::test {

namespace {

bool parseNumber(std::string_view text, std::uint64_t& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

} // namespace

SoakOptions& soakOptions() {
    static SoakOptions options;
    return options;
}

bool parseSoakOptions(int& argc, char** argv, SoakOptions& options) {
    // Flag and number in pairs.
    for (int i = 1; i < argc; i += 2) {
        const std::string_view flag = argv[i];
        std::uint64_t* target = nullptr;
        if (flag == "--operations") {
            target = &options.operations;
        } else if (flag == "--seed") {
            target = &options.seed;
        } else if (flag == "--progress") {
            target = &options.progressEvery;
        } else {
            std::fprintf(stderr,
                         "fwxd-soak: unknown argument \"%s\" (known: --operations N, "
                         "--seed S, --progress N, and gtest's flags)\n",
                         argv[i]);
            return false;
        }
        if (i + 1 >= argc || !parseNumber(argv[i + 1], *target)) {
            std::fprintf(stderr, "fwxd-soak: %s needs a number\n", argv[i]);
            return false;
        }
    }
    argc = 1; // every argument was the soak's
    return true;
}

} // namespace fwx::test
