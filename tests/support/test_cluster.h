// TestCluster: several core::Node instances in one thread over a simulated clock and a
// simulated network, for unit tests of the election (no sockets, no sleeps). Heartbeats
// are delivered after a fixed latency; links can be cut per node pair, one way or both.
// Deterministic: the same calls produce the same run. The invariant "one primary per
// epoch" is checked after every step.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/node.h"

namespace vigil::testing {

struct CapturingLogger final : Logger {
    struct Entry {
        Level level;
        std::string name;
        std::vector<LogField> fields;
    };
    std::vector<Entry> entries;
    void event(Level level, std::string_view name, std::vector<LogField> fields) override {
        entries.push_back({level, std::string(name), std::move(fields)});
    }
    int count(std::string_view name) const {
        int n = 0;
        for (const auto& e : entries) n += e.name == name;
        return n;
    }
    bool has(std::string_view name) const { return count(name) > 0; }
};

// A two-or-more node config like the example: group "northbound" prefers n1.
inline core::Config make_config(std::size_t nodes = 2, std::size_t links = 2, bool preempt = true,
                                int interval_ms = 50, int dead_time_ms = 250) {
    core::Config c;
    c.cluster.name = "test";
    c.cluster.heartbeat_interval_ms = interval_ms;
    c.cluster.dead_time_ms = dead_time_ms;
    // Two full nodes without a witness: the operator's explicit choice of no quorum.
    c.cluster.two_node = nodes == 2;
    for (std::size_t n = 0; n < nodes; ++n) {
        core::NodeConfig nc{"n" + std::to_string(n + 1), {}};
        for (std::size_t l = 0; l < links; ++l)
            nc.addresses.push_back("198.18." + std::to_string(l) + "." + std::to_string(11 + n));
        c.nodes.push_back(nc);
    }
    core::GroupConfig g;
    g.name = "northbound";
    g.preempt = preempt;
    for (std::size_t n = 0; n < nodes; ++n) g.priority.push_back(150 - 50 * static_cast<int>(n));
    g.vips.push_back({"198.18.0.10", 24, false, "eth0"});
    g.vips.push_back({"fd00:18::10", 64, true, "eth0"});
    c.groups.push_back(g);
    return c;
}

// Two full nodes and a witness ("w", third in the file): the recommended two-node setup.
inline core::Config make_witness_config(std::size_t links = 2, bool preempt = true) {
    core::Config c = make_config(3, links, preempt);
    c.cluster.two_node = false;
    c.nodes[2].name = "w";
    c.nodes[2].witness = true;
    c.groups[0].priority[2] = std::nullopt;
    return c;
}

// With a quorum, a starting node votes only after the restart holdoff (~280 ms with the
// defaults: it cannot know it never promised anything), so the first primary takes that
// long; tests that start a quorum cluster run this long first.
constexpr Micros kStartup = ms(400);

class TestCluster {
public:
    static constexpr Micros kLatency = 200;  // 0.2 ms, a LAN

    explicit TestCluster(core::Config config) : config_(std::move(config)) {
        slots_.resize(config_.nodes.size());
        for (std::size_t n = 0; n < slots_.size(); ++n) start(n);
    }

    TimePoint now() const { return now_; }
    core::Node& node(std::size_t n) { return *slots_[n].node; }
    bool running(std::size_t n) const { return slots_[n].node != nullptr; }
    CapturingLogger& log(std::size_t n) { return slots_[n].log; }
    const core::Config& config() const { return config_; }

