// Network: datagrams arrive in order of arrival time, cuts block exactly their (sender,
// receiver, link) and compose, and stored heartbeats are shared and freed.
#include "sim/network.h"

#include <gtest/gtest.h>

namespace vigil::sim {
namespace {

wire::Heartbeat heartbeat(const char* sender) {
    wire::Heartbeat hb;
    hb.sender = sender;
    return hb;
}

TEST(Network, DeliversAfterLatencyInOrderSent) {
    NetworkFaults f;
    f.latency_us = 300;
    Network net(f, 3, 2);
    Prng prng(1);
    auto hb = net.store(heartbeat("n1"));
    EXPECT_FALSE(net.send(hb, 0, 1, 0, 1, 1'000, prng));
    EXPECT_FALSE(net.send(hb, 0, 2, 1, 2, 1'000, prng));
    net.release_if_unused(hb);
    EXPECT_EQ(net.next_due(), 1'300);
    Datagram a = net.pop();
    Datagram b = net.pop();
    EXPECT_EQ(a.seq, 1u);
    EXPECT_EQ(b.seq, 2u);
    EXPECT_EQ(net.heartbeat(a.heartbeat).sender, "n1");
    net.release(a.heartbeat);
    net.release(b.heartbeat);
    EXPECT_EQ(net.next_due(), kRealNever);
}

TEST(Network, CutsAreOneWayPerLinkAndCompose) {
    Network net(NetworkFaults{}, 3, 2);
    Prng prng(1);
    net.cut(0, 1, 0);
    net.cut(0, 1, 0);  // a second partition over the same cell
    EXPECT_TRUE(net.blocked(0, 1, 0));
    EXPECT_FALSE(net.blocked(1, 0, 0));
    EXPECT_FALSE(net.blocked(0, 1, 1));
    auto hb = net.store(heartbeat("n1"));
    EXPECT_EQ(net.send(hb, 0, 1, 0, 1, 0, prng), Drop::partition);
    net.release_if_unused(hb);
    net.uncut(0, 1, 0);
    EXPECT_TRUE(net.blocked(0, 1, 0));  // the other partition still holds
    net.uncut(0, 1, 0);
    EXPECT_FALSE(net.blocked(0, 1, 0));
}

TEST(Network, LossAndDuplicationFollowTheirRates) {
    NetworkFaults f;
    f.drop_ppm = 1'000'000;
    Network lossy(f, 2, 1);
    Prng prng(7);
    auto hb = lossy.store(heartbeat("n1"));
    EXPECT_EQ(lossy.send(hb, 0, 1, 0, 1, 0, prng), Drop::loss);
    lossy.release_if_unused(hb);
    f.drop_ppm = 0;
    f.duplicate_ppm = 1'000'000;
    Network dup(f, 2, 1);
    hb = dup.store(heartbeat("n1"));
    EXPECT_FALSE(dup.send(hb, 0, 1, 0, 1, 0, prng));
    EXPECT_EQ(dup.in_flight(), 2u);
}

TEST(Network, StoredHeartbeatsAreReused) {
    Network net(NetworkFaults{}, 2, 1);
    Prng prng(1);
    auto first = net.store(heartbeat("n1"));
    (void)net.send(first, 0, 1, 0, 1, 0, prng);
    net.release_if_unused(first);
    Datagram d = net.pop();
    net.release(d.heartbeat);
    EXPECT_EQ(net.store(heartbeat("n2")), first);
}

}  // namespace
}  // namespace vigil::sim
