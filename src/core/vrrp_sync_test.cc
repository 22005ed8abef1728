// Sync groups (core/vrrp.h): members fail over together, on one node driven by hand.
#include <gtest/gtest.h>

#include "core/vrrp_intervals.h"
#include "core/vrrp_test_support.h"

namespace vigil::core {
namespace {

using namespace vrrp_testing;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kDown100 = 3'609'375;
const wire::IpAddress kPeer = node_address(1);

// Routers 0 and 1 in group "g" (priority 100 here), router 2 alone.
Config group_config() {
    Config c = make_config({{100, 200}, {100, 200}, {100, 200}});
    c.vrrp[0].sync_group = "g";
    c.vrrp[1].sync_group = "g";
    return c;
}

std::size_t count_to(const VrrpActions& a, VrrpState to) {
    std::size_t n = 0;
    for (const VrrpStateChange& c : a.state_changes) n += c.to == to;
    return n;
}

// Both members master, router 2 master too.
void make_masters(OneSet& s) {
    s.start();
    VrrpActions a = s.advance(kDown100);
    ASSERT_EQ(count_to(a, VrrpState::master), 3u);
}

TEST(VrrpSync, MembersGoMasterTogetherInOneStep) {
    OneSet s(group_config());
    s.start();
    VrrpActions a = s.advance(kDown100);
    ASSERT_EQ(count_to(a, VrrpState::master), 3u);
    EXPECT_EQ(a.sends.size(), 3u);
    EXPECT_EQ(a.vip_changes.size(), 3u);
}

TEST(VrrpSync, AMembersTimerAloneDoesNotPromote) {
    OneSet s(group_config());
    const TimePoint t0 = s.now;
    s.start();
    s.advance(kSecond);
    s.advert(1, kPeer, 200);  // router 1 follows a master; router 0 hears nothing
    VrrpActions a = s.tick(t0 + kDown100);
    // Router 2 (no group) goes master; router 0 waits for router 1.
    ASSERT_EQ(a.state_changes.size(), 1u);
    EXPECT_EQ(a.state_changes[0].router, 2u);
    EXPECT_EQ(s.state(0), VrrpState::backup);
    VrrpRouterStatus st = s.set.status(0);
    EXPECT_TRUE(st.waiting_for_sync_group);
    EXPECT_EQ(st.master_down_at, TimePoint::never());
    for (const VrrpSend& send : a.sends) EXPECT_NE(send.router, 0u);
    // Router 1's timer fires later: both go master in that one step.
    VrrpActions b = s.tick(t0 + kSecond + kDown100);
    ASSERT_EQ(count_to(b, VrrpState::master), 2u);
    for (const VrrpStateChange& c : b.state_changes)
        EXPECT_EQ(c.reason, "master down timer expired (sync group g: all members ready)");
    EXPECT_FALSE(s.set.status(0).waiting_for_sync_group);
    EXPECT_EQ(b.announcements.size(), 2u);
}

TEST(VrrpSync, AWaitingMemberHearingAMasterStopsWaiting) {
    OneSet s(group_config());
    const TimePoint t0 = s.now;
    s.start();
    s.advance(kSecond);
    s.advert(1, kPeer, 200);
    s.tick(t0 + kDown100);
    ASSERT_TRUE(s.set.status(0).waiting_for_sync_group);
    s.advert(0, kPeer, 200);
    EXPECT_FALSE(s.set.status(0).waiting_for_sync_group);
    EXPECT_EQ(s.set.status(0).master_down_at, s.now + kDown100);
    // Router 1 fires alone now: nobody goes master.
    VrrpActions a = s.tick(t0 + kSecond + kDown100);
    EXPECT_EQ(count_to(a, VrrpState::master), 0u);
    EXPECT_TRUE(s.set.status(1).waiting_for_sync_group);
}

TEST(VrrpSync, HigherPriorityForOneMemberTakesAllToBackupInOneStep) {
    OneSet s(group_config());
    make_masters(s);
    s.advance(100'000);
    VrrpActions a = s.advert(1, kPeer, 200);
    ASSERT_EQ(a.state_changes.size(), 2u);
    EXPECT_EQ(a.state_changes[0].router, 1u);
    EXPECT_EQ(a.state_changes[0].reason, "higher priority 200 from 198.18.0.2");
    EXPECT_EQ(a.state_changes[1].router, 0u);
    EXPECT_EQ(a.state_changes[1].to, VrrpState::backup);
    EXPECT_EQ(a.state_changes[1].reason, "sync group g: vr1 went backup");
    EXPECT_EQ(a.vip_changes.size(), 2u);
    for (const VipChange::Kind k : {a.vip_changes[0].kind, a.vip_changes[1].kind})
        EXPECT_EQ(k, VipChange::Kind::remove);
    // The preempted member sends nothing (RFC); the one taken along hands over with 0.
    ASSERT_EQ(a.sends.size(), 1u);
    EXPECT_EQ(a.sends[0].router, 0u);
    EXPECT_EQ(a.sends[0].priority, 0);
    EXPECT_EQ(s.state(2), VrrpState::master);  // not in the group
}

TEST(VrrpSync, AWeightZeroCheckOnOneMemberFaultsAll) {
    Config c = group_config();
    c.checks.push_back(make_check("uplink", 0));
    c.vrrp[0].checks = {0};
    OneSet s(std::move(c));
    make_masters(s);
    VrrpActions a = s.check(0, false);
    ASSERT_EQ(count_to(a, VrrpState::fault), 2u);
    EXPECT_EQ(s.set.status(0).fault, "check uplink failing");
    EXPECT_EQ(s.set.status(1).fault, "sync group g: vr0 in fault (check uplink failing)");
    EXPECT_EQ(a.sends.size(), 2u);
    for (const VrrpSend& send : a.sends) EXPECT_EQ(send.priority, 0);
    EXPECT_EQ(s.state(2), VrrpState::master);
    EXPECT_EQ(s.set.timers_pending(), 1u);  // router 2 only
    // Nothing moves in fault, not even a member's advert or time.
    EXPECT_TRUE(s.advance(10 * kSecond).state_changes.empty());
    EXPECT_TRUE(s.advert(1, kPeer, 0).state_changes.empty());
    // Recovery: both start again as backups.
    VrrpActions r = s.check(0, true);
    EXPECT_EQ(count_to(r, VrrpState::backup), 2u);
    EXPECT_EQ(s.set.status(1).fault, "");
    EXPECT_EQ(count_to(s.advance(kDown100), VrrpState::master), 2u);
}

TEST(VrrpSync, StartingWithAFaultyMemberFaultsAll) {
    Config c = group_config();
    c.vrrp[1].require_quorum = true;
    OneSet s(std::move(c));
    VrrpActions a = s.start();
    EXPECT_EQ(count_to(a, VrrpState::fault), 2u);
    EXPECT_TRUE(a.sends.empty());
    EXPECT_EQ(s.set.status(0).fault, "sync group g: vr1 in fault (no quorum)");
    EXPECT_EQ(count_to(s.step(VrrpQuorum{s.now, true}), VrrpState::backup), 2u);
}

TEST(VrrpSync, OwnersGoMasterAtStartupOnlyWhenAllMembersAreOwners) {
    Config all = make_config({{255, 1}, {255, 1}});
    all.vrrp[0].sync_group = all.vrrp[1].sync_group = "g";
    OneSet a(std::move(all));
    EXPECT_EQ(count_to(a.start(), VrrpState::master), 2u);

    Config mixed = make_config({{255, 1}, {100, 1}});
    mixed.vrrp[0].sync_group = mixed.vrrp[1].sync_group = "g";
    OneSet b(std::move(mixed));
    VrrpActions st = b.start();
    EXPECT_EQ(count_to(st, VrrpState::backup), 2u);
    EXPECT_TRUE(st.sends.empty());
    // The owner's timer fires first (tiny skew) and waits for the other member.
    EXPECT_EQ(count_to(b.advance(vrrp_master_down_interval_us(255, 100)), VrrpState::master),
              0u);
    EXPECT_TRUE(b.set.status(0).waiting_for_sync_group);
    EXPECT_EQ(count_to(b.tick(b.now - vrrp_master_down_interval_us(255, 100) + kDown100),
                       VrrpState::master),
              2u);
}

TEST(VrrpSync, MembersInactiveOnThisNodeAreNotWaitedFor) {
    Config c = make_config({{100, 200}, {std::nullopt, 200}});
    c.vrrp[0].sync_group = c.vrrp[1].sync_group = "g";
    OneSet s(std::move(c));
    s.start();
    EXPECT_EQ(count_to(s.advance(kDown100), VrrpState::master), 1u);
}

TEST(VrrpSync, ShutdownTakesMembersToInitialize) {
    OneSet s(group_config());
    make_masters(s);
    VrrpActions a = s.step(VrrpShutdown{s.now});
    EXPECT_EQ(count_to(a, VrrpState::initialize), 3u);
    EXPECT_EQ(a.sends.size(), 3u);
    EXPECT_EQ(s.set.timers_pending(), 0u);
}

}  // namespace
}  // namespace vigil::core
