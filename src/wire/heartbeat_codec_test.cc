// Goal: the codec implements docs/wire.md (version 2) exactly, and decode() survives any
// input.
// Method: round trips of populated heartbeats, the quorum fields (witness, sent_at_us,
// campaign and vote) included; a golden layout written by hand from the tables in
// docs/wire.md; the key-rotation procedure step by step; every single-byte flip and every
// truncation of a valid datagram, also re-signed so that each cut reaches the parser; seeded
// random garbage, both unsigned and signed (signed garbage gets past the HMAC and exercises
// the parser); and signed datagrams built by a test-side writer, each breaking one rule,
// checked for the exact error message.
#include "wire/heartbeat_codec.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/prng.h"

namespace vigil::wire {
namespace {

const Keys kKeys{"current-key", ""};
constexpr std::uint64_t kSeed = 20240611;

Heartbeat sample(std::size_t group_count) {
    Heartbeat hb;
    hb.config_digest = {0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8};
    hb.sender = "node-a";
    hb.link = 2;
    hb.boot_id = 1718000000123456;
    hb.seq = 4711;
    hb.interval_ms = 50;
    hb.maintenance = true;
    hb.witness = group_count % 2 == 1;
    hb.sent_at_us = 987654321012 + group_count;
    for (std::size_t i = 0; i < group_count; ++i) {
        GroupState& g = hb.groups.emplace_back();
        g.group = "group-" + std::to_string(1000 + i);
        g.role = static_cast<Role>(i % 4);
        g.epoch = 1000 + i;
        g.priority = static_cast<std::uint16_t>(i * 7);
        g.admin = i % 2 == 1;
        g.primary = i % 3 == 0 ? "" : "node-b";
        g.handoff_to = i % 5 == 0 ? "node-c" : "";
        g.switchover_to = i % 7 == 0 ? "node-d" : "";
        g.switchover_id = static_cast<std::uint32_t>(i * 3);
        g.campaign_epoch = i % 4 == 1 ? 2000 + i : 0;
        g.vote_for = i % 3 == 2 ? "" : "node-e";
        g.vote_epoch = g.vote_for.empty() ? 0 : 1000 + i;
        g.vote_echo_us = g.vote_for.empty() ? 0 : 123456789 + i;
    }
    return hb;
}

std::vector<std::uint8_t> sign(std::vector<std::uint8_t> body);

Result<Heartbeat> decode_bytes(const std::vector<std::uint8_t>& bytes, const Keys& keys = kKeys) {
    return decode(std::span<const std::uint8_t>(bytes), keys);
}

TEST(HeartbeatCodec, RoundTripWithNoGroups) {
    const Heartbeat hb = sample(0);
    auto decoded = decode_bytes(encode(hb, kKeys));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, hb);
}

TEST(HeartbeatCodec, RoundTripWithOneGroup) {
    const Heartbeat hb = sample(1);
    auto decoded = decode_bytes(encode(hb, kKeys));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, hb);
}

TEST(HeartbeatCodec, RoundTripWithMaximumGroupCount) {
    const Heartbeat hb = sample(kGroupsMax);
    auto decoded = decode_bytes(encode(hb, kKeys));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, hb);
}

// Every field at an extreme value, every name at its longest, every role and flag.
TEST(HeartbeatCodec, EveryFieldSurvivesAtItsExtremes) {
    Heartbeat hb;
    hb.config_digest = {0xff, 0, 0xff, 0, 0x80, 0x7f, 1, 0xfe};
    hb.sender = std::string(kNameBytesMax, 's');
    hb.link = kLinksMax - 1;
    hb.boot_id = UINT64_MAX;
    hb.seq = UINT64_MAX - 1;
    hb.interval_ms = UINT16_MAX;
    hb.maintenance = false;
    hb.leaving = true;
    hb.witness = true;
    hb.sent_at_us = UINT64_MAX;
    for (int role = 0; role <= 3; ++role) {
        GroupState& g = hb.groups.emplace_back();
        g.group = std::string(kNameBytesMax - 1, 'g') + std::to_string(role);
        g.role = static_cast<Role>(role);
        g.admin = role % 2 == 0;
        g.epoch = UINT64_MAX - static_cast<std::uint64_t>(role);
        g.priority = UINT16_MAX;
        g.primary = std::string(kNameBytesMax, 'p');
        g.handoff_to = std::string(kNameBytesMax, 'h');
        g.switchover_to = std::string(kNameBytesMax, 'w');
        g.switchover_id = UINT32_MAX;
        g.campaign_epoch = UINT64_MAX - 1;
        g.vote_for = std::string(kNameBytesMax, 'v');
        g.vote_epoch = UINT64_MAX - 2;
        g.vote_echo_us = UINT64_MAX - 3;
    }
    auto decoded = decode_bytes(encode(hb, kKeys));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, hb);
}

