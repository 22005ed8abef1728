// KvState: the key-value map every replica builds by applying committed log entries in
// order. Deterministic: apply() depends only on the state and the entry, so replicas agree.
// Compare-and-set and request-id deduplication are decided here, at apply time, not by the
// primary before appending: the decision is then the same on every replica and survives
// failover (a retry reaching a new primary finds the request id in its own state).
//
// A snapshot can be encoded a bounded chunk at a time (begin_snapshot, continue_snapshot)
// while entries keep being applied between chunks: encoding a few hundred thousand keys in
// one call stalls the event loop for tens of milliseconds, which clients see as write
// latency. The chunks still add up to exactly the state as of begin_snapshot(): apply()
// keeps the value as of the start of every key it changes that the snapshot has not
// encoded yet (copy-on-write, per key), and every request id it forgets likewise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "store/types.h"

namespace vigil::store {

struct KvValue {
    std::string value;
    Index revision = 0;  // the index of the entry that wrote it
};

struct KvListing {
    std::vector<std::pair<std::string, KvValue>> items;  // key order
    std::string next;  // "" = no more; else pass as start_after for the next page
};

class KvState {
public:
    // REQUIRES: entry.index == applied_index() + 1.
    Outcome apply(const Entry& entry);
    Index applied_index() const { return applied_index_; }
    Epoch applied_epoch() const { return applied_epoch_; }

    std::optional<KvValue> get(std::string_view key) const;
    // Keys starting with `prefix`, after `start_after` (exclusive, "" = from the first),
    // at most `limit` (>= 1).
    KvListing list(std::string_view prefix, std::string_view start_after, std::size_t limit) const;
    // The outcome of the write that carried `request_id`, if it was applied and is still
    // remembered (the last kRequestIdsKept).
    std::optional<Outcome> find_request(std::string_view request_id) const;

    std::size_t key_count() const { return map_.size(); }
    std::size_t value_bytes() const { return value_bytes_; }

    // Snapshot form: versioned, checksummed, self-describing (docs/store-format.md). The
    // whole state in one call: what a snapshot begun now would add up to. Does not disturb a
    // snapshot in progress.
    std::string encode() const;

    // Starts a snapshot of the state as it is now (at applied_index()). Entries applied
    // afterwards do not show in it. REQUIRES: no snapshot in progress.
    void begin_snapshot();
    bool snapshot_in_progress() const { return snapshot_.cursor.has_value(); }
    // Appends to `out` the encoding of up to `max_items` more keys and request ids (the
    // header on the first call, the trailer on the last). Returns true when the snapshot is
    // complete: the bytes appended by all its calls are then exactly what encode() returned
    // at begin_snapshot(), and the snapshot has ended. Writes applied in between never make
    // it longer: n keys and request ids at begin take ceil(n / max_items) calls (at least 1).
    // REQUIRES: snapshot_in_progress(), max_items >= 1.
    bool continue_snapshot(std::size_t max_items, std::string& out);
    // Drops the snapshot in progress, if any (for example: the state is being replaced).
    void abort_snapshot();
    // applied_index() at begin_snapshot(). REQUIRES: snapshot_in_progress().
    Index snapshot_index() const;

    // Error::corruption naming what is wrong (bad magic, checksum, truncated ...).
    static Result<KvState> decode(std::string_view bytes);

    friend bool operator==(const KvState& a, const KvState& b);

private:
    using Map = std::map<std::string, KvValue, std::less<>>;

    // How far a snapshot has got, and what it needs of the state as of its start that
    // apply() has since changed.
    struct SnapshotCursor {
        Index index = 0;
        Epoch epoch = 0;
        std::uint64_t key_count = 0;  // written in the header; what must be emitted
        std::uint64_t request_count = 0;
        std::uint64_t keys_emitted = 0;
        std::uint64_t requests_emitted = 0;
        bool header_written = false;
        bool keys_finished = false;
        bool requests_finished = false;
        // Keys are encoded in key order; those up to here are done. nullopt = none yet.
        // A key, not an iterator: apply() may erase the entry an iterator would point at.
        std::optional<std::string> last_key;
        // The value at begin of each key after last_key that apply() changed since
        // (nullopt = the key did not exist then). Entries are dropped once encoded.
        std::map<std::string, std::optional<KvValue>, std::less<>> overlay;
        // Request ids are encoded in index order, after the keys; those up to here are done.
        Index last_request = 0;
        // Request ids of the snapshot that apply() forgot before they were encoded, oldest
        // first. Older than any still in request_order_, so they are encoded first.
        std::deque<std::pair<std::string, Outcome>> forgotten;
        std::uint32_t crc = 0;  // of the bytes emitted so far

        bool key_pending(std::string_view key) const;
        bool request_pending(Index request_index) const;
        // Append one record of the snapshot, spending one of `budget`.
        void emit_key(std::string& out, std::size_t& budget, const std::string& key,
                      const KvValue& v);
        void emit_request(std::string& out, std::size_t& budget, std::string_view id,
                          const Outcome& o);
    };
    // The snapshot in progress belongs to the object it was begun on: copying or moving a
    // KvState carries the state, never the snapshot (its overlay describes how this object
    // changed since), and assigning over a state drops its snapshot, as abort_snapshot would.
    struct SnapshotSlot {
        SnapshotSlot() = default;
        SnapshotSlot(const SnapshotSlot&) {}
        SnapshotSlot(SnapshotSlot&& from) noexcept { from.cursor.reset(); }
        SnapshotSlot& operator=(const SnapshotSlot&);
        SnapshotSlot& operator=(SnapshotSlot&& from) noexcept;
        std::optional<SnapshotCursor> cursor;
    };

    // Before apply() changes `key` (`it`: its entry, or map_.end() if absent).
    void keep_for_snapshot(std::string_view key, Map::iterator it);
    void forget_oldest_request();

    // The one encoding path, shared by encode() and continue_snapshot().
    SnapshotCursor start_snapshot() const;
    bool encode_chunk(SnapshotCursor& c, std::size_t max_items, std::string& out) const;
    void encode_keys(SnapshotCursor& c, std::size_t& budget, std::string& out) const;
    void encode_requests(SnapshotCursor& c, std::size_t& budget, std::string& out) const;

    Map map_;
    std::size_t value_bytes_ = 0;
    Index applied_index_ = 0;
    Epoch applied_epoch_ = 0;
    // request id -> outcome, and their order of application for forgetting the oldest.
    std::unordered_map<std::string, Outcome> requests_;
    std::map<Index, std::string> request_order_;
    SnapshotSlot snapshot_;
};

}  // namespace vigil::store
