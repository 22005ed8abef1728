// Goal: the replication handshake accepts only a peer holding the cluster key, for this
// group, answering these nonces; a replayed, retargeted or damaged frame is refused.
#include "daemon/store_handshake.h"

#include <gtest/gtest.h>

namespace vigil::daemon {
namespace {

const wire::Keys kKeys{"current-key", "next-key"};
const Nonce kS{1, 2, 3}, kC{9, 8, 7};

TEST(StoreHandshake, ChallengeHelloAcceptRoundTrip) {
    auto nonce = parse_challenge(handshake_challenge(kS));
    ASSERT_TRUE(nonce);
    EXPECT_EQ(*nonce, kS);
    auto hello = verify_hello(kKeys, "nb", kS, handshake_hello(kKeys, "nb", "n1", 7, kS, kC));
    ASSERT_TRUE(hello) << hello.error().message;
    EXPECT_EQ(hello->node, "n1");
    EXPECT_EQ(hello->epoch, 7u);
    EXPECT_EQ(hello->nonce_c, kC);
    EXPECT_TRUE(verify_accept(kKeys, "nb", "n2", kC, kS, handshake_accept(kKeys, "nb", "n2", kC, kS)));
}

TEST(StoreHandshake, RefusesWrongKeyGroupNonceOrDamage) {
    const std::string hello = handshake_hello(kKeys, "nb", "n1", 7, kS, kC);
    const wire::Keys other{"another-key", ""};
    EXPECT_EQ(verify_hello(other, "nb", kS, hello).error().code, Error::Code::auth);
    EXPECT_EQ(verify_hello(kKeys, "sb", kS, hello).error().code, Error::Code::auth);
    EXPECT_EQ(verify_hello(kKeys, "nb", kC, hello).error().code, Error::Code::auth);  // replay
    std::string damaged = hello;
    damaged[5] ^= 1;  // the epoch
    EXPECT_EQ(verify_hello(kKeys, "nb", kS, damaged).error().code, Error::Code::auth);
    EXPECT_EQ(verify_hello(kKeys, "nb", kS, hello.substr(0, 20)).error().code,
              Error::Code::protocol);
    const std::string accept = handshake_accept(kKeys, "nb", "n2", kC, kS);
    EXPECT_FALSE(verify_accept(kKeys, "nb", "n3", kC, kS, accept));
    EXPECT_FALSE(verify_accept(kKeys, "nb", "n2", kS, kC, accept));
    EXPECT_FALSE(parse_challenge("VGC1short"));
}

TEST(StoreHandshake, TheNextKeyIsAcceptedDuringRotation) {
    const wire::Keys rotated{"next-key", ""};
    EXPECT_TRUE(verify_hello(kKeys, "nb", kS, handshake_hello(rotated, "nb", "n1", 1, kS, kC)));
}

}  // namespace
}  // namespace vigil::daemon
