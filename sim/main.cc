// vigil-sim: runs the deterministic simulator (docs/simulator.md) over one seed or a range
// of seeds and reports invariant violations with a trace and the command that replays them.
//
//   vigil-sim --seed 17 [--trace]        one seed; --trace prints every event as it happens
//   vigil-sim --seeds 300 [--first 1000]  seeds 1000..1299, then a summary
//   vigil-sim --store --seeds 40          with the replicated store, clients and storage
//                                         faults (invariants 6-9)
//   vigil-sim-mutant --seeds 200 --expect-violation
//                                         exit 0 iff some seed breaks safety (invariants
//                                         1-3; mutation test)
//
// Exit status: 0 when every seed passed (or, with --expect-violation, when one failed),
// 1 otherwise, 2 on bad usage.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "sim/run.h"

namespace {

using vigil::sim::RunResult;

struct Summary {
    std::uint64_t seeds = 0;
    std::uint64_t safety = 0;
    std::uint64_t liveness = 0;
    std::uint64_t first_failed_seed = 0;
    std::uint64_t steps = 0;
    std::uint64_t node_steps = 0;
    std::uint64_t delivered = 0;
    std::uint64_t promotions = 0;
    vigil::Micros simulated_us = 0;
    std::array<std::uint64_t, vigil::sim::kFaultKinds> faults{};
    std::array<std::uint64_t, static_cast<std::size_t>(vigil::sim::Drop::count)> drops{};
    vigil::Micros recovery_max_us = -1;
    std::uint64_t recovery_max_seed = 0;
    vigil::Micros recovery_sum_us = 0;
    std::uint64_t recovered = 0;
    bool store = false;
    vigil::sim::StoreCounters st;
    vigil::Micros store_recovery_max_us = -1;
    std::uint64_t store_recovery_max_seed = 0;

    void add_store(const RunResult& r) {
        const auto& c = r.store;
        st.writes_submitted += c.writes_submitted;
        st.writes_acked += c.writes_acked;
        st.attempts += c.attempts;
        st.messages += c.messages;
        st.streams_broken += c.streams_broken;
        st.syncs += c.syncs;
        st.crash_torn += c.crash_torn;
        st.crash_lossy += c.crash_lossy;
        st.slow_disk += c.slow_disk;
        st.fail_sync += c.fail_sync;
        st.stores_failed += c.stores_failed;
        st.failed_restarts += c.failed_restarts;
        st.ready += c.ready;
        st.snapshots_installed += c.snapshots_installed;
        st.snapshots_chunked += c.snapshots_chunked;
        if (r.store_recovery_us > store_recovery_max_us)
            store_recovery_max_us = r.store_recovery_us, store_recovery_max_seed = r.seed;
    }

    void print_store() const {
        std::printf("store: writes submitted %llu, acknowledged %llu, attempts %llu\n",
                    ull(st.writes_submitted), ull(st.writes_acked), ull(st.attempts));
        std::printf(
            "store: replication messages %llu, streams broken %llu, syncs %llu, "
            "primaries ready %llu, snapshot loads %llu, snapshots taken in chunks %llu\n",
            ull(st.messages), ull(st.streams_broken), ull(st.syncs), ull(st.ready),
            ull(st.snapshots_installed), ull(st.snapshots_chunked));
        std::printf(
            "store faults: crash torn %llu, crash lossy %llu, slow disk %llu, "
            "fsync failed %llu; stores failed %llu (restarted at heal %llu)\n",
            ull(st.crash_torn), ull(st.crash_lossy), ull(st.slow_disk), ull(st.fail_sync),
            ull(st.stores_failed), ull(st.failed_restarts));
        if (store_recovery_max_us >= 0)
            std::printf("store: longest heal to all writes served: %.3f s (seed %llu)\n",
                        vigil::to_ms(store_recovery_max_us) / 1000.0, ull(store_recovery_max_seed));
    }

    void add(const RunResult& r) {
        if (store) add_store(r);
        ++seeds;
        steps += r.counters.steps;
        node_steps += r.counters.node_steps;
        delivered += r.counters.delivered;
        promotions += r.counters.promotions;
        simulated_us += r.simulated_us;
        for (std::size_t k = 0; k < faults.size(); ++k) faults[k] += r.counters.faults[k];
        for (std::size_t k = 0; k < drops.size(); ++k) drops[k] += r.counters.drops[k];
        if (r.violation && safety + liveness == 0) first_failed_seed = r.seed;
        if (r.violation) ++(r.violation->safety() ? safety : liveness);
        if (r.recovery_us >= 0) {
            ++recovered;
            recovery_sum_us += r.recovery_us;
            if (r.recovery_us > recovery_max_us)
                recovery_max_us = r.recovery_us, recovery_max_seed = r.seed;
        }
    }

