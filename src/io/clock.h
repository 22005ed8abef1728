// Clocks. Only the daemon reads them; the core receives time inside events.
#pragma once

#include <cstdint>

#include "common/time.h"

namespace vigil::io {

TimePoint monotonic_now();   // CLOCK_BOOTTIME: monotonic, and counts time suspended
std::int64_t realtime_us();  // CLOCK_REALTIME, for boot ids and log stamps

}  // namespace vigil::io