TEST(HeartbeatCodec, SmallestDatagramIs79Bytes) {
    Heartbeat hb;
    hb.sender = "a";
    const auto bytes = encode(hb, kKeys);
    EXPECT_EQ(bytes.size(), kMessageBytesMin);
    EXPECT_EQ(bytes.size(), 79u);
    EXPECT_TRUE(decode_bytes(bytes));
}

// docs/wire.md "Limits": a group record is 45 fixed bytes plus its five names, and 36 more
// with the store block.
TEST(HeartbeatCodec, LargestGroupRecordIs396Bytes) {
    Heartbeat hb;
    hb.sender = "a";
    const std::size_t empty = encoded_bytes(hb);
    GroupState& g = hb.groups.emplace_back();
    for (std::string* name : {&g.group, &g.primary, &g.handoff_to, &g.switchover_to, &g.vote_for}) {
        name->assign(kNameBytesMax, 'n');
    }
    EXPECT_EQ(encode(hb, kKeys).size(), empty + 360);  // without a store
    g.store = true;
    EXPECT_EQ(encoded_bytes(hb) - empty, kGroupBytesMax);
    EXPECT_EQ(kGroupBytesMax, 396u);
    EXPECT_EQ(encode(hb, kKeys).size(), empty + 396);
    g.store = false;
    g.group = "g";
    g.primary = g.handoff_to = g.switchover_to = g.vote_for = "";
    EXPECT_EQ(encode(hb, kKeys).size(), empty + kGroupBytesMin);
}

// A group with a store carries its block (group flag bit 1); one without does not, and is
// byte for byte what it was before the store existed.
TEST(HeartbeatCodec, StoreBlockRoundTripsAndIsAbsentWithoutAStore) {
    Heartbeat hb = sample(3);
    const auto plain = encode(hb, kKeys);
    hb.groups[1].store = true;
    hb.groups[1].store_last_epoch = UINT64_MAX;
    hb.groups[1].store_last_index = 0x0102030405060708;
    hb.groups[1].sync_epoch = 7;
    hb.groups[1].sync_seq = 3;
    hb.groups[1].sync_mask = 0x80000005;
    hb.groups[2].store = true;  // a store with nothing to report yet: all zero
    const auto with_store = encode(hb, kKeys);
    EXPECT_EQ(with_store.size(), plain.size() + 2 * kGroupStoreBytes);
    auto decoded = decode_bytes(with_store);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, hb);
    auto decoded_plain = decode_bytes(plain);
    ASSERT_TRUE(decoded_plain) << decoded_plain.error().message;
    EXPECT_FALSE(decoded_plain->groups[1].store);
    EXPECT_EQ(decoded_plain->groups[1].sync_epoch, 0u);
}

// The store block's layout, written out from docs/wire.md: after vote_echo_us.
TEST(HeartbeatCodec, StoreBlockLayoutMatchesDocsWireMd) {
    Heartbeat hb;
    hb.sender = "a";
    hb.groups.push_back({.group = "g",
                         .role = Role::primary,
                         .store = true,
                         .store_last_epoch = 0x0102030405060708,
                         .store_last_index = 0x1112131415161718,
                         .sync_epoch = 0x2122232425262728,
                         .sync_seq = 0x3132333435363738,
                         .sync_mask = 0x41424344});
    auto bytes = encode(hb, kKeys);
    const std::size_t block = bytes.size() - kHmacBytes - kGroupStoreBytes;
    const std::size_t flags = 47 - 1 + 3;  // header with sender "a", then name "g", role
    EXPECT_EQ(bytes[flags], kGroupFlagStore);
    const std::vector<std::uint8_t> expected = {
        1,    2,    3,    4,    5,    6,    7,    8,    0x11, 0x12, 0x13, 0x14,
        0x15, 0x16, 0x17, 0x18, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
        0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x41, 0x42, 0x43, 0x44};
    EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(block),
                                        bytes.end() - kHmacBytes),
              expected);
}

