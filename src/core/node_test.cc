// Election and failover behaviour of core::Node, on a simulated clock and network
// (tests/support/test_cluster.h). Each test names the behaviour it proves; times are the
// defaults of the example config: heartbeat 50 ms, dead time 250 ms.
#include "core/node.h"

#include <gtest/gtest.h>

#include "tests/support/test_cluster.h"

namespace vigil::core {
namespace {

using testing::make_config;
using testing::TestCluster;
constexpr std::size_t n1 = 0, n2 = 1, n3 = 2;

TEST(NodeElection, HighestPriorityBecomesPrimaryAtStart) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n1).epoch(0), 1u);
    EXPECT_EQ(c.node(n2).role(0), Role::standby);
    EXPECT_EQ(c.vip_holders(0, 0), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.vip_holders(0, 1), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n2).status().groups[0].primary, "n1");
}

TEST(NodeElection, NameBreaksPriorityTies) {
    auto cfg = make_config();
    cfg.groups[0].priority = {100, 100};
    TestCluster c(cfg);
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});  // "n1" < "n2"
}

TEST(NodeElection, LoneNodeWaitsInitDeadBeforePromoting) {
    auto cfg = make_config();
    cfg.groups[0].priority = {100, 150};  // n2 preferred, but it is off
    TestCluster c(cfg);
    c.crash(n2);
    c.run_for(ms(200));
    EXPECT_EQ(c.node(n1).role(0), Role::starting);
    EXPECT_TRUE(c.primaries().empty());
    c.run_for(ms(60));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

// A file with vrrp3 groups may have one node (docs/config.md): its Node has no peer, is a
// quorum of one, and settles after init dead time like a lone node of a pair.
TEST(NodeElection, OneNodeClusterSettlesAndIsPrimaryAlone) {
    auto cfg = make_config(1);
    TestCluster c(cfg);
    c.run_for(ms(200));
    EXPECT_EQ(c.node(0).role(0), Role::starting);
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{0});
    const auto st = c.node(0).status();
    EXPECT_TRUE(st.settled);
    EXPECT_EQ(st.voters_alive, 1u);
    EXPECT_EQ(st.quorum, 1u);
    EXPECT_TRUE(st.peers.empty());
    c.run_for(ms(5000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{0});
}

TEST(NodeElection, NodeNotInPriorityTableIsNeverPrimary) {
    auto cfg = make_config();
    cfg.groups[0].priority = {std::nullopt, 100};
    TestCluster c(cfg);
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    c.crash(n2);
    c.run_for(ms(1000));
    EXPECT_TRUE(c.primaries().empty());
}

TEST(NodeFailover, StandbyTakesOverAfterDeadTime) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.crash(n1);
    Micros took = c.run_until([&] { return c.node(n2).role(0) == Role::primary; }, ms(1000));
    // Silent for dead_time since the last heartbeat, which came at most one interval before.
    EXPECT_GE(took, ms(200));
    EXPECT_LE(took, ms(251));
    EXPECT_EQ(c.node(n2).epoch(0), 2u);
    EXPECT_EQ(c.vip_holders(0, 0), std::vector<std::size_t>{n2});
    const RoleChange& rc = c.role_changes(n2).back();
    EXPECT_EQ(rc.to, Role::primary);
    EXPECT_EQ(rc.previous_primary, "n1");
    EXPECT_EQ(rc.previous_declared_dead - rc.previous_last_heard, ms(250));
    EXPECT_EQ(rc.replaced_primary, "n1");
    EXPECT_NE(rc.reason.find("n1 is dead"), std::string::npos) << rc.reason;
}

TEST(NodeFailover, OneLiveLinkKeepsThePeerAlive) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.cut_link(n1, n2, 0);
    c.run_for(ms(1000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    auto st = c.node(n2).status();
    EXPECT_TRUE(st.peers[0].alive);
    EXPECT_FALSE(st.peers[0].link_alive[0]);
    EXPECT_TRUE(st.peers[0].link_alive[1]);
}

TEST(NodeFailover, SilenceOnEveryLinkIsDeath) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.cut_link(n1, n2, 0);
    c.run_for(ms(100));
    c.cut_link(n1, n2, 1);
    EXPECT_GT(c.run_until([&] { return c.node(n2).role(0) == Role::primary; }, ms(1000)), 0);
}

