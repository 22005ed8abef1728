// VRRPv3 advertisement codec (RFC 9568 §5.1, §5.2):
//
//    0                   1                   2                   3
//   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//   |(rsvd) |     Max Adver Int     |          Checksum             |
//   |                      IPvX Address(es) ...                     |
//
// The checksum (§5.2.8) is the Internet checksum (RFC 1071) of a pseudo-header and the
// whole VRRP message: for IPv4 src, dst, zero, protocol 112, length (RFC 768's layout);
// for IPv6 src, dst, 32-bit length, three zero bytes, next header 112 (RFC 8200 §8.1).
// Both carry the same 16-bit words in a different order, which a one's complement sum
// does not see; they are still built separately below so each reads like its RFC.
#include "wire/vrrp.h"

#include <cstddef>
#include <span>
#include <vector>

#include "common/assert.h"

namespace vigil::wire {
namespace {

// One's complement sum (RFC 1071) of 16-bit big-endian words; an odd last byte is padded
// with zero. Carries are folded at the end (a 64-bit accumulator cannot overflow here).
std::uint64_t add_words(std::uint64_t sum, std::span<const std::uint8_t> bytes) {
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) sum += (std::uint64_t{bytes[i]} << 8) | bytes[i + 1];
    if (i < bytes.size()) sum += std::uint64_t{bytes[i]} << 8;
    return sum;
}

std::uint16_t fold(std::uint64_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

// The one's complement sum of the pseudo-header for `length` bytes of VRRP from src to dst.
std::uint64_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, std::size_t length) {
    std::vector<std::uint8_t> ph;
    ph.insert(ph.end(), src.bytes.begin(),
              src.bytes.begin() + static_cast<std::ptrdiff_t>(src.size()));
    ph.insert(ph.end(), dst.bytes.begin(),
              dst.bytes.begin() + static_cast<std::ptrdiff_t>(dst.size()));
    if (src.ipv6) {
        // Upper-Layer Packet Length (32 bits), zero (24 bits), Next Header.
        ph.push_back(static_cast<std::uint8_t>(length >> 24));
        ph.push_back(static_cast<std::uint8_t>(length >> 16));
        ph.push_back(static_cast<std::uint8_t>(length >> 8));
        ph.push_back(static_cast<std::uint8_t>(length));
        ph.insert(ph.end(), {0, 0, 0, kVrrpIpProtocol});
    } else {
        // zero, protocol, length (16 bits).
        ph.push_back(0);
        ph.push_back(kVrrpIpProtocol);
        ph.push_back(static_cast<std::uint8_t>(length >> 8));
        ph.push_back(static_cast<std::uint8_t>(length));
    }
    return add_words(0, ph);
}

// The checksum over pseudo-header and message, with the message's checksum field as it is:
// 0 in a message being built, and the received value when verifying (then a correct
// message sums to 0xffff, so this returns 0).
std::uint16_t checksum(std::span<const std::uint8_t> message, const IpAddress& src,
                       const IpAddress& dst) {
    return static_cast<std::uint16_t>(
        ~fold(add_words(pseudo_header_sum(src, dst, message.size()), message)));
}

}  // namespace

const char* vrrp_drop_name(VrrpDrop reason) {
    switch (reason) {
        case VrrpDrop::none: return "none";
        case VrrpDrop::too_short: return "too_short";
        case VrrpDrop::bad_version: return "bad_version";
        case VrrpDrop::bad_type: return "bad_type";
        case VrrpDrop::bad_checksum: return "bad_checksum";
        case VrrpDrop::bad_ttl: return "bad_ttl";
        case VrrpDrop::bad_interval: return "bad_interval";
        case VrrpDrop::zero_vrid: return "zero_vrid";
        case VrrpDrop::unknown_vrid: return "unknown_vrid";
        case VrrpDrop::family_mismatch: return "family_mismatch";
        case VrrpDrop::own_packet: return "own_packet";
        case VrrpDrop::count_: break;
    }
    return "unknown";
}

