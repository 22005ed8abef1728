#include "daemon/event_ring.h"

#include "common/assert.h"
#include "common/logfmt.h"

namespace vigil::daemon {

EventRing::EventRing(std::size_t capacity) : capacity_(capacity) {
    VIGIL_ASSERT(capacity > 0);
}

std::uint64_t EventRing::push(EventRecord record) {
    record.seq = next_seq_++;
    if (records_.size() == capacity_) records_.pop_front();
    records_.push_back(std::move(record));
    VIGIL_ASSERT(records_.size() <= capacity_);
    if (listener_) listener_(records_.back());
    return records_.back().seq;
}

std::vector<const EventRecord*> EventRing::since(std::uint64_t after, std::size_t limit) const {
    std::vector<const EventRecord*> out;
    if (records_.empty() || limit == 0) return out;
    // Sequence numbers are consecutive in the ring: the first wanted one is found by index.
    const std::uint64_t first_seq = records_.front().seq;
    std::size_t begin = after < first_seq ? 0 : static_cast<std::size_t>(after - first_seq + 1);
    if (begin >= records_.size()) return out;
    if (records_.size() - begin > limit) begin = records_.size() - limit;
    for (std::size_t i = begin; i < records_.size(); ++i) out.push_back(&records_[i]);
    return out;
}

nlohmann::ordered_json event_json(const EventRecord& record) {
    nlohmann::ordered_json j;
    j["seq"] = record.seq;
    j["ts"] = utc_timestamp(record.realtime_us);
    j["level"] = level_name(record.level);
    j["node"] = record.node;
    if (!record.process.empty()) j["process"] = record.process;
    j["event"] = record.name;
    for (const auto& f : record.fields) {
        const bool reserved = f.key == "seq" || f.key == "ts" || f.key == "level" ||
                              f.key == "node" || f.key == "process" || f.key == "event";
        j[reserved ? "field_" + f.key : f.key] = f.value;
    }
    return j;
}

void TeeLogger::event(Level level, std::string_view name, std::vector<LogField> fields) {
    if (level != Level::debug)
        ring_.push(EventRecord{0, clock_(), level, node_, process_, std::string(name), fields});
    sink_.event(level, name, std::move(fields));
}

}  // namespace vigil::daemon