    // Starts (or restarts) node n with the durable state it last persisted.
    void start(std::size_t n) {
        slots_[n].node =
            std::make_unique<core::Node>(config_, n, now_, slots_[n].log, slots_[n].durable);
        slots_[n].paused = false;
        slots_[n].vips.clear();
        slots_[n].boot_id = ++boots_;  // increases across restarts, like the wall clock
        slots_[n].seq = 0;
        apply(n, slots_[n].node->step(core::Tick{now_}));
    }
    // Power off / kill -9: the node vanishes; its VIPs go with it (the supervisor's job),
    // and so do its resources (the supervisor runs their stops; exec processes die with it).
    void crash(std::size_t n) {
        slots_[n].node.reset();
        slots_[n].vips.clear();
        slots_[n].services.clear();
        // Its commands die with it: no result of theirs reaches the next run.
        slots_[n].busy.clear();
        std::erase_if(resource_results_, [n](const auto& p) { return p.second.node == n; });
    }

    // Fake resource host (docs/resources.md): every command answers after kResourceLatency;
    // a start makes the service run, a stop ends it, a monitor reports it (LSB).
    static constexpr Micros kResourceLatency = ms(5);
    bool service_running(std::size_t n, std::size_t r) const {
        return slots_[n].services.count(r) > 0;
    }
    std::vector<std::size_t> service_hosts(std::size_t r) const {
        std::vector<std::size_t> out;
        for (std::size_t n = 0; n < slots_.size(); ++n)
            if (service_running(n, r)) out.push_back(n);
        return out;
    }
    // The service dies on its own (an exec resource's exit is reported at once).
    void kill_service(std::size_t n, std::size_t r) {
        slots_[n].services.erase(r);
        if (config_.resources[r].kind == core::ResourceConfig::Kind::exec && slots_[n].node)
            resource_results_.emplace(
                now_ + kResourceLatency,
                PendingResult{n, {now_, r, core::ResourceOp::monitor,
                                  core::ResourceOutcome::not_running, "process exited: exit 1",
                                  /*unasked=*/true}});
    }
    // Left running before the agent started (a crash of an earlier run).
    void leave_service_running(std::size_t n, std::size_t r) { slots_[n].services.insert(r); }
    void fail_starts(std::size_t n, std::size_t r, bool fail = true) {
        if (fail) slots_[n].failing_starts.insert(r);
        else slots_[n].failing_starts.erase(r);
    }
    void hang_stops(std::size_t n, std::size_t r) { slots_[n].hanging_stops.insert(r); }
    const std::vector<core::ResourceCommand>& resource_commands(std::size_t n) const {
        return slots_[n].resource_commands;
    }
    // Every command node n ran, as "op resource" strings, in order.
    const std::vector<std::string>& resource_log(std::size_t n) const {
        return slots_[n].resource_log;
    }
    // SIGSTOP / a frozen VM: no steps; datagrams wait in the socket buffer until resume().
    void pause(std::size_t n) { slots_[n].paused = true; }
    void resume(std::size_t n) {
        slots_[n].paused = false;
        std::vector<InFlight> queued = std::move(slots_[n].queued);
        slots_[n].queued.clear();
        apply(n, slots_[n].node->step(core::Tick{now_}));  // the loop's first wakeup
        for (auto& m : queued)
            apply(n, slots_[n].node->step(
                         core::HeartbeatReceived{now_, m.from, m.link, std::move(m.hb)}));
    }
    bool paused(std::size_t n) const { return slots_[n].paused; }
    const core::DurableState& durable(std::size_t n) const { return slots_[n].durable; }
    // The state file is gone (new disk, re-provisioned node): the next start is "fresh".
    void lose_state(std::size_t n) { slots_[n].durable = {}; }
    // Actions of node n's last step, for tests that inspect what a step asked for.
    const core::Actions& last_actions(std::size_t n) const { return slots_[n].last_actions; }
    void cut(std::size_t a, std::size_t b) { cut_one_way(a, b), cut_one_way(b, a); }
    void cut_one_way(std::size_t from, std::size_t to) {
        for (std::size_t l = 0; l < links(); ++l) blocked_.insert({from, to, l});
    }
    void cut_link(std::size_t a, std::size_t b, std::size_t link) {
        blocked_.insert({a, b, link});
        blocked_.insert({b, a, link});
    }
    void isolate(std::size_t n) {
        for (std::size_t m = 0; m < slots_.size(); ++m)
            if (m != n) cut(n, m);
    }
    void heal() { blocked_.clear(); }
    // Without quorum (the split-brain issue) two nodes that start partitioned both promote
    // to epoch 1; tests of that case switch the per-epoch invariant off.
    void allow_equal_epoch_primaries() { check_epochs_ = false; }

