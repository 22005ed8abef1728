// Quorum, witness, leases and fencing (docs/design.md "Quorum and leases"). The harness
// checks after every simulated 0.1 ms that at most one node acts as primary (primary with
// a valid lease) and that VIPs are only added under a lease.
#include <gtest/gtest.h>

#include "core/node.h"
#include "tests/support/test_cluster.h"

namespace vigil::core {
namespace {

using testing::make_config;
using testing::make_witness_config;
using testing::TestCluster;

constexpr std::size_t n1 = 0, n2 = 1, n3 = 2, w = 2;

TEST(Quorum, WitnessLetsTheStandbyTakeOverAfterDeadTime) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n1).status().groups[0].votes, 3u);
    c.crash(n1);
    Micros took = c.run_until([&] { return c.primaries() == std::vector<std::size_t>{n2}; },
                              ms(1000));
    // Promises to n1 end with the dead time, then one round trip for the witness's vote.
    EXPECT_GE(took, ms(200));
    EXPECT_LE(took, ms(255));
    EXPECT_EQ(c.node(n2).epoch(0), 2u);
    EXPECT_EQ(c.node(w).role(0), Role::standby);
}

TEST(Quorum, WitnessIsNeverPrimaryAndSaysWhy) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    c.crash(n1);
    c.crash(n2);
    c.run_for(ms(2000));
    EXPECT_EQ(c.node(w).role(0), Role::standby);
    auto st = c.node(w).status();
    EXPECT_TRUE(st.witness);
    EXPECT_EQ(st.groups[0].not_eligible, "witness (votes only)");
    EXPECT_TRUE(c.role_changes(w).empty());  // not even starting -> standby
    EXPECT_TRUE(c.node(w).heartbeat().witness);
}

TEST(Quorum, IsolatedPrimaryDemotesBeforeTheOtherSidePromotes) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    c.isolate(n1);  // n2 and w still hear each other
    TimePoint cut = c.now();
    TimePoint demoted = TimePoint::never(), promoted = TimePoint::never();
    c.run_until(
        [&] {
            if (demoted.is_never() && c.node(n1).role(0) != Role::primary) demoted = c.now();
            if (promoted.is_never() && c.node(n2).role(0) == Role::primary) promoted = c.now();
            return !demoted.is_never() && !promoted.is_never();
        },
        ms(2000));
    ASSERT_FALSE(demoted.is_never());
    ASSERT_FALSE(promoted.is_never());
    EXPECT_LT(demoted, promoted);         // the lease ends before anybody else may serve
    EXPECT_LE(promoted - cut, ms(260));  // and failover still takes about the dead time
    EXPECT_EQ(c.log(n1).count("lease_expired"), 1);
    // Isolated, n1 cannot reach a quorum: it does not even ask (no epochs burnt).
    c.run_for(ms(2000));
    EXPECT_EQ(c.node(n1).status().groups[0].campaign_epoch, 0u);
    EXPECT_EQ(c.node(n1).status().groups[0].not_eligible, "no quorum: 1/2 voters reachable");
    c.heal();
    c.run_for(ms(500));
    // preempt: n1 takes its group back by a handover, at a higher epoch.
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n1).epoch(0), 3u);
}

TEST(Quorum, MinorityOfThreeNodesCannotElect) {
    TestCluster c(make_config(3));
    c.run_for(testing::kStartup);
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    c.isolate(n1);
    c.run_for(ms(1000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});  // n2+n3 are a majority
    c.isolate(n2);  // now every node is alone: nobody may serve
    c.run_for(ms(1000));
    EXPECT_TRUE(c.primaries().empty());
    c.heal();
    c.run_for(ms(600));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

TEST(Quorum, OneWayLossDoesNotMoveTheGroup) {
    TestCluster c(make_witness_config(/*links=*/1));
    c.run_for(testing::kStartup);
    c.cut_one_way(n1, n2);  // n2 no longer hears n1; n1 hears n2; w hears both
    c.run_for(ms(3000));
    // n2 believes n1 dead and asks for votes, but w backs n1 while n1 renews its lease.
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n1).epoch(0), 1u);
    EXPECT_EQ(c.role_changes(n2).back().to, Role::standby);
    EXPECT_EQ(c.node(n2).status().groups[0].not_eligible, "");
    c.heal();
    c.run_for(ms(500));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

