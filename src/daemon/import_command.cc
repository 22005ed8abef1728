// See import_command.h. The only part of the importers that touches files: bounded reads of
// the inputs (heartbeat's three files; keepalived's files and what they include), and writes that
// never replace an existing file unless asked (--force), the key file created with mode 0600 before
// any secret byte is written.
#include "daemon/import_command.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "daemon/import_heartbeat.h"
#include "daemon/import_keepalived.h"

namespace vigil::daemon {
namespace {

namespace fs = std::filesystem;
constexpr std::uintmax_t kInputBytesMax = 1 << 20;  // heartbeat's files are a few KiB
constexpr const char* kCommand = "vigil import heartbeat";

std::optional<HeartbeatFile> read_input(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) {
        std::cerr << kCommand << ": " << path
                  << ": cannot read: " << (ec ? ec.message() : std::strerror(errno)) << "\n";
        return std::nullopt;
    }
    if (size > kInputBytesMax) {
        std::cerr << kCommand << ": " << path << ": larger than " << kInputBytesMax
                  << " bytes (expected a heartbeat configuration file)\n";
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return HeartbeatFile{path, text.str()};
}

bool too_open(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0;
}

std::optional<std::string> find_script(const std::string& script) {
    if (script.find('/') != std::string::npos) return std::nullopt;
    for (const char* dir : {"/etc/ha.d/resource.d/", "/etc/init.d/"}) {
        std::error_code ec;
        if (fs::exists(dir + script, ec)) return dir + script;
    }
    return std::nullopt;
}

bool write_file(const std::string& path, const std::string& text, mode_t mode, bool force,
                const char* command = kCommand) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) {
        std::cerr << command << ": " << path << ": cannot create: " << std::strerror(errno)
                  << (errno == EEXIST ? " (use --force to replace it)" : "") << "\n";
        return false;
    }
    // An existing file keeps its mode on O_TRUNC: a key must not stay readable by others.
    bool ok = ::fchmod(fd, mode) == 0;
    for (std::size_t done = 0; ok && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ::fsync(fd) == 0 && ok;
    ok = ::close(fd) == 0 && ok;
    if (!ok)
        std::cerr << command << ": " << path << ": cannot write: " << std::strerror(errno) << "\n";
    return ok;
}

// The key file as the config names it: beside the config, just its name; elsewhere, the
// absolute path (a relative auth_key_file is relative to the config's directory).
std::string key_reference(const ImportCommand& c, const std::string& key_path) {
    const fs::path key = fs::absolute(key_path).lexically_normal();
    if (c.out.empty()) return key.string();
    const fs::path config_dir = fs::absolute(c.out).lexically_normal().parent_path();
    return key.parent_path() == config_dir ? key.filename().string() : key.string();
}

constexpr const char* kKeepalived = "vigil import keepalived";

// A keepalived file's text, at most kInputBytesMax; nullopt with the reason in `error`.
std::optional<std::string> read_text(const std::string& path, std::string& error) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) {
        error = "cannot read: " + (ec ? ec.message() : std::string(std::strerror(errno)));
        return std::nullopt;
    }
    if (size > kInputBytesMax) {
        error = "larger than " + std::to_string(kInputBytesMax) + " bytes";
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// keepalived's include: PATTERN relative to the including file's directory, glob(3)
// patterns, matches in sorted order (glob sorts); no match is no file.
Result<std::vector<KeepalivedFile>> resolve_include(const std::string& pattern,
                                                    const std::string& including_file) {
    const fs::path p(pattern);
    const std::string full =
        p.is_absolute() ? pattern : (fs::path(including_file).parent_path() / p).string();
    glob_t g{};
    const int rc = ::glob(full.c_str(), 0, nullptr, &g);
    std::vector<KeepalivedFile> files;
    std::string error;
    for (std::size_t i = 0; rc == 0 && i < g.gl_pathc && error.empty(); ++i) {
        const std::string path = g.gl_pathv[i];
        if (auto text = read_text(path, error))
            files.push_back({path, *text});
        else
            error = path + ": " + error;
    }
    ::globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) return Error::invalid(full + ": cannot list the pattern");
    if (!error.empty()) return Error::invalid(error);
    return files;
}

int run_import_keepalived(const ImportCommand& c) {
    KeepalivedImportInput input;
    for (const auto& spec : c.ka_confs) {
        const std::size_t equals = spec.find('=');
        if (equals == 0 || equals == std::string::npos || equals + 1 == spec.size()) {
            std::cerr << kKeepalived << ": --conf " << spec << ": expected NODE=FILE\n";
            return 2;
        }
        input.confs.push_back({spec.substr(0, equals), {spec.substr(equals + 1), ""}});
    }
    for (const auto& spec : c.ka_node_addresses) {
        const std::size_t equals = spec.find('=');
        if (equals == 0 || equals == std::string::npos || equals + 1 == spec.size()) {
            std::cerr << kKeepalived << ": --node-address " << spec << ": expected NODE=ADDRESS\n";
            return 2;
        }
        input.node_addresses.push_back({spec.substr(0, equals), spec.substr(equals + 1)});
    }
    bool readable = true;
    for (auto& conf : input.confs) {
        std::string error;
        if (auto text = read_text(conf.file.name, error))
            conf.file.text = *text;
        else {
            std::cerr << kKeepalived << ": " << conf.file.name << ": " << error << "\n";
            readable = false;
        }
    }
    if (!readable) return 1;
    input.cluster_name = c.ka_cluster_name;
    input.auth_key_file = c.ka_auth_key_file;
    input.resolve_include = resolve_include;
    auto result = import_keepalived(input);
    if (!result) {
        std::cerr << kKeepalived << ": cannot import:\n" << result.error().message << "\n";
        return 1;
    }
    if (c.ka_out.empty())
        std::cout << result->toml << std::flush;
    else if (!write_file(c.ka_out, result->toml, 0644, c.ka_force, kKeepalived))
        return 1;
    for (const auto& note : result->notes) std::cerr << format_note(note) << "\n";
    std::cerr << kKeepalived << ": wrote "
              << (c.ka_out.empty() ? "the config to standard output" : c.ka_out) << "; "
              << result->notes.size() << " notes; make the key file " << c.ka_auth_key_file
              << ", then check with: vigil check-config " << (c.ka_out.empty() ? "FILE" : c.ka_out)
              << "\n";
    return 0;
}

}  // namespace

