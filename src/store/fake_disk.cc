#include "store/fake_disk.h"

#include <algorithm>

#include "common/assert.h"
#include "common/prng.h"

namespace vigil::store {

namespace {

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace

Result<void> FakeDisk::change(const std::string& what) {
    if (ops_until_power_loss_ == 0) return Error::io(what + ": power lost (injected)");
    if (ops_until_power_loss_ != UINT64_MAX) --ops_until_power_loss_;
    return {};
}

class FakeAppendFile : public io::AppendFile {
public:
    FakeAppendFile(FakeDisk& disk, std::shared_ptr<FakeDisk::File> file, std::string path)
        : disk_(disk),
          file_(std::move(file)),
          path_(std::move(path)),
          generation_(disk.generation_) {}

    Result<void> append(std::string_view bytes) override {
        if (auto r = alive(); !r) return r;
        if (auto r = disk_.change("append " + path_); !r) return r;
        if (disk_.full_) return Error::io("append " + path_ + ": no space left on device");
        file_->unsynced += bytes;
        return {};
    }
    Result<void> sync() override {
        if (auto r = alive(); !r) return r;
        if (auto r = disk_.change("fdatasync " + path_); !r) return r;
        if (disk_.fail_next_sync_) {
            disk_.fail_next_sync_ = false;
            return Error::io("fdatasync " + path_ + ": input/output error (injected)");
        }
#ifndef VIGIL_MUTATION_LYING_FSYNC
        file_->synced += file_->unsynced;
        file_->unsynced.clear();
#endif  // the mutant (vigil-sim-store-mutant) reports success and keeps nothing
        ++disk_.sync_count_;
        return {};
    }
    Result<void> truncate(std::uint64_t size) override {
        if (auto r = alive(); !r) return r;
        if (auto r = disk_.change("truncate " + path_); !r) return r;
        std::string all = file_->synced + file_->unsynced;
        if (size > all.size()) return Error::invalid("truncate " + path_ + ": beyond its end");
        all.resize(size);
        file_->synced = std::move(all);
        file_->unsynced.clear();
        return {};
    }
    std::uint64_t size() const override { return file_->synced.size() + file_->unsynced.size(); }

private:
    Result<void> alive() const {
        if (generation_ != disk_.generation_)
            return Error::io(path_ + ": file handle from before a crash");
        return {};
    }

    FakeDisk& disk_;
    std::shared_ptr<FakeDisk::File> file_;
    std::string path_;
    std::uint64_t generation_;
};

Result<std::unique_ptr<io::AppendFile>> FakeDisk::open_append(const std::string& path) {
    if (!dirs_.count(parent_of(path))) return Error::not_found("open " + path + ": no directory");
    auto& file = files_[path];
    if (!file) {
        if (auto r = change("create " + path); !r) {
            files_.erase(path);
            return r.error();
        }
        file = std::make_shared<File>();
    }
    return std::unique_ptr<io::AppendFile>(std::make_unique<FakeAppendFile>(*this, file, path));
}

Result<std::string> FakeDisk::read_file(const std::string& path) {
    auto it = files_.find(path);
    if (it == files_.end()) return Error::not_found("read " + path + ": no such file");
    return it->second->synced + it->second->unsynced;
}

Result<void> FakeDisk::write_atomic(const std::string& dir, const std::string& name,
                                    std::string_view bytes) {
    const std::string path = dir + "/" + name;
    if (!dirs_.count(dir)) return Error::not_found("write " + path + ": no directory");
    if (auto r = change("write " + path); !r) return r;
    if (full_) return Error::io("write " + path + ".tmp: no space left on device");
    // A new File object: handles to the replaced file keep the old one, as after rename(2).
    auto file = std::make_shared<File>();
    file->synced = std::string(bytes);
    files_[path] = std::move(file);
    return {};
}

Result<void> FakeDisk::remove(const std::string& path) {
    if (auto r = change("remove " + path); !r) return r;
    if (files_.erase(path) == 0) return Error::not_found("remove " + path + ": no such file");
    return {};
}

Result<std::vector<std::string>> FakeDisk::list(const std::string& dir) {
    if (!dirs_.count(dir)) return Error::not_found("list " + dir + ": no such directory");
    std::vector<std::string> names;
    for (const auto& [path, file] : files_)
        if (parent_of(path) == dir) names.push_back(path.substr(dir.size() + 1));
    return names;  // std::map keeps them sorted
}

Result<void> FakeDisk::make_directories(const std::string& dir) {
    for (std::size_t at = dir.find('/', 1); at != std::string::npos; at = dir.find('/', at + 1))
        dirs_.insert(dir.substr(0, at));
    dirs_.insert(dir);
    return {};
}

void FakeDisk::crash() {
    ++generation_;
    ops_until_power_loss_ = UINT64_MAX;
    for (auto& [path, file] : files_) file->unsynced.clear();
}

void FakeDisk::crash_torn(std::uint64_t seed) {
    ++generation_;
    ops_until_power_loss_ = UINT64_MAX;
    Prng prng(seed);
    for (auto& [path, file] : files_) {
        std::string kept = file->unsynced.substr(0, prng.below(file->unsynced.size() + 1));
        if (!kept.empty() && prng.below(2) == 0) {
            const std::size_t garbled = std::min<std::size_t>(kept.size(), 1 + prng.below(8));
            for (std::size_t i = kept.size() - garbled; i < kept.size(); ++i)
                kept[i] = static_cast<char>(prng.next());
        }
        file->synced += kept;
        file->unsynced.clear();
    }
}

void FakeDisk::corrupt(const std::string& path, std::uint64_t offset) {
    auto it = files_.find(path);
    VIGIL_ASSERT(it != files_.end());
    File& f = *it->second;
    VIGIL_ASSERT(offset < f.synced.size() + f.unsynced.size());
    char& c = offset < f.synced.size() ? f.synced[offset] : f.unsynced[offset - f.synced.size()];
    c = static_cast<char>(~c);
}

std::string FakeDisk::test_content(const std::string& path) const {
    auto it = files_.find(path);
    return it == files_.end() ? std::string() : it->second->synced + it->second->unsynced;
}

}  // namespace vigil::store
