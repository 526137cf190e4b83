// What fwxctl redirect --exit-when-done waits for: each action's end, and the Closed of every
// connection it saw Established, in the order fwxd sends the signals (docs/dbus-api.md).
#include "cli/ActionProgress.hpp"

#include <gtest/gtest.h>

namespace {

using fwx::cli::ActionProgress;

TEST(ActionProgress, PendingIsNotFinished) {
    const ActionProgress action(true);
    EXPECT_FALSE(action.ended());
    EXPECT_FALSE(action.finished());
}

// Single use: consumed at admission, established when the target answers, consumed again
// when the connection closed.
TEST(ActionProgress, SingleUseWaitsForItsConnectionToEstablishAndClose) {
    ActionProgress action(true);
    action.state("consumed");
    EXPECT_TRUE(action.ended());
    EXPECT_FALSE(action.finished()) << "its connection was admitted, not yet established";
    action.established();
    action.state("established");
    EXPECT_FALSE(action.finished());
    action.closed();
    EXPECT_TRUE(action.finished()) << "Closed comes before the PropertiesChanged of its event";
    action.state("consumed");
    EXPECT_TRUE(action.finished());
}

TEST(ActionProgress, ExpiredUnusedIsFinished) {
    ActionProgress action(true);
    action.expired();
    EXPECT_TRUE(action.finished());
    action.state("expired");
    EXPECT_TRUE(action.finished());
}

TEST(ActionProgress, CancelledIsFinishedOnceItsConnectionsClosed) {
    ActionProgress action(false);
    action.established();
    action.state("established");
    action.expired(); // Expired("cancelled"): connections already established go on
    action.state("cancelled");
    EXPECT_TRUE(action.ended());
    EXPECT_FALSE(action.finished());
    action.closed();
    EXPECT_TRUE(action.finished());
}

// ALLOW_MULTIPLE with TIMEOUT: established from the first connection on, consumed when the
// time is up; every connection's Closed is waited for.
TEST(ActionProgress, MultipleWaitsForEveryConnection) {
    ActionProgress action(false);
    action.established();
    action.state("established");
    action.established();
    action.closed();
    action.state("consumed");
    EXPECT_TRUE(action.ended());
    EXPECT_FALSE(action.finished()) << "one of two connections is still open";
    action.closed();
    EXPECT_TRUE(action.finished());
}

TEST(ActionProgress, MultipleConsumedWithoutOpenConnectionsIsFinished) {
    ActionProgress action(false);
    action.state("consumed");
    EXPECT_TRUE(action.finished()) << "only a single-use permission awaits its admitted one";
}

TEST(ActionProgress, AStrayClosedDoesNotUnderflow) {
    ActionProgress action(false);
    action.closed();
    action.established();
    action.expired();
    EXPECT_FALSE(action.finished());
    action.closed();
    EXPECT_TRUE(action.finished());
}

} // namespace
