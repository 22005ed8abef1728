// Agent: set-up, the event loop, and carrying out the core's actions.
#include "daemon/agent.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/assert.h"
#include "daemon/vip_cleanup.h"
#include "io/clock.h"
#include "wire/heartbeat_codec.h"

namespace vigil::daemon {

using core::Role;
using core::VipChange;

Agent::Agent(const core::Config& config, std::size_t self, wire::Keys keys, AgentOptions options,
             Logger& log)
    : config_(config),
      self_(self),
      keys_(std::move(keys)),
      options_(std::move(options)),
      log_(log),
      addresses_(io::make_netlink_addresses()),
      announcer_(io::make_raw_announcer()),
      // Everything that keeps a reference gets config_, the agent's own copy, which a reload
      // replaces in place; the caller's config is read here only.
      node_(config_, self, io::monotonic_now(), log, options_.restored),
      announces_(config.cluster.announce_count, ms(config.cluster.announce_interval_ms)),
      hooks_(loop_),
      notify_(hooks_, log, ms(config.cluster.notify_timeout_ms)),
      fence_(config_, hooks_, log, [this](const core::FenceResult& r) { feed(r); }),
      state_file_(std::move(options_.state_file)),
      lease_reporter_(config.groups.size()),
      witness_(config.nodes[self].witness),
      timelines_(config.groups.size()),
      roles_(config.groups.size(), Role::starting),
      heartbeat_loss_(config.nodes.size(), config.nodes[self].addresses.size(),
                      std::max<std::size_t>(1, config.nodes[self].addresses.size() *
                                                   (config.nodes.size() - 1))),
      started_realtime_us_(io::realtime_us()),
      service_manager_(io::make_systemd_manager()),
      service_(std::make_unique<ServiceNotifier>(*service_manager_, log, io::monotonic_now(),
                                                 ms(config.cluster.dead_time_ms))),
      // Boot ids come from the wall clock so that they increase across restarts and peers
      // reject replays of an earlier boot's datagrams (docs/wire.md).
      boot_id_(static_cast<std::uint64_t>(io::realtime_us())),
      next_vip_check_(io::monotonic_now()) {
    if (config.cluster.two_node && !config.cluster.tiebreaker.empty() && !witness_)
        tiebreaker_ = std::make_unique<Tiebreaker>(
            config.cluster.tiebreaker, ms(config.cluster.tiebreaker_interval_ms), hooks_, log_,
            [this](const core::TiebreakerResult& r) { feed(r); });
    if (!witness_) {
        resources_ = std::make_unique<ResourceRunner>(
            config_, self, loop_, log_, [this](const core::ResourceResult& r) { feed(r); });
        if (!config.checks.empty())
            checks_ = std::make_unique<CheckRunner>(
                config_, loop_, log_, [this](const core::CheckResult& r) { feed(r); });
        if (VrrpDriver::wanted(config_, self))
            vrrp_ = std::make_unique<VrrpDriver>(config_, self, loop_, *addresses_, *announcer_,
                                                 notify_, log_);
    }
}

Agent::~Agent() {
    if (options_.events) options_.events->set_listener(nullptr);  // it outlives control_
    if (signal_fd_ >= 0) close(signal_fd_);
}

Result<void> Agent::open_sockets() {
    const auto& self_node = config_.nodes[self_];
    for (std::size_t l = 0; l < self_node.addresses.size(); ++l) {
        auto sock = io::UdpSocket::bind(self_node.addresses[l], config_.cluster.port);
        if (!sock) return Error::io("link " + std::to_string(l) + ": " + sock.error().message);
        sockets_.push_back(std::move(*sock));
        auto watched = loop_.watch(sockets_.back().fd(), [this, l] { on_datagram(l); });
        if (!watched) return watched.error();
    }
    peers_.resize(config_.nodes.size());
    for (std::size_t n = 0; n < config_.nodes.size(); ++n)
        for (const auto& a : config_.nodes[n].addresses) {
            auto addr = io::parse_address(a, config_.cluster.port);
            VIGIL_ASSERT(addr.has_value());  // validated by parse_config
            peers_[n].push_back(*addr);
        }
    return {};
}

void Agent::watch_addresses() {
    auto monitor = io::make_netlink_address_monitor();
    if (!monitor) {
        log_.event(Level::warn, "address_monitor_unavailable",
                   {{"error", monitor.error().message},
                    {"effect", "lost VIPs are found by the 1 s check only"}});
        return;
    }
    monitor_ = std::move(*monitor);
    (void)loop_.watch(monitor_->fd(), [this] { on_addresses_changed(); });
}

void Agent::remove_leftover_vips() {
    // A killed agent (or a crashed node) may have left VIPs behind. This node is not primary
    // of anything yet, so whatever it holds of its groups' VIPs must go.
    for (const auto& group : config_.groups)
        remove_present_vips(*addresses_, group, log_, "left over from an earlier run; not primary");
}

int Agent::run() {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal(SIGPIPE, SIG_IGN);
    signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    VIGIL_ASSERT(signal_fd_ >= 0);
    (void)loop_.watch(signal_fd_, [this] { on_signal(); });

    if (auto r = open_sockets(); !r) {
        log_.event(Level::error, "agent_failed", {{"error", r.error().message}});
        return kExitStartupFailed;
    }
    control_ = std::make_unique<io::UnixServer>(
        loop_, [this](const std::string& req) { return handle_control(req); });
    if (auto r = control_->listen(options_.socket_path); !r) {
        log_.event(Level::error, "agent_failed", {{"error", r.error().message}});
        return kExitStartupFailed;
    }
    serve_events();
    if (auto r = open_stores(); !r) {
        log_.event(Level::error, "agent_failed", {{"error", r.error().message}});
        return kExitStartupFailed;
    }
    if (auto r = open_http(); !r) {
        log_.event(Level::error, "agent_failed", {{"error", r.error().message}});
        return kExitStartupFailed;
    }
    // A witness never adds, removes or checks an address: nothing to watch or clean up.
    if (!witness_) {
        watch_addresses();
        remove_leftover_vips();
    }
    if (vrrp_) {
        vrrp_->remove_leftover_vips();
        if (auto r = vrrp_->start(io::monotonic_now()); !r) {
            log_.event(Level::error, "agent_failed", {{"error", r.error().message}});
            return kExitStartupFailed;
        }
    }
    log_.event(Level::info, "agent_started",
               {{"cluster", config_.cluster.name},
                {"role", witness_ ? "witness" : "full"},
                {"pid", std::to_string(getpid())},
                {"socket", options_.socket_path},
                {"links", std::to_string(sockets_.size())},
                {"groups", std::to_string(config_.groups.size())},
                {"vrrp_routers", std::to_string(config_.vrrp.size())},
                {"watchdog_ms", std::to_string(service_->watchdog_interval() / 1000)}});
    if (checks_) checks_->start(io::monotonic_now());
    feed(core::Tick{io::monotonic_now()});
    while (!stopping_) {
        auto r = loop_.run_once([this] { on_timer(); });
        if (!r) {
            log_.event(Level::error, "agent_failed", {{"error", r.error().message}});
            break;
        }
        // Group commit: the writes of this turn share one fdatasync (docs/store.md).
        end_store_round();
        // A callback may have moved a deadline without stepping the core (a child process
        // exited: the next notify run or tie-breaker probe is now due at another time).
        rearm();
    }
    // Resources that did not stop in time: a non-zero exit makes the supervisor run their
    // stops once more (resource_cleanup), as after a crash.
    return shutdown() ? 0 : kExitShutdownIncomplete;
}

void Agent::on_signal() {
    signalfd_siginfo info{};
    while (read(signal_fd_, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGHUP) {
            // The keys first, as before: a rotation needs no config change. The config
            // reload logs its own outcome (config_reloaded, config_reload_refused).
            reload_keys();
            (void)reload_config("sighup");
            continue;
        }
        log_.event(Level::info, "agent_stopping", {{"signal", std::to_string(info.ssi_signo)}});
        service_->stopping("signal " + std::to_string(info.ssi_signo) +
                           ", handing over and removing VIPs");
        stopping_ = true;
    }
}

void Agent::on_timer() {
    TimePoint now = io::monotonic_now();
    // First: the ping says the loop turns, whatever the callbacks below go on to do.
    service_->on_tick(now);
    hooks_.on_tick(now);
    fence_.on_tick(now);
    if (resources_) resources_->on_tick(now);
    if (checks_) checks_->on_tick(now);
    if (tiebreaker_) tiebreaker_->on_tick(now);
    if (control_) control_->expire(now);
    for (auto& server : http_) server->expire(now);
    tick_stores(now);
    // The core first: after a pause its lease may have ended, and an announcement of an
    // address this node no longer serves would pull clients to the wrong machine.
    if (now >= next_core_wakeup_) feed(core::Tick{now});
    send_announcements(io::monotonic_now());
    if (vrrp_) vrrp_->on_timer(io::monotonic_now());
    if (now >= next_vip_check_) {
        next_vip_check_ = now + ms(1000);
        on_addresses_changed();
    }
    // Readiness also turns on time alone (a dead time without news of a primary).
    if (!service_->ready()) update_service(io::monotonic_now());
    rearm();
}

void Agent::on_addresses_changed() {
    if (monitor_) monitor_->drain();
    if (witness_) return;
    if (vrrp_) vrrp_->on_addresses_changed(io::monotonic_now());
    // Whatever changed, check the VIPs this node must hold; netlink is cheap at this scale.
    // Only under a valid lease: after a pause the core has not yet stepped, and a VIP the
    // supervisor's lease watchdog removed meanwhile must stay removed.
    const TimePoint now = io::monotonic_now();
    for (std::size_t g = 0; g < config_.groups.size(); ++g) {
        if (!node_.acting_primary(g, now)) {
            remove_stray_vips(g);
            continue;
        }
        for (std::size_t v = 0; v < config_.groups[g].vips.size(); ++v) {
            auto present = addresses_->present(config_.groups[g].vips[v]);
            if (present && !*present) {
                counters_.vips_readded++;
                log_.event(Level::warn, "vip_lost",
                           {{"group", config_.groups[g].name},
                            {"vip", config_.groups[g].vips[v].cidr()},
                            {"action", "re-adding and announcing"},
                            {"epoch", std::to_string(node_.epoch(g))}});
                feed(core::VipLost{now, g, v});
            }
        }
    }
}

void Agent::remove_stray_vips(std::size_t g) {
    // A VIP on a node that is not primary of its group: a removal that failed on demotion,
    // or an address someone added by hand. Two nodes answering for it is worse than none.
    remove_present_vips(*addresses_, config_.groups[g], log_, "held while not primary");
}

void Agent::feed(const core::Event& event) {
    TimePoint now = std::visit([](const auto& e) { return e.now; }, event);
    // Checks count for VRRP routers too (their weights); the core sees them first.
    core::Actions actions = node_.step(event);
    perform(actions, now);
    if (vrrp_)
        if (const auto* check = std::get_if<core::CheckResult>(&event)) vrrp_->on_check(*check);
}

void Agent::perform(const core::Actions& actions, TimePoint now) {
    // A witness holds no group: the core never asks it to touch an address or fence a node.
    VIGIL_ASSERT(!witness_ || actions.vip_changes.empty());
    VIGIL_ASSERT(!witness_ || actions.fences.empty());
    // 0. The durable state first, above all before the heartbeat that carries a vote.
    if (actions.persist) persist(*actions.persist);
    // Leases that start or grow reach the supervisor before the VIPs are added.
    report_leases(/*before_actions=*/true);
    // Timelines start at the promotion, before the VIPs they will record.
    for (const auto& change : actions.role_changes)
        if (change.to == Role::primary) {
            Timeline& t = timelines_[change.group];
            failovers_.archive(config_.groups[change.group].name, std::move(t));
            t = Timeline{};
            t.epoch = change.epoch;
            t.reason = change.reason;
            t.from = change.replaced_primary;
            t.to = config_.nodes[self_].name;
            t.promoted_at = now;
            t.promoted_realtime_us = io::realtime_us();
            // The burst, plus a second for slow VIP adds and hooks: then the timeline closes.
            t.open_until = now + ms(std::int64_t{config_.cluster.announce_count} *
                                        config_.cluster.announce_interval_ms +
                                    1000);
            if (change.previous_primary) {
                t.add(change.previous_last_heard, *change.previous_primary + " last heard");
                t.add(change.previous_declared_dead, *change.previous_primary + " declared dead");
            }
            t.add(now, "promoted to primary (epoch " + std::to_string(change.epoch) + ")");
        }
    for (const auto& p : actions.peer_changes) {
        std::vector<LogField> fields = {{"peer", config_.nodes[p.node].name}};
        if (p.link) {
            fields.push_back({"link", std::to_string(*p.link)});
            fields.push_back({"address", config_.nodes[p.node].addresses[*p.link]});
        }
        fields.push_back({"reason", p.reason});
        log_.event(
            p.alive ? Level::info : Level::warn,
            p.link ? (p.alive ? "link_up" : "link_down") : (p.alive ? "peer_up" : "peer_down"),
            std::move(fields));
    }
    for (const auto& change : actions.role_changes) log_role_change(change);
    for (const auto& change : actions.vip_changes) apply_vip_change(change);
    for (const auto& a : actions.announcements) announces_.start(now, a.group, a.vip);
    send_announcements(now);
    if (actions.send_heartbeat) send_heartbeats();
    for (const auto& change : actions.role_changes) notify_role_change(change);
    for (const auto& request : actions.fences) fence_.start(now, request);
    for (const auto& command : actions.resource_commands) resources_->run(now, command);
    // Leases that end or shrink reach the supervisor once the VIPs are gone.
    report_leases(/*before_actions=*/false);
    next_core_wakeup_ = actions.next_wakeup;
    // The stores follow the roles just carried out (after the VIPs and the heartbeat).
    update_stores(now);
    update_service(now);
    rearm();
}

void Agent::update_service(TimePoint now) {
    vips_added_.resize(config_.groups.size());
    std::vector<bool> held(config_.groups.size());
    for (std::size_t g = 0; g < held.size(); ++g)
        held[g] = std::count(vips_added_[g].begin(), vips_added_[g].end(), true) ==
                  static_cast<std::ptrdiff_t>(config_.groups[g].vips.size());
    const core::NodeStatus status = node_.status();
    // require_quorum routers (docs/vrrp.md): the quorum as the core counts it now.
    if (vrrp_) vrrp_->on_quorum(now, status.voters_alive >= status.quorum);
    service_->update(now, status, held);
}

void Agent::note_vip_added(std::size_t group, std::size_t vip, bool added) {
    // Sized from the config in force, which a reload may have changed since the start.
    vips_added_.resize(config_.groups.size());
    vips_added_[group].resize(config_.groups[group].vips.size(), false);
    if (vip < vips_added_[group].size()) vips_added_[group][vip] = added;
}

void Agent::persist(const core::DurableState& state) {
    auto r = state_file_.save(state);
    if (r) return;
    // docs/state.md: without a durable record the node may not vote, so it stops here,
    // before anything of this step (the heartbeat with the vote above all) is carried out.
    log_.event(Level::error, "state_write_failed",
               {{"file", state_file_.path()},
                {"error", r.error().message},
                {"effect", "agent stops; its VIPs are removed"}});
    // Removing addresses sends nothing and is the safe direction; the supervisor does it
    // too, but an agent run with --no-supervisor has none.
    if (!witness_)
        for (const auto& group : config_.groups)
            remove_present_vips(*addresses_, group, log_, "agent stopping: state write failed");
    std::fflush(nullptr);
    _exit(kExitStateWriteFailed);
}

std::vector<std::int64_t> Agent::lease_truth() const {
    std::vector<std::int64_t> truth(config_.groups.size(), kNotPrimary);
    for (std::size_t g = 0; g < truth.size(); ++g) {
        if (node_.role(g) != Role::primary) continue;
        TimePoint expiry = node_.lease_expiry(g);
        truth[g] = expiry.is_never() ? kUnbounded : expiry.us;
    }
    return truth;
}

void Agent::report_leases(bool before_actions) {
    if (options_.lease_fd < 0 || lease_pipe_broken_) return;
    const auto truth = lease_truth();
    const auto records = before_actions ? lease_reporter_.before_actions(truth)
                                        : lease_reporter_.after_actions(truth);
    for (const auto& record : records) {
        const auto bytes = encode_lease(record);
        // Non-blocking, and atomic (16 bytes < PIPE_BUF): all or nothing.
        const ssize_t n = write(options_.lease_fd, bytes.data(), bytes.size());
        if (n == static_cast<ssize_t>(bytes.size())) {
            lease_reporter_.delivered(record);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            counters_.lease_records_deferred++;  // sent again after the next step
            continue;
        }
        // The supervisor is gone; PR_SET_PDEATHSIG is stopping this agent.
        log_.event(Level::error, "lease_pipe_failed",
                   {{"error", n < 0 ? std::strerror(errno) : "short write"}});
        lease_pipe_broken_ = true;
        return;
    }
}

void Agent::apply_vip_change(const VipChange& change) {
    const auto& vip = config_.groups[change.group].vips[change.vip];
    const std::string& group = config_.groups[change.group].name;
    bool add = change.kind == VipChange::Kind::add;
    if (!add) announces_.cancel_group(change.group);
    // The step checked the lease at its own `now`; a slow fsync or a pause since may have
    // outlived it. Never add an address past the lease: the next step demotes.
    if (add && !node_.acting_primary(change.group, io::monotonic_now())) {
        log_.event(Level::warn, "vip_add_skipped",
                   {{"group", group}, {"vip", vip.cidr()}, {"reason", "lease ended"}});
        return;
    }
    auto r = add ? addresses_->add(vip) : addresses_->remove(vip);
    TimePoint done = io::monotonic_now();
    if (!r) {
        log_.event(Level::error, add ? "vip_add_failed" : "vip_remove_failed",
                   {{"group", group},
                    {"vip", vip.cidr()},
                    {"interface", vip.interface},
                    {"error", r.error().message}});
        if (add) timelines_[change.group].add(done, "vip " + vip.cidr() + " add FAILED");
        return;
    }
    note_vip_added(change.group, change.vip, add);
    log_.event(Level::info, add ? "vip_added" : "vip_removed",
               {{"group", group},
                {"vip", vip.cidr()},
                {"interface", vip.interface},
                {"epoch", std::to_string(node_.epoch(change.group))}});
    if (add) timelines_[change.group].add(done, "vip " + vip.cidr() + " added");
}

void Agent::send_announcements(TimePoint now) {
    for (const auto& due : announces_.due(now)) {
        const auto& vip = config_.groups[due.group].vips[due.vip];
        if (!node_.acting_primary(due.group, now)) {  // the burst outlived the lease
            announces_.cancel_group(due.group);
            continue;
        }
        auto r = announcer_->announce(vip);
        TimePoint done = io::monotonic_now();
        std::string what = std::string(vip.ipv6 ? "unsolicited NA" : "gratuitous ARP") + " " +
                           std::to_string(due.number) + "/" + std::to_string(due.count) + " for " +
                           vip.address;
        if (!r) {
            log_.event(Level::error, "announce_failed",
                       {{"group", config_.groups[due.group].name},
                        {"vip", vip.cidr()},
                        {"error", r.error().message}});
            continue;
        }
        counters_.announcements++;
        if (due.number == 1)  // one line per burst; the timeline has every announcement
            log_.event(Level::info, "vip_announced",
                       {{"group", config_.groups[due.group].name},
                        {"vip", vip.cidr()},
                        {"interface", vip.interface},
                        {"count", std::to_string(due.count)},
                        {"epoch", std::to_string(node_.epoch(due.group))}});
        timelines_[due.group].add(done, what + " sent");
    }
}

void Agent::send_heartbeats() {
    wire::Heartbeat hb = node_.heartbeat();
    std::copy_n(config_.digest.begin(), wire::kDigestBytes, hb.config_digest.begin());
    hb.boot_id = boot_id_;
    for (std::size_t l = 0; l < sockets_.size(); ++l) {
        hb.link = static_cast<std::uint8_t>(l);
        for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
            if (n == self_) continue;
            hb.seq = ++seq_;
            auto bytes = wire::encode(hb, keys_);
            if (sockets_[l].send_to(peers_[n][l], bytes))
                counters_.sent++;
            else
                counters_.send_errors++;  // a dead link; the failure detector sees it
        }
    }
}

