// Faults: the injector. It decides what each fault hits (which node, which side of a
// partition, for how long) and has the World carry it out; when faults strike is the
// World's timer queue, at the mean gaps the Scenario drew. Faults that only touch
// datagrams (loss, duplication, delay) live in the Network instead.
#pragma once

#include <array>
#include <cstdint>

#include "common/prng.h"
#include "sim/scenario.h"

namespace vigil::sim {

class World;

enum class FaultKind : std::uint8_t {
    partition,    // a set of cuts: one node isolated, a split, a pair, one link, one-way
    pause,        // SIGSTOP / VM freeze, later resumed
    crash,        // kill -9 or power off, later restarted
    shutdown,     // graceful stop (goodbye, VIPs removed), later restarted
    switchover,   // an operator's `vigil switchover` on some node
    maintenance,  // an operator's `vigil standby on`, later off
    vip_lost,     // a VIP deleted from the interface behind vigil's back
    fence_kill,   // a fence command that succeeded: its target was powered off
    state_lost,   // a crash that also lost the durable state (new disk, re-provisioned);
                  // counted, never scheduled on its own: one crash in eight
    count
};
constexpr std::size_t kFaultKinds = static_cast<std::size_t>(FaultKind::count);
const char* fault_name(FaultKind kind);

class Faults {
public:
    explicit Faults(const FaultRates& rates) : rates_(rates) {}

    // The mean gap between two injections of `kind`; 0 = this kind is off for the seed.
    // fence_kill is never injected: it follows from the core's fence requests.
    Micros mean_gap(FaultKind kind) const;

    // Injects one fault of `kind` into `world` now, drawing its target from `prng`.
    void inject(FaultKind kind, World& world, Prng& prng) const;

private:
    void partition(World& world, Prng& prng) const;
    void admin(FaultKind kind, World& world, Prng& prng) const;
    void lose_vip(World& world, Prng& prng) const;

    FaultRates rates_;
};

}  // namespace vigil::sim
