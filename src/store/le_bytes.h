// The byte vocabulary of the store's formats (log records, snapshot files, the key-value
// state, replication messages): little-endian integers, u32-length-prefixed strings, and
// zlib's crc32, which may be extended over several pieces. Writers only; each format keeps
// its own bounds-checked reader, since what a short input means differs between them.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::store {

inline void put_le(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
// REQUIRES: at + bytes <= in.size().
inline std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v |= std::uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
    return v;
}
inline void put_u8(std::string& out, std::uint8_t v) { put_le(out, v, 1); }
inline void put_u32(std::string& out, std::uint32_t v) { put_le(out, v, 4); }
inline void put_u64(std::string& out, std::uint64_t v) { put_le(out, v, 8); }
inline void put_bytes(std::string& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}
// crc32 of `bytes`, continuing from `crc` (0 = start).
inline std::uint32_t crc32_of(std::string_view bytes, std::uint32_t crc = 0) {
    return static_cast<std::uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

}  // namespace vigil::store