TEST(NodeFailover, GracefulShutdownHandsOverWithoutWaitingForDeadTime) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.admin(n1, Shutdown{c.now()});
    EXPECT_TRUE(c.vip_holders().empty());  // removed before the goodbye is sent
    Micros took = c.run_until([&] { return c.node(n2).role(0) == Role::primary; }, ms(1000));
    EXPECT_LE(took, ms(1));
    EXPECT_FALSE(c.node(n2).status().peers[0].alive);  // it said it is leaving
}

TEST(NodeFailover, GoodbyeOnEveryLinkIsReportedOnce) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.admin(n1, Shutdown{c.now()});
    wire::Heartbeat bye = c.last_sent(n1);
    int departures = 0;
    for (std::uint64_t i = 0; i < 4; ++i) {
        wire::Heartbeat hb = bye;
        hb.seq = 1000 + i;  // four new datagrams: the goodbye, twice, on both links
        auto a = c.node(n2).step(HeartbeatReceived{c.now(), n1, i % 2, hb});
        for (const auto& p : a.peer_changes) departures += !p.link && !p.alive;
    }
    EXPECT_EQ(departures, 1);
    EXPECT_FALSE(c.node(n2).status().peers[0].alive);
}

TEST(NodePreempt, RecoveredHigherPriorityNodeTakesBackWithHandover) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.crash(n1);
    c.run_for(ms(400));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    c.start(n1);
    Micros took =
        c.run_until([&] { return c.primaries() == std::vector<std::size_t>{n1}; }, ms(1000));
    EXPECT_GE(took, 0);
    EXPECT_LE(took, ms(5));  // hears n2 at once, settles, n2 hands over
    EXPECT_EQ(c.node(n1).epoch(0), 3u);
    EXPECT_EQ(c.vip_holders(), std::vector<std::size_t>{n1});
}

TEST(NodePreempt, WithoutPreemptThePrimaryKeepsTheGroup) {
    TestCluster c(make_config(2, 2, /*preempt=*/false));
    c.run_for(ms(100));
    c.crash(n1);
    c.run_for(ms(400));
    c.start(n1);
    c.run_for(ms(2000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.node(n1).role(0), Role::standby);
}

TEST(NodeSwitchover, PrimaryHandsOverToTheBestStandby) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    auto a = c.switchover(n1, "northbound");
    EXPECT_TRUE(a.rejected.empty()) << a.rejected;
    EXPECT_EQ(a.accepted, "northbound: n1 -> n2");
    EXPECT_TRUE(c.vip_holders().empty());
    c.run_for(ms(1));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    // A handover leaves no dead primary, yet the failover history names the old one.
    EXPECT_FALSE(c.role_changes(n2).back().previous_primary);
    EXPECT_EQ(c.role_changes(n2).back().replaced_primary, "n1");
    // An operator's choice sticks: preemption does not take it back.
    c.run_for(ms(2000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_TRUE(c.node(n2).status().groups[0].admin);
}

TEST(NodeSwitchover, RequestFromAStandbyReachesThePrimary) {
    TestCluster c(make_config(3));
    c.run_for(testing::kStartup);
    auto a = c.switchover(n3, "northbound", "n3");
    EXPECT_EQ(a.accepted, "northbound: n1 -> n3");
    c.run_for(ms(2));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n3});
}

TEST(NodeSwitchover, BadRequestsAreRejectedWithAReason) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    EXPECT_NE(c.switchover(n1, "nope").rejected.find("unknown group \"nope\""), std::string::npos);
    EXPECT_NE(c.switchover(n1, "northbound", "n9").rejected.find("unknown node"),
              std::string::npos);
    EXPECT_NE(c.switchover(n2, "northbound", "n1").rejected.find("already primary"),
              std::string::npos);
    c.crash(n2);
    c.run_for(ms(300));
    EXPECT_NE(c.switchover(n1, "northbound").rejected.find("no other eligible node"),
              std::string::npos);
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

TEST(NodeMaintenance, StandbyOnHandsOverAndStandbyOffTakesBack) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.admin(n1, AdminMaintenance{c.now(), true});
    c.run_for(ms(2));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    c.crash(n2);  // even alone, a node in maintenance does not become primary
    c.run_for(ms(1000));
    EXPECT_TRUE(c.primaries().empty());
    c.start(n2);
    c.run_for(ms(300));
    c.admin(n1, AdminMaintenance{c.now(), false});
    c.run_for(ms(5));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});  // preempt = true
}

