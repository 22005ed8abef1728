// Agent: receiving heartbeats. Everything the network sends is checked here, in order of
// cost: size, HMAC and format (wire::decode), sender and link, freshness (replay guard).
// A datagram failing any check is dropped and counted; it never reaches the core.
#include "common/assert.h"
#include "daemon/agent.h"
#include "daemon/auth_keys.h"
#include "io/clock.h"
#include "wire/heartbeat_codec.h"

namespace vigil::daemon {

namespace {
constexpr int kDatagramsPerWakeMax = 64;  // then yield to other sockets and timers
constexpr int kAuthLogsPerMinuteMax = 10;
}  // namespace

void Agent::on_datagram(std::size_t link) {
    for (int i = 0; i < kDatagramsPerWakeMax; ++i) {
        auto d = sockets_[link].receive();
        if (!d) continue;  // an ICMP error from an earlier send; keep reading
        if (!d->present) return;
        counters_.received++;
        TimePoint now = io::monotonic_now();
        auto hb = d->truncated ? Result<wire::Heartbeat>(Error::protocol("datagram too large"))
                               : wire::decode(d->bytes, keys_);
        if (!hb) {
            bool auth = hb.error().code == Error::Code::auth;
            (auth ? counters_.auth_failures : counters_.malformed)++;
            // Rate-limited: a flood of forged datagrams must not flood the log.
            if (now - auth_log_window_ > ms(60000)) {
                auth_log_window_ = now;
                auth_log_budget_ = kAuthLogsPerMinuteMax;
            }
            if (auth_log_budget_-- > 0)
                log_.event(Level::warn, auth ? "auth_failed" : "malformed_packet",
                           {{"from", d->from.text()},
                            {"link", std::to_string(link)},
                            {"error", hb.error().message},
                            {"total", std::to_string(auth ? counters_.auth_failures
                                                          : counters_.malformed)}});
            continue;
        }
        auto sender = config_.node_index(hb->sender);
        if (!sender || *sender == self_ ||
            d->from.text() != config_.nodes[*sender].addresses[link]) {
            // Authenticated but not from where that node lives: a misconfiguration.
            counters_.unknown_sender++;
            if (counters_.unknown_sender % 100 == 1)
                log_.event(Level::warn, "unknown_sender",
                           {{"from", d->from.text()},
                            {"sender", hb->sender},
                            {"link", std::to_string(link)}});
            continue;
        }
        if (hb->link != link) {
            counters_.wrong_link++;
            continue;
        }
        auto verdict = replay_.check(hb->sender, hb->link, hb->boot_id, hb->seq);
        if (!wire::accepted(verdict)) {
            counters_.replays++;
            if (verdict == wire::ReplayGuard::Verdict::stale_boot)
                log_.event(
                    Level::warn, "stale_boot",
                    {{"peer", hb->sender},
                     {"boot_id", std::to_string(hb->boot_id)},
                     {"current_boot_id", std::to_string(replay_.boot_id(hb->sender).value_or(0))},
                     {"detail",
                      "boot id older than the peer's current one: a replay, "
                      "or the peer's clock stepped back across a restart"}});
            continue;
        }
        if (verdict == wire::ReplayGuard::Verdict::new_boot)
            log_.event(Level::info, "peer_restarted", {{"peer", hb->sender}});
        counters_.accepted++;
        heartbeat_loss_.on_heartbeat(*sender, link, hb->boot_id, hb->seq);
        feed(core::HeartbeatReceived{now, *sender, link, std::move(*hb)});
    }
}

void Agent::reload_keys() {
    auto keys = load_auth_keys(config_.cluster);
    if (!keys) {
        log_.event(Level::error, "auth_keys_reload_failed",
                   {{"error", keys.error().message}, {"effect", "keeping the current keys"}});
        return;
    }
    keys_ = std::move(*keys);
    log_.event(Level::info, "auth_keys_reloaded",
               {{"next_key", keys_.next.empty() ? "none" : "present"}});
}

}  // namespace vigil::daemon