    void print(double wall_s) const {
        std::printf("seeds run: %llu\n", ull(seeds));
        std::printf("safety violations: %llu\n", ull(safety));
        std::printf("liveness failures (busy loop, no stable primary): %llu\n", ull(liveness));
        if (safety + liveness) std::printf("first failing seed: %llu\n", ull(first_failed_seed));
        std::printf("steps: %llu (node steps %llu)\n", ull(steps), ull(node_steps));
        std::printf("simulated time: %.1f s\n", vigil::to_ms(simulated_us) / 1000.0);
        std::printf("datagrams delivered: %llu\n", ull(delivered));
        std::string d;
        for (std::size_t k = 0; k < drops.size(); ++k)
            d += std::string(k ? ", " : "") +
                 vigil::sim::drop_name(static_cast<vigil::sim::Drop>(k)) + " " +
                 std::to_string(drops[k]);
        std::printf("datagrams dropped: %s\n", d.c_str());
        std::string f;
        for (std::size_t k = 0; k < faults.size(); ++k)
            f += std::string(k ? ", " : "") +
                 vigil::sim::fault_name(static_cast<vigil::sim::FaultKind>(k)) + " " +
                 std::to_string(faults[k]);
        std::printf("faults injected: %s\n", f.c_str());
        std::printf("promotions: %llu\n", ull(promotions));
        if (recovered > 0)
            std::printf(
                "time to recover after heal: max %.3f s (seed %llu), mean %.3f s\n",
                vigil::to_ms(recovery_max_us) / 1000.0, ull(recovery_max_seed),
                vigil::to_ms(recovery_sum_us / static_cast<vigil::Micros>(recovered)) / 1000.0);
        else
            std::printf("time to recover after heal: no seed reached heal\n");
        if (store) print_store();
        std::printf("wall time: %.2f s, %.3f s per seed\n", wall_s,
                    seeds ? wall_s / static_cast<double>(seeds) : 0.0);
    }

    static unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"vigil-sim: deterministic cluster simulator with invariant checks"};
    std::uint64_t seed = 0, seeds = 0, first = 1, steps = vigil::sim::kStepsDefault;
    bool trace = false, expect_violation = false, store = false;
    auto* one = app.add_option("--seed", seed, "run this one seed");
    app.add_option("--seeds", seeds, "run this many seeds, from --first")->excludes(one);
    app.add_option("--first", first, "the first seed of --seeds")->capture_default_str();
    app.add_option("--steps", steps, "fault-phase steps per seed")->capture_default_str();
    app.add_flag("--store", store,
                 "every group gets a replicated store, with clients and storage faults");
    app.add_flag("--trace", trace, "print every event of the run as it happens");
    app.add_flag("--expect-violation", expect_violation,
                 "exit 0 iff some seed breaks safety (stops at the first); for mutation tests");
    CLI11_PARSE(app, argc, argv);
    if (one->count() == 0 && seeds == 0) {
        std::cerr << app.help();
        return 2;
    }
    if (one->count() > 0) first = seed, seeds = 1;

    std::string program = argv[0];
    program = program.substr(program.find_last_of('/') + 1);
    std::string flags =
        steps != vigil::sim::kStepsDefault ? " --steps " + std::to_string(steps) : "";
    if (store) flags += " --store";

    Summary summary;
    summary.store = store;
    auto started = std::chrono::steady_clock::now();
    for (std::uint64_t s = first; s < first + seeds; ++s) {
        vigil::sim::RunOptions options{s, steps, {}, store};
        if (trace)
            options.trace_sink = [](std::string_view line) {
                std::fwrite(line.data(), 1, line.size(), stdout);
                std::fputc('\n', stdout);
            };
        RunResult r = vigil::sim::run_seed(options);
        bool first_failure = r.violation && summary.safety + summary.liveness == 0;
        summary.add(r);
        if (r.violation) {
            if (first_failure || trace)  // --trace printed the lines already
                std::printf("%s%s", r.report.c_str(), trace ? "" : r.trace_tail.c_str());
            else
                std::printf("seed %llu: VIOLATION of invariant %d: %s\n", Summary::ull(s),
                            r.violation->invariant, r.violation->summary.c_str());
            std::printf("replay: %s --seed %llu%s\n", program.c_str(), Summary::ull(s),
                        flags.c_str());
            std::fflush(stdout);
            if (expect_violation && r.violation->safety()) break;
        }
    }
    double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    summary.print(wall_s);
    if (expect_violation) {
        std::printf(summary.safety ? "expected violation: found\n"
                                   : "expected violation: NOT found (the checker missed it)\n");
        return summary.safety ? 0 : 1;
    }
    return summary.safety + summary.liveness ? 1 : 0;
}
