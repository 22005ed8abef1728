// Goal: DurableFile writes exactly the two-slot format of docs/state.md ("File layout"), a
// write goes into the slot that does not hold the newest record, and recovery follows
// "Reading and recovery": a torn or corrupt slot is ignored and the other one wins, no valid
// slot or a file of another format is an error, a too large payload is refused before
// anything is written. Method: a temporary directory per test; damage is done to the file's
// bytes at the documented offsets, checksums are recomputed here from the spec.
#include "io/durable_file.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigil::io {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kSlotB = kDurableSlotBytes;  // slot B's offset in the file

class DurableFileTest : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "vigil-durable-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        path_ = root_ / "n1.state";
    }
    void TearDown() override { fs::remove_all(root_); }

    Result<DurableFile> open_file(std::string_view initial = "initial") {
        return DurableFile::open(root_.string(), "n1.state", initial);
    }
    std::string bytes() {
        std::stringstream s;
        s << std::ifstream(path_, std::ios::binary).rdbuf();
        return s.str();
    }
    void put_bytes(const std::string& all) {
        std::ofstream(path_, std::ios::binary | std::ios::trunc) << all;
    }
    void flip_byte(std::size_t offset) {
        std::string all = bytes();
        ASSERT_LT(offset, all.size());
        all[offset] = static_cast<char>(all[offset] ^ 0x40);
        put_bytes(all);
    }

    fs::path root_;
    fs::path path_;
};

std::uint64_t le(const std::string& bytes, std::size_t at, std::size_t size) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < size; ++i)
        v |= std::uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
    return v;
}

// docs/state.md: the first 16 bytes of SHA-256 over header bytes 0-23, then the payload.
std::string spec_checksum(const std::string& slot, std::size_t length) {
    const std::string covered = slot.substr(0, 24) + slot.substr(40, length);
    unsigned char digest[32];
    unsigned int size = 0;
    EVP_Digest(covered.data(), covered.size(), digest, &size, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(digest), 16);
}

// Checks one slot against the spec and returns its sequence.
std::uint64_t expect_record(const std::string& file, std::size_t offset,
                            const std::string& payload) {
    const std::string slot = file.substr(offset, kDurableSlotBytes);
    EXPECT_EQ(slot.substr(0, 8), "VIGSTATE");
    EXPECT_EQ(le(slot, 8, 4), 1u);  // format version
    EXPECT_EQ(le(slot, 12, 4), payload.size());
    EXPECT_EQ(slot.substr(24, 16), spec_checksum(slot, payload.size()));
    EXPECT_EQ(slot.substr(40, payload.size()), payload);
    return le(slot, 16, 8);
}

TEST_F(DurableFileTest, MissingFileIsCreatedWholeWithTheInitialRecordInSlotA) {
    auto file = open_file("initial");
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->path(), path_.string());
    EXPECT_EQ(file->payload(), "initial");
    EXPECT_EQ(file->sequence(), 0u);
    EXPECT_EQ(file->damaged_slot(), "");
    const std::string all = bytes();
    ASSERT_EQ(all.size(), kDurableFileBytes);
    ASSERT_EQ(all.size(), 65536u);  // the documented size
    EXPECT_EQ(expect_record(all, 0, "initial"), 0u);
    EXPECT_EQ(all.substr(kSlotB), std::string(kDurableSlotBytes, '\0'));  // slot B: zeros
    EXPECT_FALSE(fs::exists(root_ / "n1.state.tmp"));                     // created by rename
}

TEST_F(DurableFileTest, WriteThenOpenRoundTrips) {
    {
        auto file = open_file();
        ASSERT_TRUE(file);
        ASSERT_TRUE(file->write("first"));
        EXPECT_EQ(file->payload(), "first");
        EXPECT_EQ(file->sequence(), 1u);
    }
    auto again = open_file("ignored: the file exists");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->payload(), "first");
    EXPECT_EQ(again->sequence(), 1u);
}

