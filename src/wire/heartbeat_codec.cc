// Heartbeat encoder and decoder; the layout is specified in docs/wire.md and the contract in
// heartbeat_codec.h. Both directions walk the fields in the same order as the tables in
// docs/wire.md, so reading this file against that document is the review.
#include "wire/heartbeat_codec.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/assert.h"

namespace vigil::wire {
namespace {

constexpr std::size_t kPrefixBytes = 6;  // magic, version, type: checked before the HMAC
constexpr std::uint8_t kNodeFlagsKnown = kNodeFlagMaintenance | kNodeFlagLeaving | kNodeFlagWitness;
constexpr std::uint8_t kGroupFlagsKnown = kGroupFlagAdmin | kGroupFlagStore;
constexpr std::uint8_t kRoleMax = static_cast<std::uint8_t>(Role::fault);

// ---------------------------------------------------------------------------------------
// Encoding.

class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) { big_endian(v, 2); }
    void u32(std::uint32_t v) { big_endian(v, 4); }
    void u64(std::uint64_t v) { big_endian(v, 8); }
    void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
    // REQUIRES: name.size() <= kNameBytesMax (asserted by the caller's limit check).
    void name(std::string_view name) {
        u8(static_cast<std::uint8_t>(name.size()));
        out_.insert(out_.end(), name.begin(), name.end());
    }

private:
    void big_endian(std::uint64_t v, int width) {
        for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
            out_.push_back(static_cast<std::uint8_t>(v >> shift));
        }
    }

    std::vector<std::uint8_t>& out_;
};

// Two groups with the same name, as (earlier index, later index), with the lowest later index
// if there are several; nullopt if all names are distinct. Sorts names rather than comparing
// all pairs: this runs for every datagram sent and received, with up to kGroupsMax groups.
std::optional<std::pair<std::size_t, std::size_t>> find_duplicate_group(
    const std::vector<GroupState>& groups) {
    VIGIL_ASSERT(groups.size() <= kGroupsMax);
    std::array<std::pair<std::string_view, std::size_t>, kGroupsMax> names;
    for (std::size_t i = 0; i < groups.size(); ++i) names[i] = {groups[i].group, i};
    const auto end = names.begin() + static_cast<std::ptrdiff_t>(groups.size());
    std::sort(names.begin(), end);
    std::optional<std::pair<std::size_t, std::size_t>> found;
    for (auto it = names.begin(); it != end && it + 1 != end; ++it) {
        if (it->first != (it + 1)->first) continue;
        if (!found || (it + 1)->second < found->second) found = {it->second, (it + 1)->second};
    }
    return found;
}

// The encoder's precondition, docs/wire.md "Limits". One condition per assertion, so a
// failure names the limit that was broken.
void assert_limits(const Heartbeat& heartbeat) {
    VIGIL_ASSERT(!heartbeat.sender.empty());
    VIGIL_ASSERT(heartbeat.sender.size() <= kNameBytesMax);
    VIGIL_ASSERT(heartbeat.link < kLinksMax);
    VIGIL_ASSERT(heartbeat.groups.size() <= kGroupsMax);
    for (std::size_t i = 0; i < heartbeat.groups.size(); ++i) {
        const GroupState& group = heartbeat.groups[i];
        VIGIL_ASSERT(!group.group.empty());
        VIGIL_ASSERT(group.group.size() <= kNameBytesMax);
        VIGIL_ASSERT(static_cast<std::uint8_t>(group.role) <= kRoleMax);
        VIGIL_ASSERT(group.primary.size() <= kNameBytesMax);
        VIGIL_ASSERT(group.handoff_to.size() <= kNameBytesMax);
        VIGIL_ASSERT(group.switchover_to.size() <= kNameBytesMax);
        VIGIL_ASSERT(group.vote_for.size() <= kNameBytesMax);
    }
    VIGIL_ASSERT(!find_duplicate_group(heartbeat.groups).has_value());
    VIGIL_ASSERT(encoded_bytes(heartbeat) <= kMessageBytesMax);
}

