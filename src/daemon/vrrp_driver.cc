// VrrpDriver: sockets, addresses and hooks for core::VrrpSet (see vrrp_driver.h).
#include "daemon/vrrp_driver.h"

#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "daemon/vip_cleanup.h"
#include "io/clock.h"

namespace vigil::daemon {

namespace {

// Packets read per wake-up of one socket before the loop serves the others: a flood on
// one interface must not starve the timers of every router.
constexpr int kReceiveBurstMax = 256;

wire::IpAddress ip_of(const std::string& literal) {
    auto ip = wire::IpAddress::parse(literal);
    VIGIL_ASSERT(ip.has_value());  // canonical literals from parse_config
    return *ip;
}

}  // namespace

bool VrrpDriver::wanted(const core::Config& config, std::size_t self) {
    if (config.nodes[self].witness) return false;
    for (const auto& r : config.vrrp)
        if (r.priority[self]) return true;
    return false;
}

VrrpDriver::VrrpDriver(const core::Config& config, std::size_t self, io::EventLoop& loop,
                       io::Addresses& addresses, io::Announcer& announcer, NotifyQueue& notify,
                       Logger& log)
    : config_(config),
      self_(self),
      loop_(loop),
      addresses_(addresses),
      announcer_(announcer),
      notify_(notify),
      log_(log),
      set_(config, self, log),
      socket_of_(config.vrrp.size(), -1),
      addresses_of_(config.vrrp.size()),
      peers_of_(config.vrrp.size()),
      announces_(config.cluster.announce_count, ms(config.cluster.announce_interval_ms)) {
    for (std::size_t r = 0; r < config.vrrp.size(); ++r) {
        for (const auto& vip : config.vrrp[r].vips) addresses_of_[r].push_back(ip_of(vip.address));
        for (const auto& peer : config.vrrp[r].unicast_peers) peers_of_[r].push_back(ip_of(peer));
    }
}

VrrpDriver::~VrrpDriver() {
    for (auto& s : sockets_) loop_.unwatch(s.socket.fd());
}

void VrrpDriver::remove_leftover_vips() {
    for (const auto& router : config_.vrrp)
        if (router.priority[self_])
            remove_present_vips(addresses_, router, log_, "left over from an earlier run; not master");
}

std::vector<wire::IpAddress> VrrpDriver::vip_addresses_on(const std::string& interface,
                                                         bool ipv6) const {
    // Every VIP this file may put on the interface: none of them may become the source of
    // the adverts (a VIP moves; the source must be the node's own address).
    std::vector<wire::IpAddress> out;
    for (const auto& g : config_.groups)
        for (const auto& v : g.vips)
            if (v.interface == interface && v.ipv6 == ipv6) out.push_back(ip_of(v.address));
    for (const auto& r : config_.vrrp)
        for (const auto& v : r.vips)
            if (v.interface == interface && v.ipv6 == ipv6) out.push_back(ip_of(v.address));
    return out;
}

Result<void> VrrpDriver::start(TimePoint now) {
    std::map<std::pair<std::string, bool>, std::size_t> index;
    for (std::size_t r = 0; r < config_.vrrp.size(); ++r) {
        const auto& rc = config_.vrrp[r];
        if (!rc.priority[self_]) continue;
        auto key = std::make_pair(rc.interface, rc.ipv6);
        auto it = index.find(key);
        if (it == index.end()) {
            auto socket = io::VrrpSocket::open(rc.interface, rc.ipv6);
            if (!socket)
                return Error::io("vrrp3 group " + rc.name + ": " + socket.error().message);
            Socket s{std::move(*socket), {}};
            s.by_vrid.fill(-1);
            sockets_.push_back(std::move(s));
            it = index.emplace(key, sockets_.size() - 1).first;
        }
        socket_of_[r] = static_cast<std::int32_t>(it->second);
        sockets_[it->second].by_vrid[static_cast<std::size_t>(rc.vrid)] = static_cast<std::int32_t>(r);
    }
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        auto watched = loop_.watch(sockets_[i].socket.fd(), [this, i] { on_readable(i); });
        if (!watched) return watched.error();
    }
    on_addresses_changed(now);  // the sources, before the routers start
    for (const auto& s : sockets_)
        log_.event(Level::info, "vrrp_socket",
                   {{"interface", s.socket.interface()},
                    {"family", s.socket.ipv6() ? "ipv6" : "ipv4"},
                    {"source", s.socket.source() ? s.socket.source()->to_string() : "none yet"}});
    step(core::VrrpStartup{now});
    return {};
}

