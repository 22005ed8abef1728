// The failovers this node has seen, for /status.json and the status page (docs/metrics.md):
// each group's current timeline (daemon/timeline.h) plus the ones that newer promotions
// replaced, the newest kFailoversMax across groups. And the phases a timeline breaks down
// into, for vigil_last_failover_duration_seconds. Pure: no clock, no I/O.
#pragma once

#include <cstddef>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/timeline.h"

namespace vigil::daemon {

// One phase of a failover, in seconds. Phases follow the timeline's steps:
//   detection     the old primary's last heartbeat -> declared dead (after its death only)
//   election      declared dead -> this node promoted
//   vips          promoted -> the last VIP added (or failed)
//   announcement  the last VIP added (or the promotion) -> the last announcement sent
//   total         the first step -> the last step
// A phase whose steps are not in the timeline is left out (a switchover has no detection).
struct TimelinePhase {
    std::string name;
    Micros duration = 0;
};
std::vector<TimelinePhase> timeline_phases(const Timeline& timeline);

class FailoverHistory {
public:
    static constexpr std::size_t kFailoversMax = 20;

    // Keeps `finished`, the timeline of `group` that a newer promotion replaces. Empty
    // timelines (no promotion yet) are not kept; past kFailoversMax the oldest goes.
    void archive(std::string group, Timeline finished);

    // The "failovers" array of /status.json: the current timelines (by group, named by
    // `group_names`) and the archived ones, newest promotion first, at most kFailoversMax.
    // Each: {"group","epoch","reason","from","to","promoted_unix_ms","duration_ms",
    // "phases_ms":{name: ms},"steps":[{"at_ms","event"}]}; at_ms from the first step.
    // REQUIRES: current.size() == group_names.size().
    nlohmann::json to_json(const std::vector<Timeline>& current,
                           const std::vector<std::string>& group_names) const;

    std::size_t archived_count() const { return archived_.size(); }

private:
    struct Entry {
        std::string group;
        Timeline timeline;
    };
    std::deque<Entry> archived_;  // oldest first
};

}  // namespace vigil::daemon
