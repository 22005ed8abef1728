// EventLoop: one epoll instance, one thread. File descriptors get a callback when
// readable; a single timerfd wakes the loop at the next deadline the owner asks for, with
// microsecond precision (epoll_wait's millisecond timeout would add up to 1 ms of jitter to
// failure detection).
#pragma once

#include <functional>
#include <unordered_map>

#include "common/result.h"
#include "common/time.h"

namespace vigil::io {

class EventLoop {
public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    Result<void> watch(int fd, std::function<void()> on_readable);
    void unwatch(int fd);
    // Arms the wake-up timer for `when` (monotonic); a later call replaces it.
    void wake_at(TimePoint when);
    // Waits for events and runs their callbacks; returns after at most one epoll_wait.
    // The timer callback runs when the deadline passed.
    Result<void> run_once(const std::function<void()>& on_timer);

private:
    int epoll_fd_ = -1;
    int timer_fd_ = -1;
    std::unordered_map<int, std::function<void()>> callbacks_;
};

}  // namespace vigil::io
