// KvState: apply (compare-and-set, request-id dedup) and the snapshot encoding.
//
// A snapshot must not stall the event loop, so it is encoded in bounded chunks with entries
// applied in between, and must still be exactly the state as of its start. There is one
// encoding path: encode() is a snapshot run to the end in one chunk. The chunked form reads
// keys after its cursor from map_ unless apply() saved their value as of the start in the
// cursor's overlay (copy-on-write per key), and request ids from request_order_ after the
// ones apply() forgot before they were encoded. The crc is extended over each chunk as it is
// emitted: computing it over 75 MB at the end would be the stall again.
//
// Snapshot format, version 1 (all integers little-endian):
//   "VKVS" u32 version
//   u64 applied_index  u64 applied_epoch
//   u64 key_count   { u32 key_bytes key  u32 value_bytes value  u64 revision }  key order
//   u64 request_count { u32 id_bytes id  u8 code  u64 index  u64 revision }  index order
//   u32 crc32 (zlib) of every byte before it
#include "store/kv_state.h"

#include "common/assert.h"
#include "store/le_bytes.h"

namespace vigil::store {

namespace {

constexpr std::string_view kMagic = "VKVS";
constexpr std::uint32_t kVersion = 1;

// A bounds-checked cursor: every read fails (and stays failed) past the end, so a
// truncated or garbage snapshot can never make decode read outside the buffer.
class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    bool ok() const { return ok_; }
    std::size_t left() const { return bytes_.size(); }
    std::uint64_t u(int width) {
        if (!ok_ || bytes_.size() < static_cast<std::size_t>(width)) return fail();
        std::uint64_t v = 0;
        for (int i = 0; i < width; ++i)
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[i])) << (8 * i);
        bytes_.remove_prefix(static_cast<std::size_t>(width));
        return v;
    }
    std::string_view bytes(std::size_t max) {
        const std::uint64_t n = u(4);
        if (!ok_ || n > max || n > bytes_.size()) return fail(), std::string_view{};
        std::string_view s = bytes_.substr(0, n);
        bytes_.remove_prefix(n);
        return s;
    }

private:
    std::uint64_t fail() {
        ok_ = false;
        return 0;
    }
    std::string_view bytes_;
    bool ok_ = true;
};

void put_key(std::string& out, std::string_view key, const KvValue& v) {
    put_bytes(out, key);
    put_bytes(out, v.value);
    put_u64(out, v.revision);
}

void put_request(std::string& out, std::string_view id, const Outcome& o) {
    put_bytes(out, id);
    put_u8(out, static_cast<std::uint8_t>(o.code));
    put_u64(out, o.index);
    put_u64(out, o.revision);
}

bool same_outcome(const Outcome& a, const Outcome& b) {
    return a.code == b.code && a.index == b.index && a.revision == b.revision &&
           a.duplicate == b.duplicate;
}

}  // namespace

Outcome KvState::apply(const Entry& entry) {
    VIGIL_ASSERT(entry.index == applied_index_ + 1);
    VIGIL_ASSERT(entry.epoch >= applied_epoch_);
    applied_index_ = entry.index;
    applied_epoch_ = entry.epoch;
    const Write& w = entry.write;
    Outcome out;
    out.index = entry.index;
    if (w.op == Write::Op::noop) return out;
    // The API refuses writes past the limits before appending, and the log checks them when
    // it reads entries back: one past them here is a bug, and the snapshot could not hold it.
    VIGIL_ASSERT(!w.key.empty());
    VIGIL_ASSERT(w.key.size() <= kKeyBytesMax);
    VIGIL_ASSERT(w.value.size() <= kValueBytesMax);
    VIGIL_ASSERT(w.request_id.size() <= kRequestIdBytesMax);
    // A retry of a remembered request: the first outcome, and this entry changes nothing.
    if (!w.request_id.empty()) {
        if (auto first = find_request(w.request_id)) {
            first->duplicate = true;
            return *first;
        }
    }
    auto it = map_.find(w.key);
    const Index current = it == map_.end() ? 0 : it->second.revision;
    if (w.if_match && *w.if_match != current) {
        out.code = Outcome::Code::precondition_failed;
        out.revision = current;
    } else if (w.op == Write::Op::put) {
        if (it != map_.end()) value_bytes_ -= it->second.value.size();
        keep_for_snapshot(w.key, it);
        if (it == map_.end()) it = map_.emplace(w.key, KvValue{}).first;
        it->second = KvValue{w.value, entry.index};
        value_bytes_ += w.value.size();
        out.revision = entry.index;
    } else if (it == map_.end()) {
        out.code = Outcome::Code::not_found;
    } else {
        value_bytes_ -= it->second.value.size();
        keep_for_snapshot(w.key, it);
        map_.erase(it);
    }
    if (!w.request_id.empty()) {
        requests_.emplace(w.request_id, out);
        request_order_.emplace(entry.index, w.request_id);
        // Bounded memory: the oldest request ids are forgotten first (kRequestIdsKept).
        while (request_order_.size() > kRequestIdsKept) forget_oldest_request();
    }
    VIGIL_ASSERT(requests_.size() == request_order_.size());
    return out;
}

