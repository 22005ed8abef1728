// Agent: the daemon. It wires the protocol core (core::Node) to the outside world: UDP
// heartbeats on every link, netlink for VIPs, raw sockets for announcements, the control
// socket, the durable state file, notify and fence commands, the tie-breaker, the lease
// pipe to its supervisor, and signals. The loop is: wait for an event, feed it to the
// core, carry out the returned Actions in their documented order, re-arm the timer.
// A witness (`vigil witness`) runs the same loop; it holds no group, so it never touches
// addresses and runs no notify, fence or tie-breaker.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/node.h"
#include "daemon/announce_schedule.h"
#include "daemon/fence_runner.h"
#include "daemon/group_store.h"
#include "daemon/kv_http.h"
#include "daemon/hook_runner.h"
#include "daemon/lease_watchdog.h"
#include "daemon/check_runner.h"
#include "daemon/event_ring.h"
#include "daemon/failover_history.h"
#include "daemon/heartbeat_loss.h"
#include "daemon/notify_queue.h"
#include "daemon/resource_runner.h"
#include "daemon/service_notifier.h"
#include "daemon/state_file.h"
#include "daemon/tiebreaker.h"
#include "daemon/timeline.h"
#include "daemon/vrrp_driver.h"
#include "io/addresses.h"
#include "io/event_loop.h"
#include "io/http_server.h"
#include "io/posix_disk.h"
#include "io/udp_transport.h"
#include "io/unix_server.h"
#include "wire/auth.h"
#include "wire/replay_guard.h"

namespace vigil::daemon {

// Exit code of an agent that failed before it started (bad socket, port in use): its
// supervisor then leaves the VIPs alone, since they may belong to another, running agent.
constexpr int kExitStartupFailed = 75;
// Exit code of an agent that could not write its durable state (docs/state.md): it stops
// at once, before anything of that step is carried out; its supervisor removes the VIPs.
constexpr int kExitStateWriteFailed = 74;
// Exit code of an agent whose graceful stop gave up waiting for its resources to stop: its
// supervisor removes the VIPs and runs the stops once more.
constexpr int kExitShutdownIncomplete = 73;

struct AgentOptions {
    std::string socket_path;
    StateFile state_file;         // STATE_DIR/NODE.state, loaded by main: open for writing
    core::DurableState restored;  // what that file held at start
    int lease_fd = -1;            // write end of the lease pipe to the supervisor; -1 = none
    EventRing* events = nullptr;  // recent events for `vigil events`; outlives the agent
};

// Counters shown by `vigil status -v`.
struct Counters {
    std::uint64_t sent = 0, send_errors = 0, received = 0, accepted = 0;
    std::uint64_t malformed = 0, auth_failures = 0, replays = 0, unknown_sender = 0;
    std::uint64_t wrong_link = 0, vips_readded = 0, announcements = 0;
    std::uint64_t lease_records_deferred = 0;  // lease pipe full; sent after the next step
};

class Agent {
public:
    // The agent keeps its own copy of `config`, its running config: a reload
    // (reload_config) replaces it in place, so that the core and the runners, which hold
    // references to it, see the new one.
    Agent(const core::Config& config, std::size_t self, wire::Keys keys, AgentOptions options,
          Logger& log);
    ~Agent();
    // Runs until SIGTERM/SIGINT (graceful: hand over, remove VIPs) or a fatal error.
    // Returns the process exit code.
    int run();

private:
    Result<void> open_sockets();
    void watch_addresses();
    void remove_leftover_vips();
    void on_timer();
    void on_datagram(std::size_t link);
    void on_signal();
    void on_addresses_changed();
    void remove_stray_vips(std::size_t group);
    void feed(const core::Event& event);
    void perform(const core::Actions& actions, TimePoint now);
    void persist(const core::DurableState& state);
    std::vector<std::int64_t> lease_truth() const;
    void report_leases(bool before_actions);
    void apply_vip_change(const core::VipChange& change);
    void send_announcements(TimePoint now);
    void send_heartbeats();
    void log_role_change(const core::RoleChange& change);
    void notify_role_change(const core::RoleChange& change);
    void rearm();
    bool shutdown();  // false: resources did not stop in time
    void reload_keys();
    // Reload (docs/config.md "Reload", agent_reload.cc): re-reads config_.path, applies what
    // may change live, refuses the rest. `trigger` ("sighup", "control") goes into the log.
    struct ReloadOutcome {
        bool applied = false;
        std::string message;  // what changed, or why it was refused
    };
    ReloadOutcome reload_config(const char* trigger);
    std::string handle_control(const std::string& request);
    std::string handle_control_request(const std::string& request);
    void serve_events();  // agent_events.cc
    std::optional<io::UnixServer::StreamReply> handle_events(const std::string& request);
    nlohmann::json status_json(bool verbose);
    nlohmann::json resources_json(TimePoint now, std::size_t g, const core::GroupStatus& gs,
                                  bool verbose) const;
    bool wait_for_resources_to_stop(TimePoint now);
    // The HTTP endpoints ([metrics], [status_page]; agent_http.cc, docs/metrics.md).
    Result<void> open_http();
    std::string metrics_text();
    nlohmann::json status_page_json();
    void update_service(TimePoint now);
    void note_vip_added(std::size_t group, std::size_t vip, bool added);
    // Replicated stores (agent_store.cc, docs/store.md).
    Result<void> open_stores();
    void update_stores(TimePoint now);
    void end_store_round();
    void tick_stores(TimePoint now);
    TimePoint stores_deadline() const;
    nlohmann::json store_status_json(std::size_t group, TimePoint now) const;