TEST(Quorum, WitnessDownKeepsThePrimaryButLosingTheStandbyToo) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    std::size_t changes = c.role_changes(n1).size();
    c.crash(w);
    c.run_for(ms(1000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});  // n1 + n2 are 2 of 3 voters
    EXPECT_EQ(c.role_changes(n1).size(), changes);            // no flap
    EXPECT_EQ(c.node(n1).epoch(0), 1u);
    EXPECT_EQ(c.node(n1).status().voters_alive, 2u);
    EXPECT_EQ(c.node(n1).status().groups[0].failover_blocked,
              "without n1 only 1 of 3 voters would remain; a quorum is 2");
    EXPECT_EQ(c.node(n2).status().groups[0].failover_blocked,
              "without n1 only 1 of 3 voters would remain; a quorum is 2");
    c.crash(n2);  // alone: 1 of 3 voters -- the primary must stop serving
    Micros took = c.run_until([&] { return c.primaries().empty(); }, ms(1000));
    EXPECT_GE(took, 0);
    EXPECT_LE(took, ms(250));
    c.run_for(testing::kStartup);  // until n2 is declared dead too
    EXPECT_EQ(c.node(n1).status().groups[0].not_eligible, "no quorum: 1/2 voters reachable");
    c.start(w);
    took = c.run_until([&] { return c.primaries() == std::vector<std::size_t>{n1}; }, ms(2000));
    EXPECT_GE(took, 0);
    EXPECT_LE(took, ms(400));  // w restarted with its durable state: it waits out promises
}

TEST(Quorum, PausedPrimaryComesBackAsStandbyWithoutActingAgain) {
    TestCluster c(make_witness_config(2, /*preempt=*/false));
    c.run_for(testing::kStartup);
    c.pause(n1);
    c.run_for(ms(1000));  // longer than the dead time; the harness checks "one acting"
    EXPECT_EQ(c.primaries().size(), 2u);  // n1 still thinks so, frozen...
    EXPECT_EQ(c.acting(), std::vector<std::size_t>{n2});  // ...but its lease is over
    std::size_t announcements = c.announcements(n1);
    c.resume(n1);
    EXPECT_EQ(c.node(n1).role(0), Role::standby);
    // Its view of the cluster is a second old: it does not ask for votes on it.
    EXPECT_EQ(c.log(n1).count("campaign"), 1);  // the first election only
    EXPECT_EQ(c.role_changes(n1).back().reason.rfind("lease expired", 0), 0u);
    c.run_for(ms(500));
    EXPECT_EQ(c.announcements(n1), announcements);
    EXPECT_TRUE(c.vip_holders().size() == 1 && c.vip_holders()[0] == n2);
}

TEST(Quorum, PausedPrimaryDoesNotReaddALostVipOnResume) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    c.pause(n1);
    c.run_for(ms(1000));
    c.resume(n1);
    auto a = c.admin(n1, VipLost{c.now(), 0, 0});
    EXPECT_TRUE(a.vip_changes.empty());
}

TEST(Quorum, EpochsKeepRisingAcrossAFullRestart) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    c.switchover(n1, "northbound", "n2");
    c.run_for(ms(10));
    ASSERT_EQ(c.node(n2).epoch(0), 2u);
    EXPECT_EQ(c.durable(n2).groups[0].epoch, 2u);
    for (std::size_t n : {n1, n2, w}) c.crash(n);
    for (std::size_t n : {n1, n2, w}) c.start(n);
    c.run_for(ms(1000));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n1).epoch(0), 3u);
}

TEST(Quorum, RestartedVoterWaitsOutPromisesItMayHaveGiven) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    c.crash(w);
    c.start(w);  // it backed n1 a moment ago and has forgotten that
    auto st = c.node(w).status();
    EXPECT_EQ(st.groups[0].not_eligible, "witness (votes only)");
    EXPECT_TRUE(c.role_changes(w).empty());  // not even starting -> standby
    c.crash(n1);
    // n2 needs w's vote; w may give it only once any promise made before the restart ended.
    TimePoint crashed = c.now();
    c.run_until([&] { return c.node(n2).role(0) == Role::primary; }, ms(2000));
    EXPECT_GE(c.now() - crashed, ms(250));
}

