// Trace: ring buffers of formatted lines and the run hash. See trace.h.
#include "sim/trace.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace vigil::sim {

int trace_format(char* buf, std::size_t size, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = std::vsnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}

Trace::Trace(std::vector<std::string> node_names) : names_(std::move(node_names)) {
    notable_.entries.resize(kNotableMax);
    routine_.entries.resize(kRoutineMax);
    scratch_.reserve(512);
}

namespace {

// Appends "S.uuuuuu" (seconds, microseconds) right-aligned in `width`: integer arithmetic,
// since printf's %f dominated the simulator's profile.
void append_seconds(std::string& out, std::int64_t us, std::size_t width) {
    char buf[32];
    char* end = buf + sizeof buf;
    char* p = end;
    bool negative = us < 0;
    std::uint64_t v =
        negative ? 0 - static_cast<std::uint64_t>(us) : static_cast<std::uint64_t>(us);
    for (int i = 0; i < 6; ++i, v /= 10) *--p = static_cast<char>('0' + v % 10);
    *--p = '.';
    do {
        *--p = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v > 0);
    if (negative) *--p = '-';
    std::size_t len = static_cast<std::size_t>(end - p);
    if (len < width) out.append(width - len, ' ');
    out.append(p, len);
}

}  // namespace

// "   12.345678 n2 @1003.456789  " : real seconds, then the node and its own clock. Both
// are shown because a lease is judged on the node's clock but overlaps happen in real time.
void Trace::format_prefix(Micros real, std::size_t node, TimePoint local) {
    constexpr std::size_t kWhoWidth = 20;
    scratch_.clear();
    append_seconds(scratch_, real, 12);
    scratch_ += ' ';
    std::size_t start = scratch_.size();
    if (node == kNoNode) {
        scratch_ += "--";
    } else {
        scratch_ += names_[node];
        scratch_ += " @";
        append_seconds(scratch_, local.us, 0);
    }
    std::size_t len = scratch_.size() - start;
    scratch_.append(len < kWhoWidth ? kWhoWidth - len + 1 : 1, ' ');
}

void Trace::add(bool notable, Micros real, std::size_t node, TimePoint local,
                std::string_view text) {
    format_prefix(real, node, local);
    scratch_.append(text);
    mix(scratch_);
    if (sink_) sink_(scratch_);
    push(notable ? notable_ : routine_);
    ++count_;
}

// A word at a time (byte-wise FNV-1a was a tenth of the run time); then the length, so that
// line boundaries count.
void Trace::mix(std::string_view line) {
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    std::size_t i = 0;
    for (; i + 8 <= line.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, line.data() + i, 8);
        hash_ = (hash_ ^ w) * kMul;
        hash_ ^= hash_ >> 32;
    }
    std::uint64_t tail = line.size();
    for (; i < line.size(); ++i) tail = tail << 8 | static_cast<unsigned char>(line[i]);
    hash_ = (hash_ ^ tail) * kMul;
    hash_ ^= hash_ >> 32;
}

void Trace::push(Ring& ring) {
    Entry& e = ring.entries[ring.next];
    e.index = count_;
    e.line.assign(scratch_);  // reuses the slot's capacity
    ring.next = (ring.next + 1) % ring.entries.size();
    ring.used = std::min(ring.used + 1, ring.entries.size());
}

std::string Trace::dump() const {
    std::vector<const Entry*> all;
    all.reserve(notable_.used + routine_.used);
    for (const Ring* ring : {&notable_, &routine_})
        for (std::size_t i = 0; i < ring->used; ++i) all.push_back(&ring->entries[i]);
    std::sort(all.begin(), all.end(),
              [](const Entry* a, const Entry* b) { return a->index < b->index; });
    // The rings reach back different distances: say where lines were left out, so the
    // reader does not take the listing for a gap-free history.
    std::string out;
    std::uint64_t expected = all.empty() ? 0 : all.front()->index;
    for (const Entry* e : all) {
        if (e->index != expected)
            out += "             ... " + std::to_string(e->index - expected) +
                   " routine line(s) not kept ...\n";
        out += e->line;
        out += '\n';
        expected = e->index + 1;
    }
    return out;
}

}  // namespace vigil::sim
