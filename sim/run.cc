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
    return r;
}

}  // namespace

RunResult run_seed(const RunOptions& options) {
    RunResult result;
    result.seed = options.seed;
    World world(options.seed);
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
    }
    world.heal();
    Liveness liveness(world, world.real_now());
    while (!liveness.converged()) {
        const StepReport& step = world.step();
        if (auto v = checker.check(world, step)) return fail(std::move(*v), "heal");
        if (auto v = liveness.observe(world)) return fail(std::move(*v), "heal");
    }
    result.recovery_us = liveness.recovery_time();
    char line[96];
    std::snprintf(line, sizeof line, "converged: every group stable since %.3f s after heal",
                  to_ms(result.recovery_us) / 1000.0);
    world.trace().add(true, world.real_now(), kNoNode, {}, line);
    return finish(std::move(result), world);
}

}  // namespace vigil::sim
