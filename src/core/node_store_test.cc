// Goal: in a group with a replicated store, a node that may lack an acknowledged write is
// never promoted (docs/design.md "Who may be promoted (replicated store)"), one test per
// rule: proposals and their confirmation by a quorum's echo, required_mask, the voter's
// refusal, eligibility, the durable set across restarts, and the log-length preference.
// Method: TestCluster (simulated clock and network, no sleeps); the store's view arrives as
// StoreProgress events, as the daemon would report it.
#include <gtest/gtest.h>

#include "core/node.h"
#include "tests/support/test_cluster.h"

namespace vigil::core {
namespace {

using testing::TestCluster;

constexpr std::size_t n1 = 0, n2 = 1, n3 = 2, w = 2;
constexpr std::uint32_t kN1 = 1, kN2 = 2, kN3 = 4;

Config store_config(Config c) {
    c.groups[0].store.enabled = true;
    return c;
}
Config witness_store_config() {
    return store_config(testing::make_witness_config());
}

void progress(TestCluster& c, std::size_t n, std::uint64_t epoch, std::uint64_t index,
              std::uint32_t caught_up = 0) {
    c.admin(n, StoreProgress{c.now(), 0, epoch, index, caught_up});
}

bool stored(TestCluster& c, std::size_t n, std::uint64_t epoch, std::uint64_t seq,
            std::uint32_t mask) {
    const GroupStatus st = c.node(n).status().groups[0];
    return st.sync_epoch == epoch && st.sync_seq == seq && st.sync_mask == mask;
}

TEST(NodeStore, PrimaryProposesItselfAndIsConfirmedOnlyOnceAQuorumEchoes) {
    TestCluster c(witness_store_config());
    c.run_until([&] { return c.node(n1).role(0) == Role::primary; }, testing::kStartup);
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    // Just promoted: its set is proposed, but the voters still hold none (or an older one).
    StoreSync sync = c.node(n1).store_sync(0);
    EXPECT_FALSE(sync.confirmed_any);
    EXPECT_EQ(sync.required_mask, kN1);
    EXPECT_TRUE(stored(c, n1, 1, 1, kN1));
    EXPECT_EQ(c.durable(n1).groups[0].sync_mask, kN1);  // persisted with the promotion
    // One round trip later the witness and n2 stored and echoed it.
    c.run_for(ms(2));
    sync = c.node(n1).store_sync(0);
    EXPECT_TRUE(sync.confirmed_any);
    EXPECT_EQ(sync.required_mask, kN1);
    EXPECT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1);
    EXPECT_TRUE(stored(c, w, 1, 1, kN1));
    EXPECT_EQ(c.durable(w).groups[0].sync_mask, kN1);
    EXPECT_TRUE(stored(c, n2, 1, 1, kN1));
    // Not a primary: nothing to commit.
    EXPECT_FALSE(c.node(n2).store_sync(0).confirmed_any);
    EXPECT_EQ(c.node(n2).store_sync(0).required_mask, 0u);
}

TEST(NodeStore, StandbyOutsideTheSetIsNotEligibleUntilCaughtUp) {
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    EXPECT_EQ(c.node(n2).status().groups[0].not_eligible,
              "store out of date: not in the sync set (epoch 1, seq 1)");
    EXPECT_EQ(c.node(n2).heartbeat().groups[0].priority, 0);
    progress(c, n1, 1, 10, kN2);                                   // replication: n2 caught up
    EXPECT_EQ(c.node(n1).store_sync(0).required_mask, kN1 | kN2);  // pending already counts
    c.run_for(ms(2));
    EXPECT_TRUE(stored(c, n2, 1, 2, kN1 | kN2));
    // Eligible as far as the store goes (it still backs n1, which is the next reason).
    EXPECT_EQ(c.node(n2).status().groups[0].not_eligible.find("store"), std::string::npos);
    EXPECT_EQ(c.node(n2).heartbeat().groups[0].priority, 100);
    EXPECT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1 | kN2);
}

