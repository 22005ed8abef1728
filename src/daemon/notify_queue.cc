#include "daemon/notify_queue.h"

#include <signal.h>
#include <unistd.h>

#include "io/clock.h"

namespace vigil::daemon {

NotifyQueue::NotifyQueue(io::EventLoop& loop, Logger& log, Micros timeout)
    : loop_(loop), log_(log), timeout_(timeout) {}

NotifyQueue::~NotifyQueue() {
    // Hooks still running at exit are left to finish: they may be recording the final role.
    for (auto& [group, lane] : lanes_) {
        for (const Run& run : lane.pending)
            log_.event(Level::warn, "notify_dropped",
                       {{"group", group},
                        {"role", run.role},
                        {"epoch", std::to_string(run.epoch)},
                        {"reason", "agent stopped"}});
        if (lane.child.pidfd >= 0) {
            loop_.unwatch(lane.child.pidfd);
            close(lane.child.pidfd);
        }
    }
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
        std::vector<std::string> argv = {
            "/bin/sh", "-c",     run.command + " \"$@\"",  "vigil-notify",
            group,     run.role, std::to_string(run.epoch)};
        std::vector<std::string> env = {"VIGIL_GROUP=" + group, "VIGIL_ROLE=" + run.role,
                                        "VIGIL_EPOCH=" + std::to_string(run.epoch)};
        auto child = io::spawn(argv, env);
        if (!child) {
            log_.event(Level::error, "notify_failed",
                       {{"group", group}, {"role", run.role}, {"error", child.error().message}});
            continue;
        }
        lane.child = *child;
        lane.running_run = std::move(run);
        lane.deadline = now + timeout_;
        lane.killed = false;
        log_.event(Level::info, "notify_start",
                   {{"group", group},
                    {"role", lane.running_run->role},
                    {"epoch", std::to_string(lane.running_run->epoch)},
                    {"pid", std::to_string(lane.child.pid)}});
        if (!loop_.watch(lane.child.pidfd, [this, group] { finished(group); }))
            log_.event(Level::error, "notify_failed", {{"group", group}, {"error", "epoll"}});
        return;
    }
}

void NotifyQueue::finished(const std::string& group) {
    Lane& lane = lanes_[group];
    int fd = lane.child.pidfd;
    auto status = io::reap(lane.child);
    if (!status) return;  // spurious wake-up
    loop_.unwatch(fd);
    Level level = status->code == 0 ? Level::info : Level::warn;
    log_.event(level, "notify_done",
               {{"group", group},
                {"role", lane.running_run->role},
                {"epoch", std::to_string(lane.running_run->epoch)},
                {"status", lane.killed ? "killed after notify_timeout_ms" : status->text}});
    lane.running_run.reset();
    lane.deadline = TimePoint::never();
    start_next(io::monotonic_now(), group, lane);
}

void NotifyQueue::on_tick(TimePoint now) {
    for (auto& [group, lane] : lanes_) {
        if (!lane.running_run || lane.killed || now < lane.deadline) continue;
        io::kill_child(lane.child, SIGKILL);
        lane.killed = true;
        lane.deadline = TimePoint::never();
    }
}

TimePoint NotifyQueue::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const auto& [group, lane] : lanes_) next = std::min(next, lane.deadline);
    return next;
}

bool NotifyQueue::idle() const {
    for (const auto& [group, lane] : lanes_)
        if (lane.running_run || !lane.pending.empty()) return false;
    return true;
}

}  // namespace vigil::daemon
