// Goal: the standby's rules (docs/store-replication.md#standby), one test each: stale
// epochs refused, prev mismatches answered with a useful retry point, duplicates skipped,
// conflicting suffixes truncated but never a committed entry, snapshots installed, the
// commit index bounded by what matched. Method: messages fed straight to a StandbyReplica
// over a MemLog.
#include <gtest/gtest.h>

#include "store/replication_test_harness.h"

namespace vigil::store {
namespace {

using test::put_entry;

Append append_of(Epoch epoch, Index prev_index, Epoch prev_epoch, Index commit, Index first,
                 Index last, Epoch entry_epoch) {
    Append a{epoch, prev_index, prev_epoch, commit, {}};
    for (Index i = first; i <= last; ++i)
        a.entries.push_back(put_entry(i, entry_epoch, "k" + std::to_string(i)));
    return a;
}

Ack ack_of(Result<std::optional<Ack>> r) {
    EXPECT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r->has_value());
    return **r;
}

TEST(StandbyReplica, HelloReportsTheDurableLog) {
    MemLog log;
    test::fill(log, 3, 2);
    ASSERT_TRUE(log.append(put_entry(4, 2, "unsynced")).has_value());
    StandbyReplica standby(log);
    const Hello h = standby.on_connected(5);
    EXPECT_EQ(h.epoch, 5u);
    EXPECT_EQ(h.last_index, 3u);
    EXPECT_EQ(h.last_epoch, 2u);
}

TEST(StandbyReplica, AppendsAndAcksTheMatchIndex) {
    MemLog log;
    StandbyReplica standby(log);
    const Ack ack = ack_of(standby.on_message(append_of(1, 0, 0, 0, 1, 3, 1), 1));
    EXPECT_TRUE(ack.ok);
    EXPECT_EQ(ack.match_index, 3u);
    EXPECT_EQ(ack.epoch, 1u);
    EXPECT_EQ(log.last_index(), 3u);
}

TEST(StandbyReplica, AppendFromAnOlderEpochIsRefused) {
    MemLog log;
    StandbyReplica standby(log);
    const Ack ack = ack_of(standby.on_message(append_of(2, 0, 0, 0, 1, 1, 2), 3));
    EXPECT_FALSE(ack.ok);
    EXPECT_EQ(ack.epoch, 3u);
    EXPECT_EQ(log.last_index(), 0u);
    // Once epoch 4 was seen from a primary, epoch 3 is stale too, whatever the caller says.
    ack_of(standby.on_message(append_of(4, 0, 0, 0, 1, 1, 4), 3));
    EXPECT_FALSE(ack_of(standby.on_message(append_of(3, 1, 4, 0, 2, 2, 3), 3)).ok);
    EXPECT_EQ(log.last_index(), 1u);
}

TEST(StandbyReplica, MissingPrevIsRefusedWithTheLastIndex) {
    MemLog log;
    test::fill(log, 3, 1);
    StandbyReplica standby(log);
    const Ack ack = ack_of(standby.on_message(append_of(1, 7, 1, 0, 8, 8, 1), 1));
    EXPECT_FALSE(ack.ok);
    EXPECT_EQ(ack.last_index, 3u);
    EXPECT_EQ(log.last_index(), 3u);
}

TEST(StandbyReplica, PrevMismatchSkipsBackOverTheConflictingEpoch) {
    // 1..3 epoch 1, 4..9 epoch 2 (never committed). The primary (epoch 3) has prev 8 at
    // epoch 3: every epoch-2 entry is suspect, so retry after 3.
    MemLog log;
    test::fill(log, 3, 1);
    test::fill(log, 9, 2);
    StandbyReplica standby(log);
    const Ack ack = ack_of(standby.on_message(append_of(3, 8, 3, 0, 9, 9, 3), 3));
    EXPECT_FALSE(ack.ok);
    EXPECT_EQ(ack.last_index, 3u);
}

TEST(StandbyReplica, ConflictingSuffixIsTruncatedAndDuplicatesSkipped) {
    MemLog log;
    test::fill(log, 3, 1);
    test::fill(log, 6, 2);
    StandbyReplica standby(log);
    // Entries 2..5 from epoch 3's primary: 2, 3 are duplicates, 4 conflicts.
    Append a = append_of(3, 1, 1, 0, 2, 3, 1);
    for (Index i = 4; i <= 5; ++i) a.entries.push_back(put_entry(i, 3, "new"));
    const Ack ack = ack_of(standby.on_message(a, 3));
    EXPECT_EQ(ack.match_index, 5u);
    EXPECT_EQ(log.last_index(), 5u);
    EXPECT_EQ(log.epoch_at(4), std::optional<Epoch>(3));
    EXPECT_EQ(log.entry(2).write.key, "k2");
}

// The daemon asks before each message whether it will rewrite the log (then it finishes its
// sync in flight first): only a divergent Append or a snapshot it lacks does.
TEST(StandbyReplica, RewritesLogOnlyForADivergentAppendOrASnapshotItLacks) {
    MemLog log;
    test::fill(log, 3, 1);
    test::fill(log, 6, 2);
    StandbyReplica standby(log);
    EXPECT_FALSE(standby.rewrites_log(append_of(3, 1, 1, 0, 2, 3, 1), 3)) << "duplicates";
    EXPECT_FALSE(standby.rewrites_log(append_of(3, 6, 2, 0, 7, 8, 3), 3)) << "appends only";
    Append divergent = append_of(3, 1, 1, 0, 2, 3, 1);
    divergent.entries.push_back(put_entry(4, 3, "new"));
    EXPECT_TRUE(standby.rewrites_log(divergent, 3));
    EXPECT_FALSE(standby.rewrites_log(divergent, 4)) << "a stale primary's Append is refused";
    EXPECT_TRUE(standby.rewrites_log(InstallSnapshot{3, 10, Snapshot{10, 3, "s"}}, 3));
    EXPECT_FALSE(standby.rewrites_log(InstallSnapshot{3, 5, Snapshot{5, 2, "s"}}, 3))
        << "it holds entry 5 at epoch 2 already";
    EXPECT_FALSE(standby.rewrites_log(InstallSnapshot{2, 10, Snapshot{10, 2, "s"}}, 3))
        << "a stale primary's snapshot is refused";
    // And it says what on_message then does.
    ASSERT_TRUE(standby.on_message(divergent, 3).has_value());
    EXPECT_EQ(log.epoch_at(4), std::optional<Epoch>(3));
}

TEST(StandbyReplica, StaleShorterAppendDoesNotTruncateMatchingEntries) {
    MemLog log;
    StandbyReplica standby(log);
    ack_of(standby.on_message(append_of(1, 0, 0, 0, 1, 5, 1), 1));
    const Ack ack = ack_of(standby.on_message(append_of(1, 0, 0, 0, 1, 2, 1), 1));
    EXPECT_EQ(ack.match_index, 2u);
    EXPECT_EQ(log.last_index(), 5u) << "a delayed Append must not undo a later one";
}

TEST(StandbyReplica, NeverTruncatesACommittedEntry) {
    MemLog log;
    StandbyReplica standby(log);
    ack_of(standby.on_message(append_of(1, 0, 0, 4, 1, 5, 1), 1));
    EXPECT_EQ(standby.commit_index(), 4u);
    Append a = append_of(2, 2, 1, 0, 3, 3, 1);
    a.entries.push_back(put_entry(4, 2, "other"));
    Result<std::optional<Ack>> r = standby.on_message(a, 2);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Error::Code::corruption);
    EXPECT_NE(r.error().message.find("committed entry 4"), std::string::npos);
    EXPECT_EQ(log.last_index(), 5u);
    // A prev mismatch at a committed index is corruption as well.
    Result<std::optional<Ack>> r2 = standby.on_message(append_of(2, 3, 2, 0, 4, 4, 2), 2);
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error().code, Error::Code::corruption);
}

