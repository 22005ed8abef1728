// Test helpers for VrrpSet (vrrp*_test.cc): configs, addresses, a capturing logger, one set
// driven by hand, and a tiny lossless network of several sets. Tests only.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <tuple>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/vrrp.h"

namespace vigil::core::vrrp_testing {

inline wire::IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    wire::IpAddress x;
    x.bytes[0] = a, x.bytes[1] = b, x.bytes[2] = c, x.bytes[3] = d;
    return x;
}
// Node k's primary address on eth0: 198.18.0.(k+1).
inline wire::IpAddress node_address(std::size_t k) {
    return v4(198, 18, 0, static_cast<std::uint8_t>(k + 1));
}

using Priorities = std::vector<std::optional<int>>;  // indexed by node

// One router per entry of `priorities`: "vr<i>", VRID i+1 on eth0, IPv4, 100 cs, one VIP.
inline Config make_config(const std::vector<Priorities>& priorities, std::size_t nodes = 2) {
    Config c;
    for (std::size_t k = 0; k < nodes; ++k) c.nodes.push_back({"n" + std::to_string(k + 1), {}});
    for (std::size_t i = 0; i < priorities.size(); ++i) {
        VrrpConfig v;
        v.name = "vr" + std::to_string(i);
        v.vrid = static_cast<int>(i % 255) + 1;
        v.interface = "eth0";
        v.priority = priorities[i];
        v.priority.resize(nodes);
        VipConfig vip;
        vip.address = "198.18.1." + std::to_string(i % 250 + 1);
        vip.prefix_length = 32;
        vip.interface = "eth0";
        v.vips.push_back(vip);
        c.vrrp.push_back(v);
    }
    return c;
}

inline CheckConfig make_check(const std::string& name, int weight, int fall = 1, int rise = 1) {
    CheckConfig c;
    c.name = name;
    c.target = "true";
    c.weight = weight;
    c.fall = fall;
    c.rise = rise;
    return c;
}

class CapturingLogger final : public Logger {
public:
    struct Entry {
        Level level;
        std::string name;
        std::vector<LogField> fields;
    };
    void event(Level level, std::string_view name, std::vector<LogField> fields) override {
        entries.push_back({level, std::string(name), std::move(fields)});
    }
    std::size_t count(std::string_view name) const {
        std::size_t n = 0;
        for (const Entry& e : entries) n += e.name == name;
        return n;
    }
    std::vector<Entry> entries;
};

// One VrrpSet driven by hand at fake time.
struct OneSet {
    explicit OneSet(Config c, std::size_t self_ = 0)
        : config(std::make_unique<Config>(std::move(c))), self(self_),
          set(*config, self_, logger) {}

    VrrpActions step(const VrrpEvent& ev) {
        last = set.step(ev);
        return last;
    }
    VrrpActions start() {
        (void)step(VrrpLocalAddress{now, "eth0", node_address(self)});
        return step(VrrpStartup{now});
    }
    VrrpActions tick(TimePoint t) {
        now = t;
        return step(VrrpTick{now});
    }
    VrrpActions advance(Micros d) { return tick(now + d); }
    VrrpActions advert(std::size_t router, wire::IpAddress sender, int priority,
                       int interval_cs = 100) {
        return step(VrrpAdvertReceived{now, router, sender, static_cast<std::uint8_t>(priority),
                                       static_cast<std::uint16_t>(interval_cs),
                                       config->vrrp[router].vips.size()});
    }
    VrrpActions check(std::size_t check, bool ok) {
        return step(CheckResult{now, check, ok, ok ? "ok" : "failed"});
    }
    VrrpState state(std::size_t r) const { return set.status(r).state; }

    std::unique_ptr<Config> config;  // the set keeps a reference: it must not move
    std::size_t self;
    CapturingLogger logger;
    VrrpSet set;
    TimePoint now{1'000'000'000};
    VrrpActions last;
};

// Several VrrpSets over a lossless network with per-message delays: the sends of one are
// delivered to every other running one as VrrpAdvertReceived. Everything happens in
// (time, sequence) order, so a run repeats exactly.
class VrrpNet {
public:
    VrrpNet(Config c, std::size_t nodes) : config_(std::make_unique<Config>(std::move(c))) {
        for (std::size_t k = 0; k < nodes; ++k) nodes_.emplace_back();
        masters_.assign(nodes, std::vector<bool>(config_->vrrp.size(), false));
    }

    const Config& config() const { return *config_; }
    TimePoint now() const { return now_; }
    Micros delay = 1000;  // per message; `delay_for` may override
    std::function<Micros()> delay_for;

