// NotifyQueue: runs the group's notify hook (CMD GROUP ROLE EPOCH) on every role change,
// in order and one at a time per group, without ever blocking the agent: the hook runs as
// a child process whose exit arrives through the event loop. A hook that outlives
// notify_timeout_ms is killed. Exit status and failures are logged.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/time.h"
#include "io/event_loop.h"
#include "io/process.h"

namespace vigil::daemon {

class NotifyQueue {
public:
    static constexpr std::size_t kPendingMax = 16;  // per group; see push()

    NotifyQueue(io::EventLoop& loop, Logger& log, Micros timeout);
    ~NotifyQueue();
    // Queues one run. At the limit the oldest pending (not running) run is dropped: only the
    // latest role matters to the outside world, and the newest run is always kept.
    void push(TimePoint now, const std::string& group, const std::string& command,
              const std::string& role, std::uint64_t epoch);
    void on_tick(TimePoint now);
    TimePoint next_deadline() const;
    bool idle() const;

private:
    struct Run {
        std::string command, role;
        std::uint64_t epoch;
    };
    struct Lane {
        std::deque<Run> pending;
        std::optional<Run> running_run;
        io::Child child;
        TimePoint deadline = TimePoint::never();
        bool killed = false;
    };
    void start_next(TimePoint now, const std::string& group, Lane& lane);
    void finished(const std::string& group);

    io::EventLoop& loop_;
    Logger& log_;
    Micros timeout_;
    std::map<std::string, Lane> lanes_;  // by group; map nodes stay put
};

}  // namespace vigil::daemon
