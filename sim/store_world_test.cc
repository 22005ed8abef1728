// Goal: the store in the simulator. StoreChecker reports each of invariants 6-8 when given
// a state that breaks it (so a silent checker is not mistaken for a correct store); a
// --store run repeats exactly; a quiet cluster with a store acknowledges writes, serves after
// heal and leaves every caught-up replica with every acknowledged write.
// Method: KvStates built by hand for the checker; whole runs for the rest. No sleeps.
#include <gtest/gtest.h>

#include "sim/run.h"
#include "sim/store_checker.h"

namespace vigil::sim {
namespace {

store::Entry put(store::Index index, store::Epoch epoch, const std::string& key,
                 const std::string& value, const std::string& id) {
    store::Entry e{index, epoch, {}};
    e.write.op = store::Write::Op::put;
    e.write.key = key;
    e.write.value = value;
    e.write.request_id = id;
    return e;
}

TEST(StoreChecker, AcknowledgedWriteMissingFromAPrimaryIsInvariant6) {
    StoreChecker checker(1);
    store::KvState with, without;
    store::Entry noop{1, 1, {}};
    (void)with.apply(noop);
    (void)without.apply(noop);
    const store::Entry e = put(2, 1, "k", "v1", "c0-1");
    checker.acked(0, e.write, with.apply(e));
    checker.check_acks("n1", 0, with, "test");
    EXPECT_FALSE(checker.violation);
    checker.check_acks("n2", 0, without, "test");
    ASSERT_TRUE(checker.violation);
    EXPECT_EQ(checker.violation->invariant, 6);
    EXPECT_NE(checker.violation->summary.find("n2"), std::string::npos);
    EXPECT_NE(checker.violation->detail.find("c0-1"), std::string::npos);
}

TEST(StoreChecker, OverwrittenAcknowledgedValueIsNotAViolation) {
    StoreChecker checker(1);
    store::KvState kv;
    const store::Entry a = put(1, 1, "k", "v1", "c0-1");
    checker.acked(0, a.write, kv.apply(a));
    (void)kv.apply(put(2, 1, "k", "v2", "c1-1"));
    checker.check_acks("n1", 0, kv, "test");
    EXPECT_FALSE(checker.violation);
}

TEST(StoreChecker, DifferentEntriesAtOneIndexAreInvariant7) {
    StoreChecker checker(1);
    checker.applied("n1", 0, store::Entry{5, 5, {}}, {});
    checker.applied("n2", 0, store::Entry{5, 5, {}}, {});
    EXPECT_FALSE(checker.violation);
    checker.applied("n3", 0, store::Entry{5, 7, {}}, {});
    ASSERT_TRUE(checker.violation);
    EXPECT_EQ(checker.violation->invariant, 7);
}

TEST(StoreChecker, RequestAppliedTwiceIsInvariant8) {
    StoreChecker checker(1);
    store::Outcome first{store::Outcome::Code::ok, 3, 3, false};
    checker.applied("n1", 0, put(3, 1, "k", "v", "c0-1"), first);
    store::Outcome dup{store::Outcome::Code::ok, 3, 3, true};
    checker.applied("n1", 0, put(4, 1, "k", "v", "c0-1"), dup);
    EXPECT_FALSE(checker.violation) << "a duplicate that KvState recognised is fine";
    store::Outcome again{store::Outcome::Code::ok, 6, 6, false};
    checker.applied("n2", 0, put(6, 2, "k", "v", "c0-1"), again);
    ASSERT_TRUE(checker.violation);
    EXPECT_EQ(checker.violation->invariant, 8);
}

TEST(SimStoreRun, SameSeedGivesTheSameRun) {
    for (std::uint64_t seed : {1u, 17u}) {
        RunResult a = run_seed({seed, 20'000, {}, true});
        RunResult b = run_seed({seed, 20'000, {}, true});
        EXPECT_EQ(a.trace_hash, b.trace_hash) << seed;
        EXPECT_EQ(a.store.writes_acked, b.store.writes_acked) << seed;
        EXPECT_EQ(a.store.messages, b.store.messages) << seed;
        EXPECT_GT(a.store.writes_acked, 0u) << seed;
    }
}

TEST(SimStoreRun, StoreOffLeavesTheRunAsItWas) {
    RunResult plain = run_seed({5, 20'000, {}});
    EXPECT_EQ(plain.store.writes_submitted, 0u);
    EXPECT_NE(plain.trace_hash, run_seed({5, 20'000, {}, true}).trace_hash);
}

TEST(SimStoreRun, FaultySeedsKeepEveryAcknowledgedWrite) {
    // Seed 17 found PrimaryReplica::caught_up counting a stale standby at a new epoch.
    for (std::uint64_t seed : {15u, 17u}) {
        RunResult r = run_seed({seed, 150'000, {}, true});
        EXPECT_FALSE(r.violation) << r.report << r.trace_tail;
        EXPECT_GT(r.store.writes_acked, 100u);
    }
}

}  // namespace
}  // namespace vigil::sim
