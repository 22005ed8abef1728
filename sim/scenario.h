// Scenario: everything a seed decides before the run starts: the cluster's shape and
// configuration, each node's clock, and how often each kind of fault strikes. A fault
// kind can be off for a whole seed, so that some runs isolate one kind of trouble and
// others pile them up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/prng.h"
#include "core/config.h"
#include "sim/clock.h"

namespace vigil::sim {

// Per-datagram faults, applied by the Network to every heartbeat datagram.
struct NetworkFaults {
    Micros latency_us = 200;     // one way, every datagram
    Micros jitter_us = 0;        // plus uniform [0, jitter]: reorders datagrams
    std::uint32_t drop_ppm = 0;  // lost
    std::uint32_t duplicate_ppm = 0;
    std::uint32_t slow_ppm = 0;  // held in a queue somewhere for up to slow_max_us
    Micros slow_max_us = 0;
};

// How often each fault is injected (mean gap in real time; 0 = never) and how long it lasts.
struct FaultRates {
    Micros partition_every_us = 0;
    Micros partition_for_max_us = 0;
    Micros pause_every_us = 0;  // SIGSTOP or a VM freeze
    Micros pause_for_max_us = 0;
    Micros crash_every_us = 0;  // kill -9 or power off, then a restart
    Micros down_for_max_us = 0;
    Micros shutdown_every_us = 0;  // graceful stop, then a restart
    Micros switchover_every_us = 0;
    Micros maintenance_every_us = 0;  // `vigil standby on`, later off
    Micros vip_lost_every_us = 0;     // somebody deletes a VIP from the interface
    Micros fence_delay_max_us = 0;    // a fence command's run time
    std::uint32_t fence_ok_ppm = 0;   // a fence command succeeds (powers its target off)
};

struct Scenario {
    std::uint64_t seed = 0;
    core::Config config;
    NetworkFaults network;
    FaultRates faults;
    std::vector<NodeClock> clocks;  // indexed like config.nodes
    // The run's one generator, as the scenario left it: the run goes on drawing from it, so
    // that a seed is one random stream from the first choice to the last.
    Prng prng{0};

    // One line per aspect, for the violation report and --trace.
    std::string describe() const;
};

// Draws the seed's scenario from Prng(seed).
Scenario make_scenario(std::uint64_t seed);

}  // namespace vigil::sim
