#include "io/event_loop.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/assert.h"

namespace vigil::io {

EventLoop::EventLoop() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    VIGIL_ASSERT(epoll_fd_ >= 0);
    timer_fd_ = timerfd_create(CLOCK_BOOTTIME,  // the clock of io::monotonic_now
                               TFD_NONBLOCK | TFD_CLOEXEC);
    VIGIL_ASSERT(timer_fd_ >= 0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = timer_fd_;
    VIGIL_ASSERT(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev) == 0);
}

EventLoop::~EventLoop() {
    close(timer_fd_);
    close(epoll_fd_);
}

Result<void> EventLoop::watch(int fd, std::function<void()> on_readable) {
    return add(fd, EPOLLIN, std::move(on_readable));
}

Result<void> EventLoop::watch_writable(int fd, std::function<void()> on_writable) {
    return add(fd, EPOLLOUT, std::move(on_writable));
}

Result<void> EventLoop::add(int fd, std::uint32_t events, std::function<void()> callback) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
        return Error::io(std::string("epoll_ctl add: ") + std::strerror(errno));
    callbacks_[fd] = std::move(callback);
    return {};
}

Result<void> EventLoop::want_writable(int fd, bool writable) {
    epoll_event ev{};
    ev.events = EPOLLIN | (writable ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0)
        return Error::io(std::string("epoll_ctl mod: ") + std::strerror(errno));
    return {};
}

void EventLoop::unwatch(int fd) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    callbacks_.erase(fd);
}

void EventLoop::wake_at(TimePoint when) {
    // The owner re-arms after every turn, mostly with the deadline already set: skip the
    // syscall then (a store round trip is a few turns, each worth a few microseconds).
    if (armed_ && *armed_ == when) return;
    armed_ = when;
    itimerspec spec{};
    if (!when.is_never()) {
        // An absolute deadline already in the past fires at once.
        Micros us = std::max<Micros>(when.us, 1);
        spec.it_value.tv_sec = us / 1'000'000;
        spec.it_value.tv_nsec = (us % 1'000'000) * 1000;
    }
    timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

Result<void> EventLoop::run_once(const std::function<void()>& on_timer) {
    epoll_event events[32];
    int n = epoll_wait(epoll_fd_, events, 32, -1);
    if (n < 0) {
        if (errno == EINTR) return {};
        return Error::io(std::string("epoll_wait: ") + std::strerror(errno));
    }
    bool timer = false;
    int ready[32];
    int ready_count = 0;
    for (int i = 0; i < n; ++i) {
        if (events[i].data.fd == timer_fd_) {
            std::uint64_t expirations = 0;
            (void)!read(timer_fd_, &expirations, sizeof expirations);
            timer = true;
            armed_.reset();  // it fired, so it is disarmed
        } else {
            ready[ready_count++] = events[i].data.fd;
        }
    }
    for (int i = 0; i < ready_count; ++i) {
        const int fd = ready[i];
        // A callback may unwatch another fd; look it up each time.
        auto it = callbacks_.find(fd);
        if (it != callbacks_.end()) {
            auto cb = it->second;
            cb();
        }
    }
    if (timer) on_timer();
    return {};
}

}  // namespace vigil::io
