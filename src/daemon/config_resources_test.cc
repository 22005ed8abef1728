// Goal: parse_config reads [[resource]], [[check]] and the group keys that use them
// (docs/config.md) into the right values, refuses every malformed or inconsistent use with
// FILE:LINE: KEY.PATH: what was expected, and puts all of it in the digest.
// Method: as config_parse_test.cc: one small valid file and tables of edits to it, each with
// the exact problem lines it must produce. The check target syntax is also tested directly.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "daemon/check_target.h"
#include "daemon/config_parse.h"
#include "tests/support/text_edit.h"

namespace vigil::daemon {
namespace {

using core::CheckConfig;
using core::ResourceConfig;

// Line numbers matter: the expected messages below name them.
constexpr std::string_view kValid = R"([cluster]
name = "controller"
auth_key_file = "auth.key"
two_node = true
[[node]]
name = "n1"
address = "198.18.0.11"
[[node]]
name = "n2"
address = "198.18.0.12"
[[group]]
name = "northbound"
priority = { n1 = 150, n2 = 100 }
resources = ["db", "api"]
checks = ["uplink"]
[[resource]]
name = "db"
start = "./db-ctl start"
stop = "./db-ctl stop"
monitor = "/usr/local/bin/db-ctl status"
[[resource]]
name = "api"
exec = "/usr/bin/api --serve"
[[check]]
name = "uplink"
ping = "198.18.0.1"
)";

// `text` with the first occurrence of `from` replaced by `to`.
std::string edit(std::string_view from, std::string_view to,
                 std::string text = std::string(kValid)) {
    return edit_test_text(std::move(text), from, to);
}

// kValid with the [[check]] table's kind line replaced by `line`.
std::string check_kind(std::string_view line) {
    return edit("ping = \"198.18.0.1\"", line);
}

const std::string kSecondGroup = std::string(kValid) + R"([[group]]
name = "southbound"
priority = { n2 = 200 }
)";

