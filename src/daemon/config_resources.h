// The [[resource]] and [[check]] tables of the config file and the [[group]] keys that
// use them (resources, checks, failure_timeout_s): docs/config.md "[[resource]]",
// "[[check]]". Split out of config_parse.cc, which calls these three functions after it
// has read the groups. Private to the config parser.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <vector>

#include "core/config.h"
#include "daemon/toml_reader.h"

namespace vigil::daemon {

// Reads every [[resource]] table: a name, exactly one form (start/stop/monitor commands,
// exec, or systemd_unit) and the timing keys. Names are unique among resources.
std::vector<core::ResourceConfig> parse_resources(const toml::table& root,
                                                  const std::filesystem::path& base_dir,
                                                  toml_reader::Problems& problems);

// Reads every [[check]] table (at most core::kChecksMax): a name, exactly one of command,
// tcp, http or ping, and the timing and weight keys. Names are unique among checks.
std::vector<core::CheckConfig> parse_checks(const toml::table& root,
                                            const std::filesystem::path& base_dir,
                                            toml_reader::Problems& problems);

// Reads resources, checks and failure_timeout_s of every [[group]] into config.groups,
// resolving names to Config::resources and Config::checks indexes, and checks the rules
// between the sections: every name known; a resource in exactly one group, once; at most
// core::kResourcesPerGroupMax resources per group; a check at most once per group.
// REQUIRES: config.groups, config.resources and config.checks were read from `root`.
void read_group_resources(const toml::table& root, core::Config& config,
                          toml_reader::Problems& problems);

}  // namespace vigil::daemon
