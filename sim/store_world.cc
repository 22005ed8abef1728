// StoreWorld: the item queue, the World's hooks, replication streams and storage faults.
// The replica logic is in store_replica.cc, the clients in store_clients.cc.
#include "sim/store_world.h"

#include <algorithm>

#include "common/assert.h"
#include "sim/random.h"
#include "sim/world.h"

namespace vigil::sim {

void StoreWorld::configure(core::StoreConfig& sc, const core::Config& c) {
    sc.enabled = true;
    sc.data_dir = "/{node}";
    // Small snapshots so that compaction and InstallSnapshot happen in every run.
    sc.snapshot_entries = 40;
    // A standby that stops acking leaves the sync set after this; two dead times keeps
    // the commit stalls short compared to a run, and above a heartbeat's round trip.
    sc.request_timeout_ms = std::max(200, 2 * c.cluster.dead_time_ms);
}

Micros StoreWorld::recover_bound(const core::Config& c) {
    // After the election settles (invariant 5's bound): the new primary's standbys connect
    // (a reconnect interval), its sync set is confirmed (heartbeats), a required standby that
    // is gone leaves the set (request timeout), and a client's retry lands (its timeout).
    return Liveness::recover_bound(c) + 2 * ms(c.groups.front().store.request_timeout_ms) +
           kClientTimeout + ms(1000);
}

StoreWorld::StoreWorld(World& w, Prng& prng)
    : prng_(prng),
      nodes_(w.node_count()),
      deferred_(w.node_count()),
      checker_(w.config().groups.size()) {
    const core::Config& c = w.config();
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        nodes_[n].groups.resize(c.groups.size());
        for (std::size_t g = 0; g < c.groups.size(); ++g)
            nodes_[n].groups[g].dir = "/" + c.nodes[n].name + "/" + c.groups[g].name;
    }
    // Storage faults are on for three seeds in four, every 0.5-5 s on average.
    if (prng_.below(4) != 0) fault_every_ = uniform(prng_, ms(500), ms(5000));
    if (fault_every_) schedule({gap(prng_, fault_every_), 0, ItemKind::fault});
    const std::size_t clients = 2 + prng_.below(3);
    for (std::size_t i = 0; i < clients; ++i) {
        clients_.push_back(Client{prng_.below(c.groups.size())});
        client_next(w, i, uniform(prng_, ms(1), ms(500)));
    }
}

bool StoreWorld::later(const Item& a, const Item& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
}

void StoreWorld::schedule(Item item) {
    item.order = item_order_++;
    items_.push_back(std::move(item));
    std::push_heap(items_.begin(), items_.end(), later);
}

bool StoreWorld::store_failed(std::size_t n) const {
    for (const Replica& r : nodes_[n].groups)
        if (!r.failed.empty()) return true;
    return false;
}

void StoreWorld::fire(World& w) {
    std::pop_heap(items_.begin(), items_.end(), later);
    Item item = std::move(items_.back());
    items_.pop_back();
    const std::size_t n = item.node, g = item.group;
    switch (item.kind) {
        case ItemKind::fault: return inject_fault(w);
        case ItemKind::client: return client_timer(w, item.client, item.stream);
        default: break;
    }
    // Items for a node: lost while it is down (or from an earlier life), held while paused.
    if (w.state(n) == NodeState::down) return;
    if (w.state(n) == NodeState::paused) return deferred_[n].push_back(std::move(item));
    const bool own = item.kind == ItemKind::sync_done || item.kind == ItemKind::tick ||
                     item.kind == ItemKind::progress;
    if (own && item.stream != nodes_[n].life) return;
    Replica& r = rep(n, g);
    switch (item.kind) {
        case ItemKind::open: accept_stream(w, item); break;
        case ItemKind::to_standby:
        case ItemKind::to_primary: deliver(w, item); break;
        case ItemKind::sync_done:
            r.sync_running = false;
            if (!r.wal || !r.failed.empty()) break;
            if (auto s = r.wal->sync(); !s) {
                fail_store(w, n, g, s.error().message);
                break;
            }
            ++counters_.syncs;
            finish_sync(w, n, g);
            break;
        case ItemKind::tick:
            if (r.tick_at == item.at) r.tick_at = kRealNever;
            if (r.primary) {
                send_all(w, n, g, r.primary->on_tick(w.local_now(n)));
                connect_standbys(w, n, g);
                advance_commit(w, n, g);
            }
            break;
        case ItemKind::progress: return feed_progress(w, n, g);  // a node step: hooks follow
        case ItemKind::request: client_request(w, item); break;
        default: break;
    }
    after_turn(w, n);
}

