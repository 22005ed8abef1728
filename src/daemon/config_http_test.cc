// Goal: [metrics] and [status_page] are read as docs/config.md says, and every malformed or
// unsafe listen address is refused with FILE:LINE: KEY: why.
// Method: a minimal valid file plus appended tables; the exact problem lines are compared.
#include "daemon/config_http.h"

#include <gtest/gtest.h>

#include <string>

#include "daemon/config_parse.h"

namespace vigil::daemon {
namespace {

// Nine lines, so that an appended table starts on line 10.
constexpr std::string_view kBase = R"([cluster]
name = "c"
auth_key_file = "auth.key"
two_node = true
[[node]]
name = "n1"
address = "198.18.0.11"
[[node]]
name = "n2"
address = "198.18.0.12"
)";

Result<core::Config> parse_with(const std::string& tail) {
    return parse_config(std::string(kBase) + tail, "/etc/vigil/vigil.toml");
}

std::string problems_of(const std::string& tail) {
    auto config = parse_with(tail);
    return config ? std::string("(parsed)") : config.error().message;
}

TEST(ConfigHttp, ListenersAreOffWhenTablesAreAbsent) {
    auto config = parse_with("");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_FALSE(config->metrics.enabled);
    EXPECT_FALSE(config->status_page.enabled);
}

TEST(ConfigHttp, Ipv4AndIpv6ListenAddressesAreRead) {
    auto config = parse_with(
        "[metrics]\nlisten = \"127.0.0.1:9405\"\n"
        "[status_page]\nlisten = \"[0:0::1]:9406\"\n");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_TRUE(config->metrics.enabled);
    EXPECT_EQ(config->metrics.address, "127.0.0.1");
    EXPECT_FALSE(config->metrics.ipv6);
    EXPECT_EQ(config->metrics.port, 9405);
    EXPECT_TRUE(config->status_page.enabled);
    EXPECT_EQ(config->status_page.address, "::1");  // canonical spelling
    EXPECT_TRUE(config->status_page.ipv6);
    EXPECT_EQ(config->status_page.port, 9406);
}

TEST(ConfigHttp, RemoteAddressNeedsAllowRemote) {
    EXPECT_EQ(problems_of("[metrics]\nlisten = \"198.18.0.11:9405\"\n"),
              "/etc/vigil/vigil.toml:12: metrics.listen: \"198.18.0.11:9405\" is not a loopback "
              "address; this endpoint has no authentication: listen on 127.0.0.1 or [::1] "
              "(behind a proxy for remote access), or set allow_remote = true");
    auto config = parse_with("[metrics]\nlisten = \"0.0.0.0:9405\"\nallow_remote = true\n");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_TRUE(config->metrics.allow_remote);
    EXPECT_EQ(config->metrics.address, "0.0.0.0");
}

TEST(ConfigHttp, SameAddressForBothIsAllowed) {
    auto config = parse_with(
        "[metrics]\nlisten = \"127.0.0.1:9405\"\n"
        "[status_page]\nlisten = \"127.0.0.1:9405\"\n");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->metrics.port, config->status_page.port);
}

TEST(ConfigHttp, NonTableIsRefused) {
    auto config = parse_config("metrics = \"127.0.0.1:9405\"\n" + std::string(kBase), "/v.toml");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().message,
              "/v.toml:1: metrics: expected a table ([metrics]), got a string");
}

TEST(ConfigHttp, ListenersAreNotInTheDigest) {
    auto plain = parse_with("");
    auto with = parse_with("[metrics]\nlisten = \"127.0.0.1:9405\"\n");
    ASSERT_TRUE(plain);
    ASSERT_TRUE(with);
    EXPECT_EQ(plain->digest, with->digest);  // each node may choose its own
}

struct RejectCase {
    const char* name;
    std::string tail;
    std::string problem;
};

class ConfigHttpRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(ConfigHttpRejects, WithFileLineAndKey) {
    EXPECT_EQ(problems_of(GetParam().tail), "/etc/vigil/vigil.toml:" + GetParam().problem);
}

const std::string kExpected = " (expected e.g. \"127.0.0.1:9405\" or \"[::1]:9405\")";

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigHttpRejects,
    ::testing::Values(
        RejectCase{
            "NoPort", "[metrics]\nlisten = \"127.0.0.1\"\n",
            "12: metrics.listen: \"127.0.0.1\": no port (expected ADDRESS:PORT)" + kExpected},
        RejectCase{
            "PortZero", "[metrics]\nlisten = \"127.0.0.1:0\"\n",
            "12: metrics.listen: \"127.0.0.1:0\": port must be a number in 1..65535" + kExpected},
        RejectCase{"PortTooLarge", "[metrics]\nlisten = \"127.0.0.1:65536\"\n",
                   "12: metrics.listen: \"127.0.0.1:65536\": port must be a number in 1..65535" +
                       kExpected},
        RejectCase{"HostName", "[metrics]\nlisten = \"localhost:9405\"\n",
                   "12: metrics.listen: \"localhost:9405\": \"localhost\" is not an IPv4 address "
                   "(host names are not resolved)" +
                       kExpected},
        RejectCase{"BareIpv6", "[metrics]\nlisten = \"::1:9405\"\n",
                   "12: metrics.listen: \"::1:9405\": an IPv6 address must be written "
                   "[ADDRESS]:PORT" +
                       kExpected},
        RejectCase{"UnclosedBracket", "[status_page]\nlisten = \"[::1:9405\"\n",
                   "12: status_page.listen: \"[::1:9405\": an IPv6 address must be written "
                   "[ADDRESS]:PORT" +
                       kExpected},
        RejectCase{"NotAString", "[metrics]\nlisten = 9405\n",
                   "12: metrics.listen: expected a string, got an integer"},
        RejectCase{"MissingListen", "[metrics]\nallow_remote = false\n",
                   "11: metrics.listen: missing required key (expected \"ADDRESS:PORT\")"},
        RejectCase{"UnknownKey", "[metrics]\nlisten = \"127.0.0.1:9405\"\nport = 1\n",
                   "13: metrics.port: unknown key (expected one of: listen, allow_remote)"},
        RejectCase{"AllowRemoteNotBool",
                   "[metrics]\nlisten = \"127.0.0.1:9405\"\nallow_remote = \"yes\"\n",
                   "13: metrics.allow_remote: expected a boolean (true or false), got a string"},
        RejectCase{"WildcardOverlap",
                   "[metrics]\nlisten = \"0.0.0.0:9405\"\nallow_remote = true\n"
                   "[status_page]\nlisten = \"127.0.0.1:9405\"\n",
                   "15: status_page.listen: overlaps metrics.listen (same port, and one is a "
                   "wildcard address): use the same address for both, or another port"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace vigil::daemon
