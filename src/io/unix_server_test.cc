// Goal: the control socket's streaming mode (`vigil events --follow`) never blocks the
// agent and stays bounded: a follower receives published lines in order; one that stops
// reading is dropped with a final line saying why once its buffer passes the bound, and
// every line it does get is whole; a follower is never idle-expired while a silent
// client is; followers are limited in number and free their slot when they hang up;
// a reply larger than the socket buffer is written whole. Method: a real server on a
// socket in a temporary directory and blocking clients in the same thread; the loop is
// pumped with an immediate timer so that nothing waits (no sleeps); idle expiry is driven
// by passing a later `now` to expire().
#include "io/unix_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "io/clock.h"

namespace vigil::io {
namespace {

namespace fs = std::filesystem;

class UnixServerTest : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "vigil-unix-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        server_ = std::make_unique<UnixServer>(loop_, [](const std::string& req) {
            if (req == "big") return std::string(500'000, 'x');
            return "reply to " + req;
        });
        server_->set_stream_handler(
            [](const std::string& req) -> std::optional<UnixServer::StreamReply> {
                if (req == "follow") return UnixServer::StreamReply{"header\n", true};
                if (req == "once") return UnixServer::StreamReply{"line 1\nline 2\n", false};
                return std::nullopt;
            });
        ASSERT_TRUE(server_->listen((root_ / "ctl.sock").string()));
    }
    void TearDown() override {
        for (int fd : clients_) close(fd);
        server_.reset();
        fs::remove_all(root_);
    }

    // Runs the loop once without waiting: the timer is already due.
    void pump(int rounds = 3) {
        for (int i = 0; i < rounds; ++i) {
            loop_.wake_at(monotonic_now());
            ASSERT_TRUE(loop_.run_once([] {}));
        }
    }
    int connect_client(int rcvbuf = 0) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const std::string path = (root_ / "ctl.sock").string();
        std::memcpy(addr.sun_path, path.c_str(), path.size());
        EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        clients_.push_back(fd);
        return fd;
    }
    int request(const std::string& line, int rcvbuf = 0) {
        int fd = connect_client(rcvbuf);
        const std::string text = line + "\n";
        EXPECT_EQ(send(fd, text.data(), text.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(text.size()));
        pump();
        return fd;
    }
    // What the client can read now, and whether the server closed the connection.
    std::string read_now(int fd, bool* closed = nullptr) {
        std::string out;
        char chunk[65536];
        for (;;) {
            ssize_t n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
            if (n > 0) {
                out.append(chunk, static_cast<std::size_t>(n));
                continue;
            }
            if (closed) *closed = n == 0;
            return out;
        }
    }
    // Reads while pumping the loop until the server closes the connection (bounded).
    std::string read_to_end(int fd) {
        std::string out;
        for (int i = 0; i < 10000; ++i) {
            bool closed = false;
            out += read_now(fd, &closed);
            if (closed) return out;
            pump(1);
        }
        ADD_FAILURE() << "the server never closed the connection";
        return out;
    }

    fs::path root_;
    EventLoop loop_;
    std::unique_ptr<UnixServer> server_;
    std::vector<int> clients_;
};

TEST_F(UnixServerTest, PlainRequestGetsOneReplyAndClose) {
    int fd = request("status");
    EXPECT_EQ(read_to_end(fd), "reply to status\n");
    EXPECT_EQ(server_->follower_count(), 0u);
}

TEST_F(UnixServerTest, StreamHandlerReplyWithoutFollowCloses) {
    int fd = request("once");
    EXPECT_EQ(read_to_end(fd), "line 1\nline 2\n");
}

TEST_F(UnixServerTest, FollowerReceivesPublishedLinesInOrder) {
    int fd = request("follow");
    ASSERT_EQ(server_->follower_count(), 1u);
    server_->publish("a");
    server_->publish("b");
    server_->publish("c");
    pump();
    bool closed = true;
    EXPECT_EQ(read_now(fd, &closed), "header\na\nb\nc\n");
    EXPECT_FALSE(closed);
    server_->publish("d");
    EXPECT_EQ(read_now(fd), "d\n");
}

