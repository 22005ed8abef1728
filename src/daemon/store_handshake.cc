#include "daemon/store_handshake.h"

#include <cstring>
#include <span>

namespace vigil::daemon {

namespace {

constexpr std::string_view kChallenge = "VGC1";
constexpr std::string_view kHello = "VGH1";
constexpr std::string_view kAccept = "VGA1";

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_nonce(std::string& out, const Nonce& n) {
    out.append(reinterpret_cast<const char*>(n.data()), n.size());
}
// Length-prefixed, so that ("ab","c") and ("a","bc") sign differently.
void put_field(std::string& out, std::string_view s) {
    out.push_back(static_cast<char>(s.size()));
    out.append(s);
}

std::span<const std::uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string connect_input(std::string_view group, std::string_view node, std::uint64_t epoch,
                          const Nonce& nonce_s, const Nonce& nonce_c) {
    std::string in = "vigil-store-connect";
    put_field(in, group);
    put_field(in, node);
    put_u64(in, epoch);
    put_nonce(in, nonce_s);
    put_nonce(in, nonce_c);
    return in;
}

std::string accept_input(std::string_view group, std::string_view standby, const Nonce& nonce_c,
                         const Nonce& nonce_s) {
    std::string in = "vigil-store-accept";
    put_field(in, group);
    put_field(in, standby);
    put_nonce(in, nonce_c);
    put_nonce(in, nonce_s);
    return in;
}

bool mac_matches(const wire::Keys& keys, const std::string& input, std::string_view tag) {
    if (tag.size() != wire::kHmacSha256Bytes) return false;
    std::span<const std::uint8_t, wire::kHmacSha256Bytes> t(
        reinterpret_cast<const std::uint8_t*>(tag.data()), wire::kHmacSha256Bytes);
    return wire::hmac_sha256_match(keys, bytes(input), t) != wire::KeyMatch::none;
}

void put_mac(std::string& out, const wire::Keys& keys, const std::string& input) {
    const auto mac = wire::hmac_sha256(keys.current, bytes(input));
    out.append(reinterpret_cast<const char*>(mac.data()), mac.size());
}

}  // namespace

std::string handshake_challenge(const Nonce& nonce_s) {
    std::string out(kChallenge);
    put_nonce(out, nonce_s);
    return out;
}

Result<Nonce> parse_challenge(std::string_view frame) {
    if (frame.size() != kChallenge.size() + 16 || frame.substr(0, 4) != kChallenge)
        return Error::protocol("replication handshake: not a challenge frame");
    Nonce n{};
    std::memcpy(n.data(), frame.data() + 4, 16);
    return n;
}

std::string handshake_hello(const wire::Keys& keys, std::string_view group,
                            std::string_view node, std::uint64_t epoch, const Nonce& nonce_s,
                            const Nonce& nonce_c) {
    std::string out(kHello);
    put_u64(out, epoch);
    put_nonce(out, nonce_c);
    put_field(out, node);
    put_mac(out, keys, connect_input(group, node, epoch, nonce_s, nonce_c));
    return out;
}

Result<HelloFrame> verify_hello(const wire::Keys& keys, std::string_view group,
                                const Nonce& nonce_s, std::string_view frame) {
    constexpr std::size_t fixed = 4 + 8 + 16 + 1;
    if (frame.size() < fixed + wire::kHmacSha256Bytes || frame.substr(0, 4) != kHello)
        return Error::protocol("replication handshake: not a hello frame");
    HelloFrame hello;
    for (int i = 0; i < 8; ++i)
        hello.epoch |= std::uint64_t{static_cast<unsigned char>(frame[4 + i])} << (8 * i);
    std::memcpy(hello.nonce_c.data(), frame.data() + 12, 16);
    const std::size_t name_bytes = static_cast<unsigned char>(frame[28]);
    if (frame.size() != fixed + name_bytes + wire::kHmacSha256Bytes)
        return Error::protocol("replication handshake: hello frame of the wrong length");
    hello.node = std::string(frame.substr(fixed, name_bytes));
    if (!mac_matches(keys, connect_input(group, hello.node, hello.epoch, nonce_s, hello.nonce_c),
                     frame.substr(fixed + name_bytes)))
        return Error::auth("replication handshake: hello from " + hello.node +
                           " failed authentication (wrong key or group)");
    return hello;
}

std::string handshake_accept(const wire::Keys& keys, std::string_view group,
                             std::string_view standby, const Nonce& nonce_c,
                             const Nonce& nonce_s) {
    std::string out(kAccept);
    put_mac(out, keys, accept_input(group, standby, nonce_c, nonce_s));
    return out;
}

Result<void> verify_accept(const wire::Keys& keys, std::string_view group,
                           std::string_view standby, const Nonce& nonce_c, const Nonce& nonce_s,
                           std::string_view frame) {
    if (frame.size() != 4 + wire::kHmacSha256Bytes || frame.substr(0, 4) != kAccept)
        return Error::protocol("replication handshake: not an accept frame");
    if (!mac_matches(keys, accept_input(group, standby, nonce_c, nonce_s), frame.substr(4)))
        return Error::auth("replication handshake: accept from " + std::string(standby) +
                           " failed authentication (wrong key or group)");
    return {};
}

}  // namespace vigil::daemon
