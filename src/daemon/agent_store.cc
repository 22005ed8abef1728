// The agent's side of the replicated stores (docs/store.md): one GroupStore per group with
// [group.store] enabled (none on a witness), its HTTP API, and the glue to the core: after
// every core step each store learns its role, after every turn of the loop each store
// group-commits, and what replication sees goes back to the core as StoreProgress.
#include <nlohmann/json.hpp>

#include "daemon/agent.h"
#include "io/clock.h"

namespace vigil::daemon {

Result<void> Agent::open_stores() {
    stores_.resize(config_.groups.size());
    kv_http_.resize(config_.groups.size());
    if (witness_) return {};
    const TimePoint now = io::monotonic_now();
    for (std::size_t g = 0; g < config_.groups.size(); ++g) {
        const core::StoreConfig& sc = config_.groups[g].store;
        if (!sc.enabled) continue;
        auto store = std::make_unique<GroupStore>(config_, g, self_, loop_, keys_, disk_, log_);
        if (auto r = store->open(now); !r) return r;
        // Every node listens (on the wildcard address, so that the VIP reaches the primary
        // whichever node holds it): a standby answers 503 and names the primary.
        auto http = std::make_unique<KvHttpServer>(loop_, [] { return io::monotonic_now(); },
                                                   *store);
        const bool ipv6 = config_.groups[g].vips.front().ipv6;
        if (auto r = http->listen(ipv6 ? "::" : "0.0.0.0", sc.port, ipv6); !r)
            return Error::io(config_.groups[g].name + " store API: " + r.error().message);
        stores_[g] = std::move(store);
        kv_http_[g] = std::move(http);
    }
    update_stores(now);
    return {};
}

void Agent::update_stores(TimePoint now) {
    if (stores_.empty()) return;
    std::optional<core::NodeStatus> status;
    for (std::size_t g = 0; g < stores_.size(); ++g) {
        if (!stores_[g]) continue;
        if (!status) status = node_.status();
        StoreRole role;
        role.acting_primary = node_.acting_primary(g, now);
        role.epoch = node_.epoch(g);
        role.primary = status->groups[g].primary;
        const core::StoreSync sync = node_.store_sync(g);
        role.confirmed_any = sync.confirmed_any;
        role.required_mask = sync.required_mask;
        stores_[g]->update(role, now);
    }
}

void Agent::end_store_round() {
    if (stores_.empty()) return;
    const TimePoint now = io::monotonic_now();
    for (std::size_t g = 0; g < stores_.size(); ++g) {
        if (!stores_[g]) continue;
        stores_[g]->end_of_round(now);
        if (auto progress = stores_[g]->take_progress(now)) feed(*progress);
    }
}

void Agent::tick_stores(TimePoint now) {
    for (auto& store : stores_)
        if (store) store->on_tick(now);
    for (auto& http : kv_http_)
        if (http) http->expire(now);
}

TimePoint Agent::stores_deadline() const {
    TimePoint next = TimePoint::never();
    for (const auto& store : stores_)
        if (store) next = std::min(next, store->next_deadline());
    for (const auto& http : kv_http_)
        if (http) next = std::min(next, http->next_deadline());
    return next;
}

nlohmann::json Agent::store_status_json(std::size_t g, TimePoint now) const {
    if (g >= stores_.size() || !stores_[g]) return nullptr;
    return stores_[g]->status_json(now);
}

}  // namespace vigil::daemon
