// Under systemd fwxd's stderr is a journal stream, and fwxd sends each record to journald
// itself, with fields (fwxd(8), LOGGING). The real fwxd runs here with stderr announced as a
// journal stream (JOURNAL_STREAM) and, in a mount namespace of its own, a fake journald's
// socket at /run/systemd/journal/socket; the test reads what fwxd really sent.
#include "ConntrackFixture.hpp"
#include "FakeJournal.hpp"
#include "Target.hpp"
#include "lab/WaitUntil.hpp"

#include <chrono>
#include <iostream>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

// The MESSAGE_IDs fwxd(8) documents: admins filter on them, so they never change.
constexpr const char* ReadyId = "59a856513a2c4fb78fa89c76d18f2833";
constexpr const char* StoppingId = "735edbfa8de44ee2b5b2d4f3f639001f";
constexpr const char* SessionOpenedId = "c1ead4c964d4450fbb242a85d9841279";
constexpr const char* SessionClosedId = "f47b31319ee741c6964a50ef75ee6a45";
constexpr const char* RedirectCreatedId = "38d5d299c71744b5b75923d5ce2f074f";
constexpr const char* RedirectEndedId = "6abab151d2c7461ca85f70ff0b2cb74e";
constexpr const char* ConnectionEstablishedId = "76231d815b9c4551bfb26063e7c070e3";
constexpr const char* ConnectionClosedId = "d861f15eccb94a3eaa2dad6bbb0383d4";
constexpr const char* ProtocolRegisteredId = "11ac9f201e3e4722b5a133681111f2b2";
constexpr const char* ProtocolUnregisteredId = "49c9e00a985d48a7ae105031e1da8460";

constexpr const char* Guid = "4f5c1a0e-1b2c-4d3e-8f90-a1b2c3d4e5f6";

// The entry with this MESSAGE_ID whose field name has this value.
auto withId(const std::string& id, const std::string& name, const std::string& value) {
    return [=](const JournalEntry& entry) {
        return valueOf(entry, "MESSAGE_ID") == id && valueOf(entry, name) == value;
    };
}

class Journal : public ConntrackFixture {
protected:
    Journal() {
        fwxdOptions.journalStream = true;
        fwxdOptions.mounts = {journal.mount()};
    }

    // Every record fwxd sent: one MESSAGE, one PRIORITY and SYSLOG_IDENTIFIER=fwxd each,
    // nothing but the documented fields, none with a control character; and nothing on
    // stderr: with the journal there, every record went to it.
    void expectOnlyWellFormedRecords() const {
        const std::set<std::string> documented{"MESSAGE",    "PRIORITY",   "SYSLOG_IDENTIFIER",
                                               "MESSAGE_ID", "SESSION",    "ACTION",
                                               "CALLER",     "CALLER_UID", "PROTOCOL_GUID"};
        for (const JournalEntry& entry : journal.entries()) {
            EXPECT_EQ(valuesOf(entry, "MESSAGE").size(), 1U);
            EXPECT_EQ(valuesOf(entry, "PRIORITY").size(), 1U);
            EXPECT_EQ(valuesOf(entry, "SYSLOG_IDENTIFIER"), std::vector<std::string>{"fwxd"});
            for (const auto& [name, value] : entry) {
                EXPECT_TRUE(documented.contains(name)) << name << "=" << value;
                for (const char c : value) {
                    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                        << name << "=" << value;
                }
            }
        }
        EXPECT_EQ(journal.errors(), std::vector<std::string>{});
        EXPECT_EQ(fwxd->log(), "");
    }

    void TearDown() override {
        ConntrackFixture::TearDown();
        if (HasFailure()) {
            std::cerr << "---- what fwxd sent the journal ----\n";
            for (const JournalEntry& entry : journal.entries()) {
                for (const auto& [name, value] : entry) {
                    std::cerr << name << "=" << value << "\n";
                }
                std::cerr << "\n";
            }
        }
    }

    std::optional<JournalEntry> waitFor(const std::function<bool(const JournalEntry&)>& matches) {
        return journal.waitFor(matches, 10s);
    }

    FakeJournal journal;
};

