// Test harness for replication: one PrimaryReplica and its StandbyReplicas over MemLogs,
// joined by in-memory links whose messages can be held, delayed (and so reordered) or
// dropped. Time is a plain counter. Every message goes through encode/decode, so the wire
// format is exercised too. Used by primary_replica_test.cc and replication_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <tuple>

#include "common/prng.h"
#include "store/mem_log.h"
#include "store/replication.h"

namespace vigil::store::test {

inline Entry put_entry(Index index, Epoch epoch, std::string key, std::string value = "v") {
    Entry e;
    e.index = index;
    e.epoch = epoch;
    e.write.op = Write::Op::put;
    e.write.key = std::move(key);
    e.write.value = std::move(value);
    return e;
}

inline Entry noop_entry(Index index, Epoch epoch) {
    Entry e;
    e.index = index;
    e.epoch = epoch;
    return e;
}

// Appends entries of `epoch` with keys "k<index>" until `last`, and syncs.
inline void fill(MemLog& log, Index last, Epoch epoch) {
    while (log.last_index() < last)
        VIGIL_ASSERT(log.append(put_entry(log.last_index() + 1, epoch,
                                          "k" + std::to_string(log.last_index() + 1)))
                         .has_value());
    VIGIL_ASSERT(log.sync().has_value());
}

// True if `a` and `b` hold the same entries (by index and epoch) over [from, to].
inline bool same_entries(const MemLog& a, const MemLog& b, Index from, Index to) {
    for (Index i = from; i <= to; ++i) {
        if (a.epoch_at(i) != b.epoch_at(i)) return false;
        if (i >= a.first_index() && i >= b.first_index() &&
            a.entry(i).write.key != b.entry(i).write.key)
            return false;
    }
    return true;
}

class Cluster {
public:
    struct Pending {
        TimePoint due;
        std::uint64_t seq;
        std::size_t standby;
        bool to_primary;
        std::string frame;
    };

    explicit Cluster(std::size_t standby_count, PrimaryReplica::Options options = {})
        : options_(options), links_(standby_count) {
        for (std::size_t s = 0; s < standby_count; ++s) {
            standby_logs.push_back(std::make_unique<MemLog>());
            known_epochs.push_back(0);
            errors.emplace_back();
        }
    }

    // Makes the primary at `epoch`: appends its noop (after whatever the test put in the
    // logs), and builds the state machines.
    void start(Epoch epoch_now) {
        epoch = epoch_now;
        VIGIL_ASSERT(
            primary_log.append(noop_entry(primary_log.last_index() + 1, epoch)).has_value());
        VIGIL_ASSERT(primary_log.sync().has_value());
        std::vector<std::string> names;
        for (std::size_t s = 0; s < links_.size(); ++s) {
            names.push_back("standby" + std::to_string(s));
            standbys.push_back(std::make_unique<StandbyReplica>(*standby_logs[s]));
            known_epochs[s] = epoch;
        }
        primary = std::make_unique<PrimaryReplica>(epoch, names, primary_log, options_);
    }

    void write(const std::string& key, std::string value = "v") {
        VIGIL_ASSERT(
            primary_log
                .append(put_entry(primary_log.last_index() + 1, epoch, key, std::move(value)))
                .has_value());
        VIGIL_ASSERT(primary_log.sync().has_value());
        route(primary->on_appended(now));
    }

    void connect(std::size_t s) {
        links_[s].up = true;
        const Hello hello = standbys[s]->on_connected(known_epochs[s]);
        const Message decoded = roundtrip(hello);
        route(primary->on_hello(s, std::get<Hello>(decoded), now));
    }
    void disconnect(std::size_t s) {
        links_[s].up = false;
        std::erase_if(pending_, [&](const Pending& p) { return p.standby == s; });
        primary->on_disconnected(s, now);
    }
    // A held link keeps its messages queued (a stalled stream); release lets them go.
    void hold(std::size_t s, bool held) { links_[s].held = held; }

