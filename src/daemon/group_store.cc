#include "daemon/group_store.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "daemon/config_store.h"
#include "store/snapshot_file.h"
#include "io/clock.h"

namespace vigil::daemon {

namespace {

// A stream that has not finished its handshake within this long is dropped.
constexpr Micros kReconnect = ms(200);
constexpr Micros kProgressEvery = ms(100);
// The most wall time one look at an outstanding sync may count (see watch_sync).
constexpr Micros kSyncWatchStep = ms(100);
constexpr std::size_t kAcceptingMax = 8;
constexpr std::size_t kHandshakeFrameBytesMax = 512;
constexpr std::size_t kStandbyFrameBytesMax = 64 * 1024;  // challenges, accepts, Hellos, Acks
// Keys (or request ids) of a snapshot encoded per turn of the loop: about 0.3 ms of work.
constexpr std::size_t kSnapshotChunkItems = 2048;

Nonce fresh_nonce() {
    Nonce n{};
    VIGIL_ASSERT(RAND_bytes(n.data(), static_cast<int>(n.size())) == 1);
    return n;
}

std::string index_text(store::Index i) {
    return std::to_string(i);
}

}  // namespace

GroupStore::GroupStore(const core::Config& config, std::size_t group, std::size_t self,
                       io::EventLoop& loop, const wire::Keys& keys, io::Disk& disk, Logger& log)
    : config_(config),
      group_(group),
      self_(self),
      loop_(loop),
      keys_(keys),
      disk_(disk),
      log_(log),
      name_(config.groups[group].name),
      dir_(store_data_dir(config.groups[group].store, config.nodes[self].name)) {
    const auto& g = config.groups[group];
    for (std::size_t i = 0; i < config.nodes.size(); ++i)
        if (i != self && !config.nodes[i].witness && g.priority[i].has_value())
            standby_nodes_.push_back(i);
}

GroupStore::~GroupStore() {
    // A sync still out is finished first: the compaction in finish_snapshot must not
    // overlap it (and DiskLog asserts that).
    wait_sync();
    syncer_.reset();
    finish_snapshot(/*wait=*/true);
    fail_pending("the agent is stopping");
}

Result<void> GroupStore::open(TimePoint now) {
    if (auto r = disk_.make_directories(dir_); !r) return r.error();
    auto opened = store::DiskLog::open(disk_, dir_);
    if (!opened) return Error(opened.error().code, name_ + " store: " + opened.error().message);
    wal_ = std::move(*opened);
    auto syncer = io::BackgroundWorker::start(loop_);
    if (!syncer) return Error::io(name_ + " store: " + syncer.error().message);
    syncer_ = std::move(*syncer);
    if (!wal_->recovery_note().empty())
        log_.event(Level::warn, "store_recovered",
                   {{"group", name_}, {"dir", dir_}, {"note", wal_->recovery_note()}});
    if (const auto& snap = wal_->snapshot()) {
        auto state = store::KvState::decode(snap->state);
        if (!state)
            return Error::corruption(name_ + " store: snapshot in " + dir_ + ": " +
                                     state.error().message);
        kv_ = std::move(*state);
    }
    const auto& node = config_.nodes[self_];
    const int port = config_.groups[group_].store.replication_port;
    auto listener = io::TcpListener::listen(loop_, node.addresses[0], port,
                                            [this](int fd, std::string) { on_accept(fd); });
    if (!listener)
        return Error::io(name_ + " store: replication: " + listener.error().message);
    listener_ = std::move(*listener);
    log_.event(Level::info, "store_opened",
               {{"group", name_},
                {"dir", dir_},
                {"first_index", index_text(wal_->first_index())},
                {"last_index", index_text(wal_->last_index())},
                {"last_epoch", std::to_string(wal_->last_epoch())},
                {"keys", std::to_string(kv_.key_count())}});
    become_standby(now);
    return {};
}

std::uint64_t GroupStore::known_epoch() const {
    std::uint64_t e = role_.epoch;
    if (upstream_) e = std::max(e, upstream_->epoch);
    return e;
}

void GroupStore::update(const StoreRole& role, TimePoint now) {
    const bool was_primary = primary_ != nullptr;
    const std::uint64_t old_epoch = role_.epoch;
    role_ = role;
    if (!failed_.empty()) return;
    if (role.acting_primary && (!was_primary || role.epoch != old_epoch)) {
        become_primary(now);
    } else if (!role.acting_primary && was_primary) {
        become_standby(now);
    }
    if (primary_) advance_commit(now);
}

void GroupStore::become_primary(TimePoint now) {
    primary_.reset();
    ready_ = false;
    fail_pending("primacy moved to a new epoch");
    standby_.reset();
    upstream_.reset();
    accepting_.clear();
    acks_to_send_.clear();
    // The noop at our epoch: once it is committed, everything before it is too, and the
    // standbys' logs agree with ours up to it.
    store::Entry noop{wal_->last_index() + 1, role_.epoch, {}};
    if (auto r = wal_->append(noop); !r) {
        fail_store(r.error().message);
        return;
    }
    noop_index_ = noop.index;
    ready_ = false;
    store::PrimaryReplica::Options options;
    options.request_timeout = ms(config_.groups[group_].store.request_timeout_ms);
    std::vector<std::string> names;
    for (std::size_t n : standby_nodes_) names.push_back(config_.nodes[n].name);
    primary_ = std::make_unique<store::PrimaryReplica>(role_.epoch, names, *wal_, options);
    downstream_.clear();
    downstream_.resize(standby_nodes_.size());
    reconnect_at_.assign(standby_nodes_.size(), now);
    log_.event(Level::info, "store_primary",
               {{"group", name_},
                {"epoch", std::to_string(role_.epoch)},
                {"noop_index", index_text(noop_index_)},
                {"applied_index", index_text(kv_.applied_index())}});
    connect_standbys(now);
}

void GroupStore::become_standby(TimePoint now) {
    (void)now;
    if (primary_)
        log_.event(Level::info, "store_standby",
                   {{"group", name_}, {"epoch", std::to_string(role_.epoch)}});
    // Serving stops first: a failed write's reply lets its connection go on to the next
    // pipelined request, which must find this node not serving (else it would be queued
    // after pending_ was emptied, and never answered).
    primary_.reset();
    downstream_.clear();
    ready_ = false;
    fail_pending("this node is no longer the primary");
    standby_ = std::make_unique<store::StandbyReplica>(*wal_);
}

void GroupStore::fail_pending(const std::string& why) {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [index, done] : pending)
        done(Error::busy(why + "; the write at index " + index_text(index) +
                         " may or may not apply: retry it with the same Idempotency-Key"));
}

