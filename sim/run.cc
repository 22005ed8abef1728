// One simulator run: see run.h.
#include "sim/run.h"

#include <cstdio>

namespace vigil::sim {
namespace {

const char* invariant_name(int invariant) {
    switch (invariant) {
        case 1: return "at most one acting primary per group";
        case 2: return "epochs only rise";
        case 3: return "VIPs only while acting as primary; an expired lease demotes";
        case 4: return "no busy loop";
        case 5: return "liveness after heal";
        case 6: return "every acknowledged write is kept";
        case 7: return "no two nodes apply different entries at one index";
        case 8: return "a request id applies once";
        case 9: return "the store serves every write after heal";
    }
    return "?";
}

std::string violation_report(const World& world, const Violation& v, const char* phase) {
    char head[256];
    std::snprintf(head, sizeof head,
                  "seed %llu: VIOLATION of invariant %d (%s), %s phase, real %.6f s:\n  ",
                  static_cast<unsigned long long>(world.scenario().seed), v.invariant,
                  invariant_name(v.invariant), phase, to_ms(world.real_now()) / 1000.0);
    std::string out = head + v.summary + "\n" + v.detail;
    out += "scenario: " + world.scenario().describe();
    return out;
}

RunResult finish(RunResult r, const World& world) {
    r.counters = world.counters();
    r.simulated_us = world.real_now();
    r.trace_hash = world.trace().hash();
    if (world.store()) r.store = world.store()->counters();
    return r;
}

}  // namespace

RunResult run_seed(const RunOptions& options) {
    RunResult result;
    result.seed = options.seed;
    World world(options.seed, options.store);
    StoreWorld* store = world.store();
    if (options.trace_sink) {
        world.trace().set_sink(options.trace_sink);
        world.trace().add(true, 0, kNoNode, {}, "scenario: " + world.scenario().describe());
    }
    Checker checker(world);
    auto fail = [&](Violation v, const char* phase) {
        world.trace().add(true, world.real_now(), kNoNode, {}, "VIOLATION: " + v.summary);
        result.report = violation_report(world, v, phase);
        result.trace_tail =
            "trace (oldest first; real time, node @ its own clock, event, \"->\" its "
            "results):\n" +
            world.trace().dump();
        result.violation = std::move(v);
        return finish(std::move(result), world);
    };
    for (std::uint64_t i = 0; i < options.steps; ++i) {
        const StepReport& step = world.step();
        if (auto v = checker.check(world, step)) return fail(std::move(*v), "fault");
        if (store)
            if (auto v = store->take_violation()) return fail(std::move(*v), "fault");
    }
    world.heal();
    const Micros healed_at = world.real_now();
    Liveness liveness(world, healed_at);
    while (!liveness.converged() || (store && !store->settled(world))) {
        const StepReport& step = world.step();
        if (auto v = checker.check(world, step)) return fail(std::move(*v), "heal");
        if (!liveness.converged())
            if (auto v = liveness.observe(world)) return fail(std::move(*v), "heal");
        if (!store) continue;
        if (auto v = store->take_violation()) return fail(std::move(*v), "heal");
        if (auto v = store->check_liveness(world, healed_at)) return fail(std::move(*v), "heal");
    }
    result.recovery_us = liveness.recovery_time();
    if (store) {
        result.store_recovery_us = world.real_now() - healed_at;
        if (auto v = store->check_final(world)) return fail(std::move(*v), "end");
    }
    char line[96];
    std::snprintf(line, sizeof line, "converged: every group stable since %.3f s after heal",
                  to_ms(result.recovery_us) / 1000.0);
    world.trace().add(true, world.real_now(), kNoNode, {}, line);
    return finish(std::move(result), world);
}

}  // namespace vigil::sim
