// Synchronous replication of a group's log (docs/store-replication.md). Two deterministic
// state machines, one per side; the daemon carries their messages over an authenticated TCP
// stream per (primary, standby) pair (daemon/store_links.h) and calls them on the loop.
// They read and write the LogStore they are given and never touch a clock or socket: time
// arrives as an argument.
//
// Commit rule: an entry is committed (and its write acknowledged to the client) when it is
// durable on the primary and on every standby in the *required* set. The required set is
// decided outside (core::Node, from the quorum-confirmed sync set); a standby in it that
// falls behind or disconnects stalls commits until the Node drops it from the set.
// Replication reports what it sees (in_sync / catching_up / out_of_date) so the daemon can
// ask the Node to change the set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "store/log_store.h"
#include "store/types.h"

namespace vigil::store {

// ---- Messages (encoded by encode_message, one per length-prefixed frame) ----
// standby -> primary, first on every connection. (A refused Append is answered by an Ack
// with ok = false and last_index, not by a new Hello.)
struct Hello {
    Epoch epoch = 0;       // the highest group epoch the standby knows
    Index last_index = 0;  // its log
    Epoch last_epoch = 0;
};
// primary -> standby: entries after (prev_index, prev_epoch); may be empty (a commit
// index update or keep-alive).
struct Append {
    Epoch epoch = 0;  // the primary's epoch
    Index prev_index = 0;
    Epoch prev_epoch = 0;
    Index commit_index = 0;
    std::vector<Entry> entries;
};
// primary -> standby: the log was compacted past what the standby has.
struct InstallSnapshot {
    Epoch epoch = 0;
    Index commit_index = 0;
    Snapshot snapshot;
};
// standby -> primary: after the Append or snapshot is durable (synced), or refused.
struct Ack {
    Epoch epoch = 0;         // the standby's epoch (> primary's: the primary is stale)
    bool ok = true;          // false: prev did not match; the primary backs up
    Index match_index = 0;   // ok: the standby's log equals the primary's up to here, durably
    Index last_index = 0;    // !ok: the standby's last index, to back up quickly
};
using Message = std::variant<Hello, Append, InstallSnapshot, Ack>;

std::string encode_message(const Message& message);
// Error::protocol naming what is malformed (bad type, truncated, over a limit). Never
// crashes or allocates more than the frame's own size on any input.
Result<Message> decode_message(std::string_view bytes);
// A snapshot travels in one frame, so this also bounds the state (kStateBytesMax below).
constexpr std::size_t kFrameBytesMax = 512 * 1024 * 1024;
// Bytes `entry` takes inside an Append: the unit of append_bytes_max and in_flight_bytes_max.
std::size_t encoded_entry_bytes(const Entry& entry);

// ---- Primary side ----
enum class StandbyState : std::uint8_t {
    connecting,   // no stream yet / not said Hello
    catching_up,  // behind: being sent the log or a snapshot
    in_sync,      // acked everything appended within request_timeout
    out_of_date,  // disconnected, or behind for longer than request_timeout
};
const char* standby_state_name(StandbyState state);

struct StandbyView {
    std::string name;
    StandbyState state = StandbyState::connecting;
    Index match_index = 0;  // durable on it
    std::uint64_t lag_entries = 0;  // primary's last_index - match_index
    Micros lag = 0;  // how long its oldest unacked entry has waited (0 = none)
};

struct Outgoing {
    std::size_t standby;  // index into the standby list given to the constructor
    Message message;
};

class PrimaryReplica {
public:
    struct Options {
        Micros request_timeout = 1'000'000;  // unacked this long: out_of_date
        std::size_t append_bytes_max = 1024 * 1024;  // per Append message
        std::size_t in_flight_bytes_max = 8 * 1024 * 1024;  // unacked, per standby
    };
    // `standbys`: names of the other replicas of the group, in a fixed order. `log` must
    // outlive this; it holds a noop entry at `epoch` appended by the caller before.
    PrimaryReplica(Epoch epoch, std::vector<std::string> standbys, LogStore& log,
                   Options options);

