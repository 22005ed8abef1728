// Goal: the store API server answers over a real socket through KvApi, and a write whose
// outcome arrives after the server is gone is dropped without touching freed memory.
// Method: a real EventLoop, a loopback client, a backend that holds or applies writes.
#include "daemon/kv_http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "io/clock.h"

namespace vigil::daemon {
namespace {

struct Backend : KvBackend {
    std::optional<KvUnavailable> unavailable() const override { return std::nullopt; }
    const store::KvState& state() const override { return kv; }
    void submit(store::Write w, std::function<void(Result<store::Outcome>)> done) override {
        if (hold) return held.push_back(std::move(done));
        done(kv.apply(store::Entry{kv.applied_index() + 1, 1, std::move(w)}));
    }
    store::KvState kv;
    bool hold = false;
    std::vector<std::function<void(Result<store::Outcome>)>> held;
};

class KvHttpTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(server_->listen("127.0.0.1", 0, false)); }
    void TearDown() override {
        if (fd_ >= 0) close(fd_);
    }
    void pump() {
        loop_.wake_at(io::monotonic_now() + ms(20));
        ASSERT_TRUE(loop_.run_once([] {}));
    }
    void connect_client() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        ASSERT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        pump();
    }
    std::string exchange(const std::string& request) {
        EXPECT_EQ(send(fd_, request.data(), request.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(request.size()));
        std::string out;
        char buf[4096];
        for (int i = 0; i < 100 && out.find("\r\n\r\n{") == std::string::npos; ++i) {
            pump();
            const ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

    io::EventLoop loop_;
    Backend backend_;
    std::unique_ptr<KvHttpServer> server_ = std::make_unique<KvHttpServer>(
        loop_, [] { return TimePoint{1}; }, backend_);
    int fd_ = -1;
};

TEST_F(KvHttpTest, PutAndGetOverOneConnection) {
    connect_client();
    std::string r = exchange("PUT /v1/kv/k HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK", 0), 0u) << r;
    EXPECT_NE(r.find(R"({"key":"k","revision":1})"), std::string::npos) << r;
    r = exchange("GET /v1/kv/k HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(r.find(R"("value":"hi")"), std::string::npos) << r;
}

TEST_F(KvHttpTest, OutcomeAfterTheServerIsGoneIsDropped) {
    backend_.hold = true;
    connect_client();
    const std::string put = "PUT /v1/kv/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nv";
    ASSERT_EQ(send(fd_, put.data(), put.size(), MSG_NOSIGNAL), static_cast<ssize_t>(put.size()));
    pump();
    ASSERT_EQ(backend_.held.size(), 1u);
    server_.reset();
    backend_.held[0](store::Outcome{store::Outcome::Code::ok, 1, 1, false});  // no crash
    SUCCEED();
}

}  // namespace
}  // namespace vigil::daemon
