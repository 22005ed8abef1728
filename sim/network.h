// Network: heartbeat datagrams in flight between simulated nodes, and what can happen to
// them on the way: loss, duplication, delay with jitter (which reorders them), a rare long
// hold-up in some queue, and partitions (a cut per sender, receiver and link, so cuts can be
// one-way, per link, or any union of those).
//
// Datagrams carry wire::Heartbeat objects, not bytes: encoding and authentication are
// tested in src/wire; here they would only cost time. A heartbeat is stored once per send
// and shared by the datagrams that carry it (one per peer and link, plus duplicates).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/prng.h"
#include "sim/scenario.h"
#include "wire/heartbeat.h"

namespace vigil::sim {

struct Datagram {
    Micros at = 0;                // real time of arrival
    std::uint64_t order = 0;      // among equal arrival times, first sent first
    std::uint32_t heartbeat = 0;  // index into the network's store
    std::uint64_t seq = 0;        // the per-datagram fields the sender fills in
    std::uint8_t from = 0;
    std::uint8_t to = 0;
    std::uint8_t link = 0;
    bool buffered = false;  // arrived already, waited in a paused receiver's socket buffer
};

enum class Drop : std::uint8_t {
    partition,      // a cut between sender and receiver on that link
    loss,           // lost on the way
    queue_full,     // kInFlightMax datagrams in flight, or a paused receiver's buffer full
    receiver_down,  // nobody listens (crashed or stopped)
    replay,         // the receiver's replay guard rejected it (a duplicate or late on its link)
    count
};
const char* drop_name(Drop d);

class Network {
public:
    // A bound on datagrams in flight (STYLE.md §9); far above what a 5-node cluster with
    // two links sends within the longest delay.
    static constexpr std::size_t kInFlightMax = 1 << 16;

    Network(const NetworkFaults& faults, std::size_t nodes, std::size_t links);

    // Stores the heartbeat that the next send() calls carry; returns its index.
    std::uint32_t store(wire::Heartbeat&& hb);
    // After the sends of one heartbeat: frees it if no datagram carries it.
    void release_if_unused(std::uint32_t heartbeat);

    // Sends one datagram at real time `now`. Returns why it was dropped at once, if it was.
    std::optional<Drop> send(std::uint32_t heartbeat, std::size_t from, std::size_t to,
                             std::size_t link, std::uint64_t seq, Micros now, Prng& prng);

    // The arrival time of the next datagram; kRealNever if none is in flight.
    Micros next_due() const { return in_flight_.empty() ? kRealNever : in_flight_.front().at; }
    // Removes the next datagram. The caller reads its heartbeat, then release()s it (or
    // keeps it, e.g. in a paused node's socket buffer, and releases it later).
    Datagram pop();
    // Puts back a datagram taken by pop() and kept, to arrive at d.at (a paused node's
    // socket buffer, read when it resumes). It keeps its reference to its heartbeat.
    void requeue(Datagram d);
    const wire::Heartbeat& heartbeat(std::uint32_t index) const { return store_[index].hb; }
    void release(std::uint32_t index);

    void cut(std::size_t from, std::size_t to, std::size_t link) { ++cuts_[cell(from, to, link)]; }
    void uncut(std::size_t from, std::size_t to, std::size_t link);
    bool blocked(std::size_t from, std::size_t to, std::size_t link) const {
        return cuts_[cell(from, to, link)] > 0;
    }

    // Heal: no more loss, duplication or hold-ups; jitter kept small.
    void calm();

    std::uint64_t sent() const { return sent_; }
    std::uint64_t duplicated() const { return duplicated_; }
    std::uint64_t slowed() const { return slowed_; }
    std::size_t in_flight() const { return in_flight_.size(); }

private:
    struct Stored {
        wire::Heartbeat hb;
        std::uint32_t refs = 0;
    };

    std::size_t cell(std::size_t from, std::size_t to, std::size_t link) const {
        return (from * nodes_ + to) * links_ + link;
    }
    Micros delay(Prng& prng);
    void schedule(const Datagram& d);

    NetworkFaults faults_;
    std::size_t nodes_;
    std::size_t links_;
    std::vector<std::uint16_t> cuts_;  // per (from, to, link): active cuts
    std::vector<Stored> store_;
    std::vector<std::uint32_t> free_;  // indexes of store_ to reuse
    std::vector<Datagram> in_flight_;  // a min-heap by (at, order)
    std::uint64_t order_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t duplicated_ = 0;
    std::uint64_t slowed_ = 0;
};

}  // namespace vigil::sim
