// AnnounceSchedule: bursts of gratuitous ARP / unsolicited NA. The first announcement of a
// burst goes out at once (neighbours switch at the first one); the repeats cover a lost
// frame. A new burst for the same VIP replaces the old one.
#pragma once

#include <cstddef>
#include <vector>

#include "common/time.h"

namespace vigil::daemon {

class AnnounceSchedule {
public:
    AnnounceSchedule(int count, Micros interval) : count_(count), interval_(interval) {}

    void start(TimePoint now, std::size_t group, std::size_t vip);
    void cancel_group(std::size_t group);
    struct Due {
        std::size_t group, vip;
        int number;  // 1-based within the burst
        int count;
    };
    // Returns the announcements due at `now` and advances their bursts.
    std::vector<Due> due(TimePoint now);
    TimePoint next_deadline() const;

private:
    struct Burst {
        std::size_t group, vip;
        int sent;
        TimePoint next;
    };
    int count_;
    Micros interval_;
    std::vector<Burst> bursts_;
};

}  // namespace vigil::daemon