TEST_F(UnixServerTest, SlowFollowerIsDroppedWithAFinalLine) {
    int fd = request("follow", /*rcvbuf=*/4096);
    ASSERT_EQ(server_->follower_count(), 1u);
    const std::string pad(1000, '.');
    // Twice the bound: the client reads nothing meanwhile, and publish must return each
    // time (a blocking write would hang this test).
    const int lines = 2 * static_cast<int>(UnixServer::kFollowerBufferBytesMax / 1000);
    for (int i = 0; i < lines; ++i) server_->publish(std::to_string(i) + " " + pad);
    const std::string got = read_to_end(fd);
    ASSERT_FALSE(got.empty());
    ASSERT_EQ(got.back(), '\n');
    // Whole lines, consecutive from the first, then the reason.
    std::vector<std::string> received;
    for (std::size_t start = 0; start < got.size();) {
        const auto nl = got.find('\n', start);
        received.push_back(got.substr(start, nl - start));
        start = nl + 1;
    }
    ASSERT_GE(received.size(), 3u);
    EXPECT_EQ(received.front(), "header");
    EXPECT_EQ(received.back(),
              R"({"ok":false,"error":"dropped: the reader fell more than 1048576 bytes behind"})");
    const std::size_t data_lines = received.size() - 2;
    EXPECT_LT(data_lines, static_cast<std::size_t>(lines));  // it was cut short
    for (std::size_t i = 0; i < data_lines; ++i)
        EXPECT_EQ(received[i + 1], std::to_string(i) + " " + pad) << "line " << i;
    EXPECT_EQ(server_->follower_count(), 0u);
}

TEST_F(UnixServerTest, IdleFollowerIsNotExpiredButASilentClientIs) {
    int follower = request("follow");
    int silent = connect_client();  // connects, never sends a request
    pump();
    ASSERT_EQ(server_->follower_count(), 1u);
    server_->expire(monotonic_now() + 10 * UnixServer::kIdleMax);
    EXPECT_EQ(server_->follower_count(), 1u);
    bool closed = false;
    read_now(silent, &closed);
    EXPECT_TRUE(closed) << "a client without a request must be expired";
    read_now(follower);  // the header
    server_->publish("still here");
    EXPECT_EQ(read_now(follower, &closed), "still here\n");
    EXPECT_FALSE(closed);
}

TEST_F(UnixServerTest, FollowersAreBoundedAndFreeTheirSlotOnHangUp) {
    std::vector<int> followers;
    for (std::size_t i = 0; i < UnixServer::kFollowersMax; ++i)
        followers.push_back(request("follow"));
    ASSERT_EQ(server_->follower_count(), UnixServer::kFollowersMax);
    int refused = request("follow");
    EXPECT_EQ(read_to_end(refused), "{\"ok\":false,\"error\":\"too many followers (at most " +
                                        std::to_string(UnixServer::kFollowersMax) + ")\"}\n");
    shutdown(followers[0], SHUT_RDWR);
    pump();
    EXPECT_EQ(server_->follower_count(), UnixServer::kFollowersMax - 1);
    int again = request("follow");
    EXPECT_EQ(read_now(again), "header\n");
    EXPECT_EQ(server_->follower_count(), UnixServer::kFollowersMax);
}

TEST_F(UnixServerTest, ReplyLargerThanTheSocketBufferIsWrittenWhole) {
    int fd = request("big", /*rcvbuf=*/4096);
    const std::string got = read_to_end(fd);
    EXPECT_EQ(got.size(), 500'001u);
    EXPECT_EQ(got, std::string(500'000, 'x') + "\n");
}

}  // namespace
}  // namespace vigil::io