// Every cut of a datagram with store blocks, re-signed, is a protocol error; a cut inside
// the block names its field.
TEST(HeartbeatCodec, TruncatedStoreBlockIsRejectedAndNamed) {
    Heartbeat hb = sample(2);
    for (GroupState& g : hb.groups) {
        g.store = true;
        g.sync_epoch = 9;
        g.sync_mask = 3;
    }
    auto body = encode(hb, kKeys);
    body.resize(body.size() - kHmacBytes);
    for (std::size_t size = kMessageBytesMin - kHmacBytes; size < body.size(); ++size) {
        auto decoded =
            decode_bytes(sign({body.begin(), body.begin() + static_cast<std::ptrdiff_t>(size)}));
        ASSERT_FALSE(decoded) << size;
        EXPECT_EQ(decoded.error().code, Error::Code::protocol) << size;
    }
    auto decoded = decode_bytes(sign({body.begin(), body.end() - 1}));
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().message,
              "heartbeat: group[1].sync_mask: truncated: needs 4 bytes, 3 remain");
}

// 128 groups with names sized so that the datagram is exactly kMessageBytesMax.
TEST(HeartbeatCodec, DatagramOfExactlyTheMaximumSizeRoundTrips) {
    Heartbeat hb = sample(0);
    hb.sender = std::string(kNameBytesMax, 's');
    std::size_t name_bytes = kMessageBytesMax - encoded_bytes(hb) - kGroupsMax * kGroupBytesFixed;
    for (std::size_t i = 0; i < kGroupsMax; ++i) {
        std::size_t share = name_bytes / (kGroupsMax - i);  // the last group takes the rest
        name_bytes -= share;
        GroupState& g = hb.groups.emplace_back();
        for (std::string* name :
             {&g.group, &g.primary, &g.handoff_to, &g.switchover_to, &g.vote_for}) {
            name->assign(std::min(share, kNameBytesMax), 'n');
            share -= name->size();
        }
        ASSERT_EQ(share, 0u);
        g.group.replace(0, 3, std::to_string(100 + i));  // distinct
    }
    ASSERT_EQ(encoded_bytes(hb), kMessageBytesMax);
    const auto bytes = encode(hb, kKeys);
    EXPECT_EQ(bytes.size(), kMessageBytesMax);
    auto decoded = decode_bytes(bytes);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, hb);
}

// The byte layout, written out by hand from the tables in docs/wire.md.
TEST(HeartbeatCodec, LayoutMatchesDocsWireMd) {
    Heartbeat hb;
    hb.config_digest = {0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8};
    hb.sender = "ab";
    hb.link = 1;
    hb.boot_id = 0x0102030405060708;
    hb.seq = 0x1112131415161718;
    hb.interval_ms = 0x2122;
    hb.maintenance = true;
    hb.leaving = true;
    hb.witness = true;
    hb.sent_at_us = 0x6162636465666768;
    hb.groups.push_back({.group = "g",
                         .role = Role::primary,
                         .epoch = 0x3132333435363738,
                         .priority = 0x4142,
                         .admin = true,
                         .primary = "ab",
                         .handoff_to = "",
                         .switchover_to = "c",
                         .switchover_id = 0x51525354,
                         .campaign_epoch = 0x7172737475767778,
                         .vote_for = "de",
                         .vote_epoch = 0x8182838485868788,
                         .vote_echo_us = 0x9192939495969798});
    const std::vector<std::uint8_t> body = {
        'V',  'G',  'L',  '1',  2,    1,    0,           // magic, version, type, flags
        0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,  // config_digest
        2,    'a',  'b',  1,                             // sender, link
        1,    2,    3,    4,    5,    6,    7,    8,     // boot_id
        0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,  // seq
        0x21, 0x22, 0x07,                                // interval_ms, node_flags
        0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,  // sent_at_us
        0,    1,                                         // group_count
        1,    'g',  2,    1,                             // name, role, flags
        0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,  // epoch
        0x41, 0x42, 2,    'a',  'b',  0,    1,    'c',   // priority, primary, handoff, switchover
        0x51, 0x52, 0x53, 0x54,                          // switchover_id
        0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,  // campaign_epoch
        2,    'd',  'e',                                 // vote_for
        0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,  // vote_epoch
        0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,  // vote_echo_us
    };
    std::vector<std::uint8_t> expected = body;
    const HmacSha256 tag = hmac_sha256(kKeys.current, body);
    expected.insert(expected.end(), tag.begin(), tag.end());
    EXPECT_EQ(encode(hb, kKeys), expected);
    EXPECT_EQ(encoded_bytes(hb), expected.size());
}

