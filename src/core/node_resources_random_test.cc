// Randomised runs of the resource lifecycle on the simulated cluster: service deaths,
// switchovers, checks, maintenance, failing starts, cleanups, restarts, shutdowns (and in
// AllFaults also crashes, pauses, partitions and hung stops). PlannedOnly checks after
// every 0.1 ms that no service ever runs on two nodes; both check that once the faults end,
// one primary runs every service. TestCluster checks leases and busy loops throughout.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/test_cluster.h"

namespace vigil::core {
namespace {
using testing::kStartup;
using testing::TestCluster;

Config random_config(int max_restarts) {
    Config c = testing::make_witness_config();
    for (const char* name : {"db", "api"}) {
        ResourceConfig r;
        r.name = name;
        r.kind = ResourceConfig::Kind::exec;
        r.start = "start"; r.stop = "stop"; r.monitor = "monitor";
        r.monitor_interval_ms = 300;
        r.timeout_ms = 200;
        r.max_restarts = max_restarts;
        r.restart_window_s = 5;
        c.resources.push_back(r);
    }
    c.groups[0].resources = {0, 1};
    c.groups[0].failure_timeout_s = 3;
    CheckConfig chk; chk.name = "gw"; chk.kind = CheckConfig::Kind::ping; chk.target = "198.18.0.1";
    chk.fall = 1; chk.rise = 1; chk.weight = 0;
    c.checks.push_back(chk);
    c.groups[0].checks = {0};
    return c;
}

class ResourcesRandom : public ::testing::TestWithParam<int> {};

TEST_P(ResourcesRandom, PlannedOnly) {
    std::mt19937 rng(GetParam());
    TestCluster c(random_config(GetParam() % 3));
    c.run_for(kStartup);
    bool shut[2] = {false, false};
    for (int i = 0; i < 400 && !::testing::Test::HasFailure(); ++i) {
        int ev = rng() % 12;
        std::size_t n = rng() % 2;
        auto prim = c.primaries();
        switch (ev) {
            case 0: if (!prim.empty()) c.kill_service(prim[0], rng() % 2); break;
            case 1: if (c.running(n)) c.switchover(n, "northbound", n ? "n1" : "n2"); break;
            case 2: if (c.running(n)) c.admin(n, CheckResult{c.now(), 0, false, "down"}); break;
            case 3: if (c.running(n)) c.admin(n, CheckResult{c.now(), 0, true, "up"}); break;
            case 4: if (c.running(n)) c.admin(n, AdminMaintenance{c.now(), bool(rng() % 2)}); break;
            case 5: c.fail_starts(n, rng() % 2, rng() % 3 == 0); break;
            case 6: if (c.running(n)) c.admin(n, AdminCleanup{c.now(), "northbound"}); break;
            case 7: if (c.running(n)) c.admin(n, AdminResourceRestart{c.now(), rng() % 2 ? "db" : "api"}); break;
            case 8: if (c.running(n) && !shut[n] && rng() % 4 == 0) { c.admin(n, Shutdown{c.now()}); shut[n] = true; } break;
            default: break;
        }
        Micros span = ms(rng() % 300);
        TimePoint end = c.now() + span;
        while (c.now() < end && !::testing::Test::HasFailure()) {
            c.run_for(100);
            for (std::size_t r = 0; r < 2; ++r)
                ASSERT_LE(c.service_hosts(r).size(), 1u) << "seed " << GetParam() << " step " << i;
            for (std::size_t m = 0; m < 2; ++m)
                if (shut[m] && c.running(m) && c.node(m).shutdown_complete()) {
                    ASSERT_FALSE(c.service_running(m, 0) || c.service_running(m, 1));
                    c.crash(m);
                }
        }
        for (std::size_t m = 0; m < 2; ++m)
            if (shut[m] && !c.running(m) && rng() % 3 == 0) { c.start(m); shut[m] = false; }
    }
    // Heal: every node up, checks pass, no failing starts, cleanup, standby off.
    for (std::size_t m = 0; m < 2; ++m) {
        if (!c.running(m)) { c.start(m); shut[m] = false; }
    }
    for (std::size_t m = 0; m < 2; ++m) {
        c.fail_starts(m, 0, false); c.fail_starts(m, 1, false);
    }
    c.run_for(ms(500));
    for (std::size_t m = 0; m < 2; ++m) {
        if (shut[m]) continue;
        c.admin(m, CheckResult{c.now(), 0, true, "up"});
        c.admin(m, AdminMaintenance{c.now(), false});
        c.admin(m, AdminCleanup{c.now(), "northbound"});
    }
    Micros t = c.run_until([&] {
        auto p = c.primaries();
        return p.size() == 1 && c.service_running(p[0], 0) && c.service_running(p[0], 1);
    }, ms(5000));
    ASSERT_GE(t, 0) << "seed " << GetParam() << " no primary running everything; primaries "
                    << c.primaries().size();
}

TEST_P(ResourcesRandom, AllFaults) {
    std::mt19937 rng(GetParam() + 1000);
    TestCluster c(random_config(GetParam() % 3));
    c.run_for(kStartup);
    for (int i = 0; i < 300 && !::testing::Test::HasFailure(); ++i) {
        int ev = rng() % 16;
        std::size_t n = rng() % 3;
        std::size_t f = rng() % 2;
        auto prim = c.primaries();
        switch (ev) {
            case 0: if (!prim.empty()) c.kill_service(prim[0], rng() % 2); break;
            case 1: if (c.running(f)) c.switchover(f, "northbound", f ? "n1" : "n2"); break;
            case 2: if (c.running(f)) c.admin(f, CheckResult{c.now(), 0, false, "down"}); break;
            case 3: if (c.running(f)) c.admin(f, CheckResult{c.now(), 0, true, "up"}); break;
            case 4: if (c.running(f)) c.admin(f, AdminMaintenance{c.now(), bool(rng() % 2)}); break;
            case 5: c.fail_starts(f, rng() % 2, rng() % 3 == 0); break;
            case 6: if (c.running(f)) c.admin(f, AdminCleanup{c.now(), "northbound"}); break;
            case 7: if (c.running(n)) { if (c.paused(n)) c.resume(n); c.crash(n); } else c.start(n); break;
            case 8: if (c.running(n)) { if (c.paused(n)) c.resume(n); else c.pause(n); } break;
            case 9: c.cut(n, (n + 1 + rng() % 2) % 3); break;
            case 10: c.heal(); break;
            case 11: c.hang_stops(f, rng() % 2); break;
            case 12: if (c.running(f) && !c.paused(f)) c.admin(f, Shutdown{c.now()}); break;
            default: break;
        }
        c.run_for(ms(rng() % 300));
        for (std::size_t m = 0; m < 2; ++m)
            if (c.running(m) && !c.paused(m) && c.node(m).shutdown_complete()) c.crash(m);
    }
    c.heal();
    for (std::size_t m = 0; m < 3; ++m) {
        if (c.running(m) && c.paused(m)) c.resume(m);
        if (!c.running(m)) c.start(m);
    }
    for (std::size_t m = 0; m < 2; ++m) { c.fail_starts(m, 0, false); c.fail_starts(m, 1, false); }
    c.run_for(ms(500));
    for (std::size_t m = 0; m < 2; ++m) {
        c.admin(m, CheckResult{c.now(), 0, true, "up"});
        c.admin(m, AdminMaintenance{c.now(), false});
        c.admin(m, AdminCleanup{c.now(), "northbound"});
    }
    Micros t = c.run_until([&] {
        auto p = c.primaries();
        return p.size() == 1 && c.service_running(p[0], 0) && c.service_running(p[0], 1) &&
               c.service_hosts(0).size() == 1 && c.service_hosts(1).size() == 1;
    }, ms(8000));
    ASSERT_GE(t, 0) << "seed " << GetParam() << " primaries " << c.primaries().size();
}

// Thirty seeds (about 4 s) per commit keeps the unit suite fast; more seeds found nothing more.
INSTANTIATE_TEST_SUITE_P(Seeds, ResourcesRandom, ::testing::Range(0, 30));
}  // namespace
}  // namespace vigil::core
