// Goal: `vigil status` text shows the quorum state at a glance (docs/control.md): one line
// per group with votes, lease, campaign, eligibility and fencing; a quorum line per node;
// witnesses marked; the promise under -v; a lost quorum spelled out among the problems.
// Method: agent status JSON as the control socket returns it, rendered, checked line by line.
#include "cli/status_text.h"

#include <gtest/gtest.h>

#include <sstream>

namespace vigil::cli {
namespace {

using json = nlohmann::json;

json base_status() {
    return json::parse(R"({
      "node": "n1", "cluster": "c", "pid": 42, "maintenance": false, "witness": false,
      "two_node": false, "voters": 3, "voters_alive": 3, "quorum": 2,
      "healthy": true, "problems": [],
      "groups": [{"name": "g", "role": "primary", "epoch": 5, "primary": "n1",
                  "admin_switchover": false, "elections": 1, "votes": 2, "votes_needed": 2,
                  "campaigning": false, "campaign_epoch": 0, "lease_remaining_ms": 230,
                  "promised_to": "n1", "promise_remaining_ms": 180, "not_eligible": "",
                  "fence": "", "vips": []}],
      "peers": [{"name": "w", "witness": true, "alive": true, "maintenance": false,
                 "config_mismatch": false, "last_heard_ms": 12, "links": []}]
    })");
}

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

TEST(StatusText, PrimaryShowsVotesAndLeaseOnItsLine) {
    std::string text = render_status(base_status(), false);
    EXPECT_TRUE(has_line(text, "quorum: 3/3 voters alive, 2 needed")) << text;
    EXPECT_TRUE(has_line(text, "  g: PRIMARY  epoch 5  primary n1  votes 2/2  lease 230 ms"))
        << text;
    EXPECT_TRUE(has_line(text, "  w [witness]: ALIVE  last heard 12 ms ago")) << text;
    EXPECT_EQ(text.find("promise:"), std::string::npos);  // details only under -v
    EXPECT_TRUE(has_line(render_status(base_status(), true), "    promise: to n1, 180 ms left"));
}

TEST(StatusText, StandbyShowsCampaignEligibilityAndFence) {
    json s = base_status();
    json& g = s["groups"][0];
    g["role"] = "standby";
    g["primary"] = "";
    g["campaigning"] = true;
    g["campaign_epoch"] = 6;
    g["votes"] = 1;
    g["lease_remaining_ms"] = nullptr;
    g["not_eligible"] = "tiebreaker unreachable";
    g["fence"] = "running n2";
    EXPECT_TRUE(has_line(render_status(s, false),
                         "  g: STANDBY  epoch 5  primary (none)  CAMPAIGNING epoch 6  votes 1/2  "
                         "[not eligible: tiebreaker unreachable]  [fence: running n2]"))
        << render_status(s, false);
}

TEST(StatusText, LostQuorumIsSpelledOut) {
    json s = base_status();
    s["voters_alive"] = 1;
    s["healthy"] = false;
    s["problems"] = {"no quorum: 1/2 voters (this node hears 1 of 3 voters; 2 needed)"};
    std::string text = render_status(s, false);
    EXPECT_TRUE(has_line(text, "quorum: NO QUORUM: 1/3 voters alive, 2 needed")) << text;
    EXPECT_TRUE(has_line(text, "UNHEALTHY:")) << text;
    EXPECT_TRUE(
        has_line(text, "  - no quorum: 1/2 voters (this node hears 1 of 3 voters; 2 needed)"))
        << text;
}

TEST(StatusText, WitnessAndTwoNodeAreMarked) {
    json s = base_status();
    s["witness"] = true;
    s["node"] = "w";
    EXPECT_NE(render_status(s, false).find("node w (cluster c, pid 42)  [WITNESS: votes, holds "
                                           "no group]"),
              std::string::npos);
    s = base_status();
    s["two_node"] = true;
    s["tiebreaker"] = {{"address", "198.18.0.1"}, {"reachable", false}};
    s["groups"][0]["lease_remaining_ms"] = nullptr;  // no lease needed
    s["groups"][0]["votes_needed"] = 1;
    s["groups"][0]["votes"] = 1;
    std::string text = render_status(s, false);
    EXPECT_TRUE(has_line(
        text, "quorum: two_node (each node decides alone); tiebreaker 198.18.0.1 UNREACHABLE"))
        << text;
    EXPECT_TRUE(has_line(text, "  g: PRIMARY  epoch 5  primary n1  votes 1/1")) << text;
}

TEST(StatusText, OlderAgentWithoutQuorumFieldsStillRenders) {
    json s = base_status();
    for (const char* k : {"witness", "two_node", "voters", "voters_alive", "quorum"}) s.erase(k);
    for (const char* k :
         {"votes", "votes_needed", "campaigning", "campaign_epoch", "lease_remaining_ms",
          "promised_to", "promise_remaining_ms", "not_eligible", "fence"})
        s["groups"][0].erase(k);
    std::string text = render_status(s, true);
    EXPECT_TRUE(has_line(text, "  g: PRIMARY  epoch 5  primary n1")) << text;
}

TEST(StatusText, ResourceRetiredByAReloadIsMarked) {
    json s = base_status();
    s["groups"][0]["resources"] = json::parse(R"([
      {"name": "api", "state": "stopping", "retiring": true, "restarts": 0, "max_restarts": 3,
       "last_failure": ""},
      {"name": "api", "state": "stopped", "retiring": false, "restarts": 0, "max_restarts": 3,
       "last_failure": ""}])");
    std::string text = render_status(s, false);
    EXPECT_TRUE(has_line(text, "    resource api: stopping (retiring)  restarts 0/3")) << text;
    EXPECT_TRUE(has_line(text, "    resource api: stopped  restarts 0/3")) << text;
}

