// Stopping the resources of an agent that died abnormally (kill -9, a crash, an assertion):
// its supervisor removes the VIPs (daemon/vip_cleanup.h), then stops what the agent may have
// left running, so that a service does not go on writing on a node that is no longer its
// group's primary. exec processes need nothing: they were spawned with PR_SET_PDEATHSIG and
// died with the agent.
#pragma once

#include "common/log.h"
#include "core/config.h"

namespace vigil::daemon {

// For every group, for its resources in reverse start order, runs the stop command
// (command kind) or `systemctl stop UNIT` (systemd_unit), one at a time, each killed with
// its process group at its timeout_ms; logs event=resource_cleanup per resource with
// result=ok|failed|timed_out. The commands see the environment of a stop (resource_env)
// with VIGIL_ROLE=standby and VIGIL_EPOCH=0. Blocks until all are done: for the
// supervisor, whose agent is gone, not for the agent's loop.
void stop_all_resources(const core::Config& config, std::size_t self, Logger& log);

}  // namespace vigil::daemon
