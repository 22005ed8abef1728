// Goal: the request-head parser accepts what curl and browsers send and refuses the rest
// with the right status, and no byte string can crash it or make it read out of bounds.
// Method: a table of heads with their outcome; then random and mutated bytes (seeded).
#include "io/http_request.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace vigil::io {
namespace {

constexpr std::size_t kMax = 8192;

TEST(HttpRequest, CurlRequestIsComplete) {
    auto p = parse_http_request(
        "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9405\r\nUser-Agent: curl/7.88.1\r\n"
        "Accept: */*\r\n\r\n",
        kMax);
    ASSERT_EQ(p.kind, HttpParse::Kind::complete) << p.error;
    EXPECT_EQ(p.request.method, "GET");
    EXPECT_EQ(p.request.target, "/metrics?x=1");
    EXPECT_EQ(p.request.path, "/metrics");
}

TEST(HttpRequest, EveryPrefixOfAGoodRequestIsIncomplete) {
    const std::string req = "HEAD / HTTP/1.0\r\nAccept: */*\r\n\r\n";
    for (std::size_t n = 0; n < req.size(); ++n)
        EXPECT_EQ(parse_http_request(req.substr(0, n), kMax).kind, HttpParse::Kind::incomplete)
            << n;
    EXPECT_EQ(parse_http_request(req, kMax).kind, HttpParse::Kind::complete);
}

TEST(HttpRequest, BareLineFeedsAndLeadingEmptyLinesAreAccepted) {
    auto p = parse_http_request("\r\n\nGET /status.json HTTP/1.1\nHost: x\n\n", kMax);
    ASSERT_EQ(p.kind, HttpParse::Kind::complete) << p.error;
    EXPECT_EQ(p.request.path, "/status.json");
}

struct BadCase {
    const char* name;
    std::string head;
    int status;
};

class HttpRequestBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(HttpRequestBad, IsRefused) {
    auto p = parse_http_request(GetParam().head, kMax);
    ASSERT_EQ(p.kind, HttpParse::Kind::bad);
    EXPECT_EQ(p.status, GetParam().status) << p.error;
    EXPECT_FALSE(p.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HttpRequestBad,
    ::testing::Values(
        BadCase{"NoHostIn11", "GET / HTTP/1.1\r\n\r\n", 400},
        BadCase{"TwoHosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        BadCase{"AbsoluteForm", "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        BadCase{"AsteriskForm", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        BadCase{"ExtraSpace", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        BadCase{"NoVersion", "GET /\r\n\r\n", 400},
        BadCase{"Http2", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
        BadCase{"BadVersion", "GET / HTTQ/1.1\r\nHost: x\r\n\r\n", 400},
        BadCase{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
        BadCase{"Folding", "GET / HTTP/1.1\r\nHost: x\r\n y\r\n\r\n", 400},
        BadCase{"NoColon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 400},
        BadCase{"BareCr", "GET / HTTP/1.1\rHost: x\r\n\r\n", 400},
        BadCase{"NulInHeader", std::string("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n", 30), 400},
        BadCase{"NonAsciiTarget", "GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        BadCase{"BadMethod", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        BadCase{"HeadTooLarge",
                "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(kMax, 'a') + "\r\n\r\n", 431},
        BadCase{"NoEndTooLarge", "GET / HTTP/1.1\r\nX: " + std::string(kMax, 'a'), 431}),
    [](const auto& info) { return info.param.name; });

TEST(HttpRequest, OtherMethodsParseSoThatTheServerCanAnswer405) {
    auto p = parse_http_request("POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n", kMax);
    ASSERT_EQ(p.kind, HttpParse::Kind::complete);
    EXPECT_EQ(p.request.method, "POST");
}

// Random bytes, and a good request with random bytes flipped, cut or inserted: the parser
// returns one of its three outcomes, a bad one with a status it documents.
TEST(HttpRequest, RandomBytesNeverCrash) {
    std::mt19937 prng(20261202);
    const std::string good = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
    for (int i = 0; i < 20000; ++i) {
        std::string bytes;
        if (i % 2 == 0) {
            bytes.resize(prng() % 300);
            for (char& c : bytes) c = static_cast<char>(prng() % 256);
        } else {
            bytes = good;
            for (int k = 0, edits = 1 + prng() % 4; k < edits; ++k) {
                const std::size_t at = prng() % (bytes.size() + 1);
                switch (prng() % 3) {
                    case 0:
                        if (at < bytes.size()) bytes[at] = static_cast<char>(prng() % 256);
                        break;
                    case 1: bytes.insert(at, 1, static_cast<char>(prng() % 256)); break;
                    case 2: bytes.erase(at, prng() % 4); break;
                }
            }
        }
        const auto p = parse_http_request(bytes, 128);
        if (p.kind == HttpParse::Kind::bad) {
            EXPECT_TRUE(p.status == 400 || p.status == 431 || p.status == 505) << p.status;
        }
        if (p.kind == HttpParse::Kind::complete) {
            EXPECT_EQ(p.request.target.front(), '/');
        }
    }
}

TEST(HttpRequest, HeadersAndHeadBytesAreReportedForKeepAlive) {
    const std::string head =
        "\r\nPUT /v1/kv/k?x=1 HTTP/1.1\r\nHost: h\r\nIf-Match:  7 \r\nContent-Length: 2\r\n\r\n";
    const HttpParse p = parse_http_request(head + "abGET / HTTP/1.1\r\n", 8192);
    ASSERT_EQ(p.kind, HttpParse::Kind::complete);
    EXPECT_EQ(p.head_bytes, head.size());  // the body and the next request start here
    EXPECT_TRUE(p.request.http11);
    ASSERT_EQ(p.request.headers.size(), 3u);
    ASSERT_TRUE(p.request.header("if-match"));
    EXPECT_EQ(*p.request.header("if-match"), "7");
    EXPECT_EQ(*p.request.header("CONTENT-LENGTH"), "2");
    EXPECT_EQ(p.request.header("x-none"), nullptr);
    EXPECT_FALSE(parse_http_request("GET / HTTP/1.0\r\n\r\n", 8192).request.http11);
}

}  // namespace
}  // namespace vigil::io
