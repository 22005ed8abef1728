// VrrpSet, one node driven by hand at fake time: RFC 9568 §6.4 per state, effective
// priority, fault, quorum, shutdown, inactive routers, bad input, and a thousand routers
// in one timer structure. Sync groups: vrrp_sync_test.cc; several nodes: vrrp_net_test.cc.
#include <gtest/gtest.h>

#include "core/vrrp_impl.h"  // vrrp_address_text
#include "core/vrrp_intervals.h"
#include "core/vrrp_test_support.h"

namespace vigil::core {
namespace {

using namespace vrrp_testing;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kDown100 = 3'609'375;  // priority 100, 100 cs
const wire::IpAddress kPeer = node_address(1);  // 198.18.0.2, above ours (198.18.0.1)
const wire::IpAddress kLowPeer = v4(198, 18, 0, 0);

std::vector<std::uint8_t> send_priorities(const VrrpActions& a) {
    std::vector<std::uint8_t> out;
    for (const VrrpSend& s : a.sends) out.push_back(s.priority);
    return out;
}

// --- Initialize --------------------------------------------------------------------------

TEST(Vrrp, OwnerGoesMasterAtStartupAtOnce) {
    OneSet s(make_config({{255, 100}}));
    VrrpActions a = s.start();
    ASSERT_EQ(a.sends.size(), 1u);
    EXPECT_EQ(a.sends[0].router, 0u);
    EXPECT_EQ(a.sends[0].priority, 255);
    ASSERT_EQ(a.vip_changes.size(), 1u);
    EXPECT_EQ(a.vip_changes[0].kind, VipChange::Kind::add);
    EXPECT_EQ(a.announcements, std::vector<std::size_t>{0});
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].from, VrrpState::initialize);
    EXPECT_EQ(a.state_changes[0].to, VrrpState::master);
    EXPECT_EQ(a.state_changes[0].reason, "startup: address owner (priority 255)");
    EXPECT_EQ(a.state_changes[0].priority, 255);
    EXPECT_EQ(a.next_wakeup, s.now + kSecond);  // Adver_Timer = Advertisement_Interval
    VrrpRouterStatus st = s.set.status(0);
    EXPECT_EQ(st.master, node_address(0));
    EXPECT_EQ(st.master_priority, 255);
    EXPECT_EQ(st.became_master, 1u);
}

TEST(Vrrp, NonOwnerStartsAsBackupWithMasterDownInterval) {
    OneSet s(make_config({{100, 200}}));
    VrrpActions a = s.start();
    EXPECT_TRUE(a.sends.empty());
    EXPECT_TRUE(a.vip_changes.empty());
    EXPECT_TRUE(a.announcements.empty());
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].to, VrrpState::backup);
    EXPECT_EQ(a.state_changes[0].reason, "startup");
    EXPECT_EQ(a.next_wakeup, s.now + kDown100);
    VrrpRouterStatus st = s.set.status(0);
    EXPECT_EQ(st.master_down_at, s.now + kDown100);
    EXPECT_EQ(st.master_adver_int_cs, 100);
    EXPECT_EQ(s.set.timers_pending(), 1u);
}

TEST(Vrrp, EventsBeforeStartupMoveNothing) {
    OneSet s(make_config({{100, 200}}));
    EXPECT_TRUE(s.advance(10 * kSecond).state_changes.empty());
    EXPECT_TRUE(s.advert(0, kPeer, 200).state_changes.empty());
    EXPECT_EQ(s.state(0), VrrpState::initialize);
    EXPECT_EQ(s.set.status(0).adverts_received, 0u);
    EXPECT_EQ(s.set.timers_pending(), 0u);
    EXPECT_EQ(s.last.next_wakeup, TimePoint::never());
    s.start();
    EXPECT_TRUE(s.step(VrrpStartup{s.now}).state_changes.empty());  // a second start: no-op
}

// --- Backup ------------------------------------------------------------------------------