TEST_F(DurableFileTest, WritesAlternateSlotsInPlaceAndTheNewestWins) {
    auto file = open_file();
    ASSERT_TRUE(file);
    for (std::uint64_t s = 1; s <= 9; ++s) {
        // Payloads of varying length: a shorter record leaves an older one's tail behind it.
        const std::string payload(100 - 10 * s, static_cast<char>('a' + s));
        ASSERT_TRUE(file->write(payload));
        const std::string all = bytes();
        ASSERT_EQ(all.size(), kDurableFileBytes);  // never grows or shrinks
        EXPECT_EQ(expect_record(all, s % 2 == 0 ? 0 : kSlotB, payload), s);
        auto reopened = open_file();
        ASSERT_TRUE(reopened) << reopened.error().message;
        EXPECT_EQ(reopened->payload(), payload);
        EXPECT_EQ(reopened->sequence(), s);
        EXPECT_EQ(reopened->damaged_slot(), "");  // a slot of zeros, then a valid record
    }
    // The other slot still holds the previous record.
    EXPECT_EQ(expect_record(bytes(), 0, std::string(20, 'a' + 8)), 8u);
}

TEST_F(DurableFileTest, EmptyPayloadIsARecord) {
    auto file = open_file("");
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->write(""));
    auto again = open_file();
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->payload(), "");
    EXPECT_EQ(again->sequence(), 1u);
}

// Three records: 0 "zero" in A, then 1 "one" in B, then 2 "two" in A: the newest is in A.
// Damaging it must bring back "one" from B, and the next write must go into A again.
struct Damage {
    const char* name;
    std::size_t offset;  // of the byte of slot A to flip
};
void PrintTo(const Damage& d, std::ostream* os) {
    *os << d.name;
}
class DurableFileDamage : public DurableFileTest, public testing::WithParamInterface<Damage> {};

TEST_P(DurableFileDamage, TornOrCorruptNewestSlotFallsBackToTheOther) {
    {
        auto file = open_file("zero");
        ASSERT_TRUE(file);
        ASSERT_TRUE(file->write("one"));
        ASSERT_TRUE(file->write("two"));
    }
    flip_byte(GetParam().offset);
    auto file = open_file();
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->payload(), "one");
    EXPECT_EQ(file->sequence(), 1u);
    EXPECT_EQ(file->damaged_slot().rfind("slot A: ", 0), 0u) << file->damaged_slot();
    ASSERT_TRUE(file->write("three"));  // sequence 2 again, into slot A again
    EXPECT_EQ(expect_record(bytes(), 0, "three"), 2u);
    EXPECT_EQ(expect_record(bytes(), kSlotB, "one"), 1u);
    EXPECT_EQ(open_file()->payload(), "three");
}

INSTANTIATE_TEST_SUITE_P(
    DurableFile, DurableFileDamage,
    testing::Values(Damage{"Magic", 0}, Damage{"Version", 8}, Damage{"Length", 12},
                    Damage{"LengthHighByte", 15}, Damage{"Sequence", 16}, Damage{"Checksum", 30},
                    Damage{"PayloadFirstByte", 40}, Damage{"PayloadLastByte", 42}),
    [](const testing::TestParamInfo<Damage>& info) { return info.param.name; });

TEST_F(DurableFileTest, FileTruncatedInsideItsNewestSlotFallsBackAndIsExtendedAgain) {
    {
        auto file = open_file("zero");
        ASSERT_TRUE(file);
        ASSERT_TRUE(file->write("one, the newest, in slot B"));
    }
    fs::resize_file(path_, kSlotB + 30);  // inside slot B's header: a torn write
    auto file = open_file();
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->payload(), "zero");
    EXPECT_EQ(file->sequence(), 0u);
    EXPECT_EQ(file->damaged_slot(), "slot B: truncated header (30 bytes)");
    EXPECT_EQ(fs::file_size(path_), kDurableFileBytes);  // restored, so writes stay in place
    ASSERT_TRUE(file->write("one again"));
    EXPECT_EQ(fs::file_size(path_), kDurableFileBytes);
    EXPECT_EQ(open_file()->payload(), "one again");
}

TEST_F(DurableFileTest, FileTruncatedInsideThePayloadOfItsNewestSlotFallsBack) {
    {
        auto file = open_file("zero");
        ASSERT_TRUE(file);
        ASSERT_TRUE(file->write(std::string(1000, 'x')));
    }
    fs::resize_file(path_, kSlotB + 40 + 500);  // the header whole, half the payload
    auto file = open_file();
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->payload(), "zero");
    EXPECT_EQ(file->damaged_slot(), "slot B: truncated payload (500 of 1000 bytes)");
}

