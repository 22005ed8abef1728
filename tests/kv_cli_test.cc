// Goal: `vigil kv`'s HTTP client and the store API server understand each other (framing,
// Host, Content-Length, Connection: close, error bodies, the 503 redirect header).
// Method: a KvHttpServer over a fake backend, its event loop on a second thread (the client
// blocks); the loop wakes on a short timer to see the stop flag, it never sleeps.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cli/kv_command.h"
#include "daemon/kv_http.h"
#include "io/clock.h"

namespace vigil {
namespace {

struct Backend : daemon::KvBackend {
    std::optional<daemon::KvUnavailable> unavailable() const override { return down; }
    const store::KvState& state() const override { return kv; }
    void submit(store::Write w, std::function<void(Result<store::Outcome>)> done) override {
        done(kv.apply(store::Entry{kv.applied_index() + 1, 1, std::move(w)}));
    }
    std::optional<daemon::KvUnavailable> down;
    store::KvState kv;
};

class KvCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.listen("127.0.0.1", 0, false));
        thread_ = std::thread([this] {
            while (!stop_) {
                loop_.wake_at(io::monotonic_now() + ms(5));
                (void)loop_.run_once([] {});
            }
        });
    }
    void TearDown() override {
        stop_ = true;
        thread_.join();
    }
    // Runs one call as `vigil kv` does: build, send, interpret.
    cli::KvPrinted run(cli::KvArgs args) {
        const cli::KvCall call = cli::build_kv_call(args);
        auto reply = cli::http_call(cli::ServerAddress{"127.0.0.1", server_.port()}, call.method,
                                    call.target, call.headers, call.body, 2000);
        EXPECT_TRUE(reply) << reply.error().message;
        if (!reply) return {};
        return cli::interpret_kv_reply(args, *reply);
    }

    io::EventLoop loop_;
    Backend backend_;
    daemon::KvHttpServer server_{loop_, [] { return io::monotonic_now(); }, backend_};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

TEST_F(KvCliTest, PutGetListDelThroughTheRealServer) {
    cli::KvArgs a;
    a.op = cli::KvArgs::Op::put;
    a.key = "dir/a key";
    a.value = std::string("bin\xff", 4);
    EXPECT_EQ(run(a).out, "revision 1\n");
    a.op = cli::KvArgs::Op::get;
    EXPECT_EQ(run(a).out, std::string("bin\xff", 4));  // base64 on the wire, raw here
    a.op = cli::KvArgs::Op::list;
    a.prefix = "dir/";
    EXPECT_EQ(run(a).out, std::string("dir/a key\tbin\xff\n", 15));
    a.op = cli::KvArgs::Op::put;
    a.if_match = 0;
    cli::KvPrinted p = run(a);
    EXPECT_EQ(p.exit_code, 1);
    EXPECT_EQ(p.err, "vigil kv: revision mismatch (current revision 1)\n");
    a.op = cli::KvArgs::Op::del;
    a.if_match.reset();
    EXPECT_EQ(run(a).out, "deleted, revision 3\n");
    a.op = cli::KvArgs::Op::get;
    EXPECT_EQ(run(a).err, "vigil kv: key not found\n");
}

TEST_F(KvCliTest, StandbyNamesThePrimary) {
    backend_.down = daemon::KvUnavailable{503, "n2", "not the primary"};
    cli::KvArgs a;
    a.op = cli::KvArgs::Op::put;
    a.key = "k";
    a.value = "v";
    const cli::KvPrinted p = run(a);
    EXPECT_EQ(p.exit_code, 3);
    EXPECT_EQ(p.err, "vigil kv: not the primary (the primary is n2)\n");
}

}  // namespace
}  // namespace vigil
