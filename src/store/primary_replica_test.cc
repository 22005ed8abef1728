// Goal: the primary's side of replication, rule by rule (docs/store-replication.md): the
// commit rule, standby states and timeouts, catch-up from the log and from a snapshot,
// divergent suffixes, stale epochs, pipelining limits. Method: the Cluster harness (MemLogs,
// in-memory links, a counter for time; no sleeps).
#include <gtest/gtest.h>

#include "store/replication_test_harness.h"

namespace vigil::store {
namespace {

using test::Cluster;

constexpr Micros kTimeout = 1'000'000;  // PrimaryReplica::Options default

TEST(PrimaryReplica, CommitWaitsForThisEpochsNoop) {
    // Entries 1..3 from epoch 1 are on both; the new primary's noop (4, epoch 2) is not yet
    // on the standby, so nothing commits, although 1..3 are everywhere.
    Cluster c(1);
    test::fill(c.primary_log, 3, 1);
    test::fill(*c.standby_logs[0], 3, 1);
    c.start(2);
    c.required = {0};
    c.hold(0, true);
    c.connect(0);
    EXPECT_EQ(c.commit(), 0u);
    c.hold(0, false);
    c.settle();
    EXPECT_EQ(c.commit(), 4u);
}

TEST(PrimaryReplica, CommitsOnlyWhenEveryRequiredStandbyAckedDurably) {
    Cluster c(2);
    c.start(1);
    c.required = {0, 1};
    c.connect(0);
    c.connect(1);
    c.settle();
    EXPECT_EQ(c.commit(), 1u);
    c.hold(1, true);
    c.write("a");
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->durable_index(), 2u);
    EXPECT_EQ(c.commit(), 1u) << "standby 1 has not acked entry 2";
    c.hold(1, false);
    c.settle();
    EXPECT_EQ(c.commit(), 2u);
}

TEST(PrimaryReplica, FailedStandbySyncWithholdsTheAck) {
    Cluster c(1);
    c.start(1);
    c.required = {0};
    c.connect(0);
    c.settle();
    c.standby_logs[0]->fail_next_sync();
    c.write("a");
    c.settle();
    EXPECT_EQ(c.commit(), 1u) << "entry 2 was never durable on the standby";
    EXPECT_NE(c.errors[0].find("sync"), std::string::npos);
}

TEST(PrimaryReplica, PrimaryCommitsNoFurtherThanItsOwnDurableIndex) {
    Cluster c(1);
    c.start(1);
    c.required = {};
    ASSERT_TRUE(c.primary_log.append(test::put_entry(2, 1, "a")).has_value());  // not synced
    EXPECT_EQ(c.commit(), 1u);
    ASSERT_TRUE(c.primary_log.sync().has_value());
    EXPECT_EQ(c.commit(), 2u);
}

TEST(PrimaryReplica, DisconnectedStandbyIsOutOfDateAndStallsCommitsWhileRequired) {
    Cluster c(2);
    c.start(1);
    c.required = {0, 1};
    c.connect(0);
    c.connect(1);
    c.settle();
    EXPECT_EQ(c.state(1), StandbyState::in_sync);
    c.disconnect(1);
    EXPECT_EQ(c.state(1), StandbyState::out_of_date);
    c.write("a");
    c.settle();
    EXPECT_EQ(c.commit(), 1u) << "a required standby is missing";
    c.required = {0};  // the Node dropped it from the sync set
    EXPECT_EQ(c.commit(), 2u);
}

TEST(PrimaryReplica, StalledStandbyBecomesOutOfDateAfterRequestTimeout) {
    Cluster c(2);
    c.start(1);
    c.required = {0, 1};
    c.connect(0);
    c.connect(1);
    c.settle();
    c.hold(1, true);  // the stream stays open but nothing gets through
    c.write("a");
    c.advance(kTimeout, 10'000);
    EXPECT_EQ(c.state(1), StandbyState::in_sync) << "exactly request_timeout is not late";
    EXPECT_EQ(c.commit(), 1u);
    c.advance(10'000, 10'000);
    EXPECT_EQ(c.state(1), StandbyState::out_of_date);
    EXPECT_EQ(c.state(0), StandbyState::in_sync);
    EXPECT_GT(c.primary->view(c.now)[1].lag, kTimeout);
    EXPECT_EQ(c.primary->view(c.now)[1].lag_entries, 1u);
    EXPECT_FALSE(c.primary->caught_up(1));
    c.required = {0};
    EXPECT_EQ(c.commit(), 2u);
    EXPECT_TRUE(c.primary->caught_up(0));
}

TEST(PrimaryReplica, StandbyWithAnOldLogIsNotCaughtUpBeforeItHasTheNewEpochsNoop) {
    // Entries 1..3 were committed under epoch 1; the standby holds only entry 1. At the new
    // primary (epoch 2) nothing has committed yet, so commit_index is 0: the standby must
    // not count as caught up (and join the sync set) before it holds the noop, or a
    // promotion could pick it without entries 2..3 (vigil-sim --store, seed 17).
    Cluster c(1);
    test::fill(c.primary_log, 3, 1);
    test::fill(*c.standby_logs[0], 1, 1);
    c.start(2);
    c.required = {0};
    c.hold(0, true);
    c.connect(0);
    EXPECT_EQ(c.state(0), StandbyState::in_sync) << "close enough to be in sync";
    EXPECT_FALSE(c.primary->caught_up(0)) << "but it lacks entries 2..4";
    c.hold(0, false);
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->durable_index(), 4u);
    EXPECT_TRUE(c.primary->caught_up(0));
}

TEST(PrimaryReplica, NeverConnectedStandbyTurnsOutOfDate) {
    Cluster c(1);
    c.start(1);
    c.advance(1000);
    EXPECT_EQ(c.state(0), StandbyState::connecting);
    c.advance(kTimeout + 1000);
    EXPECT_EQ(c.state(0), StandbyState::out_of_date);
    EXPECT_LE(c.primary->next_deadline(), TimePoint::never());
}

TEST(PrimaryReplica, ReturningStandbyCatchesUpFromTheLog) {
    Cluster c(1);
    c.start(1);
    c.connect(0);
    c.settle();
    c.disconnect(0);
    for (int i = 0; i < 50; ++i) c.write("k" + std::to_string(i));
    c.advance(2 * kTimeout, 100'000);
    EXPECT_EQ(c.state(0), StandbyState::out_of_date);
    c.connect(0);
    EXPECT_EQ(c.state(0), StandbyState::catching_up);
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->last_index(), 51u);
    EXPECT_TRUE(test::same_entries(c.primary_log, *c.standby_logs[0], 1, 51));
    EXPECT_EQ(c.state(0), StandbyState::in_sync);
    EXPECT_TRUE(c.primary->caught_up(0));
}

TEST(PrimaryReplica, ReturningStandbyCatchesUpFromASnapshot) {
    Cluster c(1);
    c.start(1);
    c.required = {};
    c.connect(0);
    c.settle();
    c.disconnect(0);
    for (int i = 0; i < 20; ++i) c.write("k" + std::to_string(i));
    ASSERT_EQ(c.commit(), 21u);
    ASSERT_TRUE(c.primary_log.compact(Snapshot{15, 1, "state@15"}).has_value());
    c.connect(0);
    c.settle();
    const MemLog& standby = *c.standby_logs[0];
    ASSERT_TRUE(standby.snapshot().has_value());
    EXPECT_EQ(standby.snapshot()->state, "state@15");
    EXPECT_EQ(standby.last_index(), 21u);
    EXPECT_TRUE(test::same_entries(c.primary_log, standby, 16, 21));
    EXPECT_EQ(c.standbys[0]->commit_index(), 21u);
    EXPECT_EQ(c.state(0), StandbyState::in_sync);
}

TEST(PrimaryReplica, KeepAliveCarriesTheCommitIndex) {
    Cluster c(1);
    c.start(1);
    c.required = {0};
    c.connect(0);
    c.settle();
    c.write("a");
    c.settle();
    EXPECT_EQ(c.commit(), 2u);
    EXPECT_EQ(c.standbys[0]->commit_index(), 0u) << "the Append carried the commit index then";
    c.advance(1000);  // the next tick tells it
    EXPECT_EQ(c.standbys[0]->commit_index(), 2u);
    c.sent.clear();
    c.advance(kTimeout / 4);
    EXPECT_EQ(c.sent.size(), 1u) << "one keep-alive every request_timeout / 4";
}

TEST(PrimaryReplica, LostSnapshotIsResentAfterRequestTimeout) {
    Cluster c(1);
    c.start(1);
    for (int i = 0; i < 5; ++i) c.write("k" + std::to_string(i));
    ASSERT_TRUE(c.primary_log.compact(Snapshot{4, 1, "state@4"}).has_value());
    Prng prng(1);
    c.prng = &prng;
    c.drop_per_mille = 1000;
    c.connect(0);
    c.drop_per_mille = 0;
    c.advance(kTimeout / 2, kTimeout / 4);
    EXPECT_EQ(c.snapshots_sent, 1u) << "no resend while the snapshot may still be on its way";
    EXPECT_EQ(c.state(0), StandbyState::catching_up);
    c.advance(kTimeout / 2 + kTimeout / 4, kTimeout / 4);
    EXPECT_EQ(c.snapshots_sent, 2u);
    EXPECT_EQ(c.standby_logs[0]->snapshot()->index, 4u);
    EXPECT_EQ(c.standby_logs[0]->last_index(), 6u);
    EXPECT_EQ(c.state(0), StandbyState::in_sync);
}

TEST(PrimaryReplica, NextDeadlineIsTheNextKeepAlive) {
    Cluster c(1);
    c.start(1);
    EXPECT_EQ(c.primary->next_deadline(), TimePoint::never());
    c.connect(0);
    c.settle();
    EXPECT_EQ(c.primary->next_deadline(), c.now + kTimeout / 4);
}

TEST(PrimaryReplica, DivergentSuffixFromAnOldEpochIsTruncated) {
    // Both hold 1..3 of epoch 1; the standby also holds 4..9 of epoch 1, never committed.
    // The new primary (epoch 2) has its noop at 4 and writes after it.
    Cluster c(1);
    test::fill(c.primary_log, 3, 1);
    test::fill(*c.standby_logs[0], 9, 1);
    c.start(2);
    c.required = {0};
    for (int i = 0; i < 3; ++i) c.write("new" + std::to_string(i));
    c.connect(0);
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->last_index(), 7u);
    EXPECT_TRUE(test::same_entries(c.primary_log, *c.standby_logs[0], 1, 7));
    EXPECT_EQ(c.commit(), 7u);
}

