// Scenario generation: the cluster shapes and fault mixes of docs/simulator.md. Everything
// is drawn from the run's Prng, in a fixed order, so a seed always yields the same scenario.
#include "sim/scenario.h"

#include <cstdio>

#include "sim/random.h"

namespace vigil::sim {
namespace {

const char* const kGroupNames[] = {"web", "db", "mail"};

// The shapes the design must survive: three voters (all full, or two full nodes and a
// witness that only votes) and five voters.
void add_nodes(Prng& prng, core::Config& c) {
    std::uint64_t shape = prng.below(10);
    std::size_t nodes = shape < 7 ? 3 : 5;
    bool witness = shape >= 4 && shape < 7;
    std::size_t links = 1 + prng.below(2);
    for (std::size_t n = 0; n < nodes; ++n) {
        core::NodeConfig nc;
        nc.name = "n" + std::to_string(n + 1);
        nc.witness = witness && n == nodes - 1;
        if (nc.witness) nc.name = "w" + std::to_string(n + 1);
        for (std::size_t l = 0; l < links; ++l)
            nc.addresses.push_back("198.18." + std::to_string(l) + "." + std::to_string(11 + n));
        c.nodes.push_back(std::move(nc));
    }
}

// 1-3 groups. Priorities repeat on purpose (ties are broken by name), some nodes may not
// serve some groups, and a witness serves none.
void add_groups(Prng& prng, core::Config& c) {
    std::size_t groups = 1 + prng.below(3);
    for (std::size_t g = 0; g < groups; ++g) {
        core::GroupConfig gc;
        gc.name = kGroupNames[g];
        gc.preempt = prng.below(2) == 0;
        bool any = false;
        for (const core::NodeConfig& nc : c.nodes) {
            std::optional<int> p;
            if (!nc.witness && chance(prng, 850'000)) p = 50 * static_cast<int>(1 + prng.below(4));
            any = any || p.has_value();
            gc.priority.push_back(p);
        }
        if (!any) gc.priority[0] = 100;
        std::size_t vips = 1 + prng.below(2);
        for (std::size_t v = 0; v < vips; ++v)
            gc.vips.push_back({"198.18." + std::to_string(10 + g) + "." + std::to_string(10 + v),
                               24, false, "eth0"});
        // Never run: the simulator answers fence requests itself (world.cc).
        if (chance(prng, 250'000)) gc.fence = "/usr/local/sbin/fence-node";
        c.groups.push_back(std::move(gc));
    }
}

void set_timing(Prng& prng, core::Config& c) {
    bool fast = chance(prng, 300'000);
    c.cluster.heartbeat_interval_ms = fast ? 20 : 50;
    c.cluster.dead_time_ms = fast ? 100 : 250;
    if (chance(prng, 300'000)) c.cluster.init_dead_ms = 2 * c.cluster.dead_time_ms;
    const int drift[] = {10'000, 10'000, 10'000, 1'000, 100};
    c.cluster.clock_drift_max_ppm = drift[prng.below(5)];
}

// Clock rates sit at the edges of the allowed drift half of the time: two nodes drifting
// apart as far as allowed is where a lease computed too tightly would overlap.
std::vector<NodeClock> make_clocks(Prng& prng, const core::Config& c) {
    std::vector<NodeClock> clocks;
    std::int64_t max = c.cluster.clock_drift_max_ppm;
    for (std::size_t n = 0; n < c.nodes.size(); ++n) {
        NodeClock clock;
        clock.offset_us = uniform(prng, 1'000'000, 100'000'000'000);
        std::uint64_t edge = prng.below(4);
        clock.rate_ppm = edge == 0 ? max : edge == 1 ? -max : uniform(prng, -max, max);
        clocks.push_back(clock);
    }
    return clocks;
}

NetworkFaults make_network(Prng& prng, const core::Config& c) {
    NetworkFaults f;
    Micros dead = ms(c.cluster.dead_time_ms);
    f.latency_us = uniform(prng, 50, 500);
    if (chance(prng, 500'000))
        f.jitter_us = uniform(prng, 0, chance(prng, 500'000) ? 2'000 : 30'000);
    if (chance(prng, 600'000))
        f.drop_ppm =
            static_cast<std::uint32_t>(uniform(prng, 0, chance(prng, 700'000) ? 50'000 : 300'000));
    if (chance(prng, 300'000))
        f.duplicate_ppm = static_cast<std::uint32_t>(uniform(prng, 0, 100'000));
    if (chance(prng, 300'000)) {
        f.slow_ppm = static_cast<std::uint32_t>(uniform(prng, 0, 20'000));
        f.slow_max_us = uniform(prng, dead / 2, 3 * dead);
    }
    return f;
}

// Each kind is on for a share of the seeds; when on, it strikes every few seconds on
// average, so that a run holds tens of faults, often overlapping.
FaultRates make_rates(Prng& prng, const core::Config& c) {
    FaultRates r;
    Micros dead = ms(c.cluster.dead_time_ms);
    auto every = [&](std::uint32_t on_ppm, Micros lo, Micros hi) -> Micros {
        return chance(prng, on_ppm) ? uniform(prng, lo, hi) : 0;
    };
    r.partition_every_us = every(700'000, ms(500), ms(5'000));
    r.partition_for_max_us = uniform(prng, 2 * dead, 24 * dead);
    r.pause_every_us = every(400'000, ms(1'000), ms(10'000));
    r.pause_for_max_us = uniform(prng, dead, 16 * dead);
    r.crash_every_us = every(400'000, ms(2'000), ms(15'000));
    r.down_for_max_us = uniform(prng, dead, 20 * dead);
    r.shutdown_every_us = every(250'000, ms(3'000), ms(20'000));
    r.switchover_every_us = every(400'000, ms(500), ms(5'000));
    r.maintenance_every_us = every(250'000, ms(2'000), ms(10'000));
    r.vip_lost_every_us = every(150'000, ms(1'000), ms(10'000));
    r.fence_delay_max_us = uniform(prng, ms(10), 12 * dead);
    const std::uint32_t ok[] = {0, 500'000, 900'000, 1'000'000};
    r.fence_ok_ppm = ok[prng.below(4)];
    return r;
}

std::string line(const char* fmt, auto... args) {
    char buf[256];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

std::string ms_or_off(Micros us) {
    return us == 0 ? std::string("off") : line("every ~%.1f s", to_ms(us) / 1000.0);
}

}  // namespace

Scenario make_scenario(std::uint64_t seed) {
    Scenario s;
    s.seed = seed;
    s.prng = Prng(seed);
    Prng& prng = s.prng;
    core::Config& c = s.config;
    c.path = "/etc/vigil/sim.toml";
    c.cluster.name = "sim";
    add_nodes(prng, c);
    add_groups(prng, c);
    set_timing(prng, c);
    // A digest shared by every node: the configs match, as on a well-run cluster.
    for (auto& b : c.digest) b = static_cast<std::uint8_t>(prng.below(256));
    s.clocks = make_clocks(prng, c);
    s.network = make_network(prng, c);
    s.faults = make_rates(prng, c);
    return s;
}

std::string Scenario::describe() const {
    const core::Config& c = config;
    std::string out =
        line("seed %llu: %zu nodes (", static_cast<unsigned long long>(seed), c.nodes.size());
    for (std::size_t n = 0; n < c.nodes.size(); ++n)
        out += (n ? " " : "") + c.nodes[n].name + (c.nodes[n].witness ? "=witness" : "");
    out += line("), %zu link(s), heartbeat %d ms, dead time %d ms, init_dead %d ms\n",
                c.nodes[0].addresses.size(), c.cluster.heartbeat_interval_ms,
                c.cluster.dead_time_ms, c.effective_init_dead_ms());
    for (const core::GroupConfig& g : c.groups) {
        out += "  group " + g.name + ": priority";
        for (std::size_t n = 0; n < g.priority.size(); ++n)
            out += " " + c.nodes[n].name + "=" +
                   (g.priority[n] ? std::to_string(*g.priority[n]) : std::string("-"));
        out += line(", preempt %s, %zu vip(s)%s\n", g.preempt ? "on" : "off", g.vips.size(),
                    g.fence.empty() ? "" : ", fence");
    }
    out += line("  clocks (max drift %d ppm):", c.cluster.clock_drift_max_ppm);
    for (std::size_t n = 0; n < clocks.size(); ++n)
        out += line(" %s%+lld ppm", (c.nodes[n].name + "=").c_str(),
                    static_cast<long long>(clocks[n].rate_ppm));
    const NetworkFaults& f = network;
    out += line(
        "\n  network: latency %lld us + jitter %lld us, drop %.1f%%, duplicate %.1f%%, "
        "slow %.1f%% (up to %lld ms)\n",
        static_cast<long long>(f.latency_us), static_cast<long long>(f.jitter_us), f.drop_ppm / 1e4,
        f.duplicate_ppm / 1e4, f.slow_ppm / 1e4, static_cast<long long>(f.slow_max_us / 1000));
    const FaultRates& r = faults;
    out += "  partitions " + ms_or_off(r.partition_every_us) + ", pauses " +
           ms_or_off(r.pause_every_us) + ", crashes " + ms_or_off(r.crash_every_us) +
           ", shutdowns " + ms_or_off(r.shutdown_every_us) + "\n";
    out += "  switchovers " + ms_or_off(r.switchover_every_us) + ", maintenance " +
           ms_or_off(r.maintenance_every_us) + ", vip losses " + ms_or_off(r.vip_lost_every_us) +
           line(", fence ok %.0f%% after up to %lld ms\n", r.fence_ok_ppm / 1e4,
                static_cast<long long>(r.fence_delay_max_us / 1000));
    return out;
}

}  // namespace vigil::sim
