// Child processes for hooks, checks and resources: spawn with arguments, learn of their
// exit through a pidfd in the event loop, kill them on timeout. Only processes this agent
// started are ever signalled, by the pid it got from spawning them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace vigil::io {

struct Child {
    pid_t pid = -1;
    int pidfd = -1;  // readable when the child exits
};

struct SpawnOptions {
    // The child's stdout and stderr (the write end of a pipe, say); -1 = the agent's own.
    int output_fd = -1;
    // PR_SET_PDEATHSIG(SIGKILL): the child is killed when the thread that spawned it ends,
    // so a supervised process does not outlive an agent that was killed or crashed. (The
    // agent spawns from its one thread; a spawning thread that ends early kills it too.)
    bool die_with_agent = false;
};

// Runs argv[0] (looked up in PATH) with argv and the agent's environment plus `env`
// (NAME=value strings; a name in `env` replaces the agent's variable of that name). The
// child leads a process group of its own, with default signal dispositions and an empty
// signal mask. Returns once the child has exec'd; a program that cannot be run (not found,
// not executable) is an Error, and no child is left behind.
Result<Child> spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const SpawnOptions& options = {});

// Reaps an exited child; returns a description like "exit 0", "exit 3", "killed by signal 9".
// `status_code` is the exit code, or 128+signal.
struct ExitStatus {
    int code = 0;
    std::string text;
};
Result<ExitStatus> reap(Child& child);
void kill_child(const Child& child, int signal);

}  // namespace vigil::io
