#include "daemon/config_store.h"

#include <map>

namespace vigil::daemon {

using namespace toml_reader;

namespace {

struct StoreInt {
    std::string_view key;
    int core::StoreConfig::*field;
    std::int64_t lo;
    std::int64_t hi;
};

constexpr StoreInt kStoreInts[] = {
    {"port", &core::StoreConfig::port, 1, 65535},
    {"replication_port", &core::StoreConfig::replication_port, 1, 65535},
    {"snapshot_entries", &core::StoreConfig::snapshot_entries, 100, 10'000'000},
    {"request_timeout_ms", &core::StoreConfig::request_timeout_ms, 10, 60'000},
};

void read_store(const toml::table& table, const std::string& path, core::StoreConfig& store,
                const std::filesystem::path& base_dir, Problems& problems) {
    check_keys(table, path,
               {"enabled", "port", "replication_port", "data_dir", "snapshot_entries",
                "request_timeout_ms"},
               problems);
    // Present means wanted, unless it says enabled = false.
    store.enabled = true;
    if (const auto* n = table.get("enabled"))
        store.enabled = read_bool(*n, path + ".enabled", problems).value_or(false);
    for (const auto& k : kStoreInts)
        if (const auto* n = table.get(k.key))
            if (auto v = read_int(*n, member(path, k.key), k.lo, k.hi, problems))
                store.*k.field = static_cast<int>(*v);
    if (const auto* n = table.get("data_dir")) {
        auto s = read_string(*n, path + ".data_dir", problems);
        if (s && s->empty())
            problems.add(*n, path + ".data_dir", "empty path (expected a directory)");
        else if (s)
            store.data_dir = resolve_path(base_dir, *s);
    }
}

void check_store(const core::Config& config, std::size_t g, const toml::node& at,
                 const std::string& path, std::map<int, std::string>& replication_ports,
                 Problems& problems) {
    const core::GroupConfig& group = config.groups[g];
    const core::StoreConfig& store = group.store;
    if (store.port == store.replication_port)
        problems.add(at, path + ".replication_port",
                     "the same port as " + path + ".port (" + std::to_string(store.port) +
                         "; expected two different ports)");
    for (int port : {store.port, store.replication_port})
        if (port == config.cluster.port)
            problems.add(at, path,
                         "port " + std::to_string(port) +
                             " is cluster.port, the heartbeat port (expected another)");
    auto [it, fresh] = replication_ports.emplace(store.replication_port, path);
    if (!fresh)
        problems.add(at, path + ".replication_port",
                     "port " + std::to_string(store.replication_port) + " is also used by " +
                         it->second + ".replication_port (every store group needs its own)");
    if (group.vips.empty())
        problems.add(at, path,
                     "a store needs a [[group.vip]]: clients reach the primary through it");
    std::size_t replicas = 0;
    for (std::size_t i = 0; i < config.nodes.size(); ++i)
        if (!config.nodes[i].witness && group.priority[i].has_value()) ++replicas;
    if (replicas < 2)
        problems.add(at, path,
                     "a replicated store with " + counted(replicas, "node") +
                         " that may be primary (expected 2 or more non-witness nodes in "
                         "priority)");
}

}  // namespace

void read_group_stores(const toml::table& root, core::Config& config,
                       const std::filesystem::path& base_dir, Problems& problems) {
    const toml::node* n = root.get("group");
    const toml::array* array = n ? n->as_array() : nullptr;
    if (array == nullptr) return;
    std::map<int, std::string> replication_ports;
    for (std::size_t i = 0; i < array->size() && i < config.groups.size(); ++i) {
        const toml::table* table = array->get(i)->as_table();
        if (table == nullptr) continue;
        const toml::node* s = table->get("store");
        if (s == nullptr) continue;
        const std::string path = element("group", i) + ".store";
        const toml::table* store = s->as_table();
        if (store == nullptr) {
            type_mismatch(*s, path, "a table ([group.store])", problems);
            continue;
        }
        read_store(*store, path, config.groups[i].store, base_dir, problems);
        if (config.groups[i].store.enabled)
            check_store(config, i, *s, path, replication_ports, problems);
    }
}

std::string store_data_dir(const core::StoreConfig& store, const std::string& node) {
    std::string dir = store.data_dir;
    const std::string token = "{node}";
    for (auto at = dir.find(token); at != std::string::npos; at = dir.find(token, at))
        dir.replace(at, token.size(), node), at += node.size();
    return dir;
}

}  // namespace vigil::daemon
