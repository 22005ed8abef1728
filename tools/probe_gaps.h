// What both modes of vigil-probe share (tools/probe.cc: ICMP echo, tools/probe_tcp.cc: TCP
// answers): the monotonic clock, and the record of gaps between consecutive answers, which
// is the outage a client saw. A gap counts from one answer to the next; an outage still
// running when the probe stops is recorded as an open gap.
#pragma once

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace vigil::probe {

constexpr std::int64_t kNsPerMs = 1000000;
constexpr std::int64_t kGapIntervals = 3;  // a gap is > 3 intervals without an answer
constexpr std::size_t kGapsMax = 10000;    // bounded output; gap_count stays exact

inline std::int64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
inline timespec to_timespec(std::int64_t ns) {
    return {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}
inline double ms(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

// after_ns: when the gap began (the last answer before it), from start; open: still running
// when the probe stopped.
struct Gap {
    std::int64_t after_ns, length_ns;
    bool open;
};

struct GapLog {
    std::int64_t start_ns = 0, interval_ms = 1, max_gap_ns = 0;
    std::uint64_t gap_count = 0;
    std::vector<Gap> gaps;

    void record(std::int64_t from_ns, std::int64_t to_ns, bool open) {
        // max_gap counts every interval, so an outage under the gap threshold still shows.
        std::int64_t length = to_ns - from_ns;
        max_gap_ns = std::max(max_gap_ns, length);
        if (length <= kGapIntervals * interval_ms * kNsPerMs) return;
        ++gap_count;
        if (gaps.size() < kGapsMax) gaps.push_back({from_ns - start_ns, length, open});
    }

    // The JSON array of gaps, as the scripts read it ("ms":X,"open":true for the last one).
    void print_json() const {
        std::printf("[");
        for (std::size_t i = 0; i < gaps.size(); ++i)
            std::printf("%s{\"after_ms\":%.3f,\"ms\":%.3f%s}", i ? "," : "", ms(gaps[i].after_ns),
                        ms(gaps[i].length_ns), gaps[i].open ? ",\"open\":true" : "");
        std::printf("]");
    }
};

}  // namespace vigil::probe
