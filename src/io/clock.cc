#include "io/clock.h"

#include <ctime>

namespace vigil::io {

static std::int64_t read_us(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

TimePoint monotonic_now() {
    // CLOCK_BOOTTIME, not CLOCK_MONOTONIC: it keeps counting while the machine is suspended,
    // so a lease cannot survive a suspend and resume.
    return TimePoint{read_us(CLOCK_BOOTTIME)};
}
std::int64_t realtime_us() {
    return read_us(CLOCK_REALTIME);
}

}  // namespace vigil::io
