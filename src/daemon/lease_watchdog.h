// The lease watchdog: the supervisor's guarantee that a paused primary never keeps acting.
// The core lets a node act as primary of a group only until its lease expires; a running
// agent demotes and removes the VIPs itself. An agent that is stopped (SIGSTOP, a hung
// disk, a VM paused) cannot, so it tells its supervising parent, over a pipe, until when it
// may hold each group, and the supervisor removes a group's VIPs itself when that instant
// passes without news. Both processes read io::monotonic_now (CLOCK_BOOTTIME), so instants compare directly.
//
// The pipe carries fixed 16-byte records (atomic: below PIPE_BUF), written non-blocking by
// the agent. This file holds the pure parts, unit-tested: the record, what the agent sends
// when (LeaseReporter) and what the supervisor concludes (LeaseWatchdog). The I/O is in
// agent.cc (writing) and supervisor.cc (reading, polling, removing).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/time.h"

namespace vigil::daemon {

// Until when the agent may hold a group's VIPs, as one ordered number: kNotPrimary (hold
// nothing) < a CLOCK_BOOTTIME instant in µs < kUnbounded (primary with no lease to
// watch: two_node). "Larger" always means "may hold the VIPs for longer".
constexpr std::int64_t kNotPrimary = INT64_MIN;
constexpr std::int64_t kUnbounded = INT64_MAX;

struct LeaseRecord {
    std::uint32_t group = 0;
    std::int64_t held_until_us = kNotPrimary;
    bool operator==(const LeaseRecord&) const = default;
};

constexpr std::size_t kLeaseRecordBytes = 16;
std::array<std::uint8_t, kLeaseRecordBytes> encode_lease(const LeaseRecord& record);
// nullopt if the bytes are not a record (wrong magic).
std::optional<LeaseRecord> decode_lease(const std::uint8_t* bytes);

// Agent side. The supervisor must never believe a group may be held longer than it really
// may (it would then leave VIPs on a paused node), and should not believe it shorter (it
// would remove VIPs from a healthy primary). So:
//  - a lease that starts or grows is sent BEFORE the step's actions (before the VIPs are
//    added): if the agent stops right after adding them, the supervisor already knows;
//  - a lease that ends or shrinks is sent AFTER the actions (after the VIPs are removed):
//    until then the supervisor keeps watching the longer one, which is still the truth
//    about the VIPs;
//  - a record that could not be written (pipe full) is not marked as told and is sent again
//    after the next step, so the supervisor converges on the truth. Records are absolute
//    values, so a lost or repeated one never accumulates an error.
class LeaseReporter {
public:
    explicit LeaseReporter(std::size_t group_count) : told_(group_count, kNotPrimary) {}
    // The records to send now, given the truth after a step (`held_until_us` per group).
    std::vector<LeaseRecord> before_actions(const std::vector<std::int64_t>& truth) const;
    std::vector<LeaseRecord> after_actions(const std::vector<std::int64_t>& truth) const;
    // The supervisor received this record.
    void delivered(const LeaseRecord& record) { told_[record.group] = record.held_until_us; }

private:
    std::vector<std::int64_t> told_;  // what the supervisor was last told, per group
};

// Supervisor side: the records received, and which groups' leases ran out.
class LeaseWatchdog {
public:
    // grace: how long past a lease's end to wait before acting. A healthy agent demotes at
    // the end itself and tells us; acting at the same instant races it. Half the lease
    // margin keeps the VIPs' removal within the margin the lease arithmetic allows for.
    explicit LeaseWatchdog(std::size_t group_count, Micros grace = 0)
        : groups_(group_count), grace_(grace) {}
    // False (and ignored) if the record names no configured group.
    bool apply(const LeaseRecord& record);
    // The groups whose lease ran out at or before `now`: each is returned when it runs out,
    // then every 100 ms while no newer record arrives (removing VIPs that are absent is a
    // no-op, and logs nothing).
    std::vector<std::size_t> expire(TimePoint now);
    // The earliest instant at which expire() will return a group; never if none.
    TimePoint next_deadline() const;

private:
    static constexpr std::int64_t kRecheck = 100'000;  // µs between removals while expired
    struct Group {
        std::int64_t held_until_us = kNotPrimary;
        std::int64_t next_check_us = kNotPrimary;  // not before this instant
    };
    static bool watched(const Group& g);
    std::int64_t due_us(const Group& g) const {
        return std::max(g.held_until_us + grace_, g.next_check_us);
    }
    std::vector<Group> groups_;
    Micros grace_;
};

}  // namespace vigil::daemon