std::optional<KvValue> KvState::get(std::string_view key) const {
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
}

KvListing KvState::list(std::string_view prefix, std::string_view start_after,
                        std::size_t limit) const {
    VIGIL_ASSERT(limit >= 1);
    KvListing out;
    auto it = start_after.empty() || start_after < prefix ? map_.lower_bound(prefix)
                                                          : map_.upper_bound(start_after);
    for (; it != map_.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) break;  // past the prefix
        if (out.items.size() == limit) {
            out.next = out.items.back().first;
            break;
        }
        out.items.emplace_back(it->first, it->second);
    }
    return out;
}

std::optional<Outcome> KvState::find_request(std::string_view request_id) const {
    // unordered_map<std::string> has no heterogeneous lookup in C++20 without a custom hash.
    auto it = requests_.find(std::string(request_id));
    if (it == requests_.end()) return std::nullopt;
    return it->second;
}

void KvState::keep_for_snapshot(std::string_view key, Map::iterator it) {
    if (!snapshot_.cursor || !snapshot_.cursor->key_pending(key)) return;
    auto& overlay = snapshot_.cursor->overlay;
    auto slot = overlay.lower_bound(key);
    if (slot != overlay.end() && slot->first == key) return;  // already holds the value at begin
    slot = overlay.emplace_hint(slot, std::string(key), std::nullopt);
    // Moved, not copied: apply() overwrites or erases it next.
    if (it != map_.end()) slot->second = std::move(it->second);
}

void KvState::forget_oldest_request() {
    const auto oldest = request_order_.begin();
    auto node = requests_.extract(oldest->second);
    VIGIL_ASSERT(!node.empty());
    VIGIL_ASSERT(node.mapped().index == oldest->first);  // what encode_requests orders by
    SnapshotCursor* c = snapshot_.cursor ? &*snapshot_.cursor : nullptr;
    if (c && c->request_pending(oldest->first))
        c->forgotten.emplace_back(std::move(node.key()), node.mapped());
    request_order_.erase(oldest);
}

bool KvState::SnapshotCursor::key_pending(std::string_view key) const {
    return !keys_finished && (!last_key || key > *last_key);
}

bool KvState::SnapshotCursor::request_pending(Index request_index) const {
    return request_index <= index && request_index > last_request;
}

void KvState::SnapshotCursor::emit_key(std::string& out, std::size_t& budget,
                                       const std::string& key, const KvValue& v) {
    put_key(out, key, v);
    last_key = key;
    --budget;
    ++keys_emitted;
    VIGIL_ASSERT(keys_emitted <= key_count);  // past the header's count: stop, not run on
}

void KvState::SnapshotCursor::emit_request(std::string& out, std::size_t& budget,
                                           std::string_view id, const Outcome& o) {
    put_request(out, id, o);
    last_request = o.index;
    --budget;
    ++requests_emitted;
    VIGIL_ASSERT(requests_emitted <= request_count);
}

KvState::SnapshotSlot& KvState::SnapshotSlot::operator=(const SnapshotSlot&) {
    cursor.reset();
    return *this;
}

KvState::SnapshotSlot& KvState::SnapshotSlot::operator=(SnapshotSlot&& from) noexcept {
    cursor.reset();
    from.cursor.reset();
    return *this;
}

