// Goal: replication stays safe under any mix of delays, reordering, drops, disconnects,
// standby crashes (losing unsynced entries) and log compaction, and converges once the
// faults stop. Method: the Cluster harness driven by one seeded Prng, with a sync set
// managed the way core::Node does (drop out_of_date standbys, add caught-up ones); the
// invariants are checked after every step, and a failure names its seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "store/replication_test_harness.h"

namespace vigil::store {
namespace {

using test::Cluster;

constexpr Micros kTimeout = 100'000;
constexpr Micros kStep = 5'000;

// The committed prefix [from, commit] of the primary is on `standby`, durably.
::testing::AssertionResult holds_committed(const MemLog& primary, const MemLog& standby,
                                           Index commit) {
    if (standby.durable_index() < commit)
        return ::testing::AssertionFailure()
               << "durable " << standby.durable_index() << " < commit " << commit;
    const Index from = std::max(primary.first_index(), standby.first_index()) - 1;
    if (!test::same_entries(primary, standby, std::max<Index>(from, 1), commit))
        return ::testing::AssertionFailure() << "entries differ up to commit " << commit;
    return ::testing::AssertionSuccess();
}

void manage_sync_set(Cluster& c) {
    for (std::size_t s = 0; s < c.standbys.size(); ++s) {
        auto it = std::find(c.required.begin(), c.required.end(), s);
        if (it != c.required.end() && c.state(s) == StandbyState::out_of_date)
            c.required.erase(it);
        else if (it == c.required.end() && c.primary->caught_up(s))
            c.required.push_back(s);
    }
}

void check_safety(Cluster& c, Index& last_commit, std::uint64_t seed, int step) {
    const Index commit = c.commit();
    ASSERT_GE(commit, last_commit) << "seed " << seed << " step " << step;
    last_commit = commit;
    for (std::size_t s = 0; s < c.standbys.size(); ++s) {
        ASSERT_EQ(c.errors[s], "") << "seed " << seed << " step " << step;
        const Index standby_commit = c.standbys[s]->commit_index();
        ASSERT_LE(standby_commit, commit) << "seed " << seed << " standby " << s;
        ASSERT_TRUE(test::same_entries(
            c.primary_log, *c.standby_logs[s],
            std::max(c.primary_log.first_index(), c.standby_logs[s]->first_index()),
            standby_commit))
            << "seed " << seed << " step " << step << " standby " << s;
        if (c.primary->caught_up(s)) {
            ASSERT_TRUE(holds_committed(c.primary_log, *c.standby_logs[s], commit))
                << "seed " << seed << " step " << step << " standby " << s;
        }
    }
    for (std::size_t s : c.required)
        ASSERT_TRUE(holds_committed(c.primary_log, *c.standby_logs[s], commit))
            << "seed " << seed << " step " << step << " required standby " << s;
}

void random_step(Cluster& c, Prng& prng, std::vector<bool>& connected) {
    const std::uint64_t action = prng.below(100);
    const std::size_t s = prng.below(c.standbys.size());
    if (action < 30) {
        c.write("w" + std::to_string(c.primary_log.last_index() + 1),
                std::string(prng.below(200), 'v'));
    } else if (action < 33 && connected[s]) {
        c.disconnect(s);
        connected[s] = false;
        if (prng.below(2) == 0) {  // a crash: unsynced entries and in-memory state are lost
            c.standby_logs[s]->test_lose_unsynced();
            c.standbys[s] = std::make_unique<StandbyReplica>(*c.standby_logs[s]);
        }
    } else if (action < 38 && !connected[s]) {
        c.connect(s);
        connected[s] = true;
    } else if (action < 40) {
        const Index commit = c.commit();
        if (commit >= c.primary_log.first_index()) {
            Snapshot snap{commit, *c.primary_log.epoch_at(commit),
                          "state@" + std::to_string(commit)};
            ASSERT_TRUE(c.primary_log.compact(std::move(snap)).has_value());
        }
    }
}

struct Coverage {
    std::size_t snapshots_sent = 0;
    std::size_t refusals = 0;
    std::size_t truncations = 0;  // runs where standby 1 lost its old-epoch suffix
};

void run(std::uint64_t seed, Coverage& coverage) {
    Prng prng(seed);
    PrimaryReplica::Options options;
    options.request_timeout = kTimeout;
    options.append_bytes_max = 600;
    options.in_flight_bytes_max = 2000;
    Cluster c(2, options);
    // Standby 1 holds a never-committed suffix of the old epoch.
    test::fill(c.primary_log, 3, 1);
    test::fill(*c.standby_logs[0], 3, 1);
    test::fill(*c.standby_logs[1], 6, 1);
    c.start(2);
    c.prng = &prng;
    c.drop_per_mille = prng.below(60);
    c.delay_max = static_cast<Micros>(prng.below(40'000));
    std::vector<bool> connected(2, false);
    Index last_commit = 0;
    for (int step = 0; step < 1500; ++step) {
        random_step(c, prng, connected);
        c.advance(kStep, kStep);
        manage_sync_set(c);
        check_safety(c, last_commit, seed, step);
        if (::testing::Test::HasFatalFailure()) return;
    }
    // Heal: no more faults, everyone connected; all must converge within the budget.
    c.drop_per_mille = 0;
    c.delay_max = 0;
    for (std::size_t s = 0; s < 2; ++s)
        if (!connected[s]) c.connect(s);
    c.advance(3 * kTimeout, kStep);
    manage_sync_set(c);
    const Index commit = c.commit();
    c.advance(kStep, kStep);
    for (std::size_t s = 0; s < 2; ++s) {
        const MemLog& log = *c.standby_logs[s];
        EXPECT_EQ(c.state(s), StandbyState::in_sync) << "seed " << seed << " standby " << s;
        EXPECT_EQ(log.last_index(), c.primary_log.last_index()) << "seed " << seed;
        EXPECT_TRUE(holds_committed(c.primary_log, log, c.primary_log.last_index()))
            << "seed " << seed << " standby " << s;
        EXPECT_EQ(c.standbys[s]->commit_index(), commit) << "seed " << seed;
    }
    EXPECT_EQ(c.required.size(), 2u) << "seed " << seed;
    coverage.snapshots_sent += c.snapshots_sent;
    coverage.refusals += c.refusals;
    if (c.standby_logs[1]->epoch_at(4) != std::optional<Epoch>(1)) ++coverage.truncations;
    EXPECT_GT(commit, 4u) << "seed " << seed << ": nothing committed, the run proves little";
}

TEST(Replication, RandomFaultsStaySafeAndConvergeAfterHealing) {
    Coverage coverage;
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        run(seed, coverage);
        if (HasFatalFailure()) return;
    }
    // The runs must have gone through the interesting paths, or they prove little.
    EXPECT_GT(coverage.snapshots_sent, 30u);
    EXPECT_GT(coverage.refusals, 100u);
    EXPECT_EQ(coverage.truncations, 30u);
    std::printf("snapshots %zu, refusals %zu\n", coverage.snapshots_sent, coverage.refusals);
}

}  // namespace
}  // namespace vigil::store