std::unique_ptr<ImportCommand> add_import_command(CLI::App& app) {
    auto c = std::make_unique<ImportCommand>();
    c->import = app.add_subcommand("import", "make a vigil config from another HA setup");
    c->import->require_subcommand(1);
    c->heartbeat = c->import->add_subcommand(
        "heartbeat", "from a Linux-HA v1 heartbeat setup (ha.cf, haresources, authkeys)");
    auto* h = c->heartbeat;
    h->add_option("--ha-cf", c->ha_cf, "heartbeat's ha.cf")->required();
    h->add_option("--haresources", c->haresources, "heartbeat's haresources")->required();
    h->add_option("--authkeys", c->authkeys, "heartbeat's authkeys")->required();
    h->add_option("--out", c->out, "the vigil config to write (default: standard output)");
    h->add_option("--key-out", c->key_out,
                  "the key file to write, mode 0600 (default: auth.key beside --out)");
    h->add_option("--cluster-name", c->cluster_name, "[cluster] name (default: heartbeat)");
    h->add_option("--node-address", c->node_addresses,
                  "NODE:IFACE=ADDRESS, a node's own address on the heartbeat link of IFACE "
                  "(repeatable)");
    h->add_flag("--force", c->force, "replace existing output files");
    c->keepalived = c->import->add_subcommand(
        "keepalived", "from keepalived.conf files, one per node (VRRP instances)");
    auto* k = c->keepalived;
    k->add_option("--conf", c->ka_confs, "NODE=FILE, the keepalived.conf of node NODE (repeatable)")
        ->required();
    k->add_option("--node-address", c->ka_node_addresses,
                  "NODE=ADDRESS, the node's heartbeat address (default: its unicast_src_ip; "
                  "repeatable)");
    k->add_option("--auth-key-file", c->ka_auth_key_file,
                  "[cluster] auth_key_file, the key to make (default: auth.key)");
    k->add_option("--cluster-name", c->ka_cluster_name, "[cluster] name (default: keepalived)");
    k->add_option("--out", c->ka_out, "the vigil config to write (default: standard output)");
    k->add_flag("--force", c->ka_force, "replace an existing --out file");
    return c;
}

int import_parse_error_code(const ImportCommand& command, int cli11_code) {
    if (cli11_code == 0) return 0;  // --help
    return command.import->parsed() ? 2 : cli11_code;
}

int run_import(const ImportCommand& c) {
    if (c.keepalived->parsed()) return run_import_keepalived(c);
    HeartbeatImportInput input;
    for (const auto& spec : c.node_addresses) {
        const std::size_t colon = spec.find(':'), equals = spec.find('=');
        if (colon == 0 || colon == std::string::npos || equals == std::string::npos ||
            equals < colon + 2 || equals + 1 == spec.size()) {
            std::cerr << kCommand << ": --node-address " << spec
                      << ": expected NODE:IFACE=ADDRESS\n";
            return 2;
        }
        input.node_addresses.push_back({spec.substr(0, colon),
                                        spec.substr(colon + 1, equals - colon - 1),
                                        spec.substr(equals + 1)});
    }
    auto ha_cf = read_input(c.ha_cf);
    auto haresources = read_input(c.haresources);
    auto authkeys = read_input(c.authkeys);
    if (!ha_cf || !haresources || !authkeys) return 1;
    input.ha_cf = *ha_cf;
    input.haresources = *haresources;
    input.authkeys = *authkeys;
    input.authkeys_too_open = too_open(c.authkeys);
    input.cluster_name = c.cluster_name;
    const std::string key_path = !c.key_out.empty() ? c.key_out
                                 : c.out.empty()
                                     ? std::string("auth.key")
                                     : (fs::path(c.out).parent_path() / "auth.key").string();
    input.auth_key_file = key_reference(c, key_path);
    input.script_path = find_script;
    auto result = import_heartbeat(input);
    if (!result) {
        std::cerr << kCommand << ": cannot import:\n" << result.error().message << "\n";
        return 1;
    }
    if (!write_file(key_path, result->key, 0600, c.force)) return 1;
    if (c.out.empty())
        std::cout << result->toml << std::flush;
    else if (!write_file(c.out, result->toml, 0644, c.force))
        return 1;
    for (const auto& note : result->notes) std::cerr << format_note(note) << "\n";
    std::cerr << kCommand << ": wrote " << (c.out.empty() ? "the config to standard output" : c.out)
              << " and " << key_path << " (mode 0600); " << result->notes.size() << " notes, "
              << result->todo_count << " TODO"
              << (result->todo_count ? ": fill those in, then" : ";")
              << " check with: vigil check-config " << (c.out.empty() ? "FILE" : c.out) << "\n";
    return 0;
}

}  // namespace vigil::daemon