TEST_F(DurableFileTest, RecordInTheWrongSlotIsIgnored) {
    {
        auto file = open_file("zero");
        ASSERT_TRUE(file);
        ASSERT_TRUE(file->write("one"));
        ASSERT_TRUE(file->write("two"));
    }
    // Slot A's record (sequence 2, even) copied over slot B: valid bytes, wrong slot.
    std::string all = bytes();
    all.replace(kSlotB, kDurableSlotBytes, all.substr(0, kDurableSlotBytes));
    put_bytes(all);
    auto file = open_file();
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->payload(), "two");
    // Now A torn as well: nothing valid is left, and B's reason is the parity rule.
    flip_byte(41);
    auto broken = open_file();
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().message.find("slot B: sequence 2 does not belong in slot B"),
              std::string::npos)
        << broken.error().message;
}

TEST_F(DurableFileTest, BothSlotsCorruptIsAnErrorSayingWhatIsWrongWithEach) {
    {
        auto file = open_file("zero");
        ASSERT_TRUE(file);
        ASSERT_TRUE(file->write("one"));
    }
    flip_byte(40);           // slot A's payload
    flip_byte(kSlotB + 24);  // slot B's checksum
    auto file = open_file();
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, Error::Code::corruption);
    EXPECT_EQ(file.error().message,
              "no valid record: slot A: checksum mismatch (a torn or corrupt write); "
              "slot B: checksum mismatch (a torn or corrupt write)");
}

TEST_F(DurableFileTest, FileCutInsideSlotAHasNoValidRecord) {
    { ASSERT_TRUE(open_file("zero")); }
    fs::resize_file(path_, 20);
    auto file = open_file();
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, Error::Code::corruption);
    EXPECT_EQ(file.error().message,
              "no valid record: slot A: truncated header (20 bytes); "
              "slot B: missing (the file ends before it)");
}

TEST_F(DurableFileTest, FileOfAnotherFormatIsRefused) {
    for (const std::string& other : {std::string("{\"groups\":[],\"version\":1}\n"), std::string(),
                                     std::string(kDurableFileBytes, '\0')}) {
        put_bytes(other);
        auto file = open_file();
        ASSERT_FALSE(file) << other.size();
        EXPECT_EQ(file.error().code, Error::Code::corruption);
        EXPECT_EQ(file.error().message,
                  "not a state file of this format (neither slot starts with \"VIGSTATE\"; "
                  "docs/state.md)");
        EXPECT_EQ(bytes(), other);  // left as it was
    }
}

TEST_F(DurableFileTest, FileLargerThanTheFormatIsRefused) {
    { ASSERT_TRUE(open_file("zero")); }
    std::ofstream(path_, std::ios::binary | std::ios::app) << "x";
    auto file = open_file();
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, Error::Code::corruption);
    EXPECT_EQ(file.error().message,
              "not a state file of this format (65537 bytes, not 65536; docs/state.md)");
}

TEST_F(DurableFileTest, PayloadTooLargeIsRefusedAndNothingIsWritten) {
    auto file = open_file("zero");
    ASSERT_TRUE(file);
    const std::string before = bytes();
    auto r = file->write(std::string(kDurablePayloadBytesMax + 1, 'x'));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::invalid_argument);
    EXPECT_EQ(r.error().message, path_.string() +
                                     ": a record of 32729 bytes does not fit a slot (at most "
                                     "32728)");
    EXPECT_EQ(bytes(), before);
    EXPECT_EQ(file->sequence(), 0u);
    // The largest payload fits exactly: the slot is full to its last byte.
    const std::string largest(kDurablePayloadBytesMax, 'y');
    ASSERT_TRUE(file->write(largest));
    EXPECT_EQ(bytes().size(), kDurableFileBytes);
    EXPECT_EQ(expect_record(bytes(), kSlotB, largest), 1u);
    EXPECT_EQ(open_file()->payload(), largest);
}

TEST_F(DurableFileTest, InitialPayloadTooLargeIsRefusedAndNoFileIsCreated) {
    auto file = open_file(std::string(kDurablePayloadBytesMax + 1, 'x'));
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, Error::Code::invalid_argument);
    EXPECT_FALSE(fs::exists(path_));
}

TEST_F(DurableFileTest, DirectoryThatCannotHoldTheFileIsAnErrorNamingIt) {
    std::ofstream(root_ / "file") << "x";
    auto file = DurableFile::open((root_ / "file").string(), "n1.state", "zero");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, Error::Code::io);
    EXPECT_NE(file.error().message.find((root_ / "file" / "n1.state").string()), std::string::npos)
        << file.error().message;
}

}  // namespace
}  // namespace vigil::io