    core::Actions admin(std::size_t n, const core::Event& e) {
        auto actions = node(n).step(e);
        apply(n, actions);
        return actions;
    }
    // Reload: `change` edits the shared config in place, laid out as daemon::plan_reload
    // would (see core::ConfigChanged), then every running node hears of it. Returns the
    // actions of each node's ConfigChanged step, by node (empty for one not running).
    std::vector<core::Actions> reload(const std::function<void(core::Config&)>& change) {
        change(config_);
        std::vector<core::Actions> out(slots_.size());
        for (std::size_t n = 0; n < slots_.size(); ++n)
            if (slots_[n].node) out[n] = admin(n, core::ConfigChanged{now_});
        return out;
    }
    core::Actions switchover(std::size_t n, std::string group, std::string target = "") {
        return admin(n, core::AdminSwitchover{now_, std::move(group), std::move(target)});
    }

    // Advances simulated time by `d` in steps of `step`.
    void run_for(Micros d, Micros step = 100) {
        TimePoint end = now_ + d;
        while (now_ < end) {
            now_ = now_ + step;
            deliver_due();
            for (std::size_t n = 0; n < slots_.size(); ++n)
                if (slots_[n].node && !slots_[n].paused && now_ >= slots_[n].wakeup) {
                    apply(n, slots_[n].node->step(core::Tick{now_}));
                    // Liveness of the loop: after a tick nothing may be due any more, or
                    // the daemon would spin on a deadline left in the past.
                    ASSERT_GT(slots_[n].wakeup, now_) << "n" << n + 1 << " busy loop";
                }
            check_invariants();
        }
    }

    // Runs until `pred` holds or `limit` passes; returns the time it took (or -1).
    template <typename Pred>
    Micros run_until(Pred pred, Micros limit, Micros step = 100) {
        TimePoint start = now_;
        while (now_ - start < limit) {
            if (pred()) return now_ - start;
            run_for(step, step);
        }
        return pred() ? now_ - start : -1;
    }

    // Nodes acting as primary now: primary with a valid lease (a paused one counts: its
    // process is frozen but its VIPs are still on the interface until the lease ends).
    std::vector<std::size_t> acting(std::size_t g = 0) const {
        std::vector<std::size_t> out;
        for (std::size_t n = 0; n < slots_.size(); ++n)
            if (slots_[n].node && slots_[n].node->acting_primary(g, now_)) out.push_back(n);
        return out;
    }
    std::vector<std::size_t> primaries(std::size_t g = 0) const {
        std::vector<std::size_t> out;
        for (std::size_t n = 0; n < slots_.size(); ++n)
            if (slots_[n].node && slots_[n].node->role(g) == core::Role::primary) out.push_back(n);
        return out;
    }
    // Which nodes hold VIP `v` of group `g`, from the VipChanges they carried out.
    std::vector<std::size_t> vip_holders(std::size_t g = 0, std::size_t v = 0) const {
        std::vector<std::size_t> out;
        for (std::size_t n = 0; n < slots_.size(); ++n)
            if (slots_[n].vips.count({g, v})) out.push_back(n);
        return out;
    }
    const std::vector<core::RoleChange>& role_changes(std::size_t n) const {
        return slots_[n].role_changes;
    }
    std::size_t announcements(std::size_t n) const { return slots_[n].announcements; }

