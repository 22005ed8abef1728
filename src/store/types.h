// The replicated store's vocabulary (docs/store.md): a write, a log entry, and what applying
// an entry did. Shared by the log, the key-value state, replication and the HTTP API.
// Pure: no I/O. Everything here is deterministic, so every replica that applies the same
// entries in the same order holds the same state, byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace vigil::store {

using Index = std::uint64_t;  // position in the log, from 1; 0 = none / before the first
using Epoch = std::uint64_t;  // the group's epoch (core::Node) when the primary appended it

// Documented limits (docs/store-api.md). A request past them is refused with 413/414/400
// before anything is appended.
constexpr std::size_t kKeyBytesMax = 1024;
constexpr std::size_t kValueBytesMax = 1024 * 1024;
constexpr std::size_t kRequestIdBytesMax = 128;
// How many request ids every replica remembers (oldest forgotten first): a retry later than
// this many writes may apply twice. Part of the snapshot, so it survives failover.
constexpr std::size_t kRequestIdsKept = 100'000;

struct Write {
    enum class Op : std::uint8_t {
        noop = 0,  // a new primary's first entry: commits everything before it
        put = 1,
        del = 2,
    };
    Op op = Op::noop;
    std::string key;
    std::string value;  // put only
    // Compare-and-set: applies only if the key's revision equals this (0 = key must not
    // exist). nullopt = unconditional.
    std::optional<Index> if_match;
    std::string request_id;  // Idempotency-Key; "" = none
};

struct Entry {
    Index index = 0;
    Epoch epoch = 0;
    Write write;
};

// The result of applying one entry: the same on every replica.
struct Outcome {
    enum class Code : std::uint8_t {
        ok = 0,
        precondition_failed = 1,  // if_match did not hold; nothing changed
        not_found = 2,            // del of a key that does not exist; nothing changed
    };
    Code code = Code::ok;
    Index index = 0;     // the entry that produced this outcome (first application if a retry)
    Index revision = 0;  // put ok: = index; otherwise the key's current revision (0 = absent)
    bool duplicate = false;  // a retried request id: the first application's outcome
};

// The state a store may hold (values, plus a bound on the keys' and their bookkeeping's
// share): a write that would go past it is refused with 507, because the snapshot that
// carries the state to a returning standby must fit in one replication frame.
constexpr std::size_t kStateBytesMax = 384 * 1024 * 1024;
constexpr std::size_t kStateBytesPerKey = 256;

// Serialized size bound of one entry, for buffers and the wire.
constexpr std::size_t kEntryBytesMax = kKeyBytesMax + kValueBytesMax + kRequestIdBytesMax + 64;

}  // namespace vigil::store
