// StoreWorld: simulated clients. Each writes to one group, one request at a time: puts of
// unique values ("c1.7"), one in four a compare-and-set on the revision it last learned,
// each with a request id ("c1-7"). A write goes to a node that is a ready primary (what the
// VIP would reach); an error (not ready, primacy moved, disk failed) or no answer within
// kClientTimeout sends the same request id again, possibly to another node. The first
// answer with an outcome is the acknowledgement, recorded for invariant 6.
#include "sim/random.h"
#include "sim/store_world.h"
#include "sim/world.h"

namespace vigil::sim {

void StoreWorld::client_next(World& w, std::size_t c, Micros delay) {
    Item it{w.real_now() + delay, 0, ItemKind::client};
    it.client = static_cast<std::uint32_t>(c);
    schedule(std::move(it));
}

// attempt = 0: make the next write, or send the current one again; otherwise the timeout
// of that attempt.
void StoreWorld::client_timer(World& w, std::size_t c, std::uint64_t attempt) {
    Client& cl = clients_[c];
    if (attempt != 0 && (!cl.write || attempt != cl.attempt)) return;  // answered meanwhile
    if (!cl.write) {
        if (healed_) {
            if (cl.post_heal_left == 0) return;
            --cl.post_heal_left;
        }
        const std::uint64_t k = ++cl.next_write;
        store::Write write;
        write.op = store::Write::Op::put;
        write.key = "k" + std::to_string(prng_.below(kKeys));
        write.value = "c" + std::to_string(c) + "." + std::to_string(k);
        write.request_id = "c" + std::to_string(c) + "-" + std::to_string(k);
        if (prng_.below(4) == 0) {
            auto seen = cl.seen.find(write.key);
            write.if_match = seen == cl.seen.end() ? 0 : seen->second;
        }
        cl.write = std::move(write);
        ++counters_.writes_submitted;
    }
    std::vector<std::size_t> ready;
    for (std::size_t n = 0; n < nodes_.size(); ++n)
        if (w.state(n) == NodeState::up && rep(n, cl.group).ready) ready.push_back(n);
    if (ready.empty()) return client_next(w, c, ms(20));  // nobody serves: ask again soon
    const std::size_t n = ready[prng_.below(ready.size())];
    ++cl.attempt;
    ++counters_.attempts;
    Item req{w.real_now() + latency(w), 0, ItemKind::request};
    req.node = static_cast<std::uint32_t>(n);
    req.group = static_cast<std::uint32_t>(cl.group);
    req.client = static_cast<std::uint32_t>(c);
    req.stream = cl.attempt;
    schedule(std::move(req));
    Item timeout{w.real_now() + kClientTimeout, 0, ItemKind::client};
    timeout.client = static_cast<std::uint32_t>(c);
    timeout.stream = cl.attempt;
    schedule(std::move(timeout));
}

void StoreWorld::client_request(World& w, const Item& item) {
    const Client& cl = clients_[item.client];
    if (!cl.write || cl.attempt != item.stream) return;  // the client moved on
    submit(w, item.node, item.group, *cl.write, Pending{item.client, item.stream});
}

void StoreWorld::client_done(World& w, std::size_t c, std::uint64_t attempt,
                             const Result<store::Outcome>& result) {
    Client& cl = clients_[c];
    if (!cl.write || attempt != cl.attempt) return;  // an answer it no longer waits for
    if (!result) {
        ++cl.attempt;  // the pending timeout is void; retry shortly
        return client_next(w, c, uniform(prng_, ms(5), ms(50)));
    }
    const store::Outcome& o = *result;
    checker_.acked(cl.group, *cl.write, o);
    ++counters_.writes_acked;
    if (o.code != store::Outcome::Code::not_found) cl.seen[cl.write->key] = o.revision;
    w.trace().addf(false, w.real_now(), kNoNode, {}, "client %zu: %s acked at %llu%s", c,
                   cl.write->request_id.c_str(), static_cast<unsigned long long>(o.index),
                   o.duplicate ? " (duplicate)" : "");
    cl.write.reset();
    client_next(w, c, healed_ ? ms(1) : uniform(prng_, ms(10), ms(300)));
}

}  // namespace vigil::sim
