// Several VrrpSets wired back to back (vrrp_test_support.h VrrpNet: each send is delivered
// to the other running sets after a delay). Convergence to exactly one master per router,
// failover on shutdown and on silent death, and seeded random runs.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/prng.h"
#include "core/vrrp_intervals.h"
#include "core/vrrp_test_support.h"

namespace vigil::core {
namespace {

using namespace vrrp_testing;

constexpr Micros kSecond = 1'000'000;

// Alternating placement: routers 0 and 2 prefer node 0, routers 1 and 3 node 1.
Config alternating() {
    return make_config({{200, 100}, {100, 200}, {150, 50}, {50, 150}});
}

using Masters = std::vector<std::size_t>;

// Fails the test when a router has had two masters for longer than `bound`.
struct DualMasterWatch {
    explicit DualMasterWatch(VrrpNet& n)
        : net(n), since(n.config().vrrp.size(), TimePoint::never()),
          longest_of(n.config().vrrp.size(), 0) {}
    void operator()() {
        for (std::size_t r = 0; r < since.size(); ++r) {
            if (net.masters(r).size() < 2) {
                since[r] = TimePoint::never();
                continue;
            }
            if (since[r].is_never()) since[r] = net.now();
            longest = std::max(longest, net.now() - since[r]);
            longest_of[r] = std::max(longest_of[r], net.now() - since[r]);
        }
    }
    VrrpNet& net;
    std::vector<TimePoint> since;
    Micros longest = 0;
    std::vector<Micros> longest_of;  // per router
};

TEST(VrrpNet, TwoNodesConvergeToThePlacementTable) {
    VrrpNet net(alternating(), 2);
    net.start(0);
    net.start(1);
    DualMasterWatch watch(net);
    net.run_for(10 * kSecond, std::ref(watch));
    EXPECT_EQ(net.masters(0), Masters{0});
    EXPECT_EQ(net.masters(1), Masters{1});
    EXPECT_EQ(net.masters(2), Masters{0});
    EXPECT_EQ(net.masters(3), Masters{1});
    // Started together, both time out at their own Master_Down_Interval; the higher one
    // is first, so there are never two masters at all.
    EXPECT_EQ(watch.longest, 0);
    EXPECT_EQ(net.set(1).status(0).master, node_address(0));
    EXPECT_EQ(net.set(1).status(0).master_priority, 200);
    EXPECT_EQ(net.set(0).status(1).state, VrrpState::backup);
}

TEST(VrrpNet, ALaterHigherNodePreemptsWithoutALongDualMaster) {
    VrrpNet net(alternating(), 2);
    net.start(0);
    net.run_for(5 * kSecond);
    for (std::size_t r = 0; r < 4; ++r) EXPECT_EQ(net.masters(r), Masters{0});
    net.start(1);
    DualMasterWatch watch(net);
    net.run_for(10 * kSecond, std::ref(watch));
    EXPECT_EQ(net.masters(1), Masters{1});
    EXPECT_EQ(net.masters(3), Masters{1});
    EXPECT_EQ(net.masters(0), Masters{0});
    // Node 1 goes master when its timer fires; node 0 yields on its first advert.
    EXPECT_LE(watch.longest, net.delay);
}

TEST(VrrpNet, ShutdownHandsOverAfterSkewTime) {
    VrrpNet net(alternating(), 2);
    net.start(0);
    net.start(1);
    net.run_for(10 * kSecond);
    const TimePoint stop = net.now();
    net.shutdown(0);
    TimePoint took0 = TimePoint::never(), took2 = TimePoint::never();
    net.run_for(5 * kSecond, [&] {
        if (took0.is_never() && net.masters(0) == Masters{1}) took0 = net.now();
        if (took2.is_never() && net.masters(2) == Masters{1}) took2 = net.now();
    });
    // Priority 0 arrives after the delay, then Skew_Time of the backup's priority.
    EXPECT_EQ(took0 - stop, net.delay + vrrp_skew_time_us(100, 100));
    EXPECT_EQ(took2 - stop, net.delay + vrrp_skew_time_us(50, 100));
    for (std::size_t r = 0; r < 4; ++r) EXPECT_EQ(net.masters(r), Masters{1});
}

TEST(VrrpNet, SilentDeathFailsOverWithinMasterDownInterval) {
    VrrpNet net(alternating(), 2);
    net.start(0);
    net.start(1);
    net.run_for(10 * kSecond + 300'000);
    const TimePoint death = net.now();
    net.kill(1);
    TimePoint took1 = TimePoint::never();
    net.run_for(10 * kSecond, [&] {
        if (took1.is_never() && net.masters(1) == Masters{0}) took1 = net.now();
    });
    ASSERT_FALSE(took1.is_never());
    // The last advert came at most one interval before the death.
    EXPECT_LE(took1 - death, vrrp_master_down_interval_us(100, 100));
    EXPECT_GE(took1 - death, vrrp_master_down_interval_us(100, 100) - kSecond);
    for (std::size_t r = 0; r < 4; ++r) EXPECT_EQ(net.masters(r), Masters{0});
    // It comes back and takes its routers again (preempt).
    net.start(1);
    net.run_for(10 * kSecond);
    EXPECT_EQ(net.masters(1), Masters{1});
    EXPECT_EQ(net.masters(3), Masters{1});
    EXPECT_EQ(net.masters(0), Masters{0});
}

TEST(VrrpNet, SyncGroupsFailOverTogetherAcrossNodes) {
    // Routers 0 and 1 in one group on both nodes; node 0 prefers both.
    Config c = make_config({{200, 100}, {200, 100}, {100, 200}});
    c.vrrp[0].sync_group = c.vrrp[1].sync_group = "g";
    c.checks.push_back(make_check("uplink", 0));
    c.vrrp[1].checks = {0};
    VrrpNet net(std::move(c), 2);
    net.start(0);
    net.start(1);
    net.run_for(10 * kSecond);
    EXPECT_EQ(net.masters(0), Masters{0});
    EXPECT_EQ(net.masters(1), Masters{0});
    EXPECT_EQ(net.masters(2), Masters{1});
    // Node 0's check for router 1 fails: both members move to node 1.
    net.step(0, CheckResult{net.now(), 0, false, "down"});
    net.run_for(5 * kSecond);
    EXPECT_EQ(net.masters(0), Masters{1});
    EXPECT_EQ(net.masters(1), Masters{1});
    // It recovers: both come back together.
    net.step(0, CheckResult{net.now(), 0, true, "up"});
    net.run_for(10 * kSecond);
    EXPECT_EQ(net.masters(0), Masters{0});
    EXPECT_EQ(net.masters(1), Masters{0});
}

// The nodes that may end up master of router r among the running ones: those with the
// highest priority. With a tie, RFC 9568 has a backup follow an equal master, so the
// address decides only between nodes that were master at once; any of them may stay.
Masters eligible_masters(const Config& c, std::size_t r, const std::vector<bool>& running) {
    int best = 0;
    for (std::size_t k = 0; k < running.size(); ++k)
        if (running[k] && c.vrrp[r].priority[k]) best = std::max(best, *c.vrrp[r].priority[k]);
    Masters out;
    for (std::size_t k = 0; k < running.size(); ++k)
        if (running[k] && c.vrrp[r].priority[k] == best) out.push_back(k);
    return out;
}

TEST(VrrpNet, RandomRunsKeepOneMasterPerRouter) {
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
        SCOPED_TRACE(testing::Message() << "seed " << seed);
        Prng prng(seed);
        const std::size_t nodes = 2 + prng.below(2);
        const std::size_t routers = 1 + prng.below(12);
        std::vector<Priorities> prios(routers, Priorities(nodes));
        for (auto& p : prios)
            for (std::size_t k = 0; k < nodes; ++k) {
                const std::uint64_t roll = prng.below(10);
                if (roll == 0) continue;  // takes no part
                p[k] = roll == 1 ? 255 : static_cast<int>(1 + prng.below(254));
            }
        Config c = make_config(prios, nodes);
        Micros max_down = 0;
        for (VrrpConfig& v : c.vrrp) {
            const int choices[] = {5, 10, 25, 100};
            v.advert_interval_cs = choices[prng.below(4)];
            max_down = std::max(max_down, vrrp_master_down_interval_us(1, v.advert_interval_cs));
        }
        VrrpNet net(std::move(c), nodes);
        const Micros max_delay = 2000;
        net.delay_for = [&prng, max_delay] {
            return static_cast<Micros>(prng.below(max_delay + 1));
        };
        DualMasterWatch watch(net);
        std::vector<bool> running(nodes, false);
        // Random start times within 3 s, in random order.
        std::vector<std::pair<Micros, std::size_t>> starts;
        for (std::size_t k = 0; k < nodes; ++k)
            starts.push_back({static_cast<Micros>(prng.below(3 * kSecond)), k});
        std::sort(starts.begin(), starts.end());
        const TimePoint t0 = net.now();
        for (auto [at, k] : starts) {
            net.run_until(t0 + at, std::ref(watch));
            net.start(k);
            running[k] = true;
        }
        auto settled = [&](const char* phase) {
            for (std::size_t r = 0; r < routers; ++r) {
                const Masters want = eligible_masters(net.config(), r, running);
                const Masters got = net.masters(r);
                if (want.empty()) {
                    EXPECT_TRUE(got.empty()) << phase << " router " << r;
                    continue;
                }
                ASSERT_EQ(got.size(), 1u) << phase << " router " << r;
                EXPECT_NE(std::find(want.begin(), want.end(), got[0]), want.end())
                    << phase << " router " << r << " master " << got[0];
            }
        };
        net.run_for(max_down + 2 * kSecond, std::ref(watch));
        settled("after start");
        // A node dies silently or shuts down, at a random moment.
        net.run_for(static_cast<Micros>(prng.below(kSecond)), std::ref(watch));
        const std::size_t victim = prng.below(nodes);
        if (prng.below(2) == 0)
            net.kill(victim);
        else
            net.shutdown(victim);
        running[victim] = false;
        net.run_for(max_down + 2 * kSecond, std::ref(watch));
        settled("after stop");
        // It comes back.
        net.start(victim);
        running[victim] = true;
        net.run_for(max_down + 2 * kSecond, std::ref(watch));
        settled("after restart");
        // Two masters for a router only while adverts cross: never longer than one
        // Master_Down_Interval, and in fact no longer than a message in flight, except
        // where two nodes both own the router (255): an owner starting goes master at
        // once and learns of the other one from its next advert.
        EXPECT_LE(watch.longest, max_down);
        for (std::size_t r = 0; r < routers; ++r) {
            int owners = 0;
            for (const auto& p : net.config().vrrp[r].priority) owners += p == 255;
            const Micros bound =
                max_delay + (owners > 1 ? vrrp_interval_us(net.config().vrrp[r].advert_interval_cs) : 0);
            EXPECT_LE(watch.longest_of[r], bound) << "router " << r;
        }
    }
}


// Random check results (a weight -60 check and a weight 0 one) and sync groups whose
// members share a priority table and checks (so that a node prefers all members of a group
// or none). After the checks stop changing: each router has one master, a node with the
// best effective priority among those not in fault; and after every single step, a node
// is master of all members of a group or of none.
TEST(VrrpNetRandom, ChecksAndSyncGroupsSettleOnABestNode) {
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        SCOPED_TRACE(testing::Message() << "seed " << seed);
        Prng prng(seed);
        const std::size_t nodes = 2 + prng.below(2);
        const std::size_t groups = 3;  // group 0 = no sync group
        // Per group: a priority table and the checks its members use.
        std::vector<Priorities> table(groups, Priorities(nodes));
        std::vector<std::vector<std::size_t>> group_checks(groups);
        for (std::size_t g = 0; g < groups; ++g) {
            for (std::size_t k = 0; k < nodes; ++k) {
                const std::uint64_t roll = prng.below(12);
                if (roll != 0) table[g][k] = roll == 1 ? 255 : static_cast<int>(1 + prng.below(254));
            }
            if (prng.below(2)) group_checks[g].push_back(0);
            if (prng.below(2)) group_checks[g].push_back(1);
        }
        const std::size_t routers = 2 + prng.below(8);
        std::vector<std::size_t> group_of(routers);
        std::vector<Priorities> prios;
        for (std::size_t r = 0; r < routers; ++r) {
            group_of[r] = prng.below(groups);
            Priorities p = table[group_of[r]];
            if (group_of[r] == 0) {  // no group: its own table
                for (std::size_t k = 0; k < nodes; ++k) {
                    const std::uint64_t roll = prng.below(12);
                    p[k] = roll == 0 ? std::nullopt
                                     : std::optional<int>(roll == 1 ? 255 : 1 + prng.below(254));
                }
            }
            prios.push_back(p);
        }
        Config c = make_config(prios, nodes);
        c.checks.push_back(make_check("weak", -60));
        c.checks.push_back(make_check("uplink", 0));
        const int interval_cs = prng.below(2) ? 10 : 100;
        for (std::size_t r = 0; r < routers; ++r) {
            c.vrrp[r].advert_interval_cs = interval_cs;
            c.vrrp[r].checks = group_checks[group_of[r]];
            if (group_of[r] != 0) c.vrrp[r].sync_group = "g" + std::to_string(group_of[r]);
        }
        const Micros max_down = vrrp_master_down_interval_us(1, interval_cs);
        VrrpNet net(std::move(c), nodes);
        net.delay_for = [&prng] { return static_cast<Micros>(prng.below(2001)); };
        std::vector<std::vector<bool>> passing(nodes, std::vector<bool>(2, true));

        auto groups_whole = [&] {
            for (std::size_t k = 0; k < nodes; ++k) {
                if (!net.running(k)) continue;
                for (std::size_t g = 1; g < groups; ++g) {
                    std::size_t members = 0, masters = 0;
                    for (std::size_t r = 0; r < routers; ++r) {
                        if (group_of[r] != g || !net.config().vrrp[r].priority[k]) continue;
                        members += 1;
                        masters += net.set(k).status(r).state == VrrpState::master;
                    }
                    ASSERT_TRUE(masters == 0 || masters == members)
                        << "node " << k << " group " << g << " at " << net.now().us;
                }
            }
        };
        for (std::size_t k = 0; k < nodes; ++k) {
            net.run_for(static_cast<Micros>(prng.below(2 * kSecond)), groups_whole);
            net.start(k);
        }
        // 30 random check results over 20 s.
        for (int i = 0; i < 30; ++i) {
            net.run_for(static_cast<Micros>(prng.below(20 * kSecond / 30)), groups_whole);
            const std::size_t k = prng.below(nodes), chk = prng.below(2);
            const bool ok = prng.below(3) != 0;
            passing[k][chk] = ok;
            net.step(k, CheckResult{net.now(), chk, ok, ok ? "ok" : "failed"});
        }
        net.run_for(2 * max_down + 2 * kSecond, groups_whole);

        for (std::size_t r = 0; r < routers; ++r) {
            const VrrpConfig& v = net.config().vrrp[r];
            // Effective priority per node, or none when it cannot be master (fault).
            std::vector<std::optional<int>> eff(nodes);
            for (std::size_t k = 0; k < nodes; ++k) {
                if (!v.priority[k]) continue;
                bool fault = false;
                int p = *v.priority[k];
                for (std::size_t chk : v.checks) {
                    if (chk == 1 && !passing[k][1]) fault = true;
                    if (chk == 0 && !passing[k][0] && p != 255) p = std::max(1, p - 60);
                }
                if (!fault) eff[k] = p;
            }
            int best = 0;
            for (auto& p : eff) best = std::max(best, p.value_or(0));
            const Masters got = net.masters(r);
            if (best == 0) {
                EXPECT_TRUE(got.empty()) << "router " << r;
                continue;
            }
            ASSERT_EQ(got.size(), 1u) << "router " << r;
            EXPECT_EQ(eff[got[0]], best) << "router " << r << " master " << got[0];
        }
    }
}

}  // namespace
}  // namespace vigil::core