TEST(PrimaryReplica, DivergentStandbyBehindTheSnapshotGetsTheSnapshot) {
    // The standby's suffix (4..5, epoch 1) sits below the primary's snapshot: its Hello
    // proves nothing, so the snapshot replaces its log.
    Cluster c(1);
    test::fill(c.primary_log, 3, 1);
    test::fill(*c.standby_logs[0], 5, 1);
    c.start(2);
    for (int i = 0; i < 5; ++i) c.write("new" + std::to_string(i));
    ASSERT_TRUE(c.primary_log.compact(Snapshot{8, 2, "state@8"}).has_value());
    c.hold(0, true);
    c.connect(0);
    EXPECT_EQ(c.primary->view(c.now)[0].match_index, 0u) << "index 5 is not known to match";
    c.hold(0, false);
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->snapshot()->index, 8u);
    EXPECT_EQ(c.standby_logs[0]->last_index(), 9u);
    EXPECT_TRUE(test::same_entries(c.primary_log, *c.standby_logs[0], 8, 9));
}

TEST(PrimaryReplica, HigherEpochInAnAckIsReported) {
    Cluster c(1);
    c.start(3);
    c.known_epochs[0] = 5;  // the standby's Node already knows a newer epoch
    c.connect(0);
    EXPECT_EQ(c.primary->higher_epoch_seen(), std::optional<Epoch>(5));
    Cluster d(1);
    d.start(3);
    d.connect(0);
    d.settle();
    EXPECT_FALSE(d.primary->higher_epoch_seen().has_value());
    d.known_epochs[0] = 4;  // learned after the Hello: refuses the next Append
    d.write("a");
    d.settle();
    EXPECT_EQ(d.primary->higher_epoch_seen(), std::optional<Epoch>(4));
}

