#include "core/failure_detector.h"

#include <algorithm>

#include "common/assert.h"

namespace vigil::core {

FailureDetector::FailureDetector(std::size_t node_count, std::size_t link_count, Micros dead_time,
                                 Micros warn_time)
    : nodes_(node_count), dead_time_(dead_time), warn_time_(warn_time) {
    VIGIL_ASSERT(dead_time > 0);
    VIGIL_ASSERT(link_count > 0);
    for (auto& n : nodes_) n.links.resize(link_count);
}

FailureDetector::Heard FailureDetector::heard(std::size_t node, std::size_t link, TimePoint now) {
    VIGIL_ASSERT(node < nodes_.size());
    VIGIL_ASSERT(link < nodes_[node].links.size());
    Peer& p = nodes_[node];
    Heard out;
    // Lateness is judged across links: a heartbeat counts if it arrived on any of them.
    if (p.alive && now - p.last_heard > warn_time_) out.late_gap = now - p.last_heard;
    out.peer_came_alive = !p.alive;
    out.link_came_alive = !p.links[link].alive;
    p.alive = true;
    p.last_heard = p.last_heard.is_never() ? now : std::max(p.last_heard, now);
    p.links[link].alive = true;
    p.links[link].last_heard = now;
    return out;
}

void FailureDetector::forget(std::size_t node, TimePoint now) {
    Peer& p = nodes_[node];
    if (p.alive) p.died_at = now;
    p.alive = false;
    for (auto& l : p.links) l.alive = false;
}

FailureDetector::Expired FailureDetector::expire(TimePoint now) {
    Expired out;
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        Peer& p = nodes_[n];
        for (std::size_t l = 0; l < p.links.size(); ++l) {
            if (p.links[l].alive && now - p.links[l].last_heard >= dead_time_) {
                p.links[l].alive = false;
                out.links.emplace_back(n, l);
            }
        }
        if (p.alive && now - p.last_heard >= dead_time_) {
            p.alive = false;
            p.died_at = now;
            out.peers.push_back(n);
        }
    }
    return out;
}

TimePoint FailureDetector::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const Peer& p : nodes_)
        for (const Link& l : p.links)
            if (l.alive) next = std::min(next, l.last_heard + dead_time_);
    return next;
}

}  // namespace vigil::core