// Each node flag has its own bit, and sent_at_us follows node_flags (docs/wire.md "Layout").
TEST(HeartbeatCodec, EachNodeFlagHasItsBit) {
    constexpr std::size_t kNodeFlagsOffset = 16 + 1 + 1 + 8 + 8 + 2;  // with sender "a"
    const struct {
        void (*set)(Heartbeat&);
        std::uint8_t bit;
    } cases[] = {
        {[](Heartbeat& h) { h.maintenance = true; }, 0x01},
        {[](Heartbeat& h) { h.leaving = true; }, 0x02},
        {[](Heartbeat& h) { h.witness = true; }, 0x04},
    };
    for (const auto& c : cases) {
        Heartbeat hb;
        hb.sender = "a";
        hb.sent_at_us = 0x0102030405060708;
        c.set(hb);
        const auto bytes = encode(hb, kKeys);
        EXPECT_EQ(bytes[kNodeFlagsOffset], c.bit);
        const std::vector<std::uint8_t> sent_at(bytes.begin() + kNodeFlagsOffset + 1,
                                                bytes.begin() + kNodeFlagsOffset + 9);
        EXPECT_EQ(sent_at, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
        auto decoded = decode_bytes(bytes);
        ASSERT_TRUE(decoded) << decoded.error().message;
        EXPECT_EQ(*decoded, hb);
    }
}

TEST(HeartbeatCodec, SignsWithCurrentKeyOnly) {
    const auto bytes = encode(sample(2), {"current", "next"});
    EXPECT_TRUE(decode_bytes(bytes, {"current", ""}));
    auto by_next = decode_bytes(bytes, {"next", ""});
    ASSERT_FALSE(by_next);
    EXPECT_EQ(by_next.error().code, Error::Code::auth);
}

TEST(HeartbeatCodec, AcceptsCurrentOrNextKey) {
    const auto bytes = encode(sample(2), {"old", ""});
    EXPECT_TRUE(decode_bytes(bytes, {"old", ""}));
    EXPECT_TRUE(decode_bytes(bytes, {"old", "new"}));
    EXPECT_TRUE(decode_bytes(bytes, {"new", "old"}));
}

TEST(HeartbeatCodec, WrongKeyIsAnAuthError) {
    auto decoded = decode_bytes(encode(sample(2), {"old", ""}), {"new", "newer"});
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, Error::Code::auth);
    EXPECT_EQ(decoded.error().message,
              "heartbeat: hmac: matches neither the current nor the next key");
}

// The key rotation of docs/wire.md "Authentication and keys": nodes move through these key
// sets one at a time, so at any moment two nodes are at most one step apart. Each must
// accept what the other signs.
TEST(HeartbeatCodec, KeyRotationNeverSplitsTheCluster) {
    const Keys steps[] = {{"old", ""}, {"old", "new"}, {"new", "old"}, {"new", ""}};
    for (std::size_t a = 0; a < std::size(steps); ++a) {
        for (std::size_t b = a; b < std::size(steps) && b <= a + 1; ++b) {
            EXPECT_TRUE(decode_bytes(encode(sample(1), steps[a]), steps[b])) << a << "->" << b;
            EXPECT_TRUE(decode_bytes(encode(sample(1), steps[b]), steps[a])) << b << "->" << a;
        }
    }
}

// A flip in magic, version or type is malformed; anywhere else the HMAC catches it.
TEST(HeartbeatCodec, EverySingleByteFlipIsRejected) {
    const auto valid = encode(sample(3), {"current", "next"});
    const Keys keys{"current", "next"};
    for (std::size_t i = 0; i < valid.size(); ++i) {
        for (int mask = 1; mask <= 0xff; ++mask) {
            auto bytes = valid;
            bytes[i] ^= static_cast<std::uint8_t>(mask);
            auto decoded = decode_bytes(bytes, keys);
            ASSERT_FALSE(decoded) << "offset " << i << " mask " << mask;
            EXPECT_EQ(decoded.error().code, i < 6 ? Error::Code::protocol : Error::Code::auth)
                << "offset " << i << " mask " << mask;
        }
    }
}

TEST(HeartbeatCodec, EveryTruncationIsRejected) {
    const auto valid = encode(sample(3), kKeys);
    for (std::size_t size = 0; size < valid.size(); ++size) {
        const std::vector<std::uint8_t> bytes(valid.begin(), valid.begin() + size);
        EXPECT_FALSE(decode_bytes(bytes)) << size;
    }
    auto longer = valid;
    longer.push_back(0);
    EXPECT_FALSE(decode_bytes(longer));
}

std::vector<std::uint8_t> sign(std::vector<std::uint8_t> body) {
    const HmacSha256 tag = hmac_sha256(kKeys.current, body);
    body.insert(body.end(), tag.begin(), tag.end());
    return body;
}

