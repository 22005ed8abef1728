// KvState: apply (compare-and-set, request-id dedup) and the snapshot encoding.
//
// Snapshot format, version 1 (all integers little-endian):
//   "VKVS" u32 version
//   u64 applied_index  u64 applied_epoch
//   u64 key_count   { u32 key_bytes key  u32 value_bytes value  u64 revision }  key order
//   u64 request_count { u32 id_bytes id  u8 code  u64 index  u64 revision }  index order
//   u32 crc32 (zlib) of every byte before it
#include "store/kv_state.h"

#include "store/le_bytes.h"

#include "common/assert.h"

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
        if (it == map_.end()) {
            it = map_.emplace(w.key, KvValue{}).first;
        } else {
            value_bytes_ -= it->second.value.size();
        }
        it->second = KvValue{w.value, entry.index};
        value_bytes_ += w.value.size();
        out.revision = entry.index;
    } else if (it == map_.end()) {
        out.code = Outcome::Code::not_found;
    } else {
        value_bytes_ -= it->second.value.size();
        map_.erase(it);
    }
    if (!w.request_id.empty()) {
        requests_.emplace(w.request_id, out);
        request_order_.emplace(entry.index, w.request_id);
        // Bounded memory: the oldest request ids are forgotten first (kRequestIdsKept).
        while (request_order_.size() > kRequestIdsKept) {
            requests_.erase(request_order_.begin()->second);
            request_order_.erase(request_order_.begin());
        }
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

std::string KvState::encode() const {
    std::string out;
    out.reserve(64 + value_bytes_ + map_.size() * 48);
    out.append(kMagic);
    put_u32(out, kVersion);
    put_u64(out, applied_index_);
    put_u64(out, applied_epoch_);
    put_u64(out, map_.size());
    for (const auto& [key, v] : map_) {
        put_bytes(out, key);
        put_bytes(out, v.value);
        put_u64(out, v.revision);
    }
    put_u64(out, request_order_.size());
    for (const auto& [index, id] : request_order_) {
        const Outcome& o = requests_.at(id);
        put_bytes(out, id);
        out.push_back(static_cast<char>(o.code));
        put_u64(out, o.index);
        put_u64(out, o.revision);
    }
    put_u32(out, crc32_of(out));
    return out;
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
