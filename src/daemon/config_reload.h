// Reload (docs/config.md "Reload"): what may change in a running agent's configuration
// and how the new file becomes the running Config. Pure: no files, no clock.
//
// Live: [[resource]] and [[check]] definitions, a group's `resources`, `checks`, `notify`
// and `failure_timeout_s`. Everything else (cluster timing, port, keys, quorum, nodes and
// their addresses, groups, priorities, preempt, VIPs, fence, state_dir) shapes roles,
// heartbeats or addresses: a change there is refused, naming each key, and the agent keeps
// its running config.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace vigil::daemon {

struct ReloadPlan {
    // One line per key that needs a restart, e.g. "cluster.dead_time_ms changed: needs a
    // restart". Non-empty = refused; nothing below is meaningful then.
    std::vector<std::string> refusals;
    // What changed, one short phrase each, e.g. "resource api added", "group northbound
    // resources: db -> db, api". Empty = the file says what the agent runs.
    std::vector<std::string> changes;
    // The Config to run from now on: `next`, except that its resources are laid out so that
    // the core and the runners can keep their per-resource state (see core::ConfigChanged):
    // a resource unchanged in definition and in its group up to the first difference keeps
    // its running index; the old definition of one replaced or removed stays at its index,
    // marked retired, until it has stopped; a new one takes a free index (a retired entry
    // of an earlier reload) or one past the end. The vector never shrinks.
    core::Config merged;
    // merged.resources indexes that hold a new definition.
    std::vector<std::size_t> fresh;
};

// The keys of `next` that differ from `running` and need a restart (empty = none).
std::vector<std::string> restart_keys(const core::Config& running, const core::Config& next);

// REQUIRES: both valid (parse_config); `running` may carry retired entries of an earlier
// reload, none of which may still be in use.
ReloadPlan plan_reload(const core::Config& running, core::Config next);

}  // namespace vigil::daemon