TEST(NodeStore, RemovedStandbyStaysRequiredUntilTheRemovalIsConfirmed) {
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    progress(c, n1, 1, 10, kN2);
    c.run_for(ms(2));
    ASSERT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1 | kN2);
    // n2 falls behind while n1 cannot reach the voters: the removal stays pending, and the
    // voters still hold {n1,n2}, so writes must still reach n2.
    c.isolate(n1);
    progress(c, n1, 1, 11, 0);
    c.run_for(ms(20));  // far less than the lease
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_TRUE(stored(c, n1, 1, 3, kN1));
    StoreSync sync = c.node(n1).store_sync(0);
    EXPECT_TRUE(sync.confirmed_any);
    EXPECT_EQ(sync.required_mask, kN1 | kN2);
    EXPECT_TRUE(stored(c, w, 1, 2, kN1 | kN2));
    c.heal();
    c.run_for(ms(60));  // the next heartbeat carries it; the voters echo at once
    EXPECT_EQ(c.node(n1).store_sync(0).required_mask, kN1);
    EXPECT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1);
    EXPECT_TRUE(stored(c, w, 1, 3, kN1));
}

TEST(NodeStore, PendingProposalsAreBoundedAndResumeAfterConfirmation) {
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    c.isolate(n1);
    for (int i = 0; i < 9; ++i) progress(c, n1, 1, 10 + i, i % 2 == 0 ? kN2 : 0);
    // Four pending at most (seq 2..5), besides the confirmed seq 1.
    EXPECT_TRUE(stored(c, n1, 1, 5, kN1));
    EXPECT_EQ(c.node(n1).store_sync(0).required_mask, kN1 | kN2);
    c.heal();
    c.run_for(ms(150));
    // The last report ({n1,n2}) is proposed once the voters caught up, and confirmed.
    EXPECT_TRUE(stored(c, n1, 1, 6, kN1 | kN2));
    EXPECT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1 | kN2);
    EXPECT_EQ(c.node(n1).store_sync(0).required_mask, kN1 | kN2);
}

// The case: 2 replicas + witness, n1 wrote with n2 out of the set, then died.
TEST(NodeStore, OutOfDateStandbyIsNeverPromotedEvenWithTheWitness) {
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    ASSERT_TRUE(stored(c, w, 1, 1, kN1));
    c.crash(n1);
    c.run_for(ms(2000));
    EXPECT_TRUE(c.primaries().empty());
    EXPECT_EQ(c.node(n2).status().groups[0].not_eligible,
              "store out of date: not in the sync set (epoch 1, seq 1)");
    EXPECT_EQ(c.node(n2).status().groups[0].campaign_epoch, 0u);
    EXPECT_EQ(c.node(n2).status().groups[0].failover_blocked, "");
}

// Even a standby that never heard the set (a one-way link) and so campaigns: the witness,
// which stored it, refuses to vote for it, and logs that once.
TEST(NodeStore, WitnessRefusesToVoteForACandidateOutsideItsStoredSet) {
    TestCluster c(witness_store_config());
    // n2 never stores n1's set: it does not hear n1, and hears the witness only through
    // copies without the set (a node stores sets echoed by any peer, so a plain cut from
    // the witness would also cut n2 off from the quorum it needs to campaign).
    c.cut_one_way(n1, n2);
    c.cut_one_way(w, n2);
    auto run = [&](Micros span) {
        for (Micros t = 0; t < span; t += ms(10)) {
            wire::Heartbeat hb = c.last_sent(w);
            hb.seq = 0;
            for (auto& g : hb.groups) g.sync_epoch = g.sync_seq = g.sync_mask = 0;
            c.inject(n2, w, 0, hb);
            c.run_for(ms(10));
        }
    };
    run(testing::kStartup);
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    ASSERT_TRUE(stored(c, w, 1, 1, kN1));
    ASSERT_EQ(c.node(n2).status().groups[0].sync_epoch, 0u);
    c.crash(n1);
    run(ms(2000));
    EXPECT_TRUE(c.primaries().empty());
    EXPECT_GE(c.log(n2).count("campaign"), 1);  // it asks...
    EXPECT_EQ(c.log(w).count("vote"), 1);       // ...the witness voted only for n1, at start
    EXPECT_EQ(c.log(w).count("vote_refused"), 1);
    // A restart of the witness keeps the set (durable), and the refusal with it.
    c.crash(w);
    c.start(w);
    EXPECT_TRUE(stored(c, w, 1, 1, kN1));
    run(ms(2000));
    EXPECT_TRUE(c.primaries().empty());
    EXPECT_EQ(c.log(w).count("vote"), 1);
}