    // Delivers a hand-made heartbeat to node `to` as if it came from `from` on `link`.
    // REQUIRES: hb.seq set by the caller, or 0 to stamp the sender's next sequence number.
    void inject(std::size_t to, std::size_t from, std::size_t link, wire::Heartbeat hb) {
        hb.boot_id = slots_[from].boot_id;
        if (hb.seq == 0) hb.seq = ++slots_[from].seq;
        hb.link = static_cast<std::uint8_t>(link);
        apply(to, node(to).step(core::HeartbeatReceived{now_, from, link, std::move(hb)}));
    }
    // The last datagram node `from` sent (to anyone), as a peer would have captured it.
    wire::Heartbeat last_sent(std::size_t from) const { return slots_[from].last_sent; }

private:
    struct InFlight {
        std::size_t from, to, link;
        wire::Heartbeat hb;
    };
    struct Slot {
        std::unique_ptr<core::Node> node;
        CapturingLogger log;
        TimePoint wakeup = TimePoint::never();
        std::set<std::pair<std::size_t, std::size_t>> vips;  // (group, vip) held
        std::vector<core::RoleChange> role_changes;
        std::size_t announcements = 0;
        std::uint64_t boot_id = 0;
        std::uint64_t seq = 0;
        wire::Heartbeat last_sent;
        bool paused = false;
        std::vector<InFlight> queued;
        core::DurableState durable;
        core::Actions last_actions;
        std::set<std::size_t> services;  // resources running on this node
        std::set<std::size_t> failing_starts, hanging_stops;
        std::set<std::size_t> busy;  // resources with a command running
        std::vector<std::string> resource_log;
        std::vector<core::ResourceCommand> resource_commands;
    };
    struct PendingResult {
        std::size_t node;
        core::ResourceResult result;
    };

    std::size_t links() const { return config_.nodes[0].addresses.size(); }

    void apply(std::size_t n, const core::Actions& a) {
        Slot& s = slots_[n];
        s.last_actions = a;
        if (a.persist) s.durable = *a.persist;
        // A VIP is only ever added or announced under a valid lease.
        for (const auto& c : a.vip_changes) {
            if (c.kind == core::VipChange::Kind::add) {
                EXPECT_TRUE(s.node->acting_primary(c.group, now_))
                    << "n" << n + 1 << " adds a VIP without a lease";
            }
        }
        for (const auto& c : a.announcements)
            EXPECT_TRUE(s.node->acting_primary(c.group, now_))
                << "n" << n + 1 << " announces a VIP without a lease";
        for (const auto& c : a.vip_changes) {
            if (c.kind == core::VipChange::Kind::add)
                s.vips.insert({c.group, c.vip});
            else
                s.vips.erase({c.group, c.vip});
        }
        s.announcements += a.announcements.size();
        for (const auto& rc : a.role_changes) s.role_changes.push_back(rc);
        if (a.send_heartbeat) {
            wire::Heartbeat hb = s.node->heartbeat();
            std::copy_n(config_.digest.begin(), wire::kDigestBytes, hb.config_digest.begin());
            hb.boot_id = s.boot_id;
            for (std::size_t to = 0; to < slots_.size(); ++to) {
                if (to == n) continue;
                for (std::size_t l = 0; l < links(); ++l) {
                    hb.link = static_cast<std::uint8_t>(l);
                    hb.seq = ++s.seq;
                    s.last_sent = hb;
                    if (blocked_.count({n, to, l})) continue;
                    in_flight_.emplace(now_ + kLatency, InFlight{n, to, l, hb});
                }
            }
        }
        for (const core::ResourceCommand& c : a.resource_commands) run_resource(n, c);
        s.wakeup = a.next_wakeup;
    }

