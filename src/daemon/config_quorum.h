// The config keys of quorum, leases, fencing and the durable state file (docs/config.md,
// "Quorum, witness and fencing"), split out of config_parse.cc, which calls these two
// functions: one reads the [cluster] keys, the other checks the rules that span sections
// (who votes, who may hold a group, when two_node and a tie-breaker are allowed).
// Private to the config parser.
#pragma once

#include <toml++/toml.h>

#include "core/config.h"
#include "daemon/toml_reader.h"

namespace vigil::daemon {

// Reads two_node, tiebreaker, tiebreaker_interval_ms, clock_drift_max_ppm, lease_margin_ms,
// fence_timeout_ms, fence_retry_ms and state_dir from the [cluster] table into `c`.
// REQUIRES: the timing keys were read into `c` first; `timing_ok` says whether they read
// cleanly (lease_margin_ms is checked against dead_time_ms only then).
void read_cluster_quorum(const toml::table& cluster, bool timing_ok, core::ClusterConfig& c,
                         toml_reader::Problems& problems);

// The rules between sections, once nodes and groups are read: at least one full node; a
// witness in no priority table; two full nodes need a witness or two_node = true;
// two_node only with exactly two full nodes and no witness; a tie-breaker only with
// two_node, and not an address of the cluster itself.
void check_quorum(const toml::table& root, const core::Config& config,
                  toml_reader::Problems& problems);

}  // namespace vigil::daemon
