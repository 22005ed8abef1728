// KvState: apply semantics (put, del, compare-and-set, request-id dedup), determinism across
// replicas, and the snapshot encoding (round trip; garbage and corrupted bytes are refused,
// never crash). Method: apply hand-built entries, and seeded random entries for the
// replica and fuzz tests.
#include "store/kv_state.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "common/prng.h"

namespace vigil::store {
namespace {

class Applier {
public:
    Outcome put(std::string key, std::string value, std::optional<Index> if_match = {},
                std::string id = "") {
        return apply({Write::Op::put, std::move(key), std::move(value), if_match, std::move(id)});
    }
    Outcome del(std::string key, std::optional<Index> if_match = {}, std::string id = "") {
        return apply({Write::Op::del, std::move(key), "", if_match, std::move(id)});
    }
    Outcome apply(Write w) {
        return state.apply(Entry{state.applied_index() + 1, 1, std::move(w)});
    }
    KvState state;
};

TEST(KvState, PutThenGetReturnsValueAndRevisionIsTheEntryIndex) {
    Applier a;
    a.apply({});  // noop at index 1
    const Outcome o = a.put("k", "v1");
    EXPECT_EQ(o.code, Outcome::Code::ok);
    EXPECT_EQ(o.index, 2u);
    EXPECT_EQ(o.revision, 2u);
    ASSERT_TRUE(a.state.get("k"));
    EXPECT_EQ(a.state.get("k")->value, "v1");
    EXPECT_EQ(a.state.get("k")->revision, 2u);
    EXPECT_EQ(a.state.applied_index(), 2u);
    EXPECT_EQ(a.state.value_bytes(), 2u);
    a.put("k", "longer");
    EXPECT_EQ(a.state.value_bytes(), 6u);
}

TEST(KvState, DeleteRemovesKeyAndMissingKeyIsNotFound) {
    Applier a;
    a.put("k", "v");
    EXPECT_EQ(a.del("k").code, Outcome::Code::ok);
    EXPECT_FALSE(a.state.get("k"));
    EXPECT_EQ(a.state.value_bytes(), 0u);
    const Outcome o = a.del("k");
    EXPECT_EQ(o.code, Outcome::Code::not_found);
    EXPECT_EQ(a.state.applied_index(), 3u);  // the refused entry still consumed its index
}

TEST(KvState, IfMatchAppliesOnlyOnTheCurrentRevision) {
    Applier a;
    a.put("k", "v1");  // revision 1
    Outcome o = a.put("k", "v2", 7);
    EXPECT_EQ(o.code, Outcome::Code::precondition_failed);
    EXPECT_EQ(o.revision, 1u);
    EXPECT_EQ(a.state.get("k")->value, "v1");
    EXPECT_EQ(a.put("k", "v2", 1).code, Outcome::Code::ok);
    EXPECT_EQ(a.del("k", 1).code, Outcome::Code::precondition_failed);
    EXPECT_EQ(a.del("k", 3).code, Outcome::Code::ok);  // v2 was written by entry 3
}

TEST(KvState, IfMatchZeroMeansCreateOnly) {
    Applier a;
    EXPECT_EQ(a.put("k", "v", 0).code, Outcome::Code::ok);
    const Outcome o = a.put("k", "w", 0);
    EXPECT_EQ(o.code, Outcome::Code::precondition_failed);
    EXPECT_EQ(o.revision, 1u);
    EXPECT_EQ(a.state.get("k")->value, "v");
}

TEST(KvState, RetriedRequestIdReturnsFirstOutcomeAndChangesNothing) {
    Applier a;
    const Outcome first = a.put("k", "v1", std::nullopt, "req-1");
    a.put("k", "v2");
    const Outcome retry = a.put("k", "v1", std::nullopt, "req-1");
    EXPECT_TRUE(retry.duplicate);
    EXPECT_EQ(retry.index, first.index);
    EXPECT_EQ(retry.revision, first.revision);
    EXPECT_EQ(a.state.get("k")->value, "v2");  // the retry did not overwrite
    EXPECT_EQ(a.state.applied_index(), 3u);    // but consumed its index
    ASSERT_TRUE(a.state.find_request("req-1"));
    EXPECT_FALSE(a.state.find_request("req-1")->duplicate);
    EXPECT_FALSE(a.state.find_request("other"));
}

TEST(KvState, RefusedWriteIsRememberedByRequestIdToo) {
    Applier a;
    a.put("k", "v");
    EXPECT_EQ(a.put("k", "w", 0, "r").code, Outcome::Code::precondition_failed);
    a.del("k");
    const Outcome retry = a.put("k", "w", 0, "r");  // would succeed now, but is a retry
    EXPECT_EQ(retry.code, Outcome::Code::precondition_failed);
    EXPECT_TRUE(retry.duplicate);
    EXPECT_FALSE(a.state.get("k"));
}

TEST(KvState, OldestRequestIdsAreForgottenBeyondTheLimit) {
    Applier a;
    for (std::size_t i = 0; i < kRequestIdsKept + 2; ++i)
        a.put("k", "v", std::nullopt, "r" + std::to_string(i));
    EXPECT_FALSE(a.state.find_request("r0"));
    EXPECT_FALSE(a.state.find_request("r1"));
    EXPECT_TRUE(a.state.find_request("r2"));
    EXPECT_TRUE(a.state.find_request("r" + std::to_string(kRequestIdsKept + 1)));
}

TEST(KvState, ListIsOrderedByPrefixAndPaginates) {
    Applier a;
    for (const char* k : {"b/2", "a/1", "b/1", "b/3", "c"}) a.put(k, k);
    KvListing page = a.state.list("b/", "", 2);
    ASSERT_EQ(page.items.size(), 2u);
    EXPECT_EQ(page.items[0].first, "b/1");
    EXPECT_EQ(page.items[1].first, "b/2");
    EXPECT_EQ(page.next, "b/2");
    page = a.state.list("b/", page.next, 2);
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].first, "b/3");
    EXPECT_EQ(page.next, "");
    EXPECT_EQ(a.state.list("", "", 100).items.size(), 5u);
    EXPECT_EQ(a.state.list("", "b/3", 100).items.size(), 1u);
    EXPECT_EQ(a.state.list("zz", "", 10).items.size(), 0u);
}

