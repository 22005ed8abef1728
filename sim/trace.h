// Trace: what happened in a run, as readable lines, kept in bounded ring buffers so that a
// violation can show how the cluster got there (STYLE.md §9: bounded; a run has millions of
// events). Two rings: notable events (faults, role and peer changes, VIP changes, admin
// commands, fences) reach further back, routine ones (heartbeat deliveries and ticks that
// changed nothing, dropped datagrams) give the fine detail of the last moments. Every line
// also feeds a running hash, so two runs of a seed can be compared cheaply.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace vigil::sim {

constexpr std::size_t kNoNode = static_cast<std::size_t>(-1);

class Trace {
public:
    static constexpr std::size_t kNotableMax = 200;
    static constexpr std::size_t kRoutineMax = 60;

    // Node names, for the line prefix.
    explicit Trace(std::vector<std::string> node_names);

    // Records one line. `node` = kNoNode for cluster-wide events (faults, heal); `local` is
    // that node's clock. The text is copied into a preallocated slot: no allocation once
    // the slots have grown to their working size.
    void add(bool notable, Micros real, std::size_t node, TimePoint local, std::string_view text);

    // printf-style convenience; the line is truncated at 400 bytes.
    template <typename... Args>
    void addf(bool notable, Micros real, std::size_t node, TimePoint local, const char* fmt,
              Args... args);

    // When set, every line is also passed to `sink` as it is recorded (--trace).
    void set_sink(std::function<void(std::string_view)> sink) { sink_ = std::move(sink); }

    // A hash over every line recorded so far, in order.
    std::uint64_t hash() const { return hash_; }
    std::uint64_t lines() const { return count_; }

    // The retained lines of both rings, merged in the order they happened.
    std::string dump() const;

private:
    struct Entry {
        std::uint64_t index = 0;
        std::string line;  // formatted, with the time and node prefix
    };
    struct Ring {
        std::vector<Entry> entries;
        std::size_t next = 0;  // the slot to overwrite
        std::size_t used = 0;
    };

    void format_prefix(Micros real, std::size_t node, TimePoint local);
    void push(Ring& ring);
    void mix(std::string_view line);

    std::vector<std::string> names_;
    Ring notable_;
    Ring routine_;
    std::string scratch_;  // the line being built
    std::function<void(std::string_view)> sink_;
    std::uint64_t hash_ = 0;
    std::uint64_t count_ = 0;
};

int trace_format(char* buf, std::size_t size, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

// Builds one line of text in a fixed buffer, truncating at its size: for the lines written
// on every step (deliveries, sends, ticks), where printf dominated the simulator's profile.
class TraceLine {
public:
    TraceLine& text(std::string_view s) {
        std::size_t n = std::min(s.size(), sizeof buf_ - len_);
        s.copy(buf_ + len_, n);
        len_ += n;
        return *this;
    }
    TraceLine& number(std::uint64_t v) {
        char digits[20];
        std::size_t n = 0;
        do digits[n++] = static_cast<char>('0' + v % 10), v /= 10;
        while (v > 0);
        while (n > 0 && len_ < sizeof buf_) buf_[len_++] = digits[--n];
        return *this;
    }
    std::string_view view() const { return {buf_, len_}; }

private:
    char buf_[400];
    std::size_t len_ = 0;
};

template <typename... Args>
void Trace::addf(bool notable, Micros real, std::size_t node, TimePoint local, const char* fmt,
                 Args... args) {
    char buf[400];
    int n = trace_format(buf, sizeof buf, fmt, args...);
    std::size_t len =
        n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1);
    add(notable, real, node, local, std::string_view(buf, len));
}

}  // namespace vigil::sim