std::string KvState::encode() const {
    std::string out;
    SnapshotCursor c = start_snapshot();
    const bool complete = encode_chunk(c, SIZE_MAX, out);
    VIGIL_ASSERT(complete);
    return out;
}

void KvState::begin_snapshot() {
    VIGIL_ASSERT(!snapshot_in_progress());
    snapshot_.cursor = start_snapshot();
}

bool KvState::continue_snapshot(std::size_t max_items, std::string& out) {
    VIGIL_ASSERT(snapshot_in_progress());
    VIGIL_ASSERT(max_items >= 1);
    const bool complete = encode_chunk(*snapshot_.cursor, max_items, out);
    if (complete) snapshot_.cursor.reset();
    return complete;
}

void KvState::abort_snapshot() {
    snapshot_.cursor.reset();
}

Index KvState::snapshot_index() const {
    VIGIL_ASSERT(snapshot_in_progress());
    return snapshot_.cursor->index;
}

KvState::SnapshotCursor KvState::start_snapshot() const {
    SnapshotCursor c;
    c.index = applied_index_;
    c.epoch = applied_epoch_;
    c.key_count = map_.size();
    c.request_count = request_order_.size();
    return c;
}

// Appends the next chunk: the header first, then keys, then request ids, then the crc.
bool KvState::encode_chunk(SnapshotCursor& c, std::size_t max_items, std::string& out) const {
    const std::size_t start = out.size();
    if (!c.header_written) {
        // The whole encoding, estimated, reserved at once: growing tens of MB by doubling
        // would copy it (on the daemon's event loop, for a chunked snapshot).
        out.reserve(out.size() + 64 + value_bytes_ + (map_.size() + request_order_.size()) * 48);
        out.append(kMagic);
        put_u32(out, kVersion);
        put_u64(out, c.index);
        put_u64(out, c.epoch);
        put_u64(out, c.key_count);
        c.header_written = true;
    }
    std::size_t budget = max_items;
    if (!c.keys_finished) {
        encode_keys(c, budget, out);
        if (c.keys_finished) put_u64(out, c.request_count);
    }
    if (c.keys_finished) encode_requests(c, budget, out);
    c.crc = crc32_of(std::string_view(out).substr(start), c.crc);
    if (!c.requests_finished) return false;
    // The counts in the header promised exactly this many records.
    VIGIL_ASSERT(c.keys_emitted == c.key_count);
    VIGIL_ASSERT(c.requests_emitted == c.request_count);
    put_u32(out, c.crc);
    return true;
}

// Merges map_ with the overlay after the cursor: a key in the overlay was changed since the
// start, so its saved value (or its absence) is the one as of the start. Keys new since the
// start are passed over without spending budget: so a snapshot ends after a number of chunks
// fixed at its start, even if every write adds a key just ahead of the cursor, and a chunk
// passes at most as many as were written since the previous one.
void KvState::encode_keys(SnapshotCursor& c, std::size_t& budget, std::string& out) const {
    auto live = c.last_key ? map_.upper_bound(*c.last_key) : map_.begin();
    auto& overlay = c.overlay;  // holds only keys after the cursor
    for (;;) {
        const bool from_live =
            overlay.empty() || (live != map_.end() && live->first < overlay.begin()->first);
        if (from_live && live == map_.end()) {
            c.keys_finished = true;
            return;
        }
        if (from_live) {
            if (budget == 0) return;
            c.emit_key(out, budget, live->first, live->second);
            ++live;
            continue;
        }
        auto saved = overlay.begin();
        if (saved->second) {
            if (budget == 0) return;
            c.emit_key(out, budget, saved->first, *saved->second);
        } else {
            c.last_key = saved->first;  // new since the start
        }
        if (live != map_.end() && live->first == saved->first) ++live;  // changed since
        overlay.erase(saved);
    }
}

