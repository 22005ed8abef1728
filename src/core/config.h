// The immutable cluster configuration as the core sees it: plain data, already validated
// by daemon/config_parse (which owns the TOML file format and its error messages).
// The same file is used on every node; node and group indexes are positions in the file,
// but the wire identifies nodes and groups by name so that a mismatch is detectable.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/heartbeat.h"

namespace vigil::core {

constexpr std::size_t kNodesMax = 16;  // heartbeat fan-out and status stay small
// The wire format bounds these (docs/wire.md); the config may not exceed them.
constexpr std::size_t kLinksMax = wire::kLinksMax;    // heartbeat links per node
constexpr std::size_t kGroupsMax = wire::kGroupsMax;  // one heartbeat carries every group
constexpr std::size_t kVipsPerGroupMax = 32;
constexpr std::size_t kResourcesPerGroupMax = 32;
constexpr std::size_t kChecksMax = 64;
constexpr std::size_t kNameBytesMax = wire::kNameBytesMax;
constexpr int kPriorityMin = 1;
constexpr int kPriorityMax = 255;

struct NodeConfig {
    std::string name;
    std::vector<std::string> addresses;  // one per heartbeat link, IPv4 or IPv6 literal
    // A witness votes for quorum and renews leases but holds no group: no priority, no VIPs,
    // no resources (`vigil witness`). It gives a two-node cluster its third voter.
    bool witness = false;
};

struct VipConfig {
    std::string address;  // literal without prefix, e.g. "198.18.0.10" or "fd00:18::10"
    int prefix_length = 0;
    bool ipv6 = false;
    std::string interface;  // e.g. "eth0"

    std::string cidr() const { return address + "/" + std::to_string(prefix_length); }
    bool operator==(const VipConfig&) const = default;
};

// A service the group's primary runs and nobody else (docs/resources.md). Exactly one of
// the three forms: LSB-style commands (start/stop/monitor), a long-running process vigil
// supervises itself (exec), or a systemd unit driven through systemctl.
struct ResourceConfig {
    enum class Kind { command, exec, systemd_unit };
    std::string name;
    Kind kind = Kind::command;
    // command: shell command lines, each run with /bin/sh -c. monitor exits 0 = running,
    // 3 = stopped, anything else = failed (LSB).
    // exec: `exec` is the command line of the long-running process (kept in `start`); stop
    // is SIGTERM to its process group, SIGKILL at timeout_ms; `monitor` is optional (an
    // extra check besides "the process is alive").
    std::string start;
    std::string stop;
    std::string monitor;
    std::string unit;  // systemd_unit: e.g. "api.service"
    int monitor_interval_ms = 1000;
    int timeout_ms = 5000;  // per start/stop/monitor call; on expiry it is killed and failed
    int max_restarts = 3;   // restarts within restart_window_s before the group fails over
    int restart_window_s = 60;
    // Reload (docs/config.md "Reload"): an old definition kept at its index only until its
    // stop has been carried out; no group lists it and resource_index() skips it.
    bool retired = false;

    bool operator==(const ResourceConfig&) const = default;
};

// A health check a group depends on besides its resources (keepalived's track_script):
// run on every full node, standbys included, so that each knows whether it could serve.
struct CheckConfig {
    enum class Kind { command, tcp, http, ping };
    std::string name;
    Kind kind = Kind::command;
    // command: a shell command line (exit 0 = pass); tcp: "HOST:PORT" (IPv6 as [ADDR]:PORT),
    // a connect that succeeds = pass; http: "http://HOST:PORT/PATH", a 2xx/3xx answer = pass;
    // ping: an IP literal, an ICMP echo answered = pass.
    std::string target;
    int interval_ms = 1000;
    int timeout_ms = 1000;
    int fall = 2;  // consecutive failures before the check counts as failing
    int rise = 2;  // consecutive passes before a failing check counts as passing again
    // 0: while failing, this node may not be primary of the groups that use the check.
    // < 0: added to the node's priority while failing; > 0: added while passing.
    int weight = 0;

