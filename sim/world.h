// World: the simulated cluster. It owns real (simulated) time, the nodes with their clocks
// and durable state, the network, and a queue of timers (fault injections and their ends,
// restarts, fence results). It plays the daemon's part for every node: it feeds events to
// core::Node::step and carries out the Actions in the order events.h prescribes.
//
// Time is event-driven: each step jumps to the next due item (a node's wakeup, a datagram's
// arrival, a timer) and handles exactly that item, so a step steps at most one node and the
// invariants can be checked between any two node steps. Nothing here reads a clock or
// starts a thread, and every random choice comes from the one Prng built from the seed, so
// a seed repeats a run exactly (STYLE.md §3).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/prng.h"
#include "core/node.h"
#include "sim/faults.h"
#include "sim/network.h"
#include "sim/scenario.h"
#include "sim/trace.h"
#include "wire/replay_guard.h"

namespace vigil::sim {

class StoreWorld;

enum class NodeState : std::uint8_t {
    up,      // running: steps on its wakeups and on datagrams
    paused,  // frozen: no steps; datagrams wait in its socket buffer; it still holds its VIPs
    down,    // crashed, fenced or stopped: no process; restarts from its durable state
};
const char* state_name(NodeState s);

enum class EventKind : std::uint8_t {
    tick,
    heartbeat,
    switchover,
    maintenance,
    vip_lost,
    shutdown,
    fence_result,
    store_progress  // the replicated store's StoreProgress (vigil-sim --store)
};

// What one World::step did, for the checker.
struct StepReport {
    std::size_t node = kNoNode;  // the node that stepped, if one did
    EventKind event = EventKind::tick;
    TimePoint local;                         // the `now` of its event
    const core::Actions* actions = nullptr;  // what its step returned
    std::size_t started = kNoNode;           // a node (re)started from its durable state
};

struct Counters {
    std::uint64_t steps = 0;
    std::uint64_t node_steps = 0;
    std::uint64_t delivered = 0;
    std::uint64_t promotions = 0;
    std::array<std::uint64_t, kFaultKinds> faults{};
    std::array<std::uint64_t, static_cast<std::size_t>(Drop::count)> drops{};
};

class World {
public:
    // A paused node's socket buffer: about what a default UDP receive buffer holds of
    // heartbeats (STYLE.md §9). Beyond it datagrams are dropped, as the kernel would.
    static constexpr std::size_t kSocketQueueMax = 512;
    static constexpr std::size_t kPartitionsMax = 4;  // active at once; more are not injected
    // After heal, fence commands finish within this (a slow fence device is a fault).
    static constexpr Micros kHealedFenceDelayMax = ms(50);

    struct Cut {
        std::uint8_t from, to, link;
    };

    // The seed's scenario, or (tests) a given one; the run goes on drawing from scenario.prng.
    // `store`: every group gets a replicated store (store_world.h); off, a seed's run is
    // exactly what it was before the store existed.
    explicit World(std::uint64_t seed, bool store = false);
    explicit World(Scenario scenario, bool store = false);
    ~World();
    World(const World&) = delete;  // nodes hold references into it
    World& operator=(const World&) = delete;

    // Handles the next due item. REQUIRES: something is due (fault timers always are
    // before heal; after heal, heartbeats are).
    const StepReport& step();

    // Ends the fault phase: no new faults, partitions lifted, the network calm, paused nodes
    // resumed, down nodes restarted, maintenance switched off. Resumes and restarts happen
    // in the next steps, at the current real time.
    void heal();

    // Observers.
    Micros real_now() const { return real_now_; }
    const Scenario& scenario() const { return scenario_; }
    const core::Config& config() const { return scenario_.config; }
    std::size_t node_count() const { return nodes_.size(); }
    NodeState state(std::size_t n) const { return nodes_[n].state; }
    // The node's process; nullptr while down.
    const core::Node* node(std::size_t n) const { return nodes_[n].node.get(); }
    TimePoint local_now(std::size_t n) const { return nodes_[n].clock.local(real_now_); }
    const NodeClock& clock(std::size_t n) const { return nodes_[n].clock; }
    bool maintenance(std::size_t n) const { return nodes_[n].maintenance; }
    // Whether node n holds VIP v of group g: the VipChanges it carried out.
    bool holds_vip(std::size_t n, std::size_t g, std::size_t v) const {
        return (nodes_[n].vips[g] >> v) & 1u;
    }
    const std::string& name(std::size_t n) const { return config().nodes[n].name; }
    const Counters& counters() const { return counters_; }
    Trace& trace() { return trace_; }
    const Trace& trace() const { return trace_; }

