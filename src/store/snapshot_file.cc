#include "store/snapshot_file.h"

#include "store/le_bytes.h"

namespace vigil::store {

namespace {


// Over index, epoch and length (bytes 8..32) and then the state.
std::uint32_t checksum(std::string_view fields, std::string_view state) {
    return crc32_of(state, crc32_of(fields));
}

}  // namespace

std::string encode_snapshot(const Snapshot& snapshot) {
    std::string out(kSnapshotMagic);
    put_le(out, snapshot.index, 8);
    put_le(out, snapshot.epoch, 8);
    put_le(out, snapshot.state.size(), 8);
    put_le(out, checksum(std::string_view(out).substr(8, 24), snapshot.state), 4);
    out += snapshot.state;
    return out;
}

Result<Snapshot> decode_snapshot(std::string_view bytes, const std::string& path) {
    if (bytes.size() < kSnapshotHeaderBytes || bytes.substr(0, 8) != kSnapshotMagic)
        return Error::corruption(path + ": not a snapshot (bad magic or shorter than header)");
    const std::uint64_t length = get_le(bytes, 24, 8);
    if (length != bytes.size() - kSnapshotHeaderBytes)
        return Error::corruption(path + ": state length " + std::to_string(length) +
                                 " does not match the file size " + std::to_string(bytes.size()));
    const std::string_view state = bytes.substr(kSnapshotHeaderBytes);
    if (checksum(bytes.substr(8, 24), state) != get_le(bytes, 32, 4))
        return Error::corruption(path + ": snapshot checksum mismatch");
    Snapshot s;
    s.index = get_le(bytes, 8, 8);
    s.epoch = get_le(bytes, 16, 8);
    s.state = std::string(state);
    return s;
}

}  // namespace vigil::store