TEST(NodeSplitBrain, StalePrimaryDemotesWhenPartitionHeals) {
    TestCluster c(make_config(2, 2, /*preempt=*/false));
    c.run_for(ms(100));
    c.cut(n1, n2);
    c.run_for(ms(400));
    // Two-node partition without quorum: both sides are primary (documented; the
    // split-brain issue adds quorum). Their epochs differ.
    ASSERT_EQ(c.primaries().size(), 2u);
    EXPECT_EQ(c.node(n1).epoch(0), 1u);
    EXPECT_EQ(c.node(n2).epoch(0), 2u);
    c.heal();
    Micros took = c.run_until([&] { return c.primaries().size() == 1; }, ms(1000));
    EXPECT_LE(took, ms(51));                                 // the first heartbeat after healing
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});  // the higher epoch wins
    EXPECT_NE(c.role_changes(n1).back().reason.find("epoch 2"), std::string::npos);
    EXPECT_EQ(c.vip_holders(), std::vector<std::size_t>{n2});
}

TEST(NodeSplitBrain, PrimaryReannouncesWhenAPeerComesBack) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.cut(n1, n2);
    c.run_for(ms(400));
    std::size_t before = c.announcements(n1);
    c.heal();
    c.run_for(ms(100));
    // n2's epoch is higher, so n1 demotes, then takes the group back by preemption; the
    // final primary announces its VIPs again.
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_GT(c.announcements(n1), before);
}

TEST(NodeSplitBrain, StalePrimaryDoesNotAnnounceWhenItDemotesOnHealing) {
    TestCluster c(make_config(2, 2, /*preempt=*/false));
    c.run_for(ms(100));
    c.cut(n1, n2);
    c.run_for(ms(400));
    std::size_t before = c.announcements(n1);
    c.heal();
    c.run_for(ms(100));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    // n1 heard n2 again and demoted in the same step: announcing the VIPs it just removed
    // would pull the neighbours' traffic to a node that no longer answers for them.
    EXPECT_EQ(c.announcements(n1), before);
    EXPECT_GT(c.announcements(n2), 0u);
}

TEST(NodeSplitBrain, EqualEpochsAreResolvedByRank) {
    auto cfg = make_config(2, 2, false);
    TestCluster c(cfg);
    c.allow_equal_epoch_primaries();
    c.cut(n1, n2);  // both start alone: both promote to epoch 1
    c.run_for(ms(400));
    ASSERT_EQ(c.primaries().size(), 2u);
    ASSERT_EQ(c.node(n1).epoch(0), c.node(n2).epoch(0));
    c.heal();
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

TEST(NodeVips, LostVipIsReaddedAndAnnouncedOnlyByThePrimary) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    auto a = c.admin(n1, VipLost{c.now(), 0, 1});
    ASSERT_EQ(a.vip_changes.size(), 1u);
    EXPECT_EQ(a.vip_changes[0].kind, VipChange::Kind::add);
    EXPECT_EQ(a.vip_changes[0].vip, 1u);
    EXPECT_EQ(a.announcements.size(), 1u);
    auto b = c.admin(n2, VipLost{c.now(), 0, 1});
    EXPECT_TRUE(b.vip_changes.empty());
}

TEST(NodeGroups, TwoGroupsHaveTheirOwnPrimariesAndShareOneHeartbeat) {
    auto cfg = make_config();
    GroupConfig south = cfg.groups[0];
    south.name = "southbound";
    south.priority = {100, 150};
    south.vips = {{"198.18.0.20", 24, false, "eth0"}};
    cfg.groups.push_back(south);
    TestCluster c(cfg);
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(0), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.primaries(1), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.node(n1).heartbeat().groups.size(), 2u);
    c.crash(n2);
    c.run_for(ms(400));
    EXPECT_EQ(c.primaries(1), std::vector<std::size_t>{n1});
}

TEST(NodeHeartbeats, SentEveryIntervalAndOnEveryStateChange) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    auto a = c.admin(n1, Tick{c.now()});
    EXPECT_LE(a.next_wakeup, c.now() + ms(50));
    auto s = c.switchover(n1, "northbound");
    EXPECT_TRUE(s.send_heartbeat);  // a handover is told at once, not at the next interval
}

