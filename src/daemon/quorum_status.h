// The node-wide quorum part of the agent's status (docs/control.md): voters, quorum,
// two_node and the tie-breaker, and the problems they imply. Pure, so that the
// health rules are unit-tested without an agent.
#pragma once

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/node.h"

namespace vigil::daemon {

// Adds the fields to `out` and any problem to `problems` (a JSON array of strings):
// "no quorum: A/Q voters (...)" when fewer voters than a quorum are heard (not in
// two_node), "tiebreaker ADDR unreachable: ..." in two_node.
void add_quorum_status(const core::Config& config, const core::NodeStatus& st, nlohmann::json& out,
                       nlohmann::json& problems);

}  // namespace vigil::daemon
