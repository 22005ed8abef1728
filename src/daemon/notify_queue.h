// NotifyQueue: runs the group's notify hook (CMD GROUP ROLE EPOCH) on every role change,
// in order and one at a time per group, without ever blocking the agent: the hook runs as
// a child process (HookRunner) whose exit arrives through the event loop. A hook that
// outlives notify_timeout_ms is killed. Exit status and failures are logged.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>

#include "common/log.h"
#include "common/time.h"
#include "daemon/hook_runner.h"

namespace vigil::daemon {

class NotifyQueue {
public:
    static constexpr std::size_t kPendingMax = 16;  // per group; see push()

    NotifyQueue(HookRunner& hooks, Logger& log, Micros timeout);
    ~NotifyQueue();
    // Queues one run. At the limit the oldest pending (not running) run is dropped: only the
    // latest role matters to the outside world, and the newest run is always kept.
    void push(TimePoint now, const std::string& group, const std::string& command,
              const std::string& role, std::uint64_t epoch);
    bool idle() const;

private:
    struct Run {
        std::string command, role;
        std::uint64_t epoch;
    };
    struct Lane {
        std::deque<Run> pending;
        std::optional<Run> running_run;
    };
    void start_next(TimePoint now, const std::string& group, Lane& lane);
    void finished(const std::string& group, const HookOutcome& outcome);

    HookRunner& hooks_;
    Logger& log_;
    Micros timeout_;
    std::map<std::string, Lane> lanes_;  // by group; map nodes stay put
};

}  // namespace vigil::daemon
