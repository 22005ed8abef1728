// Time units. The core never reads a clock: time arrives inside events as a TimePoint, a
// monotonic instant in microseconds since an arbitrary origin (CLOCK_BOOTTIME in
// production, a counter in tests and the simulator).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace vigil {

using Micros = std::int64_t;  // a duration

struct TimePoint {
    Micros us = 0;  // since an arbitrary origin; only differences mean anything

    friend auto operator<=>(const TimePoint&, const TimePoint&) = default;
    TimePoint operator+(Micros d) const { return {us + d}; }
    TimePoint operator-(Micros d) const { return {us - d}; }
    Micros operator-(TimePoint other) const { return us - other.us; }
    static constexpr TimePoint never() { return {std::numeric_limits<std::int64_t>::max()}; }
    bool is_never() const { return us == std::numeric_limits<std::int64_t>::max(); }
};

constexpr Micros ms(std::int64_t v) {
    return v * 1000;
}
constexpr double to_ms(Micros d) {
    return static_cast<double>(d) / 1000.0;
}

}  // namespace vigil
