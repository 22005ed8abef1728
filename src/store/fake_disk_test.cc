// Goal: FakeDisk's fault switches behave as documented in fake_disk.h, since every crash
// test of the log depends on them. Method: small scripted sequences on one file.
#include "store/fake_disk.h"

#include <gtest/gtest.h>

namespace vigil::store {
namespace {

constexpr const char* kPath = "/d/f";

class FakeDiskTest : public testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(disk_.make_directories("/d")); }
    std::unique_ptr<io::AppendFile> open() {
        auto f = disk_.open_append(kPath);
        EXPECT_TRUE(f);
        return std::move(*f);
    }
    FakeDisk disk_;
};

TEST_F(FakeDiskTest, CrashKeepsOnlySyncedBytes) {
    auto f = open();
    ASSERT_TRUE(f->append("synced"));
    ASSERT_TRUE(f->sync());
    ASSERT_TRUE(f->append("-lost"));
    EXPECT_EQ(*disk_.read_file(kPath), "synced-lost");  // the page cache sees both
    disk_.crash();
    EXPECT_EQ(*disk_.read_file(kPath), "synced");
    EXPECT_FALSE(f->append("x"));  // a handle from before the crash is dead
    EXPECT_EQ(disk_.sync_count(), 1u);
}

TEST_F(FakeDiskTest, CrashTornKeepsAPrefixOfUnsyncedAndIsDeterministic) {
    std::set<std::size_t> sizes;
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
        std::string seen[2];
        for (std::string& s : seen) {
            FakeDisk disk;
            ASSERT_TRUE(disk.make_directories("/d"));
            auto f = std::move(*disk.open_append(kPath));
            ASSERT_TRUE(f->append("AAAA"));
            ASSERT_TRUE(f->sync());
            ASSERT_TRUE(f->append("BBBBBBBBBBBBBBBB"));
            disk.crash_torn(seed);
            s = *disk.read_file(kPath);
        }
        EXPECT_EQ(seen[0], seen[1]) << "seed " << seed;
        ASSERT_GE(seen[0].size(), 4u);
        EXPECT_EQ(seen[0].substr(0, 4), "AAAA") << "synced bytes never change";
        EXPECT_LE(seen[0].size(), 20u);
        sizes.insert(seen[0].size());
    }
    EXPECT_GT(sizes.size(), 3u) << "the cut point varies with the seed";
}

TEST_F(FakeDiskTest, FailNextSyncFailsOnceAndKeepsBytesUnsynced) {
    auto f = open();
    ASSERT_TRUE(f->append("abc"));
    disk_.fail_next_sync();
    auto r = f->sync();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::io);
    EXPECT_NE(r.error().message.find(kPath), std::string::npos);
    EXPECT_TRUE(f->sync());
}

TEST_F(FakeDiskTest, FullDiskRefusesAppendsAndAtomicWrites) {
    auto f = open();
    disk_.set_full(true);
    auto r = f->append("abc");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no space"), std::string::npos);
    EXPECT_FALSE(disk_.write_atomic("/d", "g", "x"));
    disk_.set_full(false);
    EXPECT_TRUE(f->append("abc"));
    EXPECT_EQ(f->size(), 3u);
}

TEST_F(FakeDiskTest, CorruptFlipsOneByte) {
    auto f = open();
    ASSERT_TRUE(f->append("abc"));
    disk_.corrupt(kPath, 1);
    EXPECT_EQ(disk_.read_file(kPath)->at(1), static_cast<char>(~'b'));
}

TEST_F(FakeDiskTest, AtomicWriteRemoveAndListAreDurable) {
    ASSERT_TRUE(disk_.write_atomic("/d", "b", "1"));
    ASSERT_TRUE(disk_.write_atomic("/d", "a", "2"));
    auto f = open();  // "/d/f", empty
    disk_.crash();
    EXPECT_EQ(*disk_.list("/d"), (std::vector<std::string>{"a", "b", "f"}));
    ASSERT_TRUE(disk_.remove("/d/a"));
    EXPECT_EQ(disk_.read_file("/d/a").error().code, Error::Code::not_found);
    EXPECT_EQ(disk_.list("/nope").error().code, Error::Code::not_found);
}

TEST_F(FakeDiskTest, PowerLossStopsEveryChangeUntilTheCrash) {
    auto f = open();
    disk_.lose_power_after(2);
    ASSERT_TRUE(f->append("ab"));
    ASSERT_TRUE(f->sync());
    auto r = f->append("cd");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("power lost"), std::string::npos);
    EXPECT_FALSE(disk_.write_atomic("/d", "g", "x"));
    EXPECT_FALSE(disk_.remove(kPath));
    EXPECT_FALSE(disk_.open_append("/d/new"));
    disk_.crash();
    EXPECT_EQ(*disk_.list("/d"), std::vector<std::string>{"f"});
    EXPECT_EQ(*disk_.read_file(kPath), "ab");
    EXPECT_TRUE(disk_.write_atomic("/d", "g", "x")) << "power is back after the crash";
}

TEST_F(FakeDiskTest, TruncateCutsAndSyncs) {
    auto f = open();
    ASSERT_TRUE(f->append("abcdef"));
    ASSERT_TRUE(f->truncate(2));
    disk_.crash();
    EXPECT_EQ(*disk_.read_file(kPath), "ab");
}

}  // namespace
}  // namespace vigil::store
