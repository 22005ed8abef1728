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
constexpr std::size_t kNameBytesMax = wire::kNameBytesMax;
constexpr int kPriorityMin = 1;
constexpr int kPriorityMax = 255;

struct NodeConfig {
    std::string name;
    std::vector<std::string> addresses;  // one per heartbeat link, IPv4 or IPv6 literal
};

struct VipConfig {
    std::string address;  // literal without prefix, e.g. "198.18.0.10" or "fd00:18::10"
    int prefix_length = 0;
    bool ipv6 = false;
    std::string interface;  // e.g. "eth0"

    std::string cidr() const { return address + "/" + std::to_string(prefix_length); }
};

struct GroupConfig {
    std::string name;
    // Indexed like Config::nodes; nullopt = that node may never be primary of this group.
    std::vector<std::optional<int>> priority;
    bool preempt = true;
    std::vector<VipConfig> vips;
    std::string notify;  // empty = none; run as: CMD GROUP ROLE EPOCH
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
};

struct Config {
    std::string path;  // the file it came from, absolute
    ClusterConfig cluster;
    std::vector<NodeConfig> nodes;
    std::vector<GroupConfig> groups;
    // SHA-256 over a canonical form of everything cluster-wide: carried (truncated) in
    // heartbeats so that nodes running different configs notice.
    std::array<std::uint8_t, 32> digest{};

    std::optional<std::size_t> node_index(std::string_view name) const {
        for (std::size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i].name == name) return i;
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
    int effective_init_dead_ms() const {
        return cluster.init_dead_ms > 0 ? cluster.init_dead_ms : cluster.dead_time_ms;
    }
};

}  // namespace vigil::core