void GroupStore::fail_store(const std::string& why) {
    if (!failed_.empty()) return;
    failed_ = why;
    abort_snapshot_encoding();  // nothing more is written to a failed store
    log_.event(Level::error, "store_failed", {{"group", name_}, {"error", why}});
    primary_.reset();
    ready_ = false;
    fail_pending("the store's disk failed");
    standby_.reset();
    downstream_.clear();
    upstream_.reset();
    ready_ = false;
}

// ---- Primary: links to the standbys ----

void GroupStore::connect_standbys(TimePoint now) {
    if (!primary_) return;
    for (std::size_t s = 0; s < standby_nodes_.size(); ++s) {
        Link& link = downstream_[s];
        if (link.stream && link.stream->open()) continue;
        if (now < reconnect_at_[s]) continue;
        reconnect_at_[s] = now + kReconnect;
        const std::size_t node = standby_nodes_[s];
        auto stream = io::FrameStream::connect(
            loop_, config_.nodes[node].addresses[0],
            config_.groups[group_].store.replication_port, kStandbyFrameBytesMax);
        if (!stream) continue;
        link = Link{};
        link.stream = std::move(*stream);
        link.node = node;
        link.nonce_c = fresh_nonce();
        link.last_heard = now;
        link.stream->start(
            [this, s](std::string_view frame) { on_downstream_frame(s, frame); },
            [this, s](const std::string& why) {
                if (!primary_ || s >= downstream_.size()) return;
                if (downstream_[s].authenticated)
                    log_.event(Level::warn, "store_link_down",
                               {{"group", name_},
                                {"peer", config_.nodes[standby_nodes_[s]].name},
                                {"reason", why}});
                primary_->on_disconnected(s, io::monotonic_now());
                downstream_[s].authenticated = false;
            });
    }
}

