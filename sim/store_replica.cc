// StoreWorld: one group's store on one node, with GroupStore's logic
// (src/daemon/group_store.cc) minus sockets: role changes, the noop at a new epoch, group
// commit, the commit rule from Node::store_sync, applying committed entries, compaction and
// the StoreProgress fed back to the Node. Keep the two in step: a difference here is a
// difference between what the simulator proves and what the agent runs.
#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "sim/random.h"
#include "sim/store_world.h"
#include "sim/world.h"

namespace vigil::sim {
namespace {
constexpr Micros kReconnect = ms(200);      // GroupStore's kReconnect
constexpr Micros kProgressEvery = ms(100);  // GroupStore's kProgressEvery
}  // namespace

void StoreWorld::open_replica(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    std::string dir = std::move(r.dir);
    r = Replica{};
    r.dir = std::move(dir);
    for (std::size_t i = 0; i < w.node_count(); ++i)
        if (i != n && !w.config().nodes[i].witness && w.config().groups[g].priority[i])
            r.standby_nodes.push_back(i);
    store::FakeDisk& disk = nodes_[n].disk;
    (void)disk.make_directories(r.dir);
    auto opened = store::DiskLog::open(disk, r.dir);
    if (!opened) {  // corruption: the node must not serve (GroupStore::open fails)
        r.failed = "open: " + opened.error().message;
        ++counters_.stores_failed;
        w.trace().addf(true, w.real_now(), n, w.local_now(n), "store %s failed: %s",
                       w.config().groups[g].name.c_str(), r.failed.c_str());
        return;
    }
    r.wal = std::move(*opened);
    if (!r.wal->recovery_note().empty())
        w.trace().addf(true, w.real_now(), n, w.local_now(n), "store %s recovered: %s",
                       w.config().groups[g].name.c_str(), r.wal->recovery_note().c_str());
    if (const auto& snap = r.wal->snapshot()) {
        auto state = store::KvState::decode(snap->state);
        VIGIL_ASSERT(state.has_value());
        r.kv = std::move(*state);
    }
    become_standby(w, n, g);
}

void StoreWorld::update(World& w, std::size_t n, std::size_t g, const Role& role) {
    Replica& r = rep(n, g);
    const bool was_primary = r.primary != nullptr;
    const std::uint64_t old_epoch = r.role.epoch;
    r.role = role;
    if (!r.failed.empty() || !r.wal) return;
    if (role.acting_primary && (!was_primary || role.epoch != old_epoch))
        become_primary(w, n, g);
    else if (!role.acting_primary && was_primary)
        become_standby(w, n, g);
    if (r.primary) advance_commit(w, n, g);
}

void StoreWorld::become_primary(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    fail_pending(w, r, "primacy moved to a new epoch");
    r.standby.reset();
    if (r.upstream) break_stream(w, r.upstream, "became primary");
    r.acks.clear();
    // The noop at our epoch: once committed, everything before it is too.
    store::Entry noop{r.wal->last_index() + 1, r.role.epoch, {}};
    if (auto a = r.wal->append(noop); !a) return fail_store(w, n, g, a.error().message);
    r.noop_index = noop.index;
    r.ready = false;
    store::PrimaryReplica::Options options;
    options.request_timeout = ms(w.config().groups[g].store.request_timeout_ms);
    std::vector<std::string> names;
    for (std::size_t s : r.standby_nodes) names.push_back(w.name(s));
    for (std::uint64_t id : r.downstream)
        if (id) break_stream(w, id, "new epoch");
    r.primary = std::make_unique<store::PrimaryReplica>(r.role.epoch, names, *r.wal, options);
    r.downstream.assign(r.standby_nodes.size(), 0);
    r.reconnect_at.assign(r.standby_nodes.size(), w.real_now());
    w.trace().addf(true, w.real_now(), n, w.local_now(n),
                   "store %s primary at e%llu: noop at %llu, applied %llu",
                   w.config().groups[g].name.c_str(), (unsigned long long)r.role.epoch,
                   (unsigned long long)r.noop_index, (unsigned long long)r.kv.applied_index());
    connect_standbys(w, n, g);
}

void StoreWorld::become_standby(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    fail_pending(w, r, "this node is no longer the primary");
    if (r.primary)
        for (std::uint64_t id : r.downstream)
            if (id) break_stream(w, id, "no longer primary");
    r.primary.reset();
    r.downstream.clear();
    r.ready = false;
    r.standby = std::make_unique<store::StandbyReplica>(*r.wal);
}

// The client hears "busy: retry with the same request id" (GroupStore::fail_pending).
void StoreWorld::fail_pending(World& w, Replica& r, const char* why) {
    auto pending = std::move(r.pending);
    r.pending.clear();
    for (auto& [index, p] : pending) client_done(w, p.client, p.attempt, Error::busy(why));
}

void StoreWorld::fail_store(World& w, std::size_t n, std::size_t g, const std::string& why) {
    Replica& r = rep(n, g);
    if (!r.failed.empty()) return;
    r.failed = why;
    ++counters_.stores_failed;
    w.trace().addf(true, w.real_now(), n, w.local_now(n), "store %s failed: %s",
                   w.config().groups[g].name.c_str(), why.c_str());
    fail_pending(w, r, "the store's disk failed");
    for (std::uint64_t id : r.downstream)
        if (id) break_stream(w, id, "store failed");
    if (r.upstream) break_stream(w, r.upstream, "store failed");
    r.primary.reset();
    r.standby.reset();
    r.downstream.clear();
    r.ready = false;
}

void StoreWorld::connect_standbys(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    if (!r.primary) return;
    for (std::size_t s = 0; s < r.standby_nodes.size(); ++s) {
        if (r.downstream[s] || w.real_now() < r.reconnect_at[s]) continue;
        r.reconnect_at[s] = w.real_now() + kReconnect;
        open_stream(w, n, g, s);
    }
}

// After every turn (GroupStore::end_of_round): the primary sends new entries, then syncs;
// a standby syncs before its acks leave. A slow disk delays the sync's completion, and with
// it the acks and the commit.
void StoreWorld::end_of_round(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    if (!r.failed.empty() || !r.wal) return;
    if (r.primary) {
        connect_standbys(w, n, g);
        if (r.wal->last_index() > r.wal->durable_index())
            send_all(w, n, g, r.primary->on_appended(w.local_now(n)));
    }
    const bool need_sync = r.wal->last_index() > r.wal->durable_index();
    if (need_sync && !r.sync_running) {
        DiskNode& d = nodes_[n];
        if (w.real_now() < d.slow_until) {
            r.sync_running = true;
            Item it{w.real_now() + uniform(prng_, ms(1), d.slow_max), 0, ItemKind::sync_done};
            it.node = static_cast<std::uint32_t>(n);
            it.group = static_cast<std::uint32_t>(g);
            it.stream = d.life;
            schedule(std::move(it));
            return;
        }
        if (auto s = r.wal->sync(); !s) return fail_store(w, n, g, s.error().message);
        ++counters_.syncs;
    }
    if (!r.sync_running) finish_sync(w, n, g);
}

// What follows a sync: acks out (standby), commit (primary), apply, compact.
void StoreWorld::finish_sync(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    if (r.primary) {
        advance_commit(w, n, g);
        if (r.failed.empty()) maybe_compact(w, n, g);
    } else {
        if (r.upstream)
            for (const store::Ack& a : r.acks) send(w, r.upstream, false, a);
        r.acks.clear();
        if (r.standby) {
            apply_committed(w, n, g, std::min(r.standby->commit_index(), r.wal->durable_index()));
            if (r.failed.empty()) maybe_compact(w, n, g);
        }
    }
    schedule_tick(w, n, g);
}

void StoreWorld::advance_commit(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    if (!r.primary || !r.role.confirmed_any) return;
    std::vector<std::size_t> required;
    for (std::size_t s = 0; s < r.standby_nodes.size(); ++s)
        if (r.role.required_mask & (1u << r.standby_nodes[s])) required.push_back(s);
    apply_committed(w, n, g, r.primary->commit_index(required));
    if (!r.ready && r.failed.empty() && r.kv.applied_index() >= r.noop_index) {
        r.ready = true;
        ++counters_.ready;
        w.trace().addf(true, w.real_now(), n, w.local_now(n), "store %s ready at e%llu, index %llu",
                       w.config().groups[g].name.c_str(), (unsigned long long)r.role.epoch,
                       (unsigned long long)r.kv.applied_index());
        checker_.check_acks(w.name(n), g, r.kv, "became ready as primary");
    }
}

void StoreWorld::apply_committed(World& w, std::size_t n, std::size_t g, store::Index commit) {
    Replica& r = rep(n, g);
    if (commit <= r.kv.applied_index()) return;
    if (r.kv.applied_index() + 1 < r.wal->first_index()) {  // a snapshot was installed
        const auto& snap = r.wal->snapshot();
        if (!snap) return;
        auto state = store::KvState::decode(snap->state);
        if (!state) return fail_store(w, n, g, "snapshot: " + state.error().message);
        r.kv = std::move(*state);  // drops a snapshot being encoded, with the old state
        r.snapshot = {};
        ++counters_.snapshots_installed;
    }
    while (r.kv.applied_index() < commit) {
        auto entries = r.wal->read(r.kv.applied_index() + 1, 1 << 20);
        if (entries.empty()) break;
        for (const store::Entry& e : entries) {
            if (e.index > commit) break;
            const store::Outcome outcome = r.kv.apply(e);
            checker_.applied(w.name(n), g, e, outcome);
            auto it = r.pending.find(e.index);
            if (it != r.pending.end()) {
                Pending p = it->second;
                r.pending.erase(it);
                client_done(w, p.client, p.attempt, outcome);
            }
        }
    }
}

// As the agent does (daemon/group_store.cc): the snapshot is encoded a few keys per step
// while entries go on being applied between the steps, then the log is compacted.
void StoreWorld::maybe_compact(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    if (!r.kv.snapshot_in_progress()) {
        const auto every = static_cast<store::Index>(w.config().groups[g].store.snapshot_entries);
        const store::Index base = r.wal->first_index() - 1;
        if (r.kv.applied_index() < base + every || r.kv.applied_index() > r.wal->durable_index())
            return;
        r.snapshot = store::Snapshot{r.kv.applied_index(), r.kv.applied_epoch(), {}};
        r.kv.begin_snapshot();
    }
    if (!r.kv.continue_snapshot(kSnapshotChunkItems, r.snapshot.state)) return;
    ++counters_.snapshots_chunked;
    // An install since the snapshot began (impossible: it aborts the snapshot) or a log
    // that moved past it would make compact() assert: say so instead.
    if (r.snapshot.index + 1 < r.wal->first_index())
        return fail_store(w, n, g, "a snapshot older than the log's start");
    if (auto c = r.wal->compact(std::exchange(r.snapshot, {})); !c)
        fail_store(w, n, g, "compaction: " + c.error().message);
}

// The primary's timers (request timeouts, keep-alives, reconnects) as one store tick item.
void StoreWorld::schedule_tick(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    if (!r.primary) return;
    Micros at = w.clock(n).real_at(r.primary->next_deadline());
    for (std::size_t s = 0; s < r.downstream.size(); ++s)
        if (!r.downstream[s]) at = std::min(at, r.reconnect_at[s]);
    at = std::max(at, w.real_now() + 1);
    if (at >= r.tick_at && r.tick_at > w.real_now()) return;  // an earlier one is queued
    r.tick_at = at;
    Item it{at, 0, ItemKind::tick};
    it.node = static_cast<std::uint32_t>(n);
    it.group = static_cast<std::uint32_t>(g);
    it.stream = nodes_[n].life;
    schedule(std::move(it));
}

// GroupStore::take_progress, fed to the Node as its own step.
void StoreWorld::queue_progress(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    if (r.progress_queued || !r.wal) return;
    std::uint32_t mask = 0;
    if (r.primary)
        for (std::size_t s = 0; s < r.standby_nodes.size(); ++s)
            if (r.primary->caught_up(s)) mask |= 1u << r.standby_nodes[s];
    if (mask == r.reported_mask && r.wal->durable_index() == r.reported_index) return;
    const TimePoint now = w.local_now(n);
    Micros at = w.real_now();
    if (mask == r.reported_mask && now - r.reported_at < kProgressEvery)
        at = w.clock(n).real_at(r.reported_at + kProgressEvery);
    r.progress_queued = true;
    Item it{std::max(at, w.real_now()), 0, ItemKind::progress};
    it.node = static_cast<std::uint32_t>(n);
    it.group = static_cast<std::uint32_t>(g);
    it.stream = nodes_[n].life;
    schedule(std::move(it));
}

void StoreWorld::feed_progress(World& w, std::size_t n, std::size_t g) {
    Replica& r = rep(n, g);
    r.progress_queued = false;
    if (!r.wal) return;
    std::uint32_t mask = 0;
    if (r.primary)
        for (std::size_t s = 0; s < r.standby_nodes.size(); ++s)
            if (r.primary->caught_up(s)) mask |= 1u << r.standby_nodes[s];
    const store::Index last = r.wal->durable_index();
    const TimePoint now = w.local_now(n);
    r.reported_mask = mask;
    r.reported_index = last;
    r.reported_at = now;
    w.store_event(n, core::StoreProgress{now, g, r.wal->epoch_at(last).value_or(0), last, mask});
}

void StoreWorld::submit(World& w, std::size_t n, std::size_t g, store::Write write, Pending p) {
    Replica& r = rep(n, g);
    // KvHttp answers 503 unless the store is ready (GroupStore::unavailable).
    if (!r.failed.empty() || !r.primary || !r.ready)
        return client_done(w, p.client, p.attempt, Error::busy("not a ready primary"));
    store::Entry entry{r.wal->last_index() + 1, r.role.epoch, std::move(write)};
    if (auto a = r.wal->append(entry); !a) {
        client_done(w, p.client, p.attempt, Error::io(a.error().message));
        return fail_store(w, n, g, a.error().message);
    }
    r.pending.emplace(entry.index, p);
}

}  // namespace vigil::sim
