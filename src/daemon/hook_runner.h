// HookRunner: the child processes the agent starts and waits for without ever blocking:
// notify hooks, fence commands and tie-breaker pings (the agent's own runner, shared by
// those users), resource commands and processes (daemon/resource_runner.h) and check probes
// (daemon/check_runner.h), each with a runner of its own under the same event loop. Each
// run is watched through its pidfd in the event loop, killed with its process group at its
// deadline, and reported exactly once to its callback, from the event loop.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "io/event_loop.h"
#include "io/process.h"

namespace vigil::daemon {

struct HookOutcome {
    io::ExitStatus status;  // "exit 0", "exit 3", "killed by signal 9"
    bool killed = false;    // killed by the runner at its deadline
    Micros duration = 0;    // from start to exit, on the monotonic clock
};

// The argv that runs a shell command line with `args` appended as positional parameters,
// never interpolated into the command: /bin/sh -c 'COMMAND "$@"' ARG0 ARGS...
// (ARG0 names the hook in `ps` and in the shell's own error messages.)
std::vector<std::string> shell_command_argv(const std::string& command, const std::string& arg0,
                                            const std::vector<std::string>& args);

class HookRunner {
public:
    static constexpr std::size_t kRunsMax = 256;  // notify lanes + fences + one ping, bounded
    static constexpr Micros kNoTimeout = -1;      // a run with no deadline (a supervised process)

    using Done = std::function<void(const HookOutcome&)>;

    explicit HookRunner(io::EventLoop& loop);
    // Runs still going are left running (a notify hook may be recording the final role);
    // the runner only stops watching them.
    ~HookRunner();
    HookRunner(const HookRunner&) = delete;
    HookRunner& operator=(const HookRunner&) = delete;

    // Starts argv (argv[0] looked up in PATH) with the agent's environment plus `env`;
    // `done` runs from the event loop once it has exited. A run still going `timeout` after
    // `now` is killed (SIGKILL to its process group) and reported with killed = true.
    // `options` may send its output to a pipe or tie its life to the agent's.
    // Returns the child's pid. On an Error nothing was started and `done` never runs.
    Result<pid_t> start(TimePoint now, const std::vector<std::string>& argv,
                        const std::vector<std::string>& env, Micros timeout, Done done,
                        const io::SpawnOptions& options = {});
    // Sends `signal` to the process group of the run `pid`. False if `pid` is not a run of
    // this runner (any more): a pid already reported is never signalled, as it may be reused.
    bool signal(pid_t pid, int signal);
    // Moves the deadline of the run `pid`: if still running at `deadline` it is killed and
    // reported with killed = true. False if `pid` is not a run of this runner.
    bool kill_at(pid_t pid, TimePoint deadline);
    // Kills the runs whose deadline passed. Call when next_deadline() is reached.
    void on_tick(TimePoint now);
    TimePoint next_deadline() const;
    std::size_t running() const { return runs_.size(); }

private:
    struct Run {
        io::Child child;
        TimePoint started;
        TimePoint deadline;
        bool killed = false;
        Done done;
    };
    void exited(int pidfd);
    Run* find(pid_t pid);

    io::EventLoop& loop_;
    std::map<int, Run> runs_;  // by pidfd
};

}  // namespace vigil::daemon