TEST(PrimaryReplica, PipelineRespectsByteLimits) {
    PrimaryReplica::Options options;
    options.append_bytes_max = 300;
    options.in_flight_bytes_max = 1000;
    Cluster c(1, options);
    c.start(1);
    c.connect(0);
    c.settle();
    c.hold(0, true);
    c.sent.clear();
    for (int i = 0; i < 30; ++i) c.write("k" + std::to_string(i), std::string(100, 'x'));
    std::size_t in_flight = 0;
    for (const Outgoing& o : c.sent) {
        const Append& a = std::get<Append>(o.message);
        std::size_t bytes = 0;
        for (const Entry& e : a.entries) bytes += encoded_entry_bytes(e);
        EXPECT_LE(bytes, options.append_bytes_max);
        in_flight += bytes;
    }
    EXPECT_LE(in_flight, options.in_flight_bytes_max);
    EXPECT_GT(in_flight, options.in_flight_bytes_max - 2 * 140) << "the window was filled";
    c.hold(0, false);
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->last_index(), 31u);
    EXPECT_TRUE(test::same_entries(c.primary_log, *c.standby_logs[0], 1, 31));
}

TEST(PrimaryReplica, LostAppendIsResentWhenTheNextOneIsRefused) {
    Cluster c(1);
    c.start(1);
    c.connect(0);
    c.settle();
    Prng prng(1);
    c.prng = &prng;
    c.drop_per_mille = 1000;  // the next Append is lost
    c.write("a");
    c.drop_per_mille = 0;
    c.write("b");  // refused: prev 2 is missing, so the primary backs up
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->last_index(), 3u);
    EXPECT_TRUE(test::same_entries(c.primary_log, *c.standby_logs[0], 1, 3));
}

