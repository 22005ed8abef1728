// Goal: an event becomes exactly the journald entry docs/logging.md promises: MESSAGE,
// PRIORITY, SYSLOG_IDENTIFIER, VIGIL_EVENT, VIGIL_NODE and one VIGIL_<KEY> per field, with
// names journald accepts (A-Z, 0-9, '_', at most 64 bytes); and `--log auto` picks the
// journal only when stderr is its stream. Method: pure functions, tables of cases.
#include "daemon/log_journal.h"

#include <gtest/gtest.h>

#include "daemon/log_sink.h"

namespace vigil::daemon {
namespace {

TEST(JournalFieldName, MapsKeysToJournaldNames) {
    const std::pair<const char*, const char*> cases[] = {
        {"group", "VIGIL_GROUP"},
        {"epoch", "VIGIL_EPOCH"},
        {"peer", "VIGIL_PEER"},
        {"link", "VIGIL_LINK"},
        {"reason", "VIGIL_REASON"},
        {"last_heard_ms", "VIGIL_LAST_HEARD_MS"},
        {"last-heard.ms", "VIGIL_LAST_HEARD_MS"},
        {"Vip6", "VIGIL_VIP6"},
        {"é", "VIGIL___"},  // two UTF-8 bytes, two underscores
        {"", "VIGIL_"},
    };
    for (const auto& [key, expected] : cases) EXPECT_EQ(journal_field_name(key), expected) << key;
}

TEST(JournalFieldName, EveryNameIsValidForJournald) {
    const std::string keys[] = {"a b", "x=y", "ünïcode", "__x", std::string(100, 'k'), "0lead"};
    for (const auto& key : keys) {
        const std::string name = journal_field_name(key);
        EXPECT_LE(name.size(), 64u) << key;
        ASSERT_FALSE(name.empty());
        EXPECT_TRUE(name[0] >= 'A' && name[0] <= 'Z') << name;
        for (char c : name)
            EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') << name;
    }
}

TEST(JournalPriority, FollowsSyslogLevels) {
    EXPECT_EQ(journal_priority(Level::debug), 7);
    EXPECT_EQ(journal_priority(Level::info), 6);
    EXPECT_EQ(journal_priority(Level::warn), 4);
    EXPECT_EQ(journal_priority(Level::error), 3);
}

TEST(JournalFields, RoleChangeEntry) {
    const auto fields = journal_fields(Level::info, "n2", "", "role_change",
                                       {{"group", "northbound"},
                                        {"from", "standby"},
                                        {"to", "primary"},
                                        {"epoch", "2"},
                                        {"reason", "primary n1 is dead"}});
    EXPECT_EQ(fields, (std::vector<std::string>{
                          "MESSAGE=role_change group=northbound from=standby to=primary epoch=2 "
                          "reason=\"primary n1 is dead\"",
                          "PRIORITY=6",
                          "SYSLOG_IDENTIFIER=vigil",
                          "VIGIL_EVENT=role_change",
                          "VIGIL_NODE=n2",
                          "VIGIL_GROUP=northbound",
                          "VIGIL_FROM=standby",
                          "VIGIL_TO=primary",
                          "VIGIL_EPOCH=2",
                          "VIGIL_REASON=primary n1 is dead",
                      }));
}

TEST(JournalFields, ProcessAndFieldsNamedLikeFixedOnes) {
    const auto fields = journal_fields(Level::error, "n1", "supervisor", "fence_start",
                                       {{"node", "n2"}, {"detail", "a\nb"}});
    EXPECT_EQ(fields, (std::vector<std::string>{
                          "MESSAGE=fence_start node=n2 detail=\"a\\nb\"", "PRIORITY=3",
                          "SYSLOG_IDENTIFIER=vigil", "VIGIL_EVENT=fence_start", "VIGIL_NODE=n1",
                          "VIGIL_PROCESS=supervisor", "VIGIL_FIELD_NODE=n2",
                          "VIGIL_DETAIL=a\nb",  // values may hold newlines: sent as binary
                      }));
}

TEST(LogTarget, ParsesTheThreeChoices) {
    EXPECT_EQ(parse_log_target("auto"), LogTarget::automatic);
    EXPECT_EQ(parse_log_target("stderr"), LogTarget::stderr_lines);
    EXPECT_EQ(parse_log_target("journal"), LogTarget::journal);
    EXPECT_EQ(parse_log_target("syslog"), std::nullopt);
    EXPECT_EQ(parse_log_target(""), std::nullopt);
}

TEST(LogTarget, AutoPicksTheJournalOnlyWhenStderrIsItsStream) {
    EXPECT_EQ(resolve_log_target(LogTarget::automatic, true), LogTarget::journal);
    EXPECT_EQ(resolve_log_target(LogTarget::automatic, false), LogTarget::stderr_lines);
    EXPECT_EQ(resolve_log_target(LogTarget::stderr_lines, true), LogTarget::stderr_lines);
    EXPECT_EQ(resolve_log_target(LogTarget::journal, false), LogTarget::journal);
}

}  // namespace
}  // namespace vigil::daemon
