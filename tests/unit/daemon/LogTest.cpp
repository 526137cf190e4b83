// What reaches fwxd's log from a client stays on its line: control characters are
// escaped, caller-supplied strings are quoted and bounded, lines are bounded.
#include "daemon/Log.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fwx::daemon::log {
namespace {

TEST(LogTest, ControlCharactersCannotStartALineOrReachATerminal) {
    EXPECT_EQ(safeLine("evil\nfwxd: ready: fake\x1b[31m"), "evil\\x0afwxd: ready: fake\\x1b[31m");
    EXPECT_EQ(safeLine("a\r\n<0>b\tc\x7f"), "a\\x0d\\x0a<0>b\\x09c\\x7f");
    // The backslash too, so that an escape in the log always means a byte was escaped.
    EXPECT_EQ(safeLine("C:\\x0a"), "C:\\x5cx0a");
    // C1 controls as UTF-8 (U+009B is CSI); other UTF-8 text stays as it is.
    EXPECT_EQ(safeLine("\xc2\x9b"
                       "31m caf\xc3\xa9"),
              "\\xc2\\x9b31m caf\xc3\xa9");
}

TEST(LogTest, ALineIsBounded) {
    const std::string huge(1'000'000, 'x');
    const std::string line = safeLine(huge);
    EXPECT_EQ(line, std::string(MaxLineBytes, 'x') + "... (995904 more bytes)");
}

TEST(LogTest, UntrustedTextIsQuotedAndBounded) {
    EXPECT_EQ(untrusted("call 17"), "\"call 17\"");
    EXPECT_EQ(untrusted(std::string(1'048'576, 'd')),
              "\"" + std::string(MaxUntrustedBytes, 'd') + "...\" (1048576 bytes)");
}

} // namespace
} // namespace fwx::daemon::log
