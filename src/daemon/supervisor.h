// The supervising parent. `vigil agent` forks: the child is the agent, the parent watches.
// If the agent dies without removing its VIPs (kill -9, a crash, an assertion, a failed
// state write), the parent removes them at once, so that the old primary does not keep
// answering ARP for an address the new primary is taking over (keepalived leaves it behind
// in that case), and then stops the resources the agent may have left running
// (daemon/resource_cleanup.h). If the agent is alive but stopped (SIGSTOP, hung), the lease
// watchdog removes a group's VIPs when the lease the agent last reported for it runs out
// (daemon/lease_watchdog.h). If the parent dies, the kernel sends the agent SIGTERM
// (PR_SET_PDEATHSIG) and the agent shuts down gracefully.
#pragma once

#include <functional>

#include "common/log.h"
#include "core/config.h"

namespace vigil::daemon {

// Runs `agent` (node `self`) in a child process, handing it the write end of the lease
// pipe, and returns the exit code to use: the agent's own, or 128+signal if it was killed.
// SIGTERM, SIGINT and SIGHUP sent to the parent are passed on; so is SIGABRT, systemd's
// watchdog signal, with a SIGCONT after it (docs/systemd.md).
int run_supervised(const core::Config& config, std::size_t self, Logger& log,
                   const std::function<int(int lease_fd)>& agent);

// Removes every VIP of every group found on this host's interfaces; logs each removal.
void remove_all_vips(const core::Config& config, Logger& log, const char* reason);

}  // namespace vigil::daemon
