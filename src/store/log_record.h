// The on-disk record of one log entry (docs/store-format.md "Record"):
//   [u32 payload length][u32 crc32 (zlib) of payload][payload], little-endian.
// The length and checksum let recovery tell a complete record from a torn or damaged one;
// the decoder never trusts a length before checking it against the limits of types.h, so
// garbage cannot make it allocate or read past the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/types.h"

namespace vigil::store {

constexpr std::size_t kRecordHeaderBytes = 8;  // length, crc32
// index, epoch, op, flags, if_match, key length, value length, request id length.
constexpr std::size_t kRecordPayloadBytesMin = 8 + 8 + 1 + 1 + 8 + 4 + 4 + 2;
constexpr std::size_t kRecordPayloadBytesMax =
    kRecordPayloadBytesMin + kKeyBytesMax + kValueBytesMax + kRequestIdBytesMax;
static_assert(kRecordPayloadBytesMax <= kEntryBytesMax, "a record fits the entry bound");
static_assert(kRequestIdBytesMax <= UINT16_MAX, "the request id length is a u16");

// Appends the record of `entry` to `out`. REQUIRES: the entry is within the limits.
void encode_record(const Entry& entry, std::string& out);
// The size encode_record() appends.
std::size_t record_bytes(const Entry& entry);

struct DecodedRecord {
    enum class Status {
        ok,          // entry and consumed are set
        incomplete,  // the input ends inside the record (a torn write, or more to read)
        corrupt,     // checksum mismatch or a field out of range; message says which
    };
    Status status = Status::corrupt;
    Entry entry;
    std::size_t consumed = 0;  // bytes of the record, header included
    std::string message;
};

// Decodes the record at the start of `bytes`.
DecodedRecord decode_record(std::string_view bytes);

}  // namespace vigil::store