TEST(NodeHeartbeats, LateHeartbeatIsLogged) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    c.cut(n1, n2);
    c.run_for(ms(150));  // longer than warn time (100 ms), shorter than dead time
    c.heal();
    c.run_for(ms(60));
    EXPECT_GE(c.log(n2).count("heartbeat_late"), 1);
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

TEST(NodeHeartbeats, ConfigDigestMismatchIsShownAndLogged) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    wire::Heartbeat hb = c.node(n2).heartbeat();
    hb.config_digest[0] ^= 0xff;
    c.inject(n1, n2, 0, hb);
    EXPECT_TRUE(c.node(n1).status().peers[0].config_mismatch);
    EXPECT_EQ(c.log(n1).count("config_mismatch"), 1);
}

TEST(NodeHeartbeats, ConfigMismatchIsLoggedOncePerPeerDigestWithBothDigests) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    wire::Heartbeat hb = c.last_sent(n2);  // with the digest, as the agent sends it
    hb.seq = 0;                            // inject numbers it
    const wire::Heartbeat same = hb;
    hb.config_digest[0] ^= 0xff;
    for (int i = 0; i < 3; ++i) c.inject(n1, n2, 0, hb);  // the same foreign digest
    EXPECT_EQ(c.log(n1).count("config_mismatch"), 1);
    const auto& e = c.log(n1).entries;
    auto first =
        std::find_if(e.begin(), e.end(), [](const auto& x) { return x.name == "config_mismatch"; });
    ASSERT_NE(first, e.end());
    ASSERT_GE(first->fields.size(), 3u);
    EXPECT_EQ(first->fields[0].key, "peer");
    EXPECT_EQ(first->fields[1].key, "digest");
    EXPECT_EQ(first->fields[2].key, "peer_digest");
    EXPECT_EQ(first->fields[1].value.size(), 2 * wire::kDigestBytes);
    EXPECT_NE(first->fields[1].value, first->fields[2].value);
    EXPECT_EQ(first->fields[1].value.substr(2), first->fields[2].value.substr(2));
    hb.config_digest[1] ^= 0xff;  // another foreign configuration: logged again
    c.inject(n1, n2, 0, hb);
    c.inject(n1, n2, 0, hb);
    EXPECT_EQ(c.log(n1).count("config_mismatch"), 2);
    c.inject(n1, n2, 0, same);  // back to ours
    c.inject(n1, n2, 0, same);
    EXPECT_EQ(c.log(n1).count("config_match"), 1);
    EXPECT_FALSE(c.node(n1).status().peers[0].config_mismatch);
}

// A reload changes this node's digest while the peer still sends the one that matched:
// the peer's digest did not change, but the mismatch is new and must be logged.
TEST(NodeHeartbeats, ConfigMismatchAfterOwnDigestChangeIsLogged) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    wire::Heartbeat old = c.last_sent(n2);  // the digest both nodes had
    old.seq = 0;
    c.reload([](core::Config& cfg) { cfg.digest[0] ^= 0xff; });
    c.inject(n1, n2, 0, old);  // n2 has not reloaded yet
    c.inject(n1, n2, 0, old);
    EXPECT_TRUE(c.node(n1).status().peers[0].config_mismatch);
    EXPECT_EQ(c.log(n1).count("config_mismatch"), 1);
}

TEST(NodeHeartbeats, UnknownGroupsInAHeartbeatAreIgnored) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    wire::Heartbeat hb = c.node(n2).heartbeat();
    hb.groups.push_back({"ghost", Role::primary, 99, 200});
    c.inject(n1, n2, 0, hb);
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n1).epoch(0), 1u);
}

TEST(NodeHandover, TargetThatNeverTakesOverIsGivenUpAfterDeadTime) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    auto a = c.switchover(n1, "northbound");
    ASSERT_TRUE(a.rejected.empty());
    // Before the handover arrives, the target goes into maintenance and will refuse it.
    c.admin(n2, AdminMaintenance{c.now(), true});
    c.run_for(ms(100));
    EXPECT_TRUE(c.primaries().empty());  // still waiting for the target
    c.run_for(ms(200));
    EXPECT_EQ(c.log(n1).count("handover_failed"), 1);
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});  // the group is not left alone
    EXPECT_EQ(c.node(n1).epoch(0), 2u);
}

