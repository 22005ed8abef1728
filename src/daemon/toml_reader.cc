// See toml_reader.h. Messages say what was expected, in the operator's terms, because the
// operator fixing a file at 3 a.m. should not need docs/config.md open beside it.
#include "daemon/toml_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "core/config.h"

namespace vigil::daemon::toml_reader {

void Problems::add(const toml::node& at, std::string_view key_path, std::string_view what) {
    add_at(at.source().begin.line, key_path, what);
}

void Problems::add_at(std::size_t line, std::string_view key_path, std::string_view what) {
    std::string text(key_path);
    text += ": ";
    text += what;
    list_.push_back({std::max<std::size_t>(line, 1), std::move(text)});
}

std::string Problems::render(std::string_view file) const {
    std::vector<Problem> sorted = list_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Problem& a, const Problem& b) { return a.line < b.line; });
    std::string out;
    for (std::size_t i = 0; i < sorted.size() && i < kShownMax; ++i) {
        if (!out.empty()) out += '\n';
        out += std::string(file) + ":" + std::to_string(sorted[i].line) + ": " + sorted[i].text;
    }
    if (sorted.size() > kShownMax)
        out += "\n" + std::string(file) + ": " + std::to_string(sorted.size() - kShownMax) +
               " more problems not shown";
    return out;
}

namespace {

bool is_bare_key(std::string_view k) {
    return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

std::string type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        default: return "nothing";
    }
}

}  // namespace

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string member(std::string_view path, std::string_view key) {
    std::string segment = is_bare_key(key) ? std::string(key) : quote(key);
    return path.empty() ? segment : std::string(path) + "." + segment;
}

std::string element(std::string_view path, std::size_t index) {
    return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

std::string counted(std::size_t n, std::string_view noun) {
    std::string out = std::to_string(n) + " " + std::string(noun);
    if (n != 1) out += noun.ends_with("s") ? "es" : "s";
    return out;
}

void type_mismatch(const toml::node& n, std::string_view path, std::string_view expected,
                   Problems& problems) {
    problems.add(n, path, "expected " + std::string(expected) + ", got " + type_name(n));
}

// Unknown keys are errors, not ignored: a misspelt optional key would otherwise silently
// leave its default in force (fail closed).
void check_keys(const toml::table& table, std::string_view path,
                std::initializer_list<std::string_view> allowed, Problems& problems) {
    for (auto&& [key, value] : table) {
        if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
        std::vector<std::string> names(allowed.begin(), allowed.end());
        problems.add(value, member(path, key.str()),
                     "unknown key (expected one of: " + join(names) + ")");
    }
}

const toml::node* require(const toml::table& table, std::string_view path, std::string_view key,
                          std::string_view expected, Problems& problems) {
    const toml::node* n = table.get(key);
    if (n == nullptr)
        problems.add(table, member(path, key),
                     "missing required key (expected " + std::string(expected) + ")");
    return n;
}

std::optional<std::string> read_string(const toml::node& n, std::string_view path,
                                       Problems& problems) {
    const auto* s = n.as_string();
    if (s == nullptr) {
        type_mismatch(n, path, "a string", problems);
        return std::nullopt;
    }
    // A NUL would silently cut a path or command short where it meets a C API.
    if (s->get().find('\0') != std::string::npos) {
        problems.add(n, path, quote(s->get()) + " contains a NUL byte (expected text)");
        return std::nullopt;
    }
    return s->get();
}

std::optional<std::int64_t> read_int(const toml::node& n, std::string_view path, std::int64_t lo,
                                     std::int64_t hi, Problems& problems) {
    const auto* i = n.as_integer();
    if (i == nullptr) {
        type_mismatch(n, path, "an integer", problems);
        return std::nullopt;
    }
    if (i->get() < lo || i->get() > hi) {
        problems.add(n, path,
                     std::to_string(i->get()) + " is out of range (expected " + std::to_string(lo) +
                         ".." + std::to_string(hi) + ")");
        return std::nullopt;
    }
    return i->get();
}

std::optional<bool> read_bool(const toml::node& n, std::string_view path, Problems& problems) {
    if (const auto* b = n.as_boolean()) return b->get();
    type_mismatch(n, path, "a boolean (true or false)", problems);
    return std::nullopt;
}

std::optional<std::string> read_name(const toml::node& n, std::string_view path,
                                     Problems& problems) {
    auto s = read_string(n, path, problems);
    if (!s) return std::nullopt;
    bool charset_ok = std::all_of(s->begin(), s->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
    if (s->empty() || s->size() > core::kNameBytesMax || !charset_ok) {
        problems.add(n, path,
                     quote(*s) + " is not a valid name (expected 1.." +
                         std::to_string(core::kNameBytesMax) + " characters of A-Z a-z 0-9 _ . -)");
        return std::nullopt;
    }
    return s;
}

std::string resolve_path(const std::filesystem::path& base_dir, const std::string& p) {
    if (p.empty() || std::filesystem::path(p).is_absolute() || base_dir.empty()) return p;
    return (base_dir / p).lexically_normal().string();
}

namespace {

std::string resolve_command(const std::filesystem::path& base_dir, const std::string& command) {
    if (!command.starts_with("./") && !command.starts_with("../")) return command;
    const std::size_t end = std::min(command.find_first_of(" \t"), command.size());
    const std::string program = resolve_path(base_dir, command.substr(0, end));
    const bool plain = std::all_of(program.begin(), program.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               (c != '\0' && std::strchr("/._-+,:@%=", c) != nullptr);
    });
    std::string quoted = "'";
    for (char c : program) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return (plain ? program : quoted + "'") + command.substr(end);
}

}  // namespace

std::string read_command(const toml::node& n, std::string_view path,
                         const std::filesystem::path& base_dir, Problems& problems) {
    auto s = read_string(n, path, problems);
    if (s && s->empty()) problems.add(n, path, "empty (expected a command)");
    return s ? resolve_command(base_dir, *s) : std::string();
}

const toml::array* read_table_array(const toml::node& n, std::string_view path,
                                    std::string_view header, Problems& problems) {
    const auto* array = n.as_array();
    if (array != nullptr && (array->empty() || array->is_array_of_tables())) return array;
    type_mismatch(n, path, "an array of tables (" + std::string(header) + ")", problems);
    return nullptr;
}

}  // namespace vigil::daemon::toml_reader
