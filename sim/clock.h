// NodeClock: one node's monotonic clock, as seen by the simulator. Real (simulated) time is
// the single time line the simulator advances; each node reads its own clock, which runs
// at a slightly wrong rate from its own origin:
//
//     local(real) = offset + real + real * rate_ppm / 1'000'000
//
// The core is promised that rate errors stay within cluster.clock_drift_max_ppm; the
// scenario draws each node's rate inside that bound (often at its edges, where lease
// arithmetic is tightest). Clocks never jump: CLOCK_MONOTONIC does not, and a node keeps its
// clock across a process crash and restart.
#pragma once

#include <compare>  // common/time.h uses <=> without including it
#include <cstdint>
#include <limits>

#include "common/time.h"

namespace vigil::sim {

// Real time: microseconds since the start of the run.
constexpr Micros kRealNever = std::numeric_limits<Micros>::max();

struct NodeClock {
    Micros offset_us = 0;
    std::int64_t rate_ppm = 0;  // |rate_ppm| < 1'000'000

    // REQUIRES: 0 <= real. Monotonic in real (non-decreasing; strictly over any 2 µs).
    TimePoint local(Micros real) const {
        return TimePoint{offset_us + real + floor_div(real * rate_ppm, 1'000'000)};
    }

    // The first real instant at which this clock shows `t` or later: when a timer the node
    // set for local time `t` fires. kRealNever for TimePoint::never(); 0 for the past.
    Micros real_at(TimePoint t) const {
        if (t.is_never()) return kRealNever;
        Micros d = t.us - offset_us;
        if (d <= 0) return 0;
        // Estimate by the inverse rate, then settle the rounding with a few exact steps.
        Micros real = floor_div(d * 1'000'000, 1'000'000 + rate_ppm);
        while (local(real) < t) ++real;
        while (real > 0 && local(real - 1) >= t) --real;
        return real;
    }

private:
    static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
        std::int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
};

}  // namespace vigil::sim
