// What reaches fwxd's log from a client stays on its line: control characters are
// escaped, caller-supplied strings are quoted and bounded, lines are bounded. Under
// systemd a record becomes journal fields, and client text can neither add a field nor
// grow one without bound.
#include "daemon/Log.hpp"

#include "daemon/MessageIds.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

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

std::size_t countWithPrefix(const std::vector<std::string>& fields, const std::string& prefix) {
    return static_cast<std::size_t>(std::count_if(
        fields.begin(), fields.end(), [&](const std::string& f) { return f.starts_with(prefix); }));
}

TEST(LogJournalTest, ARecordWithoutFieldsHasMessagePriorityAndIdentifier) {
    const Record record{Priority::Warning, Event::None, {}, "conntrack events were lost"};
    EXPECT_EQ(journalFields(record),
              (std::vector<std::string>{"MESSAGE=conntrack events were lost", "PRIORITY=4",
                                        "SYSLOG_IDENTIFIER=fwxd"}));
}

TEST(LogJournalTest, EveryFieldThatIsSetAppearsInOrder) {
    Record record{Priority::Info, Event::RedirectCreated, {}, "session 3: 2 redirect(s)"};
    record.fields.session = "/org/fwxd/Firewall1/session/3";
    record.fields.actions = {"/org/fwxd/Firewall1/action/7", "/org/fwxd/Firewall1/action/8"};
    record.fields.callerUid = 0;
    record.fields.caller = ":1.42";
    record.fields.protocolGuid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    const std::vector<std::string> expected{
        "MESSAGE=session 3: 2 redirect(s)",
        "PRIORITY=6",
        "SYSLOG_IDENTIFIER=fwxd",
        "MESSAGE_ID=38d5d299c71744b5b75923d5ce2f074f",
        "SESSION=/org/fwxd/Firewall1/session/3",
        "ACTION=/org/fwxd/Firewall1/action/7",
        "ACTION=/org/fwxd/Firewall1/action/8",
        "CALLER_UID=0",
        "CALLER=:1.42",
        "PROTOCOL_GUID=6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    };
    EXPECT_EQ(journalFields(record), expected);
}

// sd_journal_sendv would frame a newline safely, but `journalctl -o verbose` shows each
// field on a line: a value with a newline would show a field of the client's choosing (a
// second MESSAGE, PRIORITY=0), and an escape sequence would reach the admin's terminal.
TEST(LogJournalTest, ClientTextCannotAddOrForgeAField) {
    Record record{Priority::Info,
                  Event::SessionOpened,
                  {},
                  "session 1 opened: \"evil\nMESSAGE=forged\n<0>x\""};
    record.fields.caller = ":1.5\nPRIORITY=0";
    record.fields.protocolGuid = "x\nMESSAGE_ID=00000000000000000000000000000000\x1b[31m";
    const std::vector<std::string> fields = journalFields(record);
    for (const std::string& field : fields) {
        EXPECT_EQ(field.find('\n'), std::string::npos) << field;
        EXPECT_EQ(field.find('\x1b'), std::string::npos) << field;
    }
    EXPECT_EQ(countWithPrefix(fields, "MESSAGE="), 1U);
    EXPECT_EQ(countWithPrefix(fields, "PRIORITY="), 1U);
    EXPECT_EQ(countWithPrefix(fields, "MESSAGE_ID="), 1U);
    EXPECT_EQ(fields[0], "MESSAGE=session 1 opened: \"evil\\x0aMESSAGE=forged\\x0a<0>x\"");
    EXPECT_EQ(fields[1], "PRIORITY=6");
    EXPECT_NE(std::find(fields.begin(), fields.end(), "CALLER=:1.5\\x0aPRIORITY=0"), fields.end());
    EXPECT_NE(std::find(fields.begin(), fields.end(),
                        "PROTOCOL_GUID=x\\x0aMESSAGE_ID=00000000000000000000000000000000\\x1b[31m"),
              fields.end());
}

TEST(LogJournalTest, FieldValuesAreBounded) {
    Record record{Priority::Info, Event::None, {}, std::string(1'000'000, 'm')};
    record.fields.caller = std::string(1'000'000, 'c');
    for (int i = 0; i < 1000; ++i) {
        record.fields.actions.push_back("/org/fwxd/Firewall1/action/" + std::to_string(i));
    }
    const std::vector<std::string> fields = journalFields(record);
    EXPECT_EQ(fields[0], "MESSAGE=" + std::string(MaxLineBytes, 'm') + "... (995904 more bytes)");
    EXPECT_EQ(countWithPrefix(fields, "ACTION="), MaxActionFields);
    EXPECT_EQ(fields.back(),
              "CALLER=" + std::string(MaxFieldBytes, 'c') + "... (999744 more bytes)");
}

TEST(LogJournalTest, LinesAreTodaysLines) {
    const Record record{Priority::Error, Event::BusLost, {}, "lost\nit"};
    EXPECT_EQ(plainLine(record), "fwxd: lost\\x0ait");
    EXPECT_EQ(streamLine(record), "<3>lost\\x0ait");
}

TEST(LogJournalTest, EveryKindOfEventHasItsOwnId) {
    EXPECT_EQ(messageId(Event::None), "");
    std::set<std::string_view> ids;
    for (int kind = static_cast<int>(Event::Ready); kind <= static_cast<int>(Event::InternalError);
         ++kind) {
        const std::string_view id = messageId(static_cast<Event>(kind));
        EXPECT_EQ(id.size(), 32U) << kind;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string_view::npos) << id;
        EXPECT_TRUE(ids.insert(id).second) << "repeated: " << id;
    }
}

// Keeps what the call sites log, instead of writing it.
class RecordingSink final : public Sink {
public:
    explicit RecordingSink(std::vector<Record>& records)
        : records_(records) {}
    void write(const Record& record) override { records_.push_back(record); }

private:
    std::vector<Record>& records_;
};

class LogCallTest : public ::testing::Test {
protected:
    void SetUp() override { previous_ = setSink(std::make_unique<RecordingSink>(records)); }
    void TearDown() override { setSink(std::move(previous_)); }

    std::vector<Record> records;

private:
    std::unique_ptr<Sink> previous_;
};

TEST_F(LogCallTest, CallSitesHandTheSinkTheirEventFieldsAndText) {
    Fields fields;
    fields.session = "/org/fwxd/Firewall1/session/3";
    fields.callerUid = 1000;
    info(Event::SessionOpened, fields, "session {} opened by {}", 3, ":1.7");
    warning("plain {}", "text");
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0].priority, Priority::Info);
    EXPECT_EQ(records[0].event, Event::SessionOpened);
    EXPECT_EQ(records[0].fields.session, "/org/fwxd/Firewall1/session/3");
    EXPECT_EQ(records[0].fields.callerUid, std::optional<uid_t>(1000));
    EXPECT_EQ(records[0].text, "session 3 opened by :1.7");
    EXPECT_EQ(records[1].priority, Priority::Warning);
    EXPECT_EQ(records[1].event, Event::None);
    EXPECT_FALSE(records[1].fields.callerUid.has_value());
    EXPECT_EQ(records[1].text, "plain text");
}

} // namespace
} // namespace fwx::daemon::log
