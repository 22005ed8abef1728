#include "daemon/lease_watchdog.h"

#include <cstring>

namespace vigil::daemon {

namespace {
constexpr std::uint32_t kLeaseMagic = 0x76676c73;  // "vgls"
}

std::array<std::uint8_t, kLeaseRecordBytes> encode_lease(const LeaseRecord& record) {
    // Host byte order: both ends are the same binary on the same host.
    std::array<std::uint8_t, kLeaseRecordBytes> out{};
    std::memcpy(out.data(), &kLeaseMagic, 4);
    std::memcpy(out.data() + 4, &record.group, 4);
    std::memcpy(out.data() + 8, &record.held_until_us, 8);
    return out;
}

std::optional<LeaseRecord> decode_lease(const std::uint8_t* bytes) {
    std::uint32_t magic = 0;
    std::memcpy(&magic, bytes, 4);
    if (magic != kLeaseMagic) return std::nullopt;
    LeaseRecord r;
    std::memcpy(&r.group, bytes + 4, 4);
    std::memcpy(&r.held_until_us, bytes + 8, 8);
    return r;
}

std::vector<LeaseRecord> LeaseReporter::before_actions(
    const std::vector<std::int64_t>& truth) const {
    std::vector<LeaseRecord> out;
    for (std::size_t g = 0; g < told_.size() && g < truth.size(); ++g)
        if (truth[g] > told_[g]) out.push_back({static_cast<std::uint32_t>(g), truth[g]});
    return out;
}

std::vector<LeaseRecord> LeaseReporter::after_actions(
    const std::vector<std::int64_t>& truth) const {
    std::vector<LeaseRecord> out;
    for (std::size_t g = 0; g < told_.size() && g < truth.size(); ++g)
        if (truth[g] != told_[g]) out.push_back({static_cast<std::uint32_t>(g), truth[g]});
    return out;
}

bool LeaseWatchdog::apply(const LeaseRecord& record) {
    if (record.group >= groups_.size()) return false;
    Group& g = groups_[record.group];
    if (g.held_until_us != record.held_until_us) g.next_check_us = kNotPrimary;
    g.held_until_us = record.held_until_us;
    return true;
}

bool LeaseWatchdog::watched(const Group& g) {
    return g.held_until_us != kNotPrimary && g.held_until_us != kUnbounded;
}

std::vector<std::size_t> LeaseWatchdog::expire(TimePoint now) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < groups_.size(); ++i) {
        Group& g = groups_[i];
        if (!watched(g) || now.us < due_us(g)) continue;
        // Again every kRecheck while the lease stays expired: an add that raced the first
        // removal (the agent checked its lease just before it stopped) is undone too.
        g.next_check_us = now.us + kRecheck;
        out.push_back(i);
    }
    return out;
}

TimePoint LeaseWatchdog::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const Group& g : groups_)
        if (watched(g)) next = std::min(next, TimePoint{due_us(g)});
    return next;
}

}  // namespace vigil::daemon
