// The standby side of replication (docs/store-replication.md#standby): applies the
// primary's Appends to the local log the way a Raft follower does (prev check, truncate a
// conflicting suffix, skip duplicates), installs snapshots, and answers with Acks.
// Safety rests on two checks here: an Append from an older epoch is refused, and a
// committed entry is never truncated (that would mean two primaries committed different
// entries at one index: the log is corrupt and the standby stops).
#include <algorithm>

#include "store/replication.h"

namespace vigil::store {

StandbyReplica::StandbyReplica(LogStore& log) : log_(log) {
    // A snapshot only ever holds applied, hence committed, entries.
    if (log_.snapshot()) commit_index_ = log_.snapshot()->index;
}

Hello StandbyReplica::on_connected(Epoch known_epoch) {
    epoch_ = std::max(epoch_, known_epoch);
    // Only durable entries count: the primary may treat what we report as acked.
    const Index durable = log_.durable_index();
    return Hello{epoch_, durable, log_.epoch_at(durable).value_or(0)};
}

Index StandbyReplica::commit_index() const {
    return commit_index_;
}

Result<std::optional<Ack>> StandbyReplica::on_message(const Message& message, Epoch known_epoch) {
    epoch_ = std::max(epoch_, known_epoch);
    if (const auto* append = std::get_if<Append>(&message)) return on_append(*append);
    if (const auto* snap = std::get_if<InstallSnapshot>(&message))
        return on_install_snapshot(*snap);
    return Error::protocol("standby: a primary sent a Hello or an Ack");
}

bool StandbyReplica::rewrites_log(const Message& message, Epoch known_epoch) const {
    const Epoch epoch = std::max(epoch_, known_epoch);
    if (const auto* a = std::get_if<Append>(&message)) {
        if (a->epoch < epoch) return false;  // refused
        for (const Entry& e : a->entries) {
            if (e.index > log_.last_index()) break;
            if (e.index >= log_.first_index() && log_.epoch_at(e.index) != e.epoch) return true;
        }
        return false;
    }
    if (const auto* m = std::get_if<InstallSnapshot>(&message)) {
        if (m->epoch < epoch) return false;
        const Snapshot& snap = m->snapshot;
        return !(snap.index < log_.first_index() ||
                 log_.epoch_at(snap.index) == std::optional<Epoch>(snap.epoch));
    }
    return false;
}

Index StandbyReplica::retry_hint(Index prev_index) const {
    if (prev_index > log_.last_index()) return log_.last_index();
    // Our entry at prev_index has another epoch: every entry of that epoch from here back to
    // its first one is suspect (Raft §5.3 optimization). Epochs never decrease along the log,
    // so binary search for that epoch's first index.
    const Epoch conflict = log_.epoch_at(prev_index).value_or(0);
    Index lo = log_.first_index();
    Index hi = prev_index;
    while (lo < hi) {
        const Index mid = lo + (hi - lo) / 2;
        if (log_.epoch_at(mid).value_or(0) < conflict)
            lo = mid + 1;
        else
            hi = mid;
    }
    // Everything up to our commit index matches the primary's log.
    return std::max(lo - 1, std::min(commit_index_, prev_index - 1));
}

Result<std::optional<Ack>> StandbyReplica::on_append(const Append& a) {
    if (a.epoch < epoch_) return std::optional<Ack>(Ack{epoch_, false, 0, log_.last_index()});
    // Validate before touching the log: consecutive indexes, epochs that never decrease and
    // never exceed the sender's.
    Epoch previous = a.prev_epoch;
    for (std::size_t i = 0; i < a.entries.size(); ++i) {
        const Entry& e = a.entries[i];
        if (e.index != a.prev_index + 1 + i || e.epoch < previous || e.epoch > a.epoch)
            return Error::protocol("standby: Append entry " + std::to_string(i) + " has index " +
                                   std::to_string(e.index) + " epoch " + std::to_string(e.epoch) +
                                   ", out of order");
        previous = e.epoch;
    }
    epoch_ = a.epoch;
    // A prev before our first entry was compacted, so committed: it matches.
    const bool prev_compacted = a.prev_index + 1 < log_.first_index();
    if (!prev_compacted && log_.epoch_at(a.prev_index) != a.prev_epoch) {
        if (a.prev_index <= commit_index_ && a.prev_index <= log_.last_index())
            return Error::corruption("standby: committed entry " + std::to_string(a.prev_index) +
                                     " has another epoch than the primary's " +
                                     std::to_string(a.prev_epoch));
        return std::optional<Ack>(Ack{epoch_, false, 0, retry_hint(a.prev_index)});
    }

    for (const Entry& e : a.entries) {
        if (e.index < log_.first_index()) continue;  // compacted, committed: already ours
        if (e.index <= log_.last_index()) {
            if (log_.epoch_at(e.index) == e.epoch) continue;  // a duplicate
            if (e.index <= commit_index_)
                return Error::corruption("standby: committed entry " + std::to_string(e.index) +
                                         " differs from the primary's (epoch " +
                                         std::to_string(*log_.epoch_at(e.index)) + " vs " +
                                         std::to_string(e.epoch) + ")");
            if (auto r = log_.truncate_after(e.index - 1); !r) return r.error();
        }
        if (auto r = log_.append(e); !r) return r.error();
    }
    const Index match = a.prev_index + a.entries.size();
    VIGIL_ASSERT(match <= log_.last_index());
    commit_index_ = std::max(commit_index_, std::min(a.commit_index, match));
    return std::optional<Ack>(Ack{epoch_, true, match, 0});
}

Result<std::optional<Ack>> StandbyReplica::on_install_snapshot(const InstallSnapshot& m) {
    if (m.epoch < epoch_) return std::optional<Ack>(Ack{epoch_, false, 0, log_.last_index()});
    epoch_ = m.epoch;
    const Snapshot& snap = m.snapshot;
    const bool have_it = snap.index < log_.first_index() ||
                         log_.epoch_at(snap.index) == std::optional<Epoch>(snap.epoch);
    if (!have_it) {
        if (snap.index <= commit_index_)
            return Error::corruption("standby: snapshot at committed index " +
                                     std::to_string(snap.index) + " has another epoch");
        if (auto r = log_.install(snap); !r) return r.error();
    }
    // Either way our log now matches the primary's up to the snapshot, which is committed.
    commit_index_ = std::max(commit_index_, snap.index);
    return std::optional<Ack>(Ack{epoch_, true, snap.index, 0});
}

}  // namespace vigil::store