void write_group(Writer& w, const GroupState& group) {
    w.name(group.group);
    w.u8(static_cast<std::uint8_t>(group.role));
    w.u8((group.admin ? kGroupFlagAdmin : 0) | (group.store ? kGroupFlagStore : 0));
    w.u64(group.epoch);
    w.u16(group.priority);
    w.name(group.primary);
    w.name(group.handoff_to);
    w.name(group.switchover_to);
    w.u32(group.switchover_id);
    w.u64(group.campaign_epoch);
    w.name(group.vote_for);
    w.u64(group.vote_epoch);
    w.u64(group.vote_echo_us);
    if (!group.store) return;
    w.u64(group.store_last_epoch);
    w.u64(group.store_last_index);
    w.u64(group.sync_epoch);
    w.u64(group.sync_seq);
    w.u32(group.sync_mask);
}

// ---------------------------------------------------------------------------------------
// Decoding.

// Reads big-endian fields from a span, refusing to read past its end. On the first failure
// it records an error naming the field ("group[3].name: ...") and every later read fails, so
// callers may chain reads and check once; field names are literals, so the happy path does
// not allocate.
class Parser {
public:
    explicit Parser(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::size_t remaining() const { return bytes_.size() - offset_; }
    // Prefixes later errors with "group[index]."; nullopt for fields outside a group.
    void set_group(std::optional<std::size_t> index) { group_index_ = index; }

    void skip(std::size_t count) {
        VIGIL_ASSERT(count <= remaining());
        offset_ += count;
    }
    bool u8(const char* field, std::uint8_t& out) { return uint(field, out); }
    bool u16(const char* field, std::uint16_t& out) { return uint(field, out); }
    bool u32(const char* field, std::uint32_t& out) { return uint(field, out); }
    bool u64(const char* field, std::uint64_t& out) { return uint(field, out); }

    bool bytes(const char* field, std::span<std::uint8_t> out) {
        if (!need(field, out.size())) return false;
        std::copy_n(bytes_.begin() + offset_, out.size(), out.begin());
        offset_ += out.size();
        return true;
    }

    // A u8 length and that many bytes, 0..kNameBytesMax; 0 is refused if `required`.
    bool name(const char* field, bool required, std::string& out) {
        std::uint8_t length = 0;
        if (!u8(field, length)) return false;
        if (length > kNameBytesMax) {
            return fail(field, "length " + std::to_string(length) + " exceeds " +
                                   std::to_string(kNameBytesMax));
        }
        if (length == 0 && required) return fail(field, "empty, but a name is required");
        if (length > remaining()) {
            return fail(field, "length " + std::to_string(length) + " exceeds the " +
                                   std::to_string(remaining()) + " bytes remaining");
        }
        const auto* begin = bytes_.data() + offset_;
        out.assign(begin, begin + length);
        offset_ += length;
        return true;
    }

    // Records the error (the first one wins) and returns false.
    bool fail(const char* field, const std::string& detail) {
        if (failed_) return false;
        failed_ = true;
        error_ = "heartbeat: ";
        if (group_index_) error_ += "group[" + std::to_string(*group_index_) + "].";
        error_ += field;
        error_ += ": ";
        error_ += detail;
        return false;
    }

    Error error() const {
        VIGIL_ASSERT(failed_);
        return Error::protocol(error_);
    }

private:
    bool need(const char* field, std::size_t count) {
        if (failed_) return false;
        if (count <= remaining()) return true;
        return fail(field, "truncated: needs " + std::to_string(count) + " bytes, " +
                               std::to_string(remaining()) + " remain");
    }

    template <typename T>
    bool uint(const char* field, T& out) {
        static_assert(sizeof(T) <= 8);
        if (!need(field, sizeof(T))) return false;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) v = (v << 8) | bytes_[offset_ + i];
        offset_ += sizeof(T);
        out = static_cast<T>(v);
        return true;
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t offset_ = 0;
    std::optional<std::size_t> group_index_;
    bool failed_ = false;
    std::string error_;
};

std::string flags_detail(std::uint8_t flags, std::uint8_t known) {
    return "reserved bits set (" + std::to_string(flags & ~known) + ")";
}

// Header after the prefix, through node_flags (docs/wire.md "Layout").
bool parse_node(Parser& p, Heartbeat& out) {
    std::uint8_t flags = 0;
    if (!p.u8("flags", flags)) return false;
    if (flags != 0) return p.fail("flags", flags_detail(flags, 0));
    if (!p.bytes("config_digest", out.config_digest)) return false;
    if (!p.name("sender", true, out.sender)) return false;
    if (!p.u8("link", out.link)) return false;
    if (out.link >= kLinksMax) {
        return p.fail("link", std::to_string(out.link) + " is out of range 0.." +
                                  std::to_string(kLinksMax - 1));
    }
    if (!p.u64("boot_id", out.boot_id)) return false;
    if (!p.u64("seq", out.seq)) return false;
    if (!p.u16("interval_ms", out.interval_ms)) return false;
    std::uint8_t node_flags = 0;
    if (!p.u8("node_flags", node_flags)) return false;
    if ((node_flags & ~kNodeFlagsKnown) != 0) {
        return p.fail("node_flags", flags_detail(node_flags, kNodeFlagsKnown));
    }
    out.maintenance = (node_flags & kNodeFlagMaintenance) != 0;
    out.leaving = (node_flags & kNodeFlagLeaving) != 0;
    out.witness = (node_flags & kNodeFlagWitness) != 0;
    return p.u64("sent_at_us", out.sent_at_us);
}

bool parse_group(Parser& p, GroupState& out) {
    if (!p.name("name", true, out.group)) return false;
    std::uint8_t role = 0;
    if (!p.u8("role", role)) return false;
    if (role > kRoleMax) {
        return p.fail("role",
                      std::to_string(role) + " is out of range 0.." + std::to_string(kRoleMax));
    }
    out.role = static_cast<Role>(role);
    std::uint8_t flags = 0;
    if (!p.u8("flags", flags)) return false;
    if ((flags & ~kGroupFlagsKnown) != 0) {
        return p.fail("flags", flags_detail(flags, kGroupFlagsKnown));
    }
    out.admin = (flags & kGroupFlagAdmin) != 0;
    out.store = (flags & kGroupFlagStore) != 0;
    if (!p.u64("epoch", out.epoch)) return false;
    if (!p.u16("priority", out.priority)) return false;
    if (!p.name("primary", false, out.primary)) return false;
    if (!p.name("handoff_to", false, out.handoff_to)) return false;
    if (!p.name("switchover_to", false, out.switchover_to)) return false;
    if (!p.u32("switchover_id", out.switchover_id)) return false;
    if (!p.u64("campaign_epoch", out.campaign_epoch)) return false;
    if (!p.name("vote_for", false, out.vote_for)) return false;
    if (!p.u64("vote_epoch", out.vote_epoch)) return false;
    if (!p.u64("vote_echo_us", out.vote_echo_us)) return false;
    if (!out.store) return true;
    if (!p.u64("store_last_epoch", out.store_last_epoch)) return false;
    if (!p.u64("store_last_index", out.store_last_index)) return false;
    if (!p.u64("sync_epoch", out.sync_epoch)) return false;
    if (!p.u64("sync_seq", out.sync_seq)) return false;
    return p.u32("sync_mask", out.sync_mask);
}

bool parse_groups(Parser& p, std::vector<GroupState>& out) {
    std::uint16_t count = 0;
    if (!p.u16("group_count", count)) return false;
    if (count > kGroupsMax) {
        return p.fail("group_count",
                      std::to_string(count) + " exceeds " + std::to_string(kGroupsMax));
    }
    // Refuse a count the remaining bytes cannot hold before allocating for it.
    if (count * kGroupBytesMin > p.remaining()) {
        return p.fail("group_count", std::to_string(count) + " groups need at least " +
                                         std::to_string(count * kGroupBytesMin) + " bytes, " +
                                         std::to_string(p.remaining()) + " remain");
    }
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        p.set_group(i);
        GroupState& group = out.emplace_back();
        if (!parse_group(p, group)) return false;
    }
    if (auto duplicate = find_duplicate_group(out)) {
        p.set_group(duplicate->second);
        return p.fail("name", "duplicate of group[" + std::to_string(duplicate->first) + "]");
    }
    p.set_group(std::nullopt);
    return true;
}

}  // namespace