    bool operator==(const CheckConfig&) const = default;
};

// A VRRPv3 virtual router: a `[[group]]` with protocol = "vrrp3" (docs/vrrp.md), parsed
// by daemon/config_vrrp. These routers do not travel in vigil's heartbeats: they speak VRRP
// on their interface, to vigil agents and to keepalived or routers alike, so there may be
// thousands of them.
constexpr std::size_t kVrrpRoutersMax = 4096;
constexpr int kVrrpOwnerPriority = 255;  // the address owner: master at once at start-up

struct VrrpConfig {
    std::string name;        // the group's name, unique among all groups
    int vrid = 0;            // 1..255; unique per (interface, family)
    std::string interface;   // where adverts go and the VIPs live
    bool ipv6 = false;       // the family of its VIPs: one family per virtual router
    int advert_interval_cs = 100;  // advert_interval_ms / 10 (centiseconds, 1..4095)
    // Indexed like Config::nodes: 1..255, nullopt = the node takes no part in this router
    // (joins nothing, sends nothing). With `placement = "spread"` the parser filled these.
    std::vector<std::optional<int>> priority;
    bool placement_spread = false;
    bool preempt = true;
    int preempt_delay_ms = 0;  // a preempting backup waits this long after start-up
    bool accept_mode = true;   // see docs/vrrp.md "Accept mode"
    std::vector<std::string> unicast_peers;  // canonical literals; empty = multicast
    std::vector<VipConfig> vips;             // 1..kVrrpAddressesMax, all of family `ipv6`
    std::string notify;                      // run as: CMD GROUP STATE PRIORITY
    std::vector<std::size_t> checks;         // Config::checks indexes (weights apply)
    std::string sync_group;                  // "" = none; members fail over together
    bool require_quorum = false;  // master only while this agent holds the cluster quorum