TEST(NodeHandover, PrimaryDemotesWhenAPeerReportsANewerEpoch) {
    TestCluster c(make_config(3));
    c.run_for(testing::kStartup);
    // n3 reports a newer epoch with another primary (it saw n2 promote in a partition
    // that n1 could not see): n1 is stale and must yield at once.
    wire::Heartbeat hb = c.node(n3).heartbeat();
    hb.groups[0].epoch = 7;
    hb.groups[0].primary = "n2";
    c.inject(n1, n3, 0, hb);
    EXPECT_EQ(c.node(n1).role(0), Role::standby);
    EXPECT_NE(c.role_changes(n1).back().reason.find("newer epoch 7"), std::string::npos);
}

// Regressions from the first review (docs/design.md, "Election").

TEST(NodePartition, NonTransitivePartitionOfThreeNodesDoesNotFlap) {
    TestCluster c(make_config(3));
    c.run_for(ms(100));
    c.cut(n1, n2);  // n3 still hears both
    c.run_for(ms(5000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.role_changes(n1).size(), 2u);  // starting->standby->primary, nothing after
    EXPECT_EQ(c.role_changes(n2).size(), 1u);
    EXPECT_TRUE(c.node(n2).status().groups[0].primary_via_peer);
    EXPECT_EQ(c.node(n2).status().groups[0].primary, "n1");
}

TEST(NodePartition, RelayedPrimaryOnlyDelaysARealFailoverByAboutOneInterval) {
    TestCluster c(make_config(3));
    c.run_for(ms(100));
    c.crash(n1);
    Micros took = c.run_until([&] { return c.primaries().size() == 1; }, ms(2000));
    EXPECT_LE(took, ms(301));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
}

TEST(NodePartition, OneWayLinkEndsWithOnePrimary) {
    TestCluster c(make_config(2, 2, /*preempt=*/false));
    c.allow_equal_epoch_primaries();
    c.cut_one_way(n1, n2);  // n2 never hears n1; n1 hears n2
    c.run_for(ms(2000));
    // Both promoted at epoch 1; n1 outranks n2 but n2 cannot know: n1, which hears the
    // conflict, yields.
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.log(n1).count("one_way_link"), 1);
}

TEST(NodeReorder, OlderDatagramDoesNotReviveAPeerThatLeft) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    wire::Heartbeat before_leaving = c.last_sent(n1);
    c.admin(n1, Shutdown{c.now()});
    c.run_for(ms(2));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    c.crash(n1);
    c.inject(n2, n1, 1, before_leaving);  // a pre-shutdown datagram, late on link 1
    c.run_for(ms(100));
    EXPECT_FALSE(c.node(n2).status().peers[0].alive);
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
}

TEST(NodeReorder, StaleHandoverDatagramDoesNotPromoteAgain) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    ASSERT_TRUE(c.switchover(n1, "northbound").rejected.empty());
    wire::Heartbeat handoff = c.last_sent(n1);
    ASSERT_EQ(handoff.groups[0].handoff_to, "n2");
    c.run_for(ms(5));
    ASSERT_TRUE(c.switchover(n2, "northbound", "n1").rejected.empty());
    c.run_for(ms(5));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    c.inject(n2, n1, 1, handoff);  // the old handover, late on link 1
    c.run_for(ms(100));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

TEST(NodeSwitchover, RequestAfterAFastRestartIsNotIgnored) {
    TestCluster c(make_config(3, 2, /*preempt=*/false));
    c.run_for(testing::kStartup);
    ASSERT_TRUE(c.switchover(n3, "northbound", "n2").rejected.empty());  // id 1, done by n1
    c.run_for(ms(5));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    ASSERT_TRUE(c.switchover(n3, "northbound", "n1").rejected.empty());  // id 2, by n2
    c.run_for(ms(5));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    c.start(n3);  // restarts faster than the dead time: its request ids start again at 1
    c.run_for(ms(100));
    ASSERT_TRUE(c.switchover(n3, "northbound", "n2").rejected.empty());  // id 1 again, to n1
    c.run_for(ms(5));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
}

