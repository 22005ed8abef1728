// Checker: the invariants of docs/simulator.md, checked after every World step, and the
// liveness requirement checked after heal. It uses the core only through Node's public
// interface (role, epoch, lease_expiry, acting_primary) and the Actions each step returned,
// and assumes nothing else about how the core keeps them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.h"

namespace vigil::sim {

struct Violation {
    int invariant = 0;    // numbering of docs/simulator.md; 6-9 are the store's (--store)
    std::string summary;  // one line
    std::string detail;   // the nodes involved, their epochs and leases
    // 1-3 are safety (two primaries, epochs, VIPs); 4 (busy loop) and 5 (no stable primary
    // after heal) are liveness: the mutation test must be caught by a safety violation.
    // With --store, 6-8 (acknowledged writes kept, logs agree, request ids apply once) are
    // safety too; 9 (the store serves after heal) is liveness.
    bool safety() const { return invariant <= 3 || (invariant >= 6 && invariant <= 8); }
};

class Checker {
public:
    explicit Checker(const World& world);

    // Safety after one World::step (invariants 1-4); nullopt when all hold.
    std::optional<Violation> check(const World& world, const StepReport& step);

private:
    std::optional<Violation> check_one_acting_primary(const World& world) const;        // 1
    std::optional<Violation> check_epochs(const World& world, const StepReport& step);  // 2
    std::optional<Violation> check_actions(const World& world,
                                           const StepReport& step) const;  // 3, 4

    std::size_t groups_;
    // Invariant 2: per group, the highest epoch any node promoted at, and who did.
    std::vector<std::uint64_t> promoted_epoch_;
    std::vector<std::size_t> promoted_by_;
    // Invariant 2: per node and group, the highest epoch(g) seen, across restarts.
    std::vector<std::uint64_t> epoch_seen_;
    std::vector<std::uint64_t> losses_seen_;  // per node: state losses already accounted
};

// Liveness after heal (invariant 5): within kRecoverBound every group must have exactly
// one acting primary, and keep the same one (node and epoch) for kStableWindow.
class Liveness {
public:
    // Bounds, from the config:
    //  recover: restarted nodes wait init_dead before taking part; a view of the fault
    //  phase (a dead peer, a stale primary) takes a dead time to expire; a lease or vote
    //  promise given before heal runs out within about a dead time (it must, or failover
    //  could not happen within dead_time + election); an election that meets a handover
    //  adds about a dead time. init_dead + 8 dead times covers two rounds of all of these
    //  with margin, and is still far below what an operator would accept. With fencing, a
    //  fence that failed just before heal is retried after fence_retry_ms, and fence
    //  commands finish within World::kHealedFenceDelayMax after heal: both are added.
    //  stable: a flapping election shows within a few heartbeats and a dead time; four
    //  dead times is well past that.
    static Micros recover_bound(const core::Config& c) {
        Micros bound = ms(c.effective_init_dead_ms()) + 8 * ms(c.cluster.dead_time_ms);
        for (const core::GroupConfig& g : c.groups)
            if (!g.fence.empty())
                return bound + ms(c.cluster.fence_retry_ms) + 2 * World::kHealedFenceDelayMax;
        return bound;
    }
    static Micros stable_window(const core::Config& c) { return 4 * ms(c.cluster.dead_time_ms); }

    Liveness(const World& world, Micros healed_at);

    // After each step of the heal phase. Returns a violation once the bound has passed.
    std::optional<Violation> observe(const World& world);
    bool converged() const { return converged_; }
    // From heal until the first instant from which every group stayed stable.
    Micros recovery_time() const { return recovered_at_ - healed_at_; }

private:
    struct Holder {
        std::size_t node = kNoNode;  // the one acting primary; kNoNode if none or several
        std::uint64_t epoch = 0;
        Micros since = 0;
    };
    std::string describe(const World& world) const;

    Micros healed_at_;
    Micros bound_;
    Micros window_;
    std::vector<Holder> holders_;  // per group
    bool converged_ = false;
    Micros recovered_at_ = 0;
};

}  // namespace vigil::sim
