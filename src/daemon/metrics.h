// What /metrics shows (docs/metrics.md): a snapshot of the agent, taken on each scrape
// (agent_http.cc), rendered in the Prometheus text format. Pure, so that the names, types
// and labels are unit-tested without an agent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/failover_history.h"

namespace vigil::daemon {

struct MetricsSnapshot {
    std::string version;
    double start_time_seconds = 0;  // Unix time the agent started
    bool healthy = false;
    bool maintenance = false;
    std::uint64_t voters_alive = 0;
    std::uint64_t quorum = 0;
    // The agent's counters (agent.h Counters).
    std::uint64_t heartbeats_sent = 0, send_errors = 0, packets_received = 0;
    std::uint64_t heartbeats_accepted = 0, malformed = 0, auth_failures = 0, replays = 0;
    std::uint64_t unknown_sender = 0, wrong_link = 0, vips_readded = 0, announcements = 0;

    struct Resource {
        std::string name;
        bool running = false;
        std::uint64_t restarts_total = 0;
    };
    struct Group {
        std::string name;
        std::string role;  // core::role_name
        std::uint64_t epoch = 0;
        std::uint64_t promotions = 0;              // times this node became primary
        std::vector<TimelinePhase> last_failover;  // empty: never primary
        std::vector<Resource> resources;
    };
    struct Link {
        std::string name;  // the link index, as in the logs: "0", "1"
        bool up = false;
        std::optional<double> heartbeat_age_seconds;  // nullopt: never heard
        std::uint64_t heartbeats_lost = 0;
    };
    struct Peer {
        std::string name;
        bool up = false;
        std::vector<Link> links;
    };
    std::vector<Group> groups;
    std::vector<Peer> peers;
    // VRRPv3 routers this node takes part in (docs/vrrp.md).
    struct VrrpRouter {
        std::string name;
        std::string state;  // core::vrrp_state_name
        int priority = 0;   // effective
        std::uint64_t became_master = 0;
        std::uint64_t adverts_received = 0;
    };
    std::vector<VrrpRouter> vrrp;
    bool has_vrrp = false;  // the agent runs routers (the counters below mean something)
    std::uint64_t vrrp_adverts_sent = 0, vrrp_send_errors = 0, vrrp_adverts_accepted = 0;
    std::vector<std::pair<std::string, std::uint64_t>> vrrp_dropped;  // by reason
    // Replicated stores on this node (docs/store.md), by group.
    struct StoreStandby {
        std::string name;
        std::string state;  // store::standby_state_name
        std::uint64_t lag_entries = 0;
        double lag_seconds = 0;
    };
    struct Store {
        std::string group;
        bool primary_ready = false;  // serving reads and writes here
        std::uint64_t last_index = 0, applied_index = 0, snapshot_index = 0, keys = 0;
        std::uint64_t writes_committed = 0;
        std::vector<StoreStandby> standbys;  // primary only
    };
    std::vector<Store> stores;
};

// The states vigil_replication_standby_state enumerates, one series each.
inline constexpr const char* kMetricStandbyStates[] = {"connecting", "catching_up", "in_sync",
                                                       "out_of_date"};

// The states vigil_vrrp_state enumerates, one series each.
inline constexpr const char* kMetricVrrpStates[] = {"initialize", "backup", "master", "fault"};

// The roles vigil_group_role enumerates, one series each.
inline constexpr const char* kMetricRoles[] = {"starting", "standby", "primary", "fault"};

std::string render_metrics(const MetricsSnapshot& snapshot);

}  // namespace vigil::daemon