TEST(PrimaryReplica, LostLastAppendIsResentAfterTheKeepAlive) {
    Cluster c(1);
    c.start(1);
    c.connect(0);
    c.settle();
    Prng prng(1);
    c.prng = &prng;
    c.drop_per_mille = 1000;
    c.write("a");
    c.drop_per_mille = 0;
    c.settle();
    EXPECT_EQ(c.standby_logs[0]->last_index(), 1u);
    c.advance(kTimeout / 4, kTimeout / 4);
    EXPECT_EQ(c.standby_logs[0]->last_index(), 2u);
}

TEST(PrimaryReplica, ViewNamesStandbysAndStates) {
    Cluster c(2);
    c.start(1);
    c.connect(0);
    c.settle();
    const std::vector<StandbyView> v = c.primary->view(c.now);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].name, "standby0");
    EXPECT_STREQ(standby_state_name(v[0].state), "in_sync");
    EXPECT_STREQ(standby_state_name(v[1].state), "connecting");
    EXPECT_EQ(v[1].lag_entries, 1u);
}

}  // namespace
}  // namespace vigil::store

namespace vigil::store {
namespace {

// A standby that switched from an old primary to this one may still send acks it queued
// for the old one: they describe another log and must not advance its match index.
TEST(PrimaryReplica, AckFromAnEarlierEpochIsIgnored) {
    test::Cluster c(1);
    c.start(3);
    c.required = {0};
    c.connect(0);
    c.settle();
    const Index committed = c.commit();
    c.hold(0, true);
    c.write("a");
    c.write("b");
    const Index last = c.primary_log.last_index();
    (void)c.primary->on_ack(0, Ack{2, true, last, 0}, TimePoint{});
    EXPECT_EQ(c.commit(), committed) << "an epoch-2 ack counted at epoch 3";
    (void)c.primary->on_ack(0, Ack{3, true, last, 0}, TimePoint{});
    EXPECT_EQ(c.commit(), last);
}

}  // namespace
}  // namespace vigil::store