std::size_t encoded_bytes(const Heartbeat& heartbeat) {
    std::size_t bytes = kHeaderBytesMin - 1 + heartbeat.sender.size() + kHmacBytes;
    for (const GroupState& group : heartbeat.groups) {
        bytes += kGroupBytesFixed + group.group.size() + group.primary.size() +
                 group.handoff_to.size() + group.switchover_to.size() + group.vote_for.size() +
                 (group.store ? kGroupStoreBytes : 0);
    }
    return bytes;
}

std::vector<std::uint8_t> encode(const Heartbeat& heartbeat, const Keys& keys) {
    assert_limits(heartbeat);
    VIGIL_ASSERT(!keys.current.empty());
    std::vector<std::uint8_t> out;
    out.reserve(encoded_bytes(heartbeat));
    Writer w(out);
    w.bytes(kMagic);
    w.u8(kVersion);
    w.u8(kTypeHeartbeat);
    w.u8(0);  // flags: reserved
    w.bytes(heartbeat.config_digest);
    w.name(heartbeat.sender);
    w.u8(heartbeat.link);
    w.u64(heartbeat.boot_id);
    w.u64(heartbeat.seq);
    w.u16(heartbeat.interval_ms);
    w.u8((heartbeat.maintenance ? kNodeFlagMaintenance : 0) |
         (heartbeat.leaving ? kNodeFlagLeaving : 0) | (heartbeat.witness ? kNodeFlagWitness : 0));
    w.u64(heartbeat.sent_at_us);
    w.u16(static_cast<std::uint16_t>(heartbeat.groups.size()));
    for (const GroupState& group : heartbeat.groups) write_group(w, group);
    const HmacSha256 tag = hmac_sha256(keys.current, out);
    w.bytes(tag);
    VIGIL_ASSERT(out.size() == encoded_bytes(heartbeat));
    return out;
}

