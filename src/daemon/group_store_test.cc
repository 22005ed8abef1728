// Goal: GroupStore fails its store (and so hands the group over) when the log's fdatasync,
// which runs on a worker thread, does not return: the event loop and the lease go on, so
// nothing else would notice a hung disk. Method: a FakeDisk whose syncs block until the
// test lets them go; time passed to on_tick, not waited for (no sleeps). The store
// listens on 127.0.0.1 with an ephemeral port and never reaches a standby (its connects
// go to port 0 on 127.0.0.1 and fail).
#include "daemon/group_store.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "daemon/config_parse.h"
#include "io/clock.h"
#include "store/fake_disk.h"

namespace vigil::daemon {
namespace {

constexpr std::string_view kConfig = R"([cluster]
name = "controller"
auth_key_file = "/etc/vigil/auth.key"
[[node]]
name = "n1"
address = "127.0.0.1"
[[node]]
name = "n2"
address = "198.18.0.12"
[[node]]
name = "w"
address = "198.18.0.13"
witness = true
[[group]]
name = "nb"
priority = { n1 = 150, n2 = 100 }
[[group.vip]]
address = "198.18.0.100/24"
interface = "eth0"
[group.store]
port = 7480
data_dir = "/data/{node}/nb"
request_timeout_ms = 300
)";

// A disk whose syncs block while `hold` is set, until release().
class HeldDisk final : public io::Disk {
public:
    Result<std::unique_ptr<io::AppendFile>> open_append(const std::string& path) override {
        auto file = inner_.open_append(path);
        if (!file) return file.error();
        return std::unique_ptr<io::AppendFile>(new File(std::move(*file), *this));
    }
    Result<std::string> read_file(const std::string& p) override { return inner_.read_file(p); }
    Result<void> write_atomic(const std::string& d, const std::string& n,
                              std::string_view b) override {
        return inner_.write_atomic(d, n, b);
    }
    Result<void> remove(const std::string& p) override { return inner_.remove(p); }
    Result<std::vector<std::string>> list(const std::string& d) override { return inner_.list(d); }
    Result<void> make_directories(const std::string& d) override {
        return inner_.make_directories(d);
    }
    void hold() { hold_ = true; }
    void release() { released_.set_value(); }

private:
    class File final : public io::AppendFile {
    public:
        File(std::unique_ptr<io::AppendFile> inner, HeldDisk& disk)
            : inner_(std::move(inner)), disk_(disk) {}
        Result<void> append(std::string_view b) override { return inner_->append(b); }
        Result<void> sync() override {
            if (disk_.hold_) disk_.released_future_.wait();
            return inner_->sync();
        }
        Result<void> truncate(std::uint64_t size) override { return inner_->truncate(size); }
        std::uint64_t size() const override { return inner_->size(); }

    private:
        std::unique_ptr<io::AppendFile> inner_;
        HeldDisk& disk_;
    };
    store::FakeDisk inner_;
    std::atomic<bool> hold_{false};
    std::promise<void> released_;
    std::shared_future<void> released_future_ = released_.get_future().share();
};

TEST(GroupStore, AFsyncThatDoesNotReturnFailsTheStore) {
    auto config = parse_config(kConfig, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    config->groups[0].store.replication_port = 0;  // ephemeral: tests run in parallel
    config->nodes[1].addresses[0] = "127.0.0.1";   // its connects stay on this host (port 0)
    io::EventLoop loop;
    HeldDisk disk;
    NullLogger log;
    GroupStore store(*config, 0, 0, loop, wire::Keys{"key", ""}, disk, log);
    const TimePoint start = io::monotonic_now();
    ASSERT_TRUE(store.open(start));
    disk.hold();
    StoreRole role;
    role.acting_primary = true;
    role.epoch = 1;
    role.primary = "n1";
    role.confirmed_any = true;  // a sync set of n1 alone: commits need no standby
    store.update(role, start);
    store.end_of_round(start);  // appends the noop's sync: it hangs on the worker
    EXPECT_EQ(store.status_json(start)["role"], "primary (taking over)");

    store.on_tick(start + ms(500));  // slow, not yet hung: nothing happens
    EXPECT_EQ(store.status_json(start)["role"], "primary (taking over)");
    EXPECT_LE(store.next_deadline(), start + ms(1000) + 1) << "the loop must wake to check";

    store.on_tick(start + ms(1100));  // past max(2 x request_timeout, 1 s)
    const auto status = store.status_json(start);
    EXPECT_EQ(status["role"], "failed");
    EXPECT_NE(status.value("error", std::string()).find("fdatasync has not returned"),
              std::string::npos)
        << status.dump();
    auto progress = store.take_progress(start + ms(1100));
    ASSERT_TRUE(progress);
    EXPECT_FALSE(progress->failed.empty()) << "the Node must learn it: it hands the group over";
    disk.release();  // the destructor joins the worker
}

}  // namespace
}  // namespace vigil::daemon
