// The snapshot file's format (docs/store-format.md "Snapshot"): magic "VGSNAP01", index u64,
// epoch u64, state length u64, crc32 u32 (zlib, over index, epoch, length and state), state.
// Little-endian. Written whole by Disk::write_atomic, so a crash leaves the old or the new
// file; a file that does not decode is damage, and the log refuses to open.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "store/log_store.h"

namespace vigil::store {

constexpr std::string_view kSnapshotMagic = "VGSNAP01";
constexpr std::size_t kSnapshotHeaderBytes = 8 + 8 + 8 + 8 + 4;

std::string encode_snapshot(const Snapshot& snapshot);
// Error::corruption naming `path` and what is wrong.
Result<Snapshot> decode_snapshot(std::string_view bytes, const std::string& path);

}  // namespace vigil::store
