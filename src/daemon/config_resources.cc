// [[resource]], [[check]] and the group keys that use them. Method as in config_parse.cc:
// typed reads that record every problem with its line and key path, then the checks
// between sections, with messages that say what to write instead.
#include "daemon/config_resources.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/check_target.h"
#include "daemon/ip_literal.h"

namespace vigil::daemon {

using namespace toml_reader;  // its helpers are this file's vocabulary

namespace {

namespace fs = std::filesystem;
using core::CheckConfig;
using core::ResourceConfig;

template <typename T>
struct IntKey {
    std::string_view key;
    int T::*field;
    std::int64_t lo;
    std::int64_t hi;
};

constexpr IntKey<ResourceConfig> kResourceInts[] = {
    {"monitor_interval_ms", &ResourceConfig::monitor_interval_ms, 10, 3600000},
    {"timeout_ms", &ResourceConfig::timeout_ms, 10, 3600000},
    {"max_restarts", &ResourceConfig::max_restarts, 0, 1000},
    {"restart_window_s", &ResourceConfig::restart_window_s, 1, 86400},
};

constexpr IntKey<CheckConfig> kCheckInts[] = {
    {"interval_ms", &CheckConfig::interval_ms, 10, 3600000},
    {"timeout_ms", &CheckConfig::timeout_ms, 10, 3600000},
    {"fall", &CheckConfig::fall, 1, 100},
    {"rise", &CheckConfig::rise, 1, 100},
    {"weight", &CheckConfig::weight, -254, 254},
};

template <typename T, std::size_t N>
void read_ints(const toml::table& table, const std::string& path, const IntKey<T> (&specs)[N],
               T& out, Problems& problems) {
    for (const IntKey<T>& spec : specs) {
        const toml::node* n = table.get(spec.key);
        if (n == nullptr) continue;
        if (auto i = read_int(*n, member(path, spec.key), spec.lo, spec.hi, problems))
            out.*spec.field = static_cast<int>(*i);
    }
}

// The array of [[resource]] or [[check]] tables, or nullptr if there is none (or it is
// not an array of tables, which is recorded).
const toml::array* section(const toml::table& root, std::string_view key, std::string_view header,
                           Problems& problems) {
    const toml::node* n = root.get(key);
    return n ? read_table_array(*n, key, header, problems) : nullptr;
}

// Names unique within one kind of section ("resource" or "check").
template <typename T>
void check_unique_names(const toml::array& array, const std::vector<T>& items,
                        std::string_view kind, Problems& problems) {
    std::map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const toml::node* at = array.get(i)->as_table()->get("name");
        if (items[i].name.empty() || at == nullptr) continue;
        auto [it, fresh] = names.emplace(items[i].name, i);
        if (!fresh)
            problems.add(*at, element(kind, i) + ".name",
                         "duplicate " + std::string(kind) + " name " + quote(items[i].name) +
                             " (also " + element(kind, it->second) + ".name)");
    }
}

// ---- [[resource]] ----

constexpr std::string_view kResourceForms =
    "exactly one form: start, stop and monitor commands; exec; or systemd_unit";

// systemctl takes the name as an argument: a leading '-' would make it an option.
std::string read_unit(const toml::node& n, const std::string& path, Problems& problems) {
    auto s = read_string(n, path, problems);
    if (!s) return {};
    const bool chars_ok = std::all_of(s->begin(), s->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view(":_.@-\\").find(c) != std::string_view::npos;
    });
    if (s->empty() || s->size() > 255 || s->front() == '-' || !chars_ok) {
        problems.add(n, path,
                     quote(*s) + " is not a unit name (expected 1..255 characters of A-Z a-z " +
                         "0-9 : _ . @ - \\, not starting with -, e.g. \"api.service\")");
        return {};
    }
    return *s;
}