void Agent::log_role_change(const core::RoleChange& change) {
    roles_[change.group] = change.to;
    // VIPs count towards readiness only once added in this term as primary.
    if (change.to != Role::primary)
        for (std::size_t v = 0; v < config_.groups[change.group].vips.size(); ++v)
            note_vip_added(change.group, v, false);
    log_.event(Level::info, "role_change",
               {{"group", config_.groups[change.group].name},
                {"from", core::role_name(change.from)},
                {"to", core::role_name(change.to)},
                {"epoch", std::to_string(change.epoch)},
                {"reason", change.reason}});
}

void Agent::notify_role_change(const core::RoleChange& change) {
    const auto& group = config_.groups[change.group];
    if (!group.notify.empty() && !witness_)
        notify_.push(io::monotonic_now(), group.name, group.notify, core::role_name(change.to),
                     change.epoch);
}

void Agent::rearm() {
    TimePoint next = next_core_wakeup_;
    next = std::min(next, announces_.next_deadline());
    next = std::min(next, hooks_.next_deadline());
    next = std::min(next, fence_.next_deadline());
    if (resources_) next = std::min(next, resources_->next_deadline());
    if (checks_) next = std::min(next, checks_->next_deadline());
    if (tiebreaker_) next = std::min(next, tiebreaker_->next_deadline());
    next = std::min(next, next_vip_check_);
    if (control_) next = std::min(next, control_->next_deadline());
    for (const auto& server : http_) next = std::min(next, server->next_deadline());
    next = std::min(next, stores_deadline());
    next = std::min(next, service_->next_deadline());
    if (vrrp_) next = std::min(next, vrrp_->next_deadline());
    loop_.wake_at(next);
}

