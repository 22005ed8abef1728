// Decides whether an authenticated heartbeat is fresh or a replay, by (boot_id, seq) per
// sender and link. The rules, and why boot_id comes from the wall clock, are specified in
// docs/wire.md ("Replay protection"); each rule has a case in replay_guard_test.cc.
//
// Pure and single-threaded: no clock, no I/O. State lives in memory only, bounded by
// kSendersMax senders of kLinksMax links each.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/heartbeat.h"

namespace vigil::wire {

class ReplayGuard {
public:
    // Far above core::kNodesMax; the bound exists so that a peer holding the key cannot grow
    // the table by inventing sender names.
    static constexpr std::size_t kSendersMax = 64;

    enum class Verdict : std::uint8_t {
        fresh,             // accepted: a higher seq on this link, same boot
        new_sender,        // accepted: the first heartbeat from this sender
        new_boot,          // accepted: a higher boot_id; the peer restarted, seqs were reset
        stale_boot,        // rejected: boot_id lower than the sender's current one
        replay,            // rejected: seq not above the highest accepted on this link
        too_many_senders,  // rejected: kSendersMax senders are tracked already
    };

    ReplayGuard();

    // Decides, and on acceptance records, the heartbeat (sender, link, boot_id, seq). A
    // rejected heartbeat leaves the state unchanged.
    // REQUIRES: the heartbeat was authenticated (wire::decode succeeded), so that forged
    // datagrams never advance the state; 1 <= sender.size() <= kNameBytesMax;
    // link < kLinksMax. decode() guarantees both bounds.
    [[nodiscard]] Verdict check(std::string_view sender, std::uint8_t link, std::uint64_t boot_id,
                                std::uint64_t seq);

    // Drops the record of a sender, e.g. a node removed from the configuration on reload.
    void forget(std::string_view sender);

    // The sender's current boot_id, for logging a stale_boot verdict; nullopt if unknown.
    std::optional<std::uint64_t> boot_id(std::string_view sender) const;
    std::size_t sender_count() const { return senders_.size(); }

private:
    struct Sender {
        std::string name;
        std::uint64_t boot_id = 0;
        std::array<std::optional<std::uint64_t>, kLinksMax> seq_max{};  // per link index
    };

    Sender* find(std::string_view sender);
    const Sender* find(std::string_view sender) const;

    std::vector<Sender> senders_;  // at most kSendersMax; capacity reserved up front
};

// True for the verdicts that accept the heartbeat.
bool accepted(ReplayGuard::Verdict verdict);
// "fresh", "new_sender", ...: for logs and counters.
const char* to_string(ReplayGuard::Verdict verdict);

}  // namespace vigil::wire
