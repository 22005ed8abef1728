// Goal: the durable state file round-trips exactly, a missing file is created and is the
// empty state, a torn newest record falls back to the previous state, the largest state fits,
// and anything else that is not exactly the documented format (docs/state.md) stops the agent
// with an error naming the file. Method: a temporary state_dir per test; damage done to the
// file's bytes at documented offsets; corrupt payloads as a table of contents and the reason
// each must give. The slot format itself is proven in io/durable_file_test.cc.
#include "daemon/state_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigil::daemon {
namespace {

namespace fs = std::filesystem;

class StateFileTest : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "vigil-state-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
    }
    void TearDown() override { fs::remove_all(root_); }
    void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
    std::string read(const fs::path& p) {
        std::stringstream s;
        s << std::ifstream(p).rdbuf();
        return s.str();
    }
    fs::path root_;
};

core::DurableState sample() {
    core::DurableState s;
    s.groups.push_back({"northbound", 7, "n2"});
    s.groups.push_back({"southbound", 0, ""});
    s.groups.push_back({"big", 18446744073709551615ull, "n1"});
    return s;
}

TEST_F(StateFileTest, SaveThenLoadRoundTrips) {
    StateFile file((root_ / "state").string(), "n1");
    EXPECT_EQ(file.path(), (root_ / "state" / "n1.state").string());
    ASSERT_TRUE(file.load());  // creates the directory and the file
    ASSERT_TRUE(file.save(sample()));
    StateFile again((root_ / "state").string(), "n1");
    auto loaded = again.load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(*loaded, sample());
    EXPECT_FALSE(fs::exists(root_ / "state" / "n1.state.tmp"));  // created by rename
}

TEST_F(StateFileTest, SavedStateIsTheNewestRecordOfTheDocumentedFile) {
    StateFile file(root_.string(), "n1");
    ASSERT_TRUE(file.load());
    ASSERT_TRUE(file.save(sample()));
    ASSERT_TRUE(file.save(core::DurableState{{{"northbound", 8, "n1"}}}));
    const std::string all = read(root_ / "n1.state");
    ASSERT_EQ(all.size(), 65536u);  // docs/state.md: always exactly two 32 KiB slots
    // Sequence 2, so slot A; the payload follows the 40-byte header.
    const std::string json =
        "{\"groups\":[{\"epoch\":8,\"group\":\"northbound\",\"voted_for\":\"n1\"}],"
        "\"version\":1}\n";
    EXPECT_EQ(all.substr(0, 8), "VIGSTATE");
    EXPECT_EQ(static_cast<unsigned char>(all[12]), json.size());  // length, little-endian
    EXPECT_EQ(static_cast<unsigned char>(all[16]), 2u);           // sequence
    EXPECT_EQ(all.substr(40, json.size()), json);
    StateFile again(root_.string(), "n1");
    EXPECT_EQ(again.load()->groups.size(), 1u);
}

TEST_F(StateFileTest, ManySavesAlternateSlotsAndTheNewestIsLoaded) {
    StateFile file(root_.string(), "n1");
    ASSERT_TRUE(file.load());
    for (std::uint64_t epoch = 1; epoch <= 200; ++epoch)
        ASSERT_TRUE(file.save(core::DurableState{{{"northbound", epoch, "n2"}}}));
    EXPECT_EQ(fs::file_size(root_ / "n1.state"), 65536u);
    StateFile again(root_.string(), "n1");
    auto loaded = again.load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->groups.at(0).epoch, 200u);
    // And the agent carries on after a restart: the next save is the newest again.
    ASSERT_TRUE(again.save(core::DurableState{{{"northbound", 201, ""}}}));
    StateFile third(root_.string(), "n1");
    EXPECT_EQ(third.load()->groups.at(0).epoch, 201u);
}

TEST_F(StateFileTest, TornNewestRecordFallsBackToThePreviousState) {
    StateFile file(root_.string(), "n1");
    ASSERT_TRUE(file.load());
    ASSERT_TRUE(file.save(core::DurableState{{{"northbound", 7, "n2"}}}));  // slot B
    ASSERT_TRUE(file.save(core::DurableState{{{"northbound", 8, "n1"}}}));  // slot A
    std::string all = read(root_ / "n1.state");
    all[50] = static_cast<char>(all[50] ^ 1);  // inside slot A's payload
    write(root_ / "n1.state", all);
    StateFile again(root_.string(), "n1");
    auto loaded = again.load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(*loaded, (core::DurableState{{{"northbound", 7, "n2"}}}));
}