// Found in review: a voter restarted without its state file must not vote at once, or its
// forgotten promise to the old primary no longer protects that primary's lease.
TEST(Quorum, VoterThatLostItsStateFileStillWaitsOutItsPromises) {
    TestCluster c(make_config(3));
    c.run_for(testing::kStartup);
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    c.cut(n1, n2);
    c.run_for(ms(400));  // n1's lease now rests on n3 alone
    ASSERT_EQ(c.acting(), std::vector<std::size_t>{n1});
    c.cut_one_way(n1, n3);  // n1's renewals stop reaching n3
    c.crash(n3);
    c.lose_state(n3);
    c.start(n3);
    c.run_for(ms(1000));  // the harness fails on two acting primaries
    EXPECT_EQ(c.acting(), std::vector<std::size_t>{n2});
}

TEST(Quorum, AVoterVotesOnceInAnEpoch) {
    TestCluster c(make_config(3));
    c.crash(n1);
    c.crash(n2);
    c.run_for(ms(300));
    // Two candidates ask n3 for epoch 5; n3 backs the first and refuses the second.
    wire::Heartbeat a = c.node(n3).heartbeat();
    a.sender = "n1";
    a.groups[0].role = Role::standby;
    a.groups[0].priority = 150;
    a.groups[0].campaign_epoch = 5;
    a.sent_at_us = static_cast<std::uint64_t>(c.now().us);
    c.start(n1);
    c.crash(n1);  // only to give n1 a boot id; its state is irrelevant
    c.inject(n3, n1, 0, a);
    EXPECT_EQ(c.node(n3).status().groups[0].promised_to, "n1");
    wire::Heartbeat b = a;
    b.sender = "n2";
    b.groups[0].priority = 200;  // even a better one
    c.start(n2);
    c.crash(n2);
    c.inject(n3, n2, 0, b);
    EXPECT_EQ(c.node(n3).status().groups[0].promised_to, "n1");
    EXPECT_EQ(c.durable(n3).groups[0].epoch, 5u);
    EXPECT_EQ(c.durable(n3).groups[0].voted_for, "n1");
}

TEST(Quorum, AnEchoFromTheFutureDoesNotStretchTheLease) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    TimePoint before = c.node(n1).lease_expiry(0);
    wire::Heartbeat hb = c.last_sent(w);
    hb.seq = 0;
    hb.groups[0].vote_echo_us = static_cast<std::uint64_t>((c.now() + ms(60000)).us);
    c.inject(n1, w, 0, hb);
    EXPECT_LE(c.node(n1).lease_expiry(0), before + ms(60));
    EXPECT_LT(c.node(n1).lease_expiry(0), c.now() + ms(250));
}

TEST(Quorum, LeaseIsShorterThanThePromiseByDriftAndMargin) {
    auto cfg = make_witness_config();
    cfg.cluster.clock_drift_max_ppm = 10000;  // 1 %
    TestCluster c(cfg);
    c.run_for(testing::kStartup);
    // Promise 250 ms; lease = 250 * 0.99 / 1.01 - 25 = 220 ms from the echoed heartbeat.
    Micros left = c.node(n1).lease_expiry(0) - c.now();
    // Renewed about every interval: a voter answers a primary's heartbeat at once when its
    // own is due within half an interval, so the echo is at most that old.
    EXPECT_GT(left, ms(220) - ms(50) - ms(25) - ms(2));
    EXPECT_LE(left, ms(221));
}

TEST(Quorum, HandoverStaysFastWithQuorum) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    c.switchover(n1, "northbound", "n2");
    Micros took = c.run_until([&] { return c.acting() == std::vector<std::size_t>{n2}; },
                              ms(100));
    EXPECT_GE(took, 0);
    EXPECT_LE(took, ms(2));
}

TEST(Quorum, StatusShowsVotesLeaseAndPromises) {
    TestCluster c(make_witness_config());
    c.run_for(testing::kStartup);
    auto p = c.node(n1).status();
    EXPECT_EQ(p.groups[0].failover_blocked, "");
    EXPECT_EQ(p.quorum, 2u);
    EXPECT_EQ(p.voters_alive, 3u);
    EXPECT_EQ(p.groups[0].votes, 3u);
    EXPECT_EQ(p.groups[0].votes_needed, 2u);
    EXPECT_GT(p.groups[0].lease_expiry, c.now());
    auto s = c.node(n2).status();
    EXPECT_EQ(s.groups[0].promised_to, "n1");
    EXPECT_GT(s.groups[0].promise_expiry, c.now());
    EXPECT_EQ(s.groups[0].not_eligible.rfind("backing n1 for another", 0), 0u);
}

