// Wire format of the replication messages (docs/store-replication.md#messages): one type
// byte, then fixed-width little-endian fields. An entry uses the field layout of one log
// record payload.
// (The entry layout repeats log_record.cc's payload without its length and crc: the frame
// and TCP already delimit and check it.)
//
// Decoding treats its input as hostile: every length is checked against the bytes left and
// the limits of types.h before anything is allocated, so garbage costs at most the frame.
#include "store/replication.h"

#include "store/le_bytes.h"

namespace vigil::store {
namespace {

enum class Type : std::uint8_t { hello = 1, append = 2, install_snapshot = 3, ack = 4 };

// The smallest encoded entry (empty strings, no if_match): bounds entry_count by the bytes
// left, before the vector is reserved.
constexpr std::size_t kEntryBytesMin = 8 + 8 + 1 + 1 + 4 + 4 + 4;
constexpr std::size_t kEntriesMax = kFrameBytesMax / kEntryBytesMin;


void put_entry(std::string& out, const Entry& e) {
    put_u64(out, e.index);
    put_u64(out, e.epoch);
    put_u8(out, static_cast<std::uint8_t>(e.write.op));
    put_u8(out, e.write.if_match ? 1 : 0);
    if (e.write.if_match) put_u64(out, *e.write.if_match);
    put_bytes(out, e.write.key);
    put_bytes(out, e.write.value);
    put_bytes(out, e.write.request_id);
}

// A cursor over the frame; every read checks the bytes left and records the first failure.
class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    std::size_t left() const { return in_.size() - pos_; }
    bool at_end() const { return pos_ == in_.size(); }

    void fail(std::string what) {
        if (error_.empty()) error_ = std::move(what) + " at byte " + std::to_string(pos_);
    }
    std::uint64_t uint(int width, const char* what) {
        if (failed()) return 0;
        if (left() < static_cast<std::size_t>(width)) {
            fail(std::string("truncated ") + what);
            return 0;
        }
        std::uint64_t v = 0;
        for (int i = 0; i < width; ++i)
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
        pos_ += width;
        return v;
    }
    std::uint64_t u64(const char* what) { return uint(8, what); }
    std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(uint(1, what)); }
    std::string bytes(std::size_t limit, const char* what) {
        const std::uint64_t n = uint(4, what);
        if (failed()) return {};
        if (n > limit) {
            fail(std::string(what) + " of " + std::to_string(n) + " bytes over the limit " +
                 std::to_string(limit));
            return {};
        }
        if (n > left()) {
            fail(std::string("truncated ") + what);
            return {};
        }
        std::string s(in_.substr(pos_, n));
        pos_ += n;
        return s;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
    std::string error_;
};

Entry read_entry(Reader& r) {
    Entry e;
    e.index = r.u64("entry index");
    e.epoch = r.u64("entry epoch");
    const std::uint8_t op = r.u8("entry op");
    if (op > static_cast<std::uint8_t>(Write::Op::del))
        r.fail("unknown entry op " + std::to_string(op));
    e.write.op = static_cast<Write::Op>(op);
    const std::uint8_t flags = r.u8("entry flags");
    if (flags > 1) r.fail("unknown entry flags " + std::to_string(flags));
    if (flags == 1) e.write.if_match = r.u64("entry if_match");
    e.write.key = r.bytes(kKeyBytesMax, "entry key");
    e.write.value = r.bytes(kValueBytesMax, "entry value");
    e.write.request_id = r.bytes(kRequestIdBytesMax, "entry request id");
    return e;
}

Message read_append(Reader& r) {
    Append a;
    a.epoch = r.u64("append epoch");
    a.prev_index = r.u64("append prev_index");
    a.prev_epoch = r.u64("append prev_epoch");
    a.commit_index = r.u64("append commit_index");
    const std::uint64_t count = r.uint(4, "append entry count");
    if (!r.failed() && (count > kEntriesMax || count * kEntryBytesMin > r.left()))
        r.fail("append entry count " + std::to_string(count) + " exceeds the frame");
    if (r.failed()) return a;
    a.entries.reserve(count);
    for (std::uint64_t i = 0; i < count && !r.failed(); ++i) a.entries.push_back(read_entry(r));
    return a;
}

Message read_install_snapshot(Reader& r) {
    InstallSnapshot m;
    m.epoch = r.u64("snapshot epoch");
    m.commit_index = r.u64("snapshot commit_index");
    m.snapshot.index = r.u64("snapshot index");
    m.snapshot.epoch = r.u64("snapshot entry epoch");
    m.snapshot.state = r.bytes(kFrameBytesMax, "snapshot state");
    return m;
}

Message read_ack(Reader& r) {
    Ack a;
    a.epoch = r.u64("ack epoch");
    const std::uint8_t ok = r.u8("ack ok");
    if (ok > 1) r.fail("ack ok flag " + std::to_string(ok) + " is not 0 or 1");
    a.ok = ok == 1;
    a.match_index = r.u64("ack match_index");
    a.last_index = r.u64("ack last_index");
    return a;
}

}  // namespace