std::vector<std::uint8_t> encode_vrrp(const VrrpAdvertisement& advert, const IpAddress& src,
                                      const IpAddress& dst) {
    VIGIL_ASSERT(advert.addresses.size() <= kVrrpAddressesMax);
    VIGIL_ASSERT(advert.max_advert_int_cs >= 1 && advert.max_advert_int_cs <= kVrrpIntervalCsMax);
    VIGIL_ASSERT(src.ipv6 == dst.ipv6);
    std::vector<std::uint8_t> out;
    out.reserve(kVrrpHeaderBytes + advert.addresses.size() * src.size());
    out.push_back(static_cast<std::uint8_t>((kVrrpVersion << 4) | kVrrpTypeAdvertisement));
    out.push_back(advert.vrid);
    out.push_back(advert.priority);
    out.push_back(static_cast<std::uint8_t>(advert.addresses.size()));
    out.push_back(static_cast<std::uint8_t>(advert.max_advert_int_cs >> 8));  // rsvd = 0
    out.push_back(static_cast<std::uint8_t>(advert.max_advert_int_cs));
    out.push_back(0);  // checksum, filled in below
    out.push_back(0);
    for (const IpAddress& a : advert.addresses) {
        VIGIL_ASSERT(a.ipv6 == src.ipv6);
        out.insert(out.end(), a.bytes.begin(),
                   a.bytes.begin() + static_cast<std::ptrdiff_t>(a.size()));
    }
    const std::uint16_t sum = checksum(out, src, dst);
    out[6] = static_cast<std::uint8_t>(sum >> 8);
    out[7] = static_cast<std::uint8_t>(sum);
    return out;
}

VrrpDecoded decode_vrrp(std::span<const std::uint8_t> payload, const IpAddress& src,
                        const IpAddress& dst) {
    auto drop = [](VrrpDrop reason) { return VrrpDecoded{std::nullopt, reason}; };
    if (src.ipv6 != dst.ipv6) return drop(VrrpDrop::family_mismatch);
    if (payload.size() < kVrrpHeaderBytes) return drop(VrrpDrop::too_short);
    if ((payload[0] >> 4) != kVrrpVersion) return drop(VrrpDrop::bad_version);
    if ((payload[0] & 0x0f) != kVrrpTypeAdvertisement) return drop(VrrpDrop::bad_type);
    const std::size_t count = payload[3];
    const std::size_t own_bytes = src.size();
    const std::size_t body = payload.size() - kVrrpHeaderBytes;
    // An IPv6 message exactly as long as `count` IPv4 addresses: a sender that put IPv4
    // addresses in an IPv6 packet. Told apart from a short packet so that the daemon's
    // counters point at the misconfiguration. (The reverse, IPv6 addresses in an IPv4
    // packet, cannot be told from padding, which RFC 9568 allows, so it is decoded.)
    if (src.ipv6 && count > 0 && body == count * 4) return drop(VrrpDrop::family_mismatch);
    if (body < count * own_bytes) return drop(VrrpDrop::too_short);
    if (checksum(payload, src, dst) != 0) return drop(VrrpDrop::bad_checksum);
    if (payload[1] == 0) return drop(VrrpDrop::zero_vrid);
    const std::uint16_t interval =
        static_cast<std::uint16_t>(((payload[4] & 0x0f) << 8) | payload[5]);  // rsvd ignored
    if (interval == 0) return drop(VrrpDrop::bad_interval);

    VrrpAdvertisement advert;
    advert.vrid = payload[1];
    advert.priority = payload[2];
    advert.max_advert_int_cs = interval;
    advert.addresses.reserve(count);
    for (std::size_t k = 0; k < count; ++k) {
        IpAddress a;
        a.ipv6 = src.ipv6;
        const std::size_t at = kVrrpHeaderBytes + k * own_bytes;
        for (std::size_t j = 0; j < own_bytes; ++j) a.bytes[j] = payload[at + j];
        advert.addresses.push_back(a);
    }
    return VrrpDecoded{std::move(advert), VrrpDrop::none};
}

}  // namespace vigil::wire