void GroupStore::on_downstream_frame(std::size_t s, std::string_view frame) {
    const TimePoint now = io::monotonic_now();
    if (!primary_) return;
    Link& link = downstream_[s];
    link.last_heard = now;
    const std::string& peer = config_.nodes[standby_nodes_[s]].name;
    const std::string& self = config_.nodes[self_].name;
    if (!link.authenticated) {
        // Challenge first, then accept.
        if (!link.challenged) {
            auto nonce = parse_challenge(frame);
            if (!nonce) {
                link.stream.reset();
                return;
            }
            link.nonce_s = *nonce;
            link.challenged = true;
            link.stream->send(
                handshake_hello(keys_, name_, self, role_.epoch, link.nonce_s, link.nonce_c));
            return;
        }
        if (auto ok = verify_accept(keys_, name_, peer, link.nonce_c, link.nonce_s, frame); !ok) {
            log_.event(Level::warn, "store_link_refused",
                       {{"group", name_}, {"peer", peer}, {"reason", ok.error().message}});
            link.stream.reset();
            return;
        }
        link.authenticated = true;
        log_.event(Level::info, "store_link_up", {{"group", name_}, {"peer", peer}});
        return;
    }
    auto message = store::decode_message(frame);
    if (!message) {
        log_.event(Level::warn, "store_bad_message",
                   {{"group", name_}, {"peer", peer}, {"error", message.error().message}});
        link.stream.reset();
        primary_->on_disconnected(s, now);
        return;
    }
    if (const auto* hello = std::get_if<store::Hello>(&*message)) {
        send_to(primary_->on_hello(s, *hello, now));
    } else if (const auto* ack = std::get_if<store::Ack>(&*message)) {
        send_to(primary_->on_ack(s, *ack, now));
        advance_commit(now);
    }
}

void GroupStore::send_to(const std::vector<store::Outgoing>& out) {
    for (const auto& o : out) {
        if (o.standby >= downstream_.size()) continue;
        Link& link = downstream_[o.standby];
        if (!link.stream || !link.stream->open() || !link.authenticated) continue;
        // A resent snapshot while the last one still sits in the queue only piles up.
        if (std::holds_alternative<store::InstallSnapshot>(o.message) &&
            link.stream->queued_bytes() > 0)
            continue;
        link.stream->send(store::encode_message(o.message));
    }
}

// ---- Standby: the link from the primary ----