    void run_resource(std::size_t n, const core::ResourceCommand& c) {
        Slot& s = slots_[n];
        const auto& rc = config_.resources[c.resource];
        s.resource_log.push_back(std::string(core::resource_op_name(c.op)) + " " + rc.name);
        s.resource_commands.push_back(c);
        if (c.op == core::ResourceOp::start) {
            EXPECT_TRUE(s.node->acting_primary(c.group, now_))
                << "n" << n + 1 << " starts " << rc.name << " without a lease";
        }
        // The runner's promise (resource_runner.h): one command per resource at a time.
        EXPECT_TRUE(s.busy.insert(c.resource).second)
            << "n" << n + 1 << " runs " << core::resource_op_name(c.op) << " " << rc.name
            << " while another command of it runs";
        core::ResourceResult r{now_ + kResourceLatency, c.resource, c.op, core::ResourceOutcome::ok,
                               "exit 0"};
        switch (c.op) {
            case core::ResourceOp::start:
                if (s.failing_starts.count(c.resource)) {
                    r.outcome = core::ResourceOutcome::failed;
                    r.detail = "exit 1";
                } else {
                    s.services.insert(c.resource);
                }
                break;
            case core::ResourceOp::stop:
                if (s.hanging_stops.count(c.resource)) {
                    r.now = now_ + ms(rc.timeout_ms);
                    r.outcome = core::ResourceOutcome::timed_out;
                    r.detail = "killed at timeout";
                }
                s.services.erase(c.resource);
                break;
            case core::ResourceOp::monitor:
                if (!s.services.count(c.resource)) {
                    r.outcome = core::ResourceOutcome::not_running;
                    r.detail = "exit 3";
                }
                break;
        }
        resource_results_.emplace(r.now, PendingResult{n, r});
    }

    void deliver_due() {
        while (!resource_results_.empty() && resource_results_.begin()->first <= now_) {
            PendingResult p = std::move(resource_results_.begin()->second);
            resource_results_.erase(resource_results_.begin());
            if (!slots_[p.node].node) continue;  // crashed meanwhile
            p.result.now = now_;
            if (!p.result.unasked) slots_[p.node].busy.erase(p.result.resource);
            apply(p.node, slots_[p.node].node->step(p.result));
        }
        while (!in_flight_.empty() && in_flight_.begin()->first <= now_) {
            InFlight m = std::move(in_flight_.begin()->second);
            in_flight_.erase(in_flight_.begin());
            if (!slots_[m.to].node || !slots_[m.from].node) continue;  // crashed meanwhile
            if (blocked_.count({m.from, m.to, m.link})) continue;
            if (slots_[m.to].paused) {
                slots_[m.to].queued.push_back(std::move(m));
                continue;
            }
            apply(m.to, slots_[m.to].node->step(
                            core::HeartbeatReceived{now_, m.from, m.link, std::move(m.hb)}));
        }
    }

    // Safety: two nodes never act as primary of a group at once (unless the test runs
    // without quorum), and never both primary at the same epoch.
    void check_invariants() {
        if (!check_epochs_) return;
        // two_node: a partition gives two primaries by design (the operator's choice).
        for (std::size_t g = 0; g < config_.groups.size() && config_.quorum_size() > 1; ++g)
            ASSERT_LE(acting(g).size(), 1u) << "two nodes act as primary at once";
        for (std::size_t g = 0; g < config_.groups.size(); ++g) {
            std::map<std::uint64_t, std::size_t> by_epoch;
            for (std::size_t n : primaries(g)) {
                auto e = slots_[n].node->epoch(g);
                auto [it, fresh] = by_epoch.emplace(e, n);
                ASSERT_TRUE(fresh) << "two primaries at epoch " << e << ": n" << it->second + 1
                                   << " and n" << n + 1;
            }
        }
    }

    core::Config config_;
    std::vector<Slot> slots_;
    std::multimap<TimePoint, InFlight> in_flight_;
    std::multimap<TimePoint, PendingResult> resource_results_;
    std::set<std::tuple<std::size_t, std::size_t, std::size_t>> blocked_;
    TimePoint now_{1'000'000};
    std::uint64_t boots_ = 0;
    bool check_epochs_ = true;
};

}  // namespace vigil::testing