TEST_F(StateFileTest, MissingFileIsTheEmptyStateAndIsCreatedInAPrivateDirectory) {
    StateFile file((root_ / "a" / "b").string(), "n1");
    auto loaded = file.load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(loaded->groups.empty());
    struct stat st {};
    ASSERT_EQ(stat((root_ / "a" / "b").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    // Created whole at load, so that writes never change its size (docs/state.md).
    ASSERT_EQ(stat((root_ / "a" / "b" / "n1.state").c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 65536);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    StateFile again((root_ / "a" / "b").string(), "n1");
    EXPECT_TRUE(again.load()->groups.empty());
}

TEST_F(StateFileTest, StateDirThatIsAFileIsAnError) {
    write(root_ / "file", "x");
    StateFile file((root_ / "file").string(), "n1");
    auto loaded = file.load();
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message.find((root_ / "file").string()), std::string::npos);
    EXPECT_FALSE(file.save(sample()));  // never loaded: refused, not written
}

TEST_F(StateFileTest, FileOfAnotherFormatRefusesToStartAndNamesTheFile) {
    // A JSON-only state file, as vigil wrote before the two-slot format.
    write(root_ / "n1.state", "{\"groups\":[],\"version\":1}\n");
    StateFile file(root_.string(), "n1");
    auto loaded = file.load();
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().code, Error::Code::corruption);
    EXPECT_EQ(loaded.error().message.rfind(
                  "state file " + (root_ / "n1.state").string() +
                      " is corrupt: not a state file of this format (neither slot starts with "
                      "\"VIGSTATE\"; docs/state.md). The agent will not start with it.",
                  0),
              0u)
        << loaded.error().message;
    EXPECT_FALSE(file.save(sample()));
}

TEST_F(StateFileTest, BothRecordsCorruptRefusesToStartAndNamesTheFile) {
    StateFile file(root_.string(), "n1");
    ASSERT_TRUE(file.load());
    ASSERT_TRUE(file.save(sample()));
    std::string all = read(root_ / "n1.state");
    all[45] = static_cast<char>(all[45] ^ 1);                  // slot A's payload
    all[32768 + 45] = static_cast<char>(all[32768 + 45] ^ 1);  // slot B's payload
    write(root_ / "n1.state", all);
    StateFile again(root_.string(), "n1");
    auto loaded = again.load();
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().code, Error::Code::corruption);
    EXPECT_EQ(loaded.error().message.rfind("state file " + (root_ / "n1.state").string() +
                                               " is corrupt: no valid record: slot A: checksum "
                                               "mismatch",
                                           0),
              0u)
        << loaded.error().message;
}

TEST_F(StateFileTest, ValidRecordThatIsNotTheStateRefusesToStart) {
    {
        auto raw = io::DurableFile::open(root_.string(), "n1.state", "{\"version\":1,\"gro");
        ASSERT_TRUE(raw);
    }
    StateFile file(root_.string(), "n1");
    auto loaded = file.load();
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().message.rfind("state file " + (root_ / "n1.state").string() +
                                               " is corrupt: not valid JSON. The agent will not "
                                               "start with it.",
                                           0),
              0u)
        << loaded.error().message;
}

// 128 groups, every name and vote 63 bytes long, epochs of 20 digits, each with a sync set
// of 20-digit epoch and seq and every one of 16 nodes: the largest state a valid
// configuration can produce (docs/state.md "Payload").
core::DurableState largest() {
    core::DurableState s;
    for (std::size_t g = 0; g < core::kGroupsMax; ++g) {
        std::string name = "g" + std::to_string(g);
        name += std::string(core::kNameBytesMax - name.size(), '.');
        s.groups.push_back({name, 18446744073709551615ull, std::string(core::kNameBytesMax, 'n'),
                            18446744073709551615ull, 18446744073709551615ull, 0xffff});
    }
    return s;
}

TEST_F(StateFileTest, LargestStateFitsAndRoundTrips) {
    EXPECT_EQ(encode_state(largest()).size(), kStatePayloadBytesMax);  // the bound is exact
    EXPECT_EQ(kStatePayloadBytesMax, 30745u);                          // as docs/state.md says
    StateFile file(root_.string(), "n1");
    ASSERT_TRUE(file.load());
    ASSERT_TRUE(file.save(largest()));
    StateFile again(root_.string(), "n1");
    auto loaded = again.load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(*loaded, largest());
}

TEST_F(StateFileTest, StateTooLargeForASlotIsAnErrorAndTheFileKeepsThePreviousState) {
    StateFile file(root_.string(), "n1");
    ASSERT_TRUE(file.load());
    ASSERT_TRUE(file.save(sample()));
    // Names longer than any configuration allows: only a bug could produce this.
    core::DurableState huge;
    for (std::size_t g = 0; g < core::kGroupsMax; ++g)
        huge.groups.push_back({std::string(300, 'a') + std::to_string(g), 1, ""});
    auto saved = file.save(huge);
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error().message.rfind("state file " + (root_ / "n1.state").string() + ": ", 0),
              0u);
    EXPECT_NE(saved.error().message.find("does not fit a slot (at most 32728)"), std::string::npos)
        << saved.error().message;
    StateFile again(root_.string(), "n1");
    EXPECT_EQ(*again.load(), sample());
}

TEST(StateFormat, EncodingIsTheDocumentedJson) {
    EXPECT_EQ(encode_state({}), "{\"groups\":[],\"version\":1}\n");
    EXPECT_EQ(decode_state(encode_state(sample()))->groups, sample().groups);
}

