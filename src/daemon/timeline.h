// The last failover's timeline per group: what happened when, from the old primary's last
// heartbeat to the last announcement, so that an operator can see where the time went.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/time.h"

namespace vigil::daemon {

struct Timeline {
    static constexpr std::size_t kStepsMax = 64;
    struct Step {
        TimePoint at;
        std::string what;
    };
    std::uint64_t epoch = 0;
    std::string reason;
    std::string from;  // the primary before this one ("" = none known)
    std::string to;    // this node
    TimePoint promoted_at = TimePoint::never();  // orders failovers across groups
    std::int64_t promoted_realtime_us = 0;  // wall clock of the promotion, for humans
    std::vector<Step> steps;
    // The failover ends with its announcement burst; a VIP re-added or announced hours
    // later is not part of it (it would stretch every phase and the total to hours).
    TimePoint open_until = TimePoint::never();

    void add(TimePoint at, std::string what) {
        if (at > open_until) return;
        if (steps.size() < kStepsMax) steps.push_back({at, std::move(what)});
    }
};

}  // namespace vigil::daemon