// The body cut at every offset and signed again, so that every cut gets past the HMAC and
// reaches the parser: each is a protocol error naming a field, never a crash or a success.
// With every optional name and every quorum field set, the cuts land in each of them.
TEST(HeartbeatCodec, EveryResignedTruncationIsAProtocolError) {
    Heartbeat hb = sample(3);
    for (GroupState& g : hb.groups) {
        g.primary = g.handoff_to = g.switchover_to = g.vote_for = "node-x";
        g.campaign_epoch = 7;
    }
    auto body = encode(hb, kKeys);
    body.resize(body.size() - kHmacBytes);
    std::size_t too_short = 0;
    for (std::size_t size = 6; size < body.size(); ++size) {
        const auto bytes = sign({body.begin(), body.begin() + static_cast<std::ptrdiff_t>(size)});
        auto decoded = decode_bytes(bytes);
        ASSERT_FALSE(decoded) << size;
        EXPECT_EQ(decoded.error().code, Error::Code::protocol) << size;
        if (bytes.size() < kMessageBytesMin) {
            ++too_short;
            continue;
        }
        EXPECT_NE(decoded.error().message.find("heartbeat: "), std::string::npos) << size;
        EXPECT_EQ(decoded.error().message.find("hmac"), std::string::npos) << size;
    }
    EXPECT_EQ(too_short, kMessageBytesMin - kHmacBytes - 6);
}

// The fields added in version 2: a cut inside each one names it.
TEST(HeartbeatCodec, TruncatedQuorumFieldsAreNamed) {
    Heartbeat hb;
    hb.sender = "abcd";  // long enough that a cut in sent_at_us passes the length check
    // A long primary, so that cuts in the later fields pass group_count's size check.
    hb.groups.push_back({.group = "g", .primary = std::string(40, 'p'), .vote_for = "de"});
    auto body = encode(hb, kKeys);
    body.resize(body.size() - kHmacBytes);
    // Offsets (docs/wire.md "Layout"): sent_at_us 40..47; the group record starts at 50,
    // campaign_epoch 111..118, vote_for 119..121, vote_epoch 122..129, vote_echo_us 130..137.
    ASSERT_EQ(body.size(), 138u);
    const struct {
        std::size_t cut;
        const char* error;
    } cases[] = {
        {40 + 7, "heartbeat: sent_at_us: truncated: needs 8 bytes, 7 remain"},
        {111 + 3, "heartbeat: group[0].campaign_epoch: truncated: needs 8 bytes, 3 remain"},
        {119, "heartbeat: group[0].vote_for: truncated: needs 1 bytes, 0 remain"},
        {121, "heartbeat: group[0].vote_for: length 2 exceeds the 1 bytes remaining"},
        {122 + 7, "heartbeat: group[0].vote_epoch: truncated: needs 8 bytes, 7 remain"},
        {130, "heartbeat: group[0].vote_echo_us: truncated: needs 8 bytes, 0 remain"},
        {137, "heartbeat: group[0].vote_echo_us: truncated: needs 8 bytes, 7 remain"},
    };
    for (const auto& c : cases) {
        const auto cut = body.begin() + static_cast<std::ptrdiff_t>(c.cut);
        auto decoded = decode_bytes(sign({body.begin(), cut}));
        ASSERT_FALSE(decoded) << c.cut;
        EXPECT_EQ(decoded.error().message, c.error) << c.cut;
    }
    EXPECT_TRUE(decode_bytes(sign(body)));
}

std::vector<std::uint8_t> random_bytes(Prng& prng, std::size_t size) {
    std::vector<std::uint8_t> out(size);
    for (auto& b : out) b = static_cast<std::uint8_t>(prng.next());
    return out;
}

// magic, version, type of the current version: garbage that starts with them reaches the
// HMAC check (or, signed, the parser) instead of stopping at the version.
constexpr std::uint8_t kPrefix[6] = {'V', 'G', 'L', '1', kVersion, kTypeHeartbeat};

// Half the inputs start with a valid prefix, so that they reach the HMAC check.
TEST(HeartbeatCodec, RandomGarbageIsRejected) {
    Prng prng(kSeed);
    for (int i = 0; i < 20000; ++i) {
        const std::size_t size_max = prng.below(4) == 0 ? kMessageBytesMax + 64 : 256;
        auto bytes = random_bytes(prng, prng.below(size_max + 1));
        if (i % 2 == 0 && bytes.size() >= 6) std::copy_n(kPrefix, 6, bytes.begin());
        EXPECT_FALSE(decode_bytes(bytes, {"current", "next"})) << "seed " << kSeed << " i " << i;
    }
}

