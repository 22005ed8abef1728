// Replay rules of docs/wire.md ("Replay protection"); contract in replay_guard.h.
#include "wire/replay_guard.h"

#include <algorithm>

#include "common/assert.h"

namespace vigil::wire {

ReplayGuard::ReplayGuard() {
    senders_.reserve(kSendersMax);
}

ReplayGuard::Verdict ReplayGuard::check(std::string_view sender, std::uint8_t link,
                                        std::uint64_t boot_id, std::uint64_t seq) {
    VIGIL_ASSERT(!sender.empty());
    VIGIL_ASSERT(sender.size() <= kNameBytesMax);
    VIGIL_ASSERT(link < kLinksMax);
    Sender* known = find(sender);
    if (known == nullptr) {
        if (senders_.size() >= kSendersMax) return Verdict::too_many_senders;
        Sender& added = senders_.emplace_back();
        added.name = sender;
        added.boot_id = boot_id;
        added.seq_max[link] = seq;
        return Verdict::new_sender;
    }
    if (boot_id < known->boot_id) return Verdict::stale_boot;
    if (boot_id > known->boot_id) {
        known->boot_id = boot_id;
        known->seq_max = {};
        known->seq_max[link] = seq;
        return Verdict::new_boot;
    }
    std::optional<std::uint64_t>& seq_max = known->seq_max[link];
    if (seq_max.has_value() && seq <= *seq_max) return Verdict::replay;
    seq_max = seq;
    return Verdict::fresh;
}

void ReplayGuard::forget(std::string_view sender) {
    std::erase_if(senders_, [&](const Sender& s) { return s.name == sender; });
}

std::optional<std::uint64_t> ReplayGuard::boot_id(std::string_view sender) const {
    const Sender* known = find(sender);
    if (known == nullptr) return std::nullopt;
    return known->boot_id;
}

ReplayGuard::Sender* ReplayGuard::find(std::string_view sender) {
    auto it = std::find_if(senders_.begin(), senders_.end(),
                           [&](const Sender& s) { return s.name == sender; });
    return it == senders_.end() ? nullptr : &*it;
}

const ReplayGuard::Sender* ReplayGuard::find(std::string_view sender) const {
    auto it = std::find_if(senders_.begin(), senders_.end(),
                           [&](const Sender& s) { return s.name == sender; });
    return it == senders_.end() ? nullptr : &*it;
}

bool accepted(ReplayGuard::Verdict verdict) {
    switch (verdict) {
        case ReplayGuard::Verdict::fresh:
        case ReplayGuard::Verdict::new_sender:
        case ReplayGuard::Verdict::new_boot: return true;
        case ReplayGuard::Verdict::stale_boot:
        case ReplayGuard::Verdict::replay:
        case ReplayGuard::Verdict::too_many_senders: return false;
    }
    VIGIL_ASSERT(false);
    return false;
}

const char* to_string(ReplayGuard::Verdict verdict) {
    switch (verdict) {
        case ReplayGuard::Verdict::fresh: return "fresh";
        case ReplayGuard::Verdict::new_sender: return "new_sender";
        case ReplayGuard::Verdict::new_boot: return "new_boot";
        case ReplayGuard::Verdict::stale_boot: return "stale_boot";
        case ReplayGuard::Verdict::replay: return "replay";
        case ReplayGuard::Verdict::too_many_senders: return "too_many_senders";
    }
    VIGIL_ASSERT(false);
    return "";
}

}  // namespace vigil::wire