void VrrpDriver::on_addresses_changed(TimePoint now) {
    for (auto& s : sockets_) {
        const auto before = s.socket.source();
        const auto after =
            s.socket.refresh_source(vip_addresses_on(s.socket.interface(), s.socket.ipv6()));
        if (after && after != before)
            step(core::VrrpLocalAddress{now, s.socket.interface(), *after});
    }
    // A master's VIP that someone removed is put back and announced (as for vigil groups).
    for (std::size_t r = 0; r < config_.vrrp.size(); ++r) {
        if (set_.status(r).state != core::VrrpState::master) continue;
        bool readd = false;
        for (const auto& vip : config_.vrrp[r].vips) {
            auto present = addresses_.present(vip);
            if (present && !*present) readd = true;
        }
        if (!readd) continue;
        log_.event(Level::warn, "vip_lost",
                   {{"group", config_.vrrp[r].name}, {"action", "re-adding and announcing"}});
        set_vips(r, true);
        for (std::size_t v = 0; v < config_.vrrp[r].vips.size(); ++v) announces_.start(now, r, v);
    }
}

void VrrpDriver::on_timer(TimePoint now) {
    if (now >= next_core_) step(core::VrrpTick{now});
    send_announcements(now);
}

TimePoint VrrpDriver::next_deadline() const {
    return std::min(next_core_, announces_.next_deadline());
}

void VrrpDriver::on_check(const core::CheckResult& result) {
    step(result);
}

void VrrpDriver::on_quorum(TimePoint now, bool held) {
    if (quorum_ == held) return;
    quorum_ = held;
    step(core::VrrpQuorum{now, held});
}

void VrrpDriver::shutdown(TimePoint now) {
    step(core::VrrpShutdown{now});
}

void VrrpDriver::step(const core::VrrpEvent& event) {
    const TimePoint now = std::visit([](const auto& e) { return e.now; }, event);
    perform(set_.step(event), now);
}

void VrrpDriver::perform(const core::VrrpActions& actions, TimePoint now) {
    // 1. Addresses (a leaving master's go before its priority-0 advert below).
    for (const auto& change : actions.vip_changes) {
        const bool add = change.kind == core::VipChange::Kind::add;
        if (!add) announces_.cancel_group(change.router);
        set_vips(change.router, add);
    }
    // 2. Announcements: the first of each burst goes out now.
    for (std::size_t r : actions.announcements)
        for (std::size_t v = 0; v < config_.vrrp[r].vips.size(); ++v) announces_.start(now, r, v);
    send_announcements(now);
    // 3. Adverts.
    for (const auto& s : actions.sends) send(s);
    // 4. Logs and hooks.
    for (const auto& c : actions.state_changes) {
        const auto& rc = config_.vrrp[c.router];
        log_.event(c.to == core::VrrpState::fault ? Level::warn : Level::info, "vrrp_state",
                   {{"group", rc.name},
                    {"vrid", std::to_string(rc.vrid)},
                    {"interface", rc.interface},
                    {"from", core::vrrp_state_name(c.from)},
                    {"to", core::vrrp_state_name(c.to)},
                    {"priority", std::to_string(c.priority)},
                    {"reason", c.reason}});
        if (!rc.notify.empty())
            notify_.push(now, rc.name, rc.notify, core::vrrp_state_name(c.to),
                         static_cast<std::uint64_t>(c.priority));
    }
    next_core_ = actions.next_wakeup;
}

void VrrpDriver::set_vips(std::size_t router, bool add) {
    const auto& rc = config_.vrrp[router];
    for (const auto& vip : rc.vips) {
        auto r = add ? addresses_.add(vip) : addresses_.remove(vip);
        if (!r) counters_.vip_errors++;
        log_.event(r ? Level::info : Level::error, add ? "vip_added" : "vip_removed",
                   r ? std::vector<LogField>{{"group", rc.name}, {"vip", vip.cidr()}}
                     : std::vector<LogField>{{"group", rc.name},
                                             {"vip", vip.cidr()},
                                             {"error", r.error().message}});
    }
}

void VrrpDriver::send_announcements(TimePoint now) {
    for (const auto& due : announces_.due(now)) {
        const auto& vip = config_.vrrp[due.group].vips[due.vip];
        if (auto r = announcer_.announce(vip); !r && due.number == 1)
            log_.event(Level::warn, "announce_failed",
                       {{"group", config_.vrrp[due.group].name},
                        {"vip", vip.cidr()},
                        {"error", r.error().message}});
    }
}

