// Goal: FrameStream carries whole frames both ways over real loopback TCP, however the
// bytes are split, queues what the peer cannot take yet, and closes with a reason on an
// oversized frame or a peer that goes away. Driven by the real EventLoop, no sleeps.
#include "io/frame_stream.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "io/clock.h"

namespace vigil::io {
namespace {

struct Pair {
    EventLoop loop;
    std::unique_ptr<TcpListener> listener;
    std::unique_ptr<FrameStream> client, server;
    std::vector<std::string> at_client, at_server;
    std::string client_closed, server_closed;

    explicit Pair(std::size_t limit = 1 << 20) {
        auto l = TcpListener::listen(loop, "127.0.0.1", 0, [this, limit](int fd, std::string) {
            server = FrameStream::adopt(loop, fd, limit);
            server->start([this](std::string_view f) { at_server.emplace_back(f); },
                          [this](const std::string& why) { server_closed = why; });
        });
        EXPECT_TRUE(l);
        listener = std::move(*l);
        auto c = FrameStream::connect(loop, "127.0.0.1", listener->port(), limit);
        EXPECT_TRUE(c);
        client = std::move(*c);
        client->start([this](std::string_view f) { at_client.emplace_back(f); },
                      [this](const std::string& why) { client_closed = why; });
    }
    // Runs the loop until `done` or 2000 rounds (each wakes at least every 10 ms).
    template <typename F>
    bool run_until(F done) {
        for (int i = 0; i < 2000 && !done(); ++i) {
            loop.wake_at(monotonic_now() + 10'000);
            EXPECT_TRUE(loop.run_once([] {}));
        }
        return done();
    }
};

TEST(FrameStream, CarriesFramesBothWaysInOrder) {
    Pair p;
    p.client->send("hello");
    p.client->send("");
    p.client->send(std::string(300'000, 'x'));  // larger than one read
    ASSERT_TRUE(p.run_until([&] { return p.at_server.size() == 3; }));
    EXPECT_EQ(p.at_server[0], "hello");
    EXPECT_EQ(p.at_server[1], "");
    EXPECT_EQ(p.at_server[2].size(), 300'000u);
    p.server->send("ack");
    ASSERT_TRUE(p.run_until([&] { return p.at_client.size() == 1; }));
    EXPECT_EQ(p.at_client[0], "ack");
}

TEST(FrameStream, QueuesWhatThePeerDoesNotReadYet) {
    Pair p;
    ASSERT_TRUE(p.run_until([&] { return p.server != nullptr; }));
    // 8 MiB exceeds the socket buffers: most of it waits in the queue.
    for (int i = 0; i < 32; ++i) p.client->send(std::string(256 * 1024, static_cast<char>('a' + i % 26)));
    EXPECT_GT(p.client->queued_bytes(), 0u);
    ASSERT_TRUE(p.run_until([&] { return p.at_server.size() == 32; }));
    EXPECT_EQ(p.client->queued_bytes(), 0u);
    EXPECT_EQ(p.at_server[31][0], 'a' + 31 % 26);
}

TEST(FrameStream, OversizedFrameClosesWithTheReason) {
    Pair p(1000);
    p.client->send(std::string(1001, 'x'));
    ASSERT_TRUE(p.run_until([&] { return !p.server_closed.empty(); }));
    EXPECT_NE(p.server_closed.find("frame of 1001 bytes (limit 1000)"), std::string::npos);
    EXPECT_TRUE(p.at_server.empty());
    ASSERT_TRUE(p.run_until([&] { return !p.client_closed.empty(); }));
}

TEST(FrameStream, PeerGoingAwayIsReported) {
    Pair p;
    ASSERT_TRUE(p.run_until([&] { return p.server != nullptr; }));
    p.server.reset();
    ASSERT_TRUE(p.run_until([&] { return !p.client_closed.empty(); }));
    EXPECT_FALSE(p.client->open());
}

TEST(FrameStream, RefusedConnectionIsReported) {
    EventLoop loop;
    int port = 0;
    {
        auto l = TcpListener::listen(loop, "127.0.0.1", 0, [](int, std::string) {});
        ASSERT_TRUE(l);
        port = (*l)->port();
    }  // closed: nothing listens there now
    auto c = FrameStream::connect(loop, "127.0.0.1", port, 1000);
    ASSERT_TRUE(c);
    std::string closed;
    (*c)->start([](std::string_view) {}, [&](const std::string& why) { closed = why; });
    for (int i = 0; i < 200 && closed.empty(); ++i) {
        loop.wake_at(monotonic_now() + 10'000);
        ASSERT_TRUE(loop.run_once([] {}));
    }
    EXPECT_NE(closed.find("connect"), std::string::npos) << closed;
    EXPECT_FALSE(FrameStream::connect(loop, "not-an-address", 1, 10));
}

}  // namespace
}  // namespace vigil::io