void StoreWorld::after_turn(World& w, std::size_t n) {
    if (w.config().nodes[n].witness) return;
    for (std::size_t g = 0; g < nodes_[n].groups.size(); ++g) {
        end_of_round(w, n, g);
        queue_progress(w, n, g);
        schedule_tick(w, n, g);
    }
}

// daemon/agent_store.cc update_stores, then the end of the loop's turn.
void StoreWorld::after_node_step(World& w, std::size_t n) {
    if (w.config().nodes[n].witness) return;
    const core::Node* node = w.node(n);
    for (std::size_t g = 0; g < nodes_[n].groups.size(); ++g) {
        Role role;
        role.acting_primary = node->acting_primary(g, w.local_now(n));
        role.epoch = node->epoch(g);
        const core::StoreSync sync = node->store_sync(g);
        role.confirmed_any = sync.confirmed_any;
        role.required_mask = sync.required_mask;
        update(w, n, g, role);
    }
    after_turn(w, n);
}

void StoreWorld::on_start(World& w, std::size_t n) {
    if (w.config().nodes[n].witness) return;
    for (std::size_t g = 0; g < nodes_[n].groups.size(); ++g) {
        open_replica(w, n, g);
        queue_progress(w, n, g);
    }
}

// The process is gone: its streams break, its pending clients hear nothing (they time
// out), and the disk keeps what was synced, or that plus a torn part of the rest.
void StoreWorld::on_crash(World& w, std::size_t n) {
    if (w.config().nodes[n].witness) return;
    DiskNode& d = nodes_[n];
    for (std::size_t g = 0; g < d.groups.size(); ++g) {
        Replica& r = d.groups[g];
        for (std::uint64_t id : r.downstream)
            if (id) break_stream(w, id, "crash");
        if (r.upstream) break_stream(w, r.upstream, "crash");
        r.pending.clear();
        r.primary.reset();
        r.standby.reset();
        r.wal.reset();
        r.failed.clear();
    }
    deferred_[n].clear();
    ++d.life;
    if (prng_.below(2) == 0) {
        d.disk.crash_torn(prng_.next());
        ++counters_.crash_torn;
    } else {
        d.disk.crash();
        ++counters_.crash_lossy;
    }
}

void StoreWorld::on_resume(World& w, std::size_t n) {
    for (Item& item : deferred_[n]) {
        item.at = w.real_now();
        schedule(std::move(item));
    }
    deferred_[n].clear();
}

// No more storage faults; a node whose store failed is restarted (see docs/simulator.md:
// the core does not learn of a failed store, so without a restart it could stay primary
// of a group it cannot serve); every client writes a few more times.
void StoreWorld::on_heal(World& w) {
    healed_ = true;
    for (DiskNode& d : nodes_) {
        d.slow_until = 0;
        // An injected fsync failure that no sync consumed yet (its store had failed
        // already) would fail the restarted store: consume it on a scratch file.
        (void)d.disk.make_directories("/probe");
        auto probe = d.disk.open_append("/probe/heal");
        VIGIL_ASSERT(probe.has_value());
        (void)(*probe)->sync();
    }
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        if (w.state(n) == NodeState::down || !store_failed(n)) continue;
        ++counters_.failed_restarts;
        w.crash(n, ms(1), "restart: its store failed");
    }
    for (std::size_t c = 0; c < clients_.size(); ++c) {
        clients_[c].post_heal_left = kPostHealWrites;
        if (!clients_[c].write) client_next(w, c, 0);
    }
}

// ---- Streams ----

bool StoreWorld::cut(const World& w, const Stream& s) const {
    return w.link_cut(s.primary, s.standby, 0) || w.link_cut(s.standby, s.primary, 0);
}

void StoreWorld::open_stream(World& w, std::size_t n, std::size_t g, std::size_t s) {
    Replica& r = rep(n, g);
    const std::uint64_t id = ++stream_ids_;
    streams_[id] = Stream{n, r.standby_nodes[s], g, r.role.epoch};
    r.downstream[s] = id;
    Item it{0, 0, ItemKind::open};
    it.node = static_cast<std::uint32_t>(r.standby_nodes[s]);
    it.group = static_cast<std::uint32_t>(g);
    it.stream = id;
    it.at = w.real_now() + latency(w);
    streams_[id].last_down = it.at;
    schedule(std::move(it));
}

