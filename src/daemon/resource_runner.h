// ResourceRunner: carries out the core's ResourceCommands (docs/resources.md) and hands each
// outcome back as one core::ResourceResult, always from the event loop and never from
// inside run(), so that the core is not stepped again while the agent is carrying out a
// step.
//
// - command kind: `/bin/sh -c CMD` for start, stop and monitor; the exit code is read the
//   LSB way (core::resource_outcome). systemd_unit kind: `systemctl start|stop UNIT` and
//   `systemctl is-active --quiet UNIT` (exit 3 = inactive). Both are killed with their
//   process group at timeout_ms and reported timed_out.
// - exec kind: start runs the long-running process (`/bin/sh -c 'exec CMD'`, so the pid is
//   the process itself) in a process group of its own, killed by the kernel if the agent
//   dies (PR_SET_PDEATHSIG); start reports ok once it is spawned. When it exits by itself
//   the runner reports, unasked, op = monitor, outcome = not_running. Stop is SIGTERM to its
//   process group, then SIGKILL at timeout_ms (timed_out).
//
// Every child's stdout and stderr go through a pipe: the last lines of the last command
// that did not succeed are kept for output_tail(); an exec process's output is also
// written through to the agent's stderr, prefixed `resource=NAME: `.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/events.h"
#include "daemon/child_output.h"
#include "daemon/hook_runner.h"
#include "io/event_loop.h"

namespace vigil::daemon {

// The argv that carries out `op` for `resource`: the shell command (command kind), the
// systemctl call (systemd_unit), the long-running process (exec start) or its extra check
// (exec monitor). Empty when there is nothing to run: an exec stop (a signal), an exec
// monitor without a monitor command, a command resource without that command.
std::vector<std::string> resource_argv(const core::ResourceConfig& resource, core::ResourceOp op);

// The environment of a resource's commands and process (docs/resources.md "Environment"):
// VIGIL_NODE, VIGIL_GROUP, VIGIL_ROLE, VIGIL_EPOCH, VIGIL_VIPS (the group's VIPs as CIDRs,
// space-separated), VIGIL_RESOURCE, VIGIL_ACTION (start, stop, monitor).
std::vector<std::string> resource_env(const core::Config& config, std::size_t self,
                                      const core::ResourceCommand& command);

// How a start, stop or monitor child ended, read the LSB way (core::resource_outcome), with
// its detail: "exit 1", "killed by signal 9", "killed at timeout 5000 ms".
std::pair<core::ResourceOutcome, std::string> command_outcome(const core::ResourceConfig& resource,
                                                              core::ResourceOp op,
                                                              const HookOutcome& outcome);

class ResourceRunner {
public:
    using Report = std::function<void(const core::ResourceResult&)>;
    // Output pipes still open after their command exited (a daemon it started in the
    // background kept them): read until their end and written through to stderr. Beyond
    // this many, the oldest is closed.
    static constexpr std::size_t kLingeringMax = 32;

    ResourceRunner(const core::Config& config, std::size_t self, io::EventLoop& loop, Logger& log,
                   Report report);
    // Stops watching. Commands and exec processes still running are left alone: the core
    // stops resources before the agent ends, and PR_SET_PDEATHSIG covers a crash.
    ~ResourceRunner();
    ResourceRunner(const ResourceRunner&) = delete;
    ResourceRunner& operator=(const ResourceRunner&) = delete;

    // Never blocks. Reports exactly one ResourceResult per command, from the event loop.
    // REQUIRES: no other command of the same resource is running (the core's promise). A
    // second one is refused: it reports failed (from the loop too), the first carries on.
    void run(TimePoint now, const core::ResourceCommand& command);
    // Kills what passed its deadline and delivers results decided without a child (a
    // spawn that failed, an exec start, the stop of a process not running).
    void on_tick(TimePoint now);
    TimePoint next_deadline() const;
    // exec: the supervised process while it runs.
    std::optional<pid_t> pid(std::size_t resource) const;
    // The last (at most ChildOutput::kLinesMax) lines of output of the last command of this
    // resource that did not succeed: a start or stop that failed, a monitor that failed or
    // found it not running, an exec process that exited by itself.
    std::vector<std::string> output_tail(std::size_t resource) const;
    // Reload: the config now has these new definitions at these indexes (see
    // daemon::ReloadPlan); their output history is forgotten.
    void config_changed(const std::vector<std::size_t>& fresh);
    // Any command or exec process still running, or a result not yet delivered.
    bool busy() const;

private:
    struct Command {  // a start, stop or monitor child
        core::ResourceOp op;
        std::unique_ptr<ChildOutput> output;  // null if the pipe could not be made
    };
    struct Process {  // exec: the long-running process
        pid_t pid = -1;
        std::unique_ptr<ChildOutput> output;
        bool stopping = false;  // SIGTERM sent; its exit answers the stop
    };
    struct Slot {
        std::optional<core::ResourceOp> active;  // the command whose result is due
        std::optional<Command> command;
        std::optional<Process> process;
        std::vector<std::string> failure_tail;
    };
    struct Pending {
        core::ResourceResult result;
        bool ends_command = true;  // false: unasked, or a refused second command
    };

    void start_command(TimePoint now, const core::ResourceCommand& command);
    void command_exited(std::size_t resource, const HookOutcome& outcome);
    void start_process(TimePoint now, const core::ResourceCommand& command);
    void stop_process(TimePoint now, std::size_t resource);
    void process_exited(std::size_t resource, const HookOutcome& outcome);
    // The pipe for a child's output, or null (logged) if it cannot be made.
    std::unique_ptr<ChildOutput> open_output(std::size_t resource);
    // Keeps reading a pipe that a child's own children still hold.
    void linger(std::size_t resource, std::unique_ptr<ChildOutput> output);
    void queue(std::size_t resource, core::ResourceOp op, core::ResourceOutcome outcome,
               std::string detail, bool ends_command = true);
    // Delivers the queued results, then `result` (so a start's ok precedes its process's
    // exit). Ends the slot's active command first: the report may run the next one.
    void deliver(std::optional<Pending> result);

    const core::Config& config_;
    std::size_t self_;
    io::EventLoop& loop_;
    Logger& log_;
    Report report_;
    HookRunner hooks_;
    std::vector<Slot> slots_;  // indexed like config_.resources
    std::deque<Pending> pending_;
    std::deque<std::unique_ptr<ChildOutput>> lingering_;
};

}  // namespace vigil::daemon
