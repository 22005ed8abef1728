// Heartbeats lost per peer and link (vigil_peer_link_heartbeats_lost_total,
// docs/metrics.md), counted from gaps in the sender's sequence numbers.
// Why it works: a sender numbers every datagram from one counter, link by link and, within
// a link, node by node in config order (agent.cc send_heartbeats), and always sends a whole
// round. So on one link a receiver sees numbers exactly `stride` = links x (nodes - 1)
// apart when nothing is lost, and a gap of k x stride means k - 1 heartbeats lost. This is
// exact while both nodes run the same node list (a config mismatch is reported anyway);
// a new boot id starts the count afresh, since the sender's counter restarted too.
// Pure: the agent feeds it the heartbeats that passed authentication and the replay guard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::daemon {

class HeartbeatLoss {
public:
    // REQUIRES: stride >= 1.
    HeartbeatLoss(std::size_t nodes, std::size_t links, std::uint64_t stride);

    void on_heartbeat(std::size_t node, std::size_t link, std::uint64_t boot_id, std::uint64_t seq);
    std::uint64_t lost(std::size_t node, std::size_t link) const;
    std::uint64_t received(std::size_t node, std::size_t link) const;

private:
    struct Slot {
        std::uint64_t boot_id = 0;
        std::uint64_t last_seq = 0;
        bool seen = false;
        std::uint64_t lost = 0;
        std::uint64_t received = 0;
    };
    std::size_t index(std::size_t node, std::size_t link) const;

    std::size_t links_;
    std::uint64_t stride_;
    std::vector<Slot> slots_;  // [node * links_ + link]
};

}  // namespace vigil::daemon
