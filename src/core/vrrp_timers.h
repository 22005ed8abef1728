// VrrpTimers: one deadline slot per virtual router in a single indexed binary min-heap, so
// a thousand routers cost one structure and O(log n) per set, cancel or fire. A router has
// at most one timer at a time (RFC 9568's Adver_Timer and Master_Down_Timer are never both
// running), so setting a slot replaces its deadline in place: no stale entries, and size()
// is exactly the number of armed timers. Ties fire in router order, so runs repeat.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common/time.h"

namespace vigil::core {

class VrrpTimers {
public:
    explicit VrrpTimers(std::size_t slots) : deadline_(slots, TimePoint::never()),
                                             pos_(slots, kNone) {
        heap_.reserve(slots);
    }

    // Arms (or re-arms) `slot` for `at`. Out-of-range slots are ignored.
    void set(std::size_t slot, TimePoint at) {
        if (slot >= pos_.size()) return;
        deadline_[slot] = at;
        if (pos_[slot] == kNone) {
            pos_[slot] = heap_.size();
            heap_.push_back(slot);
            up(pos_[slot]);
        } else {
            up(pos_[slot]);
            down(pos_[slot]);
        }
    }
    void cancel(std::size_t slot) {
        if (slot >= pos_.size() || pos_[slot] == kNone) return;
        const std::size_t at = pos_[slot];
        swap_at(at, heap_.size() - 1);
        heap_.pop_back();
        pos_[slot] = kNone;
        deadline_[slot] = TimePoint::never();
        if (at < heap_.size()) {
            up(at);
            down(at);
        }
    }
    bool armed(std::size_t slot) const { return slot < pos_.size() && pos_[slot] != kNone; }
    // never() when not armed.
    TimePoint deadline(std::size_t slot) const {
        return slot < deadline_.size() ? deadline_[slot] : TimePoint::never();
    }
    std::size_t size() const { return heap_.size(); }
    TimePoint next() const { return heap_.empty() ? TimePoint::never() : deadline_[heap_[0]]; }
    // The earliest slot due at `now` (deadline <= now), disarmed; nullopt when none is due.
    std::optional<std::size_t> pop_due(TimePoint now) {
        if (heap_.empty() || deadline_[heap_[0]] > now) return std::nullopt;
        const std::size_t slot = heap_[0];
        cancel(slot);
        return slot;
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    bool less(std::size_t a, std::size_t b) const {  // heap positions
        const std::size_t sa = heap_[a], sb = heap_[b];
        return deadline_[sa] < deadline_[sb] || (deadline_[sa] == deadline_[sb] && sa < sb);
    }
    void swap_at(std::size_t a, std::size_t b) {
        std::swap(heap_[a], heap_[b]);
        pos_[heap_[a]] = a;
        pos_[heap_[b]] = b;
    }
    void up(std::size_t i) {
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!less(i, parent)) return;
            swap_at(i, parent);
            i = parent;
        }
    }
    void down(std::size_t i) {
        for (;;) {
            const std::size_t l = 2 * i + 1, r = l + 1;
            std::size_t best = i;
            if (l < heap_.size() && less(l, best)) best = l;
            if (r < heap_.size() && less(r, best)) best = r;
            if (best == i) return;
            swap_at(i, best);
            i = best;
        }
    }

    std::vector<TimePoint> deadline_;  // per slot
    std::vector<std::size_t> pos_;     // per slot: index in heap_, or kNone
    std::vector<std::size_t> heap_;    // slots, min-heap by (deadline, slot)
};

}  // namespace vigil::core
