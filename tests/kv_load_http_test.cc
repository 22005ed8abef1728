// The pure half of vigil-kv-load (bench/kv_load_http.h): the requests it sends to vigil and
// to etcd's JSON gateway, and the parsing of every response shape it meets (whole, split
// across reads, pipelined, chunked, malformed). If these break, the benchmark counts wrong.
#include "bench/kv_load_http.h"

#include <gtest/gtest.h>

namespace vigil::bench {
namespace {

TEST(KvLoad, Base64MatchesRfc4648Vectors) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(KvLoad, KeysAreUniquePerClientAndSequence) {
    EXPECT_EQ(make_key("bench", 3, 17), "bench/3/17");
    EXPECT_NE(make_key("bench", 1, 11), make_key("bench", 11, 1));
}

TEST(KvLoad, ValueHasExactSizeAndStartsWithKey) {
    std::string v = make_value("bench/1/2", 256);
    EXPECT_EQ(v.size(), 256u);
    EXPECT_EQ(v.substr(0, 9), "bench/1/2");
    EXPECT_EQ(make_value("bench/1/2", 4), "benc");
}

TEST(KvLoad, VigilRequestIsPutWithRawBody) {
    EXPECT_EQ(build_put_request(Target::vigil, "198.18.0.10:7480", "bench/0/1", "abc"),
              "PUT /v1/kv/bench/0/1 HTTP/1.1\r\nHost: 198.18.0.10:7480\r\n"
              "Content-Length: 3\r\n\r\nabc");
}

TEST(KvLoad, EtcdRequestIsJsonGatewayPutWithBase64) {
    EXPECT_EQ(build_put_request(Target::etcd, "198.18.0.11:2379", "foo", "bar"),
              "POST /v3/kv/put HTTP/1.1\r\nHost: 198.18.0.11:2379\r\nContent-Length: 29\r\n"
              "Content-Type: application/json\r\n\r\n{\"key\":\"Zm9v\",\"value\":\"YmFy\"}");
}

TEST(KvLoad, ParsesContentLengthResponse) {
    std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n"
                      "{\"key\":\"bench/0/1\",\"revision\":7}";
    ParsedResponse r = parse_response(raw);
    ASSERT_EQ(r.state, ParseState::complete) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.response_bytes, raw.size());
    EXPECT_FALSE(r.close);
    EXPECT_TRUE(put_acknowledged(Target::vigil, r));
}

TEST(KvLoad, IncompleteUntilWholeBodyArrived) {
    std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    for (std::size_t n = 0; n < raw.size(); ++n) {
        EXPECT_EQ(parse_response(std::string_view(raw).substr(0, n)).state,
                  ParseState::incomplete)
            << "prefix of " << n << " bytes";
    }
    EXPECT_EQ(parse_response(raw).state, ParseState::complete);
}

TEST(KvLoad, PipelinedResponsesAreParsedOneAtATime) {
    std::string one = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 2\r\n\r\n{}";
    std::string two = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ParsedResponse r = parse_response(one + two);
    ASSERT_EQ(r.state, ParseState::complete);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.response_bytes, one.size());
    EXPECT_FALSE(put_acknowledged(Target::vigil, r));
    ParsedResponse r2 = parse_response(std::string_view(one + two).substr(r.response_bytes));
    ASSERT_EQ(r2.state, ParseState::complete);
    EXPECT_EQ(r2.status, 200);
    EXPECT_TRUE(r2.close);
}

TEST(KvLoad, ChunkedBodyIsJoined) {
    std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "a\r\n{\"header\":\r\n3;x=y\r\n{}}\r\n0\r\n\r\n";
    ParsedResponse r = parse_response(raw);
    ASSERT_EQ(r.state, ParseState::complete) << r.error;
    EXPECT_EQ(r.body, "{\"header\":{}}");
    EXPECT_EQ(r.response_bytes, raw.size());
    EXPECT_TRUE(put_acknowledged(Target::etcd, r));
    EXPECT_EQ(parse_response(raw.substr(0, raw.size() - 1)).state, ParseState::incomplete);
}

TEST(KvLoad, EtcdErrorBodyIsNotAnAck) {
    std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 28\r\n\r\n"
                      "{\"error\":\"x\",\"header\":null}";
    EXPECT_FALSE(put_acknowledged(Target::etcd, parse_response(raw)));
}

TEST(KvLoad, MalformedResponsesAreReportedWithReason) {
    EXPECT_EQ(parse_response("garbage\r\n\r\n").state, ParseState::malformed);
    EXPECT_EQ(parse_response("HTTP/1.1 2x0 OK\r\n\r\n").state, ParseState::malformed);
    ParsedResponse r = parse_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    EXPECT_EQ(r.state, ParseState::malformed);
    EXPECT_EQ(r.error, "bad Content-Length");
    EXPECT_EQ(parse_response(std::string(kResponseHeaderBytesMax + 1, 'x')).state,
              ParseState::malformed);
}

TEST(KvLoad, PercentilesUseNearestRank) {
    std::vector<std::uint32_t> us;
    for (std::uint32_t i = 100; i >= 1; --i) us.push_back(i * 1000);  // 1..100 ms
    LatencySummary s = summarize_latency(us);
    EXPECT_EQ(s.count, 100u);
    EXPECT_DOUBLE_EQ(s.p50_ms, 50.0);
    EXPECT_DOUBLE_EQ(s.p99_ms, 99.0);
    EXPECT_DOUBLE_EQ(s.max_ms, 100.0);
    std::vector<std::uint32_t> empty;
    EXPECT_EQ(summarize_latency(empty).count, 0u);
}

}  // namespace
}  // namespace vigil::bench
