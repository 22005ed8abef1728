// KvState: apply semantics (put, del, compare-and-set, request-id dedup), determinism across
// replicas, the snapshot encoding (round trip; garbage and corrupted bytes are refused,
// never crash), and the chunked snapshot (with writes applied between chunks it adds up to
// exactly encode() of the state at its start, and leaves the live state alone). Method:
// apply hand-built entries, and seeded random entries for the replica, fuzz and chunked
// snapshot tests; a copy of the state taken at begin_snapshot() is the reference.
#include "store/kv_state.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <functional>

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

// ---- Chunked snapshot ----

// Equal bytes, reported by size and first difference rather than megabytes of dump.
::testing::AssertionResult same_bytes(const std::string& got, const std::string& want) {
    if (got == want) return ::testing::AssertionSuccess();
    std::size_t at = 0;
    while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
    return ::testing::AssertionFailure() << "got " << got.size() << " bytes, want " << want.size()
                                         << ", first difference at " << at;
}

std::string key_name(std::size_t i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%02zu", i % 100);
    return buf;
}

// Keys k00..k39 and kRequestIdsKept request ids r0.. (outcomes of every code): every write
// with a new request id from here on makes the state forget its oldest one. Built once, since
// it takes 100k applies; tests copy it.
const KvState& full_request_table() {
    static const KvState state = [] {
        Applier a;
        for (std::size_t i = 0; i < kRequestIdsKept; ++i) {
            const std::string id = "r" + std::to_string(i);
            if (i % 7 == 3) {
                a.del(key_name(i % 40), std::nullopt, id);  // ok or not_found
            } else if (i % 11 == 5) {
                a.put(key_name(i % 40), "cas", 1, id);  // precondition_failed mostly
            } else {
                a.put(key_name(i % 40), "v" + std::to_string(i), std::nullopt, id);
            }
        }
        for (std::size_t i = 0; i < 40; ++i) a.put(key_name(i), "base" + std::to_string(i));
        return a.state;
    }();
    return state;
}

// Runs the snapshot in progress to its end, `chunk` items per call, calling between(turn)
// before each call: what the event loop applies between two chunks.
std::string run_snapshot(KvState& state, std::size_t chunk,
                         const std::function<void(std::size_t)>& between) {
    std::string bytes;
    for (std::size_t turn = 0;; ++turn) {
        between(turn);
        if (state.continue_snapshot(chunk, bytes)) return bytes;
    }
}

// Every kind of write, by turn: keys before and after the cursor (k00 is encoded by the first
// chunk, k39 last), keys new since begin, deletes of encoded and pending keys and of new
// ones, a key overwritten twice, compare-and-set that holds and that fails, and in every turn
// a new request id (the state forgets its oldest), a retry, and a forgotten id reused.
void write_between_chunks(Applier& a, std::size_t turn) {
    const std::string t = std::to_string(turn);
    if (turn < 60) {
        switch (turn % 6) {
            case 0:
                a.put("k00", "first" + t);
                a.put("k39", "last" + t);
                a.put("k20", "middle" + t);
                break;
            case 1:
                a.put("new/" + t, "n");  // after every key
                a.put("a" + t, "n");     // before every key
                a.put("k20/" + t, "n");  // between k20 and k21
                break;
            case 2:
                a.del(key_name(turn % 40));
                a.del("k38");
                a.del("a" + std::to_string(turn - 1));  // a key new since begin
                break;
            case 3:
                a.put("k30", "once" + t);
                a.put("k30", "twice" + t);
                break;
            case 4: {
                const auto k25 = a.state.get("k25");
                EXPECT_EQ(a.put("k25", "cas" + t, k25 ? k25->revision : 0).code, Outcome::Code::ok);
                EXPECT_EQ(a.put("k26", "cas", 999'999'999).code,
                          Outcome::Code::precondition_failed);
                const auto k27 = a.state.get("k27");
                a.del("k27", k27 ? k27->revision : 0);
                break;
            }
            default: {
                a.put("k38", "back" + t);
                a.del("new/" + std::to_string(turn - 4));
            }
        }
    }
    a.put(key_name(turn * 7 % 40), "id" + t, std::nullopt, "s" + t);
    a.put("k01", "retry", std::nullopt, "s" + std::to_string(turn / 2));  // a duplicate
    if (turn % 5 == 0) a.put("k02", "reused", std::nullopt, "r" + std::to_string(turn / 5));
}

