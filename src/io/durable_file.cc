#include "io/durable_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "common/assert.h"

namespace vigil::io {

namespace {

// docs/state.md "File layout": offsets within a slot.
constexpr std::string_view kMagic = "VIGSTATE";
constexpr std::size_t kVersionOffset = 8;
constexpr std::size_t kLengthOffset = 12;
constexpr std::size_t kSequenceOffset = 16;
constexpr std::size_t kChecksumOffset = 24;
static_assert(kMagic.size() == kVersionOffset);
static_assert(kChecksumOffset + kDurableChecksumBytes == kDurableHeaderBytes);

Error errno_error(const std::string& what) {
    return Error::io(what + ": " + std::strerror(errno));
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    // Closes now, so that a failing close (NFS reports write errors there) is seen.
    bool close_checked() { return close(release()) == 0; }

private:
    int fd_;
};

Result<void> write_all(int fd, std::string_view bytes, const std::string& path) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("write " + path);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

// pwrite until all of `bytes` is written at `offset` (a short write is retried for the rest).
Result<void> pwrite_all(int fd, std::string_view bytes, off_t offset, const std::string& path) {
    while (!bytes.empty()) {
        ssize_t n = pwrite(fd, bytes.data(), bytes.size(), offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("pwrite " + path);
        bytes.remove_prefix(static_cast<std::size_t>(n));
        offset += n;
    }
    return {};
}

// The whole file; `bytes_max` is checked by the caller through fstat first, and the read
// stops there in case the file grew meanwhile.
Result<std::string> pread_all(int fd, std::size_t bytes_max, const std::string& path) {
    std::string out(bytes_max, '\0');
    std::size_t at = 0;
    while (at < out.size()) {
        ssize_t n = pread(fd, out.data() + at, out.size() - at, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("read " + path);
        if (n == 0) break;
        at += static_cast<std::size_t>(n);
    }
    out.resize(at);
    return out;
}

void put_le(std::string& out, std::size_t at, std::uint64_t value, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i)
        out[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_le(std::string_view in, std::size_t at, std::size_t bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes; ++i)
        value |= std::uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
    return value;
}

using Checksum = std::array<unsigned char, kDurableChecksumBytes>;

// The first 16 bytes of SHA-256 over header bytes 0..23 (all but the checksum), then the
// payload. Truncated: 128 bits detect a torn or flipped record as surely as 256 here, where
// nothing is adversarial (whoever can write the file can compute a checksum).
Checksum record_checksum(std::string_view header, std::string_view payload) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    VIGIL_ASSERT(ctx != nullptr);
    std::array<unsigned char, 32> digest{};
    unsigned int size = 0;
    int ok = EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    ok &= EVP_DigestUpdate(ctx.get(), header.data(), kChecksumOffset);
    ok &= EVP_DigestUpdate(ctx.get(), payload.data(), payload.size());
    ok &= EVP_DigestFinal_ex(ctx.get(), digest.data(), &size);
    VIGIL_ASSERT(ok == 1);  // SHA-256 over memory cannot fail short of a broken libcrypto
    VIGIL_ASSERT(size == digest.size());
    Checksum out{};
    std::copy_n(digest.begin(), out.size(), out.begin());
    return out;
}

std::size_t slot_of(std::uint64_t sequence) {
    return sequence % 2;
}
char slot_letter(std::size_t slot) {
    return slot == 0 ? 'A' : 'B';
}

// A record's bytes: header and payload. The rest of its slot is not written.
// REQUIRES: payload.size() <= kDurablePayloadBytesMax.
std::string encode_record(std::uint64_t sequence, std::string_view payload) {
    VIGIL_ASSERT(payload.size() <= kDurablePayloadBytesMax);
    std::string out(kDurableHeaderBytes, '\0');
    out.replace(0, kMagic.size(), kMagic);
    put_le(out, kVersionOffset, kDurableFormatVersion, 4);
    put_le(out, kLengthOffset, payload.size(), 4);
    put_le(out, kSequenceOffset, sequence, 8);
    const Checksum sum = record_checksum(out, payload);
    out.replace(kChecksumOffset, sum.size(), reinterpret_cast<const char*>(sum.data()), sum.size());
    out.append(payload);
    return out;
}

struct Record {
    std::uint64_t sequence = 0;
    std::string payload;
};

// The record in slot `slot` (0 = A, 1 = B), whose bytes are `bytes`: the whole slot, or
// less if the file ends early. Error::corruption says why the slot holds no valid record.
Result<Record> decode_record(std::string_view bytes, std::size_t slot) {
    if (bytes.empty()) return Error::corruption("missing (the file ends before it)");
    if (bytes.size() < kDurableHeaderBytes)
        return Error::corruption("truncated header (" + std::to_string(bytes.size()) + " bytes)");
    if (bytes.substr(0, kMagic.size()) != kMagic)
        return Error::corruption("no record (no \"" + std::string(kMagic) + "\" magic)");
    const std::uint64_t version = get_le(bytes, kVersionOffset, 4);
    if (version != kDurableFormatVersion)
        return Error::corruption("format version " + std::to_string(version) + " (expected " +
                                 std::to_string(kDurableFormatVersion) + ")");
    const std::uint64_t length = get_le(bytes, kLengthOffset, 4);
    if (length > kDurablePayloadBytesMax)
        return Error::corruption("payload length " + std::to_string(length) +
                                 " larger than a slot holds");
    if (bytes.size() < kDurableHeaderBytes + length)
        return Error::corruption("truncated payload (" +
                                 std::to_string(bytes.size() - kDurableHeaderBytes) + " of " +
                                 std::to_string(length) + " bytes)");
    const std::string_view payload = bytes.substr(kDurableHeaderBytes, length);
    const Checksum sum = record_checksum(bytes, payload);
    if (bytes.substr(kChecksumOffset, sum.size()) !=
        std::string_view(reinterpret_cast<const char*>(sum.data()), sum.size()))
        return Error::corruption("checksum mismatch (a torn or corrupt write)");
    Record record{get_le(bytes, kSequenceOffset, 8), std::string(payload)};
    if (slot_of(record.sequence) != slot)
        return Error::corruption("sequence " + std::to_string(record.sequence) +
                                 " does not belong in slot " + slot_letter(slot));
    return record;
}

// Slot `slot`'s bytes in `file`: fewer than kDurableSlotBytes, or none, if the file is short.
std::string_view slot_bytes(std::string_view file, std::size_t slot) {
    const std::size_t begin = std::min(file.size(), slot * kDurableSlotBytes);
    return file.substr(begin, kDurableSlotBytes);
}

struct Recovered {
    Record newest;
    std::string damaged;  // why the other slot was ignored, if it was ever written
};

// The newest valid record of a file's bytes (docs/state.md "Reading and recovery").
Result<Recovered> recover(std::string_view file) {
    Result<Record> slots[2] = {decode_record(slot_bytes(file, 0), 0),
                               decode_record(slot_bytes(file, 1), 1)};
    if (!slots[0] && !slots[1]) {
        if (!slot_bytes(file, 0).starts_with(kMagic) && !slot_bytes(file, 1).starts_with(kMagic))
            return Error::corruption(
                "not a state file of this format (neither slot starts with \"" +
                std::string(kMagic) + "\"; docs/state.md)");
        return Error::corruption("no valid record: slot A: " + slots[0].error().message +
                                 "; slot B: " + slots[1].error().message);
    }
    const std::size_t newest =
        !slots[1] || (slots[0] && slots[0]->sequence > slots[1]->sequence) ? 0 : 1;
    const std::size_t other = 1 - newest;
    Recovered out{std::move(*slots[newest]), ""};
    // A slot of zeros was never written (slot B of a new file); anything else that is not a
    // valid record is a torn write, or damage, worth telling the operator about.
    const std::string_view other_bytes = slot_bytes(file, other);
    const bool never_written =
        other_bytes.size() == kDurableSlotBytes &&
        std::all_of(other_bytes.begin(), other_bytes.end(), [](char c) { return c == 0; });
    if (!slots[other] && !never_written)
        out.damaged =
            std::string("slot ") + slot_letter(other) + ": " + slots[other].error().message;
    return out;
}

}  // namespace

Result<DurableFile> DurableFile::open(const std::string& dir, const std::string& name,
                                      std::string_view initial_payload) {
    const std::string path = dir + "/" + name;
    if (initial_payload.size() > kDurablePayloadBytesMax)
        return Error::invalid(
            path + ": an initial record of " + std::to_string(initial_payload.size()) +
            " bytes does not fit a slot (at most " + std::to_string(kDurablePayloadBytesMax) + ")");
    int raw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (raw < 0 && errno == ENOENT) {
        // Created once and whole, so that a write never changes the file's size or blocks.
        std::string image(kDurableFileBytes, '\0');
        const std::string record = encode_record(0, initial_payload);
        image.replace(0, record.size(), record);
        if (auto r = write_file_durably(dir, name, image); !r)
            return Error::io("create " + path + ": " + r.error().message);
        raw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    }
    if (raw < 0) return errno_error("open " + path);
    Fd fd(raw);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return errno_error("stat " + path);
    if (!S_ISREG(st.st_mode)) return Error::io(path + ": not a regular file");
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size > kDurableFileBytes)
        return Error::corruption("not a state file of this format (" + std::to_string(size) +
                                 " bytes, not " + std::to_string(kDurableFileBytes) +
                                 "; docs/state.md)");
    auto bytes = pread_all(fd.get(), kDurableFileBytes, path);
    if (!bytes) return bytes.error();
    auto recovered = recover(*bytes);
    if (!recovered) return recovered.error();
    if (bytes->size() < kDurableFileBytes) {
        // Truncated, yet one slot survived: restore the size, so that writes stay in place.
        const std::string zeros(kDurableFileBytes - bytes->size(), '\0');
        if (auto r = pwrite_all(fd.get(), zeros, static_cast<off_t>(bytes->size()), path); !r)
            return r.error();
        if (fsync(fd.get()) != 0) return errno_error("fsync " + path);
    }
    DurableFile file(fd.release(), path, recovered->newest.sequence,
                     std::move(recovered->newest.payload));
    file.damaged_slot_ = std::move(recovered->damaged);
    return file;
}

DurableFile::DurableFile(int fd, std::string path, std::uint64_t sequence, std::string payload)
    : fd_(fd), path_(std::move(path)), sequence_(sequence), payload_(std::move(payload)) {}

DurableFile::DurableFile(DurableFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      sequence_(other.sequence_),
      payload_(std::move(other.payload_)),
      damaged_slot_(std::move(other.damaged_slot_)),
      failed_(other.failed_) {}

DurableFile& DurableFile::operator=(DurableFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
        sequence_ = other.sequence_;
        payload_ = std::move(other.payload_);
        damaged_slot_ = std::move(other.damaged_slot_);
        failed_ = other.failed_;
    }
    return *this;
}

DurableFile::~DurableFile() {
    if (fd_ >= 0) close(fd_);
}

Result<void> DurableFile::write(std::string_view payload) {
    VIGIL_ASSERT(fd_ >= 0);  // not a moved-from DurableFile
    if (failed_) return Error::io("write " + path_ + ": an earlier write to it failed");
    if (payload.size() > kDurablePayloadBytesMax)
        return Error::invalid(path_ + ": a record of " + std::to_string(payload.size()) +
                              " bytes does not fit a slot (at most " +
                              std::to_string(kDurablePayloadBytesMax) + ")");
    VIGIL_ASSERT(sequence_ < UINT64_MAX);
    const std::uint64_t next = sequence_ + 1;
    const std::string record = encode_record(next, payload);
    VIGIL_DEBUG_ASSERT(decode_record(record, slot_of(next)));
    const auto offset = static_cast<off_t>(slot_of(next) * kDurableSlotBytes);
    if (auto r = pwrite_all(fd_, record, offset, path_); !r) {
        failed_ = true;
        return r;
    }
    // fdatasync, not fsync: the file's size and blocks never change after open(), so only
    // the data must reach the disk, not the inode's timestamps.
    if (fdatasync(fd_) != 0) {
        failed_ = true;
        return errno_error("fdatasync " + path_);
    }
    sequence_ = next;
    payload_.assign(payload);
    return {};
}

Result<void> write_file_durably(const std::string& dir, const std::string& name,
                                std::string_view bytes) {
    const std::string path = dir + "/" + name;
    const std::string tmp = path + ".tmp";
    {
        Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0) return errno_error("open " + tmp);
        if (auto r = write_all(fd.get(), bytes, tmp); !r) return r;
        if (fsync(fd.get()) != 0) return errno_error("fsync " + tmp);
        if (!fd.close_checked()) return errno_error("close " + tmp);
    }
    if (rename(tmp.c_str(), path.c_str()) != 0) return errno_error("rename " + tmp);
    // The rename is durable only once the directory entry is.
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.get() < 0) return errno_error("open directory " + dir);
    if (fsync(d.get()) != 0) return errno_error("fsync directory " + dir);
    return {};
}

Result<void> make_directories(const std::string& dir, mode_t mode) {
    if (dir.empty()) return Error::invalid("make_directories: empty path");
    // Each prefix ending before a '/', then the whole path.
    for (std::size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
        const std::string prefix = at == std::string::npos ? dir : dir.substr(0, at);
        if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST)
            return errno_error("mkdir " + prefix);
        if (at == std::string::npos) break;
    }
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0) return errno_error("stat " + dir);
    if (!S_ISDIR(st.st_mode)) return Error::invalid(dir + ": not a directory");
    return {};
}

}  // namespace vigil::io