void read_resource_form(const toml::table& table, const std::string& path, const fs::path& base_dir,
                        ResourceConfig& r, Problems& problems) {
    const toml::node* start = table.get("start");
    const toml::node* stop = table.get("stop");
    const toml::node* monitor = table.get("monitor");
    const toml::node* exec = table.get("exec");
    const toml::node* unit = table.get("systemd_unit");
    auto command = [&](const toml::node* n, std::string_view key) {
        return n ? read_command(*n, member(path, key), base_dir, problems) : std::string();
    };
    auto refuse = [&](const toml::node* n, std::string_view key, const std::string& why) {
        if (n != nullptr) problems.add(*n, member(path, key), why);
    };
    if (unit != nullptr) {
        r.kind = ResourceConfig::Kind::systemd_unit;
        r.unit = read_unit(*unit, path + ".systemd_unit", problems);
        const std::string why = "not allowed with systemd_unit (expected " +
                                std::string(kResourceForms) +
                                "; a unit is driven with systemctl start, stop and is-active)";
        refuse(start, "start", why);
        refuse(stop, "stop", why);
        refuse(monitor, "monitor", why);
        refuse(exec, "exec", why);
        return;
    }
    if (exec != nullptr) {
        r.kind = ResourceConfig::Kind::exec;
        r.start = command(exec, "exec");
        r.monitor = command(monitor, "monitor");
        refuse(start, "start",
               "not allowed with exec (expected " + std::string(kResourceForms) + ")");
        refuse(stop, "stop",
               "not allowed with exec (vigil stops the process itself: SIGTERM to its process "
               "group, SIGKILL after timeout_ms)");
        return;
    }
    if (start == nullptr && stop == nullptr && monitor == nullptr) {
        problems.add(
            table, path,
            "no start, exec or systemd_unit (expected " + std::string(kResourceForms) + ")");
        return;
    }
    r.kind = ResourceConfig::Kind::command;
    const std::pair<std::string_view, std::string ResourceConfig::*> keys[] = {
        {"start", &ResourceConfig::start},
        {"stop", &ResourceConfig::stop},
        {"monitor", &ResourceConfig::monitor},
    };
    for (const auto& [key, field] : keys) {
        const toml::node* n = table.get(key);
        if (n == nullptr)
            problems.add(table, member(path, key),
                         "missing required key (expected a command: the command form needs "
                         "start, stop and monitor)");
        else
            r.*field = command(n, key);
    }
}

ResourceConfig parse_resource(const toml::table& table, const std::string& path,
                              const fs::path& base_dir, Problems& problems) {
    ResourceConfig r;
    check_keys(table, path,
               {"name", "start", "stop", "monitor", "exec", "systemd_unit", "monitor_interval_ms",
                "timeout_ms", "max_restarts", "restart_window_s"},
               problems);
    if (const auto* n = require(table, path, "name", "a name string", problems))
        r.name = read_name(*n, path + ".name", problems).value_or("");
    read_resource_form(table, path, base_dir, r, problems);
    read_ints(table, path, kResourceInts, r, problems);
    return r;
}

// ---- [[check]] ----

constexpr std::pair<std::string_view, CheckConfig::Kind> kCheckKinds[] = {
    {"command", CheckConfig::Kind::command},
    {"tcp", CheckConfig::Kind::tcp},
    {"http", CheckConfig::Kind::http},
    {"ping", CheckConfig::Kind::ping},
};

// The target of a ping, tcp or http check, kept as written once it is known to be valid.
std::string read_target(const toml::node& n, const std::string& path, CheckConfig::Kind kind,
                        Problems& problems) {
    auto s = read_string(n, path, problems);
    if (!s) return {};
    switch (kind) {
        case CheckConfig::Kind::ping:
            if (parse_ip(*s)) return *s;
            problems.add(
                n, path,
                quote(*s) + " is not an address (expected a unicast IPv4 or IPv6 literal)");
            return {};
        case CheckConfig::Kind::tcp:
            if (parse_host_port(*s)) return *s;
            problems.add(n, path,
                         quote(*s) + " is not a TCP target (expected HOST:PORT with a unicast IP " +
                             "literal host, IPv6 in brackets, and port 1..65535, e.g. " +
                             "\"198.18.0.1:80\" or \"[fd00::1]:80\")");
            return {};
        case CheckConfig::Kind::http: {
            std::string scheme = s->substr(0, 8);
            std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            if (scheme == "https://") {
                problems.add(n, path,
                             quote(*s) + " is https (expected an http:// URL: the http check " +
                                 "does not speak TLS; check an https service with tcp, or with " +
                                 "a command such as curl)");
                return {};
            }
            if (parse_http_url(*s)) return *s;
            problems.add(n, path,
                         quote(*s) + " is not an http URL (expected http://HOST[:PORT][/PATH] " +
                             "with a unicast IP literal host, IPv6 in brackets, e.g. " +
                             "\"http://198.18.0.1:8080/health\")");
            return {};
        }
        case CheckConfig::Kind::command: break;  // read with read_command
    }
    return {};
}

