// EventLoop: one epoll instance, one thread. File descriptors get a callback when
// readable (or, when asked, writable: a non-blocking connect completing); a single timerfd wakes
// the loop at the next deadline the owner asks for, with microsecond precision (epoll_wait's
// millisecond timeout would add up to 1 ms of jitter to failure detection).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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

    // One callback per fd. It also runs on an error or hang-up of the fd, and may run when
    // the fd is not ready after all (a wake-up for a closed fd whose number was reused in
    // the same round): callbacks must tolerate EAGAIN.
    Result<void> watch(int fd, std::function<void()> on_readable);
    Result<void> watch_writable(int fd, std::function<void()> on_writable);
    // For an fd watched with watch(): also call its callback when it is writable (or stop).
    // A full-duplex stream (io/frame_stream.h) asks for this only while it has bytes queued.
    Result<void> want_writable(int fd, bool writable);
    void unwatch(int fd);
    // Arms the wake-up timer for `when` (monotonic); a later call replaces it.
    void wake_at(TimePoint when);
    // Waits for events and runs their callbacks; returns after at most one epoll_wait.
    // The timer callback runs when the deadline passed.
    Result<void> run_once(const std::function<void()>& on_timer);

private:
    Result<void> add(int fd, std::uint32_t events, std::function<void()> callback);

    int epoll_fd_ = -1;
    int timer_fd_ = -1;
    std::unordered_map<int, std::function<void()>> callbacks_;
    std::optional<TimePoint> armed_;  // the timer's deadline, while it has not fired
};

}  // namespace vigil::io