// A node that knows a higher epoch than the primary serves at (a candidate's that never
// won, restored after a restart or relayed by a peer) still stores the primary's newer
// sets, or it could never rejoin the set.
TEST(NodeStore, NodeKnowingAHigherEpochStillStoresThePrimarysSets) {
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    wire::Heartbeat hb = c.last_sent(w);
    hb.seq = 0;
    hb.groups[0].epoch = 9;  // w reports an epoch nobody won
    c.inject(n2, w, 0, hb);
    ASSERT_EQ(c.node(n2).epoch(0), 9u);
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    ASSERT_EQ(c.node(n1).heartbeat().groups[0].epoch, 1u);
    progress(c, n1, 1, 10, kN2);
    c.run_for(ms(2));
    EXPECT_TRUE(stored(c, n2, 1, 2, kN1 | kN2));
    EXPECT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1 | kN2);
}

TEST(NodeStore, StandbyThatMissedTheNewestSetStoresItFromAPeersEcho) {
    // n2 cannot hear n1 when n1 drops it from the set; the witness stores {n1} and echoes
    // it, and n2 stores it from that echo: it no longer campaigns on {n1,n2}, which the
    // witness would refuse while n2's own vote is lost to it (vigil-sim --store --seed 36).
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    progress(c, n1, 1, 10, kN2);
    c.run_for(ms(2));
    ASSERT_TRUE(stored(c, n2, 1, 2, kN1 | kN2));
    c.cut_one_way(n1, n2);
    progress(c, n1, 1, 11, 0);
    c.run_for(ms(2));
    ASSERT_TRUE(stored(c, w, 1, 3, kN1));
    EXPECT_TRUE(stored(c, n2, 1, 3, kN1));
    EXPECT_EQ(c.node(n2).status().groups[0].not_eligible,
              "store out of date: not in the sync set (epoch 1, seq 3)");
}

TEST(NodeStore, StandbyInTheSetIsPromotedAndProposesItsOwnSet) {
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    progress(c, n1, 1, 10, kN2);
    progress(c, n2, 1, 10);
    c.run_for(ms(2));
    ASSERT_TRUE(stored(c, w, 1, 2, kN1 | kN2));
    c.crash(n1);
    c.run_until([&] { return c.node(n2).role(0) == Role::primary; }, ms(1000));
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.node(n2).epoch(0), 2u);
    // Until the witness stores n2's set, it still holds {n1,n2}: n1 could still be elected
    // by it, so n2's store may not commit yet.
    EXPECT_FALSE(c.node(n2).store_sync(0).confirmed_any);
    EXPECT_TRUE(stored(c, n2, 2, 1, kN2));
    c.run_for(ms(2));
    EXPECT_TRUE(c.node(n2).store_sync(0).confirmed_any);
    EXPECT_EQ(c.node(n2).store_sync(0).required_mask, kN2);
    EXPECT_TRUE(stored(c, w, 2, 1, kN2));
    // n1 returns: restored with {n1,n2} of epoch 1, it hears the newer set and is out.
    c.start(n1);
    c.run_for(ms(500));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});  // no preemption by n1
    EXPECT_TRUE(stored(c, n1, 2, 1, kN2));
    EXPECT_EQ(c.node(n1).status().groups[0].not_eligible,
              "store out of date: not in the sync set (epoch 2, seq 1)");
    // Caught up again: added, and then preempt hands the group back.
    progress(c, n2, 2, 20, kN1);
    c.run_for(ms(500));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c.node(n1).epoch(0), 3u);
}

TEST(NodeStore, StoredSetSurvivesARestartAndStillExcludesTheNode) {
    TestCluster c(witness_store_config());
    c.run_for(testing::kStartup);
    const DurableGroup d = c.durable(n2).groups[0];
    EXPECT_EQ(d.sync_epoch, 1u);
    EXPECT_EQ(d.sync_seq, 1u);
    EXPECT_EQ(d.sync_mask, kN1);
    c.crash(n1);
    c.crash(n2);
    c.start(n2);  // restored from its durable state
    EXPECT_TRUE(stored(c, n2, 1, 1, kN1));
    c.run_for(ms(2000));
    EXPECT_TRUE(c.primaries().empty());
    EXPECT_EQ(c.node(n2).status().groups[0].not_eligible,
              "store out of date: not in the sync set (epoch 1, seq 1)");
}