std::vector<Entry> random_entries(std::uint64_t seed, int count) {
    Prng prng(seed);
    std::vector<Entry> out;
    for (int i = 1; i <= count; ++i) {
        Write w;
        w.op = static_cast<Write::Op>(prng.below(3));
        w.key = "k" + std::to_string(prng.below(20));
        w.value = std::string(prng.below(40), static_cast<char>('a' + prng.below(26)));
        if (prng.below(4) == 0) w.if_match = prng.below(static_cast<std::uint64_t>(i));
        if (prng.below(3) == 0) w.request_id = "r" + std::to_string(prng.below(50));
        out.push_back(Entry{static_cast<Index>(i), 1 + static_cast<Epoch>(i / 100), w});
    }
    return out;
}

TEST(KvState, TwoReplicasApplyingTheSameEntriesAreEqual) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        KvState a, b;
        for (const Entry& e : random_entries(seed, 300)) {
            const Outcome oa = a.apply(e), ob = b.apply(e);
            ASSERT_EQ(oa.code, ob.code) << "seed " << seed;
            ASSERT_EQ(oa.revision, ob.revision) << "seed " << seed;
        }
        EXPECT_TRUE(a == b) << "seed " << seed;
        EXPECT_EQ(a.encode(), b.encode()) << "seed " << seed;
    }
    KvState a, b;
    a.apply(Entry{1, 1, Write{Write::Op::put, "k", "v", {}, ""}});
    b.apply(Entry{1, 1, Write{Write::Op::put, "k", "w", {}, ""}});
    EXPECT_FALSE(a == b);
}

TEST(KvState, EncodeDecodeRoundTrip) {
    KvState s;
    for (const Entry& e : random_entries(7, 500)) s.apply(e);
    const std::string bytes = s.encode();
    Result<KvState> back = KvState::decode(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_TRUE(*back == s);
    EXPECT_EQ(back->encode(), bytes);
    EXPECT_EQ(back->value_bytes(), s.value_bytes());
    Result<KvState> empty = KvState::decode(KvState().encode());
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->key_count(), 0u);
}

TEST(KvState, DecodeNamesWhatIsWrong) {
    KvState s;
    for (const Entry& e : random_entries(3, 50)) s.apply(e);
    std::string bytes = s.encode();
    EXPECT_NE(KvState::decode("nope").error().message.find("bad magic"), std::string::npos);
    std::string flipped = bytes;
    flipped[20] ^= 1;
    Result<KvState> r = KvState::decode(flipped);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::corruption);
    EXPECT_NE(r.error().message.find("checksum"), std::string::npos);
    EXPECT_FALSE(KvState::decode(bytes.substr(0, bytes.size() - 1)));
}

// Fixes the trailing crc so that the decoder's structural checks, not the checksum, are tested.
std::string with_valid_crc(std::string bytes) {
    if (bytes.size() < 4) return bytes;
    bytes.resize(bytes.size() - 4);
    const auto crc =
        static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const unsigned char*>(bytes.data()),
                                         static_cast<unsigned>(bytes.size())));
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    return bytes;
}

TEST(KvState, DecodeOfGarbageNeverCrashes) {
    KvState s;
    for (const Entry& e : random_entries(11, 80)) s.apply(e);
    const std::string good = s.encode();
    Prng prng(12345);
    for (int round = 0; round < 3000; ++round) {
        std::string bytes;
        switch (round % 3) {
            case 0:  // pure noise behind a valid magic
                bytes = "VKVS" + std::string(prng.below(200), '\0');
                for (std::size_t i = 4; i < bytes.size(); ++i)
                    bytes[i] = static_cast<char>(prng.next());
                break;
            case 1:  // a good snapshot with flipped bytes
                bytes = good;
                for (int k = 0; k < 3; ++k)
                    bytes[prng.below(bytes.size())] = static_cast<char>(prng.next());
                break;
            default:  // truncated
                bytes = good.substr(0, prng.below(good.size()));
        }
        Result<KvState> r = KvState::decode(with_valid_crc(bytes));
        if (!r) {
            EXPECT_EQ(r.error().code, Error::Code::corruption);
        }
    }
}

}  // namespace
}  // namespace vigil::store
