// RFC 9568 §6.1 arithmetic, in microseconds. Intervals travel in centiseconds; one cs is
// 10,000 us, so every figure below is exact before the one division, which truncates
// (integer math, multiplication first, as keepalived does):
//   Skew_Time            = ((256 - Priority) * Master_Adver_Interval) / 256
//   Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
// Examples: priority 100, 100 cs: skew 609375 us, down 3609375 us; priority 255, 100 cs:
// skew 3906 us (3906.25 truncated).
#pragma once

#include <cstdint>

#include "common/time.h"

namespace vigil::core {

constexpr Micros kVrrpMicrosPerCs = 10'000;

constexpr Micros vrrp_interval_us(int interval_cs) {
    return static_cast<Micros>(interval_cs) * kVrrpMicrosPerCs;
}
// priority: 0..255 (0 only appears in adverts; callers pass the local priority, 1..255).
constexpr Micros vrrp_skew_time_us(int priority, int master_adver_interval_cs) {
    return (static_cast<Micros>(256 - priority) * vrrp_interval_us(master_adver_interval_cs)) /
           256;
}
constexpr Micros vrrp_master_down_interval_us(int priority, int master_adver_interval_cs) {
    return 3 * vrrp_interval_us(master_adver_interval_cs) +
           vrrp_skew_time_us(priority, master_adver_interval_cs);
}

}  // namespace vigil::core
