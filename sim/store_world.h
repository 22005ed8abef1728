// StoreWorld: the replicated store in the simulator (vigil-sim --store; docs/simulator.md
// "The replicated store"). For every full node and group it keeps what the agent keeps in a
// GroupStore (src/daemon/group_store.cc), with the same logic but no sockets: a FakeDisk per
// node, a DiskLog and KvState per group, a PrimaryReplica while the node acts as primary
// (noop at its epoch first), a StandbyReplica otherwise. Replication streams are modelled as
// reliable FIFO streams per (primary, standby, group) that break on a partition or a crash;
// the primary reconnects and the standby says Hello again. Simulated clients submit writes
// with request ids and retry them. Storage faults: torn and lossy crashes, slow syncs,
// failing syncs. StoreChecker (store_checker.h) holds invariants 6-9.
//
// The World calls in after each core step, start, crash, resume and heal, and steps the
// StoreWorld's own items (stream messages, sync completions, store ticks, client requests)
// in time order with its own. Every random choice comes from the World's Prng.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/prng.h"
#include "core/events.h"
#include "sim/store_checker.h"
#include "store/disk_log.h"
#include "store/fake_disk.h"
#include "store/kv_state.h"
#include "store/replication.h"

namespace vigil::sim {

class World;

struct StoreCounters {
    std::uint64_t writes_submitted = 0;  // distinct client writes (request ids)
    std::uint64_t writes_acked = 0;      // acknowledged to the client (any outcome)
    std::uint64_t attempts = 0;          // requests sent, retries included
    std::uint64_t messages = 0;          // replication messages delivered
    std::uint64_t streams_broken = 0;
    std::uint64_t syncs = 0;
    std::uint64_t crash_torn = 0;       // crashes that tore the unsynced tail
    std::uint64_t crash_lossy = 0;      // crashes that dropped unsynced data
    std::uint64_t slow_disk = 0;        // slow-disk episodes
    std::uint64_t fail_sync = 0;        // injected fsync failures
    std::uint64_t stores_failed = 0;    // a store stopped serving (failed sync, corruption)
    std::uint64_t failed_restarts = 0;  // nodes restarted at heal because their store failed
    std::uint64_t ready = 0;            // a primary became ready (checked against acks)
    std::uint64_t snapshots_installed = 0;
    std::uint64_t snapshots_chunked = 0;  // snapshots encoded over several steps, compacted
};

class StoreWorld {
public:
    // A client gives up on an attempt after this and retries (same request id).
    static constexpr Micros kClientTimeout = 1'000'000;
    static constexpr std::uint64_t kPostHealWrites = 2;  // per client, must all be acked
    static constexpr std::size_t kKeys = 4;              // per group: writes collide on purpose
    // Keys or request ids encoded per step of a snapshot: small, so that entries are applied
    // between the chunks of every snapshot (request ids outnumber the keys here).
    static constexpr std::size_t kSnapshotChunkItems = 3;

    StoreWorld(World& world, Prng& prng);
    // The store settings of every group in a --store run.
    static void configure(core::StoreConfig& store, const core::Config& config);

    Micros next_due() const { return items_.empty() ? kRealNever : items_.front().at; }
    void fire(World& world);  // the next due item

    // Hooks from the World.
    void after_node_step(World& world, std::size_t n);
    void on_start(World& world, std::size_t n);
    void on_crash(World& world, std::size_t n);
    void on_resume(World& world, std::size_t n);
    void on_heal(World& world);  // also restarts nodes whose store failed
    bool store_failed(std::size_t n) const;

    // Liveness after heal (invariant 9): every group has a ready primary and every client
    // has its writes acknowledged. Returns a violation once `bound` after heal has passed.
    bool settled(const World& world) const;
    std::optional<Violation> check_liveness(const World& world, Micros healed_at) const;
    // Invariant 6 at the end, on every replica that has applied every acknowledged write.
    std::optional<Violation> check_final(const World& world);
    std::optional<Violation> take_violation() { return std::exchange(checker_.violation, {}); }

