// The replication link's handshake (docs/store-replication.md "Links"): both ends prove they
// hold the cluster key, bound to fresh nonces from both sides, the group and both node
// names, so a recorded handshake cannot be replayed and a stream for one group cannot be
// passed off as another's. The primary connects; the standby accepts and speaks first:
//   standby -> primary  challenge: "VGC1" nonce_s(16)
//   primary -> standby  hello:     "VGH1" epoch(u64) nonce_c(16) node(len u8 + bytes) mac(32)
//                                  mac = HMAC(key, "connect" | group | node | epoch | nonce_s | nonce_c)
//   standby -> primary  accept:    "VGA1" mac(32)
//                                  mac = HMAC(key, "accept" | group | standby | nonce_c | nonce_s)
// Pure functions over bytes; the nonces come from the caller (RAND_bytes in the daemon).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "wire/auth.h"

namespace vigil::daemon {

using Nonce = std::array<std::uint8_t, 16>;

std::string handshake_challenge(const Nonce& nonce_s);
Result<Nonce> parse_challenge(std::string_view frame);

std::string handshake_hello(const wire::Keys& keys, std::string_view group,
                            std::string_view node, std::uint64_t epoch, const Nonce& nonce_s,
                            const Nonce& nonce_c);
struct HelloFrame {
    std::string node;
    std::uint64_t epoch = 0;
    Nonce nonce_c{};
};
// Error::auth if the MAC does not match under the current or next key; Error::protocol if
// malformed.
Result<HelloFrame> verify_hello(const wire::Keys& keys, std::string_view group,
                                const Nonce& nonce_s, std::string_view frame);

std::string handshake_accept(const wire::Keys& keys, std::string_view group,
                             std::string_view standby, const Nonce& nonce_c,
                             const Nonce& nonce_s);
Result<void> verify_accept(const wire::Keys& keys, std::string_view group,
                           std::string_view standby, const Nonce& nonce_c, const Nonce& nonce_s,
                           std::string_view frame);

}  // namespace vigil::daemon
