// DiskLog recovery (docs/store-format.md "Recovery"): snapshot, then the segments in order.
// The rule that matters: a damaged record may be dropped only where a crash can have torn
// it, at the very end of the log, and only if no valid record follows it. Anywhere else it
// was synced, so dropping it could lose an acknowledged write: refuse to open instead.
// Zero bytes after a segment's last record are preallocated space, not damage.
#include <algorithm>
#include <optional>

#include "common/assert.h"
#include "store/disk_log.h"
#include "store/log_record.h"
#include "store/snapshot_file.h"

namespace vigil::store {

namespace {

// "log-" + 20 digits; anything else in the directory (snapshot, snapshot.tmp) is not a segment.
std::optional<Index> parse_segment_name(const std::string& name) {
    if (name.size() != 24 || name.compare(0, 4, "log-") != 0) return std::nullopt;
    Index first = 0;
    for (std::size_t i = 4; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9') return std::nullopt;
        first = first * 10 + static_cast<Index>(name[i] - '0');
    }
    return first;
}

// Where a valid record for an index after `last_good` starts after `from` (nullopt: none).
// Then the damage at `from` is not a plain torn tail. Checking the index keeps a value that
// happens to contain record bytes from counting.
std::optional<std::size_t> valid_record_after(std::string_view content, std::size_t from,
                                              Index last_good) {
    for (std::size_t at = from + 1; at + kRecordHeaderBytes <= content.size(); ++at) {
        DecodedRecord d = decode_record(content.substr(at));
        if (d.status == DecodedRecord::Status::ok && d.entry.index > last_good) return at;
    }
    return std::nullopt;
}

// In preallocated space a sync overwrites existing blocks, and a power cut during it can
// leave any subset of its pages on disk: a page that never arrived reads as zeros, and
// records after it in the same (unsynced, so unacknowledged) batch may be whole. A zero,
// page-aligned page between the damage and the next valid record marks that case.
bool unwritten_page_between(std::string_view content, std::size_t from, std::size_t to) {
    constexpr std::size_t kPage = 4096;
    for (std::size_t page = (from + kPage - 1) / kPage * kPage; page + kPage <= to; page += kPage)
        if (content.substr(page, kPage).find_first_not_of('\0') == std::string_view::npos)
            return true;
    return false;
}

}  // namespace

Result<std::unique_ptr<DiskLog>> DiskLog::open(io::Disk& disk, std::string dir,
                                               std::uint64_t segment_bytes_max) {
    if (auto r = disk.make_directories(dir); !r) return r.error();
    std::unique_ptr<DiskLog> log(new DiskLog(disk, std::move(dir), segment_bytes_max));
    if (auto r = log->recover(); !r) return r.error();
    return log;
}

Result<void> DiskLog::recover() {
    const std::string snapshot_path = dir_ + "/snapshot";
    auto bytes = disk_.read_file(snapshot_path);
    if (bytes) {
        auto s = decode_snapshot(*bytes, snapshot_path);
        if (!s) return s.error();
        snapshot_ = std::move(*s);
    } else if (bytes.error().code != Error::Code::not_found) {
        return bytes.error();
    }
    first_index_ = (snapshot_ ? snapshot_->index : 0) + 1;

    auto names = disk_.list(dir_);
    if (!names) return names.error();
    for (const std::string& name : *names)
        if (auto first = parse_segment_name(name)) segments_.push_back(*first);
    std::sort(segments_.begin(), segments_.end());

    Index next = 0;  // the index the next record must have; 0 = before the first segment
    for (std::size_t position = 0; position < segments_.size(); ++position)
        if (auto r = recover_segment(position, next); !r) return r;

    if (auto r = drop_covered_segments(); !r) return r;
    // Only covered segments left (the log ends at or before the snapshot): start afresh.
    if (!segments_.empty() && next < first_index_) {
        active_.reset();
        if (auto r = disk_.remove(path_of(segments_.back())); !r) return r;
        segments_.clear();
    }
    if (segments_.empty()) {
        if (auto r = open_segment(first_index_); !r) return r;
    } else if (!active_) {
        auto file = disk_.open_append(path_of(segments_.back()));
        if (!file) return file.error();
        active_ = std::move(*file);
    }
    VIGIL_ASSERT(active_ != nullptr);
    // What was read may be only in the page cache (the previous process was killed between
    // its write and its fsync): sync it before reporting it durable to anyone.
    if (auto r = active_->sync(); !r) return r.error();
    durable_index_ = last_index();
    VIGIL_ASSERT(segments_.back() <= last_index() + 1);  // appends continue the active segment
    return {};
}

// Reads segment `position`, whose first record must have index `next` (or, for the first
// segment, at most the snapshot's index + 1), keeps the entries after the snapshot, and
// advances `next` past its last record.
Result<void> DiskLog::recover_segment(std::size_t position, Index& next) {
    const Index first = segments_[position];
    const std::string name = segment_name(first);
    const std::string path = path_of(first);
    const bool last_segment = position + 1 == segments_.size();
    if (next == 0 ? first > first_index_ : first != next)
        return Error::corruption(path + ": starts at index " + std::to_string(first) +
                                 " but the log needs index " +
                                 std::to_string(next == 0 ? first_index_ : next) + " next");
    next = first;
    auto content = disk_.read_file(path);
    if (!content) return content.error();
    std::size_t at = 0;
    while (at < content->size()) {
        // Zeros to the end: space the writer preallocated (io/posix_disk.h), not a record. In
        // the active segment they go, so that appends continue right after the last record.
        // (A middle segment that lost records this way shows as a gap at the next one.)
        const std::string_view rest = std::string_view(*content).substr(at);
        if (rest.find_first_not_of('\0') == std::string_view::npos) {
            if (last_segment) {
                auto file = disk_.open_append(path);
                if (!file) return file.error();
                if (auto r = (*file)->truncate(at); !r) return r;
                active_ = std::move(*file);
            }
            break;
        }
        DecodedRecord d = decode_record(std::string_view(*content).substr(at));
        if (d.status == DecodedRecord::Status::ok && d.entry.index != next)
            return Error::corruption(path + ": record at offset " + std::to_string(at) +
                                     " has index " + std::to_string(d.entry.index) + ", expected " +
                                     std::to_string(next));
        if (d.status == DecodedRecord::Status::ok && d.entry.epoch < last_epoch() &&
            next >= first_index_)
            return Error::corruption(path + ": entry " + std::to_string(next) +
                                     " has an epoch older than the entry before it");
        if (d.status != DecodedRecord::Status::ok) {
            const std::string where = " at offset " + std::to_string(at) + " (entry index " +
                                      std::to_string(next) + "): " + d.message;
            if (!last_segment)
                return Error::corruption(path + ": damaged record in a middle segment" + where);
            std::string what = " torn bytes at the end of ";
            if (auto valid = valid_record_after(*content, at, next - 1)) {
                if (!unwritten_page_between(*content, at, *valid))
                    return Error::corruption(path + ": damaged record followed by valid ones" +
                                             where);
                what = " bytes of a batch that was never synced (a page of it is missing) at "
                       "the end of ";
            }
            // A torn tail: cut the file back to the last good record.
            auto file = disk_.open_append(path);
            if (!file) return file.error();
            if (auto r = (*file)->truncate(at); !r) return r;
            active_ = std::move(*file);
            // The count leaves out preallocated zeros after the last written byte.
            const std::size_t end = content->find_last_not_of('\0') + 1;
            recovery_note_ = "dropped " + std::to_string(end > at ? end - at : 0) + what + name +
                             where;
            break;
        }
        if (next >= first_index_) push_entry(std::move(d.entry), at);
        at += d.consumed;
        ++next;
    }
    return {};
}

}  // namespace vigil::store