    const StoreCounters& counters() const { return counters_; }
    static Micros recover_bound(const core::Config& c);

private:
    struct Role {
        bool acting_primary = false;
        std::uint64_t epoch = 0;
        bool confirmed_any = false;
        std::uint32_t required_mask = 0;
    };
    struct Pending {
        std::size_t client;
        std::uint64_t attempt;
    };
    // One group's store on one node: GroupStore's state.
    struct Replica {
        std::string dir;
        std::unique_ptr<store::DiskLog> wal;  // nullptr while down
        store::KvState kv;
        store::Snapshot snapshot;  // being encoded while kv.snapshot_in_progress()
        std::string failed;
        Role role;
        std::unique_ptr<store::PrimaryReplica> primary;
        std::vector<std::size_t> standby_nodes;  // replica standby index -> node
        std::vector<std::uint64_t> downstream;   // stream id per standby, 0 = none
        std::vector<Micros> reconnect_at;
        store::Index noop_index = 0;
        bool ready = false;
        std::map<store::Index, Pending> pending;
        std::unique_ptr<store::StandbyReplica> standby;
        std::uint64_t upstream = 0;  // stream id, 0 = none
        std::uint64_t upstream_epoch = 0;
        std::vector<store::Ack> acks;
        bool sync_running = false;  // a slow sync: acks and commits wait for sync_done
        std::uint32_t reported_mask = 0;
        store::Index reported_index = 0;
        TimePoint reported_at{INT64_MIN / 2};
        bool progress_queued = false;
        Micros tick_at = kRealNever;
    };
    struct DiskNode {
        store::FakeDisk disk;
        Micros slow_until = 0;  // syncs take up to slow_max until then
        Micros slow_max = 0;
        std::uint64_t life = 0;  // bumped by a crash: the items of an earlier life are void
        std::vector<Replica> groups;
    };
    struct Stream {
        std::size_t primary, standby, group;
        std::uint64_t epoch;                // the primary's, in its handshake
        Micros last_down = 0, last_up = 0;  // FIFO: no message overtakes the previous one
    };
    enum class ItemKind : std::uint8_t {
        open,  // a primary's connection reaches a standby
        to_standby,
        to_primary,
        sync_done,
        tick,
        progress,  // take_progress and feed it to the Node
        request,   // a client's write reaches a node
        client,    // a client's timer: next write, retry, timeout
        fault,     // inject a storage fault
    };
    struct Item {
        Micros at;
        std::uint64_t order;
        ItemKind kind;
        std::uint32_t node = 0, group = 0;
        std::uint64_t stream = 0;  // stream id; client: attempt (0 = next); own: life
        std::uint32_t client = 0;
        std::shared_ptr<const store::Message> message;
    };
    struct Client {
        std::size_t group;
        std::uint64_t next_write = 0;       // writes made so far
        std::optional<store::Write> write;  // in flight
        std::uint64_t attempt = 0;
        Micros attempt_deadline = kRealNever;
        std::map<std::string, store::Index> seen;  // key -> last revision it learned
        std::uint64_t post_heal_left = 0;
        bool idle_after_heal = false;
    };

    static bool later(const Item& a, const Item& b);
    void schedule(Item item);
    Replica& rep(std::size_t n, std::size_t g) { return nodes_[n].groups[g]; }

    // Replica logic (store_replica.cc), after GroupStore.
    void open_replica(World& w, std::size_t n, std::size_t g);
    void update(World& w, std::size_t n, std::size_t g, const Role& role);
    void become_primary(World& w, std::size_t n, std::size_t g);
    void become_standby(World& w, std::size_t n, std::size_t g);
    void fail_pending(World& w, Replica& r, const char* why);
    void fail_store(World& w, std::size_t n, std::size_t g, const std::string& why);
    void connect_standbys(World& w, std::size_t n, std::size_t g);
    void end_of_round(World& w, std::size_t n, std::size_t g);
    void finish_sync(World& w, std::size_t n, std::size_t g);
    void advance_commit(World& w, std::size_t n, std::size_t g);
    void apply_committed(World& w, std::size_t n, std::size_t g, store::Index commit);
    void maybe_compact(World& w, std::size_t n, std::size_t g);
    void schedule_tick(World& w, std::size_t n, std::size_t g);
    void queue_progress(World& w, std::size_t n, std::size_t g);
    void feed_progress(World& w, std::size_t n, std::size_t g);
    void submit(World& w, std::size_t n, std::size_t g, store::Write write, Pending p);

    // Streams (store_world.cc).
    void send(World& w, std::uint64_t id, bool to_standby, store::Message m);
    void send_all(World& w, std::size_t n, std::size_t g, const std::vector<store::Outgoing>& out);
    void open_stream(World& w, std::size_t n, std::size_t g, std::size_t s);
    void accept_stream(World& w, const Item& item);
    void break_stream(World& w, std::uint64_t id, const char* why);
    bool cut(const World& w, const Stream& s) const;
    Micros latency(const World& w);
    void deliver(World& w, const Item& item);
    void after_turn(World& w, std::size_t n);  // end_of_round and progress, every group
    void inject_fault(World& w);

    // Clients (store_clients.cc).
    void client_timer(World& w, std::size_t c, std::uint64_t attempt);
    void client_request(World& w, const Item& item);
    void client_done(World& w, std::size_t c, std::uint64_t attempt,
                     const Result<store::Outcome>& result);
    void client_next(World& w, std::size_t c, Micros delay);

    Prng& prng_;
    std::vector<DiskNode> nodes_;
    std::vector<Item> items_;                  // min-heap by (at, order)
    std::vector<std::vector<Item>> deferred_;  // per node, while paused
    std::map<std::uint64_t, Stream> streams_;
    std::uint64_t stream_ids_ = 0;
    std::uint64_t item_order_ = 0;
    std::vector<Client> clients_;
    bool healed_ = false;
    Micros fault_every_ = 0;  // mean gap between storage faults; 0 = off
    StoreCounters counters_;
    StoreChecker checker_;
};

}  // namespace vigil::sim
