// VRRPv3 advertisements on the wire (RFC 9568 §5): the IP payload only. The kernel builds
// the IPv4/IPv6 header; the daemon reads TTL / hop limit and addresses from it on receive.
// The checksum covers an IPv4 or IPv6 pseudo-header, as RFC 9568 §5.2.8 defines for both
// families (keepalived's default for version 3), so encode and decode take both addresses.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vigil::wire {

constexpr std::uint8_t kVrrpIpProtocol = 112;
constexpr std::uint8_t kVrrpVersion = 3;
constexpr std::uint8_t kVrrpTypeAdvertisement = 1;
constexpr std::size_t kVrrpHeaderBytes = 8;
constexpr std::uint8_t kVrrpTtl = 255;           // sent with, and required on receive
constexpr std::uint16_t kVrrpIntervalCsMax = 4095;  // 12-bit Max Adver Int, centiseconds
// An advertisement lists at most this many addresses: the count field is 8 bits, and the
// packet must fit a 1500-byte MTU (255 IPv6 addresses would not).
constexpr std::size_t kVrrpAddressesMax = 85;
constexpr std::array<std::uint8_t, 4> kVrrpMulticastV4{224, 0, 0, 18};
constexpr std::array<std::uint8_t, 16> kVrrpMulticastV6{0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                        0,    0,    0, 0, 0, 0, 0, 0x12};

// An IPv4 or IPv6 address in network byte order (IPv4 in bytes[0..3], the rest zero).
// Ordered as unsigned integers of the same family, which is what RFC 9568 §6.4.3 compares.
struct IpAddress {
    bool ipv6 = false;
    std::array<std::uint8_t, 16> bytes{};

    static IpAddress v4(std::array<std::uint8_t, 4> b);
    static IpAddress v6(std::array<std::uint8_t, 16> b) { return {true, b}; }
    // From a literal ("198.18.0.1", "fd00::1"); nullopt when it is not one.
    static std::optional<IpAddress> parse(const std::string& literal);
    std::string to_string() const;
    std::size_t size() const { return ipv6 ? 16 : 4; }
    bool is_zero() const;
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

struct VrrpAdvertisement {
    std::uint8_t vrid = 0;                // 1..255
    std::uint8_t priority = 0;            // 0 = the master is leaving; 255 = address owner
    std::uint16_t max_advert_int_cs = 0;  // 1..4095 centiseconds
    std::vector<IpAddress> addresses;     // the virtual addresses, all of the packet's family
};

// Why a received packet was dropped (RFC 9568 §7.1). Counted per reason by the daemon.
enum class VrrpDrop : std::uint8_t {
    none,
    too_short,       // shorter than the header, or than the addresses it announces
    bad_version,     // not 3
    bad_type,        // not an advertisement
    bad_checksum,
    bad_ttl,         // TTL / hop limit not 255 (checked by the daemon, counted here)
    bad_interval,    // Max Adver Int 0
    zero_vrid,
    unknown_vrid,    // no virtual router with this VRID on the interface and family
    family_mismatch, // addresses of the other family, or an IPv6 advert with IPv4 count
    own_packet,      // sent by this node (multicast loop)
    bad_ip_header,   // the IP header around it was malformed or truncated (daemon)
    count_           // number of reasons
};
const char* vrrp_drop_name(VrrpDrop reason);

// The IP payload for `advert`, checksum filled in for the pseudo-header src -> dst.
// REQUIRES: addresses.size() <= kVrrpAddressesMax, all addresses and src/dst one family,
// 1 <= max_advert_int_cs <= 4095.
std::vector<std::uint8_t> encode_vrrp(const VrrpAdvertisement& advert, const IpAddress& src,
                                      const IpAddress& dst);

struct VrrpDecoded {
    std::optional<VrrpAdvertisement> advert;  // set when reason == none
    VrrpDrop reason = VrrpDrop::none;
};
// Checks version, type, length against the address count, the family of src/dst, the
// checksum, VRID != 0 and interval != 0. Never reads outside `payload`; any bytes are safe.
// Extra bytes after the addresses are ignored (RFC 9568 does not forbid padding).
VrrpDecoded decode_vrrp(std::span<const std::uint8_t> payload, const IpAddress& src,
                        const IpAddress& dst);

}  // namespace vigil::wire
