#include "daemon/notify_queue.h"

#include "io/clock.h"

namespace vigil::daemon {

NotifyQueue::NotifyQueue(HookRunner& hooks, Logger& log, Micros timeout)
    : hooks_(hooks), log_(log), timeout_(timeout) {}

NotifyQueue::~NotifyQueue() {
    // Hooks still running at exit are left to finish (HookRunner): they may be recording the
    // final role.
    for (auto& [group, lane] : lanes_)
        for (const Run& run : lane.pending)
            log_.event(Level::warn, "notify_dropped",
                       {{"group", group},
                        {"role", run.role},
                        {"epoch", std::to_string(run.epoch)},
                        {"reason", "agent stopped"}});
}

void NotifyQueue::push(TimePoint now, const std::string& group, const std::string& command,
                       const std::string& role, std::uint64_t epoch) {
    Lane& lane = lanes_[group];
    if (lane.pending.size() >= kPendingMax) {
        log_.event(Level::warn, "notify_dropped",
                   {{"group", group},
                    {"role", lane.pending.front().role},
                    {"reason", "too many pending notify runs"}});
        lane.pending.pop_front();
    }
    lane.pending.push_back({command, role, epoch});
    if (!lane.running_run) start_next(now, group, lane);
}

void NotifyQueue::start_next(TimePoint now, const std::string& group, Lane& lane) {
    while (!lane.pending.empty()) {
        Run run = std::move(lane.pending.front());
        lane.pending.pop_front();
        // The hook is a shell command line, so that operators can pass their own arguments;
        // vigil appends GROUP ROLE EPOCH as positional parameters.
        const std::string epoch = std::to_string(run.epoch);
        auto argv = shell_command_argv(run.command, "vigil-notify", {group, run.role, epoch});
        std::vector<std::string> env = {"VIGIL_GROUP=" + group, "VIGIL_ROLE=" + run.role,
                                        "VIGIL_EPOCH=" + epoch};
        auto pid = hooks_.start(now, argv, env, timeout_,
                                [this, group](const HookOutcome& o) { finished(group, o); });
        if (!pid) {
            log_.event(Level::error, "notify_failed",
                       {{"group", group}, {"role", run.role}, {"error", pid.error().message}});
            continue;
        }
        log_.event(Level::info, "notify_start",
                   {{"group", group},
                    {"role", run.role},
                    {"epoch", epoch},
                    {"pid", std::to_string(*pid)}});
        lane.running_run = std::move(run);
        return;
    }
}

void NotifyQueue::finished(const std::string& group, const HookOutcome& outcome) {
    Lane& lane = lanes_[group];
    Level level = outcome.status.code == 0 ? Level::info : Level::warn;
    log_.event(
        level, "notify_done",
        {{"group", group},
         {"role", lane.running_run->role},
         {"epoch", std::to_string(lane.running_run->epoch)},
         {"status", outcome.killed ? "killed after notify_timeout_ms" : outcome.status.text}});
    lane.running_run.reset();
    start_next(io::monotonic_now(), group, lane);
}

bool NotifyQueue::idle() const {
    for (const auto& [group, lane] : lanes_)
        if (lane.running_run || !lane.pending.empty()) return false;
    return true;
}

}  // namespace vigil::daemon
