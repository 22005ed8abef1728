// Goal: load_auth_keys returns the trimmed key bytes, refuses short, oversized and missing
// key files with a message naming the file, and auth_key_file_too_open spots loose modes.
// Method: real files in a fresh temporary directory.
#include "daemon/auth_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace vigil::daemon {
namespace {

class AuthKeysTest : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "vigil-key-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& contents) {
        const std::string path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary) << contents;
        return path;
    }
    core::ClusterConfig cluster(std::string current, std::string next = "") {
        core::ClusterConfig c;
        c.auth_key_file = std::move(current);
        c.auth_key_next_file = std::move(next);
        return c;
    }

    std::filesystem::path dir_;
};

TEST_F(AuthKeysTest, SurroundingWhitespaceIsTrimmed) {
    auto keys = load_auth_keys(cluster(write("a.key", "  c2VjcmV0IGtleSBieXRlcw==\r\n\n")));
    ASSERT_TRUE(keys) << keys.error().message;
    EXPECT_EQ(keys->current, "c2VjcmV0IGtleSBieXRlcw==");
    EXPECT_EQ(keys->next, "");
}

TEST_F(AuthKeysTest, InnerBytesAreKept) {
    const std::string raw("0123456789\0ab cd\xff", 17);
    auto keys = load_auth_keys(cluster(write("a.key", raw)));
    ASSERT_TRUE(keys) << keys.error().message;
    EXPECT_EQ(keys->current, raw);
}

TEST_F(AuthKeysTest, NextKeyIsReadWhenConfigured) {
    auto keys = load_auth_keys(cluster(write("a.key", "current-key-0123456789\n"),
                                       write("b.key", "next-key-0123456789\n")));
    ASSERT_TRUE(keys) << keys.error().message;
    EXPECT_EQ(keys->current, "current-key-0123456789");
    EXPECT_EQ(keys->next, "next-key-0123456789");
}

TEST_F(AuthKeysTest, SixteenBytesIsEnoughFifteenIsNot) {
    EXPECT_TRUE(load_auth_keys(cluster(write("ok.key", std::string(16, 'k') + "\n"))));
    const std::string path = write("short.key", "  " + std::string(15, 'k') + "\n");
    auto keys = load_auth_keys(cluster(path));
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error().code, Error::Code::invalid_argument);
    EXPECT_EQ(keys.error().message,
              path +
                  ": auth_key_file is 15 bytes after trimming whitespace (expected at least 16; "
                  "make one with: head -c 32 /dev/urandom | base64 > " +
                  path + "; chmod 600 " + path + ")");
}

TEST_F(AuthKeysTest, EmptyFileIsRefused) {
    auto keys = load_auth_keys(cluster(write("empty.key", " \n\t\n")));
    ASSERT_FALSE(keys);
    EXPECT_NE(keys.error().message.find("is 0 bytes"), std::string::npos);
}

TEST_F(AuthKeysTest, AbsentOrBlankNextKeyFileMeansNoNextKey) {
    // Rotation keeps auth_key_next_file configured; between rotations the file is empty.
    const std::string current = write("a.key", std::string(32, 'k'));
    auto absent = load_auth_keys(cluster(current, (dir_ / "nonexistent.key").string()));
    ASSERT_TRUE(absent.has_value()) << absent.error().message;
    EXPECT_EQ(absent->next, "");
    auto blank = load_auth_keys(cluster(current, write("b.key", " \n")));
    ASSERT_TRUE(blank.has_value()) << blank.error().message;
    EXPECT_EQ(blank->next, "");
}

TEST_F(AuthKeysTest, ShortNextKeyNamesTheNextFile) {
    const std::string next = write("b.key", "short");
    auto keys = load_auth_keys(cluster(write("a.key", std::string(32, 'k')), next));
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error().message.rfind(next + ": auth_key_next_file is 5 bytes", 0), 0u)
        << keys.error().message;
}

TEST_F(AuthKeysTest, MissingFileIsNotFound) {
    const std::string path = (dir_ / "absent.key").string();
    auto keys = load_auth_keys(cluster(path));
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error().code, Error::Code::not_found);
    EXPECT_EQ(keys.error().message,
              path + ": cannot open auth_key_file: No such file or directory");
}

TEST_F(AuthKeysTest, UnconfiguredFileIsRefused) {
    auto keys = load_auth_keys(cluster(""));
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error().message, "auth_key_file: no key file configured");
}

TEST_F(AuthKeysTest, OversizedFileIsRefused) {
    const std::string path = write("big.key", std::string(kAuthKeyFileBytesMax + 1, 'k'));
    auto keys = load_auth_keys(cluster(path));
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error().message,
              path + ": auth_key_file is larger than 4096 bytes (expected a short secret)");
}

TEST_F(AuthKeysTest, FileOpenToGroupOrOtherIsTooOpen) {
    const std::string path = write("a.key", std::string(32, 'k'));
    struct Case {
        mode_t mode;
        bool too_open;
    };
    for (const Case c : {Case{0600, false}, Case{0400, false}, Case{0640, true}, Case{0604, true},
                         Case{0620, true}, Case{0644, true}}) {
        ASSERT_EQ(chmod(path.c_str(), c.mode), 0);
        EXPECT_EQ(auth_key_file_too_open(path), c.too_open) << std::oct << c.mode;
    }
    EXPECT_FALSE(auth_key_file_too_open((dir_ / "absent.key").string()));
}

}  // namespace
}  // namespace vigil::daemon