    // A stream to standby `s` opened and its Hello arrived.
    std::vector<Outgoing> on_hello(std::size_t s, const Hello& hello, TimePoint now);
    std::vector<Outgoing> on_ack(std::size_t s, const Ack& ack, TimePoint now);
    void on_disconnected(std::size_t s, TimePoint now);
    // New entries were appended to the log: send them to connected standbys.
    std::vector<Outgoing> on_appended(TimePoint now);
    // Time passed: standbys past request_timeout become out_of_date; keep-alives.
    std::vector<Outgoing> on_tick(TimePoint now);

    // Committed index given the required set (standby indexes) and the primary's own
    // durable index: min over them of durable/match index. Never decreases.
    Index commit_index(const std::vector<std::size_t>& required);
    // A standby whose log holds everything committed so far and keeps up: it may join
    // the sync set.
    bool caught_up(std::size_t s) const;
    // Stale: a standby answered with a higher epoch. The daemon must demote.
    std::optional<Epoch> higher_epoch_seen() const;
    std::vector<StandbyView> view(TimePoint now) const;
    TimePoint next_deadline() const;

private:
    struct InFlight {
        Index last_index;  // the Append's last entry
        std::size_t entry_bytes;
    };
    struct Peer {
        std::string name;
        StandbyState state = StandbyState::connecting;
        bool connected = false;
        Index next_index = 1;   // the next entry to send
        Index match_index = 0;  // durable on the standby, acked
        std::deque<InFlight> in_flight;  // sent, not acked, oldest first
        std::size_t in_flight_bytes = 0;
        bool snapshot_in_flight = false;
        TimePoint last_sent;            // for keep-alives
        Index commit_index_sent = 0;    // what the standby was last told
    };
    // When entries were appended, to tell how long a standby's oldest unacked entry waited.
    struct Batch {
        Index last_index;
        TimePoint appended;
    };

    void note_appended(TimePoint now);
    void fill_pipeline(std::size_t s, TimePoint now, std::vector<Outgoing>& out);
    void send_keep_alive(std::size_t s, TimePoint now, std::vector<Outgoing>& out);
    void update_state(Peer& peer, TimePoint now);
    TimePoint oldest_unacked(const Peer& peer) const;
    void prune_batches();

    Epoch epoch_;
    LogStore& log_;
    Options options_;
    std::vector<Peer> peers_;
    Index noop_index_;   // this epoch's first entry: nothing commits before it replicates
    Index commit_index_ = 0;
    std::deque<Batch> batches_;
    std::optional<Epoch> higher_epoch_;
};

// ---- Standby side ----
class StandbyReplica {
public:
    // `log` must outlive this.
    StandbyReplica(LogStore& log);
    // The stream to the primary opened: the Hello to send.
    Hello on_connected(Epoch known_epoch);
    // Handles one message from the primary. Appends, truncates a divergent suffix (never
    // below the commit index it knows), installs snapshots. Returns the Ack to send once
    // the log is synced, or an error (the daemon closes the stream). An Append from an
    // epoch older than `known_epoch` is refused (Ack with ok = false and the newer epoch).
    // The caller syncs the log before sending the Ack (group commit across messages).
    Result<std::optional<Ack>> on_message(const Message& message, Epoch known_epoch);
    // Whether on_message(message, known_epoch) would cut entries from the log or install a
    // snapshot (replace the log), rather than only append: the daemon finishes its sync in
    // flight first. Pure; errors on_message would return count as false.
    bool rewrites_log(const Message& message, Epoch known_epoch) const;
    // Entries the primary says are committed (the KvState may apply up to here).
    Index commit_index() const;

private:
    Result<std::optional<Ack>> on_append(const Append& append);
    Result<std::optional<Ack>> on_install_snapshot(const InstallSnapshot& message);
    // Where to tell the primary to retry from after `prev_index` did not match.
    Index retry_hint(Index prev_index) const;

    LogStore& log_;
    Epoch epoch_ = 0;          // the highest epoch seen from a primary or the Node
    Index commit_index_ = 0;   // never decreases
};

}  // namespace vigil::store
