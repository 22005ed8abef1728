// Goal: ReplayGuard implements the rules of docs/wire.md "Replay protection", one case per
// rule. Method: scripted cases (a sequence of heartbeats and the verdict each must get),
// then a seeded comparison against a deliberately naive, unbounded model.
#include "wire/replay_guard.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/prng.h"

namespace vigil::wire {
namespace {

using Verdict = ReplayGuard::Verdict;

struct Step {
    const char* sender;
    std::uint8_t link;
    std::uint64_t boot_id;
    std::uint64_t seq;
    Verdict expected;
};

struct Case {
    const char* what;
    std::vector<Step> steps;
};

TEST(ReplayGuard, ScriptedCases) {
    const Case cases[] = {
        {"first heartbeat of a sender is accepted", {{"a", 0, 100, 1, Verdict::new_sender}}},
        {"first heartbeat may carry any seq, including 0",
         {{"a", 0, 100, 0, Verdict::new_sender}, {"a", 0, 100, 1, Verdict::fresh}}},
        {"increasing seqs on one link are fresh",
         {{"a", 0, 100, 1, Verdict::new_sender},
          {"a", 0, 100, 2, Verdict::fresh},
          {"a", 0, 100, 7, Verdict::fresh}}},
        {"a duplicate is a replay",
         {{"a", 0, 100, 5, Verdict::new_sender}, {"a", 0, 100, 5, Verdict::replay}}},
        {"an older seq on the same link is a replay, even if never seen",
         {{"a", 0, 100, 5, Verdict::new_sender},
          {"a", 0, 100, 7, Verdict::fresh},
          {"a", 0, 100, 6, Verdict::replay}}},
        {"interleaved links, each increasing, are all fresh",
         {{"a", 0, 100, 1, Verdict::new_sender},
          {"a", 1, 100, 4, Verdict::fresh},
          {"a", 0, 100, 3, Verdict::fresh},
          {"a", 1, 100, 6, Verdict::fresh},
          {"a", 0, 100, 5, Verdict::fresh},
          {"a", 3, 100, 2, Verdict::fresh}}},
        {"a replay on one link does not depend on another link",
         {{"a", 0, 100, 9, Verdict::new_sender},
          {"a", 1, 100, 9, Verdict::fresh},
          {"a", 1, 100, 9, Verdict::replay}}},
        {"a higher boot is a new boot and resets every link's seq",
         {{"a", 0, 100, 50, Verdict::new_sender},
          {"a", 1, 100, 60, Verdict::fresh},
          {"a", 0, 200, 1, Verdict::new_boot},
          {"a", 1, 200, 1, Verdict::fresh},
          {"a", 0, 200, 2, Verdict::fresh}}},
        {"the new boot's first seq is recorded",
         {{"a", 0, 100, 50, Verdict::new_sender},
          {"a", 0, 200, 9, Verdict::new_boot},
          {"a", 0, 200, 9, Verdict::replay}}},
        {"an old boot after a new one is stale, whatever its seq",
         {{"a", 0, 100, 50, Verdict::new_sender},
          {"a", 0, 200, 1, Verdict::new_boot},
          {"a", 0, 100, 51, Verdict::stale_boot},
          {"a", 2, 100, UINT64_MAX, Verdict::stale_boot},
          {"a", 0, 200, 2, Verdict::fresh}}},
        {"a rejected heartbeat changes nothing",
         {{"a", 0, 100, 5, Verdict::new_sender},
          {"a", 0, 100, 4, Verdict::replay},
          {"a", 0, 99, 1000, Verdict::stale_boot},
          {"a", 0, 100, 6, Verdict::fresh}}},
        {"senders are independent",
         {{"a", 0, 100, 5, Verdict::new_sender},
          {"b", 0, 50, 1, Verdict::new_sender},
          {"b", 0, 50, 2, Verdict::fresh},
          {"a", 0, 100, 5, Verdict::replay},
          {"b", 0, 40, 9, Verdict::stale_boot}}},
        {"extreme values",
         {{"a", 0, UINT64_MAX - 1, UINT64_MAX - 1, Verdict::new_sender},
          {"a", 0, UINT64_MAX - 1, UINT64_MAX, Verdict::fresh},
          {"a", 0, UINT64_MAX - 1, UINT64_MAX, Verdict::replay},
          {"a", 0, UINT64_MAX, 0, Verdict::new_boot}}},
    };
    for (const Case& c : cases) {
        ReplayGuard guard;
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            const Step& s = c.steps[i];
            EXPECT_EQ(to_string(guard.check(s.sender, s.link, s.boot_id, s.seq)),
                      std::string(to_string(s.expected)))
                << c.what << ", step " << i;
        }
    }
}

TEST(ReplayGuard, AcceptedVerdicts) {
    EXPECT_TRUE(accepted(Verdict::fresh));
    EXPECT_TRUE(accepted(Verdict::new_sender));
    EXPECT_TRUE(accepted(Verdict::new_boot));
    EXPECT_FALSE(accepted(Verdict::stale_boot));
    EXPECT_FALSE(accepted(Verdict::replay));
    EXPECT_FALSE(accepted(Verdict::too_many_senders));
}

TEST(ReplayGuard, SenderLimitRejectsNewSendersButKeepsKnownOnes) {
    ReplayGuard guard;
    for (std::size_t i = 0; i < ReplayGuard::kSendersMax; ++i) {
        EXPECT_EQ(guard.check("node-" + std::to_string(i), 0, 1, 1), Verdict::new_sender);
    }
    EXPECT_EQ(guard.sender_count(), ReplayGuard::kSendersMax);
    EXPECT_EQ(guard.check("one-too-many", 0, 1, 1), Verdict::too_many_senders);
    EXPECT_EQ(guard.check("one-too-many", 0, 1, 2), Verdict::too_many_senders);
    EXPECT_EQ(guard.sender_count(), ReplayGuard::kSendersMax);
    EXPECT_EQ(guard.check("node-0", 0, 1, 2), Verdict::fresh);
    EXPECT_EQ(guard.check("node-63", 0, 2, 1), Verdict::new_boot);
    guard.forget("node-0");
    EXPECT_EQ(guard.check("one-too-many", 0, 1, 1), Verdict::new_sender);
}

TEST(ReplayGuard, ForgetStartsTheSenderOver) {
    ReplayGuard guard;
    EXPECT_EQ(guard.check("a", 0, 200, 5), Verdict::new_sender);
    guard.forget("a");
    guard.forget("never-seen");
    EXPECT_EQ(guard.boot_id("a"), std::nullopt);
    EXPECT_EQ(guard.check("a", 0, 100, 1), Verdict::new_sender);
}

TEST(ReplayGuard, BootIdReportsTheCurrentBoot) {
    ReplayGuard guard;
    EXPECT_EQ(guard.boot_id("a"), std::nullopt);
    (void)guard.check("a", 0, 100, 1);
    (void)guard.check("a", 0, 200, 1);
    (void)guard.check("a", 0, 150, 1);  // stale: does not move the boot back
    EXPECT_EQ(guard.boot_id("a"), 200u);
}

TEST(ReplayGuardDeathTest, LinkOutOfRangeAsserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    ReplayGuard guard;
    EXPECT_DEATH((void)guard.check("a", kLinksMax, 1, 1), "assertion failed");
    EXPECT_DEATH((void)guard.check("", 0, 1, 1), "assertion failed");
}

// The rules restated as plainly as possible, without bounds.
class NaiveModel {
public:
    Verdict check(const std::string& sender, std::uint8_t link, std::uint64_t boot_id,
                  std::uint64_t seq) {
        auto it = senders_.find(sender);
        if (it == senders_.end()) {
            senders_[sender] = {boot_id, {{link, seq}}};
            return Verdict::new_sender;
        }
        auto& [known_boot, seqs] = it->second;
        if (boot_id < known_boot) return Verdict::stale_boot;
        if (boot_id > known_boot) {
            it->second = {boot_id, {{link, seq}}};
            return Verdict::new_boot;
        }
        if (seqs.contains(link) && seq <= seqs[link]) return Verdict::replay;
        seqs[link] = seq;
        return Verdict::fresh;
    }

private:
    std::map<std::string, std::pair<std::uint64_t, std::map<std::uint8_t, std::uint64_t>>> senders_;
};

// Small value ranges so that duplicates, reorderings and boot changes are frequent.
TEST(ReplayGuard, AgreesWithANaiveModel) {
    constexpr std::uint64_t kSeed = 7405;
    Prng prng(kSeed);
    for (int run = 0; run < 200; ++run) {
        ReplayGuard guard;
        NaiveModel model;
        for (int i = 0; i < 500; ++i) {
            const std::string sender = "node-" + std::to_string(prng.below(5));
            const auto link = static_cast<std::uint8_t>(prng.below(kLinksMax));
            const std::uint64_t boot_id = 100 + prng.below(4);
            const std::uint64_t seq = prng.below(20);
            ASSERT_EQ(to_string(guard.check(sender, link, boot_id, seq)),
                      std::string(to_string(model.check(sender, link, boot_id, seq))))
                << "seed " << kSeed << " run " << run << " step " << i;
        }
    }
}

}  // namespace
}  // namespace vigil::wire