void expect_rejected_or_canonical(const std::vector<std::uint8_t>& bytes, int i) {
    auto decoded = decode_bytes(bytes);
    if (decoded) {
        EXPECT_EQ(encode(*decoded, kKeys), bytes) << "seed " << kSeed << " i " << i;
    } else {
        EXPECT_EQ(decoded.error().code, Error::Code::protocol) << "seed " << kSeed << " i " << i;
    }
}

// Signed random bodies get past the HMAC: the parser must reject them as malformed, or
// accept them only if they are a canonical encoding.
TEST(HeartbeatCodec, SignedRandomGarbageIsRejectedOrCanonical) {
    Prng prng(kSeed + 1);
    for (int i = 0; i < 20000; ++i) {
        auto body = random_bytes(prng, 6 + prng.below(512));
        std::copy_n(kPrefix, 6, body.begin());
        if (prng.below(2) == 0 && body.size() > 6) body[6] = 0;  // past the header flags
        expect_rejected_or_canonical(sign(std::move(body)), i);
    }
}

// Valid datagrams with a few bytes changed, cut or extended, then signed again: reaches
// every field of the parser.
TEST(HeartbeatCodec, MutatedResignedDatagramsAreRejectedOrCanonical) {
    Prng prng(kSeed + 2);
    for (int i = 0; i < 20000; ++i) {
        auto body = encode(sample(prng.below(6)), kKeys);
        body.resize(body.size() - kHmacBytes);
        for (std::uint64_t n = 1 + prng.below(3); n > 0; --n) {
            body[6 + prng.below(body.size() - 6)] = static_cast<std::uint8_t>(prng.next());
        }
        if (prng.below(4) == 0) body.resize(6 + prng.below(body.size() - 5));
        if (prng.below(4) == 0) body.push_back(static_cast<std::uint8_t>(prng.next()));
        expect_rejected_or_canonical(sign(std::move(body)), i);
    }
}

// A test-side writer for signed datagrams that break one rule: independent of the encoder,
// with every length byte and count overridable.
struct RawGroup {
    std::string name = "g";
    std::uint8_t role = 1;
    std::uint8_t flags = 0;
    std::string primary = "a";
    std::string switchover_to;
    std::optional<std::uint8_t> switchover_to_length;
    std::string vote_for;
    std::optional<std::uint8_t> vote_for_length;
};

struct RawHeartbeat {
    std::uint8_t flags = 0;
    std::string sender = "a";
    std::uint8_t link = 0;
    std::uint8_t node_flags = 0;
    std::optional<std::uint16_t> group_count;
    std::vector<RawGroup> groups = {RawGroup{}};
    std::size_t extra_bytes = 0;          // appended after the last group
    std::optional<std::size_t> body_cut;  // body truncated to this size before signing
};

std::vector<std::uint8_t> build(const RawHeartbeat& raw) {
    std::vector<std::uint8_t> b = {'V', 'G', 'L', '1', kVersion, kTypeHeartbeat, raw.flags};
    b.insert(b.end(), kDigestBytes, 0);
    auto name = [&](const std::string& s, std::optional<std::uint8_t> length = std::nullopt) {
        b.push_back(length.value_or(static_cast<std::uint8_t>(s.size())));
        b.insert(b.end(), s.begin(), s.end());
    };
    auto zeros = [&](std::size_t n) { b.insert(b.end(), n, 0); };
    name(raw.sender);
    b.push_back(raw.link);
    zeros(8 + 8 + 2);  // boot_id, seq, interval_ms
    b.push_back(raw.node_flags);
    zeros(8);  // sent_at_us
    const auto count = raw.group_count.value_or(static_cast<std::uint16_t>(raw.groups.size()));
    b.push_back(static_cast<std::uint8_t>(count >> 8));
    b.push_back(static_cast<std::uint8_t>(count));
    for (const RawGroup& g : raw.groups) {
        name(g.name);
        b.push_back(g.role);
        b.push_back(g.flags);
        zeros(8 + 2);  // epoch, priority
        name(g.primary);
        name("");  // handoff_to
        name(g.switchover_to, g.switchover_to_length);
        zeros(4);  // switchover_id
        zeros(8);  // campaign_epoch
        name(g.vote_for, g.vote_for_length);
        zeros(8 + 8);  // vote_epoch, vote_echo_us
    }
    zeros(raw.extra_bytes);
    if (raw.body_cut) b.resize(*raw.body_cut);
    return sign(std::move(b));
}