TEST(ConfigResources, ValidFormsParseWithDefaults) {
    auto config = parse_config(kValid, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    ASSERT_EQ(config->resources.size(), 2u);
    const ResourceConfig& db = config->resources[0];
    EXPECT_EQ(db.name, "db");
    EXPECT_EQ(db.kind, ResourceConfig::Kind::command);
    // Relative programs are resolved like notify and fence; absolute ones kept as written.
    EXPECT_EQ(db.start, "/etc/vigil/db-ctl start");
    EXPECT_EQ(db.stop, "/etc/vigil/db-ctl stop");
    EXPECT_EQ(db.monitor, "/usr/local/bin/db-ctl status");
    EXPECT_EQ(db.unit, "");
    EXPECT_EQ(db.monitor_interval_ms, 1000);
    EXPECT_EQ(db.timeout_ms, 5000);
    EXPECT_EQ(db.max_restarts, 3);
    EXPECT_EQ(db.restart_window_s, 60);
    const ResourceConfig& api = config->resources[1];
    EXPECT_EQ(api.name, "api");
    EXPECT_EQ(api.kind, ResourceConfig::Kind::exec);
    EXPECT_EQ(api.start, "/usr/bin/api --serve");
    EXPECT_EQ(api.stop, "");
    EXPECT_EQ(api.monitor, "");
    ASSERT_EQ(config->checks.size(), 1u);
    const CheckConfig& uplink = config->checks[0];
    EXPECT_EQ(uplink.name, "uplink");
    EXPECT_EQ(uplink.kind, CheckConfig::Kind::ping);
    EXPECT_EQ(uplink.target, "198.18.0.1");
    EXPECT_EQ(uplink.interval_ms, 1000);
    EXPECT_EQ(uplink.timeout_ms, 1000);
    EXPECT_EQ(uplink.fall, 2);
    EXPECT_EQ(uplink.rise, 2);
    EXPECT_EQ(uplink.weight, 0);
    ASSERT_EQ(config->groups.size(), 1u);
    EXPECT_EQ(config->groups[0].resources, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(config->groups[0].checks, (std::vector<std::size_t>{0}));
    EXPECT_EQ(config->groups[0].failure_timeout_s, 0);
}

TEST(ConfigResources, EveryOptionalKeyIsRead) {
    std::string text = edit("exec = \"/usr/bin/api --serve\"",
                            "exec = \"/usr/bin/api --serve\"\nmonitor = \"./api-alive\"\n"
                            "monitor_interval_ms = 10\ntimeout_ms = 3600000\nmax_restarts = 0\n"
                            "restart_window_s = 86400");
    text = edit("ping = \"198.18.0.1\"",
                "ping = \"198.18.0.1\"\ninterval_ms = 3600000\ntimeout_ms = 10\nfall = 1\n"
                "rise = 100\nweight = -254",
                text);
    text = edit("checks = [\"uplink\"]", "checks = [\"uplink\"]\nfailure_timeout_s = 86400", text);
    auto config = parse_config(text, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    const ResourceConfig& api = config->resources[1];
    EXPECT_EQ(api.kind, ResourceConfig::Kind::exec);
    EXPECT_EQ(api.monitor, "/etc/vigil/api-alive");
    EXPECT_EQ(api.monitor_interval_ms, 10);
    EXPECT_EQ(api.timeout_ms, 3600000);
    EXPECT_EQ(api.max_restarts, 0);
    EXPECT_EQ(api.restart_window_s, 86400);
    const CheckConfig& uplink = config->checks[0];
    EXPECT_EQ(uplink.interval_ms, 3600000);
    EXPECT_EQ(uplink.timeout_ms, 10);
    EXPECT_EQ(uplink.fall, 1);
    EXPECT_EQ(uplink.rise, 100);
    EXPECT_EQ(uplink.weight, -254);
    EXPECT_EQ(config->groups[0].failure_timeout_s, 86400);
}

struct AcceptCase {
    const char* name;
    std::string text;
    std::function<void(const core::Config&)> check;
};

void PrintTo(const AcceptCase& c, std::ostream* os) {
    *os << c.name;
}

class ConfigResourcesAccept : public testing::TestWithParam<AcceptCase> {};

TEST_P(ConfigResourcesAccept, Parses) {
    auto config = parse_config(GetParam().text, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    GetParam().check(*config);
}

// Check targets are kept exactly as written.
AcceptCase target_case(const char* name, std::string_view line, CheckConfig::Kind kind,
                       std::string target) {
    return {name, check_kind(line), [kind, target](const core::Config& c) {
                EXPECT_EQ(c.checks[0].kind, kind);
                EXPECT_EQ(c.checks[0].target, target);
            }};
}

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigResourcesAccept,
    testing::Values(
        AcceptCase{"SystemdUnit",
                   edit("exec = \"/usr/bin/api --serve\"", "systemd_unit = \"api@1.service\""),
                   [](const core::Config& c) {
                       EXPECT_EQ(c.resources[1].kind, ResourceConfig::Kind::systemd_unit);
                       EXPECT_EQ(c.resources[1].unit, "api@1.service");
                       EXPECT_EQ(c.resources[1].start, "");
                       EXPECT_EQ(c.resources[1].monitor, "");
                   }},
        AcceptCase{"ResourcesInStartOrder", edit("[\"db\", \"api\"]", "[\"api\", \"db\"]"),
                   [](const core::Config& c) {
                       EXPECT_EQ(c.groups[0].resources, (std::vector<std::size_t>{1, 0}));
                   }},
        AcceptCase{"InlineTables",
                   "check = [ { name = \"uplink\", tcp = \"198.18.0.1:22\", weight = 5 } ]\n" +
                       edit("[[check]]\nname = \"uplink\"\nping = \"198.18.0.1\"\n", ""),
                   [](const core::Config& c) {
                       ASSERT_EQ(c.checks.size(), 1u);
                       EXPECT_EQ(c.checks[0].kind, CheckConfig::Kind::tcp);
                       EXPECT_EQ(c.checks[0].weight, 5);
                   }},
        AcceptCase{"CheckSharedByGroupsAndGroupWithoutResources",
                   kSecondGroup + "checks = [\"uplink\"]\n",
                   [](const core::Config& c) {
                       ASSERT_EQ(c.groups.size(), 2u);
                       EXPECT_TRUE(c.groups[1].resources.empty());
                       EXPECT_EQ(c.groups[1].checks, (std::vector<std::size_t>{0}));
                   }},
        AcceptCase{"EmptyListsAndUnusedCheck",
                   edit("checks = [\"uplink\"]", "checks = []",
                        edit("resources = [\"db\", \"api\"]", "resources = []",
                             std::string(kValid.substr(0, kValid.find("[[resource]]"))) +
                                 "[[check]]\nname = \"uplink\"\nping = \"198.18.0.1\"\n")),
                   [](const core::Config& c) {
                       EXPECT_TRUE(c.resources.empty());
                       EXPECT_TRUE(c.groups[0].resources.empty());
                       EXPECT_TRUE(c.groups[0].checks.empty());
                       EXPECT_EQ(c.checks.size(), 1u);
                   }},
        AcceptCase{"CommandCheckIsResolved", check_kind("command = \"../libexec/check-db --fast\""),
                   [](const core::Config& c) {
                       EXPECT_EQ(c.checks[0].kind, CheckConfig::Kind::command);
                       EXPECT_EQ(c.checks[0].target, "/etc/libexec/check-db --fast");
                   }},
        target_case("PingIpv6AsWritten", "ping = \"FD00:18::1\"", CheckConfig::Kind::ping,
                    "FD00:18::1"),
        target_case("TcpIpv4", "tcp = \"198.18.0.1:80\"", CheckConfig::Kind::tcp, "198.18.0.1:80"),
        target_case("TcpIpv6", "tcp = \"[fd00::1]:65535\"", CheckConfig::Kind::tcp,
                    "[fd00::1]:65535"),
        target_case("HttpDefaults", "http = \"http://198.18.0.1\"", CheckConfig::Kind::http,
                    "http://198.18.0.1"),
        target_case("HttpPortAndPath", "http = \"http://198.18.0.1:8080/health?full=1\"",
                    CheckConfig::Kind::http, "http://198.18.0.1:8080/health?full=1"),
        target_case("HttpIpv6", "http = \"http://[fd00::1]:8080/\"", CheckConfig::Kind::http,
                    "http://[fd00::1]:8080/")),
    [](const testing::TestParamInfo<AcceptCase>& info) { return info.param.name; });

struct RejectCase {
    const char* name;
    std::string text;
    std::string message;  // every problem line, without the directory part of the path
};

void PrintTo(const RejectCase& c, std::ostream* os) {
    *os << c.name;
}

class ConfigResourcesReject : public testing::TestWithParam<RejectCase> {};

TEST_P(ConfigResourcesReject, ReportsTheProblem) {
    auto config = parse_config(GetParam().text, "vigil.toml");
    ASSERT_FALSE(config) << "accepted:\n" << GetParam().text;
    EXPECT_EQ(config.error().message, GetParam().message);
}

const std::string kForms =
    "(expected exactly one form: start, stop and monitor commands; exec; or systemd_unit";

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigResourcesReject,
    testing::Values(
        // References from groups.
        RejectCase{"UnknownResource", edit("\"db\", \"api\"]", "\"db\", \"apx\"]"),
                   "vigil.toml:14: group[0].resources[1]: unknown resource \"apx\" (expected one "
                   "of: db, api)\n"
                   "vigil.toml:22: resource[1].name: resource \"api\" is used by no group "
                   "(expected it in some [[group]].resources)"},
        RejectCase{"UnknownResourceNoneConfigured",
                   edit("checks = [\"uplink\"]\n", "",
                        std::string(kValid.substr(0, kValid.find("[[resource]]")))),
                   "vigil.toml:14: group[0].resources[0]: unknown resource \"db\" (no "
                   "[[resource]] is configured)\n"
                   "vigil.toml:14: group[0].resources[1]: unknown resource \"api\" (no "
                   "[[resource]] is configured)"},
        RejectCase{"UnknownCheck", edit("[\"uplink\"]", "[\"uplink\", \"upl1nk\"]"),
                   "vigil.toml:15: group[0].checks[1]: unknown check \"upl1nk\" (expected one "
                   "of: uplink)"},
        RejectCase{"ResourceNameNotAString", edit("[\"db\", \"api\"]", "[\"db\", \"api\", 3]"),
                   "vigil.toml:14: group[0].resources[2]: expected a string, got an integer"},
        RejectCase{"ResourcesNotAnArray", edit("[\"db\", \"api\"]", "\"db\""),
                   // Nothing is "used by no group" when a list could not be read.
                   "vigil.toml:14: group[0].resources: expected an array of [[resource]] names, "
                   "got a string"},
        RejectCase{"ResourceInTwoGroups", kSecondGroup + "resources = [\"db\"]\n",
                   "vigil.toml:30: group[1].resources[0]: resource \"db\" is already used by "
                   "group[0].resources[0] (expected each resource in one group, once)"},
        RejectCase{"ResourceTwiceInOneGroup", edit("\"db\", \"api\"]", "\"db\", \"api\", \"db\"]"),
                   "vigil.toml:14: group[0].resources[2]: resource \"db\" is already used by "
                   "group[0].resources[0] (expected each resource in one group, once)"},
        RejectCase{"CheckTwiceInOneGroup", edit("[\"uplink\"]", "[\"uplink\", \"uplink\"]"),
                   "vigil.toml:15: group[0].checks[1]: check \"uplink\" is already listed at "
                   "group[0].checks[0] (expected each check once per group)"},
        RejectCase{"UnusedResource", edit("[\"db\", \"api\"]", "[\"db\"]"),
                   "vigil.toml:22: resource[1].name: resource \"api\" is used by no group "
                   "(expected it in some [[group]].resources)"},
        RejectCase{"DuplicateResourceName", edit("name = \"api\"", "name = \"db\""),
                   "vigil.toml:14: group[0].resources[1]: unknown resource \"api\" (expected one "
                   "of: db)\n"
                   "vigil.toml:22: resource[1].name: duplicate resource name \"db\" (also "
                   "resource[0].name)"},
        RejectCase{"DuplicateCheckName",
                   std::string(kValid) + "[[check]]\nname = \"uplink\"\ntcp = \"198.18.0.1:1\"\n",
                   "vigil.toml:28: check[1].name: duplicate check name \"uplink\" (also "
                   "check[0].name)"},
        RejectCase{
            "FailureTimeoutTooLong",
            edit("checks = [\"uplink\"]", "checks = [\"uplink\"]\nfailure_timeout_s = 86401"),
            "vigil.toml:16: group[0].failure_timeout_s: 86401 is out of range (expected "
            "0..86400)"},
        RejectCase{"FailureTimeoutNegative",
                   edit("checks = [\"uplink\"]", "checks = [\"uplink\"]\nfailure_timeout_s = -1"),
                   "vigil.toml:16: group[0].failure_timeout_s: -1 is out of range (expected "
                   "0..86400)"},
        RejectCase{"MisspeltGroupKey", edit("checks = [", "check = ["),
                   "vigil.toml:15: group[0].check: unknown key (expected one of: name, protocol, "
                   "priority, preempt, vip, notify, fence, resources, checks, failure_timeout_s, store)"},
        RejectCase{"MisspeltSection", std::string(kValid) + "[resources]\n",
                   "vigil.toml:27: resources: unknown key (expected one of: cluster, node, "
                   "group, resource, check, metrics, status_page)"},
        RejectCase{"ResourceNotATable",
                   "resource = 1\n" +
                       edit("resources = [\"db\", \"api\"]\n", "",
                            std::string(kValid.substr(0, kValid.find("[[resource]]")))) +
                       "[[check]]\nname = \"uplink\"\nping = \"198.18.0.1\"\n",
                   "vigil.toml:1: resource: expected an array of tables ([[resource]]), got an "
                   "integer"},
        // Resource forms.
        RejectCase{"ResourceWithoutForm", edit("exec = \"/usr/bin/api --serve\"\n", ""),
                   "vigil.toml:21: resource[1]: no start, exec or systemd_unit " + kForms + ")"},
        RejectCase{"CommandFormWithoutStop", edit("stop = \"./db-ctl stop\"\n", ""),
                   "vigil.toml:16: resource[0].stop: missing required key (expected a command: "
                   "the command form needs start, stop and monitor)"},
        RejectCase{"CommandFormWithOnlyMonitor",
                   edit("start = \"./db-ctl start\"\nstop = \"./db-ctl stop\"\n", ""),
                   "vigil.toml:16: resource[0].start: missing required key (expected a command: "
                   "the command form needs start, stop and monitor)\n"
                   "vigil.toml:16: resource[0].stop: missing required key (expected a command: "
                   "the command form needs start, stop and monitor)"},
        RejectCase{"EmptyCommand", edit("\"./db-ctl stop\"", "\"\""),
                   "vigil.toml:19: resource[0].stop: empty (expected a command)"},
        RejectCase{"ExecWithStop",
                   edit("exec = \"/usr/bin/api --serve\"",
                        "exec = \"/usr/bin/api --serve\"\nstop = \"kill it\""),
                   "vigil.toml:24: resource[1].stop: not allowed with exec (vigil stops the "
                   "process itself: SIGTERM to its process group, SIGKILL after timeout_ms)"},
        RejectCase{"ExecWithStart",
                   edit("exec = \"/usr/bin/api --serve\"",
                        "exec = \"/usr/bin/api --serve\"\nstart = \"/usr/bin/api\""),
                   "vigil.toml:24: resource[1].start: not allowed with exec " + kForms + ")"},
        RejectCase{"SystemdUnitWithCommands",
                   edit("exec = \"/usr/bin/api --serve\"",
                        "systemd_unit = \"api.service\"\nexec = \"/usr/bin/api\"\nmonitor = \"x\""),
                   "vigil.toml:24: resource[1].exec: not allowed with systemd_unit " + kForms +
                       "; a unit is driven with systemctl start, stop and is-active)\n"
                       "vigil.toml:25: resource[1].monitor: not allowed with systemd_unit " +
                       kForms + "; a unit is driven with systemctl start, stop and is-active)"},
        RejectCase{"UnitNameLikeAnOption",
                   edit("exec = \"/usr/bin/api --serve\"", "systemd_unit = \"--force\""),
                   "vigil.toml:23: resource[1].systemd_unit: \"--force\" is not a unit name "
                   "(expected 1..255 characters of A-Z a-z 0-9 : _ . @ - \\, not starting with "
                   "-, e.g. \"api.service\")"},
        RejectCase{"UnitNameWithSpace",
                   edit("exec = \"/usr/bin/api --serve\"", "systemd_unit = \"api service\""),
                   "vigil.toml:23: resource[1].systemd_unit: \"api service\" is not a unit name "
                   "(expected 1..255 characters of A-Z a-z 0-9 : _ . @ - \\, not starting with "
                   "-, e.g. \"api.service\")"},
        RejectCase{"ResourceWithoutName", edit("name = \"api\"\n", ""),
                   "vigil.toml:14: group[0].resources[1]: unknown resource \"api\" (expected one "
                   "of: db)\n"
                   "vigil.toml:21: resource[1].name: missing required key (expected a name "
                   "string)"},
        RejectCase{"ResourceNameInvalid", edit("name = \"db\"", "name = \"d b\""),
                   "vigil.toml:14: group[0].resources[0]: unknown resource \"db\" (expected one "
                   "of: api)\n"
                   "vigil.toml:17: resource[0].name: \"d b\" is not a valid name (expected "
                   "1..63 characters of A-Z a-z 0-9 _ . -)"},
        RejectCase{"MisspeltResourceKey", edit("monitor = \"/usr", "monitr = \"/usr"),
                   "vigil.toml:16: resource[0].monitor: missing required key (expected a "
                   "command: the command form needs start, stop and monitor)\n"
                   "vigil.toml:20: resource[0].monitr: unknown key (expected one of: name, "
                   "start, stop, monitor, exec, systemd_unit, monitor_interval_ms, timeout_ms, "
                   "max_restarts, restart_window_s)"},
        RejectCase{"MonitorIntervalTooShort",
                   edit("exec = \"/usr/bin/api --serve\"",
                        "exec = \"/usr/bin/api --serve\"\nmonitor_interval_ms = 9"),
                   "vigil.toml:24: resource[1].monitor_interval_ms: 9 is out of range (expected "
                   "10..3600000)"},
        RejectCase{"ResourceTimeoutTooLong",
                   edit("exec = \"/usr/bin/api --serve\"",
                        "exec = \"/usr/bin/api --serve\"\ntimeout_ms = 3600001"),
                   "vigil.toml:24: resource[1].timeout_ms: 3600001 is out of range (expected "
                   "10..3600000)"},
        RejectCase{"MaxRestartsTooMany",
                   edit("exec = \"/usr/bin/api --serve\"",
                        "exec = \"/usr/bin/api --serve\"\nmax_restarts = 1001"),
                   "vigil.toml:24: resource[1].max_restarts: 1001 is out of range (expected "
                   "0..1000)"},
        RejectCase{"RestartWindowZero",
                   edit("exec = \"/usr/bin/api --serve\"",
                        "exec = \"/usr/bin/api --serve\"\nrestart_window_s = 0"),
                   "vigil.toml:24: resource[1].restart_window_s: 0 is out of range (expected "
                   "1..86400)"},
        // Check kinds and targets.
        RejectCase{"CheckWithoutKind", check_kind("weight = 1"),
                   "vigil.toml:24: check[0]: no command, tcp, http or ping (expected exactly one "
                   "of them, e.g. ping = \"198.18.0.1\")"},
        RejectCase{"CheckWithTwoKinds", check_kind("ping = \"198.18.0.1\"\ntcp = \"198.18.0.1:1\""),
                   "vigil.toml:26: check[0].ping: not allowed with tcp (expected exactly one of "
                   "command, tcp, http, ping)"},
        RejectCase{"PingHostName", check_kind("ping = \"gateway.example\""),
                   "vigil.toml:26: check[0].ping: \"gateway.example\" is not an address "
                   "(expected a unicast IPv4 or IPv6 literal)"},
        RejectCase{"PingWithPort", check_kind("ping = \"198.18.0.1:80\""),
                   "vigil.toml:26: check[0].ping: \"198.18.0.1:80\" is not an address (expected "
                   "a unicast IPv4 or IPv6 literal)"},
        RejectCase{"TcpWithoutPort", check_kind("tcp = \"198.18.0.1\""),
                   "vigil.toml:26: check[0].tcp: \"198.18.0.1\" is not a TCP target (expected "
                   "HOST:PORT with a unicast IP literal host, IPv6 in brackets, and port "
                   "1..65535, e.g. \"198.18.0.1:80\" or \"[fd00::1]:80\")"},
        RejectCase{"TcpPortZero", check_kind("tcp = \"198.18.0.1:0\""),
                   "vigil.toml:26: check[0].tcp: \"198.18.0.1:0\" is not a TCP target (expected "
                   "HOST:PORT with a unicast IP literal host, IPv6 in brackets, and port "
                   "1..65535, e.g. \"198.18.0.1:80\" or \"[fd00::1]:80\")"},
        RejectCase{"TcpIpv6WithoutBrackets", check_kind("tcp = \"fd00::1:80\""),
                   "vigil.toml:26: check[0].tcp: \"fd00::1:80\" is not a TCP target (expected "
                   "HOST:PORT with a unicast IP literal host, IPv6 in brackets, and port "
                   "1..65535, e.g. \"198.18.0.1:80\" or \"[fd00::1]:80\")"},
        RejectCase{"TcpHostName", check_kind("tcp = \"db.example:5432\""),
                   "vigil.toml:26: check[0].tcp: \"db.example:5432\" is not a TCP target "
                   "(expected HOST:PORT with a unicast IP literal host, IPv6 in brackets, and "
                   "port 1..65535, e.g. \"198.18.0.1:80\" or \"[fd00::1]:80\")"},
        RejectCase{"HttpsRefused", check_kind("http = \"HTTPS://198.18.0.1/health\""),
                   "vigil.toml:26: check[0].http: \"HTTPS://198.18.0.1/health\" is https "
                   "(expected an http:// URL: the http check does not speak TLS; check an https "
                   "service with tcp, or with a command such as curl)"},
        RejectCase{"HttpHostName", check_kind("http = \"http://api.example/health\""),
                   "vigil.toml:26: check[0].http: \"http://api.example/health\" is not an http "
                   "URL (expected http://HOST[:PORT][/PATH] with a unicast IP literal host, IPv6 "
                   "in brackets, e.g. \"http://198.18.0.1:8080/health\")"},
        RejectCase{"HttpSpaceInPath", check_kind("http = \"http://198.18.0.1/a b\""),
                   "vigil.toml:26: check[0].http: \"http://198.18.0.1/a b\" is not an http URL "
                   "(expected http://HOST[:PORT][/PATH] with a unicast IP literal host, IPv6 in "
                   "brackets, e.g. \"http://198.18.0.1:8080/health\")"},
        RejectCase{"HttpPortTooLarge", check_kind("http = \"http://198.18.0.1:65536/\""),
                   "vigil.toml:26: check[0].http: \"http://198.18.0.1:65536/\" is not an http "
                   "URL (expected http://HOST[:PORT][/PATH] with a unicast IP literal host, IPv6 "
                   "in brackets, e.g. \"http://198.18.0.1:8080/health\")"},
        RejectCase{"CommandCheckEmpty", check_kind("command = \"\""),
                   "vigil.toml:26: check[0].command: empty (expected a command)"},
        RejectCase{"CheckIntervalTooShort", check_kind("ping = \"198.18.0.1\"\ninterval_ms = 9"),
                   "vigil.toml:27: check[0].interval_ms: 9 is out of range (expected "
                   "10..3600000)"},
        RejectCase{"CheckTimeoutTooLong", check_kind("ping = \"198.18.0.1\"\ntimeout_ms = 3600001"),
                   "vigil.toml:27: check[0].timeout_ms: 3600001 is out of range (expected "
                   "10..3600000)"},
        RejectCase{"FallZero", check_kind("ping = \"198.18.0.1\"\nfall = 0"),
                   "vigil.toml:27: check[0].fall: 0 is out of range (expected 1..100)"},
        RejectCase{"RiseTooMany", check_kind("ping = \"198.18.0.1\"\nrise = 101"),
                   "vigil.toml:27: check[0].rise: 101 is out of range (expected 1..100)"},
        RejectCase{"WeightTooHigh", check_kind("ping = \"198.18.0.1\"\nweight = 255"),
                   "vigil.toml:27: check[0].weight: 255 is out of range (expected -254..254)"},
        RejectCase{"WeightTooLow", check_kind("ping = \"198.18.0.1\"\nweight = -255"),
                   "vigil.toml:27: check[0].weight: -255 is out of range (expected -254..254)"},
        RejectCase{"MisspeltCheckKey", check_kind("ping = \"198.18.0.1\"\nwieght = 1"),
                   "vigil.toml:27: check[0].wieght: unknown key (expected one of: name, "
                   "command, tcp, http, ping, interval_ms, timeout_ms, fall, rise, weight)"}),
    [](const testing::TestParamInfo<RejectCase>& info) { return info.param.name; });

// A file with two nodes, one group using `resources` resources and `checks` checks.
std::string generated(std::size_t resources, std::size_t checks) {
    std::string text =
        "[cluster]\nname = \"c\"\nauth_key_file = \"k\"\ntwo_node = true\n"
        "[[node]]\nname = \"n1\"\naddress = \"10.0.0.1\"\n"
        "[[node]]\nname = \"n2\"\naddress = \"10.0.0.2\"\n"
        "[[group]]\nname = \"g\"\npriority = { n1 = 1 }\nresources = [";
    for (std::size_t r = 0; r < resources; ++r) text += "\"r" + std::to_string(r) + "\", ";
    text += "]\nchecks = [";
    for (std::size_t k = 0; k < checks; ++k) text += "\"k" + std::to_string(k) + "\", ";
    text += "]\n";
    for (std::size_t r = 0; r < resources; ++r)
        text += "[[resource]]\nname = \"r" + std::to_string(r) + "\"\nexec = \"/bin/r\"\n";
    for (std::size_t k = 0; k < checks; ++k)
        text += "[[check]]\nname = \"k" + std::to_string(k) + "\"\nping = \"10.0.0.9\"\n";
    return text;
}

TEST(ConfigResources, CountLimitsAreEnforced) {
    auto most = parse_config(generated(core::kResourcesPerGroupMax, core::kChecksMax), "v.toml");
    ASSERT_TRUE(most) << most.error().message;
    EXPECT_EQ(most->groups[0].resources.size(), core::kResourcesPerGroupMax);
    EXPECT_EQ(most->groups[0].checks.size(), core::kChecksMax);
    auto resources = parse_config(generated(core::kResourcesPerGroupMax + 1, 0), "v.toml");
    ASSERT_FALSE(resources);
    EXPECT_EQ(resources.error().message,
              "v.toml:14: group[0].resources: 33 resources (expected 0..32)");
    auto checks = parse_config(generated(0, core::kChecksMax + 1), "v.toml");
    ASSERT_FALSE(checks);
    EXPECT_EQ(checks.error().message, "v.toml:16: check: 65 checks (expected 0..64)");
}

// The digest sees every resource and check key and the group keys that use them.
TEST(ConfigResources, DigestChangesWithEveryResourceAndCheckKey) {
    const std::string api = "exec = \"/usr/bin/api --serve\"";
    const std::string ping = "ping = \"198.18.0.1\"";
    const std::vector<std::string> changed = {
        edit("./db-ctl start", "./db-ctl begin"),
        edit("./db-ctl stop", "./db-ctl halt"),
        edit("db-ctl status", "db-ctl state"),
        edit("/usr/bin/api --serve", "/usr/bin/api --serve --fast"),
        edit(api, api + "\nmonitor = \"/bin/true\""),
        edit(api, "systemd_unit = \"api.service\""),
        edit(api, "systemd_unit = \"api2.service\""),
        edit(api, api + "\nmonitor_interval_ms = 999"),
        edit(api, api + "\ntimeout_ms = 4999"),
        edit(api, api + "\nmax_restarts = 2"),
        edit(api, api + "\nrestart_window_s = 59"),
        edit("name = \"api\"", "name = \"api2\"", edit("\"db\", \"api\"]", "\"db\", \"api2\"]")),
        edit("[\"db\", \"api\"]", "[\"api\", \"db\"]"),
        edit("checks = [\"uplink\"]", "checks = []"),
        edit("checks = [\"uplink\"]", "checks = [\"uplink\"]\nfailure_timeout_s = 1"),
        check_kind("ping = \"198.18.0.2\""),
        check_kind("tcp = \"198.18.0.1:1\""),
        check_kind("http = \"http://198.18.0.1/\""),
        check_kind("command = \"198.18.0.1\""),
        check_kind(ping + "\ninterval_ms = 999"),
        check_kind(ping + "\ntimeout_ms = 999"),
        check_kind(ping + "\nfall = 3"),
        check_kind(ping + "\nrise = 3"),
        check_kind(ping + "\nweight = -1"),
        check_kind(ping + "\nweight = 1"),
        std::string(kValid) + "[[check]]\nname = \"spare\"\nping = \"198.18.0.2\"\n",
        // The same resource moved to another group.
        edit("resources = [\"db\", \"api\"]", "resources = [\"db\"]",
             kSecondGroup + "resources = [\"api\"]\n"),
        kSecondGroup,
    };
    std::set<std::array<std::uint8_t, 32>> seen;
    auto base = parse_config(kValid, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(base) << base.error().message;
    seen.insert(base->digest);
    for (std::size_t i = 0; i < changed.size(); ++i) {
        auto config = parse_config(changed[i], "/etc/vigil/vigil.toml");
        ASSERT_TRUE(config) << "change " << i << ": " << config.error().message;
        EXPECT_TRUE(seen.insert(config->digest).second) << "same digest after change " << i;
    }
    // A relative command resolves against the config directory, so another directory is a
    // different command.
    auto elsewhere = parse_config(kValid, "/opt/vigil/vigil.toml");
    ASSERT_TRUE(elsewhere) << elsewhere.error().message;
    EXPECT_NE(elsewhere->digest, base->digest);
}

TEST(ConfigResources, PresentationDoesNotChangeTheDigest) {
    auto base = parse_config(kValid, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(base) << base.error().message;
    // Defaults spelled out, keys reordered, inline tables, the relative paths already
    // resolved or spelt another way.
    const std::string same =
        "resource = [\n"
        "  { monitor = \"/usr/local/bin/db-ctl status\", stop = \"/etc/vigil/db-ctl stop\", "
        "start = \"../vigil/db-ctl start\", name = \"db\", timeout_ms = 5000 },\n"
        "  { name = \"api\", exec = \"/usr/bin/api --serve\", max_restarts = 3, "
        "restart_window_s = 60, monitor_interval_ms = 1000 } ]\n" +
        edit("checks = [\"uplink\"]", "failure_timeout_s = 0\nchecks = [ \"uplink\" ]",
             std::string(kValid.substr(0, kValid.find("[[resource]]")))) +
        "[[check]]\nweight = 0\nrise = 2\nfall = 2\nping = \"198.18.0.1\"\nname = \"uplink\"\n"
        "interval_ms = 1000\ntimeout_ms = 1000\n";
    auto config = parse_config(same, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->digest, base->digest);
}

TEST(ConfigResources, DescribeCountsResourcesAndChecks) {
    auto config = parse_config(kValid, "v.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(describe_config(*config),
              "config ok: cluster controller, 2 nodes (n1, n2), 1 link, two_node (no quorum), 1 "
              "group (northbound: 0 vips), 2 resources, 1 check");
}

TEST(CheckTarget, HostPort) {
    auto v4 = parse_host_port("198.18.0.1:80");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->host.canonical, "198.18.0.1");
    EXPECT_FALSE(v4->host.ipv6);
    EXPECT_EQ(v4->port, 80);
    auto v6 = parse_host_port("[FD00::1]:65535");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host.canonical, "fd00::1");
    EXPECT_TRUE(v6->host.ipv6);
    EXPECT_EQ(v6->port, 65535);
    for (const char* bad : {"198.18.0.1", "198.18.0.1:", "198.18.0.1:0", "198.18.0.1:65536",
                            "198.18.0.1:+80", "198.18.0.1:80x", "[198.18.0.1]:80", "fd00::1:80",
                            "[fd00::1]80", "[fd00::1:80", ":80", "224.0.0.1:80", "h.example:80"})
        EXPECT_FALSE(parse_host_port(bad)) << bad;
}

TEST(CheckTarget, HttpUrl) {
    auto plain = parse_http_url("http://198.18.0.1");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->host.canonical, "198.18.0.1");
    EXPECT_EQ(plain->port, 80);
    EXPECT_EQ(plain->path, "/");
    auto full = parse_http_url("http://[fd00::1]:8080/health?x=1");
    ASSERT_TRUE(full);
    EXPECT_EQ(full->host.canonical, "fd00::1");
    EXPECT_EQ(full->port, 8080);
    EXPECT_EQ(full->path, "/health?x=1");
    for (const char* bad : {"https://198.18.0.1/", "HTTP://198.18.0.1/", "http://", "http:///x",
                            "198.18.0.1", "http://198.18.0.1:/", "http://198.18.0.1:0/",
                            "http://user@198.18.0.1/", "http://fd00::1/", "http://198.18.0.1/a\tb",
                            "http://198.18.0.1/\xc3\xa9", "http://198.18.0.1?x"})
        EXPECT_FALSE(parse_http_url(bad)) << bad;
}

}  // namespace
}  // namespace vigil::daemon
