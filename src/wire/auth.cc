// HMAC-SHA256 through OpenSSL's one-shot HMAC(); see auth.h for the contract.
#include "wire/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

#include "common/assert.h"

namespace vigil::wire {

HmacSha256 hmac_sha256(std::string_view key, std::span<const std::uint8_t> bytes) {
    // HMAC() takes the key length as an int; config keys are small, but say so.
    VIGIL_ASSERT(key.size() <= static_cast<std::size_t>(INT_MAX));
    HmacSha256 out{};
    unsigned int out_bytes = 0;
    // HMAC() wants a non-null key pointer even for an empty key.
    static constexpr char kEmpty = 0;
    const void* key_data = key.empty() ? &kEmpty : key.data();
    const unsigned char* result = HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()),
                                       bytes.data(), bytes.size(), out.data(), &out_bytes);
    VIGIL_ASSERT(result != nullptr);
    VIGIL_ASSERT(out_bytes == out.size());
    return out;
}

namespace {
bool tag_equal(const HmacSha256& expected, std::span<const std::uint8_t, kHmacSha256Bytes> tag) {
    return CRYPTO_memcmp(expected.data(), tag.data(), expected.size()) == 0;
}
}  // namespace

KeyMatch hmac_sha256_match(const Keys& keys, std::span<const std::uint8_t> bytes,
                           std::span<const std::uint8_t, kHmacSha256Bytes> tag) {
    VIGIL_ASSERT(!keys.current.empty());
    if (tag_equal(hmac_sha256(keys.current, bytes), tag)) return KeyMatch::current;
    if (!keys.next.empty() && tag_equal(hmac_sha256(keys.next, bytes), tag)) {
        return KeyMatch::next;
    }
    return KeyMatch::none;
}

}  // namespace vigil::wire