// In index order, up to the snapshot's index: first those apply() forgot since the start
// (the oldest), then the ones still in request_order_.
void KvState::encode_requests(SnapshotCursor& c, std::size_t& budget, std::string& out) const {
    for (; !c.forgotten.empty(); c.forgotten.pop_front()) {
        if (budget == 0) return;
        c.emit_request(out, budget, c.forgotten.front().first, c.forgotten.front().second);
    }
    for (auto it = request_order_.upper_bound(c.last_request);; ++it) {
        if (it == request_order_.end() || it->first > c.index) {
            c.requests_finished = true;
            return;
        }
        if (budget == 0) return;
        c.emit_request(out, budget, it->second, requests_.at(it->second));
    }
}

Result<KvState> KvState::decode(std::string_view bytes) {
    const std::string what = "key-value snapshot: ";
    if (bytes.size() < kMagic.size() + 8 || bytes.substr(0, kMagic.size()) != kMagic)
        return Error::corruption(what + "bad magic (not a vigil key-value snapshot)");
    Reader trailer(bytes.substr(bytes.size() - 4));
    const auto stored_crc = static_cast<std::uint32_t>(trailer.u(4));
    const std::string_view body = bytes.substr(0, bytes.size() - 4);
    if (crc32_of(body) != stored_crc) return Error::corruption(what + "checksum mismatch");
    Reader r(body.substr(kMagic.size()));
    const std::uint64_t version = r.u(4);
    if (version != kVersion)
        return Error::corruption(what + "unsupported version " + std::to_string(version));
    KvState s;
    s.applied_index_ = r.u(8);
    s.applied_epoch_ = r.u(8);
    const std::uint64_t key_count = r.u(8);
    for (std::uint64_t i = 0; i < key_count && r.ok(); ++i) {
        const std::string_view key = r.bytes(kKeyBytesMax);
        const std::string_view value = r.bytes(kValueBytesMax);
        const Index revision = r.u(8);
        if (!r.ok()) break;
        if (key.empty() || (!s.map_.empty() && s.map_.rbegin()->first >= key))
            return Error::corruption(what + "keys empty or out of order at key " +
                                     std::to_string(i));
        if (revision == 0 || revision > s.applied_index_)
            return Error::corruption(what + "revision out of range at key " + std::to_string(i));
        s.map_.emplace_hint(s.map_.end(), std::string(key), KvValue{std::string(value), revision});
        s.value_bytes_ += value.size();
    }
    const std::uint64_t request_count = r.ok() ? r.u(8) : 0;
    if (request_count > kRequestIdsKept)
        return Error::corruption(what + "too many request ids: " + std::to_string(request_count));
    for (std::uint64_t i = 0; i < request_count && r.ok(); ++i) {
        const std::string_view id = r.bytes(kRequestIdBytesMax);
        Outcome o;
        const std::uint64_t code = r.u(1);
        o.index = r.u(8);
        o.revision = r.u(8);
        if (!r.ok()) break;
        if (code > static_cast<std::uint64_t>(Outcome::Code::not_found) || id.empty() ||
            o.index == 0 || o.index > s.applied_index_)
            return Error::corruption(what + "bad request id record " + std::to_string(i));
        o.code = static_cast<Outcome::Code>(code);
        if (!s.request_order_.emplace(o.index, std::string(id)).second ||
            !s.requests_.emplace(std::string(id), o).second)
            return Error::corruption(what + "duplicate request id record " + std::to_string(i));
    }
    if (!r.ok()) return Error::corruption(what + "truncated");
    if (r.left() != 0)
        return Error::corruption(what + std::to_string(r.left()) + " trailing bytes");
    return s;
}

bool operator==(const KvState& a, const KvState& b) {
    if (a.applied_index_ != b.applied_index_ || a.applied_epoch_ != b.applied_epoch_ ||
        a.map_.size() != b.map_.size() || a.value_bytes_ != b.value_bytes_ ||
        a.request_order_ != b.request_order_ || a.requests_.size() != b.requests_.size())
        return false;
    for (auto i = a.map_.begin(), j = b.map_.begin(); i != a.map_.end(); ++i, ++j)
        if (i->first != j->first || i->second.value != j->second.value ||
            i->second.revision != j->second.revision)
            return false;
    for (const auto& [id, o] : a.requests_) {
        auto it = b.requests_.find(id);
        if (it == b.requests_.end() || !same_outcome(o, it->second)) return false;
    }
    return true;
}

}  // namespace vigil::store
