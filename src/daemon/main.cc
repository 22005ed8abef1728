// vigil: one binary. `vigil agent` is the daemon and `vigil witness` the daemon of a
// witness node; the other subcommands are the operator's CLI, which talks to a running
// agent over its unix socket.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/control_client.h"
#include "cli/events.h"
#include "cli/kv_command.h"
#include "daemon/agent.h"
#include "daemon/auth_keys.h"
#include "daemon/config_parse.h"
#include "daemon/event_ring.h"
#include "daemon/import_command.h"
#include "daemon/log_sink.h"
#include "daemon/log_stderr.h"
#include "daemon/resource_cleanup.h"
#include "daemon/state_file.h"
#include "daemon/stop_cleanup.h"
#include "daemon/supervisor.h"
#include "io/clock.h"
#include "io/addresses.h"

using namespace vigil;

namespace {

// `vigil agent` runs a full node, `vigil witness` a witness; each refuses the other kind.
int run_agent(const std::string& config_path, std::string node, std::string socket, bool supervise,
              bool witness, daemon::LogTarget log_target) {
    const std::string command = witness ? "vigil witness" : "vigil agent";
    auto config = daemon::load_config(config_path);
    if (!config) {
        std::cerr << command << ": invalid configuration, not starting:\n"
                  << config.error().message << "\n";
        return 2;
    }
    if (node.empty()) node = cli::host_name();
    auto self = config->node_index(node);
    if (!self) {
        std::cerr << command << ": node \"" << node << "\" is not in " << config_path
                  << " (use --node NAME)\n";
        return 2;
    }
    if (config->nodes[*self].witness != witness) {
        std::cerr << command << ": node " << node
                  << (witness ? " is not a witness (no witness = true in its [[node]] table): "
                                "run `vigil agent`\n"
                              : " is a witness: run `vigil witness`\n");
        return 2;
    }
    auto keys = daemon::load_auth_keys(config->cluster);
    if (!keys) {
        std::cerr << command << ": " << keys.error().message << "\n";
        return 2;
    }
    // The durable state: read it (a first start creates it), and write it back at once, so
    // that a state_dir or disk the agent cannot write stops it now rather than at its first
    // vote (docs/state.md). The agent then writes through this open file; a supervisor
    // keeps its copy of the descriptor but never writes.
    daemon::StateFile state_file(config->cluster.state_dir, node);
    auto restored = state_file.load();
    if (restored) {
        if (auto saved = state_file.save(*restored); !saved) restored = saved.error();
    }
    if (!restored) {
        std::cerr << command << ": " << restored.error().message << "\n";
        return 2;
    }
    if (socket.empty()) socket = cli::default_socket_path(node);
    auto log_sink = daemon::make_logger(log_target, node, "");
    Logger& log = *log_sink;
    if (const std::string damaged = state_file.damaged_slot(); !damaged.empty())
        log.event(Level::warn, "state_record_ignored",
                  {{"file", state_file.path()},
                   {"record", damaged},
                   {"effect", "the other record, the newest valid one, was loaded"}});
    if (daemon::auth_key_file_too_open(config->cluster.auth_key_file))
        log.event(Level::warn, "auth_key_file_readable_by_others",
                  {{"file", config->cluster.auth_key_file}, {"fix", "chmod 600"}});
    const core::Config& cfg = *config;
    auto agent_main = [&](int lease_fd) {
        // Every event goes to the sink (stderr or journald) and into the ring that
        // `vigil events` reads (docs/logging.md).
        auto sink = daemon::make_logger(log_target, node, "");
        daemon::EventRing events;
        daemon::TeeLogger agent_log(*sink, events, node, "", io::realtime_us);
        // Called once, in the agent's process: the open state file moves into the agent.
        daemon::AgentOptions options{socket, std::move(state_file), *restored, lease_fd, &events};
        daemon::Agent agent(cfg, *self, *keys, std::move(options), agent_log);
        return agent.run();
    };
    // A witness holds no VIPs: there is nothing for a supervisor to clean up.
    if (!supervise || witness) return agent_main(-1);
    auto sup_log = daemon::make_logger(log_target, node, "supervisor");
    return daemon::run_supervised(cfg, *self, *sup_log, agent_main);
}

// `vigil cleanup-vips`, the unit's ExecStopPost= (daemon/stop_cleanup.h). Refuses while an
// agent answers on the node's control socket: its VIPs are its own business.
int cleanup_vips(const std::string& config_path, std::string node, std::string socket,
                 const std::string& resources) {
    auto config = daemon::load_config(config_path);
    if (!config) {
        std::cerr << "vigil cleanup-vips: invalid configuration:\n"
                  << config.error().message << "\n";
        return 2;
    }
    if (node.empty()) node = cli::host_name();
    auto self = config->node_index(node);
    if (!self) {
        std::cerr << "vigil cleanup-vips: node \"" << node << "\" is not in " << config_path
                  << " (use --node NAME)\n";
        return 2;
    }
    if (config->nodes[*self].witness) return 0;  // a witness holds no VIPs and runs nothing
    if (socket.empty()) socket = cli::default_socket_path(node);
    if (cli::request(socket, {{"cmd", "status"}}, 1000)) {
        std::cerr << "vigil cleanup-vips: the agent of node " << node << " is running (" << socket
                  << " answers): stop it first\n";
        return 1;
    }
    daemon::StderrLogger log(node, "cleanup");
    auto addresses = io::make_netlink_addresses();
    const std::size_t failed = daemon::remove_configured_vips(*config, *addresses, log);
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    const daemon::StopContext context{env("SERVICE_RESULT"), env("EXIT_CODE"), env("EXIT_STATUS")};
    const auto mode = resources == "stop"   ? daemon::ResourceStops::stop
                      : resources == "skip" ? daemon::ResourceStops::skip
                                            : daemon::ResourceStops::automatic;
    if (daemon::should_stop_resources(mode, context))
        daemon::stop_all_resources(*config, *self, log);
    return failed == 0 ? 0 : 1;
}

int check_config(const std::string& path) {
    auto config = daemon::load_config(path);
    if (!config) {
        std::cerr << config.error().message << "\n";
        return 1;
    }
    auto keys = daemon::load_auth_keys(config->cluster);
    if (!keys) {
        std::cerr << keys.error().message << "\n";
        return 1;
    }
    std::cout << daemon::describe_config(*config) << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"vigil: high availability for network-controller services"};
    app.require_subcommand(1);
    std::string node, socket;
    auto add_target = [&](CLI::App* cmd) {
        cmd->add_option("--node", node, "the agent's node name (default: this host's name)");
        cmd->add_option("--socket", socket,
                        "the agent's control socket "
                        "(default: /run/vigil/NODE.sock)");
    };
    auto socket_path = [&] { return socket.empty() ? cli::default_socket_path(node) : socket; };