    // Fault operations, used by Faults (and tests). Each records itself in the trace.
    bool add_partition(const std::vector<Cut>& cuts, const std::string& what, Micros duration);
    void pause(std::size_t n, Micros duration);
    void crash(std::size_t n, Micros down_for, const char* why, bool lose_state = false);
    // Crashes of node n that lost its durable state, and of any node (for the checker).
    std::uint64_t state_losses(std::size_t n) const { return nodes_[n].state_losses; }
    std::uint64_t state_losses() const {
        return counters_.faults[static_cast<std::size_t>(FaultKind::state_lost)];
    }
    void shutdown(std::size_t n, Micros down_for);
    // Steps node n with an operator's event (switchover, maintenance) or a VipLost (the VIP
    // is gone from n first); its `now` is replaced with n's clock. `off_after` > 0 with
    // maintenance on: switched off again after that long.
    void admin(std::size_t n, core::Event event, Micros off_after = 0);
    void count_fault(FaultKind kind) { ++counters_.faults[static_cast<std::size_t>(kind)]; }
    bool healed() const { return healed_; }
    bool link_cut(std::size_t from, std::size_t to, std::size_t link) const {
        return network_.blocked(from, to, link);
    }
    // The replicated store; nullptr without --store.
    StoreWorld* store() { return store_.get(); }
    const StoreWorld* store() const { return store_.get(); }
    // Steps node n with an event from its store (StoreProgress). REQUIRES: n is up.
    void store_event(std::size_t n, const core::Event& event) {
        step_node(n, event, EventKind::store_progress);
    }

private:
    enum class TimerKind : std::uint8_t {
        inject,
        partition_end,
        resume,
        restart,
        maintenance_off,
        fence_done
    };
    struct Timer {
        Micros at = 0;
        std::uint64_t order = 0;
        TimerKind kind = TimerKind::inject;
        std::uint32_t node = 0;
        std::uint32_t a = 0;        // inject: FaultKind; partition_end: id; fence_done: group
        std::uint32_t b = 0;        // fence_done: the fenced node
        std::uint64_t boot_id = 0;  // fence_done: the requester's boot
        bool ok = false;            // fence_done: the command's outcome
    };
    struct Partition {
        std::uint32_t id = 0;
        std::vector<Cut> cuts;
    };
    // Collects the core's log lines during a step, for the trace after the step's own line.
    struct NodeLogger final : Logger {
        struct Line {
            std::string text;
            bool warn = false;
        };
        std::vector<Line> lines;  // reused across steps
        std::size_t used = 0;
        bool warned = false;
        void event(Level level, std::string_view name, std::vector<LogField> fields) override;
    };
    struct SimNode {
        std::unique_ptr<core::Node> node;  // nullptr while down
        NodeState state = NodeState::down;
        NodeClock clock;
        core::DurableState durable;      // what it last persisted: survives crashes
        std::uint64_t state_losses = 0;  // crashes that lost `durable` too
        std::uint64_t boot_id = 0;
        std::uint64_t seq = 0;
        Micros wakeup_real = kRealNever;  // its next Tick
        Micros tick_after_real = 0;       // after a resume: buffered datagrams first
        bool maintenance = false;
        std::vector<std::uint32_t> vips;            // per group, a bit per VIP it holds
        std::vector<Datagram> socket;               // while paused, at most kSocketQueueMax
        std::vector<Timer> deferred;                // while paused: admin commands, fence results
        std::unique_ptr<wire::ReplayGuard> replay;  // the daemon's; new on each start
        NodeLogger logger;
    };

    // Step helpers (world.cc).
    void tick(std::size_t n);
    void deliver(const Datagram& d);
    void fire(const Timer& t);
    void step_node(std::size_t n, const core::Event& event, EventKind kind);
    void apply(std::size_t n, const core::Actions& a);
    void send_heartbeats(std::size_t n);
    static bool later(const Timer& a, const Timer& b);
    void schedule(Timer t);
    Timer pop_timer();

    // Fault and recovery helpers (world_faults.cc).
    void start(std::size_t n);
    void resume(std::size_t n);
    void end_partition(std::uint32_t id);
    void fence_done(const Timer& t);
    void schedule_inject(FaultKind kind);

    void init();

    // Trace helpers (world_trace.cc).
    void trace_event(bool notable, std::size_t n, const core::Event& event, EventKind kind);
    void trace_consequences(std::size_t n, const core::Actions& a);
    bool notable(std::size_t n, const core::Actions& a) const;

    Prng prng_;
    Scenario scenario_;
    Faults faults_;
    Network network_;
    Trace trace_;
    std::vector<SimNode> nodes_;  // sized once: core::Node holds references to its parts
    std::vector<Timer> timers_;   // a min-heap by (at, order)
    std::vector<Partition> partitions_;
    std::uint64_t timer_order_ = 0;
    std::uint32_t partition_ids_ = 0;
    std::uint64_t boots_ = 0;
    Micros real_now_ = 0;
    bool healed_ = false;
    StepReport report_;
    core::Actions actions_;  // the last step's, referenced by report_
    core::Event scratch_;    // reused for deliveries: copying into it reuses its buffers
    Counters counters_;
    std::unique_ptr<StoreWorld> store_;  // last: it refers to the nodes
};

}  // namespace vigil::sim
