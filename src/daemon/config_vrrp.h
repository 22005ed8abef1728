// The [[group]] tables with protocol = "vrrp3": VRRPv3 virtual routers (docs/vrrp.md,
// docs/config.md "VRRP groups"). config_parse.cc takes these tables out of the [[group]]
// array before it reads the vigil groups, so that the heartbeat's group limit and the
// vigil-only keys never apply to them, and hands them here with their positions in the
// file. Private to the config parser.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "daemon/toml_reader.h"

namespace vigil::daemon {

// A [[group]] table's protocol: "vigil" (the default) or "vrrp3"; anything else is
// recorded as a problem and read as "vigil".
bool is_vrrp_table(const toml::table& table);

// A VIP table { address, interface }; `default_interface` ("" = none) stands in for a
// missing interface (vrrp3 groups default to their own interface).
std::optional<core::VipConfig> read_vip(const toml::table& table, const std::string& path,
                                        const std::string& default_interface,
                                        toml_reader::Problems& problems);

struct VrrpTable {
    toml::table table;  // moved out of the [[group]] array: it keeps its source lines
    std::size_t file_index;  // its position among all [[group]] tables, for key paths
};

// Reads every vrrp3 table into config.vrrp. REQUIRES: config.nodes, config.groups and
// config.checks were read (names are unique across both kinds of group, VIPs across the
// whole file, checks are referred to by name).
void parse_vrrp_groups(const std::vector<VrrpTable>& tables, core::Config& config,
                       const std::filesystem::path& base_dir, toml_reader::Problems& problems);

}  // namespace vigil::daemon
