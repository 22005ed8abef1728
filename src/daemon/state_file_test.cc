// Goal: the durable state file round-trips exactly, a missing file is the empty state, and
// anything else that is not exactly the documented format (docs/state.md) stops the agent
// with an error naming the file. Method: a temporary state_dir per test; corrupt files as a
// table of contents and the reason each must give.
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
    ASSERT_TRUE(file.load());  // creates the directory
    ASSERT_TRUE(file.save(sample()));
    auto loaded = file.load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(*loaded, sample());
    EXPECT_FALSE(fs::exists(root_ / "state" / "n1.state.tmp"));  // renamed into place
}

TEST_F(StateFileTest, SaveReplacesTheWholeFile) {
    StateFile file(root_.string(), "n1");
    ASSERT_TRUE(file.save(sample()));
    ASSERT_TRUE(file.save(core::DurableState{{{"northbound", 8, "n1"}}}));
    EXPECT_EQ(read(root_ / "n1.state"),
              "{\"groups\":[{\"epoch\":8,\"group\":\"northbound\",\"voted_for\":\"n1\"}],"
              "\"version\":1}\n");
    EXPECT_EQ(file.load()->groups.size(), 1u);
}

TEST_F(StateFileTest, MissingFileIsTheEmptyStateAndTheDirectoryIsCreatedPrivate) {
    StateFile file((root_ / "a" / "b").string(), "n1");
    auto loaded = file.load();
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(loaded->groups.empty());
    struct stat st {};
    ASSERT_EQ(stat((root_ / "a" / "b").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_FALSE(fs::exists(root_ / "a" / "b" / "n1.state"));  // load never writes
}

TEST_F(StateFileTest, StateDirThatIsAFileIsAnError) {
    write(root_ / "file", "x");
    StateFile file((root_ / "file").string(), "n1");
    auto loaded = file.load();
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message.find((root_ / "file").string()), std::string::npos);
    EXPECT_FALSE(file.save(sample()));
}

TEST_F(StateFileTest, CorruptFileRefusesToStartAndNamesTheFile) {
    write(root_ / "n1.state", "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epo");
    StateFile file(root_.string(), "n1");
    auto loaded = file.load();
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().code, Error::Code::corruption);
    EXPECT_EQ(loaded.error().message.rfind("state file " + (root_ / "n1.state").string() +
                                               " is corrupt: not valid JSON. The agent will not "
                                               "start with it.",
                                           0),
              0u)
        << loaded.error().message;
}

TEST(StateFormat, EncodingIsTheDocumentedJson) {
    EXPECT_EQ(encode_state({}), "{\"groups\":[],\"version\":1}\n");
    EXPECT_EQ(decode_state(encode_state(sample()))->groups, sample().groups);
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
        CorruptCase{"DuplicateGroup",
                    "{\"version\":1,\"groups\":[{\"group\":\"g\",\"epoch\":1,\"voted_for\":\"\"},"
                    "{\"group\":\"g\",\"epoch\":2,\"voted_for\":\"\"}]}",
                    "group \"g\" appears twice"}),
    [](const testing::TestParamInfo<CorruptCase>& info) { return info.param.name; });

}  // namespace
}  // namespace vigil::daemon
