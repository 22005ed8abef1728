// Child processes for hooks (notify) and, later, resources: spawn with arguments, learn of
// their exit through a pidfd in the event loop, kill them on timeout. Only processes this
// agent started are ever signalled, by the pid it got from spawning them.
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

// Runs argv[0] (looked up in PATH) with argv and the agent's environment plus `env`
// (NAME=value strings). stdout/stderr go to the agent's stderr.
Result<Child> spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// Reaps an exited child; returns a description like "exit 0", "exit 3", "killed by signal 9".
// `status_code` is the exit code, or 128+signal.
struct ExitStatus {
    int code = 0;
    std::string text;
};
Result<ExitStatus> reap(Child& child);
void kill_child(const Child& child, int signal);

}  // namespace vigil::io