TEST(StandbyReplica, CommitIndexIsBoundedByWhatMatched) {
    MemLog log;
    test::fill(log, 6, 1);  // 4..6 may be divergent: unknown until the primary sends them
    StandbyReplica standby(log);
    ack_of(standby.on_message(append_of(2, 0, 0, 9, 1, 3, 1), 2));
    EXPECT_EQ(standby.commit_index(), 3u);
    ack_of(standby.on_message(append_of(2, 3, 1, 2, 4, 4, 1), 2));
    EXPECT_EQ(standby.commit_index(), 3u) << "never decreases";
}

TEST(StandbyReplica, OutOfOrderEntriesAreAProtocolError) {
    MemLog log;
    StandbyReplica standby(log);
    Append a = append_of(1, 0, 0, 0, 1, 1, 1);
    a.entries.push_back(put_entry(3, 1, "gap"));
    Result<std::optional<Ack>> r = standby.on_message(a, 1);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Error::Code::protocol);
    EXPECT_EQ(log.last_index(), 0u) << "validated before anything was appended";
    EXPECT_FALSE(standby.on_message(Hello{}, 1).has_value());
}

TEST(StandbyReplica, InstallSnapshotReplacesTheLog) {
    MemLog log;
    test::fill(log, 4, 1);
    StandbyReplica standby(log);
    const Ack ack = ack_of(standby.on_message(InstallSnapshot{2, 10, Snapshot{10, 2, "s"}}, 2));
    EXPECT_TRUE(ack.ok);
    EXPECT_EQ(ack.match_index, 10u);
    EXPECT_EQ(log.first_index(), 11u);
    EXPECT_EQ(log.durable_index(), 10u);
    EXPECT_EQ(standby.commit_index(), 10u);
    // An Append right after the snapshot matches on the snapshot's epoch.
    EXPECT_TRUE(ack_of(standby.on_message(append_of(2, 10, 2, 10, 11, 11, 2), 2)).ok);
}

TEST(StandbyReplica, SnapshotAlreadyCoveredKeepsTheLog) {
    MemLog log;
    test::fill(log, 8, 1);
    StandbyReplica standby(log);
    const Ack ack = ack_of(standby.on_message(InstallSnapshot{1, 5, Snapshot{5, 1, "s"}}, 1));
    EXPECT_EQ(ack.match_index, 5u);
    EXPECT_FALSE(log.snapshot().has_value());
    EXPECT_EQ(log.last_index(), 8u);
}

TEST(StandbyReplica, SnapshotFromAnOlderEpochIsRefused) {
    MemLog log;
    StandbyReplica standby(log);
    const Ack ack = ack_of(standby.on_message(InstallSnapshot{1, 5, Snapshot{5, 1, "s"}}, 2));
    EXPECT_FALSE(ack.ok);
    EXPECT_EQ(ack.epoch, 2u);
    EXPECT_FALSE(log.snapshot().has_value());
}

}  // namespace
}  // namespace vigil::store
