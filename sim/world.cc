// World: the step loop and the daemon's part (carrying out Actions). Fault operations are
// in world_faults.cc, trace lines in world_trace.cc.
#include "sim/world.h"

#include <algorithm>

#include "common/assert.h"
#include "sim/random.h"
#include "sim/store_world.h"

namespace vigil::sim {

const char* state_name(NodeState s) {
    switch (s) {
        case NodeState::up: return "up";
        case NodeState::paused: return "paused";
        case NodeState::down: return "down";
    }
    return "?";
}

namespace {

std::vector<std::string> node_names(const core::Config& c) {
    std::vector<std::string> names;
    for (const auto& n : c.nodes) names.push_back(n.name);
    return names;
}

}  // namespace

World::World(std::uint64_t seed, bool store) : World(make_scenario(seed), store) {}

// With a store, every group has one (the core then keeps sync sets and log positions).
static Scenario with_store(Scenario s, bool store) {
    if (store)
        for (core::GroupConfig& g : s.config.groups) StoreWorld::configure(g.store, s.config);
    return s;
}

World::World(Scenario scenario, bool store)
    : prng_(scenario.prng),
      scenario_(with_store(std::move(scenario), store)),
      faults_(scenario_.faults),
      network_(scenario_.network, scenario_.config.nodes.size(),
               scenario_.config.nodes[0].addresses.size()),
      trace_(node_names(scenario_.config)),
      nodes_(scenario_.config.nodes.size()),
      scratch_(core::HeartbeatReceived{}) {
    if (store) store_ = std::make_unique<StoreWorld>(*this, prng_);
    init();
}

World::~World() = default;

void World::init() {
    timers_.reserve(64);
    const Micros dead = ms(config().cluster.dead_time_ms);
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        nodes_[n].clock = scenario_.clocks[n];
        nodes_[n].vips.assign(config().groups.size(), 0);
        // Nodes come up at slightly different times, as after a rack power-on.
        schedule({uniform(prng_, 0, dead), 0, TimerKind::restart, static_cast<std::uint32_t>(n)});
    }
    for (std::size_t k = 0; k < kFaultKinds; ++k) schedule_inject(static_cast<FaultKind>(k));
}

const StepReport& World::step() {
    report_ = StepReport{};
    std::size_t next_node = kNoNode;
    Micros t_node = kRealNever;
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        const SimNode& s = nodes_[n];
        if (s.state != NodeState::up) continue;
        Micros due = std::max(s.wakeup_real, s.tick_after_real);
        if (due < t_node) t_node = due, next_node = n;
    }
    Micros t_timer = timers_.empty() ? kRealNever : timers_.front().at;
    Micros t_net = network_.next_due();
    Micros t_store = store_ ? store_->next_due() : kRealNever;
    Micros t = std::min({t_node, t_timer, t_net, t_store});
    VIGIL_ASSERT(t != kRealNever);
    real_now_ = std::max(real_now_, t);  // a wakeup may lie in the past (after a resume)
    ++counters_.steps;
    if (t_node == t)
        tick(next_node);
    else if (t_timer == t)
        fire(pop_timer());
    else if (t_net == t)
        deliver(network_.pop());
    else
        store_->fire(*this);
    return report_;
}

void World::tick(std::size_t n) {
    step_node(n, core::Tick{local_now(n)}, EventKind::tick);
}

void World::deliver(const Datagram& d) {
    SimNode& s = nodes_[d.to];
    auto drop = [&](Drop why) {
        ++counters_.drops[static_cast<std::size_t>(why)];
        TraceLine line;
        line.text("drop ").text(name(d.from)).text("->").text(name(d.to)).text("/l").number(d.link);
        line.text(" seq ").number(d.seq).text(": ").text(drop_name(why));
        trace_.add(false, real_now_, d.to, local_now(d.to), line.view());
        network_.release(d.heartbeat);
    };
    if (s.state == NodeState::down) return drop(Drop::receiver_down);
    if (!d.buffered && network_.blocked(d.from, d.to, d.link)) return drop(Drop::partition);
    if (s.state == NodeState::paused) {
        if (s.socket.size() >= kSocketQueueMax) return drop(Drop::queue_full);
        s.socket.push_back(d);  // keeps its reference to the heartbeat
        return;
    }
    const wire::Heartbeat& hb = network_.heartbeat(d.heartbeat);
    // The daemon drops what its replay guard rejects before the core sees it
    // (daemon/agent_receive.cc): duplicates, and datagrams overtaken on their own link.
    if (!wire::accepted(s.replay->check(hb.sender, d.link, hb.boot_id, d.seq)))
        return drop(Drop::replay);
    auto& e = std::get<core::HeartbeatReceived>(scratch_);
    e.now = local_now(d.to);
    e.sender = d.from;
    e.link = d.link;
    e.heartbeat = hb;  // copy-assignment reuses the scratch heartbeat's buffers
    e.heartbeat.link = d.link;
    e.heartbeat.seq = d.seq;
    network_.release(d.heartbeat);
    ++counters_.delivered;
    step_node(d.to, scratch_, EventKind::heartbeat);
}

