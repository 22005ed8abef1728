// See auth_keys.h. The key files are small and read once at start (and on reload), so a
// bounded whole-file read is all that is needed.
#include "daemon/auth_keys.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>

namespace vigil::daemon {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";

Result<std::string> read_key_file(const std::string& path, std::string_view key) {
    if (path.empty()) return Error::invalid(std::string(key) + ": no key file configured");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        const int err = errno;
        std::string message =
            path + ": cannot open " + std::string(key) + ": " + std::strerror(err);
        return err == ENOENT ? Error::not_found(message) : Error::io(message);
    }
    std::string text(kAuthKeyFileBytesMax + 1, '\0');
    const std::size_t size = std::fread(text.data(), 1, text.size(), file.get());
    if (std::ferror(file.get()))
        return Error::io(path + ": cannot read " + std::string(key) + ": " + std::strerror(errno));
    if (size > kAuthKeyFileBytesMax)
        return Error::invalid(path + ": " + std::string(key) + " is larger than " +
                              std::to_string(kAuthKeyFileBytesMax) +
                              " bytes (expected a short secret)");
    text.resize(size);
    const std::size_t begin = text.find_first_not_of(kWhitespace);
    const std::size_t end = text.find_last_not_of(kWhitespace);
    std::string secret = begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
    if (secret.size() < kAuthKeyBytesMin)
        return Error::invalid(path + ": " + std::string(key) + " is " +
                              std::to_string(secret.size()) +
                              " bytes after trimming whitespace (expected at least " +
                              std::to_string(kAuthKeyBytesMin) +
                              "; make one with: head -c 32 /dev/urandom | base64 > " + path +
                              "; chmod 600 " + path + ")");
    return secret;
}

bool next_key_file_blank(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return !ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec || size > 64) return false;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) return false;
    char buf[65] = {};
    std::size_t n = std::fread(buf, 1, sizeof buf - 1, file.get());
    return std::string_view(buf, n).find_first_not_of(kWhitespace) == std::string_view::npos;
}

}  // namespace

Result<AuthKeys> load_auth_keys(const core::ClusterConfig& cluster) {
    AuthKeys keys;
    auto current = read_key_file(cluster.auth_key_file, "auth_key_file");
    if (!current) return current.error();
    keys.current = std::move(*current);
    if (cluster.auth_key_next_file.empty()) return keys;
    // A next-key file that is absent or blank means "no next key": operators keep the key
    // configured for good and rotate by writing the files and sending SIGHUP (docs/wire.md).
    if (next_key_file_blank(cluster.auth_key_next_file)) return keys;
    auto next = read_key_file(cluster.auth_key_next_file, "auth_key_next_file");
    if (!next) return next.error();
    keys.next = std::move(*next);
    return keys;
}

bool auth_key_file_too_open(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec) return false;
    const fs::perms open = fs::perms::group_all | fs::perms::others_all;
    return (status.permissions() & open) != fs::perms::none;
}

}  // namespace vigil::daemon
