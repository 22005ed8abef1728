#include "store/log_record.h"

#include <zlib.h>

#include "common/assert.h"
#include "store/le_bytes.h"

namespace vigil::store {

namespace {



DecodedRecord corrupt(std::string message) {
    DecodedRecord r;
    r.status = DecodedRecord::Status::corrupt;
    r.message = std::move(message);
    return r;
}

// Reads the payload's fields in order; every length is checked against what is left.
class PayloadReader {
public:
    explicit PayloadReader(std::string_view p) : p_(p) {}
    bool has(std::size_t n) const { return p_.size() - at_ >= n; }
    std::uint64_t le(int bytes) {
        std::uint64_t v = get_le(p_, at_, bytes);
        at_ += static_cast<std::size_t>(bytes);
        return v;
    }
    std::string_view take(std::size_t n) {
        std::string_view v = p_.substr(at_, n);
        at_ += n;
        return v;
    }
    bool done() const { return at_ == p_.size(); }

private:
    std::string_view p_;
    std::size_t at_ = 0;
};

// Reads a length-prefixed string of at most `max` bytes into `out`; false if it does not fit.
bool read_string(PayloadReader& r, int length_bytes, std::size_t max, std::string& out) {
    if (!r.has(static_cast<std::size_t>(length_bytes))) return false;
    std::uint64_t n = r.le(length_bytes);
    if (n > max || !r.has(n)) return false;
    out = std::string(r.take(n));
    return true;
}

}  // namespace

std::size_t record_bytes(const Entry& entry) {
    const Write& w = entry.write;
    return kRecordHeaderBytes + kRecordPayloadBytesMin + w.key.size() + w.value.size() +
           w.request_id.size();
}

void encode_record(const Entry& entry, std::string& out) {
    const Write& w = entry.write;
    VIGIL_ASSERT(w.key.size() <= kKeyBytesMax);
    VIGIL_ASSERT(w.value.size() <= kValueBytesMax);
    VIGIL_ASSERT(w.request_id.size() <= kRequestIdBytesMax);
    const std::size_t start = out.size();
    out.append(kRecordHeaderBytes, '\0');  // filled in once the payload is known
    put_le(out, entry.index, 8);
    put_le(out, entry.epoch, 8);
    put_le(out, static_cast<std::uint8_t>(w.op), 1);
    put_le(out, w.if_match ? 1 : 0, 1);
    put_le(out, w.if_match.value_or(0), 8);
    put_le(out, w.key.size(), 4);
    out += w.key;
    put_le(out, w.value.size(), 4);
    out += w.value;
    put_le(out, w.request_id.size(), 2);
    out += w.request_id;
    const std::string_view payload = std::string_view(out).substr(start + kRecordHeaderBytes);
    std::string header;
    put_le(header, payload.size(), 4);
    put_le(header, crc32_of(payload), 4);
    out.replace(start, kRecordHeaderBytes, header);
    VIGIL_ASSERT(out.size() - start == record_bytes(entry));
}

DecodedRecord decode_record(std::string_view bytes) {
    DecodedRecord r;
    if (bytes.size() < kRecordHeaderBytes) {
        r.status = DecodedRecord::Status::incomplete;
        r.message = "record header cut short";
        return r;
    }
    const std::uint64_t length = get_le(bytes, 0, 4);
    if (length < kRecordPayloadBytesMin || length > kRecordPayloadBytesMax)
        return corrupt("record length " + std::to_string(length) + " out of range");
    if (bytes.size() - kRecordHeaderBytes < length) {
        r.status = DecodedRecord::Status::incomplete;
        r.message = "record of " + std::to_string(length) + " bytes cut short";
        return r;
    }
    const std::string_view payload = bytes.substr(kRecordHeaderBytes, length);
    if (crc32_of(payload) != get_le(bytes, 4, 4)) return corrupt("record checksum mismatch");

    PayloadReader p(payload);
    r.entry.index = p.le(8);
    r.entry.epoch = p.le(8);
    const std::uint64_t op = p.le(1);
    const std::uint64_t flags = p.le(1);
    const std::uint64_t if_match = p.le(8);
    if (op > static_cast<std::uint8_t>(Write::Op::del))
        return corrupt("record op " + std::to_string(op) + " unknown");
    if (flags > 1) return corrupt("record flags " + std::to_string(flags) + " unknown");
    Write& w = r.entry.write;
    w.op = static_cast<Write::Op>(op);
    if (flags == 1) w.if_match = if_match;
    if (!read_string(p, 4, kKeyBytesMax, w.key)) return corrupt("record key length bad");
    if (!read_string(p, 4, kValueBytesMax, w.value)) return corrupt("record value length bad");
    if (!read_string(p, 2, kRequestIdBytesMax, w.request_id))
        return corrupt("record request id length bad");
    if (!p.done()) return corrupt("record has bytes after its fields");
    if (r.entry.index == 0) return corrupt("record index 0");
    r.status = DecodedRecord::Status::ok;
    r.consumed = kRecordHeaderBytes + length;
    return r;
}

}  // namespace vigil::store
