// Goal: heartbeats lost per peer and link are counted exactly from sequence gaps, and a
// restart of the sender (new boot id) or a duplicate never counts as a loss.
// Method: sequence numbers as a sender numbers them (agent.cc send_heartbeats), for a
// cluster of 3 nodes with 2 links: a stride of 4 per link and receiver.
#include "daemon/heartbeat_loss.h"

#include <gtest/gtest.h>

namespace vigil::daemon {
namespace {

constexpr std::uint64_t kStride = 2 * (3 - 1);

TEST(HeartbeatLoss, ConsecutiveHeartbeatsLoseNothing) {
    HeartbeatLoss loss(3, 2, kStride);
    for (std::uint64_t round = 0; round < 10; ++round)
        loss.on_heartbeat(1, 0, 7, 1 + round * kStride);
    EXPECT_EQ(loss.lost(1, 0), 0u);
    EXPECT_EQ(loss.received(1, 0), 10u);
}

TEST(HeartbeatLoss, GapsCountTheMissingRounds) {
    HeartbeatLoss loss(3, 2, kStride);
    loss.on_heartbeat(1, 1, 7, 3);
    loss.on_heartbeat(1, 1, 7, 3 + 3 * kStride);  // two rounds missing
    loss.on_heartbeat(1, 1, 7, 3 + 4 * kStride);
    loss.on_heartbeat(1, 1, 7, 3 + 10 * kStride);  // five more
    EXPECT_EQ(loss.lost(1, 1), 7u);
    EXPECT_EQ(loss.lost(1, 0), 0u);  // per link
    EXPECT_EQ(loss.lost(2, 1), 0u);  // per peer
}

TEST(HeartbeatLoss, RestartStartsAfresh) {
    HeartbeatLoss loss(3, 2, kStride);
    loss.on_heartbeat(2, 0, 7, 1000);
    loss.on_heartbeat(2, 0, 8, 1);  // restarted: its counter began again
    loss.on_heartbeat(2, 0, 8, 1 + kStride);
    EXPECT_EQ(loss.lost(2, 0), 0u);
}

TEST(HeartbeatLoss, DuplicatesAndOldNumbersAreNotLosses) {
    HeartbeatLoss loss(3, 2, kStride);
    loss.on_heartbeat(1, 0, 7, 100);
    loss.on_heartbeat(1, 0, 7, 100);
    loss.on_heartbeat(1, 0, 7, 50);
    loss.on_heartbeat(1, 0, 7, 100 + kStride);
    EXPECT_EQ(loss.lost(1, 0), 0u);
}

}  // namespace
}  // namespace vigil::daemon
