#include "daemon/hook_runner.h"

#include <signal.h>
#include <unistd.h>

#include "io/clock.h"

namespace vigil::daemon {

std::vector<std::string> shell_command_argv(const std::string& command, const std::string& arg0,
                                            const std::vector<std::string>& args) {
    // The command is the operator's shell command line (its own arguments, quoting, PATH
    // lookup); what vigil adds travels as "$@", so a node or group name is never parsed
    // by the shell.
    std::vector<std::string> argv = {"/bin/sh", "-c", command + " \"$@\"", arg0};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

HookRunner::HookRunner(io::EventLoop& loop) : loop_(loop) {}

HookRunner::~HookRunner() {
    for (auto& [fd, run] : runs_) {
        loop_.unwatch(fd);
        close(fd);
    }
}

Result<pid_t> HookRunner::start(TimePoint now, const std::vector<std::string>& argv,
                                const std::vector<std::string>& env, Micros timeout, Done done,
                                const io::SpawnOptions& options) {
    if (runs_.size() >= kRunsMax) return Error::busy("too many child processes running");
    auto child = io::spawn(argv, env, options);
    if (!child) return child.error();
    const int fd = child->pidfd;
    if (auto watched = loop_.watch(fd, [this, fd] { exited(fd); }); !watched) {
        io::kill_child(*child, SIGKILL);
        if (!io::reap(*child)) close(child->pidfd);  // still running: left to init
        return watched.error();
    }
    TimePoint deadline = timeout == kNoTimeout ? TimePoint::never() : now + timeout;
    runs_[fd] = Run{*child, now, deadline, false, std::move(done)};
    return child->pid;
}

HookRunner::Run* HookRunner::find(pid_t pid) {
    for (auto& [fd, run] : runs_)
        if (run.child.pid == pid) return &run;
    return nullptr;
}

bool HookRunner::signal(pid_t pid, int signal) {
    Run* run = find(pid);
    if (run) io::kill_child(run->child, signal);
    return run != nullptr;
}

bool HookRunner::kill_at(pid_t pid, TimePoint deadline) {
    Run* run = find(pid);
    if (run) run->deadline = deadline;
    return run != nullptr;
}

void HookRunner::exited(int pidfd) {
    auto it = runs_.find(pidfd);
    if (it == runs_.end()) return;
    auto status = io::reap(it->second.child);
    if (!status) return;  // spurious wake-up: still running
    loop_.unwatch(pidfd);
    Run run = std::move(it->second);
    runs_.erase(it);  // before `done`, which may start another run
    run.done(HookOutcome{*status, run.killed, io::monotonic_now() - run.started});
}

void HookRunner::on_tick(TimePoint now) {
    for (auto& [fd, run] : runs_) {
        if (run.killed || now < run.deadline) continue;
        io::kill_child(run.child, SIGKILL);
        run.killed = true;  // reported when its pidfd says it is gone
    }
}

TimePoint HookRunner::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const auto& [fd, run] : runs_)
        if (!run.killed) next = std::min(next, run.deadline);
    return next;
}

}  // namespace vigil::daemon