struct MalformedCase {
    const char* what;
    RawHeartbeat raw;
    const char* error;  // nullptr: valid
};

TEST(HeartbeatCodec, MalformedSignedDatagramsNameTheField) {
    const std::string n63(63, 'n');
    const std::string n64(64, 'n');
    const std::string n80(80, 'n');
    const MalformedCase cases[] = {
        {"valid", {}, nullptr},
        {"longest names",
         {.sender = n63, .groups = {{.name = n63, .primary = n63, .vote_for = n63}}},
         nullptr},
        {"no groups", {.groups = {}}, nullptr},
        {"header flags", {.flags = 0x80}, "heartbeat: flags: reserved bits set (128)"},
        {"sender too long", {.sender = n64}, "heartbeat: sender: length 64 exceeds 63"},
        {"sender empty", {.sender = ""}, "heartbeat: sender: empty, but a name is required"},
        {"link", {.link = 4}, "heartbeat: link: 4 is out of range 0..3"},
        {"witness", {.node_flags = 0x04}, nullptr},
        {"every node flag", {.node_flags = 0x07}, nullptr},
        {"node flag bit 3", {.node_flags = 0x0c}, "heartbeat: node_flags: reserved bits set (8)"},
        {"node flag bit 7", {.node_flags = 0x85}, "heartbeat: node_flags: reserved bits set (128)"},
        {"group count over limit",
         {.group_count = 129, .groups = {}},
         "heartbeat: group_count: 129 exceeds 128"},
        {"group count u16 max",
         {.group_count = 0xffff, .groups = {}},
         "heartbeat: group_count: 65535 exceeds 128"},
        {"group count above bytes",
         {.group_count = 2},
         "heartbeat: group_count: 2 groups need at least 92 bytes, 47 remain"},
        {"group name too long",
         {.groups = {{.name = "x"}, {.name = "y"}, {.name = "z"}, {.name = n80}}},
         "heartbeat: group[3].name: length 80 exceeds 63"},
        {"group name empty",
         {.groups = {{.name = ""}}},
         "heartbeat: group[0].name: empty, but a name is required"},
        {"role", {.groups = {{.role = 4}}}, "heartbeat: group[0].role: 4 is out of range 0..3"},
        {"group flags",
         {.groups = {{.flags = 0x05}}},
         "heartbeat: group[0].flags: reserved bits set (4)"},
        {"store block missing",
         {.groups = {{.flags = 0x02}}},
         "heartbeat: group[0].store_last_epoch: truncated: needs 8 bytes, 0 remain"},
        {"primary too long",
         {.groups = {{.primary = n64}}},
         "heartbeat: group[0].primary: length 64 exceeds 63"},
        {"length beyond the end",
         {.groups = {{.switchover_to_length = 40}}},
         "heartbeat: group[0].switchover_to: length 40 exceeds the 29 bytes remaining"},
        {"vote_for too long",
         {.groups = {{.vote_for = n64}}},
         "heartbeat: group[0].vote_for: length 64 exceeds 63"},
        {"vote_for beyond the end",
         {.groups = {{.vote_for_length = 17}}},
         "heartbeat: group[0].vote_for: length 17 exceeds the 16 bytes remaining"},
        {"duplicate group",
         {.groups = {{.name = "x"}, {.name = "y"}, {.name = "x"}}},
         "heartbeat: group[2].name: duplicate of group[0]"},
        {"first of several duplicates",
         {.groups = {{.name = "y"}, {.name = "x"}, {.name = "z"}, {.name = "x"}, {.name = "y"}}},
         "heartbeat: group[3].name: duplicate of group[1]"},
        {"cut in a field",
         {.body_cut = 47 + 47 - 1},  // header with sender "a", group of 47
         "heartbeat: group[0].vote_echo_us: truncated: needs 8 bytes, 7 remain"},
        {"bytes after the groups",
         {.extra_bytes = 3},
         "heartbeat: groups: 3 bytes after the last group record"},
        {"too long", {.extra_bytes = kMessageBytesMax}, "heartbeat: length 16510 exceeds 16384"},
    };
    for (const MalformedCase& c : cases) {
        auto decoded = decode_bytes(build(c.raw));
        if (c.error == nullptr) {
            EXPECT_TRUE(decoded) << c.what << ": " << decoded.error().message;
            continue;
        }
        ASSERT_FALSE(decoded) << c.what;
        EXPECT_EQ(decoded.error().code, Error::Code::protocol) << c.what;
        EXPECT_EQ(decoded.error().message, c.error) << c.what;
    }
}