void GroupStore::on_accept(int fd) {
    if (!failed_.empty() || accepting_.size() >= kAcceptingMax) {
        ::close(fd);
        return;
    }
    auto link = std::make_unique<Link>();
    // Until the peer proved it holds the key, a frame is a handshake frame: small.
    link->stream = io::FrameStream::adopt(loop_, fd, kHandshakeFrameBytesMax);
    link->nonce_s = fresh_nonce();
    link->last_heard = io::monotonic_now();
    Link* raw = link.get();
    raw->stream->start(
        [this, raw](std::string_view frame) {
            raw->last_heard = io::monotonic_now();
            if (upstream_.get() == raw) {
                on_upstream_frame(frame);
                return;
            }
            // Handshake: the hello.
            auto it = std::find_if(accepting_.begin(), accepting_.end(),
                                   [raw](const auto& l) { return l.get() == raw; });
            if (it == accepting_.end()) return;
            auto hello = verify_hello(keys_, name_, raw->nonce_s, frame);
            std::string refused;
            if (!hello) {
                refused = hello.error().message;
            } else if (hello->epoch < role_.epoch) {
                refused = "stale primary " + hello->node + " at epoch " +
                          std::to_string(hello->epoch) + " (this node knows epoch " +
                          std::to_string(role_.epoch) + ")";
            } else if (primary_) {
                refused = hello->node + " connects as primary, but this node is primary";
            }
            if (!refused.empty()) {
                log_.event(Level::warn, "store_link_refused",
                           {{"group", name_}, {"reason", refused}});
                accepting_.erase(it);  // destroys the stream: closed
                return;
            }
            raw->epoch = hello->epoch;
            raw->authenticated = true;
            for (std::size_t n = 0; n < config_.nodes.size(); ++n)
                if (config_.nodes[n].name == hello->node) raw->node = n;
            // Out of accepting_ before anything is sent: a failed send runs on_close, which
            // erases from accepting_.
            std::unique_ptr<Link> owned = std::move(*it);
            accepting_.erase(it);
            owned->stream->set_frame_limit(store::kFrameBytesMax);
            owned->stream->send(handshake_accept(keys_, name_, config_.nodes[self_].name,
                                                 hello->nonce_c, raw->nonce_s));
            if (!owned->stream->open()) return;
            if (upstream_ && upstream_->epoch > owned->epoch) return;  // keep the newer one
            upstream_ = std::move(owned);
            acks_to_send_.clear();  // they answer the previous primary's messages
            log_.event(Level::info, "store_link_up",
                       {{"group", name_}, {"peer", hello->node},
                        {"epoch", std::to_string(hello->epoch)}});
            if (!standby_) standby_ = std::make_unique<store::StandbyReplica>(*wal_);
            upstream_->stream->send(
                store::encode_message(standby_->on_connected(known_epoch())));
        },
        [this, raw](const std::string& why) {
            if (upstream_.get() == raw) {
                log_.event(Level::warn, "store_link_down", {{"group", name_}, {"reason", why}});
                upstream_.reset();
                acks_to_send_.clear();
                return;
            }
            std::erase_if(accepting_, [raw](const auto& l) { return l.get() == raw; });
        });
    raw->stream->send(handshake_challenge(raw->nonce_s));
    accepting_.push_back(std::move(link));
}

void GroupStore::on_upstream_frame(std::string_view frame) {
    if (!standby_) return;
    auto message = store::decode_message(frame);
    if (!message) {
        log_.event(Level::warn, "store_bad_message",
                   {{"group", name_}, {"error", message.error().message}});
        upstream_.reset();
        return;
    }
    // Installing overwrites the snapshot file: a write of our own must be finished first.
    // A message that cuts a divergent suffix or installs a snapshot must not run beside a
    // sync of the entries it replaces; an install also ends our own snapshot, older than it
    // (its file would overwrite the installed one).
    if (standby_->rewrites_log(*message, known_epoch())) {
        if (std::holds_alternative<store::InstallSnapshot>(*message)) abort_snapshot_encoding();
        finish_snapshot(true);
        wait_sync();
    }
    if (!standby_ || !failed_.empty()) return;  // waiting finished a sync, which may fail
    auto ack = standby_->on_message(*message, known_epoch());
    if (!ack) {
        // The disk (or the log) failed: reconnecting cannot help, and this node may not
        // be promoted with it. A protocol error only costs the stream.
        if (ack.error().code == Error::Code::io || ack.error().code == Error::Code::corruption) {
            fail_store(ack.error().message);
            return;
        }
        log_.event(Level::error, "store_replication_refused",
                   {{"group", name_}, {"error", ack.error().message}});
        upstream_.reset();
        return;
    }
    if (*ack) acks_to_send_.push_back(**ack);
    // An ack that reports entries goes out once the sync that covers them is done.
}