    core::Config config_;  // first: everything below may hold a reference to it
    std::size_t self_;
    wire::Keys keys_;
    AgentOptions options_;
    Logger& log_;
    io::EventLoop loop_;
    std::vector<io::UdpSocket> sockets_;                 // by link
    std::vector<std::vector<io::SocketAddress>> peers_;  // [node][link]
    std::unique_ptr<io::Addresses> addresses_;
    std::unique_ptr<io::Announcer> announcer_;
    std::unique_ptr<io::AddressMonitor> monitor_;
    std::unique_ptr<io::UnixServer> control_;
    std::vector<std::unique_ptr<io::HttpServer>> http_;  // [metrics] and [status_page]
    core::Node node_;
    wire::ReplayGuard replay_;
    AnnounceSchedule announces_;
    HookRunner hooks_;  // before its users: notify_, fence_, tiebreaker_
    NotifyQueue notify_;
    FenceRunner fence_;
    std::unique_ptr<Tiebreaker> tiebreaker_;  // two_node with a tiebreaker address only
    // Managed resources and checks; none on a witness.
    std::unique_ptr<ResourceRunner> resources_;
    std::unique_ptr<CheckRunner> checks_;
    std::vector<std::unique_ptr<CheckRunner>> retired_checks_;  // a reload's: until idle
    // VRRPv3 routers (docs/vrrp.md); only when this node takes part in one.
    std::unique_ptr<VrrpDriver> vrrp_;
    StateFile state_file_;
    LeaseReporter lease_reporter_;
    bool lease_pipe_broken_ = false;
    bool witness_;
    std::vector<Timeline> timelines_;  // by group
    std::vector<core::Role> roles_;    // by group, as last carried out
    FailoverHistory failovers_;        // timelines that newer promotions replaced
    HeartbeatLoss heartbeat_loss_;     // per peer and link, for the metrics
    std::int64_t started_realtime_us_;  // vigil_start_time_seconds
    // The service manager (sd_notify): readiness, status, watchdog (docs/systemd.md).
    std::unique_ptr<io::ServiceManager> service_manager_;
    std::unique_ptr<ServiceNotifier> service_;
    std::vector<std::vector<bool>> vips_added_;  // [group][vip]: added since promotion
    Counters counters_;
    // The stores' logs grow 1 MiB of zeros at a time: their fdatasyncs then rarely need a
    // journal commit (io/posix_disk.h). Smaller steps make each growth's sync shorter.
    io::PosixDisk disk_{1 << 20};
    // Declared before stores_ so that it is destroyed after them: a store that stops answers
    // its waiting requests (503) through the server.
    std::vector<std::unique_ptr<KvHttpServer>> kv_http_;  // by group, beside stores_
    std::vector<std::unique_ptr<GroupStore>> stores_;     // by group; null = no store here
    std::uint64_t boot_id_;
    std::uint64_t seq_ = 0;
    TimePoint next_core_wakeup_ = TimePoint::never();
    TimePoint next_vip_check_;
    int signal_fd_ = -1;
    bool stopping_ = false;
    std::int64_t auth_log_budget_ = 0;  // rate limit for auth failure logs
    TimePoint auth_log_window_;
};

}  // namespace vigil::daemon
