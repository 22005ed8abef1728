// Goal: hmac_sha256 is HMAC-SHA256, and hmac_sha256_match accepts exactly the tags made with
// the current or next key. Method: RFC 4231 test vectors, then tags made with known keys.
#include "wire/auth.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace vigil::wire {
namespace {

std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string hex(const HmacSha256& tag) {
    std::string out;
    char buf[3];
    for (std::uint8_t b : tag) {
        std::snprintf(buf, sizeof buf, "%02x", b);
        out += buf;
    }
    return out;
}

// RFC 4231 §4.2: test case 1.
TEST(HmacSha256, Rfc4231TestCase1) {
    EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), as_bytes("Hi There"))),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// RFC 4231 §4.3: test case 2, a key shorter than the output.
TEST(HmacSha256, Rfc4231TestCase2) {
    EXPECT_EQ(hex(hmac_sha256("Jefe", as_bytes("what do ya want for nothing?"))),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 §4.7: test case 6, a key longer than the SHA-256 block (hashed first).
TEST(HmacSha256, Rfc4231TestCase6) {
    EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'),
                              as_bytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, EmptyMessageHasATag) {
    EXPECT_NE(hmac_sha256("k", {}), hmac_sha256("l", {}));
}

TEST(HmacSha256, MatchNamesTheKeyThatMadeTheTag) {
    const auto message = as_bytes("heartbeat bytes");
    const HmacSha256 by_old = hmac_sha256("old", message);
    const HmacSha256 by_new = hmac_sha256("new", message);
    EXPECT_EQ(hmac_sha256_match({"old", ""}, message, by_old), KeyMatch::current);
    EXPECT_EQ(hmac_sha256_match({"new", "old"}, message, by_old), KeyMatch::next);
    EXPECT_EQ(hmac_sha256_match({"old", "new"}, message, by_new), KeyMatch::next);
    EXPECT_EQ(hmac_sha256_match({"new", ""}, message, by_old), KeyMatch::none);
    EXPECT_EQ(hmac_sha256_match({"other", "another"}, message, by_old), KeyMatch::none);
}

TEST(HmacSha256, MatchRejectsATagOneBitOff) {
    const auto message = as_bytes("heartbeat bytes");
    for (std::size_t i = 0; i < kHmacSha256Bytes; ++i) {
        HmacSha256 tag = hmac_sha256("key", message);
        tag[i] ^= 0x01;
        EXPECT_EQ(hmac_sha256_match({"key", "key"}, message, tag), KeyMatch::none) << i;
    }
}

}  // namespace
}  // namespace vigil::wire