// What a client writes cannot forge a record or a field: its text is escaped inside the
// one MESSAGE, and the record carries the session, its caller and the kind of event.
TEST_F(Journal, ASessionOpenedWithAForgingDescriptionIsOneRecordWithItsFields) {
    const std::string session = client().openSession(
        {{"Description", sdbus::Variant(std::string("evil\nMESSAGE=forged\n<0>x"))}});
    const auto opened = waitFor(withId(SessionOpenedId, "SESSION", session));
    ASSERT_TRUE(opened) << "no session-opened record; fwxd's stderr:\n" << fwxd->log();
    EXPECT_EQ(valueOf(*opened, "PRIORITY"), "6");
    EXPECT_EQ(valueOf(*opened, "CALLER_UID"), "0");
    EXPECT_EQ(valueOf(*opened, "CALLER"), client().uniqueName());
    EXPECT_EQ(valuesOf(*opened, "MESSAGE"),
              std::vector<std::string>{"session 1 opened by " + client().uniqueName() +
                                       " (uid 0): \"evil\\x0aMESSAGE=forged\\x0a<0>x\""});
    for (const JournalEntry& entry : journal.entries()) {
        for (const auto& [name, value] : entry) {
            EXPECT_NE(value, "forged") << name;
            EXPECT_FALSE(name == "PRIORITY" && value == "0");
        }
    }
    expectOnlyWellFormedRecords();
}

TEST_F(Journal, StartAndStopAreRecords) {
    EXPECT_TRUE(waitFor([](const JournalEntry& e) { return valueOf(e, "MESSAGE_ID") == ReadyId; }));
    EXPECT_EQ(stopDaemon(), std::optional<int>(0));
    const auto stopping =
        waitFor([](const JournalEntry& e) { return valueOf(e, "MESSAGE_ID") == StoppingId; });
    ASSERT_TRUE(stopping);
    EXPECT_EQ(valueOf(*stopping, "MESSAGE"), "stopping: removing 0 redirect(s) of 0 session(s)");
    expectOnlyWellFormedRecords();
}

// `journalctl ACTION=...` tells an action's story: created, its connection up and down,
// cancelled; `journalctl SESSION=...` the session's, to its close.
TEST_F(Journal, RedirectsTheirConnectionsAndTheirEndNameSessionAndAction) {
    client().firewall().RegisterProtocol(Guid, {{"Name", sdbus::Variant(std::string("FTP"))},
                                                {"Transport", sdbus::Variant(std::string("tcp"))}});
    const auto registered = waitFor(withId(ProtocolRegisteredId, "PROTOCOL_GUID", Guid));
    ASSERT_TRUE(registered);
    EXPECT_EQ(valueOf(*registered, "CALLER"), client().uniqueName());

    Target server{lab, Family::V4, net::Transport::Tcp};
    const std::string session = client().openSession();
    RedirectRequest request;
    request.protocolGuid = Guid;
    request.flags = AllowMultiple;
    const Redirected redirected = client().redirect(
        session, {ConnectAddress(server.address().address(), server.address().port())}, request);
    const std::string action = redirected.actions.at(0);
    const auto created = waitFor(withId(RedirectCreatedId, "ACTION", action));
    ASSERT_TRUE(created);
    EXPECT_EQ(valueOf(*created, "SESSION"), session);
    EXPECT_EQ(valueOf(*created, "PROTOCOL_GUID"), Guid);
    EXPECT_EQ(valueOf(*created, "CALLER_UID"), "0");

    ASSERT_TRUE(server.reachedVia({redirected.internalAddress, redirected.basePort},
                                  Client{&lab.client(), {}, {}}));
    const auto established = waitFor(withId(ConnectionEstablishedId, "ACTION", action));
    ASSERT_TRUE(established);
    EXPECT_EQ(valueOf(*established, "SESSION"), session);
    EXPECT_EQ(valueOf(*established, "CALLER"), client().uniqueName());
    EXPECT_NE(valueOf(*established, "MESSAGE").find(Lab::clientAddress(Family::V4)),
              std::string::npos);
    ASSERT_TRUE(reapUntil([&] { return client().received(action, "Closed") > 0; }, 30s, "Closed"));
    EXPECT_TRUE(waitFor(withId(ConnectionClosedId, "ACTION", action)));

    client().action(action).Cancel();
    const auto cancelled = waitFor(withId(RedirectEndedId, "ACTION", action));
    ASSERT_TRUE(cancelled);
    EXPECT_EQ(valueOf(*cancelled, "MESSAGE"), "action 1 cancelled");
    client().session(session).Close();
    EXPECT_TRUE(waitFor(withId(SessionClosedId, "SESSION", session)));
    client().firewall().UnregisterProtocol(Guid);
    EXPECT_TRUE(waitFor(withId(ProtocolUnregisteredId, "PROTOCOL_GUID", Guid)));
    expectOnlyWellFormedRecords();
}

