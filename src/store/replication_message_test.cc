// Goal: the replication wire format round-trips every message, and decoding hostile bytes
// (truncations, bad types, lengths past the limits, random garbage) returns an error
// instead of crashing or allocating past the frame.
#include <gtest/gtest.h>

#include "common/prng.h"
#include "store/replication.h"

namespace vigil::store {
namespace {

Entry make_entry(Index index, Epoch epoch, Write::Op op, std::string key, std::string value) {
    Entry e;
    e.index = index;
    e.epoch = epoch;
    e.write.op = op;
    e.write.key = std::move(key);
    e.write.value = std::move(value);
    return e;
}

std::vector<Message> samples() {
    Append append{7, 41, 6, 40, {}};
    append.entries.push_back(make_entry(42, 7, Write::Op::put, "k", "value"));
    Entry cas = make_entry(43, 7, Write::Op::del, "other", "");
    cas.write.if_match = 42;
    cas.write.request_id = "req-1";
    append.entries.push_back(cas);
    append.entries.push_back(make_entry(44, 7, Write::Op::noop, "", ""));
    return {
        Hello{3, 100, 2},
        append,
        Append{9, 0, 0, 0, {}},
        InstallSnapshot{5, 90, Snapshot{80, 4, std::string("state\0bytes", 11)}},
        Ack{5, true, 77, 0},
        Ack{6, false, 0, 12},
    };
}

bool same(const Entry& a, const Entry& b) {
    return a.index == b.index && a.epoch == b.epoch && a.write.op == b.write.op &&
           a.write.key == b.write.key && a.write.value == b.write.value &&
           a.write.if_match == b.write.if_match && a.write.request_id == b.write.request_id;
}

bool same(const Message& x, const Message& y) {
    if (x.index() != y.index()) return false;
    if (const auto* a = std::get_if<Hello>(&x)) {
        const auto& b = std::get<Hello>(y);
        return a->epoch == b.epoch && a->last_index == b.last_index &&
               a->last_epoch == b.last_epoch;
    }
    if (const auto* a = std::get_if<Append>(&x)) {
        const auto& b = std::get<Append>(y);
        if (a->epoch != b.epoch || a->prev_index != b.prev_index || a->prev_epoch != b.prev_epoch ||
            a->commit_index != b.commit_index || a->entries.size() != b.entries.size())
            return false;
        for (std::size_t i = 0; i < a->entries.size(); ++i)
            if (!same(a->entries[i], b.entries[i])) return false;
        return true;
    }
    if (const auto* a = std::get_if<InstallSnapshot>(&x)) {
        const auto& b = std::get<InstallSnapshot>(y);
        return a->epoch == b.epoch && a->commit_index == b.commit_index &&
               a->snapshot.index == b.snapshot.index && a->snapshot.epoch == b.snapshot.epoch &&
               a->snapshot.state == b.snapshot.state;
    }
    const auto& a = std::get<Ack>(x);
    const auto& b = std::get<Ack>(y);
    return a.epoch == b.epoch && a.ok == b.ok && a.match_index == b.match_index &&
           a.last_index == b.last_index;
}

TEST(ReplicationMessage, EveryMessageRoundTrips) {
    for (const Message& m : samples()) {
        const std::string bytes = encode_message(m);
        Result<Message> decoded = decode_message(bytes);
        ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
        EXPECT_TRUE(same(m, *decoded)) << "message type " << m.index();
    }
}

TEST(ReplicationMessage, EveryTruncationIsAnError) {
    for (const Message& m : samples()) {
        const std::string bytes = encode_message(m);
        for (std::size_t n = 0; n < bytes.size(); ++n) {
            Result<Message> decoded = decode_message(std::string_view(bytes).substr(0, n));
            ASSERT_FALSE(decoded.has_value()) << "type " << m.index() << " cut at " << n;
            EXPECT_EQ(decoded.error().code, Error::Code::protocol);
        }
    }
}

TEST(ReplicationMessage, TrailingBytesAreAnError) {
    const std::string bytes = encode_message(Hello{1, 2, 3}) + "x";
    Result<Message> decoded = decode_message(bytes);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_NE(decoded.error().message.find("trailing"), std::string::npos);
}

TEST(ReplicationMessage, UnknownTypeIsNamed) {
    Result<Message> decoded = decode_message(std::string(1, '\x09'));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_NE(decoded.error().message.find("unknown message type 9"), std::string::npos);
}

TEST(ReplicationMessage, KeyOverTheLimitIsRefusedBeforeReading) {
    Append a{
        1, 0, 0, 0, {make_entry(1, 1, Write::Op::put, std::string(kKeyBytesMax + 1, 'k'), "")}};
    Result<Message> decoded = decode_message(encode_message(a));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_NE(decoded.error().message.find("entry key"), std::string::npos);
    EXPECT_NE(decoded.error().message.find("over the limit"), std::string::npos);
}

TEST(ReplicationMessage, HugeEntryCountIsRefusedBeforeAllocating) {
    std::string bytes = encode_message(Append{1, 0, 0, 0, {}});
    bytes.replace(bytes.size() - 4, 4, std::string("\xff\xff\xff\x7f", 4));
    Result<Message> decoded = decode_message(bytes);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_NE(decoded.error().message.find("exceeds the frame"), std::string::npos);
}

TEST(ReplicationMessage, BadFlagsAndOpsAreErrors) {
    std::string ack = encode_message(Ack{1, true, 2, 0});
    ack[9] = 2;  // the ok byte
    EXPECT_FALSE(decode_message(ack).has_value());
    std::string append =
        encode_message(Append{1, 0, 0, 0, {make_entry(1, 1, Write::Op::put, "k", "")}});
    append[1 + 32 + 4 + 16] = 3;  // the op byte of the first entry
    EXPECT_FALSE(decode_message(append).has_value());
}

// Random garbage, and valid frames with random bytes flipped: decode returns (an error or
// a message), never crashes. Seeded, so a failure repeats.
TEST(ReplicationMessage, RandomGarbageNeverCrashes) {
    Prng prng(20261203);
    const std::vector<Message> valid = samples();
    for (int round = 0; round < 20000; ++round) {
        std::string bytes;
        if (round % 2 == 0) {
            bytes.resize(prng.below(80));
            for (char& c : bytes) c = static_cast<char>(prng.below(256));
            if (!bytes.empty()) bytes[0] = static_cast<char>(1 + prng.below(4));
        } else {
            bytes = encode_message(valid[prng.below(valid.size())]);
            for (int flips = 1 + static_cast<int>(prng.below(4)); flips > 0; --flips)
                bytes[prng.below(bytes.size())] = static_cast<char>(prng.below(256));
        }
        Result<Message> decoded = decode_message(bytes);
        if (decoded.has_value()) {
            EXPECT_EQ(encode_message(*decoded), bytes) << "round " << round;
        }
    }
}

}  // namespace
}  // namespace vigil::store
