// KvState: the key-value map every replica builds by applying committed log entries in
// order. Deterministic: apply() depends only on the state and the entry, so replicas agree.
// Compare-and-set and request-id deduplication are decided here, at apply time, not by the
// primary before appending: the decision is then the same on every replica and survives
// failover (a retry reaching a new primary finds the request id in its own state).
#pragma once

#include <cstddef>
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
    KvListing list(std::string_view prefix, std::string_view start_after,
                   std::size_t limit) const;
    // The outcome of the write that carried `request_id`, if it was applied and is still
    // remembered (the last kRequestIdsKept).
    std::optional<Outcome> find_request(std::string_view request_id) const;

    std::size_t key_count() const { return map_.size(); }
    std::size_t value_bytes() const { return value_bytes_; }

    // Snapshot form: versioned, checksummed, self-describing (docs/store-format.md).
    std::string encode() const;
    // Error::corruption naming what is wrong (bad magic, checksum, truncated ...).
    static Result<KvState> decode(std::string_view bytes);

    friend bool operator==(const KvState& a, const KvState& b);

private:
    std::map<std::string, KvValue, std::less<>> map_;
    std::size_t value_bytes_ = 0;
    Index applied_index_ = 0;
    Epoch applied_epoch_ = 0;
    // request id -> outcome, and their order of application for forgetting the oldest.
    std::unordered_map<std::string, Outcome> requests_;
    std::map<Index, std::string> request_order_;
};

}  // namespace vigil::store