TEST(KvState, ChunkedSnapshotWithWritesBetweenChunksIsTheStateAtBegin) {
    for (const std::size_t chunk : {1, 2, 7, 1000}) {
        SCOPED_TRACE("chunk " + std::to_string(chunk));
        Applier a;
        a.state = full_request_table();
        const KvState at_begin = a.state;
        a.state.begin_snapshot();
        EXPECT_TRUE(a.state.snapshot_in_progress());
        EXPECT_EQ(a.state.snapshot_index(), at_begin.applied_index());
        const std::string bytes =
            run_snapshot(a.state, chunk, [&](std::size_t turn) { write_between_chunks(a, turn); });
        EXPECT_FALSE(a.state.snapshot_in_progress());
        EXPECT_TRUE(same_bytes(bytes, at_begin.encode()));
        Result<KvState> back = KvState::decode(bytes);
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_TRUE(*back == at_begin);
        EXPECT_FALSE(a.state == at_begin);  // the writes did land
    }
}

// A write of any kind to one of `keys` keys, compare-and-set that holds or not, new request
// ids (which make a full table forget its oldest) and retries.
Write random_write(Prng& prng, const KvState& state, std::uint64_t keys) {
    Write w;
    const std::uint64_t op = prng.below(10);
    w.op = op < 6 ? Write::Op::put : op < 9 ? Write::Op::del : Write::Op::noop;
    if (w.op == Write::Op::noop) return w;
    w.key = key_name(prng.below(keys));
    if (prng.below(8) == 0) w.key += "/" + std::to_string(prng.below(1000));  // a new key
    w.value = std::string(prng.below(20), static_cast<char>('a' + prng.below(26)));
    if (prng.below(4) == 0) {
        const auto current = state.get(w.key);
        w.if_match = current ? current->revision : 0;  // holds, or 1 in 3 times does not
        if (prng.below(3) == 0) w.if_match = prng.below(state.applied_index() + 1);  // mostly
    }
    const std::uint64_t id = prng.below(10);
    if (id < 3) w.request_id = "w" + std::to_string(state.applied_index());  // new
    if (id == 3) w.request_id = "w" + std::to_string(prng.below(state.applied_index() + 1));
    return w;
}

// Random states, random writes between chunks of random sizes: always the state at begin.
// The live state meanwhile equals a twin that applies the same entries and never snapshots.
void check_random_interleaving(std::uint64_t seed, const KvState& start, std::uint64_t chunk_max) {
    Prng prng(seed);
    Applier a, twin;
    a.state = start;
    twin.state = start;
    const auto keys = 5 + prng.below(40);
    for (auto n = prng.below(200); n > 0; --n) {
        const Write w = random_write(prng, a.state, keys);
        a.apply(w);
        twin.apply(w);
    }
    const KvState at_begin = a.state;
    a.state.begin_snapshot();
    std::string bytes;
    for (;;) {
        if (prng.below(2) == 0) {
            const std::size_t chunk =
                1 + (prng.below(4) == 0 ? prng.below(chunk_max) : prng.below(4));
            if (a.state.continue_snapshot(chunk, bytes)) break;
        } else {
            for (auto n = 1 + prng.below(3); n > 0; --n) {
                const Write w = random_write(prng, a.state, keys);
                const Outcome got = a.apply(w), want = twin.apply(w);
                ASSERT_EQ(got.code, want.code) << "seed " << seed;
                ASSERT_EQ(got.revision, want.revision) << "seed " << seed;
            }
        }
    }
    EXPECT_TRUE(same_bytes(bytes, at_begin.encode())) << "seed " << seed;
    EXPECT_TRUE(a.state == twin.state) << "seed " << seed;
    EXPECT_TRUE(same_bytes(a.state.encode(), twin.state.encode())) << "seed " << seed;
}