TEST(NodeSwitchover, ConcurrentRequestsMoveTheGroupOnce) {
    TestCluster c(make_config(3));
    c.run_for(testing::kStartup);
    ASSERT_TRUE(c.switchover(n2, "northbound", "n2").rejected.empty());
    ASSERT_TRUE(c.switchover(n3, "northbound", "n3").rejected.empty());
    c.run_for(ms(1000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.node(n2).epoch(0), 2u);
    EXPECT_EQ(c.log(n3).count("switchover_superseded"), 1);
}

TEST(NodeStartup, SwitchoverToAStartingNodeIsRefused) {
    auto cfg = make_config();
    cfg.cluster.init_dead_ms = 4000;
    TestCluster c(cfg);
    c.run_for(ms(100));
    c.start(n2);
    c.cut_one_way(n1, n2);  // n2 cannot settle by hearing n1
    c.run_for(ms(100));
    auto a = c.switchover(n1, "northbound", "n2");
    EXPECT_NE(a.rejected.find("still starting"), std::string::npos) << a.rejected;
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
}

TEST(NodeStartup, StartingPeerBlocksPromotionForAtMostOneDeadTime) {
    auto cfg = make_config(3);
    cfg.cluster.init_dead_ms = 4000;
    TestCluster c(cfg);
    c.run_for(ms(100));
    c.crash(n3);
    c.run_for(ms(400));
    c.start(n1);  // the primary restarts faster than the dead time; cannot hear n3
    Micros took = c.run_until([&] { return c.primaries().size() == 1; }, ms(2000));
    EXPECT_GE(took, 0);
    EXPECT_LE(took, ms(300));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
}

TEST(NodeStartup, ExpiredOfferIsClearedWhileStarting) {
    auto cfg = make_config(3);
    cfg.cluster.init_dead_ms = 4000;
    TestCluster c(cfg);
    c.cut_one_way(n1, n3);
    c.cut_one_way(n2, n3);  // n3 hears nobody: it stays starting
    c.run_for(ms(10));
    wire::Heartbeat hb = c.node(n1).heartbeat();
    hb.groups[0].handoff_to = "n3";
    c.inject(n3, n1, 0, hb);  // n3 has heard n1 only: still starting
    ASSERT_FALSE(c.node(n3).status().settled);
    c.run_for(ms(300));  // past the offer's expiry; the harness checks no tick leaves work due
    auto a = c.admin(n3, Tick{c.now()});
    EXPECT_GT(a.next_wakeup, c.now());
}

TEST(NodeReorder, OfferFromAnOlderEpochIsIgnored) {
    TestCluster c(make_config());
    c.run_for(ms(100));
    ASSERT_TRUE(c.switchover(n1, "northbound").rejected.empty());
    c.run_for(ms(5));
    ASSERT_TRUE(c.switchover(n2, "northbound", "n1").rejected.empty());
    c.run_for(ms(5));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    // In order on the wire (fresh sequence number) but made at epoch 1, before n2's
    // promotion at epoch 2: a handover that was already completed.
    wire::Heartbeat hb = c.node(n1).heartbeat();
    hb.groups[0].role = Role::standby;
    hb.groups[0].epoch = 1;
    hb.groups[0].primary = "";
    hb.groups[0].handoff_to = "n2";
    c.inject(n2, n1, 0, hb);
    EXPECT_EQ(c.node(n2).role(0), Role::standby);
}

TEST(NodeHandover, HandoverIsDroppedWhenAnotherNodeBecomesPrimary) {
    TestCluster c(make_config(3));
    c.run_for(testing::kStartup);
    c.cut_one_way(n2, n1);  // n1 never hears n2 take over
    ASSERT_TRUE(c.switchover(n1, "northbound", "n2").rejected.empty());
    c.run_for(ms(5));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    ASSERT_TRUE(c.switchover(n2, "northbound", "n3").rejected.empty());
    c.run_for(ms(5));
    c.heal();
    c.run_for(ms(1000));  // the harness fails on any tick that leaves a deadline in the past
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n3});
    EXPECT_TRUE(c.node(n1).status().groups[0].handoff_to.empty());
}

TEST(NodePartition, OneWayYieldTimerStartsAfreshEachTerm) {
    TestCluster c(make_config(2, 2, /*preempt=*/false));
    c.run_for(ms(100));
    c.cut(n1, n2);
    c.run_for(ms(400));
    c.heal();
    c.run_for(ms(200));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    ASSERT_TRUE(c.switchover(n2, "northbound", "n1").rejected.empty());
    c.run_for(ms(5));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    c.cut(n1, n2);
    c.run_for(ms(400));
    c.heal();
    c.run_for(ms(1000));
    // A two-way partition healed: the lower epoch yields to the higher, never as a one-way link.
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.log(n1).count("one_way_link") + c.log(n2).count("one_way_link"), 0);
}

}  // namespace
}  // namespace vigil::core
