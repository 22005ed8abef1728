// IpAddress literals without <arpa/inet.h> (the core stays free of OS headers, STYLE.md §5):
// a small parser and printer that accept and print what inet_pton / inet_ntop do, so an
// address prints the same here as in the daemon's logs (RFC 5952 form for IPv6).
#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "wire/vrrp.h"

namespace vigil::wire {
namespace {

// "a.b.c.d", each part 0..255 in decimal without leading zeros (as inet_pton).
std::optional<std::array<std::uint8_t, 4>> parse_v4(std::string_view s) {
    std::array<std::uint8_t, 4> out{};
    std::size_t part = 0;
    std::size_t i = 0;
    while (true) {
        if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
        const std::size_t start = i;
        unsigned value = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            value = value * 10 + static_cast<unsigned>(s[i] - '0');
            if (value > 255) return std::nullopt;
            ++i;
        }
        if (i - start > 1 && s[start] == '0') return std::nullopt;  // "01"
        out[part++] = static_cast<std::uint8_t>(value);
        if (part == 4) return i == s.size() ? std::optional(out) : std::nullopt;
        if (i >= s.size() || s[i] != '.') return std::nullopt;
        ++i;
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 4291 §2.2: up to eight 16-bit groups of 1..4 hex digits, at most one "::" for a
// run of zero groups, and optionally a dotted IPv4 address as the last 32 bits.
std::optional<std::array<std::uint8_t, 16>> parse_v6(std::string_view s) {
    std::array<std::uint8_t, 16> out{};
    std::size_t n = 0;               // bytes written
    std::optional<std::size_t> gap;  // where "::" stands, in bytes
    std::size_t i = 0;
    if (s.starts_with("::")) {
        gap = 0;
        i = 2;
        if (i == s.size()) return out;  // "::"
    } else if (s.starts_with(":")) {
        return std::nullopt;
    }
    while (i < s.size()) {
        // An embedded IPv4 address: the rest has a '.' before any ':'.
        const std::string_view rest = s.substr(i);
        const auto colon = rest.find(':');
        if (rest.substr(0, colon).find('.') != std::string_view::npos) {
            if (colon != std::string_view::npos || n + 4 > 16) return std::nullopt;
            auto v4 = parse_v4(rest);
            if (!v4) return std::nullopt;
            std::copy(v4->begin(), v4->end(), out.begin() + static_cast<std::ptrdiff_t>(n));
            n += 4;
            i = s.size();
            break;
        }
        unsigned value = 0;
        std::size_t digits = 0;
        while (i < s.size() && hex_value(s[i]) >= 0) {
            value = value * 16 + static_cast<unsigned>(hex_value(s[i]));
            ++i;
            if (++digits > 4) return std::nullopt;
        }
        if (digits == 0 || n + 2 > 16) return std::nullopt;
        out[n++] = static_cast<std::uint8_t>(value >> 8);
        out[n++] = static_cast<std::uint8_t>(value);
        if (i == s.size()) break;
        if (s[i] != ':') return std::nullopt;
        ++i;
        if (i < s.size() && s[i] == ':') {
            if (gap) return std::nullopt;  // a second "::"
            gap = n;
            ++i;
            if (i == s.size()) break;  // "fe80::"
        } else if (i == s.size()) {
            return std::nullopt;  // a trailing single ':'
        }
    }
    if (gap) {
        if (n == 16) return std::nullopt;  // "::" must stand for at least one group
        const std::size_t tail = n - *gap;
        std::copy_backward(out.begin() + static_cast<std::ptrdiff_t>(*gap),
                           out.begin() + static_cast<std::ptrdiff_t>(n), out.end());
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(*gap),
                  out.end() - static_cast<std::ptrdiff_t>(tail), std::uint8_t{0});
    } else if (n != 16) {
        return std::nullopt;
    }
    return out;
}

std::string v4_text(const std::uint8_t* b) {
    return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
           std::to_string(b[3]);
}

// RFC 5952 §4 (as glibc's inet_ntop): lowercase, no leading zeros, the longest run of two
// or more zero groups (the first of equal runs) as "::"; ::ffff:a.b.c.d for IPv4-mapped and
// ::a.b.c.d for IPv4-compatible addresses (all but the last 32 bits zero, not ::0.0.x.y).
std::string v6_text(const std::array<std::uint8_t, 16>& b) {
    std::array<unsigned, 8> g{};
    for (std::size_t k = 0; k < 8; ++k) g[k] = (unsigned{b[2 * k]} << 8) | b[2 * k + 1];
    const bool zero80 = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0;
    const bool mapped = zero80 && (g[5] == 0xffff || (g[5] == 0 && g[6] != 0));
    const std::size_t groups = mapped ? 6 : 8;
    std::size_t best = groups, best_len = 0;
    for (std::size_t k = 0; k < groups;) {
        if (g[k] != 0) {
            ++k;
            continue;
        }
        std::size_t end = k;
        while (end < groups && g[end] == 0) ++end;
        if (end - k > best_len) {
            best = k;
            best_len = end - k;
        }
        k = end;
    }
    if (best_len < 2) best = groups;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t k = 0; k < groups; ++k) {
        if (k == best) {
            out += "::";
            k += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned nibble = (g[k] >> shift) & 0xf;
            if (nibble == 0 && !started && shift != 0) continue;
            started = true;
            out += kHex[nibble];
        }
    }
    if (mapped) {
        if (out.back() != ':') out += ':';
        out += v4_text(b.data() + 12);
    }
    return out;
}

}  // namespace

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> b) {
    IpAddress a;
    std::copy(b.begin(), b.end(), a.bytes.begin());
    return a;
}

std::optional<IpAddress> IpAddress::parse(const std::string& literal) {
    if (literal.find(':') != std::string::npos) {
        auto b = parse_v6(literal);
        if (!b) return std::nullopt;
        return IpAddress::v6(*b);
    }
    auto b = parse_v4(literal);
    if (!b) return std::nullopt;
    return IpAddress::v4(*b);
}

std::string IpAddress::to_string() const {
    return ipv6 ? v6_text(bytes) : v4_text(bytes.data());
}

bool IpAddress::is_zero() const {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace vigil::wire