TEST(KvState, ChunkedSnapshotUnderRandomInterleavingsIsTheStateAtBegin) {
    for (std::uint64_t seed = 1; seed <= 300; ++seed) check_random_interleaving(seed, {}, 50);
    // From a full request table: the writes make it forget request ids the snapshot has or
    // has not encoded yet.
    for (std::uint64_t seed = 1001; seed <= 1004; ++seed)
        check_random_interleaving(seed, full_request_table(), 5000);
}

TEST(KvState, AbortedSnapshotLeavesTheStateAndANewOneWorks) {
    Applier a, twin;
    for (const Entry& e : random_entries(5, 300))
        for (Applier* x : {&a, &twin}) x->apply(e.write);
    a.state.abort_snapshot();  // none in progress: nothing to do
    a.state.begin_snapshot();
    std::string bytes;
    for (std::size_t turn = 0; turn < 5; ++turn) {
        ASSERT_FALSE(a.state.continue_snapshot(3, bytes));
        for (Applier* x : {&a, &twin}) {
            x->put("k" + std::to_string(turn), "during");
            x->del("k1" + std::to_string(turn));
        }
    }
    a.state.abort_snapshot();
    EXPECT_FALSE(a.state.snapshot_in_progress());
    EXPECT_TRUE(a.state == twin.state);
    EXPECT_EQ(a.state.encode(), twin.state.encode());

    const KvState at_begin = a.state;
    a.state.begin_snapshot();
    EXPECT_EQ(a.state.snapshot_index(), at_begin.applied_index());
    bytes = run_snapshot(a.state, 4, [&](std::size_t turn) {
        for (Applier* x : {&a, &twin}) x->put("k" + std::to_string(turn % 20), "after");
    });
    EXPECT_TRUE(same_bytes(bytes, at_begin.encode()));
    EXPECT_TRUE(a.state == twin.state);
}

TEST(KvState, ReadsDuringASnapshotSeeTheNewestValues) {
    Applier a, twin;
    for (std::size_t i = 0; i < 30; ++i)
        for (Applier* x : {&a, &twin})
            x->put(key_name(i), "old", std::nullopt, "q" + std::to_string(i));
    a.state.begin_snapshot();
    std::string bytes;
    bool done = false;
    for (std::size_t turn = 0; !done; ++turn) {
        const std::string k = key_name(29 - turn % 30);  // mostly keys not yet encoded
        for (Applier* x : {&a, &twin}) {
            x->put(k, "new" + std::to_string(turn));
            x->del(key_name(turn % 30));
            x->put("n" + std::to_string(turn), "fresh", std::nullopt, "p" + std::to_string(turn));
        }
        ASSERT_TRUE(a.state.get(k));
        EXPECT_EQ(a.state.get(k)->value, "new" + std::to_string(turn));
        EXPECT_FALSE(a.state.get(key_name(turn % 30)));
        EXPECT_TRUE(a.state.find_request("p" + std::to_string(turn)));
        const KvListing got = a.state.list("", "", 1000), want = twin.state.list("", "", 1000);
        ASSERT_EQ(got.items.size(), want.items.size());
        for (std::size_t i = 0; i < got.items.size(); ++i) {
            EXPECT_EQ(got.items[i].first, want.items[i].first);
            EXPECT_EQ(got.items[i].second.value, want.items[i].second.value);
        }
        EXPECT_EQ(a.state.key_count(), twin.state.key_count());
        EXPECT_EQ(a.state.value_bytes(), twin.state.value_bytes());
        done = a.state.continue_snapshot(2, bytes);
    }
    EXPECT_TRUE(a.state == twin.state);
    EXPECT_EQ(a.state.encode(), twin.state.encode());
}