TEST(StatusText, VrrpRoutersCountedByStateThenOneLineEach) {
    json s = base_status();
    s["vrrp"] = json::parse(R"([
      {"name": "r1", "vrid": 51, "interface": "eth0", "active": true, "state": "master",
       "priority": 130, "configured_priority": 150, "master": "198.18.0.11",
       "master_priority": 130},
      {"name": "r2", "vrid": 52, "interface": "eth0", "active": true, "state": "backup",
       "priority": 100, "configured_priority": 100, "master": "198.18.0.12",
       "master_priority": 200, "sync_group": "edge", "waiting_for_sync_group": true},
      {"name": "r3", "vrid": 53, "interface": "eth1", "active": true, "state": "fault",
       "priority": 100, "configured_priority": 100, "fault": "no quorum"},
      {"name": "r4", "vrid": 54, "interface": "eth1", "active": false, "state": "initialize",
       "priority": 0, "configured_priority": 0}
    ])");
    const std::string text = render_status(s, false);
    EXPECT_TRUE(has_line(text, "vrrp3 routers:  1 backup  1 fault  1 master")) << text;
    EXPECT_TRUE(has_line(text, "  r1: MASTER  vrid 51 on eth0  priority 130 (configured 150)"))
        << text;
    EXPECT_TRUE(has_line(text, "  r2: BACKUP  vrid 52 on eth0  priority 100  master 198.18.0.12 "
                               "(200)  sync group edge  (waiting for its sync group)"))
        << text;
    EXPECT_TRUE(has_line(text, "    fault: no quorum")) << text;
    EXPECT_EQ(text.find("r4"), std::string::npos) << "a router this node takes no part in";
}

}  // namespace
}  // namespace vigil::cli

namespace vigil::cli {
namespace {

TEST(StatusText, StoreShowsIndexSnapshotAndEachStandbysLag) {
    nlohmann::json s = base_status();
    s["groups"][0]["store"] = nlohmann::json::parse(R"({
      "role": "primary", "last_index": 1042, "applied_index": 1042, "durable_index": 1042,
      "first_index": 1001, "keys": 311, "snapshot_index": 1000, "snapshot_every": 10000,
      "entries_since_snapshot": 42, "sync_confirmed": true,
      "sync_set": {"epoch": 5, "seq": 2, "members": ["n1", "n2"]},
      "standbys": [{"name": "n2", "state": "in_sync", "match_index": 1042, "lag_entries": 0,
                    "lag_ms": 0.0},
                   {"name": "n3", "state": "out_of_date", "match_index": 900,
                    "lag_entries": 142, "lag_ms": 1500.0}]})");
    const std::string text = render_status(s, false);
    EXPECT_TRUE(has_line(text,
                         "    store: index 1042 (applied 1042, durable 1042)  keys 311  snapshot "
                         "at 1000 (every 10000, 42 entries since)  sync set n1 n2"))
        << text;
    EXPECT_TRUE(has_line(text, "      standby n2: in_sync  match 1042  lag 0 entries, 0.0 ms"));
    EXPECT_TRUE(
        has_line(text, "      standby n3: out_of_date  match 900  lag 142 entries, 1500.0 ms"));
    s["groups"][0]["store"]["sync_confirmed"] = false;
    EXPECT_NE(render_status(s, false).find("[sync set not yet confirmed by a quorum: writes wait]"),
              std::string::npos);
    s["groups"][0]["store"] = {{"role", "standby"}, {"connected", false}, {"last_index", 7}};
    EXPECT_NE(render_status(s, false).find("    store: standby, NOT CONNECTED to a primary, index 7"),
              std::string::npos);
    s["groups"][0]["store"] = {{"role", "failed"}, {"error", "fdatasync: EIO"}};
    EXPECT_TRUE(has_line(render_status(s, false), "    store: FAILED: fdatasync: EIO"));
}

}  // namespace
}  // namespace vigil::cli
