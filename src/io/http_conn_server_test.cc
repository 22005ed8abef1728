// Goal: the store API's HTTP server keeps connections alive, answers pipelined requests in
// order, reassembles bodies split across reads, refuses what is too large or malformed with a
// JSON message, and survives a client that leaves before its asynchronous reply.
// Method: a real EventLoop and loopback sockets; the test drives the loop round by round
// (each round bounded by a timer, never a sleep). The handler echoes, or holds the
// Responder so the test answers later. Deadlines use a fake clock.
#include "io/http_conn_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "io/clock.h"

namespace vigil::io {
namespace {

class HttpConnServerTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(server_.listen("127.0.0.1", 0, false)); }
    void TearDown() override {
        for (int fd : fds_) close(fd);
    }

    void handle(const HttpRequest& r, std::string_view body, Responder responder) {
        if (r.path == "/later") {
            held_.push_back(responder);
            return;
        }
        server_.respond(responder, HttpReply{200, "text/plain",
                                             r.method + " " + r.target + " " + std::string(body),
                                             "X-Test: 1\r\n"});
    }

    void pump() {
        loop_.wake_at(monotonic_now() + ms(20));
        ASSERT_TRUE(loop_.run_once([] {}));
    }

    int connect_client() {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(server_.port()));
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        fds_.push_back(fd);
        pump();  // accept
        return fd;
    }

    void send_all(int fd, const std::string& bytes) {
        ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(bytes.size()));
    }

    // Reads without waiting; false once the server closed.
    bool read_some(int fd, std::string& out) {
        char buf[65536];
        for (;;) {
            const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                out.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        }
    }

    // Pumps until `count` replies arrived (or the server closed); everything read.
    std::string read_replies(int fd, int count, bool* closed = nullptr) {
        std::string out;
        for (int round = 0; round < 200; ++round) {
            pump();
            const bool open = read_some(fd, out);
            if (closed) *closed = !open;
            if (!open || replies_in(out) >= count) break;
        }
        return out;
    }
    static int replies_in(const std::string& s) {
        int n = 0;
        for (std::size_t p = s.find("HTTP/1.1 "); p != std::string::npos;
             p = s.find("HTTP/1.1 ", p + 1))
            ++n;
        return n;
    }

    TimePoint now_{1'000'000};
    EventLoop loop_;
    std::vector<Responder> held_;
    HttpConnServer server_{
        loop_, [this] { return now_; },
        [this](const HttpRequest& r, std::string_view b, Responder rr) { handle(r, b, rr); }};
    std::vector<int> fds_;
};

