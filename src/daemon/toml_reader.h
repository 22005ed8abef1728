// Reading a toml++ tree without stopping at the first problem: typed getters that record a
// Problem (line, key path, what was expected) and return nullopt / nullptr instead of
// failing. Private to daemon/config_parse, split out to keep that file about the format; in
// its own namespace so that generic names (quote, join) cannot collide with other code.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::daemon::toml_reader {

// Problems found so far in one file, each tied to a line and a key path.
class Problems {
public:
    static constexpr std::size_t kShownMax = 100;  // past this, it is noise from one mistake

    void add(const toml::node& at, std::string_view key_path, std::string_view what);
    void add_at(std::size_t line, std::string_view key_path, std::string_view what);
    bool empty() const { return list_.empty(); }

    // "FILE:LINE: KEY.PATH: WHAT", one line per problem, in file order; problems on one
    // line keep the order they were found in.
    std::string render(std::string_view file) const;

private:
    struct Problem {
        std::size_t line;
        std::string text;
    };
    std::vector<Problem> list_;
};

// A value from the file in double quotes, control bytes escaped as \xNN, so that a hostile
// or corrupted file cannot forge extra lines in the error output.
std::string quote(std::string_view s);
// Key paths as in messages: member("group[0].priority", "n3") = "group[0].priority.n3",
// element("node", 1) = "node[1]". Keys that are not bare TOML keys are quoted.
std::string member(std::string_view path, std::string_view key);
std::string element(std::string_view path, std::size_t index);
std::string join(const std::vector<std::string>& items);  // "a, b, c"
// "1 node", "2 nodes"; "1 address", "2 addresses".
std::string counted(std::size_t n, std::string_view noun);

void type_mismatch(const toml::node& n, std::string_view path, std::string_view expected,
                   Problems& problems);
// Records every key of `table` not in `allowed` (misspelt keys must not be ignored).
void check_keys(const toml::table& table, std::string_view path,
                std::initializer_list<std::string_view> allowed, Problems& problems);
// The value of `key`, or nullptr after recording it as missing at the table's line.
const toml::node* require(const toml::table& table, std::string_view path, std::string_view key,
                          std::string_view expected, Problems& problems);

std::optional<std::string> read_string(const toml::node& n, std::string_view path,
                                       Problems& problems);
// An integer in lo..hi (inclusive); floats and strings are type errors.
std::optional<std::int64_t> read_int(const toml::node& n, std::string_view path, std::int64_t lo,
                                     std::int64_t hi, Problems& problems);
std::optional<bool> read_bool(const toml::node& n, std::string_view path, Problems& problems);
// A node, group or cluster name: 1..core::kNameBytesMax bytes of [A-Za-z0-9_.-].
std::optional<std::string> read_name(const toml::node& n, std::string_view path,
                                     Problems& problems);
// A path from the file: a relative path is relative to `base_dir`, the directory of the
// config file, not to the working directory, so that the daemon behaves the same however
// it was started.
std::string resolve_path(const std::filesystem::path& base_dir, const std::string& p);
// A non-empty shell command line (notify, fence, resource and check commands; the agent
// runs them with /bin/sh -c). Only an explicitly relative program ("./" or "../") is
// resolved against `base_dir`, and only the program word: a bare name is meant for PATH
// lookup, and the arguments are the operator's. The resolved program is single-quoted if
// the config directory holds shell metacharacters. Nothing is checked for existence.
std::string read_command(const toml::node& n, std::string_view path,
                         const std::filesystem::path& base_dir, Problems& problems);
// An array whose elements are all tables ([[node]] sections or inline tables), or empty.
// `header` names the expected form in the message, e.g. "[[node]]".
const toml::array* read_table_array(const toml::node& n, std::string_view path,
                                    std::string_view header, Problems& problems);

}  // namespace vigil::daemon::toml_reader