// ---- Every turn of the loop ----

void GroupStore::end_of_round(TimePoint now) {
    if (!failed_.empty() || !wal_) return;
    if (primary_) {
        connect_standbys(now);
        if (wal_->last_index() > wal_->durable_index()) {
            // Send first, then sync: the standbys' fsyncs overlap ours.
            send_to(primary_->on_appended(now));
            start_sync();
        }
        advance_commit(now);
        maybe_compact();
        return;
    }
    if (wal_->last_index() > wal_->durable_index()) start_sync();
    send_durable_acks();
    if (standby_) {
        const store::Index commit = std::min(standby_->commit_index(), wal_->durable_index());
        apply_committed(commit);
        maybe_compact();
    }
}

// ---- The sync on the worker thread ----

void GroupStore::start_sync() {
    if (!syncer_ || syncer_->busy() || !failed_.empty()) return;  // the next starts when it is done
    auto job = wal_->begin_sync();
    if (!job) return;
    sync_job_ = std::move(*job);
    sync_waited_ = 0;
    sync_seen_ = io::monotonic_now();
    syncer_->run([this] { sync_outcome_ = sync_job_->run(); }, [this] { finish_sync(); });
}

void GroupStore::finish_sync() {
    auto done = wal_->end_sync(std::move(*sync_job_), std::move(sync_outcome_));
    sync_job_.reset();
    sync_outcome_ = {};
    if (!done) fail_store(done.error().message);
    // What waited for this sync (commits and replies, a standby's acks) goes on in the
    // end_of_round that follows every turn of the loop; so does the next sync. Nothing is
    // sent from here: wait_sync() calls this inside other streams' callbacks.
}

void GroupStore::wait_sync() {
    if (syncer_ && syncer_->busy()) syncer_->wait();
}

void GroupStore::send_durable_acks() {
    // In order; an ack that reports entries not yet durable stops the rest (they follow).
    std::size_t ready = 0;
    while (ready < acks_to_send_.size() &&
           !(acks_to_send_[ready].ok && acks_to_send_[ready].match_index > wal_->durable_index()))
        ++ready;
    if (ready == 0) return;
    // A failed send drops the link (and clears acks_to_send_) inside the loop: take them
    // out first and look at upstream_ before every send.
    const std::vector<store::Ack> acks(acks_to_send_.begin(),
                                       acks_to_send_.begin() + static_cast<long>(ready));
    acks_to_send_.erase(acks_to_send_.begin(), acks_to_send_.begin() + static_cast<long>(ready));
    for (const auto& ack : acks)
        if (upstream_ && upstream_->stream) upstream_->stream->send(store::encode_message(ack));
}

void GroupStore::advance_commit(TimePoint now) {
    (void)now;
    if (!primary_ || !role_.confirmed_any) return;
    std::vector<std::size_t> required;
    for (std::size_t s = 0; s < standby_nodes_.size(); ++s)
        if (role_.required_mask & (1u << standby_nodes_[s])) required.push_back(s);
    const store::Index commit = primary_->commit_index(required);
    apply_committed(commit);
    if (!ready_ && kv_.applied_index() >= noop_index_) {
        ready_ = true;
        log_.event(Level::info, "store_ready",
                   {{"group", name_},
                    {"epoch", std::to_string(role_.epoch)},
                    {"index", index_text(kv_.applied_index())},
                    {"keys", std::to_string(kv_.key_count())}});
    }
}

