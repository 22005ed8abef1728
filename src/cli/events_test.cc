// Goal: `vigil events` prints an event exactly like the agent's log line (same key order,
// same quoting), leaving out only the sequence number. Method: JSON objects as the agent
// sends them, compared with the expected text.
#include "cli/events.h"

#include <gtest/gtest.h>

namespace vigil::cli {
namespace {

TEST(EventLogfmt, PrintsLikeTheLog) {
    const auto event = nlohmann::ordered_json::parse(
        R"({"seq":7,"ts":"2026-12-02T13:04:05.123Z","level":"info","node":"n2",)"
        R"("event":"role_change","group":"northbound","from":"standby","to":"primary",)"
        R"("epoch":"2","reason":"primary n1 is dead"})");
    EXPECT_EQ(event_logfmt(event),
              "ts=2026-12-02T13:04:05.123Z level=info node=n2 event=role_change "
              "group=northbound from=standby to=primary epoch=2 reason=\"primary n1 is dead\"");
}

TEST(EventLogfmt, KeepsProcessAndQuotesOddValues) {
    const auto event = nlohmann::ordered_json::parse(
        R"({"seq":1,"ts":"t","level":"warn","node":"n1","process":"supervisor",)"
        R"("event":"x","empty":"","n":3})");
    EXPECT_EQ(event_logfmt(event),
              "ts=t level=warn node=n1 process=supervisor event=x empty=\"\" n=3");
}

}  // namespace
}  // namespace vigil::cli