// docs/resources.md: a graceful stop stops the resources (in reverse order), then hands
// the group over. The loop keeps running meanwhile (heartbeats renew the lease, results
// arrive); it is bounded by the stops' own timeouts, each of which kills its command.
bool Agent::wait_for_resources_to_stop(TimePoint now) {
    Micros bound = ms(500);
    for (const auto& r : config_.resources) bound += 2 * ms(r.timeout_ms);
    const TimePoint give_up = now + bound;
    while (!node_.shutdown_complete() && io::monotonic_now() < give_up) {
        rearm();  // the core's next tick is at most a heartbeat interval away
        auto r = loop_.run_once([this] { on_timer(); });
        if (!r) break;
    }
    if (node_.shutdown_complete()) return true;
    log_.event(Level::error, "shutdown_incomplete",
               {{"detail", "resources did not stop in time; leaving anyway"}});
    return false;
}

bool Agent::shutdown() {
    TimePoint now = io::monotonic_now();
    // VRRP first: its masters' priority-0 adverts let the backups take over at once.
    if (vrrp_) vrrp_->shutdown(now);
    feed(core::Shutdown{now});
    const bool stopped = wait_for_resources_to_stop(now);
    send_heartbeats();  // the goodbye once more, in case the first datagram was lost
    if (!witness_) {
        for (std::size_t g = 0; g < config_.groups.size(); ++g)
            for (const auto& vip : config_.groups[g].vips) (void)addresses_->remove(vip);
        // The VRRP routers removed theirs on leaving master; once more, as for the groups.
        if (vrrp_)
            for (const auto& router : config_.vrrp)
                if (router.priority[self_])
                    for (const auto& vip : router.vips) (void)addresses_->remove(vip);
    }
    // Let the last notify hooks run: they may record that this node stopped. Each run is
    // bounded by notify_timeout_ms; allow the running one and the one queued by shutdown.
    TimePoint give_up = now + 2 * ms(config_.cluster.notify_timeout_ms) + ms(100);
    while (!notify_.idle() && io::monotonic_now() < give_up) {
        // The watchdog pings go on: systemd may still be watching (docs/systemd.md).
        loop_.wake_at(std::min({give_up, hooks_.next_deadline(), service_->next_deadline()}));
        (void)loop_.run_once([this] {
            hooks_.on_tick(io::monotonic_now());
            service_->on_tick(io::monotonic_now());
        });
    }
    log_.event(Level::info, "agent_stopped", {});
    return stopped;
}

}  // namespace vigil::daemon