void GroupStore::apply_committed(store::Index commit) {
    if (commit <= kv_.applied_index()) return;
    // Behind the log's start (a snapshot was installed): start from the snapshot.
    if (kv_.applied_index() + 1 < wal_->first_index()) {
        const auto& snap = wal_->snapshot();
        if (!snap) return;
        auto state = store::KvState::decode(snap->state);
        if (!state) {
            fail_store("snapshot: " + state.error().message);
            return;
        }
        abort_snapshot_encoding();
        kv_ = std::move(*state);
    }
    while (kv_.applied_index() < commit) {
        auto entries = wal_->read(kv_.applied_index() + 1, 4 * 1024 * 1024);
        if (entries.empty()) break;
        for (const auto& e : entries) {
            if (e.index > commit) break;
            const store::Outcome outcome = kv_.apply(e);
            if (e.write.op != store::Write::Op::noop) ++writes_committed_;
            auto it = pending_.find(e.index);
            if (it != pending_.end()) {
                auto done = std::move(it->second);
                pending_.erase(it);
                done(outcome);
            }
        }
    }
}

void GroupStore::maybe_compact() {
    if (snapshot_job_) {
        finish_snapshot(/*wait=*/false);
        return;
    }
    if (kv_.snapshot_in_progress()) {
        encode_snapshot_chunk();
        return;
    }
    const auto every = static_cast<store::Index>(config_.groups[group_].store.snapshot_entries);
    const store::Index base = wal_->first_index() - 1;
    if (kv_.applied_index() < base + every || kv_.applied_index() > wal_->durable_index()) return;
    // The state is encoded a chunk per turn of the loop, from a copy-on-write view of it at
    // this index (KvState::begin_snapshot), so that a large state never stalls the loop;
    // the file is then written and fsynced on a thread.
    snapshot_index_ = kv_.applied_index();
    snapshot_epoch_ = kv_.applied_epoch();
    snapshot_started_ = io::monotonic_now();
    snapshot_bytes_.clear();  // KvState reserves it whole with the first chunk
    kv_.begin_snapshot();
    encode_snapshot_chunk();
}

void GroupStore::encode_snapshot_chunk() {
    if (!kv_.continue_snapshot(kSnapshotChunkItems, snapshot_bytes_)) return;
    auto job = std::make_unique<SnapshotJob>();
    job->snapshot = store::Snapshot{snapshot_index_, snapshot_epoch_,
                                    std::move(snapshot_bytes_)};
    snapshot_bytes_ = {};
    job->started = snapshot_started_;
    SnapshotJob* raw = job.get();
    io::Disk& disk = disk_;
    const std::string dir = dir_;
    raw->thread = std::thread([raw, &disk, dir] {
        raw->result = disk.write_atomic(dir, store::DiskLog::kSnapshotName,
                                        store::encode_snapshot(raw->snapshot));
        raw->done.store(true, std::memory_order_release);
    });
    snapshot_job_ = std::move(job);
}

void GroupStore::abort_snapshot_encoding() {
    if (!kv_.snapshot_in_progress()) return;
    kv_.abort_snapshot();
    snapshot_bytes_ = {};
}

void GroupStore::finish_snapshot(bool wait) {
    if (!snapshot_job_) return;
    if (!wait && !snapshot_job_->done.load(std::memory_order_acquire)) return;
    snapshot_job_->thread.join();
    std::unique_ptr<SnapshotJob> job = std::move(snapshot_job_);
    if (!job->result) {
        fail_store("snapshot: " + job->result.error().message);
        return;
    }
    const store::Index index = job->snapshot.index;
    wait_sync();
    if (!failed_.empty()) return;
    if (auto r = wal_->compact_written(std::move(job->snapshot)); !r) {
        fail_store("compaction: " + r.error().message);
        return;
    }
    log_.event(Level::info, "store_compacted",
               {{"group", name_},
                {"snapshot_index", index_text(index)},
                {"keys", std::to_string(kv_.key_count())},
                {"ms", std::to_string((io::monotonic_now() - job->started) / 1000)}});
}

Micros GroupStore::silence_limit() const {
    // The primary sends a keep-alive every request_timeout / 4 and the standby acks it.
    return std::max<Micros>(3 * ms(config_.groups[group_].store.request_timeout_ms), ms(500));
}

