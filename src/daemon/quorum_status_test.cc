// Goal: the agent's health follows docs/control.md for quorum: a node that hears fewer
// voters than a quorum is unhealthy and says "no quorum: A/Q voters"; in two_node there is
// no quorum to lose, but an unreachable tie-breaker is a problem. Method: NodeStatus values.
#include "daemon/quorum_status.h"

#include <gtest/gtest.h>

#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

using json = nlohmann::json;

core::NodeStatus status(std::size_t alive, std::size_t quorum) {
    core::NodeStatus st;
    st.voters_alive = alive;
    st.quorum = quorum;
    return st;
}

TEST(QuorumStatus, QuorumHeardIsHealthy) {
    core::Config config = testing::make_config(3);
    json out, problems = json::array();
    add_quorum_status(config, status(2, 2), out, problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(out["voters"], 3);
    EXPECT_EQ(out["voters_alive"], 2);
    EXPECT_EQ(out["quorum"], 2);
    EXPECT_EQ(out["two_node"], false);
    EXPECT_FALSE(out.contains("tiebreaker"));
}

TEST(QuorumStatus, LostQuorumIsAProblem) {
    core::Config config = testing::make_config(3);
    json out, problems = json::array();
    add_quorum_status(config, status(1, 2), out, problems);
    EXPECT_EQ(problems, json({"no quorum: 1/2 voters (this node hears 1 of 3 voters; 2 needed)"}));
}

TEST(QuorumStatus, TwoNodeHasNoQuorumToLoseButATiebreaker) {
    core::Config config = testing::make_config(2);
    config.cluster.tiebreaker = "198.18.0.1";
    json out, problems = json::array();
    core::NodeStatus st = status(1, 1);
    st.tiebreaker_reachable = false;
    add_quorum_status(config, st, out, problems);
    EXPECT_EQ(out["two_node"], true);
    EXPECT_EQ(out["tiebreaker"], json({{"address", "198.18.0.1"}, {"reachable", false}}));
    EXPECT_EQ(problems, json({"tiebreaker 198.18.0.1 unreachable: this node may not be primary"}));
}

}  // namespace
}  // namespace vigil::daemon