Result<Heartbeat> decode(std::span<const std::uint8_t> datagram, const Keys& keys) {
    VIGIL_ASSERT(!keys.current.empty());
    const std::size_t size = datagram.size();
    if (size < kMessageBytesMin) {
        return Error::protocol("heartbeat: length " + std::to_string(size) +
                               " is below the minimum " + std::to_string(kMessageBytesMin));
    }
    if (size > kMessageBytesMax) {
        return Error::protocol("heartbeat: length " + std::to_string(size) + " exceeds " +
                               std::to_string(kMessageBytesMax));
    }
    if (!std::equal(std::begin(kMagic), std::end(kMagic), datagram.begin())) {
        return Error::protocol("heartbeat: magic: not \"VGL1\"");
    }
    if (datagram[4] != kVersion) {
        return Error::protocol("heartbeat: version: " + std::to_string(datagram[4]) +
                               " is not supported (expected 2)");
    }
    if (datagram[5] != kTypeHeartbeat) {
        return Error::protocol("heartbeat: type: " + std::to_string(datagram[5]) +
                               " is not a heartbeat (1)");
    }
    // Authenticate before parsing the body (docs/wire.md "Validation order").
    const auto body = datagram.first(size - kHmacBytes);
    const auto tag = datagram.last<kHmacBytes>();
    if (hmac_sha256_match(keys, body, tag) == KeyMatch::none) {
        return Error::auth("heartbeat: hmac: matches neither the current nor the next key");
    }
    Parser p(body);
    p.skip(kPrefixBytes);
    Heartbeat out;
    if (!parse_node(p, out)) return p.error();
    if (!parse_groups(p, out.groups)) return p.error();
    if (p.remaining() != 0) {
        p.fail("groups", std::to_string(p.remaining()) + " bytes after the last group record");
        return p.error();
    }
    return out;
}

}  // namespace vigil::wire