void GroupStore::drop_silent_links(TimePoint now) {
    const Micros limit = silence_limit();
    for (std::size_t s = 0; s < downstream_.size(); ++s) {
        Link& link = downstream_[s];
        if (!link.stream || !link.stream->open() || now - link.last_heard <= limit) continue;
        log_.event(Level::warn, "store_link_down",
                   {{"group", name_},
                    {"peer", config_.nodes[standby_nodes_[s]].name},
                    {"reason", link.authenticated ? "silent" : "no handshake"},
                    {"silent_ms", std::to_string((now - link.last_heard) / 1000)}});
        link.stream.reset();
        link.authenticated = false;
        if (primary_) primary_->on_disconnected(s, now);
        reconnect_at_[s] = now;
    }
    if (upstream_ && now - upstream_->last_heard > limit) {
        log_.event(Level::warn, "store_link_down",
                   {{"group", name_},
                    {"peer", config_.nodes[upstream_->node].name},
                    {"reason", "silent"},
                    {"silent_ms", std::to_string((now - upstream_->last_heard) / 1000)}});
        upstream_.reset();
        acks_to_send_.clear();
    }
    std::erase_if(accepting_, [&](const auto& l) { return now - l->last_heard > limit; });
}

Micros GroupStore::sync_stall_limit() const {
    return std::max<Micros>(2 * ms(config_.groups[group_].store.request_timeout_ms), ms(1000));
}

// A disk that stops answering: with the fsync on the worker, the loop (and the lease) would
// go on while nothing commits. Failing the store hands the group over. Only time the loop
// was awake counts, in steps of at most kSyncWatchStep: a process stopped by SIGSTOP or a
// paused VM stops its worker as well, and the first look after it wakes must not take the
// whole pause for a hung disk (the worker's completion may be just behind the timer).
void GroupStore::watch_sync(TimePoint now) {
    if (!failed_.empty() || !syncer_ || !syncer_->busy()) return;
    sync_waited_ += std::clamp<Micros>(now - sync_seen_, 0, kSyncWatchStep);
    sync_seen_ = now;
    if (sync_waited_ > sync_stall_limit())
        fail_store("the log's fdatasync has not returned in " +
                   std::to_string(sync_waited_ / 1000) + " ms");
}

void GroupStore::on_tick(TimePoint now) {
    drop_silent_links(now);
    watch_sync(now);
    if (failed_.empty() && (snapshot_job_ || kv_.snapshot_in_progress())) maybe_compact();
    if (primary_) {
        send_to(primary_->on_tick(now));
        connect_standbys(now);
        advance_commit(now);
    }
}

TimePoint GroupStore::next_deadline() const {
    TimePoint next = TimePoint::never();
    const Micros limit = silence_limit();
    for (const auto& link : downstream_)
        if (link.stream && link.stream->open()) next = std::min(next, link.last_heard + limit + 1);
    if (upstream_) next = std::min(next, upstream_->last_heard + limit + 1);
    for (const auto& l : accepting_) next = std::min(next, l->last_heard + limit + 1);
    if (snapshot_job_) next = std::min(next, io::monotonic_now() + ms(5));  // poll it
    if (syncer_ && syncer_->busy() && failed_.empty())
        next = std::min(next, sync_seen_ + kSyncWatchStep);
    if (kv_.snapshot_in_progress()) next = std::min(next, io::monotonic_now());  // next chunk
    if (primary_) {
        next = std::min(next, primary_->next_deadline());
        for (std::size_t s = 0; s < downstream_.size(); ++s)
            if (!downstream_[s].stream || !downstream_[s].stream->open())
                next = std::min(next, reconnect_at_[s]);
    }
    return next;
}

std::uint32_t GroupStore::caught_up_mask() const {
    std::uint32_t mask = 0;
    if (!primary_) return mask;
    for (std::size_t s = 0; s < standby_nodes_.size(); ++s)
        if (primary_->caught_up(s)) mask |= 1u << standby_nodes_[s];
    return mask;
}