TEST(Fencing, TakeoverWaitsForTheFenceToSucceed) {
    auto cfg = make_witness_config();
    cfg.groups[0].fence = "/usr/local/bin/fence";
    TestCluster c(cfg);
    c.run_for(testing::kStartup);
    c.crash(n1);
    c.run_until([&] { return !c.node(n2).status().groups[0].fence.empty(); }, ms(1000));
    c.run_for(ms(500));
    EXPECT_TRUE(c.primaries().empty());  // quorum alone is not enough while the fence runs
    EXPECT_EQ(c.node(n2).status().groups[0].fence, "n1 running (attempt 1)");
    c.admin(n2, FenceResult{c.now(), 0, n1, true, "exit 0"});
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
}

TEST(Fencing, AFailedFenceDoesNotBlockWhatTheQuorumProves) {
    auto cfg = make_witness_config();
    cfg.groups[0].fence = "/usr/local/bin/fence";
    TestCluster c(cfg);
    c.run_for(testing::kStartup);
    c.crash(n1);
    c.run_until([&] { return !c.node(n2).status().groups[0].fence.empty(); }, ms(1000));
    c.admin(n2, FenceResult{c.now(), 0, n1, false, "exit 1"});
    c.run_for(ms(2));  // the witness's vote
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.log(n2).count("fence_result"), 1);
}

TEST(Fencing, TwoNodeModeRetriesAndWaitsForSuccess) {
    auto cfg = make_config();
    cfg.groups[0].fence = "/usr/local/bin/fence";
    cfg.cluster.fence_retry_ms = 100;
    TestCluster c(cfg);
    c.run_for(testing::kStartup);
    c.crash(n1);
    c.run_until([&] { return !c.node(n2).status().groups[0].fence.empty(); }, ms(1000));
    c.admin(n2, FenceResult{c.now(), 0, n1, false, "timeout"});
    EXPECT_TRUE(c.primaries().empty());
    EXPECT_EQ(c.node(n2).status().groups[0].fence, "n1 failed (attempt 1)");
    c.run_for(ms(150));  // fence_retry_ms
    EXPECT_EQ(c.node(n2).status().groups[0].fence, "n1 running (attempt 2)");
    c.admin(n2, FenceResult{c.now(), 0, n1, true, "exit 0"});
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
}

TEST(Fencing, PlannedHandoverDoesNotFence) {
    auto cfg = make_witness_config();
    cfg.groups[0].fence = "/usr/local/bin/fence";
    TestCluster c(cfg);
    c.run_for(testing::kStartup);
    c.switchover(n1, "northbound", "n2");
    c.run_for(ms(5));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.log(n2).count("fence_result"), 0);
}

TEST(TwoNode, TiebreakerDecidesWhoMayServe) {
    auto cfg = make_config();
    cfg.cluster.tiebreaker = "198.18.0.1";
    TestCluster c(cfg);
    // Both started before their first tie-breaker result, advertising priority 0; without a
    // quorum they may both promote at epoch 1 in that race (then the lower one yields).
    c.allow_equal_epoch_primaries();
    for (std::size_t n : {n1, n2}) c.admin(n, TiebreakerResult{c.now(), true});
    c.run_for(ms(400));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    c.admin(n1, TiebreakerResult{c.now(), false});  // n1 lost its uplink
    c.run_for(ms(5));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.node(n1).status().groups[0].not_eligible, "tiebreaker 198.18.0.1 unreachable");
    c.admin(n1, TiebreakerResult{c.now(), true});
    c.run_for(ms(5));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});  // preempt
}

TEST(TwoNode, UntilTheTiebreakerAnswersNobodyServes) {
    auto cfg = make_config();
    cfg.cluster.tiebreaker = "198.18.0.1";
    TestCluster c(cfg);
    c.run_for(ms(1000));
    EXPECT_TRUE(c.primaries().empty());
}

}  // namespace
}  // namespace vigil::core