void World::fire(const Timer& t) {
    switch (t.kind) {
        case TimerKind::inject: {
            auto kind = static_cast<FaultKind>(t.a);
            if (healed_) return;
            faults_.inject(kind, *this, prng_);
            schedule_inject(kind);
            return;
        }
        case TimerKind::partition_end: return end_partition(t.a);
        case TimerKind::resume:
            if (nodes_[t.node].state == NodeState::paused) resume(t.node);
            return;
        case TimerKind::restart:
            if (nodes_[t.node].state == NodeState::down) start(t.node);
            return;
        case TimerKind::maintenance_off:
            if (nodes_[t.node].state == NodeState::paused) {
                nodes_[t.node].deferred.push_back(t);
                return;
            }
            if (nodes_[t.node].state == NodeState::up && nodes_[t.node].maintenance)
                admin(t.node, core::AdminMaintenance{{}, false});
            return;
        case TimerKind::fence_done: return fence_done(t);
    }
}

// One step of node n: the daemon's loop body. The event line goes into the trace before
// its consequences, so the trace reads cause first.
void World::step_node(std::size_t n, const core::Event& event, EventKind kind) {
    VIGIL_ASSERT(report_.node == kNoNode);  // one node step per world step
    SimNode& s = nodes_[n];
    VIGIL_ASSERT(s.state == NodeState::up);
    s.logger.used = 0;
    s.logger.warned = false;
    actions_ = s.node->step(event);
    ++counters_.node_steps;
    TimePoint now = std::visit([](const auto& e) { return e.now; }, event);
    report_ = {n, kind, now, &actions_, report_.started};
    trace_event(notable(n, actions_), n, event, kind);
    apply(n, actions_);
    // The agent tells its stores their role after every core step (daemon/agent_store.cc).
    if (store_) store_->after_node_step(*this, n);
}

// Carries out Actions in the order written on core::Actions.
void World::apply(std::size_t n, const core::Actions& a) {
    SimNode& s = nodes_[n];
    // 0. Persist: what a crash from now on restarts from. The simulated disk does not fail.
    if (a.persist) s.durable = *a.persist;
    // 1. VIPs.
    for (const core::VipChange& c : a.vip_changes) {
        std::uint32_t bit = 1u << c.vip;
        if (c.kind == core::VipChange::Kind::add)
            s.vips[c.group] |= bit;
        else
            s.vips[c.group] &= ~bit;
    }
    for (const core::RoleChange& rc : a.role_changes)
        if (rc.to == core::Role::primary) ++counters_.promotions;
    trace_consequences(n, a);
    // 3. The heartbeat, to every peer on every link.
    if (a.send_heartbeat) send_heartbeats(n);
    // 5. Fence commands: the simulator is the fence device. The outcome and run time are
    // drawn now; a success powers the target off before the result is reported
    // (world_faults.cc). After heal, fencing works and is quick.
    const FaultRates& r = scenario_.faults;
    for (const core::FenceRequest& f : a.fences) {
        Micros delay = healed_ ? uniform(prng_, ms(1), kHealedFenceDelayMax)
                               : uniform(prng_, ms(1), std::max(ms(1), r.fence_delay_max_us));
        bool ok = healed_ || chance(prng_, r.fence_ok_ppm);
        schedule({real_now_ + delay, 0, TimerKind::fence_done, static_cast<std::uint32_t>(n),
                  static_cast<std::uint32_t>(f.group), static_cast<std::uint32_t>(f.node),
                  s.boot_id, ok});
    }
    s.wakeup_real = s.clock.real_at(a.next_wakeup);
}

// As daemon/agent.cc send_heartbeats: one datagram per link and peer, each with its own seq.
void World::send_heartbeats(std::size_t n) {
    SimNode& s = nodes_[n];
    wire::Heartbeat hb = s.node->heartbeat();
    std::copy_n(config().digest.begin(), wire::kDigestBytes, hb.config_digest.begin());
    hb.boot_id = s.boot_id;
    std::uint32_t stored = network_.store(std::move(hb));
    TraceLine line;
    line.text("  -> send seq ").number(s.seq + 1).text("..:");
    const std::size_t links = config().nodes[n].addresses.size();
    for (std::size_t l = 0; l < links; ++l) {
        for (std::size_t to = 0; to < nodes_.size(); ++to) {
            if (to == n) continue;
            auto drop = network_.send(stored, n, to, l, ++s.seq, real_now_, prng_);
            if (drop) ++counters_.drops[static_cast<std::size_t>(*drop)];
            line.text(" ").text(name(to)).text("/l").number(l);
            if (drop) line.text(*drop == Drop::partition ? "(cut)" : "(lost)");
        }
    }
    network_.release_if_unused(stored);
    trace_.add(false, real_now_, n, local_now(n), line.view());
}

// Timers form a min-heap on (at, order): std::*_heap build max-heaps, so the comparison
// says "fires later".
bool World::later(const Timer& a, const Timer& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
}

void World::schedule(Timer t) {
    t.order = timer_order_++;
    timers_.push_back(t);
    std::push_heap(timers_.begin(), timers_.end(), later);
}

World::Timer World::pop_timer() {
    std::pop_heap(timers_.begin(), timers_.end(), later);
    Timer t = timers_.back();
    timers_.pop_back();
    return t;
}

}  // namespace vigil::sim