    // (Re)starts node k at the current time, with a fresh VrrpSet.
    void start(std::size_t k) {
        Node& n = nodes_[k];
        n.set = std::make_unique<VrrpSet>(*config_, k, logger_);
        n.running = true;
        n.generation += 1;
        n.ticks.clear();
        masters_[k].assign(config_->vrrp.size(), false);
        apply(k, n.set->step(VrrpLocalAddress{now_, "eth0", node_address(k)}));
        apply(k, n.set->step(VrrpStartup{now_}));
    }
    // Graceful stop: its priority-0 adverts still go out.
    void shutdown(std::size_t k) {
        apply(k, nodes_[k].set->step(VrrpShutdown{now_}));
        nodes_[k].running = false;
    }
    // Silent death: nothing more from or to it.
    void kill(std::size_t k) {
        nodes_[k].running = false;
        masters_[k].assign(config_->vrrp.size(), false);
    }
    bool running(std::size_t k) const { return nodes_[k].running; }
    VrrpSet& set(std::size_t k) { return *nodes_[k].set; }
    void step(std::size_t k, const VrrpEvent& ev) { apply(k, nodes_[k].set->step(ev)); }

    // Runs until `until`, calling `after_each` after every event.
    template <typename F>
    void run_until(TimePoint until, F&& after_each) {
        while (!queue_.empty() && std::get<0>(queue_.top()) <= until) {
            auto [at, seq, k, gen, ev] = queue_.top();
            queue_.pop();
            now_ = at;
            if (std::holds_alternative<VrrpTick>(ev)) nodes_[k].ticks.erase(at);
            if (!nodes_[k].running || nodes_[k].generation != gen) continue;
            if (auto* adv = std::get_if<VrrpAdvertReceived>(&ev)) adv->now = now_;
            if (auto* t = std::get_if<VrrpTick>(&ev)) t->now = now_;
            apply(k, nodes_[k].set->step(ev));
            after_each();
        }
        now_ = std::max(now_, until);
    }
    void run_until(TimePoint until) {
        run_until(until, [] {});
    }
    void run_for(Micros d) { run_until(now_ + d); }
    template <typename F>
    void run_for(Micros d, F&& after_each) {
        run_until(now_ + d, std::forward<F>(after_each));
    }

    // Which running nodes are master of router r (from the state changes seen).
    std::vector<std::size_t> masters(std::size_t r) const {
        std::vector<std::size_t> out;
        for (std::size_t k = 0; k < nodes_.size(); ++k)
            if (nodes_[k].running && masters_[k][r]) out.push_back(k);
        return out;
    }
    std::size_t sends = 0;

private:
    struct Node {
        std::unique_ptr<VrrpSet> set;
        bool running = false;
        std::uint64_t generation = 0;
        std::set<TimePoint> ticks;  // pending VrrpTick times: one item per wake-up
    };
    using Item = std::tuple<TimePoint, std::uint64_t, std::size_t, std::uint64_t, VrrpEvent>;
    struct Later {
        bool operator()(const Item& a, const Item& b) const {
            return std::tie(std::get<0>(a), std::get<1>(a)) >
                   std::tie(std::get<0>(b), std::get<1>(b));
        }
    };

    void push(TimePoint at, std::size_t k, VrrpEvent ev) {
        queue_.emplace(at, seq_++, k, nodes_[k].generation, std::move(ev));
    }
    void apply(std::size_t k, const VrrpActions& a) {
        for (const VrrpStateChange& c : a.state_changes)
            masters_[k][c.router] = c.to == VrrpState::master;
        for (const VrrpSend& s : a.sends) {
            sends += 1;
            const VrrpConfig& vc = config_->vrrp[s.router];
            for (std::size_t j = 0; j < nodes_.size(); ++j) {
                if (j == k || !nodes_[j].running) continue;
                const Micros d = delay_for ? delay_for() : delay;
                push(now_ + d, j,
                     VrrpAdvertReceived{now_, s.router, node_address(k), s.priority,
                                        static_cast<std::uint16_t>(vc.advert_interval_cs),
                                        vc.vips.size()});
            }
        }
        if (a.next_wakeup.is_never() || !nodes_[k].running) return;
        const TimePoint at = std::max(a.next_wakeup, now_);
        if (nodes_[k].ticks.insert(at).second) push(at, k, VrrpTick{at});
    }

    std::unique_ptr<Config> config_;
    NullLogger logger_;
    std::vector<Node> nodes_;
    std::vector<std::vector<bool>> masters_;
    std::priority_queue<Item, std::vector<Item>, Later> queue_;
    std::uint64_t seq_ = 0;
    TimePoint now_{1'000'000'000};
};

}  // namespace vigil::core::vrrp_testing
