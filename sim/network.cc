// Network: see network.h.
#include "sim/network.h"

#include <algorithm>

#include "common/assert.h"
#include "sim/random.h"

namespace vigil::sim {
namespace {

// Min-heap on arrival: std::*_heap build max-heaps, so "less" means "arrives later".
bool arrives_later(const Datagram& a, const Datagram& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
}

}  // namespace

const char* drop_name(Drop d) {
    switch (d) {
        case Drop::partition: return "partition";
        case Drop::loss: return "loss";
        case Drop::queue_full: return "queue full";
        case Drop::receiver_down: return "receiver down";
        case Drop::replay: return "replay guard";
        case Drop::count: break;
    }
    return "?";
}

Network::Network(const NetworkFaults& faults, std::size_t nodes, std::size_t links)
    : faults_(faults), nodes_(nodes), links_(links), cuts_(nodes * nodes * links, 0) {
    in_flight_.reserve(4096);
    store_.reserve(256);
}

std::uint32_t Network::store(wire::Heartbeat&& hb) {
    std::uint32_t index;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
        store_[index].hb = std::move(hb);
    } else {
        index = static_cast<std::uint32_t>(store_.size());
        store_.push_back({std::move(hb), 0});
    }
    VIGIL_ASSERT(store_[index].refs == 0);
    return index;
}

void Network::release_if_unused(std::uint32_t heartbeat) {
    if (store_[heartbeat].refs == 0) free_.push_back(heartbeat);
}

void Network::release(std::uint32_t index) {
    VIGIL_ASSERT(store_[index].refs > 0);
    if (--store_[index].refs == 0) free_.push_back(index);
}

Micros Network::delay(Prng& prng) {
    Micros d = faults_.latency_us;
    if (faults_.jitter_us > 0) d += uniform(prng, 0, faults_.jitter_us);
    if (chance(prng, faults_.slow_ppm)) {
        d += uniform(prng, 0, faults_.slow_max_us);
        ++slowed_;
    }
    return d;
}

void Network::schedule(const Datagram& d) {
    in_flight_.push_back(d);
    std::push_heap(in_flight_.begin(), in_flight_.end(), arrives_later);
    ++store_[d.heartbeat].refs;
}

std::optional<Drop> Network::send(std::uint32_t heartbeat, std::size_t from, std::size_t to,
                                  std::size_t link, std::uint64_t seq, Micros now, Prng& prng) {
    VIGIL_ASSERT(from != to);
    ++sent_;
    if (blocked(from, to, link)) return Drop::partition;
    if (chance(prng, faults_.drop_ppm)) return Drop::loss;
    if (in_flight_.size() >= kInFlightMax) return Drop::queue_full;
    Datagram d{now + delay(prng),
               order_++,
               heartbeat,
               seq,
               static_cast<std::uint8_t>(from),
               static_cast<std::uint8_t>(to),
               static_cast<std::uint8_t>(link)};
    schedule(d);
    if (chance(prng, faults_.duplicate_ppm) && in_flight_.size() < kInFlightMax) {
        d.at = now + delay(prng);
        d.order = order_++;
        schedule(d);
        ++duplicated_;
    }
    return std::nullopt;
}

Datagram Network::pop() {
    VIGIL_ASSERT(!in_flight_.empty());
    std::pop_heap(in_flight_.begin(), in_flight_.end(), arrives_later);
    Datagram d = in_flight_.back();
    in_flight_.pop_back();
    return d;
}

void Network::requeue(Datagram d) {
    d.order = order_++;
    d.buffered = true;
    in_flight_.push_back(d);
    std::push_heap(in_flight_.begin(), in_flight_.end(), arrives_later);
}

void Network::uncut(std::size_t from, std::size_t to, std::size_t link) {
    std::uint16_t& c = cuts_[cell(from, to, link)];
    VIGIL_ASSERT(c > 0);
    --c;
}

void Network::calm() {
    faults_.drop_ppm = 0;
    faults_.duplicate_ppm = 0;
    faults_.slow_ppm = 0;
    faults_.jitter_us = std::min<Micros>(faults_.jitter_us, 1'000);
}

}  // namespace vigil::sim
