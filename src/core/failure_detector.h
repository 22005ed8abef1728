// FailureDetector: decides which peers are alive from when their heartbeats arrived.
// A peer is alive while it has been heard on at least one link within dead_time; each link
// has its own alive state too, for status and for the operator's "which cable is bad".
// Pure: time comes in as arguments (STYLE.md §1).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "common/time.h"

namespace vigil::core {

class FailureDetector {
public:
    FailureDetector(std::size_t node_count, std::size_t link_count, Micros dead_time,
                    Micros warn_time);

    struct Heard {
        bool peer_came_alive = false;
        bool link_came_alive = false;
        std::optional<Micros> late_gap;  // set when the gap since the previous one > warn time
    };
    Heard heard(std::size_t node, std::size_t link, TimePoint now);

    // Declares the peer dead at once (it said it is leaving).
    void forget(std::size_t node, TimePoint now);

    struct Expired {
        std::vector<std::size_t> peers;                          // just declared dead
        std::vector<std::pair<std::size_t, std::size_t>> links;  // (node, link) gone silent
    };
    // Applies the passage of time: returns what became dead since the last call.
    Expired expire(TimePoint now);

    bool alive(std::size_t node) const { return nodes_[node].alive; }
    bool link_alive(std::size_t node, std::size_t link) const {
        return nodes_[node].links[link].alive;
    }
    bool ever_heard(std::size_t node) const { return !nodes_[node].last_heard.is_never(); }
    // Never heard = TimePoint::never().
    TimePoint last_heard(std::size_t node) const { return nodes_[node].last_heard; }
    TimePoint last_heard(std::size_t node, std::size_t link) const {
        return nodes_[node].links[link].last_heard;
    }
    // When the peer was last declared dead (never = not since start).
    TimePoint died_at(std::size_t node) const { return nodes_[node].died_at; }
    // The earliest instant at which something may expire.
    TimePoint next_deadline() const;

private:
    struct Link {
        bool alive = false;
        TimePoint last_heard = TimePoint::never();
    };
    struct Peer {
        bool alive = false;
        TimePoint last_heard = TimePoint::never();
        TimePoint died_at = TimePoint::never();
        std::vector<Link> links;
    };
    std::vector<Peer> nodes_;
    Micros dead_time_;
    Micros warn_time_;
};

}  // namespace vigil::core
