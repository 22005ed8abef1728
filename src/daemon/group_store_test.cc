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

// A primary whose log sync hangs on the worker, for the stall tests.
struct HungSyncPrimary {
    HungSyncPrimary() {
        auto parsed = parse_config(kConfig, "/etc/vigil/vigil.toml");
        EXPECT_TRUE(parsed) << parsed.error().message;
        config = std::move(*parsed);
        config.groups[0].store.replication_port = 0;  // ephemeral: tests run in parallel
        config.nodes[1].addresses[0] = "127.0.0.1";   // its connects stay on this host (port 0)
        store = std::make_unique<GroupStore>(config, 0, 0, loop, wire::Keys{"key", ""}, disk, log);
        start = io::monotonic_now();
        EXPECT_TRUE(store->open(start));
        disk.hold();
        StoreRole role;
        role.acting_primary = true;
        role.epoch = 1;
        role.primary = "n1";
        role.confirmed_any = true;  // a sync set of n1 alone: commits need no standby
        store->update(role, start);
        store->end_of_round(start);  // appends the noop's sync: it hangs on the worker
    }
    ~HungSyncPrimary() {
        disk.release();  // the destructor joins the worker
        store.reset();
    }
    std::string role() const { return store->status_json(start)["role"]; }

    core::Config config;
    io::EventLoop loop;
    HeldDisk disk;
    NullLogger log;
    std::unique_ptr<GroupStore> store;
    TimePoint start;
};

TEST(GroupStore, AFsyncThatDoesNotReturnFailsTheStore) {
    HungSyncPrimary h;
    EXPECT_EQ(h.role(), "primary (taking over)");
    // The loop, awake, looks every 100 ms at most (heartbeats make it look more often).
    for (int t = 100; t <= 900; t += 100) {
        h.store->on_tick(h.start + ms(t));
        ASSERT_EQ(h.role(), "primary (taking over)") << "slow, not yet hung, at " << t << " ms";
        EXPECT_LE(h.store->next_deadline(), h.start + ms(t + 100)) << "the loop must wake to check";
    }
    h.store->on_tick(h.start + ms(1000));
    h.store->on_tick(h.start + ms(1050));  // past max(2 x request_timeout, 1 s)
    const auto status = h.store->status_json(h.start);
    EXPECT_EQ(status["role"], "failed");
    EXPECT_NE(status.value("error", std::string()).find("fdatasync has not returned in 10"),
              std::string::npos)
        << status.dump();
    auto progress = h.store->take_progress(h.start + ms(1050));
    ASSERT_TRUE(progress);
    EXPECT_FALSE(progress->failed.empty()) << "the Node must learn it: it hands the group over";
}

// The CI failure this guards: SIGSTOP (or a paused VM) for a second stops the worker too;
// on waking, the timer can be seen before the worker's completion. That is not a hung disk.
TEST(GroupStore, APauseOfTheWholeProcessIsNotAHungDisk) {
    HungSyncPrimary h;
    h.store->on_tick(h.start + ms(50));
    h.store->on_tick(h.start + ms(5050));  // woke after 5 s stopped, the sync still out
    EXPECT_EQ(h.role(), "primary (taking over)") << "a pause counts as one step, not 5 s";
    // Awake again, a sync that goes on not returning is a hung disk after the limit.
    for (int t = 5150; t <= 5850; t += 100) h.store->on_tick(h.start + ms(t));
    EXPECT_EQ(h.role(), "primary (taking over)") << "950 ms awake";
    h.store->on_tick(h.start + ms(5950));
    EXPECT_EQ(h.role(), "failed") << "1050 ms awake";
}

}  // namespace
}  // namespace vigil::daemon
