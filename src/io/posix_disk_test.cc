// Goal: PosixDisk does what disk.h promises on a real file system: appends land at the end
// (also after reopening), truncate cuts, write_atomic replaces whole, list is sorted and
// complete, and errors name the path and the errno text. Method: a temporary directory per
// test. (Durability across power loss cannot be observed here; FakeDisk models it.)
#include "io/posix_disk.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace vigil::io {
namespace {

namespace fs = std::filesystem;

class PosixDiskTest : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "vigil-disk-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
    }
    void TearDown() override { fs::remove_all(root_); }
    std::string path(const std::string& name) const { return root_ + "/" + name; }

    std::string root_;
    PosixDisk disk_;
};

TEST_F(PosixDiskTest, AppendSyncReadAndReopenAppendsAtTheEnd) {
    {
        auto f = disk_.open_append(path("log"));
        ASSERT_TRUE(f) << f.error().message;
        ASSERT_TRUE((*f)->append("hello "));
        ASSERT_TRUE((*f)->sync());
        EXPECT_EQ((*f)->size(), 6u);
    }
    auto f = disk_.open_append(path("log"));
    ASSERT_TRUE(f);
    EXPECT_EQ((*f)->size(), 6u);
    ASSERT_TRUE((*f)->append("world"));
    EXPECT_EQ(*disk_.read_file(path("log")), "hello world");
    ASSERT_TRUE((*f)->truncate(5));
    EXPECT_EQ((*f)->size(), 5u);
    EXPECT_EQ(*disk_.read_file(path("log")), "hello");
}

// With preallocation the file is longer than what was appended: zeros follow, in steps;
// size() is the appended end, and appends land there, not after the zeros.
TEST_F(PosixDiskTest, PreallocatingAppendsWriteZerosAheadInSteps) {
    PosixDisk disk(4096);
    auto f = disk.open_append(path("log"));
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_TRUE((*f)->append("hello "));
    ASSERT_TRUE((*f)->append("world"));
    ASSERT_TRUE((*f)->sync());
    EXPECT_EQ((*f)->size(), 11u);
    std::string content = *disk.read_file(path("log"));
    ASSERT_EQ(content.size(), 4096u);
    EXPECT_EQ(content.substr(0, 11), "hello world");
    EXPECT_EQ(content.find_first_not_of('\0', 11), std::string::npos);
    ASSERT_TRUE((*f)->append(std::string(5000, 'x')));  // past the first step: a second one
    EXPECT_EQ((*f)->size(), 5011u);
    EXPECT_EQ(disk.read_file(path("log"))->size(), 8192u);
    ASSERT_TRUE((*f)->truncate(5));  // cuts the zeros too
    EXPECT_EQ(*disk.read_file(path("log")), "hello");
    ASSERT_TRUE((*f)->append("!"));
    EXPECT_EQ(disk.read_file(path("log"))->substr(0, 6), "hello!");
}

TEST_F(PosixDiskTest, WriteAtomicReplacesAndListIsSorted) {
    ASSERT_TRUE(disk_.write_atomic(root_, "snapshot", "one"));
    ASSERT_TRUE(disk_.write_atomic(root_, "snapshot", "two"));
    EXPECT_EQ(*disk_.read_file(path("snapshot")), "two");
    ASSERT_TRUE(disk_.open_append(path("b")));
    ASSERT_TRUE(disk_.open_append(path("a")));
    EXPECT_EQ(*disk_.list(root_), (std::vector<std::string>{"a", "b", "snapshot"}));
    ASSERT_TRUE(disk_.remove(path("a")));
    EXPECT_EQ(*disk_.list(root_), (std::vector<std::string>{"b", "snapshot"}));
}

TEST_F(PosixDiskTest, ErrorsNameThePathAndTheCause) {
    auto missing = disk_.read_file(path("nope"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Error::Code::not_found);
    EXPECT_NE(missing.error().message.find(path("nope")), std::string::npos);
    auto no_dir = disk_.open_append(path("no/such/dir/log"));
    ASSERT_FALSE(no_dir);
    EXPECT_EQ(no_dir.error().code, Error::Code::io);
    EXPECT_NE(no_dir.error().message.find("no/such/dir/log"), std::string::npos);
    EXPECT_NE(no_dir.error().message.find("No such file or directory"), std::string::npos)
        << no_dir.error().message;
    EXPECT_EQ(disk_.remove(path("nope")).error().code, Error::Code::not_found);
    EXPECT_EQ(disk_.list(path("nope")).error().code, Error::Code::not_found);
}

TEST_F(PosixDiskTest, MakeDirectoriesCreatesParents) {
    ASSERT_TRUE(disk_.make_directories(path("x/y/z")));
    ASSERT_TRUE(disk_.make_directories(path("x/y/z")));  // existing is fine
    EXPECT_TRUE(disk_.list(path("x/y/z"))->empty());
}

}  // namespace
}  // namespace vigil::io
