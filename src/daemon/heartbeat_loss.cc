#include "daemon/heartbeat_loss.h"

#include "common/assert.h"

namespace vigil::daemon {

HeartbeatLoss::HeartbeatLoss(std::size_t nodes, std::size_t links, std::uint64_t stride)
    : links_(links), stride_(stride), slots_(nodes * links) {
    VIGIL_ASSERT(stride >= 1);
}

std::size_t HeartbeatLoss::index(std::size_t node, std::size_t link) const {
    VIGIL_ASSERT(link < links_);
    VIGIL_ASSERT(node * links_ + link < slots_.size());
    return node * links_ + link;
}

void HeartbeatLoss::on_heartbeat(std::size_t node, std::size_t link, std::uint64_t boot_id,
                                 std::uint64_t seq) {
    Slot& s = slots_[index(node, link)];
    s.received++;
    if (!s.seen || boot_id != s.boot_id) {  // first heard, or restarted: a new baseline
        s.seen = true;
        s.boot_id = boot_id;
        s.last_seq = seq;
        return;
    }
    if (seq <= s.last_seq) return;  // the replay guard drops these; never count backwards
    const std::uint64_t rounds = (seq - s.last_seq) / stride_;
    if (rounds > 1) s.lost += rounds - 1;
    s.last_seq = seq;
}

std::uint64_t HeartbeatLoss::lost(std::size_t node, std::size_t link) const {
    return slots_[index(node, link)].lost;
}

std::uint64_t HeartbeatLoss::received(std::size_t node, std::size_t link) const {
    return slots_[index(node, link)].received;
}

}  // namespace vigil::daemon
