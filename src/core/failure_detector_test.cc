// FailureDetector: a peer is dead only after dead_time of silence on every link; each link
// has its own state; late heartbeats are reported.
#include "core/failure_detector.h"

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

constexpr TimePoint t0{1'000'000};

TEST(FailureDetector, UnheardPeerIsNotAlive) {
    FailureDetector d(2, 2, ms(250), ms(100));
    EXPECT_FALSE(d.alive(1));
    EXPECT_FALSE(d.ever_heard(1));
    EXPECT_TRUE(d.next_deadline().is_never());
}

TEST(FailureDetector, PeerDiesAfterDeadTimeOfSilenceOnEveryLink) {
    FailureDetector d(2, 2, ms(250), ms(100));
    EXPECT_TRUE(d.heard(1, 0, t0).peer_came_alive);
    EXPECT_FALSE(d.heard(1, 1, t0 + ms(100)).peer_came_alive);
    EXPECT_TRUE(d.expire(t0 + ms(249)).peers.empty());
    auto e = d.expire(t0 + ms(250));  // link 0 silent 250 ms, link 1 only 150 ms
    EXPECT_TRUE(e.peers.empty());
    ASSERT_EQ(e.links.size(), 1u);
    EXPECT_EQ(e.links[0], std::make_pair(std::size_t{1}, std::size_t{0}));
    EXPECT_TRUE(d.alive(1));
    EXPECT_EQ(d.next_deadline(), t0 + ms(350));
    auto f = d.expire(t0 + ms(350));
    EXPECT_EQ(f.peers, std::vector<std::size_t>{1});
    EXPECT_FALSE(d.alive(1));
    EXPECT_EQ(d.died_at(1), t0 + ms(350));
    EXPECT_TRUE(d.expire(t0 + ms(999)).peers.empty());  // reported once
}

TEST(FailureDetector, LateHeartbeatReportsTheGap) {
    FailureDetector d(2, 1, ms(250), ms(100));
    d.heard(1, 0, t0);
    EXPECT_FALSE(d.heard(1, 0, t0 + ms(50)).late_gap);
    auto h = d.heard(1, 0, t0 + ms(180));
    ASSERT_TRUE(h.late_gap);
    EXPECT_EQ(*h.late_gap, ms(130));
}

TEST(FailureDetector, ForgetMarksThePeerDeadAtOnce) {
    FailureDetector d(2, 2, ms(250), ms(100));
    d.heard(1, 0, t0);
    d.forget(1, t0 + ms(1));
    EXPECT_FALSE(d.alive(1));
    EXPECT_FALSE(d.link_alive(1, 0));
    EXPECT_TRUE(d.heard(1, 0, t0 + ms(2)).peer_came_alive);
}

}  // namespace
}  // namespace vigil::core
