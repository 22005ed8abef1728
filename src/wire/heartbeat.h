// The heartbeat message: one UDP datagram per peer per link per interval, carrying this
// node's view of every group. Byte layout, authentication and replay rules are specified
// in docs/wire.md; this header is the in-memory form.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil::wire {

constexpr std::size_t kMessageBytesMax = 16384;
constexpr std::size_t kHmacBytes = 32;   // HMAC-SHA256
constexpr std::size_t kDigestBytes = 8;  // truncated config digest carried on the wire
// Wire-level limits (docs/wire.md "Limits"). They equal the core's limits of the same name;
// they are repeated here so that wire does not depend on core.
constexpr std::size_t kNameBytesMax = 63;  // node and group names: 1..63 bytes
constexpr std::size_t kGroupsMax = 128;    // groups in one heartbeat
constexpr std::size_t kLinksMax = 4;       // link indexes 0..3

enum class Role : std::uint8_t { starting = 0, standby = 1, primary = 2, fault = 3 };

// Per-group state of the sender.
struct GroupState {
    std::string group;  // group name
    Role role = Role::starting;
    std::uint64_t epoch = 0;          // the highest epoch the sender knows for this group
    std::uint16_t priority = 0;       // sender's effective priority; 0 = not eligible
    bool admin = false;               // the current epoch began with an operator switchover
    std::string primary;              // who the sender believes is primary ("" = none)
    std::string handoff_to;           // sender (a primary) hands the group to this node
    std::string switchover_to;        // sender asks the primary to hand the group over
    std::uint32_t switchover_id = 0;  // increases with each new switchover request
    // Quorum and leases (docs/design.md "Quorum and leases").
    std::uint64_t campaign_epoch = 0;  // the sender asks for votes at this epoch; 0 = not
    std::string vote_for;              // the node the sender's vote or lease promise is for
    std::uint64_t vote_epoch = 0;      // the epoch of that vote or promise
    std::uint64_t vote_echo_us = 0;    // vote_for's sent_at_us that this vote/promise answers
    // Replicated store (docs/design.md "Who may be promoted (replicated store)"). Carried
    // only when `store` is set (group flag bit 1), so groups without a store are unchanged
    // on the wire.
    bool store = false;                  // the group has [group.store] enabled
    std::uint64_t store_last_epoch = 0;  // the sender's log: epoch of its last entry
    std::uint64_t store_last_index = 0;  // the sender's log: index of its last entry
    std::uint64_t sync_epoch = 0;        // the sync set: proposed (primary) or stored
    std::uint64_t sync_seq = 0;
    std::uint32_t sync_mask = 0;  // bit i = Config::nodes[i]

    bool operator==(const GroupState&) const = default;
};

struct Heartbeat {
    std::array<std::uint8_t, kDigestBytes> config_digest{};
    std::string sender;             // node name
    std::uint8_t link = 0;          // index of the link this datagram was sent on
    std::uint64_t boot_id = 0;      // per-boot, increasing across restarts (docs/wire.md)
    std::uint64_t seq = 0;          // per sender and boot, increasing per datagram
    std::uint16_t interval_ms = 0;  // sender's heartbeat interval
    bool maintenance = false;       // `vigil standby on`: sender will not be primary
    bool leaving = false;           // sender is shutting down gracefully
    bool witness = false;           // sender is a witness: it votes, never serves a group
    // The sender's monotonic clock when it built this heartbeat (µs). Votes and lease
    // promises echo it back, so the sender can date its lease on its own clock.
    std::uint64_t sent_at_us = 0;
    std::vector<GroupState> groups;

    bool operator==(const Heartbeat&) const = default;
};

}  // namespace vigil::wire
