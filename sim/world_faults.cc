// World: fault operations and recovery: partitions, pauses, crashes, graceful stops,
// operator commands, fencing, and heal. Each writes a notable trace line saying what it did.
#include <algorithm>

#include "common/assert.h"
#include "sim/random.h"
#include "sim/store_world.h"
#include "sim/world.h"

namespace vigil::sim {

void World::schedule_inject(FaultKind kind) {
    Micros mean = faults_.mean_gap(kind);
    if (mean == 0) return;
    schedule(
        {real_now_ + gap(prng_, mean), 0, TimerKind::inject, 0, static_cast<std::uint32_t>(kind)});
}

// (Re)starts node n's process: a new Node restored from what it last persisted, a new boot
// id (peers' replay guards and the core tell restarts apart by it), sequence numbers from 1,
// no VIPs (the daemon removes leftovers at start), a fresh replay guard, no maintenance.
void World::start(std::size_t n) {
    SimNode& s = nodes_[n];
    VIGIL_ASSERT(s.state == NodeState::down);
    s.state = NodeState::up;
    s.node = std::make_unique<core::Node>(config(), n, local_now(n), s.logger, s.durable);
    s.boot_id = ++boots_;
    s.seq = 0;
    s.maintenance = false;
    std::fill(s.vips.begin(), s.vips.end(), 0);
    s.replay = std::make_unique<wire::ReplayGuard>();
    s.wakeup_real = real_now_;  // the daemon's loop steps the core once at start
    s.tick_after_real = 0;
    report_.started = n;
    std::string restored;
    for (const core::DurableGroup& g : s.durable.groups)
        restored += " " + g.group + ":e" + std::to_string(g.epoch) +
                    (g.voted_for.empty() ? "" : "/voted " + g.voted_for);
    trace_.addf(true, real_now_, n, local_now(n), "start (boot %llu), durable state:%s",
                static_cast<unsigned long long>(s.boot_id),
                restored.empty() ? " (none)" : restored.c_str());
    if (store_) store_->on_start(*this, n);
}

bool World::add_partition(const std::vector<Cut>& cuts, const std::string& what, Micros duration) {
    if (partitions_.size() >= kPartitionsMax) return false;
    std::uint32_t id = ++partition_ids_;
    for (const Cut& c : cuts) network_.cut(c.from, c.to, c.link);
    partitions_.push_back({id, cuts});
    schedule({real_now_ + duration, 0, TimerKind::partition_end, 0, id});
    count_fault(FaultKind::partition);
    trace_.addf(true, real_now_, kNoNode, {}, "fault: partition #%u %s for %.3f s", id,
                what.c_str(), to_ms(duration) / 1000.0);
    return true;
}

void World::end_partition(std::uint32_t id) {
    auto it = std::find_if(partitions_.begin(), partitions_.end(),
                           [id](const Partition& p) { return p.id == id; });
    if (it == partitions_.end()) return;  // lifted by heal already
    for (const Cut& c : it->cuts) network_.uncut(c.from, c.to, c.link);
    partitions_.erase(it);
    trace_.addf(true, real_now_, kNoNode, {}, "partition #%u ends", id);
}

// Frozen: no steps, no sends; the kernel keeps queueing its datagrams; its VIPs stay up.
void World::pause(std::size_t n, Micros duration) {
    SimNode& s = nodes_[n];
    VIGIL_ASSERT(s.state == NodeState::up);
    s.state = NodeState::paused;
    schedule({real_now_ + duration, 0, TimerKind::resume, static_cast<std::uint32_t>(n)});
    count_fault(FaultKind::pause);
    trace_.addf(true, real_now_, n, local_now(n), "fault: pause for %.3f s",
                to_ms(duration) / 1000.0);
}

// Thawed: the process sees the time jump. Half the time it reads the queued datagrams
// before its timer fires, half the time after: both orders happen in a real event loop.
void World::resume(std::size_t n) {
    SimNode& s = nodes_[n];
    s.state = NodeState::up;
    trace_.addf(true, real_now_, n, local_now(n), "resume (%zu datagrams queued)", s.socket.size());
    for (Datagram d : s.socket) {
        d.at = real_now_;
        network_.requeue(d);
    }
    s.socket.clear();
    s.tick_after_real = prng_.below(2) == 0 ? real_now_ + 1 : 0;
    for (Timer t : s.deferred) {
        t.at = real_now_;
        schedule(t);
    }
    s.deferred.clear();
    if (store_) store_->on_resume(*this, n);
}

// kill -9 or power off: the process and its memory are gone, VIPs with it (a powered-off
// node holds nothing; after kill -9 the supervisor removes them). Only `durable` survives.
void World::crash(std::size_t n, Micros down_for, const char* why, bool lose_state) {
    SimNode& s = nodes_[n];
    VIGIL_ASSERT(s.state != NodeState::down);
    if (lose_state) {
        s.durable = {};
        s.state_losses += 1;
    }
    for (const Datagram& d : s.socket) network_.release(d.heartbeat);
    s.socket.clear();
    s.deferred.clear();
    s.node.reset();
    s.state = NodeState::down;
    s.wakeup_real = kRealNever;
    std::fill(s.vips.begin(), s.vips.end(), 0);
    schedule({real_now_ + down_for, 0, TimerKind::restart, static_cast<std::uint32_t>(n)});
    trace_.addf(true, real_now_, n, local_now(n), "fault: %s; down for %.3f s", why,
                to_ms(down_for) / 1000.0);
    if (store_) store_->on_crash(*this, n);
}

// As daemon/agent.cc shutdown(): Shutdown to the core (it hands its groups over and says
// goodbye), the goodbye once more, VIPs removed, exit.
void World::shutdown(std::size_t n, Micros down_for) {
    count_fault(FaultKind::shutdown);
    step_node(n, core::Shutdown{local_now(n)}, EventKind::shutdown);
    send_heartbeats(n);
    crash(n, down_for, "stopped after graceful shutdown");
}

void World::admin(std::size_t n, core::Event event, Micros off_after) {
    std::visit([&](auto& e) { e.now = local_now(n); }, event);
    EventKind kind = EventKind::switchover;
    if (auto* m = std::get_if<core::AdminMaintenance>(&event)) {
        kind = EventKind::maintenance;
        nodes_[n].maintenance = m->on;
        if (m->on && off_after > 0)
            schedule({real_now_ + off_after, 0, TimerKind::maintenance_off,
                      static_cast<std::uint32_t>(n)});
    }
    if (auto* lost = std::get_if<core::VipLost>(&event)) {
        kind = EventKind::vip_lost;
        nodes_[n].vips[lost->group] &= ~(1u << lost->vip);
    }
    step_node(n, event, kind);
}

// The fence command finished. Success means its target is powered off, so the simulator
// powers it off before the requester hears of it; a requester that restarted meanwhile
// never hears (the daemon that ran the command is gone).
void World::fence_done(const Timer& t) {
    SimNode& s = nodes_[t.node];
    if (s.state == NodeState::down || s.boot_id != t.boot_id) return;
    if (s.state == NodeState::paused) {
        s.deferred.push_back(t);
        return;
    }
    if (t.ok && t.b != t.node && nodes_[t.b].state != NodeState::down) {
        count_fault(FaultKind::fence_kill);
        Micros down_for =
            healed_ ? ms(100)
                    : duration(prng_, ms(100), scenario_.faults.down_for_max_us + ms(100));
        crash(t.b, down_for, ("fenced by " + name(t.node)).c_str());
    }
    if (t.ok && t.b == t.node) return;  // it fenced itself: nobody left to report to
    step_node(t.node,
              core::FenceResult{local_now(t.node), t.a, t.b, t.ok, t.ok ? "exit 0" : "exit 1"},
              EventKind::fence_result);
}

void World::heal() {
    healed_ = true;
    trace_.addf(true, real_now_, kNoNode, {}, "heal: faults stop; partitions lifted; network calm");
    while (!partitions_.empty()) end_partition(partitions_.back().id);
    network_.calm();
    // Fence commands still running finish soon; their outcome stands (a failure is retried
    // by the core after fence_retry_ms, which the liveness bound allows for).
    for (Timer& t : timers_)
        if (t.kind == TimerKind::fence_done)
            t.at = std::min(t.at, real_now_ + kHealedFenceDelayMax);
    std::make_heap(timers_.begin(), timers_.end(), later);
    if (store_) store_->on_heal(*this);  // may crash nodes whose store failed: restarted below
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        auto node = static_cast<std::uint32_t>(n);
        switch (nodes_[n].state) {
            case NodeState::paused: schedule({real_now_, 0, TimerKind::resume, node}); break;
            case NodeState::down: schedule({real_now_, 0, TimerKind::restart, node}); break;
            case NodeState::up: break;
        }
        if (nodes_[n].maintenance) schedule({real_now_, 0, TimerKind::maintenance_off, node});
    }
}

}  // namespace vigil::sim