std::string encode_message(const Message& message) {
    std::string out;
    if (const auto* m = std::get_if<Hello>(&message)) {
        put_u8(out, static_cast<std::uint8_t>(Type::hello));
        put_u64(out, m->epoch);
        put_u64(out, m->last_index);
        put_u64(out, m->last_epoch);
    } else if (const auto* m = std::get_if<Append>(&message)) {
        put_u8(out, static_cast<std::uint8_t>(Type::append));
        put_u64(out, m->epoch);
        put_u64(out, m->prev_index);
        put_u64(out, m->prev_epoch);
        put_u64(out, m->commit_index);
        put_u32(out, static_cast<std::uint32_t>(m->entries.size()));
        for (const Entry& e : m->entries) put_entry(out, e);
    } else if (const auto* m = std::get_if<InstallSnapshot>(&message)) {
        put_u8(out, static_cast<std::uint8_t>(Type::install_snapshot));
        put_u64(out, m->epoch);
        put_u64(out, m->commit_index);
        put_u64(out, m->snapshot.index);
        put_u64(out, m->snapshot.epoch);
        put_bytes(out, m->snapshot.state);
    } else {
        const Ack& a = std::get<Ack>(message);
        put_u8(out, static_cast<std::uint8_t>(Type::ack));
        put_u64(out, a.epoch);
        put_u8(out, a.ok ? 1 : 0);
        put_u64(out, a.match_index);
        put_u64(out, a.last_index);
    }
    VIGIL_ASSERT(out.size() <= kFrameBytesMax);
    return out;
}

Result<Message> decode_message(std::string_view bytes) {
    if (bytes.size() > kFrameBytesMax)
        return Error::protocol("replication frame of " + std::to_string(bytes.size()) +
                               " bytes over the limit " + std::to_string(kFrameBytesMax));
    Reader r(bytes);
    const std::uint8_t type = r.u8("message type");
    Message message;
    switch (static_cast<Type>(type)) {
        case Type::hello: {
            Hello h;
            h.epoch = r.u64("hello epoch");
            h.last_index = r.u64("hello last_index");
            h.last_epoch = r.u64("hello last_epoch");
            message = h;
            break;
        }
        case Type::append: message = read_append(r); break;
        case Type::install_snapshot: message = read_install_snapshot(r); break;
        case Type::ack: message = read_ack(r); break;
        default:
            if (!r.failed()) r.fail("unknown message type " + std::to_string(type));
    }
    if (!r.failed() && !r.at_end())
        r.fail(std::to_string(r.left()) + " trailing bytes after the message");
    if (r.failed()) return Error::protocol("replication message: " + r.error());
    return message;
}

std::size_t encoded_entry_bytes(const Entry& entry) {
    return kEntryBytesMin + (entry.write.if_match ? 8 : 0) + entry.write.key.size() +
           entry.write.value.size() + entry.write.request_id.size();
}

}  // namespace vigil::store
