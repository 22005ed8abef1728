// StoreChecker: the replicated store's safety invariants (docs/simulator.md, numbered after
// the core's): 6 every acknowledged write is in the state of a primary when it becomes
// ready, and at the end on every replica that caught up; 7 no two nodes apply different
// entries at the same index; 8 a request id applies once. StoreWorld calls it where those
// things happen (an ack, a ready primary, an applied entry) and run.cc collects the first
// violation after each step. Invariant 9 (liveness) is StoreWorld::check_liveness.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/checker.h"
#include "store/kv_state.h"

namespace vigil::sim {

class StoreChecker {
public:
    explicit StoreChecker(std::size_t groups) : groups_(groups) {}

    // A client received `outcome` for `write` (the first ack of its request id).
    void acked(std::size_t g, const store::Write& write, const store::Outcome& outcome);
    // Node `node` applied `entry` with `outcome` (7 and 8).
    void applied(const std::string& node, std::size_t g, const store::Entry& entry,
                 const store::Outcome& outcome);
    // 6: every ack of group g is in `kv`; `when` says which check this is.
    void check_acks(const std::string& node, std::size_t g, const store::KvState& kv,
                    const char* when);
    // The highest index any ack of group g names (0 = none).
    store::Index acked_index_max(std::size_t g) const;
    std::size_t acked_count() const;

    std::optional<Violation> violation;  // the first one; cleared by take_violation

private:
    struct Ack {
        store::Write write;
        store::Outcome outcome;
    };
    struct Applied {
        store::Epoch epoch;
        std::string fingerprint;  // op, key, value, request id
        std::string node;         // who applied it first
    };
    void fail(int invariant, std::string summary, std::string detail = {});

    std::size_t groups_;
    std::vector<std::pair<std::size_t, Ack>> acks_;                      // (group, ack)
    std::map<std::pair<std::size_t, store::Index>, Applied> log_;        // (group, index)
    std::map<std::pair<std::size_t, std::string>, store::Index> first_;  // request id
};

}  // namespace vigil::sim