void read_check_kind(const toml::table& table, const std::string& path, const fs::path& base_dir,
                     CheckConfig& c, Problems& problems) {
    std::optional<std::string_view> chosen;
    for (const auto& [key, kind] : kCheckKinds) {
        const toml::node* n = table.get(key);
        if (n == nullptr) continue;
        if (chosen) {
            problems.add(*n, member(path, key),
                         "not allowed with " + std::string(*chosen) +
                             " (expected exactly one of command, tcp, http, ping)");
            continue;
        }
        chosen = key;
        c.kind = kind;
        c.target = kind == CheckConfig::Kind::command
                       ? read_command(*n, member(path, key), base_dir, problems)
                       : read_target(*n, member(path, key), kind, problems);
    }
    if (!chosen)
        problems.add(table, path,
                     "no command, tcp, http or ping (expected exactly one of them, e.g. ping = "
                     "\"198.18.0.1\")");
}

CheckConfig parse_check(const toml::table& table, const std::string& path, const fs::path& base_dir,
                        Problems& problems) {
    CheckConfig c;
    check_keys(table, path,
               {"name", "command", "tcp", "http", "ping", "interval_ms", "timeout_ms", "fall",
                "rise", "weight"},
               problems);
    if (const auto* n = require(table, path, "name", "a name string", problems))
        c.name = read_name(*n, path + ".name", problems).value_or("");
    read_check_kind(table, path, base_dir, c, problems);
    read_ints(table, path, kCheckInts, c, problems);
    return c;
}

// ---- [[group]] keys ----

struct Ref {
    const toml::node* at;
    std::string path;
    std::size_t index;
};

// An array of names of [[resource]] or [[check]] items (`kind`), each resolved to its index
// in `names`; nullopt if the array itself cannot be read. Unknown names are recorded and
// left out.
std::optional<std::vector<Ref>> read_refs(const toml::node& n, const std::string& path,
                                          std::string_view kind,
                                          const std::vector<std::string>& names,
                                          Problems& problems) {
    const toml::array* array = n.as_array();
    if (array == nullptr) {
        type_mismatch(n, path, "an array of [[" + std::string(kind) + "]] names", problems);
        return std::nullopt;
    }
    std::vector<std::string> known;
    for (const auto& name : names)
        if (!name.empty() && std::find(known.begin(), known.end(), name) == known.end())
            known.push_back(name);
    std::vector<Ref> refs;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& item = *array->get(i);
        const std::string item_path = element(path, i);
        auto s = read_string(item, item_path, problems);
        if (!s) continue;
        auto it = std::find(names.begin(), names.end(), *s);
        if (s->empty() || it == names.end()) {
            problems.add(item, item_path,
                         "unknown " + std::string(kind) + " " + quote(*s) +
                             (known.empty() ? " (no [[" + std::string(kind) + "]] is configured)"
                                            : " (expected one of: " + join(known) + ")"));
            continue;
        }
        refs.push_back({&item, item_path, static_cast<std::size_t>(it - names.begin())});
    }
    return refs;
}

template <typename T>
std::vector<std::string> names_of(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(item.name);
    return out;
}

}  // namespace

std::vector<ResourceConfig> parse_resources(const toml::table& root, const fs::path& base_dir,
                                            Problems& problems) {
    const toml::array* array = section(root, "resource", "[[resource]]", problems);
    if (array == nullptr) return {};
    std::vector<ResourceConfig> resources;
    for (std::size_t i = 0; i < array->size(); ++i)
        resources.push_back(
            parse_resource(*array->get(i)->as_table(), element("resource", i), base_dir, problems));
    check_unique_names(*array, resources, "resource", problems);
    return resources;
}