TEST_F(HttpConnServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
    const int fd = connect_client();
    send_all(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string r = read_replies(fd, 1);
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
    EXPECT_NE(r.find("X-Test: 1\r\n"), std::string::npos);
    EXPECT_NE(r.find("\r\n\r\nGET /a "), std::string::npos);
    EXPECT_EQ(r.find("Connection: close"), std::string::npos);
    send_all(fd, "PUT /b?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    r = read_replies(fd, 1);
    EXPECT_NE(r.find("Content-Length: 14\r\n"), std::string::npos) << r;
    EXPECT_NE(r.find("PUT /b?q=1 abc"), std::string::npos) << r;
    EXPECT_EQ(server_.connection_count(), 1u);
}

TEST_F(HttpConnServerTest, PipelinedRequestsAreAnsweredInOrder) {
    const int fd = connect_client();
    // The second is answered at once, the first later: replies still go out in order.
    send_all(fd,
             "GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /now HTTP/1.1\r\nHost: x\r\n\r\n"
             "DELETE /third HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string r;
    pump();
    pump();
    ASSERT_TRUE(read_some(fd, r));
    EXPECT_EQ(r, "");  // held behind the first
    ASSERT_EQ(held_.size(), 1u);
    server_.respond(held_[0], HttpReply{201, "text/plain", "first", ""});
    r = read_replies(fd, 3);
    ASSERT_EQ(replies_in(r), 3) << r;
    const std::size_t a = r.find("first"), b = r.find("GET /now"), c = r.find("DELETE /third");
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_EQ(r.rfind("HTTP/1.1 201 Created", 0), 0u);
}

TEST_F(HttpConnServerTest, BodySplitAcrossReadsIsReassembled) {
    const int fd = connect_client();
    send_all(fd, "PUT /k HTTP/1.1\r\nHo");
    pump();
    send_all(fd, "st: x\r\nContent-Length: 10\r\n\r\n01234");
    pump();
    pump();
    send_all(fd, "56789");
    const std::string r = read_replies(fd, 1);
    EXPECT_NE(r.find("PUT /k 0123456789"), std::string::npos) << r;
}

TEST_F(HttpConnServerTest, OversizedHeadIs431AndClosed) {
    const int fd = connect_client();
    send_all(fd, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    bool closed = false;
    const std::string r = read_replies(fd, 1, &closed);
    EXPECT_EQ(r.rfind("HTTP/1.1 431 ", 0), 0u) << r;
    EXPECT_NE(r.find("{\"error\":\"request head larger than 8192 bytes\"}"), std::string::npos);
    EXPECT_NE(r.find("Connection: close"), std::string::npos);
}

TEST_F(HttpConnServerTest, OversizedBodyIs413BeforeItIsRead) {
    const int fd = connect_client();
    send_all(fd, "PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
    bool closed = false;
    const std::string r = read_replies(fd, 1, &closed);
    EXPECT_EQ(r.rfind("HTTP/1.1 413 ", 0), 0u) << r;
    EXPECT_NE(r.find("larger than 1052672 bytes"), std::string::npos) << r;
    read_replies(fd, 2, &closed);
    EXPECT_TRUE(closed);
    EXPECT_EQ(server_.connection_count(), 0u);
}

TEST_F(HttpConnServerTest, BadRequestsGetAMessage) {
    struct Case {
        std::string request;
        std::string status;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"GARBAGE\r\n\r\n", "400", "malformed request line"},
        {"GET / HTTP/1.1\r\n\r\n", "400", "without Host"},
        {"PUT /k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "501", "chunked"},
        {"PUT /k HTTP/1.1\r\nHost: x\r\n\r\n", "411", "Content-Length required"},
        {"PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", "400", "invalid Content"},
        {"PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400",
         "conflicting"},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505", "HTTP/1.0 and HTTP/1.1"},
    };
    for (const Case& c : cases) {
        const int fd = connect_client();
        send_all(fd, c.request);
        bool closed = false;
        const std::string r = read_replies(fd, 1, &closed);
        EXPECT_EQ(r.rfind("HTTP/1.1 " + c.status + " ", 0), 0u) << c.request << " -> " << r;
        EXPECT_NE(r.find(c.message), std::string::npos) << c.request << " -> " << r;
        EXPECT_NE(r.find("application/json"), std::string::npos) << r;
    }
}

TEST_F(HttpConnServerTest, ConnectionCloseAndHttp10CloseAfterTheReply) {
    for (const char* req :
         {"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET /a HTTP/1.0\r\n\r\n"}) {
        const int fd = connect_client();
        send_all(fd, req);
        bool closed = false;
        std::string r = read_replies(fd, 1, &closed);
        if (!closed) r += read_replies(fd, 2, &closed);
        EXPECT_TRUE(closed) << req;
        EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
        EXPECT_NE(r.find("GET /a"), std::string::npos) << r;
    }
    EXPECT_EQ(server_.connection_count(), 0u);
}

TEST_F(HttpConnServerTest, ClientResetBeforeAsyncReplyDropsTheReplySafely) {
    const int fd = connect_client();
    send_all(fd, "PUT /later HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nv");
    pump();
    ASSERT_EQ(held_.size(), 1u);
    linger hard{1, 0};  // close with a reset
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(fd);
    fds_.clear();
    for (int i = 0; i < 5 && server_.connection_count() > 0; ++i) pump();
    EXPECT_EQ(server_.connection_count(), 0u);
    // A new client likely gets the same fd number: the late reply must not reach it.
    const int next = connect_client();
    server_.respond(held_[0], HttpReply{200, "text/plain", "late", ""});  // dropped
    server_.respond(Responder{999, 0}, HttpReply{});                      // unknown: ignored
    pump();
    std::string r;
    EXPECT_TRUE(read_some(next, r));
    EXPECT_EQ(r, "");
    EXPECT_EQ(server_.connection_count(), 1u);
}

TEST_F(HttpConnServerTest, ClientCloseBeforeAsyncReplyClosesAfterTheReply) {
    const int fd = connect_client();
    send_all(fd, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    pump();
    ASSERT_EQ(held_.size(), 1u);
    shutdown(fd, SHUT_WR);  // EOF: the server still owes the reply
    pump();
    EXPECT_EQ(server_.connection_count(), 1u);
    server_.respond(held_[0], HttpReply{200, "text/plain", "late", ""});
    server_.respond(held_[0], HttpReply{200, "text/plain", "twice", ""});  // ignored
    bool closed = false;
    std::string r = read_replies(fd, 1, &closed);
    if (!closed) r += read_replies(fd, 2, &closed);
    EXPECT_NE(r.find("late"), std::string::npos);
    EXPECT_EQ(r.find("twice"), std::string::npos);
    EXPECT_TRUE(closed);
    EXPECT_EQ(server_.connection_count(), 0u);
}

TEST_F(HttpConnServerTest, IdleConnectionsExpireButNotOnesAwaitingAReply) {
    const int idle = connect_client();
    const int waiting = connect_client();
    send_all(waiting, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    pump();
    EXPECT_EQ(server_.next_deadline(), now_ + HttpConnServer::kIdleTimeMax);
    now_ = now_ + HttpConnServer::kIdleTimeMax;
    server_.expire(now_);
    EXPECT_EQ(server_.connection_count(), 1u);
    std::string r;
    EXPECT_FALSE(read_some(idle, r));
    server_.respond(held_[0], HttpReply{200, "text/plain", "ok", ""});
    EXPECT_NE(read_replies(waiting, 1).find("ok"), std::string::npos);
}

TEST_F(HttpConnServerTest, AHalfSentRequestHasTheShorterDeadline) {
    const int fd = connect_client();
    send_all(fd, "PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab");
    pump();
    EXPECT_EQ(server_.next_deadline(), now_ + HttpConnServer::kRequestTimeMax);
    server_.expire(now_ + HttpConnServer::kRequestTimeMax - 1);
    EXPECT_EQ(server_.connection_count(), 1u);
    server_.expire(now_ + HttpConnServer::kRequestTimeMax);
    EXPECT_EQ(server_.connection_count(), 0u);
}

TEST_F(HttpConnServerTest, HeadReplyHasNoBodySoTheNextReplyStaysFramed) {
    const int fd = connect_client();
    send_all(fd, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string r = read_replies(fd, 2);
    EXPECT_EQ(r.find("HEAD /h"), std::string::npos) << r;
    EXPECT_NE(r.find("Content-Length: 8\r\nX-Test: 1\r\n\r\nHTTP/1.1 200"), std::string::npos) << r;
    EXPECT_NE(r.find("GET /g "), std::string::npos) << r;
}

TEST_F(HttpConnServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
    const int fd = connect_client();
    send_all(fd, "PUT /k HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    std::string r = read_replies(fd, 1);
    EXPECT_EQ(r, "HTTP/1.1 100 Continue\r\n\r\n");
    send_all(fd, "abc");
    r = read_replies(fd, 1);
    EXPECT_NE(r.find("PUT /k abc"), std::string::npos) << r;
}

TEST_F(HttpConnServerTest, ManyPipelinedRequestsBeyondThePipelineLimitAreAllAnswered) {
    const int fd = connect_client();
    std::string burst;
    const int count = static_cast<int>(HttpConnServer::kPipelineMax) * 2 + 3;
    for (int i = 0; i < count; ++i)
        burst += "GET /n" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, burst);
    const std::string r = read_replies(fd, count);
    EXPECT_EQ(replies_in(r), count);
    EXPECT_NE(r.find("GET /n" + std::to_string(count - 1)), std::string::npos);
}

}  // namespace
}  // namespace vigil::io