void VrrpDriver::send(const core::VrrpSend& s) {
    const auto& rc = config_.vrrp[s.router];
    Socket& sock = sockets_[static_cast<std::size_t>(socket_of_[s.router])];
    const auto source = sock.socket.source();
    if (!source) {
        counters_.send_errors++;  // no address on the interface yet: nothing can be sent
        return;
    }
    wire::VrrpAdvertisement advert;
    advert.vrid = static_cast<std::uint8_t>(rc.vrid);
    advert.priority = s.priority;
    advert.max_advert_int_cs = static_cast<std::uint16_t>(rc.advert_interval_cs);
    advert.addresses = addresses_of_[s.router];
    auto send_to = [&](const wire::IpAddress& destination) {
        const auto bytes = wire::encode_vrrp(advert, *source, destination);
        if (auto r = sock.socket.send(destination, bytes); r)
            counters_.sent++;
        else
            counters_.send_errors++;
    };
    if (peers_of_[s.router].empty()) {
        send_to(rc.ipv6 ? wire::IpAddress::v6(wire::kVrrpMulticastV6)
                        : wire::IpAddress::v4(wire::kVrrpMulticastV4));
    } else {
        // The importer lists every node's address, this one's too: not to ourselves.
        for (const auto& peer : peers_of_[s.router])
            if (peer != *source) send_to(peer);
    }
}

void VrrpDriver::on_readable(std::size_t index) {
    Socket& s = sockets_[index];
    const TimePoint now = io::monotonic_now();
    for (int n = 0; n < kReceiveBurstMax; ++n) {
        auto packet = s.socket.receive();
        if (!packet) {
            counters_.dropped[static_cast<std::size_t>(wire::VrrpDrop::too_short)]++;
            continue;
        }
        if (!packet->has_value()) return;
        const auto& p = **packet;
        counters_.received++;
        auto drop = [&](wire::VrrpDrop reason) {
            counters_.dropped[static_cast<std::size_t>(reason)]++;
        };
        if (p.ttl != wire::kVrrpTtl) {  // RFC 9568 §7.1: from off-link, or forged
            drop(wire::VrrpDrop::bad_ttl);
            continue;
        }
        if (s.socket.source() && p.source == *s.socket.source()) {
            drop(wire::VrrpDrop::own_packet);
            continue;
        }
        auto decoded = wire::decode_vrrp(p.payload, p.source, p.destination);
        if (!decoded.advert) {
            drop(decoded.reason);
            continue;
        }
        const auto router = s.by_vrid[decoded.advert->vrid];
        if (router < 0) {
            drop(wire::VrrpDrop::unknown_vrid);
            continue;
        }
        counters_.accepted++;
        step(core::VrrpAdvertReceived{now, static_cast<std::size_t>(router), p.source,
                                      decoded.advert->priority, decoded.advert->max_advert_int_cs,
                                      decoded.advert->addresses.size()});
    }
}

nlohmann::json VrrpDriver::status_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t r = 0; r < config_.vrrp.size(); ++r) {
        const auto& rc = config_.vrrp[r];
        const auto st = set_.status(r);
        nlohmann::json vips = nlohmann::json::array();
        for (const auto& v : rc.vips) vips.push_back(v.cidr());
        nlohmann::json j = {{"name", rc.name},
                            {"vrid", rc.vrid},
                            {"interface", rc.interface},
                            {"family", rc.ipv6 ? "ipv6" : "ipv4"},
                            {"active", st.active},
                            {"state", core::vrrp_state_name(st.state)},
                            {"priority", st.priority},
                            {"configured_priority", st.configured_priority},
                            {"advert_interval_ms", rc.advert_interval_cs * 10},
                            {"vips", vips},
                            {"became_master", st.became_master},
                            {"adverts_received", st.adverts_received}};
        if (!st.master.is_zero()) {
            j["master"] = st.master.to_string();
            j["master_priority"] = st.master_priority;
        }
        if (!rc.sync_group.empty()) j["sync_group"] = rc.sync_group;
        if (!st.fault.empty()) j["fault"] = st.fault;
        if (st.waiting_for_sync_group) j["waiting_for_sync_group"] = true;
        if (rc.require_quorum) j["require_quorum"] = true;
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace vigil::daemon
