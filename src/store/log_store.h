// LogStore: the replicated log as the key-value state and replication see it. Entries have
// consecutive indexes from first_index() to last_index(); everything before first_index()
// was compacted into snapshot(). append() buffers, sync() makes everything appended so far
// durable with one fdatasync (group commit: many writes share it). DiskLog (disk_log.h)
// is the real one; MemLog (mem_log.h) serves unit tests and the simulator.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/types.h"

namespace vigil::store {

struct Snapshot {
    Index index = 0;    // the last entry it covers
    Epoch epoch = 0;    // that entry's epoch
    std::string state;  // KvState::encode() at that index
};

class LogStore {
public:
    virtual ~LogStore() = default;

    // First entry still in the log (snapshot index + 1; 1 when nothing was compacted).
    virtual Index first_index() const = 0;
    virtual Index last_index() const = 0;  // 0 = empty and no snapshot
    // Everything up to here survived the last sync (<= last_index).
    virtual Index durable_index() const = 0;
    // Epoch of entry `index`: first_index()-1 answers from the snapshot; 0 for index 0;
    // nullopt if compacted away or beyond last_index().
    virtual std::optional<Epoch> epoch_at(Index index) const = 0;
    Epoch last_epoch() const { return epoch_at(last_index()).value_or(0); }

    // REQUIRES: entry.index == last_index() + 1, entry.epoch >= last_epoch().
    // Error::io (disk full, write failed): nothing was appended. After an I/O error the log
    // refuses every later append and sync (a failed fsync leaves the page cache unknown).
    virtual Result<void> append(const Entry& entry) = 0;
    virtual Result<void> sync() = 0;
    // Drops entries after `index` (a standby's divergent, never-committed suffix).
    // REQUIRES: index >= first_index() - 1. Durable when it returns.
    virtual Result<void> truncate_after(Index index) = 0;
    // Up to `max_bytes` (at least one entry if any) of entries from `from`, in order.
    // REQUIRES: first_index() <= from. Empty if from > last_index().
    virtual std::vector<Entry> read(Index from, std::size_t max_bytes) const = 0;

    // The newest snapshot (nullopt = none).
    virtual const std::optional<Snapshot>& snapshot() const = 0;
    // Saves `snapshot` durably and drops the entries it covers. REQUIRES: snapshot.index <=
    // durable_index(), and the state is the KvState at that index.
    virtual Result<void> compact(Snapshot snapshot) = 0;
    // A standby catching up from the primary's snapshot: replaces the whole log with it.
    virtual Result<void> install(Snapshot snapshot) = 0;
};

}  // namespace vigil::store
