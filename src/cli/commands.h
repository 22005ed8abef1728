// The operator commands that talk to a running agent. Each returns the process exit code:
// 0 ok/healthy, 1 unhealthy or refused, 3 the agent could not be reached.
#pragma once

#include <string>

namespace vigil::cli {

constexpr int kExitOk = 0;
constexpr int kExitUnhealthy = 1;
constexpr int kExitRefused = 1;
constexpr int kExitUnreachable = 3;

int cmd_status(const std::string& socket, bool as_json, bool verbose);
int cmd_switchover(const std::string& socket, const std::string& group, const std::string& to,
                   int wait_ms);
int cmd_standby(const std::string& socket, bool on);
// `vigil resource restart NAME`: on the group's primary, stop and start it again.
int cmd_resource_restart(const std::string& socket, const std::string& resource);
// `vigil cleanup GROUP`: forget the group's failures on this node.
int cmd_cleanup(const std::string& socket, const std::string& group);
// `vigil reload`: the agent re-reads its config file and applies what may change live;
// prints what changed (exit 0) or why it was refused (exit 1). For ExecReload=.
int cmd_reload(const std::string& socket);

}  // namespace vigil::cli
