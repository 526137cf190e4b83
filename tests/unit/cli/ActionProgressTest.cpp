// What fwxctl redirect waits for: --exit-when-done for each action's Finished, its last
// signal (docs/dbus-api.md, Action1 lifetime); after a signal, for each action's end.
#include "cli/ActionProgress.hpp"

#include <gtest/gtest.h>

namespace {

using fwx::cli::ActionProgress;

TEST(ActionProgress, PendingIsNeitherEndedNorDone) {
    const ActionProgress action;
    EXPECT_FALSE(action.ended());
    EXPECT_FALSE(action.done());
}

// Single use: consumed at admission, established when the target answers, consumed again
// when the connection closed; Finished follows.
TEST(ActionProgress, SingleUseIsDoneAtItsFinished) {
    ActionProgress action;
    action.state("consumed");
    EXPECT_TRUE(action.ended());
    EXPECT_FALSE(action.done()) << "its connection was admitted, not yet established";
    action.state("established");
    action.state("consumed");
    EXPECT_FALSE(action.done()) << "Closed and consumed again: Finished is still to come";
    action.finished();
    EXPECT_TRUE(action.done());
}

// The case that hung before Finished: the connection was admitted (consumed) but never
// established, so neither Established nor Closed comes; Finished("consumed", 0) does.
TEST(ActionProgress, AdmittedButNeverEstablishedIsDoneAtItsFinished) {
    ActionProgress action;
    action.state("consumed");
    EXPECT_FALSE(action.done());
    action.finished();
    EXPECT_TRUE(action.done());
}

TEST(ActionProgress, ExpiredIsEndedAndDoneOnlyAtItsFinished) {
    ActionProgress action;
    action.expired();
    action.state("expired");
    EXPECT_TRUE(action.ended());
    EXPECT_FALSE(action.done());
    action.finished();
    EXPECT_TRUE(action.done());
}

TEST(ActionProgress, CancelledWithAConnectionIsDoneAtItsFinished) {
    ActionProgress action;
    action.state("established");
    action.expired(); // Expired("cancelled"): connections already established go on
    action.state("cancelled");
    EXPECT_TRUE(action.ended());
    EXPECT_FALSE(action.done()) << "its connection still lives";
    action.finished();
    EXPECT_TRUE(action.done());
}

TEST(ActionProgress, FinishedAloneEndsIt) {
    ActionProgress action;
    action.finished();
    EXPECT_TRUE(action.ended());
    EXPECT_TRUE(action.done());
}

} // namespace