    std::string config_path;
    bool no_supervisor = false;
    std::string log_to = "auto";
    auto add_log = [&](CLI::App* cmd) {
        cmd->add_option("--log", log_to,
                        "where events go: journal (journald), stderr (logfmt lines), or auto: "
                        "journal when stderr is the journal's stream (a systemd service)")
            ->check(CLI::IsMember({"auto", "stderr", "journal"}));
    };
    auto* agent = app.add_subcommand("agent", "run the vigil daemon in the foreground");
    agent->add_option("--config", config_path, "configuration file")->required();
    agent->add_flag("--no-supervisor", no_supervisor,
                    "do not fork a supervising parent (its job is then the init system's: "
                    "remove the VIPs when the agent dies)");
    add_log(agent);
    add_target(agent);

    auto* witness = app.add_subcommand(
        "witness", "run the daemon of a witness node (witness = true) in the foreground");
    witness->add_option("--config", config_path, "configuration file")->required();
    add_log(witness);
    add_target(witness);

    bool as_json = false, verbose = false;
    auto* status = app.add_subcommand("status", "show roles, VIPs and peers of the local agent");
    status->add_flag("--json", as_json, "machine-readable output");
    status->add_flag("-v,--verbose", verbose, "add counters and the last failover's timeline");
    add_target(status);

