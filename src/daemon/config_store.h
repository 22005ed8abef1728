// [group.store]: a group's embedded replicated key-value store (docs/config.md
// "[group.store]", docs/store.md). Split out of config_parse.cc, which calls this after it
// read the groups. Private to the config parser.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>

#include "core/config.h"
#include "daemon/toml_reader.h"

namespace vigil::daemon {

// Reads the `store` table of every [[group]] into config.groups[i].store and checks the
// rules: ports in range, the API and replication ports differ from each other, from
// cluster.port and from every other store group's replication port (they share the node's
// link-0 address); a store group has a VIP (clients reach the primary through it) and at
// least two non-witness nodes that may be its primary.
// REQUIRES: config.cluster, config.nodes and config.groups were read from `root`.
void read_group_stores(const toml::table& root, core::Config& config,
                       const std::filesystem::path& base_dir, toml_reader::Problems& problems);

// data_dir with "{node}" replaced by `node`.
std::string store_data_dir(const core::StoreConfig& store, const std::string& node);

}  // namespace vigil::daemon
