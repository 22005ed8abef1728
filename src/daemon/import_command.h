// The `vigil import` command group and its `heartbeat` subcommand: reads the files, calls the
// pure importer (import_heartbeat.h), writes the config and the key file, and prints the notes.
// `import` is a group so that other importers (keepalived) can join it as subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

namespace vigil::daemon {

struct ImportCommand {
    CLI::App* import = nullptr;
    CLI::App* heartbeat = nullptr;
    std::string ha_cf, haresources, authkeys, out, key_out, cluster_name = "heartbeat";
    std::vector<std::string> node_addresses;  // NODE:IFACE=ADDRESS
    bool force = false;
    // `import keepalived` (import_keepalived.h)
    CLI::App* keepalived = nullptr;
    std::vector<std::string> ka_confs;           // NODE=FILE
    std::vector<std::string> ka_node_addresses;  // NODE=ADDRESS
    std::string ka_out, ka_auth_key_file = "auth.key", ka_cluster_name = "keepalived";
    bool ka_force = false;
};

// Adds `import heartbeat` and `import keepalived` to `app`. The returned object holds the option
// values; keep it alive until after parsing.
std::unique_ptr<ImportCommand> add_import_command(CLI::App& app);

// Runs the `import` subcommand that was parsed. Exit status: 0 imported (notes or not), 1 inputs
// unusable or outputs not writable, 2 usage error.
int run_import(const ImportCommand& command);

// The exit status for a command-line parse error: 2 (usage) when it happened inside
// `import`, else CLI11's own `cli11_code`, so that other commands keep their behaviour.
int import_parse_error_code(const ImportCommand& command, int cli11_code);

}  // namespace vigil::daemon