Micros StoreWorld::latency(const World& w) {
    const NetworkFaults& f = w.scenario().network;
    return f.latency_us + (f.jitter_us ? uniform(prng_, 0, f.jitter_us) : 0);
}

// The standby's side of the handshake (GroupStore::on_accept): refuse a stale primary, or
// when it is primary itself; keep the newer of two upstreams; then say Hello.
void StoreWorld::accept_stream(World& w, const Item& item) {
    auto it = streams_.find(item.stream);
    if (it == streams_.end()) return;
    const Stream st = it->second;
    if (cut(w, st)) return break_stream(w, item.stream, "partition");
    Replica& r = rep(item.node, item.group);
    if (!r.failed.empty() || !r.wal || r.primary || st.epoch < r.role.epoch ||
        (r.upstream && r.upstream_epoch > st.epoch))
        return break_stream(w, item.stream, "refused");
    if (r.upstream) break_stream(w, r.upstream, "replaced by a newer primary's stream");
    r.upstream = item.stream;
    r.upstream_epoch = st.epoch;
    r.acks.clear();
    if (!r.standby) r.standby = std::make_unique<store::StandbyReplica>(*r.wal);
    send(w, item.stream, false, r.standby->on_connected(std::max(r.role.epoch, r.upstream_epoch)));
}

void StoreWorld::send(World& w, std::uint64_t id, bool to_standby, store::Message m) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    Stream& st = it->second;
    if (cut(w, st)) return break_stream(w, id, "partition");
    Micros& last = to_standby ? st.last_down : st.last_up;
    Item item{std::max(last, w.real_now() + latency(w)), 0,
              to_standby ? ItemKind::to_standby : ItemKind::to_primary};
    last = item.at;
    item.node = static_cast<std::uint32_t>(to_standby ? st.standby : st.primary);
    item.group = static_cast<std::uint32_t>(st.group);
    item.stream = id;
    item.message = std::make_shared<const store::Message>(std::move(m));
    schedule(std::move(item));
}

void StoreWorld::send_all(World& w, std::size_t n, std::size_t g,
                          const std::vector<store::Outgoing>& out) {
    Replica& r = rep(n, g);
    for (const store::Outgoing& o : out)
        if (o.standby < r.downstream.size() && r.downstream[o.standby])
            send(w, r.downstream[o.standby], true, o.message);
}

void StoreWorld::break_stream(World& w, std::uint64_t id, const char* why) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    const Stream st = it->second;
    streams_.erase(it);
    ++counters_.streams_broken;
    (void)why;
    Replica& p = rep(st.primary, st.group);
    for (std::size_t s = 0; s < p.downstream.size(); ++s) {
        if (p.downstream[s] != id) continue;
        p.downstream[s] = 0;
        if (p.primary) p.primary->on_disconnected(s, w.local_now(st.primary));
    }
    Replica& s = rep(st.standby, st.group);
    if (s.upstream == id) {
        s.upstream = 0;
        s.acks.clear();
    }
}

void StoreWorld::deliver(World& w, const Item& item) {
    auto it = streams_.find(item.stream);
    if (it == streams_.end()) return;
    const Stream st = it->second;
    if (cut(w, st)) return break_stream(w, item.stream, "partition");
    ++counters_.messages;
    const std::size_t n = item.node, g = item.group;
    Replica& r = rep(n, g);
    const TimePoint now = w.local_now(n);
    if (item.kind == ItemKind::to_standby) {
        if (r.upstream != item.stream || !r.standby) return;
        // An install replaces the log: a snapshot being encoded from the older state must
        // not be compacted into it afterwards (the agent aborts it the same way).
        if (std::holds_alternative<store::InstallSnapshot>(*item.message)) {
            r.kv.abort_snapshot();
            r.snapshot = {};
        }
        auto ack = r.standby->on_message(*item.message, std::max(r.role.epoch, r.upstream_epoch));
        if (!ack) return break_stream(w, item.stream, "replication refused");
        if (*ack) r.acks.push_back(**ack);
        if (std::holds_alternative<store::InstallSnapshot>(*item.message))
            ++counters_.snapshots_installed;
        return;  // the ack leaves after the sync, in end_of_round
    }
    if (!r.primary) return;
    auto s = std::find(r.downstream.begin(), r.downstream.end(), item.stream);
    if (s == r.downstream.end()) return;
    const auto idx = static_cast<std::size_t>(s - r.downstream.begin());
    if (const auto* hello = std::get_if<store::Hello>(item.message.get())) {
        send_all(w, n, g, r.primary->on_hello(idx, *hello, now));
    } else if (const auto* ack = std::get_if<store::Ack>(item.message.get())) {
        send_all(w, n, g, r.primary->on_ack(idx, *ack, now));
        advance_commit(w, n, g);
    }
}

