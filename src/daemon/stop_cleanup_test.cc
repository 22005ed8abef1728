// Goal: `vigil cleanup-vips` removes this node's configured VIPs and nothing else, is
// idempotent and silent when there is nothing to do, and stops the resources only when the
// agent may have left them running. Method: a map-backed io::Addresses and a table of the
// service manager's SERVICE_RESULT/EXIT_CODE/EXIT_STATUS cases.
#include "daemon/stop_cleanup.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

struct MapAddresses final : io::Addresses {
    std::set<std::string> held;  // "interface address/prefix"
    static std::string key(const core::VipConfig& v) { return v.interface + " " + v.cidr(); }
    Result<void> add(const core::VipConfig& v) override {
        held.insert(key(v));
        return {};
    }
    Result<void> remove(const core::VipConfig& v) override {
        held.erase(key(v));
        return {};
    }
    Result<bool> present(const core::VipConfig& v) override { return held.count(key(v)) > 0; }
};

TEST(CleanupVips, RemovesConfiguredVipsOnlyAndIsIdempotent) {
    core::Config config = testing::make_config();
    MapAddresses addresses;
    testing::CapturingLogger log;
    ASSERT_TRUE(addresses.add(config.groups[0].vips[0]));           // left behind by a killed agent
    const core::VipConfig other{"198.18.0.99", 24, false, "eth0"};  // not a VIP: stays
    ASSERT_TRUE(addresses.add(other));
    EXPECT_EQ(remove_configured_vips(config, addresses, log), 0u);
    EXPECT_EQ(addresses.held, (std::set<std::string>{MapAddresses::key(other)}));
    EXPECT_EQ(log.count("vip_removed"), 1);
    // Again: nothing to do, nothing said.
    log.entries.clear();
    EXPECT_EQ(remove_configured_vips(config, addresses, log), 0u);
    EXPECT_TRUE(log.entries.empty());
    EXPECT_EQ(addresses.held.size(), 1u);
}

TEST(CleanupVips, ReportsAVipItCouldNotRemove) {
    struct Stuck final : io::Addresses {
        Result<void> add(const core::VipConfig&) override { return {}; }
        Result<void> remove(const core::VipConfig&) override {
            return Error::io("netlink: Operation not permitted");
        }
        Result<bool> present(const core::VipConfig& v) override { return !v.ipv6; }
    } addresses;
    testing::CapturingLogger log;
    EXPECT_EQ(remove_configured_vips(testing::make_config(), addresses, log), 1u);
    ASSERT_EQ(log.count("vip_removed"), 1);
    EXPECT_EQ(log.entries[0].level, Level::error);
}

TEST(CleanupVips, ResourceStopsRunOnlyWhenTheAgentMayHaveLeftThemRunning) {
    struct Case {
        ResourceStops mode;
        StopContext context;
        bool stops;
    };
    const Case cases[] = {
        {ResourceStops::automatic, {"success", "exited", "0"}, false},  // clean stop
        {ResourceStops::automatic, {"watchdog", "killed", "ABRT"}, true},
        {ResourceStops::automatic, {"signal", "killed", "KILL"}, true},
        {ResourceStops::automatic, {"timeout", "killed", "KILL"}, true},
        {ResourceStops::automatic, {"exit-code", "exited", "73"}, true},   // stops incomplete
        {ResourceStops::automatic, {"exit-code", "exited", "137"}, true},  // agent killed
        {ResourceStops::automatic, {"exit-code", "exited", "2"}, false},   // invalid config
        {ResourceStops::automatic, {"exit-code", "exited", "75"}, false},  // never started
        {ResourceStops::automatic, {"", "", ""}, true},                    // by hand
        {ResourceStops::stop, {"success", "exited", "0"}, true},
        {ResourceStops::skip, {"watchdog", "killed", "ABRT"}, false},
    };
    for (const auto& c : cases)
        EXPECT_EQ(should_stop_resources(c.mode, c.context), c.stops)
            << c.context.service_result << " " << c.context.exit_code << " "
            << c.context.exit_status;
}

}  // namespace
}  // namespace vigil::daemon