    std::string group, to;
    int wait_ms = 5000;
    auto* switchover = app.add_subcommand("switchover", "move a group's primary role");
    switchover->add_option("GROUP", group, "the failover group")->required();
    switchover->add_option("--to", to, "the node to move it to (default: the best standby)");
    switchover->add_option("--wait-ms", wait_ms, "how long to wait for the move")
        ->check(CLI::Range(0, 600000));
    add_target(switchover);

    std::string on_off;
    auto* standby = app.add_subcommand("standby", "maintenance: this node will not be primary");
    standby->add_option("STATE", on_off, "on or off")
        ->required()
        ->check(CLI::IsMember({"on", "off"}));
    add_target(standby);

    std::string resource_name;
    auto* resource = app.add_subcommand("resource", "act on a managed resource");
    resource->require_subcommand(1);
    auto* restart = resource->add_subcommand(
        "restart", "stop and start a resource (and those after it) on its group's primary");
    restart->add_option("NAME", resource_name, "the [[resource]] name")->required();
    add_target(restart);

    std::string cleanup_group;
    auto* cleanup = app.add_subcommand(
        "cleanup", "forget a group's resource failures on this node: it may run the group again");
    cleanup->add_option("GROUP", cleanup_group, "the failover group")->required();
    add_target(cleanup);

    bool events_json = false, events_follow = false;
    int events_count = 20;
    auto* events = app.add_subcommand("events", "show the agent's recent events (logfmt lines)");
    events->add_flag("-f,--follow", events_follow, "keep streaming new events until Ctrl-C");
    events->add_flag("--json", events_json, "one JSON object per event");
    events->add_option("-n,--lines", events_count, "how many recent events to show first")
        ->check(CLI::Range(1, 1000));
    add_target(events);
    auto* reload = app.add_subcommand(
        "reload", "the agent re-reads its config file; resources and checks change live");
    add_target(reload);
    std::string stop_resources = "auto";
    auto* cleanup_vips_cmd =
        app.add_subcommand("cleanup-vips",
                           "after the agent stopped (ExecStopPost=): remove this node's VIPs left "
                           "behind and stop its resources");
    cleanup_vips_cmd->add_option("--config", config_path, "configuration file")->required();
    cleanup_vips_cmd
        ->add_option("--resources", stop_resources,
                     "stop the resources: auto (unless the agent stopped cleanly or never "
                     "started, from systemd's SERVICE_RESULT), stop, skip")
        ->check(CLI::IsMember({"auto", "stop", "skip"}));
    add_target(cleanup_vips_cmd);

    std::string check_path;
    auto* check = app.add_subcommand("check-config", "validate a configuration file");
    check->add_option("FILE", check_path, "configuration file")->required();

    auto import_cmd = daemon::add_import_command(app);
    auto kv_cmd = cli::add_kv_command(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return daemon::import_parse_error_code(*import_cmd, app.exit(e));
    }

    const auto log_target = *daemon::parse_log_target(log_to);  // checked by IsMember
    if (agent->parsed())
        return run_agent(config_path, node, socket, !no_supervisor, false, log_target);
    if (witness->parsed()) return run_agent(config_path, node, socket, false, true, log_target);
    if (events->parsed())
        return cli::cmd_events(socket_path(), events_json, events_follow, events_count);
    if (status->parsed()) return cli::cmd_status(socket_path(), as_json, verbose);
    if (switchover->parsed()) return cli::cmd_switchover(socket_path(), group, to, wait_ms);
    if (standby->parsed()) return cli::cmd_standby(socket_path(), on_off == "on");
    if (check->parsed()) return check_config(check_path);
    if (cleanup_vips_cmd->parsed()) return cleanup_vips(config_path, node, socket, stop_resources);
    if (restart->parsed()) return cli::cmd_resource_restart(socket_path(), resource_name);
    if (cleanup->parsed()) return cli::cmd_cleanup(socket_path(), cleanup_group);
    if (import_cmd->import->parsed()) return daemon::run_import(*import_cmd);
    if (kv_cmd->kv->parsed()) return cli::run_kv(*kv_cmd);
    if (reload->parsed()) return cli::cmd_reload(socket_path());
    return 1;
}