std::optional<core::StoreProgress> GroupStore::take_progress(TimePoint now) {
    if (!wal_) return std::nullopt;
    const std::uint32_t mask = caught_up_mask();
    const store::Index last = wal_->durable_index();
    const bool failed_news = !failed_.empty() && !reported_failed_;
    if (!failed_news && mask == reported_mask_ &&
        (last == reported_index_ || now - reported_at_ < kProgressEvery))
        return std::nullopt;
    reported_failed_ = !failed_.empty();
    reported_mask_ = mask;
    reported_index_ = last;
    reported_at_ = now;
    return core::StoreProgress{now, group_, wal_->epoch_at(last).value_or(0), last, mask, failed_};
}

std::optional<KvUnavailable> GroupStore::unavailable() const {
    if (!failed_.empty()) return KvUnavailable{503, "", "the store failed on this node: " + failed_};
    if (!primary_) return KvUnavailable{503, role_.primary, "not the primary"};
    if (!ready_)
        return KvUnavailable{503, role_.primary,
                             "the primary is taking over (waiting for its log to be committed)"};
    return std::nullopt;
}

void GroupStore::submit(store::Write write, std::function<void(Result<store::Outcome>)> done) {
    if (!primary_ || !failed_.empty()) {
        done(Error::busy("not the primary"));
        return;
    }
    if (write.op == store::Write::Op::put &&
        kv_.value_bytes() + (kv_.key_count() + 1) * store::kStateBytesPerKey + write.value.size() >
            store::kStateBytesMax) {
        done(Error::invalid("the store is full: " + std::to_string(kv_.key_count()) + " keys, " +
                            std::to_string(kv_.value_bytes()) + " value bytes (limit " +
                            std::to_string(store::kStateBytesMax) +
                            " bytes, counting " + std::to_string(store::kStateBytesPerKey) +
                            " per key); delete keys first"));
        return;
    }
    store::Entry entry{wal_->last_index() + 1, role_.epoch, std::move(write)};
    if (auto r = wal_->append(entry); !r) {
        done(Error::io(r.error().message));
        fail_store(r.error().message);
        return;
    }
    pending_.emplace(entry.index, std::move(done));
}

nlohmann::json GroupStore::status_json(TimePoint now) const {
    nlohmann::json j;
    j["role"] = failed_.empty() ? (primary_ ? (ready_ ? "primary" : "primary (taking over)")
                                            : "standby")
                                : "failed";
    if (!failed_.empty()) j["error"] = failed_;
    if (!wal_) return j;
    j["dir"] = dir_;
    j["last_index"] = wal_->last_index();
    j["durable_index"] = wal_->durable_index();
    j["applied_index"] = kv_.applied_index();
    j["first_index"] = wal_->first_index();
    j["keys"] = kv_.key_count();
    const auto& snap = wal_->snapshot();
    j["snapshot_index"] = snap ? snap->index : 0;
    j["entries_since_snapshot"] = wal_->last_index() - (wal_->first_index() - 1);
    j["snapshot_every"] = config_.groups[group_].store.snapshot_entries;
    j["writes_committed"] = writes_committed_;
    if (primary_) {
        auto standbys = nlohmann::json::array();
        for (const auto& v : primary_->view(now)) {
            nlohmann::json s;
            s["name"] = v.name;
            s["state"] = store::standby_state_name(v.state);
            s["match_index"] = v.match_index;
            s["lag_entries"] = v.lag_entries;
            s["lag_ms"] = to_ms(v.lag);
            standbys.push_back(s);
        }
        j["standbys"] = standbys;
        j["sync_confirmed"] = role_.confirmed_any;
    } else {
        j["upstream"] = upstream_ ? config_.nodes[upstream_->node].name : "";
        j["connected"] = upstream_ != nullptr;
    }
    return j;
}

}  // namespace vigil::daemon