    bool operator==(const VrrpConfig&) const = default;
};

// [group.store]: the group's embedded replicated key-value store (docs/store.md).
struct StoreConfig {
    bool enabled = false;
    int port = 7480;              // HTTP API, served by the primary on its VIPs
    int replication_port = 7481;  // primary <-> standby log stream, on link 0's addresses
    // "{node}" expands to the node's name (agents in a lab share one file system).
    std::string data_dir = "/var/lib/vigil/{node}/store";
    int snapshot_entries = 100000;  // snapshot and compact every this many entries (as etcd)
    int request_timeout_ms = 1000;  // a standby that does not ack this long is out of date
    bool operator==(const StoreConfig&) const = default;
};

struct GroupConfig {
    std::string name;
    // Indexed like Config::nodes; nullopt = that node may never be primary of this group.
    std::vector<std::optional<int>> priority;
    bool preempt = true;
    std::vector<VipConfig> vips;
    std::string notify;  // empty = none; run as: CMD GROUP ROLE EPOCH
    // Empty = none. Run as: CMD NODE (NODE = the primary that disappeared) before a takeover;
    // exit 0 = the node is powered off. See docs/design.md "Fencing".
    std::string fence;
    std::vector<std::size_t> resources;  // Config::resources indexes, in start order
    std::vector<std::size_t> checks;     // Config::checks indexes
    // A group that failed on this node (resource restart budget exhausted, start failed)
    // may run here again after this long; 0 = only after `vigil cleanup GROUP`.
    int failure_timeout_s = 0;
    StoreConfig store;
};

struct ClusterConfig {
    std::string name;
    std::string auth_key_file;       // absolute after parsing
    std::string auth_key_next_file;  // optional second accepted key, for rotation
    int heartbeat_interval_ms = 50;
    int dead_time_ms = 250;
    int warn_time_ms = 0;  // 0 = 2 x heartbeat_interval_ms; a later heartbeat is logged
    int init_dead_ms = 0;  // 0 = dead_time_ms; how long a starting node waits for peers
    int port = 7405;
    int announce_count = 3;          // gratuitous ARP / unsolicited NA per VIP per burst
    int announce_interval_ms = 100;  // between the announcements of one burst
    int notify_timeout_ms = 10000;   // a notify hook running longer is killed
    // Quorum and leases (docs/design.md "Quorum and leases").
    // Two full nodes without a witness: each is a quorum on its own. A partition can then
    // give two primaries; only an explicit choice, with `tiebreaker` and `fence` to help.
    bool two_node = false;
    std::string tiebreaker;          // two_node only: an address to ping; unreachable = may
                                     // not be or stay primary (ipfail). "" = none
    int tiebreaker_interval_ms = 1000;
    int clock_drift_max_ppm = 10000;  // bound on any node's clock rate error (1%)
    int lease_margin_ms = 0;          // 0 = heartbeat_interval_ms / 2
    int fence_timeout_ms = 30000;     // a fence command running longer is killed, counts failed
    int fence_retry_ms = 1000;        // between fence attempts after a failure
    std::string state_dir = "/var/lib/vigil";  // daemon: where the durable state file lives
};

// A local HTTP listener: [metrics] or [status_page] (docs/metrics.md). Each node chooses
// its own, so these are left out of the digest. Only the daemon uses them.
struct HttpListenConfig {
    bool enabled = false;  // the table is present
    std::string address;   // canonical IP literal (inet_ntop form)
    bool ipv6 = false;
    int port = 0;
    bool allow_remote = false;  // a non-loopback address was explicitly allowed
    bool operator==(const HttpListenConfig&) const = default;
};

struct Config {
    std::string path;  // the file it came from, absolute
    ClusterConfig cluster;
    std::vector<NodeConfig> nodes;
    std::vector<GroupConfig> groups;
    std::vector<ResourceConfig> resources;  // each used by exactly one group
    std::vector<CheckConfig> checks;        // may be shared by several groups
    std::vector<VrrpConfig> vrrp;           // [[group]] with protocol = "vrrp3"
    HttpListenConfig metrics;               // [metrics]: GET /metrics
    HttpListenConfig status_page;           // [status_page]: GET / and /status.json
    // SHA-256 over a canonical form of everything cluster-wide: carried (truncated) in
    // heartbeats so that nodes running different configs notice.
    std::array<std::uint8_t, 32> digest{};

    std::optional<std::size_t> node_index(std::string_view name) const {
        for (std::size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i].name == name) return i;
        return std::nullopt;
    }
    std::optional<std::size_t> resource_index(std::string_view name) const {
        for (std::size_t i = 0; i < resources.size(); ++i)
            if (resources[i].name == name && !resources[i].retired) return i;
        return std::nullopt;
    }
    std::optional<std::size_t> group_index(std::string_view name) const {
        for (std::size_t i = 0; i < groups.size(); ++i)
            if (groups[i].name == name) return i;
        return std::nullopt;
    }
    int effective_warn_time_ms() const {
        return cluster.warn_time_ms > 0 ? cluster.warn_time_ms : 2 * cluster.heartbeat_interval_ms;
    }
    // Voters: every node, witnesses included. A quorum is a strict majority, or 1 when the
    // operator chose two_node.
    std::size_t voter_count() const { return nodes.size(); }
    std::size_t quorum_size() const { return cluster.two_node ? 1 : nodes.size() / 2 + 1; }
    int effective_lease_margin_ms() const {
        return cluster.lease_margin_ms > 0 ? cluster.lease_margin_ms
                                           : cluster.heartbeat_interval_ms / 2;
    }
    int effective_init_dead_ms() const {
        return cluster.init_dead_ms > 0 ? cluster.init_dead_ms : cluster.dead_time_ms;
    }
};

}  // namespace vigil::core