// ---- Storage faults ----

void StoreWorld::inject_fault(World& w) {
    if (healed_) return;
    schedule({w.real_now() + gap(prng_, fault_every_), 0, ItemKind::fault});
    std::vector<std::size_t> up;
    for (std::size_t n = 0; n < nodes_.size(); ++n)
        if (w.state(n) == NodeState::up && !w.config().nodes[n].witness) up.push_back(n);
    if (up.empty()) return;
    const std::size_t n = up[prng_.below(up.size())];
    DiskNode& d = nodes_[n];
    if (prng_.below(5) == 0) {
        d.disk.fail_next_sync();
        ++counters_.fail_sync;
        w.trace().add(true, w.real_now(), n, w.local_now(n), "fault: the next fsync fails");
        return;
    }
    const Micros dead = ms(w.config().cluster.dead_time_ms);
    const Micros lasts = duration(prng_, ms(50), 10 * dead);
    d.slow_until = w.real_now() + lasts;
    d.slow_max = uniform(prng_, ms(1), 2 * dead);
    ++counters_.slow_disk;
    w.trace().addf(true, w.real_now(), n, w.local_now(n),
                   "fault: slow disk for %.3f s, syncs up to %.1f ms", to_ms(lasts) / 1000.0,
                   static_cast<double>(to_ms(d.slow_max)));
}

// ---- Liveness and the final check ----

bool StoreWorld::settled(const World& w) const {
    for (const Client& c : clients_)
        if (c.write || c.post_heal_left > 0) return false;
    for (std::size_t g = 0; g < w.config().groups.size(); ++g) {
        bool ready = false;
        for (std::size_t n = 0; n < nodes_.size(); ++n)
            ready = ready || (w.state(n) == NodeState::up && nodes_[n].groups[g].ready);
        if (!ready) return false;
    }
    return true;
}

std::optional<Violation> StoreWorld::check_liveness(const World& w, Micros healed_at) const {
    if (w.real_now() - healed_at <= recover_bound(w.config()) || settled(w)) return std::nullopt;
    std::string detail;
    for (std::size_t g = 0; g < w.config().groups.size(); ++g)
        for (std::size_t n = 0; n < nodes_.size(); ++n) {
            const Replica& r = nodes_[n].groups[g];
            if (w.config().nodes[n].witness) continue;
            detail +=
                "  " + w.name(n) + " " + w.config().groups[g].name + ": " +
                (r.failed.empty()
                     ? (r.primary ? (r.ready ? "ready primary" : "primary, not ready")
                                  : (r.upstream ? "standby, connected" : "standby, no upstream"))
                     : "failed: " + r.failed) +
                (r.wal ? ", last " + std::to_string(r.wal->last_index()) + " applied " +
                             std::to_string(r.kv.applied_index())
                       : ", down") +
                (r.primary ? ", confirmed " + std::to_string(r.role.confirmed_any) + " required " +
                                 std::to_string(r.role.required_mask)
                           : "") +
                "\n";
        }
    for (const Client& c : clients_)
        if (c.write)
            detail += "  client waiting: request " + c.write->request_id + " after " +
                      std::to_string(c.attempt) + " attempts\n";
    return Violation{9,
                     "the store did not serve every write within " +
                         std::to_string(recover_bound(w.config()) / 1000) + " ms of heal",
                     detail};
}

std::optional<Violation> StoreWorld::check_final(const World& w) {
    for (std::size_t g = 0; g < w.config().groups.size(); ++g) {
        const store::Index need = checker_.acked_index_max(g);
        for (std::size_t n = 0; n < nodes_.size(); ++n) {
            const Replica& r = nodes_[n].groups[g];
            if (r.wal && r.failed.empty() && r.kv.applied_index() >= need)
                checker_.check_acks(w.name(n), g, r.kv, "end of run, caught up");
        }
    }
    return take_violation();
}

}  // namespace vigil::sim
