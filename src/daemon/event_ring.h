// EventRing: the agent's memory of its recent events, for `vigil events` (docs/logging.md).
// Each event gets a sequence number (1, 2, ...; never reused while the agent runs) so that
// a follower can say where it stopped. The ring keeps the last `capacity` events and
// forgets older ones: memory stays bounded however long the agent runs (STYLE.md §9).
// TeeLogger puts every event both into the ring and into the real sink (stderr or
// journald), so the two always agree.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/log.h"

namespace vigil::daemon {

struct EventRecord {
    std::uint64_t seq = 0;
    std::int64_t realtime_us = 0;
    Level level = Level::info;
    std::string node;
    std::string process;  // "" for the agent itself
    std::string name;
    std::vector<LogField> fields;
};

class EventRing {
public:
    static constexpr std::size_t kCapacityDefault = 1000;
    using Listener = std::function<void(const EventRecord&)>;

    explicit EventRing(std::size_t capacity = kCapacityDefault);
    // Stores the event with the next sequence number, dropping the oldest when full, and
    // passes it to the listener. Returns that sequence number.
    std::uint64_t push(EventRecord record);
    // The events with seq > `after`, oldest first; at most the newest `limit` of them.
    std::vector<const EventRecord*> since(std::uint64_t after, std::size_t limit) const;
    // The sequence number the next event will get.
    std::uint64_t next_seq() const { return next_seq_; }
    // One listener (the control socket's followers); it must not log (it would recurse).
    void set_listener(Listener listener) { listener_ = std::move(listener); }

private:
    std::size_t capacity_;
    std::deque<EventRecord> records_;
    std::uint64_t next_seq_ = 1;
    Listener listener_;
};

// The JSON form of an event: {"seq","ts","level","node",["process",]"event", fields...},
// in this order and then the fields in theirs. A field whose key is one of those names
// (fence_start's "node" is the fenced node) is renamed "field_KEY".
nlohmann::ordered_json event_json(const EventRecord& record);

// Logs into the ring and into `sink`; debug events go to the sink only.
class TeeLogger final : public Logger {
public:
    using RealtimeClock = std::function<std::int64_t()>;  // microseconds since the epoch
    TeeLogger(Logger& sink, EventRing& ring, std::string node, std::string process,
              RealtimeClock clock)
        : sink_(sink),
          ring_(ring),
          node_(std::move(node)),
          process_(std::move(process)),
          clock_(std::move(clock)) {}
    void event(Level level, std::string_view name, std::vector<LogField> fields) override;

private:
    Logger& sink_;
    EventRing& ring_;
    std::string node_;
    std::string process_;
    RealtimeClock clock_;
};

}  // namespace vigil::daemon