// A deadline ends many permissions at once: one record per session, naming each action.
TEST_F(Journal, PermissionsThatLapseTogetherAreOneRecord) {
    const std::string session = client().openSession();
    RedirectRequest request;
    request.flags = TimeoutFlag;
    request.options = {{"Timeout", sdbus::Variant(std::uint64_t{300'000})}};
    const Redirected redirected = client().redirect(session,
                                                    {target(Lab::serverAddress(Family::V4), 21000),
                                                     target(Lab::serverAddress(Family::V4), 21001)},
                                                    request);
    const auto ended = waitFor(withId(RedirectEndedId, "SESSION", session));
    ASSERT_TRUE(ended);
    EXPECT_EQ(valuesOf(*ended, "ACTION"),
              (std::vector<std::string>{redirected.actions.at(0), redirected.actions.at(1)}));
    EXPECT_EQ(valueOf(*ended, "MESSAGE"), "session 1: 2 redirect(s) ended (timeout): action 1, 2");
    EXPECT_EQ(valueOf(*ended, "CALLER"), client().uniqueName());
    expectOnlyWellFormedRecords();
}

// No journald to take a record (its socket is missing, or no one listens on it): stderr is
// still the journal stream, and the records go there, as lines with the priority prefix
// journald reads.
class JournalAway : public DaemonFixture, public ::testing::WithParamInterface<FakeJournal::State> {
protected:
    JournalAway() {
        fwxdOptions.journalStream = true;
        fwxdOptions.mounts = {journal.mount()};
    }

    FakeJournal journal{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Sockets, JournalAway,
                         ::testing::Values(FakeJournal::State::Missing, FakeJournal::State::Dead),
                         [](const auto& test) {
                             return test.param == FakeJournal::State::Missing ? "Missing" : "Dead";
                         });

TEST_P(JournalAway, RecordsFallBackToPrefixedLinesOnTheStream) {
    client().openSession({{"Description", sdbus::Variant(std::string("evil\n<0>x"))}});
    const std::string expected =
        "<6>session 1 opened by " + client().uniqueName() + " (uid 0): \"evil\\x0a<0>x\"\n";
    EXPECT_TRUE(waitUntil([&] { return fwxd->log().find(expected) != std::string::npos; }, 10s,
                          "the session's line"))
        << fwxd->log();
    EXPECT_NE(fwxd->log().find("<6>ready: org.fwxd.Firewall1 on :"), std::string::npos);
    EXPECT_EQ(fwxd->log().find("fwxd: "), std::string::npos) << "a plain line:\n" << fwxd->log();
}

// The witness itself: both forms of the native protocol, and what is not one.
TEST(JournalProtocol, ReadsBothFormsAndRefusesACutField) {
    using namespace std::string_literals;
    const JournalEntry entry =
        parseNativeEntry("MESSAGE=hi\nBLOB\n\x03\0\0\0\0\0\0\0a\nb\nPRIORITY=6\n"s);
    EXPECT_EQ(entry, (JournalEntry{{"MESSAGE", "hi"}, {"BLOB", "a\nb"}, {"PRIORITY", "6"}}));
    EXPECT_THROW(parseNativeEntry("BLOB\n\x09\0\0\0\0\0\0\0a\n"s), std::runtime_error);
    EXPECT_THROW(parseNativeEntry("MESSAGE=no newline"), std::runtime_error);
}

} // namespace
} // namespace fwx::test