std::vector<CheckConfig> parse_checks(const toml::table& root, const fs::path& base_dir,
                                      Problems& problems) {
    const toml::array* array = section(root, "check", "[[check]]", problems);
    if (array == nullptr) return {};
    if (array->size() > core::kChecksMax)
        problems.add(*root.get("check"), "check",
                     counted(array->size(), "check") + " (expected 0.." +
                         std::to_string(core::kChecksMax) + ")");
    std::vector<CheckConfig> checks;
    for (std::size_t i = 0; i < array->size(); ++i)
        checks.push_back(
            parse_check(*array->get(i)->as_table(), element("check", i), base_dir, problems));
    check_unique_names(*array, checks, "check", problems);
    return checks;
}

void read_group_resources(const toml::table& root, core::Config& config, Problems& problems) {
    const toml::node* groups_at = root.get("group");
    const toml::array* groups = groups_at ? groups_at->as_array() : nullptr;
    // When a group's list cannot be read, "used by no group" would be noise.
    bool all_read = groups_at == nullptr || (groups != nullptr && groups->is_array_of_tables());
    const std::vector<std::string> resource_names = names_of(config.resources);
    const std::vector<std::string> check_names = names_of(config.checks);
    std::map<std::size_t, std::string> used;  // resource index -> key path of its one use
    for (std::size_t g = 0; groups != nullptr && g < groups->size() && g < config.groups.size();
         ++g) {
        const toml::table* table = groups->get(g)->as_table();
        if (table == nullptr) continue;
        core::GroupConfig& group = config.groups[g];
        const std::string path = element("group", g);
        if (const toml::node* n = table->get("failure_timeout_s"))
            group.failure_timeout_s = static_cast<int>(
                read_int(*n, path + ".failure_timeout_s", 0, 86400, problems).value_or(0));
        if (const toml::node* n = table->get("resources")) {
            auto refs = read_refs(*n, path + ".resources", "resource", resource_names, problems);
            all_read = all_read && refs.has_value();
            if (refs && n->as_array()->size() > core::kResourcesPerGroupMax)
                problems.add(*n, path + ".resources",
                             counted(n->as_array()->size(), "resource") + " (expected 0.." +
                                 std::to_string(core::kResourcesPerGroupMax) + ")");
            for (const Ref& ref : refs.value_or(std::vector<Ref>{})) {
                auto [it, fresh] = used.emplace(ref.index, ref.path);
                if (!fresh) {
                    problems.add(*ref.at, ref.path,
                                 "resource " + quote(resource_names[ref.index]) +
                                     " is already used by " + it->second +
                                     " (expected each resource in one group, once)");
                    continue;
                }
                group.resources.push_back(ref.index);
            }
        }
        if (const toml::node* n = table->get("checks")) {
            auto refs = read_refs(*n, path + ".checks", "check", check_names, problems);
            std::map<std::size_t, std::string> listed;
            for (const Ref& ref : refs.value_or(std::vector<Ref>{})) {
                auto [it, fresh] = listed.emplace(ref.index, ref.path);
                if (!fresh) {
                    problems.add(*ref.at, ref.path,
                                 "check " + quote(check_names[ref.index]) +
                                     " is already listed at " + it->second +
                                     " (expected each check once per group)");
                    continue;
                }
                group.checks.push_back(ref.index);
            }
        }
    }
    if (!all_read) return;
    for (std::size_t r = 0; r < config.resources.size(); ++r) {
        const std::string& name = config.resources[r].name;
        // A duplicate name is reported as such; its second table is not also "unused".
        if (name.empty() || used.contains(r) || config.resource_index(name) != r) continue;
        const toml::node* at = root["resource"][r]["name"].node();
        if (at == nullptr) continue;
        problems.add(*at, element("resource", r) + ".name",
                     "resource " + quote(name) +
                         " is used by no group (expected it in some [[group]].resources)");
    }
}

}  // namespace vigil::daemon
