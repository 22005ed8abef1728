// StoreChecker: see store_checker.h. Each message names the write (request id, key, value),
// the index and revision the client was told, and what the node holds instead.
#include "sim/store_checker.h"

#include <cstdio>

namespace vigil::sim {
namespace {

unsigned long long ull(std::uint64_t v) {
    return static_cast<unsigned long long>(v);
}

const char* code_name(store::Outcome::Code c) {
    switch (c) {
        case store::Outcome::Code::ok: return "ok";
        case store::Outcome::Code::precondition_failed: return "precondition_failed";
        case store::Outcome::Code::not_found: return "not_found";
    }
    return "?";
}

std::string describe(const store::Write& w, const store::Outcome& o) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "request %s (%s %s=%s%s) acked %s at index %llu revision %llu",
                  w.request_id.c_str(), w.op == store::Write::Op::put ? "put" : "del",
                  w.key.c_str(), w.value.c_str(),
                  w.if_match ? (" if_match " + std::to_string(*w.if_match)).c_str() : "",
                  code_name(o.code), ull(o.index), ull(o.revision));
    return buf;
}

std::string fingerprint(const store::Write& w) {
    return std::to_string(static_cast<int>(w.op)) + "|" + w.key + "|" + w.value + "|" +
           w.request_id + "|" + (w.if_match ? std::to_string(*w.if_match) : "-");
}

}  // namespace

void StoreChecker::fail(int invariant, std::string summary, std::string detail) {
    if (violation) return;  // the first one counts
    violation = Violation{invariant, std::move(summary), std::move(detail)};
}

void StoreChecker::acked(std::size_t g, const store::Write& write, const store::Outcome& outcome) {
    acks_.push_back({g, Ack{write, outcome}});
}

// 7: whoever applies index i of group g applies the same entry; 8: a request id's first
// application (duplicate = false) happens at one index only, on every node.
void StoreChecker::applied(const std::string& node, std::size_t g, const store::Entry& entry,
                           const store::Outcome& outcome) {
    std::string fp = fingerprint(entry.write);
    auto [it, fresh] = log_.try_emplace({g, entry.index}, Applied{entry.epoch, fp, node});
    if (!fresh && (it->second.epoch != entry.epoch || it->second.fingerprint != fp)) {
        char buf[320];
        std::snprintf(buf, sizeof buf,
                      "group #%zu index %llu: %s applied epoch %llu [%s], %s applied epoch %llu "
                      "[%s]",
                      g, ull(entry.index), it->second.node.c_str(), ull(it->second.epoch),
                      it->second.fingerprint.c_str(), node.c_str(), ull(entry.epoch), fp.c_str());
        return fail(7, buf);
    }
    const std::string& id = entry.write.request_id;
    if (id.empty() || outcome.duplicate || entry.write.op == store::Write::Op::noop) return;
    auto [first, added] = first_.try_emplace({g, id}, entry.index);
    if (!added && first->second != entry.index) {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "group #%zu: request %s applied twice, at index %llu and again at %llu "
                      "(on %s, not marked duplicate)",
                      g, id.c_str(), ull(first->second), ull(entry.index), node.c_str());
        fail(8, buf);
    }
}

// 6: the request id's outcome is remembered with the acked index, and the key holds the
// acked value unless a later entry (higher revision) replaced it.
void StoreChecker::check_acks(const std::string& node, std::size_t g, const store::KvState& kv,
                              const char* when) {
    for (const auto& [group, ack] : acks_) {
        if (group != g) continue;
        const store::Write& w = ack.write;
        const store::Outcome& o = ack.outcome;
        std::string problem;
        auto found = kv.find_request(w.request_id);
        auto value = kv.get(w.key);
        if (!found) {
            problem = "its request id is unknown there";
        } else if (found->index != o.index || found->code != o.code) {
            problem = "its request id names index " + std::to_string(found->index) + " (" +
                      code_name(found->code) + ")";
        } else if (w.op == store::Write::Op::put && o.code == store::Outcome::Code::ok) {
            if (!value || value->revision < o.revision)
                problem = "key " + w.key + " is at revision " +
                          std::to_string(value ? value->revision : 0) + ", before the write";
            else if (value->revision == o.revision && value->value != w.value)
                problem = "key " + w.key + " holds '" + value->value + "' at that revision";
        }
        if (problem.empty()) continue;
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s, applied up to index %llu (%s)", node.c_str(),
                      ull(kv.applied_index()), when);
        return fail(6, std::string("acknowledged write missing on ") + buf,
                    "  " + describe(w, o) + ": " + problem + "\n");
    }
}

store::Index StoreChecker::acked_index_max(std::size_t g) const {
    store::Index max = 0;
    for (const auto& [group, ack] : acks_)
        if (group == g && ack.outcome.index > max) max = ack.outcome.index;
    return max;
}

std::size_t StoreChecker::acked_count() const {
    return acks_.size();
}

}  // namespace vigil::sim