// Three full nodes, all in the set: the standby with the longest log takes over, although
// another has the higher priority; equal logs fall back to priority.
TEST(NodeStore, MostUpToDateStandbyWinsAnUnplannedTakeover) {
    for (const bool n3_ahead : {true, false}) {
        TestCluster c(store_config(testing::make_config(3)));
        c.run_for(testing::kStartup);
        ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
        progress(c, n1, 1, 9, kN2 | kN3);
        progress(c, n2, 1, n3_ahead ? 5 : 9);
        progress(c, n3, 1, 9);
        c.run_for(ms(100));  // the positions travel in the heartbeats
        ASSERT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1 | kN2 | kN3);
        c.crash(n1);
        c.run_until([&] { return !c.primaries().empty(); }, ms(1000));
        EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n3_ahead ? n3 : n2}) << n3_ahead;
        c.run_for(ms(500));
        EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n3_ahead ? n3 : n2}) << n3_ahead;
    }
}

TEST(NodeStore, QuorumOfOneConfirmsAtOnce) {
    TestCluster c(store_config(testing::make_config(2)));  // two_node: quorum of one
    c.run_for(testing::kStartup);
    ASSERT_EQ(c.primaries(), std::vector<std::size_t>{n1});
    EXPECT_TRUE(c.node(n1).store_sync(0).confirmed_any);
    progress(c, n1, 1, 3, kN2 | 0x8000'0000u);  // an unknown bit is ignored
    EXPECT_EQ(c.node(n1).store_sync(0).required_mask, kN1 | kN2);
    EXPECT_EQ(c.node(n1).status().groups[0].store_confirmed_mask, kN1 | kN2);
}

TEST(NodeStore, GroupWithoutAStoreCarriesNoStoreBlock) {
    TestCluster c(testing::make_witness_config());
    c.run_for(testing::kStartup);
    progress(c, n1, 1, 10, kN2);  // ignored
    const wire::Heartbeat hb = c.node(n1).heartbeat();
    EXPECT_FALSE(hb.groups[0].store);
    EXPECT_EQ(hb.groups[0].sync_epoch, 0u);
    EXPECT_EQ(c.node(n1).store_sync(0).required_mask, 0u);
    EXPECT_EQ(c.durable(n1).groups[0].sync_epoch, 0u);
    EXPECT_EQ(c.node(n2).heartbeat().groups[0].priority, 100);
}

}  // namespace
}  // namespace vigil::core

namespace vigil::core {
namespace {

// A primary whose store failed (its disk) serves nothing: it must hand the group to the
// in-sync standby, and the failure keeps it from being primary again.
TEST(NodeStore, PrimaryWhoseStoreFailedHandsOverToTheInSyncStandby) {
    TestCluster c(witness_store_config());
    c.run_until([&] { return c.node(n1).role(0) == Role::primary; }, testing::kStartup);
    progress(c, n1, 1, 10, kN2);
    c.run_for(ms(20));
    ASSERT_TRUE(stored(c, w, 1, 2, kN1 | kN2));
    c.admin(n1, StoreProgress{c.now(), 0, 1, 10, kN2, "fdatasync: Input/output error"});
    c.run_until([&] { return c.node(n2).role(0) == Role::primary; }, ms(2000));
    EXPECT_EQ(c.primaries(), std::vector<std::size_t>{n2});
    EXPECT_EQ(c.node(n1).status().groups[0].failed_here,
              "store failure: fdatasync: Input/output error");
    EXPECT_EQ(c.node(n1).heartbeat().groups[0].priority, 0);
    // A later, healthy report does not clear it: only a restart of the agent does.
    progress(c, n1, 1, 10, 0);
    EXPECT_EQ(c.node(n1).heartbeat().groups[0].priority, 0);
}

}  // namespace
}  // namespace vigil::core