TEST(HeartbeatCodec, HeaderIsCheckedBeforeTheHmac) {
    auto bytes = encode(sample(1), kKeys);
    const struct {
        std::size_t offset;
        std::uint8_t value;
        const char* error;
    } cases[] = {
        {0, 'X', "heartbeat: magic: not \"VGL1\""},
        {4, 1, "heartbeat: version: 1 is not supported (expected 2)"},
        {4, 3, "heartbeat: version: 3 is not supported (expected 2)"},
        {5, 9, "heartbeat: type: 9 is not a heartbeat (1)"},
    };
    for (const auto& c : cases) {
        auto changed = bytes;
        changed[c.offset] = c.value;
        auto decoded = decode_bytes(changed);
        ASSERT_FALSE(decoded);
        EXPECT_EQ(decoded.error().code, Error::Code::protocol);
        EXPECT_EQ(decoded.error().message, c.error);
    }
    bytes.resize(kMessageBytesMin - 1);
    EXPECT_EQ(decode_bytes(bytes).error().message, "heartbeat: length 78 is below the minimum 79");
}

// A version-1 node (before the quorum fields) signs with the same key; a version-2 node
// refuses its datagram by the version byte, before the HMAC and the parser, and says why.
TEST(HeartbeatCodec, VersionOneDatagramIsRefusedByItsVersion) {
    const std::vector<std::uint8_t> v1 = sign({
        'V', 'G', 'L', '1', 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,     // prefix, flags, config_digest
        1,   'a', 0,                                             // sender, link
        0,   0,   0,   0,   0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,  // boot_id, seq
        0,   50,  0,   0,   1,                                   // interval_ms, node_flags, groups
        1,   'g', 2,   0,   0, 0, 0, 0, 0, 0, 0, 1,              // name, role, flags, epoch
        0,   150, 0,   0,   0, 0, 0, 0, 0,                       // priority, 3 names, switchover_id
    });
    ASSERT_EQ(v1.size(), 71u + 21u);  // version 1: 71 bytes without groups, 20 + name a group
    auto decoded = decode_bytes(v1);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, Error::Code::protocol);
    EXPECT_EQ(decoded.error().message, "heartbeat: version: 1 is not supported (expected 2)");
}

TEST(HeartbeatCodecDeathTest, EncodingAnOverLimitHeartbeatAsserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto with = [](auto change) {
        Heartbeat hb = sample(2);
        change(hb);
        return hb;
    };
    const char* kAssert = "assertion failed";
    EXPECT_DEATH(encode(with([](Heartbeat& h) { h.sender = ""; }), kKeys), kAssert);
    EXPECT_DEATH(encode(with([](Heartbeat& h) { h.sender = std::string(64, 's'); }), kKeys),
                 kAssert);
    EXPECT_DEATH(encode(with([](Heartbeat& h) { h.link = kLinksMax; }), kKeys), kAssert);
    EXPECT_DEATH(encode(sample(kGroupsMax + 1), kKeys), kAssert);
    EXPECT_DEATH(encode(with([](Heartbeat& h) { h.groups[1].group = h.groups[0].group; }), kKeys),
                 kAssert);
    EXPECT_DEATH(encode(with([](Heartbeat& h) { h.groups[0].role = Role{4}; }), kKeys), kAssert);
    EXPECT_DEATH(
        encode(with([](Heartbeat& h) { h.groups[0].primary = std::string(64, 'p'); }), kKeys),
        kAssert);
    EXPECT_DEATH(
        encode(with([](Heartbeat& h) { h.groups[1].vote_for = std::string(64, 'v'); }), kKeys),
        kAssert);
    EXPECT_DEATH(encode(sample(1), Keys{}), kAssert);
}

// 128 groups of longest names do not fit: the size limit binds on its own.
TEST(HeartbeatCodecDeathTest, EncodingMoreThanTheMaximumSizeAsserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    Heartbeat hb = sample(0);
    for (std::size_t i = 0; i < kGroupsMax; ++i) {
        GroupState& g = hb.groups.emplace_back();
        g.group = std::to_string(i) + std::string(kNameBytesMax - 3, 'g');
        g.primary = g.handoff_to = g.switchover_to = g.vote_for = std::string(kNameBytesMax, 'n');
    }
    ASSERT_GT(encoded_bytes(hb), kMessageBytesMax);
    EXPECT_DEATH(encode(hb, kKeys), "assertion failed");
}

}  // namespace
}  // namespace vigil::wire
