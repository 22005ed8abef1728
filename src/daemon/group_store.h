// GroupStore: one group's replicated key-value store in the agent (docs/store.md). It owns
// the group's log on disk, the committed key-value state, the replication state machine of
// its current role, the replication links, and answers the HTTP API (as a KvBackend).
//
// Its role follows core::Node: acting primary at epoch E -> appends a noop at E, streams
// the log to the standbys, commits what is durable on itself and on every standby the Node
// requires (the quorum-confirmed sync set), and serves reads and writes once its noop is
// committed (then it holds every acknowledged write). Otherwise it is a standby: it takes
// the log from whoever connects as primary with an epoch not older than the one it knows,
// and answers the API with 503 and the primary's name.
//
// Group commit: writes arriving in one turn of the event loop are appended at once and
// share one fdatasync, started in end_of_round() (which the agent calls after every turn).
// The fdatasync runs on a worker thread (io/background_worker.h): the loop goes on serving
// meanwhile (a primary's own fsync overlaps the standby's, and new requests are parsed and
// appended for the next one), and a write is acknowledged when the sync that covers it
// (and the required standbys' acks) are in.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/events.h"
#include "daemon/kv_api.h"
#include "daemon/store_handshake.h"
#include "io/background_worker.h"
#include "io/disk.h"
#include "io/event_loop.h"
#include "io/frame_stream.h"
#include "store/disk_log.h"
#include "store/kv_state.h"
#include "store/replication.h"
#include "wire/auth.h"

namespace vigil::daemon {

// What the agent tells the store about the group after every core step.
struct StoreRole {
    bool acting_primary = false;
    std::uint64_t epoch = 0;
    std::string primary;         // "" = none known
    bool confirmed_any = false;  // Node::store_sync: a sync set of this epoch is confirmed
    std::uint32_t required_mask = 0;  // node indexes whose acks a commit needs
};

class GroupStore final : public KvBackend {
public:
    GroupStore(const core::Config& config, std::size_t group, std::size_t self,
               io::EventLoop& loop, const wire::Keys& keys, io::Disk& disk, Logger& log);
    ~GroupStore() override;

    // Opens (recovers) the log and listens for replication links. Errors name the
    // directory or address.
    Result<void> open(TimePoint now);
    void update(const StoreRole& role, TimePoint now);
    void end_of_round(TimePoint now);
    void on_tick(TimePoint now);
    TimePoint next_deadline() const;
    // The StoreProgress to feed to the Node, when it changed enough to tell.
    std::optional<core::StoreProgress> take_progress(TimePoint now);
    nlohmann::json status_json(TimePoint now) const;
    void set_keys(const wire::Keys& keys) { keys_ = keys; }

    // KvBackend
    std::optional<KvUnavailable> unavailable() const override;
    const store::KvState& state() const override { return kv_; }
    void submit(store::Write write, std::function<void(Result<store::Outcome>)> done) override;

    // For metrics and tests.
    const store::LogStore& log() const { return *wal_; }
    bool ready() const { return ready_; }
    std::uint64_t writes_committed() const { return writes_committed_; }
    std::vector<store::StandbyView> standby_views(TimePoint now) const {
        return primary_ ? primary_->view(now) : std::vector<store::StandbyView>{};
    }

private:
    struct Link {  // a replication stream, either direction
        std::unique_ptr<io::FrameStream> stream;
        std::size_t node = 0;  // the peer
        bool challenged = false;  // primary side: the standby's challenge arrived
        bool authenticated = false;
        Nonce nonce_s{}, nonce_c{};
        std::uint64_t epoch = 0;  // accepted upstream: the primary's epoch
        // A stream to a peer that vanished (power off, a cut path) stays open for minutes in
        // TCP's retries; silence past silence_limit() closes it and a new one is opened.
        TimePoint last_heard;  // connect, or the last frame
    };
    // A snapshot being written by a thread: a large state takes long to write and fsync, and
    // the event loop must keep the heartbeats (and with them the lease) going meanwhile.
    struct SnapshotJob {
        store::Snapshot snapshot;
        Result<void> result;
        std::atomic<bool> done{false};
        std::thread thread;
        TimePoint started;
    };
    void finish_snapshot(bool wait);
    void encode_snapshot_chunk();
    void abort_snapshot_encoding();
    void start_sync();
    void finish_sync();
    void wait_sync();  // for the steps that must not overlap a sync (io/background_worker.h)
    void send_durable_acks();
    Micros sync_stall_limit() const;  // a sync out longer than this fails the store
    void watch_sync(TimePoint now);   // fails the store if its sync hangs
    Micros silence_limit() const;
    void drop_silent_links(TimePoint now);
    void become_primary(TimePoint now);
    void become_standby(TimePoint now);
    void fail_pending(const std::string& why);
    void fail_store(const std::string& why);
    void connect_standbys(TimePoint now);
    void on_accept(int fd);
    void on_downstream_frame(std::size_t s, std::string_view frame);
    void on_upstream_frame(std::string_view frame);
    void send_to(const std::vector<store::Outgoing>& out);
    void advance_commit(TimePoint now);
    void apply_committed(store::Index commit);
    void maybe_compact();
    std::uint32_t caught_up_mask() const;
    std::uint64_t known_epoch() const;

    const core::Config& config_;
    std::size_t group_;
    std::size_t self_;
    io::EventLoop& loop_;
    wire::Keys keys_;
    io::Disk& disk_;
    Logger& log_;
    std::string name_;  // group name
    std::string dir_;
    std::unique_ptr<store::DiskLog> wal_;  // the group's log (write-ahead)
    store::KvState kv_;
    std::unique_ptr<io::TcpListener> listener_;
    StoreRole role_;
    std::string failed_;  // non-empty: the disk failed; the store serves nothing
    // Primary.
    std::unique_ptr<store::PrimaryReplica> primary_;
    std::vector<std::size_t> standby_nodes_;  // replica standby index -> node index
    std::vector<Link> downstream_;            // by replica standby index
    std::vector<TimePoint> reconnect_at_;
    store::Index noop_index_ = 0;
    bool ready_ = false;
    std::map<store::Index, std::function<void(Result<store::Outcome>)>> pending_;
    // Standby.
    std::unique_ptr<store::StandbyReplica> standby_;
    std::unique_ptr<Link> upstream_;
    std::vector<std::unique_ptr<Link>> accepting_;  // not yet authenticated
    std::vector<store::Ack> acks_to_send_;
    // Progress reported to the Node.
    std::uint32_t reported_mask_ = 0;
    bool reported_failed_ = false;
    store::Index reported_index_ = 0;
    TimePoint reported_at_;  // when the last StoreProgress was taken
    std::uint64_t writes_committed_ = 0;
    TimePoint next_tick_ = TimePoint::never();
    std::unique_ptr<SnapshotJob> snapshot_job_;
    // A snapshot being encoded, a chunk per turn (before its SnapshotJob exists).
    std::string snapshot_bytes_;
    store::Index snapshot_index_ = 0;
    store::Epoch snapshot_epoch_ = 0;
    TimePoint snapshot_started_;
    // The sync in flight; the worker is declared after it and after wal_, so it is destroyed
    // (and its thread joined) first.
    std::optional<store::DiskLog::SyncJob> sync_job_;
    Result<void> sync_outcome_;
    // How long the sync has been out, counted only while the loop was awake to see it
    // (watch_sync): a process that was stopped stopped its worker too.
    Micros sync_waited_ = 0;
    TimePoint sync_seen_;
    std::unique_ptr<io::BackgroundWorker> syncer_;
};

}  // namespace vigil::daemon
