// One simulator run: the seed's world through the fault phase (safety checked after every
// step), heal, then the liveness phase. Used by vigil-sim and by the unit tests.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sim/checker.h"
#include "sim/store_world.h"
#include "sim/world.h"

namespace vigil::sim {

// Fault-phase steps when --steps is not given: about 0.2-0.5 s of CPU per seed (see
// docs/simulator.md), which covers two to thirty minutes of simulated time depending on
// the cluster's size and heartbeat interval.
constexpr std::uint64_t kStepsDefault = 300'000;

struct RunOptions {
    std::uint64_t seed = 0;
    std::uint64_t steps = kStepsDefault;
    // When set, every trace line is passed here as it happens (--trace).
    std::function<void(std::string_view)> trace_sink;
    bool store = false;  // --store: replicated stores, clients, storage faults
};

struct RunResult {
    std::uint64_t seed = 0;
    std::optional<Violation> violation;
    std::string report;      // on a violation: the violation, its nodes, the scenario
    std::string trace_tail;  // on a violation: the last trace lines (trace.h)
    Counters counters;
    Micros simulated_us = 0;
    Micros recovery_us = -1;  // heal to stable primaries; -1 if not reached
    std::uint64_t trace_hash = 0;
    StoreCounters store;            // --store only
    Micros store_recovery_us = -1;  // --store: heal to every write served; -1 if not reached
};

RunResult run_seed(const RunOptions& options);

}  // namespace vigil::sim