    // Delivers every message due by now (and what they cause), until none is left.
    void settle() {
        for (int guard = 0; guard < 1'000'000; ++guard)
            if (!deliver_one()) return;
        ADD_FAILURE() << "settle did not finish";
    }
    // Moves time on in `step`s, ticking the primary and delivering at each.
    void advance(Micros duration, Micros step = 1000) {
        for (Micros t = 0; t < duration; t += step) {
            now = now + step;
            route(primary->on_tick(now));
            settle();
        }
    }
    Index commit() { return primary->commit_index(required); }
    StandbyState state(std::size_t s) const { return primary->view(now)[s].state; }

    // What the primary sent, decoded (for tests on pipelining).
    std::vector<Outgoing> sent;
    std::size_t pending_count() const { return pending_.size(); }
    std::size_t snapshots_sent = 0;  // how much of the protocol a run exercised
    std::size_t refusals = 0;

    MemLog primary_log;
    std::vector<std::unique_ptr<MemLog>> standby_logs;
    std::vector<std::unique_ptr<StandbyReplica>> standbys;
    std::unique_ptr<PrimaryReplica> primary;
    std::vector<Epoch> known_epochs;  // what each standby's Node knows
    std::vector<std::string> errors;  // the last error each standby reported
    std::vector<std::size_t> required;
    TimePoint now{1'000'000};
    Epoch epoch = 0;

    // Fault model for the randomized test: set by the test, 0 = off.
    Prng* prng = nullptr;
    std::uint64_t drop_per_mille = 0;
    Micros delay_max = 0;

private:
    struct Link {
        bool up = false;
        bool held = false;
    };

    static Message roundtrip(const Message& m) {
        Result<Message> decoded = decode_message(encode_message(m));
        VIGIL_ASSERT(decoded.has_value());
        return *decoded;
    }

    void enqueue(std::size_t s, bool to_primary, const Message& m) {
        if (!links_[s].up) return;
        Micros delay = 0;
        if (prng != nullptr) {
            if (prng->below(1000) < drop_per_mille) return;
            if (delay_max > 0) delay = static_cast<Micros>(prng->below(delay_max + 1));
        }
        pending_.push_back({now + delay, seq_++, s, to_primary, encode_message(m)});
    }
    void route(std::vector<Outgoing> out) {
        for (Outgoing& o : out) {
            if (std::holds_alternative<InstallSnapshot>(o.message)) ++snapshots_sent;
            sent.push_back(o);
            enqueue(o.standby, false, o.message);
        }
    }

    bool deliver_one() {
        auto best = pending_.end();
        for (auto it = pending_.begin(); it != pending_.end(); ++it) {
            if (it->due > now || links_[it->standby].held) continue;
            if (best == pending_.end() ||
                std::tie(it->due, it->seq) < std::tie(best->due, best->seq))
                best = it;
        }
        if (best == pending_.end()) return false;
        Pending p = std::move(*best);
        pending_.erase(best);
        Result<Message> m = decode_message(p.frame);
        VIGIL_ASSERT(m.has_value());
        if (p.to_primary) {
            if (!std::get<Ack>(*m).ok) ++refusals;
            route(primary->on_ack(p.standby, std::get<Ack>(*m), now));
            return true;
        }
        Result<std::optional<Ack>> r = standbys[p.standby]->on_message(*m, known_epochs[p.standby]);
        if (r.has_value() && r->has_value()) {
            // The daemon syncs before it acks: the Ack's match_index is durable.
            if (Result<void> synced = standby_logs[p.standby]->sync(); !synced) {
                errors[p.standby] = synced.error().message;
                disconnect(p.standby);
                return true;
            }
            enqueue(p.standby, true, **r);
        } else if (!r.has_value()) {
            errors[p.standby] = r.error().message;
            disconnect(p.standby);
        }
        return true;
    }

    PrimaryReplica::Options options_;
    std::vector<Link> links_;
    std::vector<Pending> pending_;
    std::uint64_t seq_ = 0;
};

}  // namespace vigil::store::test