// The sync set of a group with a replicated store: written only when there is one, so a
// state without it is unchanged, and read back exactly.
TEST(StateFormat, SyncSetRoundTripsAndIsAbsentWithoutOne) {
    core::DurableState with_sync{{{"northbound", 7, "n2", 7, 3, 5}, {"southbound", 2, ""}}};
    EXPECT_EQ(encode_state(with_sync),
              "{\"groups\":[{\"epoch\":7,\"group\":\"northbound\",\"sync\":[7,3,5],"
              "\"voted_for\":\"n2\"},{\"epoch\":2,\"group\":\"southbound\",\"voted_for\":\"\"}],"
              "\"version\":1}\n");
    auto decoded = decode_state(encode_state(with_sync));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, with_sync);
}

// A file written before the sync set existed loads with none (all zero).
TEST(StateFormat, FileWithoutSyncSetLoadsWithNone) {
    auto decoded = decode_state(
        "{\"groups\":[{\"epoch\":4,\"group\":\"g\",\"voted_for\":\"n1\"}],"
        "\"version\":1}");
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->groups.at(0), (core::DurableGroup{"g", 4, "n1", 0, 0, 0}));
}

struct CorruptCase {
    const char* name;
    const char* text;
    const char* why;
};
void PrintTo(const CorruptCase& c, std::ostream* os) {
    *os << c.name;
}
class StateCorrupt : public testing::TestWithParam<CorruptCase> {};

TEST_P(StateCorrupt, IsRefusedWithTheReason) {
    auto state = decode_state(GetParam().text);
    ASSERT_FALSE(state) << GetParam().text;
    EXPECT_EQ(state.error().code, Error::Code::corruption);
    EXPECT_EQ(state.error().message, GetParam().why);
}

INSTANTIATE_TEST_SUITE_P(
    State, StateCorrupt,
    testing::Values(
        CorruptCase{"Empty", "", "not valid JSON"},
        CorruptCase{"Torn", "{\"version\":1,\"gro", "not valid JSON"},
        CorruptCase{"NotAnObject", "[1]", "not a JSON object"},
        CorruptCase{"NoVersion", "{\"groups\":[]}", "no version"},
        CorruptCase{"NewerVersion", "{\"version\":2,\"groups\":[]}", "version 2 (expected 1)"},
        CorruptCase{"UnknownKey", "{\"version\":1,\"groups\":[],\"x\":0}", "unknown key \"x\""},
        CorruptCase{"GroupsNotAnArray", "{\"version\":1,\"groups\":{}}",
                    "\"groups\" must be an array"},
        CorruptCase{"GroupNotAnObject", "{\"version\":1,\"groups\":[3]}",
                    "groups[0] is not an object"},
        CorruptCase{
            "NegativeEpoch",
            "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":-1,\"voted_for\":\"\"}]}",
            "groups[0].epoch must be an unsigned integer"},
        CorruptCase{
            "EpochAsString",
            "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":\"1\",\"voted_for\":\"\"}]}",
            "groups[0].epoch must be an unsigned integer"},
        CorruptCase{"EmptyGroupName",
                    "{\"version\":1,\"groups\":[{\"group\":\"\",\"epoch\":1,\"voted_for\":\"\"}]}",
                    "groups[0].group must be a group name"},
        CorruptCase{"MissingVote", "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1}]}",
                    "groups[0].voted_for must be a string"},
        CorruptCase{"UnknownGroupKey",
                    "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1,\"voted_for\":\"\","
                    "\"term\":1}]}",
                    "groups[0] has an unknown key \"term\""},
        CorruptCase{"SyncNotAnArray",
                    "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1,\"voted_for\":\"\","
                    "\"sync\":7}]}",
                    "groups[0].sync must be [epoch, seq, mask] of unsigned integers, mask below "
                    "2^16"},
        CorruptCase{"SyncTooShort",
                    "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1,\"voted_for\":\"\","
                    "\"sync\":[1,2]}]}",
                    "groups[0].sync must be [epoch, seq, mask] of unsigned integers, mask below "
                    "2^16"},
        CorruptCase{"SyncMaskBeyondNodes",
                    "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1,\"voted_for\":\"\","
                    "\"sync\":[1,2,65536]}]}",
                    "groups[0].sync must be [epoch, seq, mask] of unsigned integers, mask below "
                    "2^16"},
        CorruptCase{"SyncNegativeSeq",
                    "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1,\"voted_for\":\"\","
                    "\"sync\":[1,-2,1]}]}",
                    "groups[0].sync must be [epoch, seq, mask] of unsigned integers, mask below "
                    "2^16"},
        CorruptCase{"DuplicateGroup",
                    "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1,\"voted_for\":\"\"},"
                    "{\"group\":\"g\",\"epoch\":2,\"voted_for\":\"\"}]}",
                    "group \"g\" appears twice"}),
    [](const testing::TestParamInfo<CorruptCase>& info) { return info.param.name; });

}  // namespace
}  // namespace vigil::daemon
