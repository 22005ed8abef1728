// Small records that must survive a crash intact, rewritten in place. Used for the durable
// state file (daemon/state_file.h), which sits on the failover path: a vote is written and
// synced before the heartbeat that carries it.
//
// DurableFile keeps two fixed-size slots in one file, each holding a record (header,
// payload, checksum) with a sequence number. A write goes into the slot that does not hold
// the newest record (pwrite, then fdatasync), so a write torn by a crash damages only that
// slot and the previous record survives in the other; recovery takes the valid slot with
// the highest sequence. The file is created, whole, once; a write then changes no metadata
// and costs one fdatasync rather than the fsync + rename + directory fsync of replacing a
// file. Format, byte by byte, and the recovery rules: docs/state.md.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace vigil::io {

// docs/state.md "File layout".
constexpr std::size_t kDurableSlotBytes = 32 * 1024;
constexpr std::size_t kDurableFileBytes = 2 * kDurableSlotBytes;  // slot A, then slot B
constexpr std::size_t kDurableHeaderBytes = 40;    // magic, version, length, sequence, checksum
constexpr std::size_t kDurableChecksumBytes = 16;  // SHA-256, truncated
constexpr std::uint32_t kDurableFormatVersion = 1;
constexpr std::size_t kDurablePayloadBytesMax = kDurableSlotBytes - kDurableHeaderBytes;
static_assert(kDurableHeaderBytes == 8 + 4 + 4 + 8 + kDurableChecksumBytes,
              "the header is magic, version, length, sequence and checksum");
static_assert(kDurablePayloadBytesMax <= UINT32_MAX, "the length field is a u32");

class DurableFile {
public:
    // Opens `dir`/`name` for reading and writing. If it does not exist, first creates it
    // whole, with `initial_payload` as its only record (sequence 0, slot A), through a
    // temporary file `name`.tmp, fsync, rename and fsync of `dir`: a crash leaves no file or
    // the complete one. A file shorter than kDurableFileBytes that holds a valid record is
    // extended with zeros and fsynced. Errors: Error::corruption if no slot holds a valid
    // record (the message says what is wrong with each, or that the file is not of this
    // format), or if the file is larger than kDurableFileBytes; Error::io if it cannot be
    // created, opened for writing or read; Error::invalid if `initial_payload` does not fit.
    // Messages name the file.
    static Result<DurableFile> open(const std::string& dir, const std::string& name,
                                    std::string_view initial_payload);
    DurableFile(DurableFile&& other) noexcept;
    DurableFile& operator=(DurableFile&& other) noexcept;
    DurableFile(const DurableFile&) = delete;
    DurableFile& operator=(const DurableFile&) = delete;
    ~DurableFile();

    const std::string& path() const { return path_; }
    // The newest record: found by open(), then the last one written.
    const std::string& payload() const { return payload_; }
    std::uint64_t sequence() const { return sequence_; }
    // Empty, or what open() found wrong with the other slot ("slot B: checksum mismatch
    // ..."), which it ignored: a torn write, or damage. A slot of zeros (never written) is
    // not reported.
    const std::string& damaged_slot() const { return damaged_slot_; }

    // Makes `payload` the newest record: sequence() + 1, into the other slot, then
    // fdatasync. When it returns success the record is durable. Errors, naming the file:
    // Error::invalid if the payload is larger than kDurablePayloadBytesMax (nothing is
    // written); Error::io if pwrite or fdatasync fails: the file then holds the previous
    // record or this one, and every later write fails too (after a failed fdatasync the
    // kernel may have dropped the pages, so nothing written later could be trusted).
    Result<void> write(std::string_view payload);

private:
    DurableFile(int fd, std::string path, std::uint64_t sequence, std::string payload);

    int fd_ = -1;
    std::string path_;
    std::uint64_t sequence_ = 0;
    std::string payload_;
    std::string damaged_slot_;
    bool failed_ = false;
};

// Writes `bytes` to `dir`/`name` by replacing the file: a temporary file `name`.tmp in the
// same directory, fsync, rename over `name`, fsync of `dir`. A crash leaves the old or the
// new content, never a mix. Returns when the content and its name are durable, or an Error
// naming the step that failed (the old file is then unchanged). DurableFile creates its
// file this way; bench/state_write measures it against DurableFile::write.
Result<void> write_file_durably(const std::string& dir, const std::string& name,
                                std::string_view bytes);

// Creates `dir` and any missing parents with `mode`; an existing directory is left as it is.
Result<void> make_directories(const std::string& dir, mode_t mode);

}  // namespace vigil::io
