#include "daemon/announce_schedule.h"

#include <algorithm>

namespace vigil::daemon {

void AnnounceSchedule::start(TimePoint now, std::size_t group, std::size_t vip) {
    if (count_ <= 0) return;
    for (auto& b : bursts_)
        if (b.group == group && b.vip == vip) {
            b = {group, vip, 0, now};
            return;
        }
    bursts_.push_back({group, vip, 0, now});
}

void AnnounceSchedule::cancel_group(std::size_t group) {
    std::erase_if(bursts_, [&](const Burst& b) { return b.group == group; });
}

std::vector<AnnounceSchedule::Due> AnnounceSchedule::due(TimePoint now) {
    std::vector<Due> out;
    for (auto& b : bursts_) {
        if (now < b.next) continue;
        b.sent += 1;
        out.push_back({b.group, b.vip, b.sent, count_});
        b.next = now + interval_;
    }
    std::erase_if(bursts_, [&](const Burst& b) { return b.sent >= count_; });
    return out;
}

TimePoint AnnounceSchedule::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const auto& b : bursts_) next = std::min(next, b.next);
    return next;
}

}  // namespace vigil::daemon
