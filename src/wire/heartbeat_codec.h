// Encodes and decodes the heartbeat datagram. The byte layout, limits, validation order and
// error kinds are specified in docs/wire.md; keep the two in step.
//
// decode() is the only code that reads bytes from the network into a Heartbeat, and it must
// hold up against anything: it never reads past the span, never allocates more than the
// limits allow, and names the offending field in its error. encode() trusts its input and
// asserts the limits instead, because an over-limit heartbeat is a programmer or config
// validation error (docs/wire.md "Limits").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "wire/auth.h"
#include "wire/heartbeat.h"

namespace vigil::wire {

constexpr std::uint8_t kMagic[4] = {'V', 'G', 'L', '1'};
constexpr std::uint8_t kVersion = 2;
constexpr std::uint8_t kTypeHeartbeat = 1;

// Node flags (docs/wire.md "Layout").
constexpr std::uint8_t kNodeFlagMaintenance = 0x01;
constexpr std::uint8_t kNodeFlagLeaving = 0x02;
constexpr std::uint8_t kNodeFlagWitness = 0x04;
// Group flags.
constexpr std::uint8_t kGroupFlagAdmin = 0x01;
constexpr std::uint8_t kGroupFlagStore = 0x02;  // the store block follows vote_echo_us

// Header through group_count with a 1-byte sender, plus the trailer.
constexpr std::size_t kHeaderBytesMin = 4 + 1 + 1 + 1 + kDigestBytes + 1 + 1  // to sender
                                        + 1 + 8 + 8 + 2 + 1 + 8 + 2;          // to group_count
constexpr std::size_t kMessageBytesMin = kHeaderBytesMin + kHmacBytes;
// One group record: name, role, flags, epoch, priority, three optional names, switchover_id,
// campaign_epoch, vote_for, vote_epoch, vote_echo_us.
constexpr std::size_t kGroupBytesFixed = 1 + 1 + 1 + 8 + 2 + 1 + 1 + 1 + 4 + 8 + 1 + 8 + 8;
constexpr std::size_t kGroupBytesMin = kGroupBytesFixed + 1;  // a 1-byte name
// The optional store block: store_last_epoch, store_last_index, sync_epoch, sync_seq,
// sync_mask.
constexpr std::size_t kGroupStoreBytes = 8 + 8 + 8 + 8 + 4;
constexpr std::size_t kGroupBytesMax = kGroupBytesFixed + 5 * kNameBytesMax + kGroupStoreBytes;
static_assert(kMessageBytesMin == 79, "docs/wire.md states the minimum datagram size");
static_assert(kGroupBytesMax == 396, "docs/wire.md states the largest group record");
static_assert(kHmacBytes == kHmacSha256Bytes, "the trailer is one HMAC-SHA256 tag");
// Even the smallest records for kGroupsMax groups must fit, or kGroupsMax is a lie.
static_assert(kMessageBytesMin - 1 + kNameBytesMax + kGroupsMax * kGroupBytesMin <=
                  kMessageBytesMax,
              "kGroupsMax groups with short names fit in one datagram");

// The exact size encode() would produce for `heartbeat`, trailer included, without checking
// any limit. Config validation uses it on a worst-case heartbeat to refuse a configuration
// whose heartbeat could exceed kMessageBytesMax.
std::size_t encoded_bytes(const Heartbeat& heartbeat);

// Serializes and signs with keys.current.
// REQUIRES: the heartbeat respects docs/wire.md "Limits": sender 1..63 bytes, link < kLinksMax,
// at most kGroupsMax groups with distinct names of 1..63 bytes, optional names <= 63 bytes,
// role in range, encoded_bytes() <= kMessageBytesMax; and keys.current non-empty.
std::vector<std::uint8_t> encode(const Heartbeat& heartbeat, const Keys& keys);

// Parses and authenticates one datagram (keys.current, else keys.next).
// Errors: Error::Code::protocol for a malformed datagram, Error::Code::auth for an HMAC
// that matches neither key. Validation order: docs/wire.md "Validation order".
// REQUIRES: keys.current non-empty.
Result<Heartbeat> decode(std::span<const std::uint8_t> datagram, const Keys& keys);

}  // namespace vigil::wire
