// Helpers that draw from the run's one Prng (STYLE.md §3): every random choice of a run
// goes through them, so a seed repeats a run exactly. Integer arithmetic only: no floating
// point decides anything, so the run does not depend on the FPU or on libm.
#pragma once

#include <cstdint>

#include "common/prng.h"
#include "common/time.h"

namespace vigil::sim {

constexpr std::uint32_t kPpm = 1'000'000;  // probabilities are in parts per million

// True with probability ppm / 1e6.
inline bool chance(Prng& prng, std::uint32_t ppm) {
    return ppm > 0 && prng.below(kPpm) < ppm;
}

// Uniform in [lo, hi]. REQUIRES: lo <= hi.
inline std::int64_t uniform(Prng& prng, std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(prng.below(static_cast<std::uint64_t>(hi - lo) + 1));
}

// A duration in [lo, hi], half the time from the bottom tenth of the range: faults come
// both as blips (shorter than a dead time) and as long outages, and a plain uniform draw
// would rarely produce blips when hi is large.
inline Micros duration(Prng& prng, Micros lo, Micros hi) {
    if (prng.below(2) == 0) hi = lo + (hi - lo) / 10;
    return uniform(prng, lo, hi);
}

// The gap to the next event of a process with mean gap `mean` (uniform in [0, 2 * mean]).
inline Micros gap(Prng& prng, Micros mean) {
    return uniform(prng, 1, 2 * mean);
}

}  // namespace vigil::sim
