// The primary side of replication (docs/store-replication.md#primary): per standby, Raft's
// next_index/match_index, a pipeline of Appends bounded in bytes, snapshot transfer when the
// standby is behind the compacted log, keep-alives, and the standby's state as the Node sees
// it. The commit index is the minimum over the primary and the required standbys of what is
// durable there, and never precedes this epoch's noop (Raft §5.4.2).
#include <algorithm>

#include "store/replication.h"

namespace vigil::store {
namespace {
// Batches remembered for lag; past this the two oldest merge (keeping the older time, so
// lag is overstated, never understated).
constexpr std::size_t kBatchesMax = 4096;
}  // namespace

const char* standby_state_name(StandbyState state) {
    switch (state) {
        case StandbyState::connecting: return "connecting";
        case StandbyState::catching_up: return "catching_up";
        case StandbyState::in_sync: return "in_sync";
        case StandbyState::out_of_date: return "out_of_date";
    }
    return "unknown";
}

PrimaryReplica::PrimaryReplica(Epoch epoch, std::vector<std::string> standbys, LogStore& log,
                               Options options)
    : epoch_(epoch), log_(log), options_(options), noop_index_(log.last_index()) {
    VIGIL_ASSERT(log_.last_epoch() == epoch_);  // the caller appended this epoch's noop
    VIGIL_ASSERT(options_.request_timeout >= 4);
    VIGIL_ASSERT(options_.append_bytes_max > 0);
    for (std::string& name : standbys) {
        Peer peer;
        peer.name = std::move(name);
        peers_.push_back(std::move(peer));
    }
}

void PrimaryReplica::note_appended(TimePoint now) {
    const Index last = log_.last_index();
    if (!batches_.empty() && batches_.back().last_index >= last) return;
    batches_.push_back({last, now});
    if (batches_.size() > kBatchesMax) {
        batches_[1].appended = batches_[0].appended;
        batches_.pop_front();
    }
}

void PrimaryReplica::prune_batches() {
    Index acked_by_all = log_.last_index();
    for (const Peer& p : peers_) acked_by_all = std::min(acked_by_all, p.match_index);
    while (!batches_.empty() && batches_.front().last_index <= acked_by_all) batches_.pop_front();
}

TimePoint PrimaryReplica::oldest_unacked(const Peer& peer) const {
    for (const Batch& b : batches_)
        if (b.last_index > peer.match_index) return b.appended;
    return TimePoint::never();
}

void PrimaryReplica::update_state(Peer& peer, TimePoint now) {
    const TimePoint oldest = oldest_unacked(peer);
    const bool overdue = !oldest.is_never() && now - oldest > options_.request_timeout;
    if (!peer.connected) {
        // Never said Hello: connecting, until something waited too long for it.
        if (peer.state != StandbyState::connecting || overdue)
            peer.state = StandbyState::out_of_date;
        return;
    }
    if (peer.state == StandbyState::in_sync) {
        if (overdue) peer.state = StandbyState::out_of_date;
        return;
    }
    // Joining: everything acked, or close enough behind (half the timeout, so a standby
    // under steady load does not flap at the boundary).
    const bool close = oldest.is_never() || now - oldest <= options_.request_timeout / 2;
    if (close && !peer.snapshot_in_flight) peer.state = StandbyState::in_sync;
}

void PrimaryReplica::fill_pipeline(std::size_t s, TimePoint now, std::vector<Outgoing>& out) {
    Peer& peer = peers_[s];
    while (peer.connected && !peer.snapshot_in_flight && peer.next_index <= log_.last_index()) {
        if (peer.next_index < log_.first_index()) {
            VIGIL_ASSERT(log_.snapshot().has_value());
            out.push_back({s, InstallSnapshot{epoch_, commit_index_, *log_.snapshot()}});
            peer.snapshot_in_flight = true;
            peer.last_sent = now;
            peer.commit_index_sent = commit_index_;
            return;
        }
        const std::size_t room = options_.in_flight_bytes_max -
                                 std::min(options_.in_flight_bytes_max, peer.in_flight_bytes);
        if (room == 0) return;
        const std::size_t budget = std::min(options_.append_bytes_max, room);
        std::vector<Entry> entries = log_.read(peer.next_index, budget);
        VIGIL_ASSERT(!entries.empty());
        // The log budgets by its own measure; trim to ours (keeping one entry).
        std::size_t bytes = 0;
        std::size_t count = 0;
        for (const Entry& e : entries) {
            const std::size_t b = encoded_entry_bytes(e);
            if (count > 0 && bytes + b > budget) break;
            bytes += b;
            ++count;
        }
        entries.resize(count);
        // One entry larger than the room left waits until the window drains.
        if (bytes > room && !peer.in_flight.empty()) return;
        const Index prev = peer.next_index - 1;
        const std::optional<Epoch> prev_epoch = log_.epoch_at(prev);
        VIGIL_ASSERT(prev_epoch.has_value());
        peer.in_flight.push_back({entries.back().index, bytes});
        peer.in_flight_bytes += bytes;
        peer.next_index = entries.back().index + 1;
        peer.last_sent = now;
        peer.commit_index_sent = commit_index_;
        out.push_back({s, Append{epoch_, prev, *prev_epoch, commit_index_, std::move(entries)}});
    }
}

void PrimaryReplica::send_keep_alive(std::size_t s, TimePoint now, std::vector<Outgoing>& out) {
    Peer& peer = peers_[s];
    if (peer.snapshot_in_flight) {
        // Resent only if no answer came for a whole timeout (over TCP: never; over a lossy
        // test network: the snapshot or its Ack was lost).
        if (now - peer.last_sent < options_.request_timeout) return;
        peer.snapshot_in_flight = false;
        fill_pipeline(s, now, out);
        return;
    }
    if (peer.next_index < log_.first_index()) return fill_pipeline(s, now, out);
    // prev = everything sent: an ok Ack confirms the whole pipeline, a refusal (something
    // was lost) makes us back up and resend.
    const Index prev = peer.next_index - 1;
    const std::optional<Epoch> prev_epoch = log_.epoch_at(prev);
    VIGIL_ASSERT(prev_epoch.has_value());
    peer.last_sent = now;
    peer.commit_index_sent = commit_index_;
    out.push_back({s, Append{epoch_, prev, *prev_epoch, commit_index_, {}}});
}

std::vector<Outgoing> PrimaryReplica::on_hello(std::size_t s, const Hello& hello, TimePoint now) {
    VIGIL_ASSERT(s < peers_.size());
    std::vector<Outgoing> out;
    note_appended(now);
    if (hello.epoch > epoch_) {
        higher_epoch_ = std::max(higher_epoch_.value_or(0), hello.epoch);
        return out;
    }
    Peer& peer = peers_[s];
    peer.connected = true;
    peer.state = StandbyState::catching_up;
    peer.in_flight.clear();
    peer.in_flight_bytes = 0;
    peer.snapshot_in_flight = false;
    // Hello reports the standby's durable log. If its last entry is also ours, so is all
    // before it (log matching); otherwise try just before it, and the standby's refusals
    // say how far to back up.
    // A last index we compacted away proves nothing (it may be an old epoch's suffix): the
    // standby then gets the snapshot.
    const bool matches = log_.epoch_at(hello.last_index) == hello.last_epoch;
    if (matches) {
        peer.match_index = hello.last_index;
        peer.next_index = hello.last_index + 1;
    } else {
        peer.match_index = 0;
        peer.next_index = std::min(hello.last_index, log_.last_index() + 1);
        peer.next_index = std::max<Index>(peer.next_index, 1);
    }
    fill_pipeline(s, now, out);
    if (out.empty()) send_keep_alive(s, now, out);  // tells it the commit index at once
    update_state(peer, now);
    return out;
}

std::vector<Outgoing> PrimaryReplica::on_ack(std::size_t s, const Ack& ack, TimePoint now) {
    VIGIL_ASSERT(s < peers_.size());
    std::vector<Outgoing> out;
    if (ack.epoch > epoch_) {
        higher_epoch_ = std::max(higher_epoch_.value_or(0), ack.epoch);
        return out;
    }
    Peer& peer = peers_[s];
    if (!peer.connected) return out;  // from a stream that is gone
    if (ack.ok) {
        if (ack.match_index > log_.last_index()) return out;  // not from us: ignore
        // An ack queued for an earlier primary (the standby switched streams with acks
        // pending) speaks of another log: at our epoch a standby always says our epoch.
        if (ack.epoch != epoch_) return out;
        peer.match_index = std::max(peer.match_index, ack.match_index);
        while (!peer.in_flight.empty() && peer.in_flight.front().last_index <= peer.match_index) {
            peer.in_flight_bytes -= peer.in_flight.front().entry_bytes;
            peer.in_flight.pop_front();
        }
        if (peer.snapshot_in_flight && ack.match_index + 1 >= log_.first_index())
            peer.snapshot_in_flight = false;
        peer.next_index = std::max(peer.next_index, peer.match_index + 1);
    } else {
        // Go back to the standby's hint and resend from there; never below what it acked.
        peer.in_flight.clear();
        peer.in_flight_bytes = 0;
        peer.snapshot_in_flight = false;
        peer.next_index =
            std::clamp(ack.last_index + 1, peer.match_index + 1, log_.last_index() + 1);
    }
    prune_batches();
    update_state(peer, now);
    fill_pipeline(s, now, out);
    return out;
}

void PrimaryReplica::on_disconnected(std::size_t s, TimePoint now) {
    VIGIL_ASSERT(s < peers_.size());
    Peer& peer = peers_[s];
    if (peer.connected) peer.state = StandbyState::out_of_date;
    peer.connected = false;
    peer.in_flight.clear();
    peer.in_flight_bytes = 0;
    peer.snapshot_in_flight = false;
    update_state(peer, now);
}

std::vector<Outgoing> PrimaryReplica::on_appended(TimePoint now) {
    note_appended(now);
    std::vector<Outgoing> out;
    for (std::size_t s = 0; s < peers_.size(); ++s) fill_pipeline(s, now, out);
    return out;
}

std::vector<Outgoing> PrimaryReplica::on_tick(TimePoint now) {
    note_appended(now);
    std::vector<Outgoing> out;
    for (std::size_t s = 0; s < peers_.size(); ++s) {
        Peer& peer = peers_[s];
        update_state(peer, now);
        if (!peer.connected) continue;
        const bool due = now - peer.last_sent >= options_.request_timeout / 4;
        if (due || peer.commit_index_sent < commit_index_) send_keep_alive(s, now, out);
    }
    return out;
}

Index PrimaryReplica::commit_index(const std::vector<std::size_t>& required) {
    Index candidate = log_.durable_index();
    for (std::size_t s : required) {
        VIGIL_ASSERT(s < peers_.size());
        candidate = std::min(candidate, peers_[s].match_index);
    }
    // Raft §5.4.2: only an entry of this epoch commits (and with it all before it).
    if (candidate >= noop_index_) commit_index_ = std::max(commit_index_, candidate);
    VIGIL_ASSERT(commit_index_ <= log_.last_index());
    return commit_index_;
}

bool PrimaryReplica::caught_up(std::size_t s) const {
    VIGIL_ASSERT(s < peers_.size());
    const Peer& peer = peers_[s];
    // Also past this epoch's noop: until the noop commits, commit_index_ says nothing about
    // what earlier primaries committed, and a standby that said Hello with an old log would
    // count as caught up, join the sync set and could be promoted without those entries
    // (found by vigil-sim --store, seed 17).
    return peer.state == StandbyState::in_sync &&
           peer.match_index >= std::max(commit_index_, noop_index_);
}

std::optional<Epoch> PrimaryReplica::higher_epoch_seen() const {
    return higher_epoch_;
}

std::vector<StandbyView> PrimaryReplica::view(TimePoint now) const {
    std::vector<StandbyView> out;
    for (const Peer& peer : peers_) {
        StandbyView v;
        v.name = peer.name;
        v.state = peer.state;
        v.match_index = peer.match_index;
        const Index last = log_.last_index();
        v.lag_entries = last > peer.match_index ? last - peer.match_index : 0;
        const TimePoint oldest = oldest_unacked(peer);
        v.lag = oldest.is_never() ? 0 : std::max<Micros>(0, now - oldest);
        out.push_back(std::move(v));
    }
    return out;
}

TimePoint PrimaryReplica::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const Peer& peer : peers_) {
        if (peer.connected) next = std::min(next, peer.last_sent + options_.request_timeout / 4);
        const TimePoint oldest = oldest_unacked(peer);
        if (!oldest.is_never() && peer.state != StandbyState::out_of_date)
            next = std::min(next, oldest + options_.request_timeout + 1);
    }
    return next;
}

}  // namespace vigil::store
