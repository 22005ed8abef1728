// Goal: the record codec of docs/store-format.md round-trips every field, tells a cut-short
// record (incomplete) from a damaged one (corrupt), and never crashes or over-allocates on
// garbage. Method: encode/decode pairs, every prefix of a record, single-byte flips, and a
// loop over seeded random inputs (some built from valid records, some pure noise).
#include "store/log_record.h"

#include <gtest/gtest.h>

#include "common/prng.h"

namespace vigil::store {
namespace {

Entry sample_entry() {
    Entry e;
    e.index = 42;
    e.epoch = 7;
    e.write.op = Write::Op::put;
    e.write.key = "alpha";
    e.write.value = std::string("v\0lue", 5);
    e.write.if_match = 0;
    e.write.request_id = "req-1";
    return e;
}

void expect_same(const Entry& a, const Entry& b) {
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.epoch, b.epoch);
    EXPECT_EQ(a.write.op, b.write.op);
    EXPECT_EQ(a.write.key, b.write.key);
    EXPECT_EQ(a.write.value, b.write.value);
    EXPECT_EQ(a.write.if_match, b.write.if_match);
    EXPECT_EQ(a.write.request_id, b.write.request_id);
}

TEST(LogRecord, RoundTripKeepsEveryField) {
    std::string bytes;
    Entry noop;
    noop.index = 1;
    encode_record(sample_entry(), bytes);
    encode_record(noop, bytes);
    DecodedRecord first = decode_record(bytes);
    ASSERT_EQ(first.status, DecodedRecord::Status::ok) << first.message;
    EXPECT_EQ(first.consumed, record_bytes(sample_entry()));
    expect_same(first.entry, sample_entry());
    DecodedRecord second = decode_record(std::string_view(bytes).substr(first.consumed));
    ASSERT_EQ(second.status, DecodedRecord::Status::ok) << second.message;
    expect_same(second.entry, noop);
    EXPECT_FALSE(second.entry.write.if_match.has_value());  // flags distinguish 0 from none
}

TEST(LogRecord, LayoutIsLittleEndianLengthThenCrc) {
    std::string bytes;
    encode_record(sample_entry(), bytes);
    const std::size_t payload = bytes.size() - kRecordHeaderBytes;
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), payload & 0xFF);
    EXPECT_EQ(bytes[1], static_cast<char>(payload >> 8));
    EXPECT_EQ(static_cast<unsigned char>(bytes[8]), 42);  // index, low byte first
    EXPECT_EQ(static_cast<unsigned char>(bytes[16]), 7);  // epoch
}

TEST(LogRecord, EveryPrefixIsIncomplete) {
    std::string bytes;
    encode_record(sample_entry(), bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n)
        EXPECT_EQ(decode_record(std::string_view(bytes).substr(0, n)).status,
                  DecodedRecord::Status::incomplete)
            << "prefix of " << n << " bytes";
}

TEST(LogRecord, AnyFlippedByteIsCorrupt) {
    std::string bytes;
    encode_record(sample_entry(), bytes);
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        std::string damaged = bytes;
        damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
        // A flipped length bit may make the record look longer (incomplete): never ok.
        EXPECT_NE(decode_record(damaged).status, DecodedRecord::Status::ok) << "byte " << at;
    }
}

TEST(LogRecord, LengthPastTheLimitIsCorruptBeforeReading) {
    std::string bytes(kRecordHeaderBytes, '\xff');  // length 4 GiB - 1
    DecodedRecord d = decode_record(bytes);
    EXPECT_EQ(d.status, DecodedRecord::Status::corrupt);
    EXPECT_NE(d.message.find("length"), std::string::npos) << d.message;
    EXPECT_EQ(decode_record(std::string(64, '\0')).status, DecodedRecord::Status::corrupt);
}

TEST(LogRecord, RandomGarbageNeverCrashes) {
    std::string valid;
    encode_record(sample_entry(), valid);
    Prng prng(20261203);
    int ok = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string input;
        if (round % 2 == 0) {  // a valid record with random bytes changed or cut
            input = valid.substr(0, prng.below(valid.size() + 1));
            for (std::uint64_t k = prng.below(4); k > 0 && !input.empty(); --k)
                input[prng.below(input.size())] = static_cast<char>(prng.next());
        } else {
            input.resize(prng.below(200));
            for (char& c : input) c = static_cast<char>(prng.next());
        }
        DecodedRecord d = decode_record(input);
        if (d.status == DecodedRecord::Status::ok) {
            ++ok;
            EXPECT_LE(d.consumed, input.size());
        } else {
            EXPECT_FALSE(d.message.empty());
        }
    }
    EXPECT_LT(ok, 20000 / 4 + 100);  // only unchanged whole records decode
}

}  // namespace
}  // namespace vigil::store