TEST(Vrrp, BackupTakesOverExactlyAtMasterDownInterval) {
    OneSet s(make_config({{100, 200}}));
    const TimePoint t0 = s.now;
    s.start();
    VrrpActions early = s.tick(t0 + kDown100 - 1);
    EXPECT_TRUE(early.state_changes.empty());
    EXPECT_TRUE(early.sends.empty());
    EXPECT_EQ(early.next_wakeup, t0 + kDown100);
    VrrpActions a = s.tick(t0 + kDown100);
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].from, VrrpState::backup);
    EXPECT_EQ(a.state_changes[0].to, VrrpState::master);
    EXPECT_EQ(a.state_changes[0].reason, "master down timer expired");
    EXPECT_EQ(send_priorities(a), std::vector<std::uint8_t>{100});
    ASSERT_EQ(a.vip_changes.size(), 1u);
    EXPECT_EQ(a.vip_changes[0].kind, VipChange::Kind::add);
    EXPECT_EQ(a.announcements, std::vector<std::size_t>{0});
    EXPECT_EQ(a.next_wakeup, t0 + kDown100 + kSecond);
}

TEST(Vrrp, BackupAdvertResetsTheTimerWithTheAdvertsInterval) {
    OneSet s(make_config({{100, 200}}));
    s.start();
    s.advance(kSecond);
    VrrpActions a = s.advert(0, kPeer, 200, 50);
    // 3 * 500000 + (156 * 500000) / 256 = 1500000 + 304687
    EXPECT_EQ(a.next_wakeup, s.now + 1'804'687);
    VrrpRouterStatus st = s.set.status(0);
    EXPECT_EQ(st.master, kPeer);
    EXPECT_EQ(st.master_priority, 200);
    EXPECT_EQ(st.master_adver_int_cs, 50);
    EXPECT_EQ(st.adverts_received, 1u);
    // Adverts keep coming: never master.
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(s.advance(500'000).state_changes.empty());
        s.advert(0, kPeer, 200, 50);
    }
    EXPECT_EQ(s.state(0), VrrpState::backup);
}

TEST(Vrrp, BackupHearingPriorityZeroTakesOverAfterSkewTime) {
    OneSet s(make_config({{100, 200}}));
    s.start();
    s.advert(0, kPeer, 200);
    s.advance(kSecond);
    VrrpActions a = s.advert(0, kPeer, 0);
    EXPECT_EQ(a.next_wakeup, s.now + 609'375);  // Skew_Time, priority 100, 100 cs
    EXPECT_TRUE(s.advance(609'374).state_changes.empty());
    VrrpActions m = s.advance(1);
    ASSERT_EQ(m.state_changes.size(), 1u);
    EXPECT_EQ(m.state_changes[0].to, VrrpState::master);
}

TEST(Vrrp, PreemptingBackupDiscardsLowerPriorityAndTakesOver) {
    OneSet s(make_config({{100, 50}}));
    const TimePoint t0 = s.now;
    s.start();
    s.advance(kSecond);
    VrrpActions a = s.advert(0, kPeer, 50);
    EXPECT_EQ(a.next_wakeup, t0 + kDown100);  // not reset
    s.advance(kSecond);
    s.advert(0, kPeer, 50);
    VrrpActions m = s.tick(t0 + kDown100);
    ASSERT_EQ(m.state_changes.size(), 1u);
    EXPECT_EQ(m.state_changes[0].to, VrrpState::master);
}

TEST(Vrrp, EqualPriorityAdvertResetsABackupsTimer) {
    OneSet s(make_config({{100, 100}}));
    s.start();
    s.advance(kSecond);
    EXPECT_EQ(s.advert(0, kLowPeer, 100).next_wakeup, s.now + kDown100);
}

TEST(Vrrp, NonPreemptingBackupFollowsALowerPriorityMaster) {
    Config c = make_config({{100, 50}});
    c.vrrp[0].preempt = false;
    OneSet s(std::move(c));
    s.start();
    for (int i = 0; i < 10; ++i) {
        s.advance(kSecond);
        VrrpActions a = s.advert(0, kPeer, 50);
        EXPECT_TRUE(a.state_changes.empty());
        EXPECT_EQ(a.next_wakeup, s.now + kDown100);
    }
    EXPECT_EQ(s.state(0), VrrpState::backup);
    // Silence: it does take over.
    EXPECT_EQ(s.advance(kDown100).state_changes.at(0).to, VrrpState::master);
}

TEST(Vrrp, OwnerPreemptsEvenWithPreemptFalse) {
    // RFC 9568 §6.1: "the router that owns the address always preempts". After a fault the
    // owner restarts as a backup, and must not follow a lower master.
    Config c = make_config({{255, 100}});
    c.vrrp[0].preempt = false;
    c.checks.push_back(make_check("uplink", 0));
    c.vrrp[0].checks = {0};
    OneSet s(std::move(c));
    s.start();
    s.check(0, false);
    s.check(0, true);
    ASSERT_EQ(s.state(0), VrrpState::backup);
    const TimePoint down = s.set.status(0).master_down_at;
    s.advance(kSecond);
    EXPECT_EQ(s.advert(0, kPeer, 100).next_wakeup, down);  // discarded
    EXPECT_EQ(s.tick(down).state_changes.at(0).to, VrrpState::master);
}

TEST(Vrrp, PreemptDelayFollowsALowerMasterUntilItEnds) {
    Config c = make_config({{100, 50}});
    c.vrrp[0].preempt_delay_ms = 5000;
    OneSet s(std::move(c));
    const TimePoint t0 = s.now;
    s.start();
    // Within the delay a lower-priority advert resets the timer like a higher one.
    for (int i = 1; i <= 4; ++i) {
        s.tick(t0 + i * kSecond);
        EXPECT_EQ(s.advert(0, kPeer, 50).next_wakeup, s.now + kDown100);
    }
    s.tick(t0 + 5 * kSecond - 1);
    const TimePoint last_reset = s.now;
    EXPECT_EQ(s.advert(0, kPeer, 50).next_wakeup, last_reset + kDown100);
    // From 5 s on, discarded: the timer of the last reset fires.
    s.tick(t0 + 5 * kSecond);
    EXPECT_EQ(s.advert(0, kPeer, 50).next_wakeup, last_reset + kDown100);
    s.tick(t0 + 6 * kSecond);
    s.advert(0, kPeer, 50);
    EXPECT_EQ(s.tick(last_reset + kDown100).state_changes.at(0).to, VrrpState::master);
}

// --- Master ------------------------------------------------------------------------------

TEST(Vrrp, MasterAdvertisesEveryInterval) {
    OneSet s(make_config({{255, 100}}));
    const TimePoint t0 = s.now;
    s.start();
    EXPECT_TRUE(s.tick(t0 + kSecond - 1).sends.empty());
    for (int i = 1; i <= 5; ++i) {
        VrrpActions a = s.tick(t0 + i * kSecond);
        EXPECT_EQ(send_priorities(a), std::vector<std::uint8_t>{255});
        EXPECT_TRUE(a.state_changes.empty());
        EXPECT_TRUE(a.vip_changes.empty());
        EXPECT_EQ(a.next_wakeup, t0 + (i + 1) * kSecond);
        EXPECT_EQ(s.set.timers_pending(), 1u);
    }
}

TEST(Vrrp, MasterAnswersPriorityZeroAtOnce) {
    OneSet s(make_config({{255, 100}}));
    s.start();
    s.advance(300'000);
    VrrpActions a = s.advert(0, kPeer, 0);
    EXPECT_EQ(send_priorities(a), std::vector<std::uint8_t>{255});
    EXPECT_EQ(a.next_wakeup, s.now + kSecond);  // Adver_Timer reset
    EXPECT_TRUE(a.state_changes.empty());
}

TEST(Vrrp, MasterYieldsToHigherPriority) {
    OneSet s(make_config({{100, 200}}));
    s.start();
    s.advance(kDown100);
    ASSERT_EQ(s.state(0), VrrpState::master);
    s.advance(100'000);
    VrrpActions a = s.advert(0, kLowPeer, 200, 50);
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].to, VrrpState::backup);
    EXPECT_EQ(a.state_changes[0].reason, "higher priority 200 from 198.18.0.0");
    ASSERT_EQ(a.vip_changes.size(), 1u);
    EXPECT_EQ(a.vip_changes[0].kind, VipChange::Kind::remove);
    EXPECT_TRUE(a.sends.empty());  // RFC: no priority 0 when preempted
    EXPECT_EQ(a.next_wakeup, s.now + 1'804'687);  // the advert's 50 cs
    EXPECT_EQ(s.set.status(0).master_adver_int_cs, 50);
}

TEST(Vrrp, MasterDiscardsLowerPriority) {
    OneSet s(make_config({{255, 100}}));
    s.start();
    s.advance(100'000);
    VrrpActions a = s.advert(0, kPeer, 254);
    EXPECT_TRUE(a.state_changes.empty());
    EXPECT_TRUE(a.sends.empty());
    EXPECT_EQ(s.state(0), VrrpState::master);
}

TEST(Vrrp, EqualPriorityTieGoesToTheHigherAddress) {
    OneSet s(make_config({{100, 100}}));
    s.start();
    s.advance(kDown100);
    ASSERT_EQ(s.state(0), VrrpState::master);
    EXPECT_TRUE(s.advert(0, kLowPeer, 100).state_changes.empty());  // 198.18.0.0 < ours
    VrrpActions a = s.advert(0, kPeer, 100);                         // 198.18.0.2 > ours
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].reason, "equal priority 100 from higher address 198.18.0.2");
}

TEST(Vrrp, TieBreakComparesAddressesAsUnsignedIntegers) {
    // 198.18.0.200 > 198.18.0.9 although "198.18.0.200" < "198.18.0.9" as text, and a
    // byte >= 128 is not negative.
    OneSet s(make_config({{100, 100}}));
    (void)s.step(VrrpLocalAddress{s.now, "eth0", v4(198, 18, 0, 9)});
    s.step(VrrpStartup{s.now});
    s.advance(kDown100);
    EXPECT_EQ(s.advert(0, v4(198, 18, 0, 200), 100).state_changes.at(0).to, VrrpState::backup);
    // The local address applies per interface and family; a later change is used.
    OneSet t(make_config({{100, 100}}));
    t.start();
    t.advance(kDown100);
    (void)t.step(VrrpLocalAddress{t.now, "eth0", v4(198, 18, 0, 250)});
    (void)t.step(VrrpLocalAddress{t.now, "eth9", v4(198, 18, 0, 1)});  // no router there
    EXPECT_TRUE(t.advert(0, v4(198, 18, 0, 200), 100).state_changes.empty());
}

// --- Effective priority ------------------------------------------------------------------

TEST(Vrrp, CheckWeightsMoveThePriorityWithinOneTo254) {
    struct Case {
        int configured, weight;
        bool ok;
        int expected;
    };
    const Case cases[] = {
        {100, -30, false, 70},  {100, -30, true, 100}, {100, 20, true, 120},
        {100, 20, false, 100},  {250, 20, true, 254},  {10, -50, false, 1},
        {255, -50, false, 255}, {255, 20, true, 255},  {254, 0, true, 254},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(testing::Message() << c.configured << " " << c.weight << " " << c.ok);
        Config cfg = make_config({{c.configured, 1}});
        cfg.checks.push_back(make_check("chk", c.weight));
        cfg.vrrp[0].checks = {0};
        OneSet s(std::move(cfg));
        s.start();
        s.check(0, c.ok);
        EXPECT_EQ(s.set.status(0).priority, c.expected);
        EXPECT_EQ(s.set.status(0).configured_priority, c.configured);
    }
}

TEST(Vrrp, WeightsAddUpAndApplyBeforeStartup) {
    Config cfg = make_config({{100, 1}});
    cfg.checks.push_back(make_check("a", -30));
    cfg.checks.push_back(make_check("b", -20));
    cfg.checks.push_back(make_check("c", 15));
    cfg.vrrp[0].checks = {0, 1, 2};
    OneSet s(std::move(cfg));
    EXPECT_EQ(s.set.status(0).priority, 115);  // no result yet: passing
    s.check(0, false);
    s.check(1, false);
    EXPECT_EQ(s.set.status(0).priority, 65);
    VrrpActions a = s.start();
    EXPECT_EQ(a.state_changes.at(0).priority, 65);
    // Skew_Time from the effective priority: 3000000 + (191 * 1000000) / 256 = 3746093.
    EXPECT_EQ(a.next_wakeup, s.now + 3'746'093);
}

TEST(Vrrp, FallCountIsHonoured) {
    Config cfg = make_config({{100, 1}});
    cfg.checks.push_back(make_check("slow", -30, /*fall=*/3, /*rise=*/2));
    cfg.vrrp[0].checks = {0};
    OneSet s(std::move(cfg));
    s.start();
    s.check(0, true);
    s.check(0, false);
    s.check(0, false);
    EXPECT_EQ(s.set.status(0).priority, 100);
    s.check(0, false);
    EXPECT_EQ(s.set.status(0).priority, 70);
}

TEST(Vrrp, MasterAdvertisesAChangedPriorityInItsNextAdvert) {
    Config cfg = make_config({{100, 1}});
    cfg.checks.push_back(make_check("uplink", -30));
    cfg.vrrp[0].checks = {0};
    OneSet s(std::move(cfg));
    const TimePoint t0 = s.now;
    s.start();
    s.tick(t0 + kDown100);
    ASSERT_EQ(s.state(0), VrrpState::master);
    VrrpActions a = s.check(0, false);
    EXPECT_TRUE(a.sends.empty());
    EXPECT_TRUE(a.state_changes.empty());
    EXPECT_EQ(s.logger.count("vrrp_priority_change"), 1u);
    EXPECT_EQ(send_priorities(s.tick(t0 + kDown100 + kSecond)), std::vector<std::uint8_t>{70});
    // Now a backup at 80 preempts: its advert takes us to backup.
    EXPECT_EQ(s.advert(0, kLowPeer, 80).state_changes.at(0).to, VrrpState::backup);
}

TEST(Vrrp, BackupUsesItsNewPriorityAtTheNextTimerReset) {
    Config cfg = make_config({{100, 1}});
    cfg.checks.push_back(make_check("uplink", -50));
    cfg.vrrp[0].checks = {0};
    OneSet s(std::move(cfg));
    s.start();
    s.advert(0, kPeer, 200);
    const TimePoint before = s.set.status(0).master_down_at;
    s.advance(100'000);
    VrrpActions a = s.check(0, false);
    EXPECT_EQ(a.next_wakeup, before);  // the running timer is left alone
    s.advance(100'000);
    // 3000000 + (206 * 1000000) / 256 = 3804687
    EXPECT_EQ(s.advert(0, kPeer, 200).next_wakeup, s.now + 3'804'687);
    // And with priority 0: Skew_Time of the new priority.
    EXPECT_EQ(s.advert(0, kPeer, 0).next_wakeup, s.now + 804'687);
}

// --- Fault -------------------------------------------------------------------------------

TEST(Vrrp, MasterInFaultSendsPriorityZeroOnceThenNothing) {
    Config cfg = make_config({{255, 1}});
    cfg.checks.push_back(make_check("uplink", 0, 1, 2));
    cfg.vrrp[0].checks = {0};
    OneSet s(std::move(cfg));
    s.start();
    s.advance(200'000);
    VrrpActions a = s.check(0, false);
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].from, VrrpState::master);
    EXPECT_EQ(a.state_changes[0].to, VrrpState::fault);
    EXPECT_EQ(a.state_changes[0].reason, "check uplink failing");
    ASSERT_EQ(a.vip_changes.size(), 1u);
    EXPECT_EQ(a.vip_changes[0].kind, VipChange::Kind::remove);
    EXPECT_EQ(send_priorities(a), std::vector<std::uint8_t>{0});
    EXPECT_EQ(a.next_wakeup, TimePoint::never());
    EXPECT_EQ(s.set.timers_pending(), 0u);
    EXPECT_EQ(s.set.status(0).fault, "check uplink failing");
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(s.advance(kSecond).sends.empty());
    // Adverts are heard (status) but move nothing.
    VrrpActions h = s.advert(0, kPeer, 100);
    EXPECT_TRUE(h.state_changes.empty());
    EXPECT_EQ(s.set.status(0).master, kPeer);
    // Recovery takes `rise` passes, then backup with a fresh Master_Down_Interval.
    EXPECT_TRUE(s.check(0, true).state_changes.empty());
    VrrpActions r = s.check(0, true);
    ASSERT_EQ(r.state_changes.size(), 1u);
    EXPECT_EQ(r.state_changes[0].to, VrrpState::backup);
    EXPECT_EQ(r.state_changes[0].reason, "fault cleared");
    EXPECT_TRUE(r.sends.empty());
    EXPECT_EQ(s.set.status(0).fault, "");
    EXPECT_EQ(r.next_wakeup, s.now + vrrp_master_down_interval_us(255, 100));
}

TEST(Vrrp, BackupInFaultStopsItsTimerAndStartsAgainAsBackup) {
    Config cfg = make_config({{100, 200}});
    cfg.checks.push_back(make_check("uplink", 0));
    cfg.vrrp[0].checks = {0};
    OneSet s(std::move(cfg));
    s.start();
    VrrpActions a = s.check(0, false);
    EXPECT_EQ(a.state_changes.at(0).to, VrrpState::fault);
    EXPECT_TRUE(a.sends.empty());  // a backup has nothing to hand over
    EXPECT_TRUE(a.vip_changes.empty());
    EXPECT_TRUE(s.advance(10 * kSecond).state_changes.empty());  // no takeover in fault
    EXPECT_EQ(s.check(0, true).state_changes.at(0).to, VrrpState::backup);
}

TEST(Vrrp, StartupWithAFailingCheckGoesToFault) {
    Config cfg = make_config({{255, 1}});
    cfg.checks.push_back(make_check("uplink", 0));
    cfg.vrrp[0].checks = {0};
    OneSet s(std::move(cfg));
    s.check(0, false);
    VrrpActions a = s.start();
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].from, VrrpState::initialize);
    EXPECT_EQ(a.state_changes[0].to, VrrpState::fault);
    EXPECT_TRUE(a.sends.empty());
    EXPECT_TRUE(a.vip_changes.empty());
}

TEST(Vrrp, RequireQuorum) {
    Config cfg = make_config({{255, 1}, {255, 1}});
    cfg.vrrp[0].require_quorum = true;
    OneSet s(std::move(cfg));
    VrrpActions a = s.start();  // no VrrpQuorum yet: not held
    EXPECT_EQ(s.state(0), VrrpState::fault);
    EXPECT_EQ(s.set.status(0).fault, "no quorum");
    EXPECT_EQ(s.state(1), VrrpState::master);  // the other router does not care
    VrrpActions q = s.step(VrrpQuorum{s.now, true});
    EXPECT_EQ(q.state_changes.at(0).to, VrrpState::backup);
    EXPECT_EQ(s.advance(vrrp_master_down_interval_us(255, 100)).state_changes.at(0).to,
              VrrpState::master);
    VrrpActions lost = s.step(VrrpQuorum{s.now, false});
    ASSERT_EQ(lost.state_changes.size(), 1u);
    EXPECT_EQ(lost.state_changes[0].router, 0u);
    EXPECT_EQ(lost.state_changes[0].reason, "no quorum");
    EXPECT_EQ(send_priorities(lost), std::vector<std::uint8_t>{0});
    EXPECT_TRUE(s.step(VrrpQuorum{s.now, false}).state_changes.empty());  // no change
}

// --- Shutdown ----------------------------------------------------------------------------

TEST(Vrrp, ShutdownMastersSendZeroAndEverythingGoesInitialize) {
    OneSet s(make_config({{255, 1}, {100, 200}}));
    s.start();
    s.advance(100'000);
    VrrpActions a = s.step(VrrpShutdown{s.now});
    ASSERT_EQ(a.sends.size(), 1u);
    EXPECT_EQ(a.sends[0].router, 0u);
    EXPECT_EQ(a.sends[0].priority, 0);
    ASSERT_EQ(a.vip_changes.size(), 1u);
    EXPECT_EQ(a.vip_changes[0].kind, VipChange::Kind::remove);
    ASSERT_EQ(a.state_changes.size(), 2u);
    for (const VrrpStateChange& c : a.state_changes) {
        EXPECT_EQ(c.to, VrrpState::initialize);
        EXPECT_EQ(c.reason, "shutdown");
    }
    EXPECT_EQ(a.next_wakeup, TimePoint::never());
    EXPECT_EQ(s.set.timers_pending(), 0u);
    EXPECT_TRUE(s.advert(1, kPeer, 0).state_changes.empty());
    EXPECT_TRUE(s.advance(10 * kSecond).sends.empty());
    // A later start-up starts again.
    EXPECT_EQ(s.step(VrrpStartup{s.now}).state_changes.size(), 2u);
}

// --- Inactive routers, bad input, logging ------------------------------------------------

TEST(Vrrp, InactiveRoutersStayInitializeAndNeverSend) {
    OneSet s(make_config({{std::nullopt, 100}, {255, std::nullopt}}));
    VrrpActions a = s.start();
    EXPECT_EQ(a.state_changes.size(), 1u);
    EXPECT_FALSE(s.set.status(0).active);
    EXPECT_TRUE(s.set.status(1).active);
    EXPECT_EQ(s.state(0), VrrpState::initialize);
    EXPECT_EQ(s.set.timers_pending(), 1u);
    for (int i = 0; i < 10; ++i) {
        s.advert(0, kPeer, 0);
        for (const VrrpSend& send : s.advance(kSecond).sends) EXPECT_EQ(send.router, 1u);
    }
    EXPECT_EQ(s.state(0), VrrpState::initialize);
    EXPECT_EQ(s.set.status(0).adverts_received, 0u);
    EXPECT_TRUE(s.step(VrrpShutdown{s.now}).state_changes.size() == 1u);
}

TEST(Vrrp, BadInputIsIgnoredNotFatal) {
    OneSet s(make_config({{100, 200}}));
    s.start();
    EXPECT_TRUE(s.step(VrrpAdvertReceived{s.now, 99, kPeer, 200, 100, 1}).state_changes.empty());
    EXPECT_EQ(s.logger.count("vrrp_advert_unknown_router"), 1u);
    EXPECT_TRUE(s.step(CheckResult{s.now, 42, false, "x"}).state_changes.empty());
    EXPECT_EQ(s.set.status(99).state, VrrpState::initialize);
    EXPECT_FALSE(s.set.status(99).active);
    // An interval of 0 (decode_vrrp drops these) counts as 1 cs rather than 0.
    VrrpActions a = s.step(VrrpAdvertReceived{s.now, 0, kPeer, 200, 0, 1});
    EXPECT_EQ(a.next_wakeup, s.now + vrrp_master_down_interval_us(100, 1));
    // Time going backwards does not rewind timers.
    EXPECT_TRUE(s.step(VrrpTick{s.now - kSecond}).state_changes.empty());
    EXPECT_EQ(s.set.size(), 1u);
}

TEST(Vrrp, AddressCountMismatchIsLoggedOncePerRouter) {
    OneSet s(make_config({{100, 200}, {100, 200}}));
    s.start();
    for (int i = 0; i < 3; ++i) {
        (void)s.step(VrrpAdvertReceived{s.now, 0, kPeer, 200, 100, 5});
        (void)s.step(VrrpAdvertReceived{s.now, 1, kPeer, 200, 100, 1});  // matches
    }
    ASSERT_EQ(s.logger.count("vrrp_address_count_mismatch"), 1u);
    (void)s.step(VrrpAdvertReceived{s.now, 1, kPeer, 200, 100, 7});
    EXPECT_EQ(s.logger.count("vrrp_address_count_mismatch"), 2u);
    // Not fatal: the advert still counts.
    EXPECT_EQ(s.set.status(0).adverts_received, 3u);
    EXPECT_EQ(s.set.status(0).master_priority, 200);
}

TEST(Vrrp, StateNames) {
    EXPECT_STREQ(vrrp_state_name(VrrpState::initialize), "initialize");
    EXPECT_STREQ(vrrp_state_name(VrrpState::backup), "backup");
    EXPECT_STREQ(vrrp_state_name(VrrpState::master), "master");
    EXPECT_STREQ(vrrp_state_name(VrrpState::fault), "fault");
}

// --- Scale -------------------------------------------------------------------------------

TEST(Vrrp, AThousandRoutersShareOneTimerStructure) {
    constexpr std::size_t n = 1000;
    std::vector<Priorities> prios(n, Priorities{255, 1});
    Config cfg = make_config(prios);
    for (VrrpConfig& v : cfg.vrrp) v.advert_interval_cs = 10;  // 100 ms
    OneSet s(std::move(cfg));
    const TimePoint t0 = s.now;
    VrrpActions a = s.start();
    EXPECT_EQ(a.sends.size(), n);
    EXPECT_EQ(a.state_changes.size(), n);
    EXPECT_EQ(s.set.timers_pending(), n);
    EXPECT_EQ(a.next_wakeup, t0 + 100'000);
    // Ten seconds at 100 ms: 100 wake-ups, each firing all thousand.
    std::size_t sends = 0;
    TimePoint next = a.next_wakeup;
    for (int i = 0; i < 100; ++i) {
        VrrpActions t = s.tick(next);
        sends += t.sends.size();
        EXPECT_EQ(s.set.timers_pending(), n);
        next = t.next_wakeup;
    }
    EXPECT_EQ(sends, 100 * n);
    EXPECT_EQ(next, t0 + 101 * 100'000);
}

TEST(Vrrp, ATickFiresManyRoutersInDeadlineOrder) {
    // Spread deadlines: router i's interval is (i + 1) * 10 cs. One late tick fires every
    // due timer once, earliest first; each re-arms from `now`.
    Config cfg = make_config({{255, 1}, {255, 1}, {255, 1}, {255, 1}});
    for (std::size_t i = 0; i < 4; ++i)
        cfg.vrrp[i].advert_interval_cs = static_cast<int>(4 - i) * 10;
    OneSet s(std::move(cfg));
    s.start();
    VrrpActions a = s.advance(450'000);
    std::vector<std::size_t> order;
    for (const VrrpSend& send : a.sends) order.push_back(send.router);
    EXPECT_EQ(order, (std::vector<std::size_t>{3, 2, 1, 0}));
    EXPECT_EQ(a.next_wakeup, s.now + 100'000);  // router 3, re-armed from now
    EXPECT_EQ(s.set.timers_pending(), 4u);
}

TEST(Vrrp, AThousandBackupsResettingTimersKeepTheHeapAtOnePerRouter) {
    constexpr std::size_t n = 1000;
    std::vector<Priorities> prios(n, Priorities{100, 200});
    OneSet s(make_config(prios));
    s.start();
    for (int round = 0; round < 5; ++round) {
        s.advance(kSecond);
        for (std::size_t r = 0; r < n; ++r) (void)s.advert(r, kPeer, 200);
        EXPECT_EQ(s.set.timers_pending(), n);
        EXPECT_EQ(s.last.next_wakeup, s.now + kDown100);
    }
}

}  // namespace
}  // namespace vigil::core

namespace vigil::core {
namespace {

using namespace vrrp_testing;

wire::IpAddress v6(std::initializer_list<std::uint16_t> groups) {
    wire::IpAddress a;
    a.ipv6 = true;
    std::size_t i = 0;
    for (std::uint16_t g : groups) {
        a.bytes[2 * i] = static_cast<std::uint8_t>(g >> 8);
        a.bytes[2 * i + 1] = static_cast<std::uint8_t>(g & 0xff);
        ++i;
    }
    return a;
}

TEST(VrrpAddressText, FormatsLikeInetNtop) {
    EXPECT_EQ(vrrp_address_text(v4(198, 18, 0, 255)), "198.18.0.255");
    EXPECT_EQ(vrrp_address_text(v6({0xfd00, 0, 0, 0, 0, 0, 0, 2})), "fd00::2");
    EXPECT_EQ(vrrp_address_text(v6({0xfd00, 0x18, 0, 0, 0, 0, 0, 0x10})), "fd00:18::10");
    EXPECT_EQ(vrrp_address_text(v6({})), "::");
    EXPECT_EQ(vrrp_address_text(v6({0, 0, 0, 0, 0, 0, 0, 1})), "::1");
    EXPECT_EQ(vrrp_address_text(v6({0xfd00, 0, 0, 0, 0, 0, 0, 0})), "fd00::");
    EXPECT_EQ(vrrp_address_text(v6({1, 0, 0, 2, 0, 0, 0, 3})), "1:0:0:2::3");  // longest run
    EXPECT_EQ(vrrp_address_text(v6({1, 0, 0, 1, 0, 0, 1, 1})), "1::1:0:0:1:1");  // first of equals
    EXPECT_EQ(vrrp_address_text(v6({1, 0, 1, 0, 1, 0, 1, 0})), "1:0:1:0:1:0:1:0");  // no "::" for one
    EXPECT_EQ(vrrp_address_text(v6({0xABCD, 0, 0, 0, 0, 0, 0, 0xEF})), "abcd::ef");
}

TEST(Vrrp, IPv6RoutersUseTheIPv6PrimaryAddress) {
    Config cfg = make_config({{100, 100}});
    cfg.vrrp[0].ipv6 = true;
    OneSet s(std::move(cfg));
    // The IPv4 address of eth0 is not this router's; the IPv6 one is.
    (void)s.step(VrrpLocalAddress{s.now, "eth0", v4(198, 18, 0, 1)});
    (void)s.step(VrrpLocalAddress{s.now, "eth0", v6({0xfd00, 0, 0, 0, 0, 0, 0, 5})});
    s.step(VrrpStartup{s.now});
    s.advance(3'609'375);
    ASSERT_EQ(s.state(0), VrrpState::master);
    EXPECT_EQ(s.set.status(0).master, v6({0xfd00, 0, 0, 0, 0, 0, 0, 5}));
    EXPECT_TRUE(s.advert(0, v6({0xfd00, 0, 0, 0, 0, 0, 0, 4}), 100).state_changes.empty());
    VrrpActions a = s.advert(0, v6({0xfd00, 0, 0, 0, 0, 0, 0, 6}), 100);
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].reason, "equal priority 100 from higher address fd00::6");
}

}  // namespace
}  // namespace vigil::core
