#include "daemon/failover_history.h"

#include <algorithm>
#include <string_view>

#include "common/assert.h"

namespace vigil::daemon {

namespace {

// The steps are the agent's own words (agent.cc perform, apply_vip_change,
// send_announcements); failover_history_test.cc pins them.
bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::vector<TimelinePhase> timeline_phases(const Timeline& t) {
    std::vector<TimelinePhase> out;
    if (t.steps.empty()) return out;
    TimePoint last_heard = TimePoint::never(), declared_dead = TimePoint::never();
    TimePoint promoted = TimePoint::never(), last_vip = TimePoint::never();
    TimePoint last_announcement = TimePoint::never();
    for (const auto& s : t.steps) {
        if (ends_with(s.what, " last heard"))
            last_heard = s.at;
        else if (ends_with(s.what, " declared dead"))
            declared_dead = s.at;
        else if (starts_with(s.what, "promoted to primary"))
            promoted = s.at;
        else if (starts_with(s.what, "vip "))
            last_vip = s.at;
        else if (ends_with(s.what, " sent"))
            last_announcement = s.at;
    }
    auto add = [&](const char* name, TimePoint from, TimePoint to) {
        if (!from.is_never() && !to.is_never()) out.push_back({name, to - from});
    };
    add("detection", last_heard, declared_dead);
    add("election", declared_dead, promoted);
    add("vips", promoted, last_vip);
    add("announcement", last_vip.is_never() ? promoted : last_vip, last_announcement);
    add("total", t.steps.front().at, t.steps.back().at);
    return out;
}

void FailoverHistory::archive(std::string group, Timeline finished) {
    if (finished.steps.empty()) return;
    archived_.push_back({std::move(group), std::move(finished)});
    // Only kFailoversMax can ever be shown, current ones included.
    while (archived_.size() > kFailoversMax) archived_.pop_front();
}

nlohmann::json FailoverHistory::to_json(const std::vector<Timeline>& current,
                                        const std::vector<std::string>& group_names) const {
    VIGIL_ASSERT(current.size() == group_names.size());
    std::vector<std::pair<const std::string*, const Timeline*>> all;
    for (const auto& e : archived_) all.push_back({&e.group, &e.timeline});
    for (std::size_t g = 0; g < current.size(); ++g)
        if (!current[g].steps.empty()) all.push_back({&group_names[g], &current[g]});
    // Newest first, by the monotonic time of the promotion (the wall clock may step).
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return a.second->promoted_at > b.second->promoted_at;
    });
    if (all.size() > kFailoversMax) all.resize(kFailoversMax);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [group, t] : all) {
        const TimePoint first = t->steps.front().at;
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& s : t->steps)
            steps.push_back(
                {{"at_ms", static_cast<double>(s.at - first) / 1000.0}, {"event", s.what}});
        nlohmann::json phases = nlohmann::json::object();
        for (const auto& p : timeline_phases(*t))
            phases[p.name] = static_cast<double>(p.duration) / 1000.0;
        out.push_back(
            {{"group", *group},
             {"epoch", t->epoch},
             {"reason", t->reason},
             {"from", t->from.empty() ? nlohmann::json(nullptr) : nlohmann::json(t->from)},
             {"to", t->to},
             {"promoted_unix_ms", t->promoted_realtime_us / 1000},
             {"duration_ms", static_cast<double>(t->steps.back().at - first) / 1000.0},
             {"phases_ms", phases},
             {"steps", steps}});
    }
    return out;
}

}  // namespace vigil::daemon