// n keys and request ids at begin take ceil(n / max_items) calls, however many keys the
// writes in between add ahead of the cursor; and each call appends to what `out` holds.
TEST(KvState, ASnapshotTakesAFixedNumberOfCallsAndAppends) {
    Applier a;
    a.state.begin_snapshot();  // empty: one call
    std::string bytes = "before";
    EXPECT_TRUE(a.state.continue_snapshot(1, bytes));
    EXPECT_EQ(bytes, "before" + KvState().encode());
    for (std::size_t i = 0; i < 50; ++i)
        a.put(key_name(i), "v", std::nullopt, i < 10 ? "id" + std::to_string(i) : "");
    a.del("k00");  // 49 keys, 10 request ids
    const KvState at_begin = a.state;
    for (const std::size_t chunk : {1, 2, 7, 59, 1000}) {
        a.state = at_begin;
        a.state.begin_snapshot();
        bytes = "before";
        std::size_t calls = 0;
        bool done = false;
        for (std::size_t turn = 0; !done; ++turn) {
            const std::string t = std::to_string(turn) + "-" + std::to_string(chunk);
            for (int i = 0; i < 5; ++i) a.put("k49/" + t + "/" + std::to_string(i), "ahead");
            a.put("zz" + t, "last", std::nullopt, "new" + t);
            done = a.state.continue_snapshot(chunk, bytes);
            ++calls;
        }
        EXPECT_EQ(calls, (59 + chunk - 1) / chunk) << "chunk " << chunk;
        EXPECT_TRUE(same_bytes(bytes, "before" + at_begin.encode())) << "chunk " << chunk;
    }
}

TEST(KvState, EncodeDuringASnapshotIsTheLiveStateAndLeavesTheSnapshotAlone) {
    Applier a;
    for (const Entry& e : random_entries(9, 200)) a.apply(e.write);
    const KvState at_begin = a.state;
    a.state.begin_snapshot();
    const std::string bytes = run_snapshot(a.state, 2, [&](std::size_t turn) {
        a.put(key_name(turn % 20), "during");
        EXPECT_EQ(a.state.encode(), KvState(a.state).encode());
        Result<KvState> live = KvState::decode(a.state.encode());
        ASSERT_TRUE(live);
        EXPECT_TRUE(*live == a.state);
    });
    EXPECT_TRUE(same_bytes(bytes, at_begin.encode()));
}

TEST(KvState, CopiesAndMovesCarryTheStateNotTheSnapshot) {
    Applier a;
    for (const Entry& e : random_entries(4, 100)) a.apply(e.write);
    const KvState reference = a.state;
    a.state.begin_snapshot();
    std::string bytes;
    ASSERT_FALSE(a.state.continue_snapshot(1, bytes));
    a.put("k1", "during");  // the snapshot holds the value k1 had at begin

    KvState copy = a.state;
    EXPECT_FALSE(copy.snapshot_in_progress());
    EXPECT_TRUE(a.state.snapshot_in_progress());
    EXPECT_TRUE(copy == a.state);
    copy = a.state;
    EXPECT_FALSE(copy.snapshot_in_progress());

    KvState replaced = reference;
    replaced.begin_snapshot();
    replaced = copy;  // assigning over a state drops its snapshot
    EXPECT_FALSE(replaced.snapshot_in_progress());
    replaced.begin_snapshot();
    replaced = std::move(copy);
    EXPECT_FALSE(replaced.snapshot_in_progress());
    EXPECT_TRUE(replaced == a.state);

    KvState moved = std::move(a.state);
    EXPECT_FALSE(moved.snapshot_in_progress());
    EXPECT_FALSE(a.state.snapshot_in_progress());  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(moved == replaced);
    moved.begin_snapshot();  // a fresh one works on the moved-to state
    EXPECT_TRUE(same_bytes(run_snapshot(moved, 5, [](std::size_t) {}), replaced.encode()));
}

TEST(KvStateDeathTest, SnapshotMisuseAsserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const char* kAssert = "assertion failed";
    std::string out;
    EXPECT_DEATH(KvState().continue_snapshot(1, out), kAssert);
    EXPECT_DEATH(KvState().snapshot_index(), kAssert);
    EXPECT_DEATH(
        {
            KvState s;
            s.begin_snapshot();
            s.begin_snapshot();
        },
        kAssert);
    EXPECT_DEATH(
        {
            KvState s;
            s.begin_snapshot();
            s.continue_snapshot(0, out);
        },
        kAssert);
}

}  // namespace
}  // namespace vigil::store
