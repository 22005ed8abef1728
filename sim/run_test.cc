// Whole runs: a seed repeats exactly (the property every replay rests on), a quiet cluster
// converges and passes, and a split brain is reported as invariant 1.
#include "sim/run.h"

#include <gtest/gtest.h>

namespace vigil::sim {
namespace {

TEST(SimRun, SameSeedGivesTheSameRun) {
    for (std::uint64_t seed : {1u, 2u, 77u}) {
        RunResult a = run_seed({seed, 20'000, {}});
        RunResult b = run_seed({seed, 20'000, {}});
        EXPECT_EQ(a.trace_hash, b.trace_hash) << seed;
        EXPECT_EQ(a.counters.steps, b.counters.steps) << seed;
        EXPECT_EQ(a.simulated_us, b.simulated_us) << seed;
        EXPECT_EQ(a.report, b.report) << seed;
    }
}

TEST(SimRun, DifferentSeedsGiveDifferentRuns) {
    EXPECT_NE(run_seed({1, 5'000, {}}).trace_hash, run_seed({2, 5'000, {}}).trace_hash);
}

// Three full nodes, no faults at all: one primary, and the checker has nothing to say.
Scenario quiet_three_nodes() {
    Scenario s = make_scenario(5);
    s.config.nodes.resize(3);
    for (std::size_t n = 0; n < 3; ++n) {
        s.config.nodes[n].name = "n" + std::to_string(n + 1);
        s.config.nodes[n].witness = false;
    }
    s.config.groups.resize(1);
    s.config.groups[0].priority = {100, 50, 50};
    s.config.groups[0].fence.clear();
    s.clocks.resize(3);
    s.network = NetworkFaults{};
    s.faults = FaultRates{};
    return s;
}

TEST(SimRun, QuietClusterElectsOnePrimaryAndStaysSafe) {
    World world(quiet_three_nodes());
    Checker checker(world);
    for (int i = 0; i < 20'000; ++i) {
        auto v = checker.check(world, world.step());
        ASSERT_FALSE(v) << v->summary << "\n" << world.trace().dump();
    }
    world.heal();
    Liveness liveness(world, world.real_now());
    while (!liveness.converged()) {
        world.step();
        auto v = liveness.observe(world);
        ASSERT_FALSE(v) << v->summary << "\n" << v->detail << world.trace().dump();
    }
    EXPECT_EQ(liveness.recovery_time(), 0);  // nothing was broken
}

// A group nobody may serve never gets a primary: reported as invariant 5 once the recovery
// bound and the stable window have passed, not before.
TEST(SimRun, GroupWithoutPrimaryAfterHealIsALivenessFailure) {
    Scenario s = quiet_three_nodes();
    s.config.groups[0].priority = {std::nullopt, std::nullopt, std::nullopt};
    World world(std::move(s));
    for (int i = 0; i < 1'000; ++i) world.step();
    world.heal();
    const Micros healed_at = world.real_now();
    Liveness liveness(world, healed_at);
    std::optional<Violation> v;
    while (!v && !liveness.converged()) {
        world.step();
        v = liveness.observe(world);
    }
    ASSERT_TRUE(v);
    EXPECT_EQ(v->invariant, 5);
    const core::Config& c = world.config();
    EXPECT_GT(world.real_now() - healed_at,
              Liveness::recover_bound(c) + Liveness::stable_window(c));
}

// Two nodes that each count as a quorum (two_node, no tie-breaker, no fence) both promote
// when cut apart: the split brain that two_node accepts, and that invariant 1 reports.
TEST(SimRun, SplitBrainIsReportedAsTwoActingPrimaries) {
    Scenario s = quiet_three_nodes();
    s.config.nodes.resize(2);
    s.config.groups[0].priority = {100, 50};
    s.config.cluster.two_node = true;
    s.clocks.resize(2);
    World world(std::move(s));
    Checker checker(world);
    for (int i = 0; i < 2'000; ++i) ASSERT_FALSE(checker.check(world, world.step()));
    world.add_partition({{0, 1, 0}, {1, 0, 0}}, "splits {n1} | {n2}", ms(10'000));
    std::optional<Violation> v;
    for (int i = 0; i < 20'000 && !v; ++i) v = checker.check(world, world.step());
    ASSERT_TRUE(v);
    EXPECT_EQ(v->invariant, 1);
    EXPECT_NE(v->summary.find("two acting primaries, n1 and n2"), std::string::npos) << v->summary;
}

}  // namespace
}  // namespace vigil::sim
