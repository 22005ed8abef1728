// vigil-vrrp-pcap OUT.pcap: writes a pcap (raw IP link type) of VRRPv3 adverts made by
// vigil's own encoder (wire::encode_vrrp) inside the IPv4 / IPv6 headers the kernel would
// put around them (TTL / hop limit 255, protocol 112), so that an independent dissector
// (tshark, tests/cli/test_vrrp_tshark.sh) can check the layout and the checksums.
// The packets are fixed; the test script knows them (keep the two in step):
//   1. 198.18.0.11 -> 224.0.0.18  VRID 51, priority 150, 100 cs, 198.18.0.10 198.18.0.20
//   2. 198.18.0.11 -> 198.18.0.12 VRID 53, priority 100, 100 cs, 198.18.0.22 (unicast)
//   3. 198.18.0.11 -> 224.0.0.18  VRID 52, priority 0, 4095 cs, 198.18.0.21 (leaving)
//   4. fe80::11 -> ff02::12       VRID 61, priority 120, 100 cs, fe80::61 fd00:18::10
//   5. fe80::11 -> ff02::12       VRID 255, priority 255, 1 cs, fe80::ff
//   6. 198.18.0.11 -> 224.0.0.18  VRID 1, priority 1, 30 cs, 85 addresses 198.18.1.1..85
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "wire/vrrp.h"

namespace {

using vigil::wire::IpAddress;
using vigil::wire::VrrpAdvertisement;
using Bytes = std::vector<std::uint8_t>;

IpAddress ip(const char* literal) {
    auto a = IpAddress::parse(literal);
    if (!a) {
        std::fprintf(stderr, "vigil-vrrp-pcap: bad address %s\n", literal);
        std::exit(2);
    }
    return *a;
}

void put16(Bytes& b, unsigned v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put32le(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// The IP packet around `payload`, as the kernel builds it for VrrpSocket.
Bytes ip_packet(const IpAddress& src, const IpAddress& dst, const Bytes& payload) {
    Bytes b;
    if (src.ipv6) {
        b = {0x6c, 0x00, 0x00, 0x00};  // version 6, traffic class 0xc0, no flow label
        put16(b, static_cast<unsigned>(payload.size()));
        b.push_back(vigil::wire::kVrrpIpProtocol);
        b.push_back(vigil::wire::kVrrpTtl);
        b.insert(b.end(), src.bytes.begin(), src.bytes.end());
        b.insert(b.end(), dst.bytes.begin(), dst.bytes.end());
    } else {
        b = {0x45, 0xc0};  // version 4, IHL 5; TOS internet control
        put16(b, static_cast<unsigned>(20 + payload.size()));
        b.insert(b.end(), {0, 0, 0x40, 0});  // id 0, don't fragment
        b.push_back(vigil::wire::kVrrpTtl);
        b.push_back(vigil::wire::kVrrpIpProtocol);
        b.insert(b.end(), {0, 0});  // header checksum, below
        b.insert(b.end(), src.bytes.begin(), src.bytes.begin() + 4);
        b.insert(b.end(), dst.bytes.begin(), dst.bytes.begin() + 4);
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < 20; i += 2) sum += (unsigned{b[i]} << 8) | b[i + 1];
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        b[10] = static_cast<std::uint8_t>(~sum >> 8);
        b[11] = static_cast<std::uint8_t>(~sum);
    }
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: vigil-vrrp-pcap OUT.pcap\n");
        return 2;
    }
    const IpAddress src4 = ip("198.18.0.11"), mc4 = ip("224.0.0.18");
    const IpAddress src6 = ip("fe80::11"), mc6 = ip("ff02::12");
    VrrpAdvertisement many{1, 1, 30, {}};
    for (std::uint8_t i = 1; i <= vigil::wire::kVrrpAddressesMax; ++i)
        many.addresses.push_back(IpAddress::v4({198, 18, 1, i}));
    struct Packet {
        IpAddress src, dst;
        VrrpAdvertisement advert;
    };
    const std::vector<Packet> packets = {
        {src4, mc4, {51, 150, 100, {ip("198.18.0.10"), ip("198.18.0.20")}}},
        {src4, ip("198.18.0.12"), {53, 100, 100, {ip("198.18.0.22")}}},
        {src4, mc4, {52, 0, 4095, {ip("198.18.0.21")}}},
        {src6, mc6, {61, 120, 100, {ip("fe80::61"), ip("fd00:18::10")}}},
        {src6, mc6, {255, 255, 1, {ip("fe80::ff")}}},
        {src4, mc4, many},
    };

    Bytes file;
    put32le(file, 0xa1b2c3d4);              // pcap magic, microsecond timestamps
    file.insert(file.end(), {2, 0, 4, 0});  // version 2.4
    put32le(file, 0);                       // thiszone
    put32le(file, 0);                       // sigfigs
    put32le(file, 65535);                   // snaplen
    put32le(file, 101);                     // LINKTYPE_RAW: each record starts at the IP header
    std::uint32_t second = 1764633600;      // fixed: the same bytes on every run
    for (const Packet& p : packets) {
        const Bytes frame =
            ip_packet(p.src, p.dst, vigil::wire::encode_vrrp(p.advert, p.src, p.dst));
        put32le(file, second++);
        put32le(file, 0);
        put32le(file, static_cast<std::uint32_t>(frame.size()));
        put32le(file, static_cast<std::uint32_t>(frame.size()));
        file.insert(file.end(), frame.begin(), frame.end());
    }
    std::FILE* out = std::fopen(argv[1], "wb");
    if (!out || std::fwrite(file.data(), 1, file.size(), out) != file.size() ||
        std::fclose(out) != 0) {
        std::perror(argv[1]);
        return 1;
    }
    return 0;
}
