// Faults: what each injected fault hits. See faults.h; the kinds and their rationale are
// listed in docs/simulator.md.
#include "sim/faults.h"

#include <array>
#include <string>

#include "sim/random.h"
#include "sim/world.h"

namespace vigil::sim {
namespace {

// Nodes in a given state, without allocating (at most kNodesMax).
struct Picks {
    std::array<std::size_t, core::kNodesMax> nodes{};
    std::size_t count = 0;
};

Picks in_state(const World& w, bool up_only) {
    Picks p;
    for (std::size_t n = 0; n < w.node_count(); ++n) {
        NodeState s = w.state(n);
        if (s == NodeState::up || (!up_only && s == NodeState::paused)) p.nodes[p.count++] = n;
    }
    return p;
}

std::size_t pick(const Picks& p, Prng& prng) {
    return p.nodes[prng.below(p.count)];
}

// A set of nodes as "{n1,n3}".
std::string set_name(const World& w, std::uint32_t mask) {
    std::string s = "{";
    for (std::size_t n = 0; n < w.node_count(); ++n)
        if (mask & (1u << n)) s += (s.size() > 1 ? "," : "") + w.name(n);
    return s + "}";
}

}  // namespace

const char* fault_name(FaultKind kind) {
    switch (kind) {
        case FaultKind::partition: return "partition";
        case FaultKind::pause: return "pause";
        case FaultKind::crash: return "crash";
        case FaultKind::shutdown: return "shutdown";
        case FaultKind::switchover: return "switchover";
        case FaultKind::maintenance: return "maintenance";
        case FaultKind::vip_lost: return "vip_lost";
        case FaultKind::fence_kill: return "fence_kill";
        case FaultKind::state_lost: return "crash_state_lost";
        case FaultKind::count: break;
    }
    return "?";
}

Micros Faults::mean_gap(FaultKind kind) const {
    switch (kind) {
        case FaultKind::partition: return rates_.partition_every_us;
        case FaultKind::pause: return rates_.pause_every_us;
        case FaultKind::crash: return rates_.crash_every_us;
        case FaultKind::shutdown: return rates_.shutdown_every_us;
        case FaultKind::switchover: return rates_.switchover_every_us;
        case FaultKind::maintenance: return rates_.maintenance_every_us;
        case FaultKind::vip_lost: return rates_.vip_lost_every_us;
        case FaultKind::fence_kill:
        case FaultKind::state_lost:
        case FaultKind::count: break;
    }
    return 0;
}

void Faults::inject(FaultKind kind, World& world, Prng& prng) const {
    const Micros dead = ms(world.config().cluster.dead_time_ms);
    switch (kind) {
        case FaultKind::partition: return partition(world, prng);
        case FaultKind::pause: {
            Picks up = in_state(world, true);
            if (up.count == 0) return;
            world.pause(pick(up, prng), duration(prng, ms(10), rates_.pause_for_max_us));
            return;
        }
        case FaultKind::crash: {
            Picks alive = in_state(world, false);
            if (alive.count == 0) return;
            world.count_fault(kind);
            const char* how = prng.below(2) == 0 ? "crash (kill -9)" : "crash (power off)";
            // Rarely the disk goes too: leases must stay safe (the core's restart holdoff),
            // though epochs may then repeat (docs/design.md "Limits, stated").
            // With the store, a lost state would also be a lost store: outside its promise too,
            // so --store runs keep their disks (the draw stays, to keep the stream).
            const bool lose_state = prng.below(8) == 0 && world.store() == nullptr;
            if (lose_state) {
                world.count_fault(FaultKind::state_lost);
                how = "crash (state lost)";
            }
            world.crash(pick(alive, prng), duration(prng, ms(10), rates_.down_for_max_us), how,
                        lose_state);
            return;
        }
        case FaultKind::shutdown: {
            Picks up = in_state(world, true);
            if (up.count == 0) return;
            world.shutdown(pick(up, prng), duration(prng, dead / 10, rates_.down_for_max_us));
            return;
        }
        case FaultKind::vip_lost: return lose_vip(world, prng);
        default: return admin(kind, world, prng);
    }
}

// One of the partition shapes that break failure detection in different ways: a node cut
// off, the cluster split in two, two nodes that cannot hear each other while both hear a
// third (non-transitive), a single link, and one-way variants of those (a node that sends
// but cannot hear, or the reverse).
void Faults::partition(World& world, Prng& prng) const {
    const std::size_t nodes = world.node_count();
    const std::size_t links = world.config().nodes[0].addresses.size();
    std::vector<World::Cut> cuts;
    auto cut = [&](std::size_t from, std::size_t to, int only_link) {
        for (std::size_t l = 0; l < links; ++l)
            if (only_link < 0 || l == static_cast<std::size_t>(only_link))
                cuts.push_back({static_cast<std::uint8_t>(from), static_cast<std::uint8_t>(to),
                                static_cast<std::uint8_t>(l)});
    };
    std::size_t a = prng.below(nodes);
    std::size_t b = (a + 1 + prng.below(nodes - 1)) % nodes;
    std::string what;
    switch (prng.below(6)) {
        case 0:  // isolate one node
            for (std::size_t n = 0; n < nodes; ++n)
                if (n != a) cut(a, n, -1), cut(n, a, -1);
            what = "isolates " + world.name(a);
            break;
        case 1: {  // split into two random sides
            std::uint32_t side = 1 + static_cast<std::uint32_t>(prng.below((1u << nodes) - 2));
            for (std::size_t x = 0; x < nodes; ++x)
                for (std::size_t y = 0; y < nodes; ++y)
                    if ((side >> x & 1) && !(side >> y & 1)) cut(x, y, -1), cut(y, x, -1);
            what = "splits " + set_name(world, side) + " | " +
                   set_name(world, ~side & ((1u << nodes) - 1));
            break;
        }
        case 2:  // a pair that cannot hear each other
            cut(a, b, -1), cut(b, a, -1);
            what = world.name(a) + " <-/-> " + world.name(b);
            break;
        case 3: {  // one link of a pair
            int l = static_cast<int>(prng.below(links));
            cut(a, b, l), cut(b, a, l);
            what = world.name(a) + " <-/-> " + world.name(b) + " on link " + std::to_string(l);
            break;
        }
        case 4:  // one way, a pair
            cut(a, b, -1);
            what = world.name(a) + " -/-> " + world.name(b);
            break;
        default: {  // one way, a node deaf or mute towards everyone
            bool deaf = prng.below(2) == 0;
            for (std::size_t n = 0; n < nodes; ++n)
                if (n != a) deaf ? cut(n, a, -1) : cut(a, n, -1);
            what = deaf ? "all -/-> " + world.name(a) : world.name(a) + " -/-> all";
        }
    }
    world.add_partition(cuts, what, duration(prng, ms(20), rates_.partition_for_max_us));
}

// Operator commands (switchover, maintenance), issued on a random running node, as `vigil`
// on that node would.
void Faults::admin(FaultKind kind, World& world, Prng& prng) const {
    Picks up = in_state(world, true);
    if (up.count == 0) return;
    const std::size_t n = pick(up, prng);
    const core::Config& c = world.config();
    const std::size_t g = prng.below(c.groups.size());
    world.count_fault(kind);
    if (kind == FaultKind::switchover) {
        // Any node, eligible or not, and sometimes "the best other one".
        std::size_t target = prng.below(c.nodes.size() + 1);
        std::string name = target < c.nodes.size() ? c.nodes[target].name : "";
        world.admin(n, core::AdminSwitchover{{}, c.groups[g].name, name});
    } else if (kind == FaultKind::maintenance) {
        bool on = !world.maintenance(n);
        Micros off_after = on ? duration(prng, ms(100), 40 * ms(c.cluster.dead_time_ms)) : 0;
        world.admin(n, core::AdminMaintenance{{}, on}, off_after);
    }
}

// Somebody deletes a VIP that a running node holds (a network manager, a careless `ip addr
// del`); the daemon's address monitor reports it as VipLost.
void Faults::lose_vip(World& world, Prng& prng) const {
    const core::Config& c = world.config();
    std::size_t held = 0;
    auto each_held = [&](auto&& f) {
        for (std::size_t n = 0; n < world.node_count(); ++n)
            for (std::size_t g = 0; g < c.groups.size(); ++g)
                for (std::size_t v = 0; v < c.groups[g].vips.size(); ++v)
                    if (world.state(n) == NodeState::up && world.holds_vip(n, g, v)) f(n, g, v);
    };
    each_held([&](std::size_t, std::size_t, std::size_t) { ++held; });
    if (held == 0) return;
    std::size_t chosen = prng.below(held);
    each_held([&](std::size_t n, std::size_t g, std::size_t v) {
        if (chosen-- == 0) {
            world.count_fault(FaultKind::vip_lost);
            world.admin(n, core::VipLost{{}, g, v});
        }
    });
}

}  // namespace vigil::sim
