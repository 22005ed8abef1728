// Goal: `vigil kv` sends the requests docs/store-api.md describes and turns every reply into
// the documented output and exit code; its HTTP client frames requests and parses replies.
// Method: the pure builders and interpreters on hand-written replies; one end-to-end call
// against a loopback listener that is never answered (timeout) and a closed port.
#include "cli/kv_command.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/commands.h"

namespace vigil::cli {
namespace {

HttpResult reply(int status, std::string body, HttpHeaders headers = {}) {
    return HttpResult{status, std::move(headers), std::move(body)};
}

TEST(KvCommand, BuildsRequestsWithEncodedKeysAndHeaders) {
    KvArgs a;
    a.op = KvArgs::Op::put;
    a.key = "app/conf ig";
    a.value = "v";
    a.if_match = 0;
    a.request_id = "r1";
    KvCall c = build_kv_call(a);
    EXPECT_EQ(c.method, "PUT");
    EXPECT_EQ(c.target, "/v1/kv/app/conf%20ig");
    EXPECT_EQ(c.body, "v");
    EXPECT_EQ(c.headers, (HttpHeaders{{"If-Match", "0"}, {"Idempotency-Key", "r1"}}));
    a.op = KvArgs::Op::get;
    EXPECT_TRUE(build_kv_call(a).headers.empty());
    a.op = KvArgs::Op::list;
    a.prefix = "a b";
    a.limit = 5;
    EXPECT_EQ(build_kv_call(a).target, "/v1/kv?limit=5&prefix=a%20b");
    a.limit.reset();
    a.start_after = "k";
    EXPECT_EQ(build_kv_call(a).target, "/v1/kv?limit=1000&prefix=a%20b&start_after=k");
}

TEST(KvCommand, PrintsValuesRevisionsAndListings) {
    KvArgs a;
    KvPrinted p = interpret_kv_reply(a, reply(200, R"({"key":"k","value":"hi","revision":3})"));
    EXPECT_EQ(p.exit_code, 0);
    EXPECT_EQ(p.out, "hi");
    p = interpret_kv_reply(a, reply(200, R"({"key":"k","value_base64":"/wAB","revision":3})"));
    EXPECT_EQ(p.out, std::string("\xff\x00\x01", 3));
    a.op = KvArgs::Op::put;
    EXPECT_EQ(interpret_kv_reply(a, reply(200, R"({"key":"k","revision":7})")).out, "revision 7\n");
    a.op = KvArgs::Op::list;
    p = interpret_kv_reply(a, reply(200, R"({"items":[{"key":"a","value":"1","revision":1},
        {"key":"b","value":"2","revision":2}],"next":"b"})"));
    EXPECT_EQ(p.out, "a\t1\nb\t2\n");
    EXPECT_EQ(p.next, "b");
    a.json = true;
    p = interpret_kv_reply(a, reply(200, R"({"items":[],"next":null})"));
    EXPECT_EQ(p.out, R"({"items":[],"next":null})");
    EXPECT_EQ(p.next, "");
}

TEST(KvCommand, ErrorsGoToStderrWithTheirExitCode) {
    KvArgs a;
    KvPrinted p = interpret_kv_reply(a, reply(404, R"({"error":"key not found","key":"k"})"));
    EXPECT_EQ(p.exit_code, kExitRefused);
    EXPECT_EQ(p.err, "vigil kv: key not found\n");
    EXPECT_EQ(p.out, "");
    p = interpret_kv_reply(a,
                           reply(412, R"({"error":"revision mismatch","key":"k","revision":4})"));
    EXPECT_EQ(p.err, "vigil kv: revision mismatch (current revision 4)\n");
    p = interpret_kv_reply(a, reply(503, R"({"error":"not the primary","primary":"n1"})",
                                    {{"X-Vigil-Primary", "n1"}}));
    EXPECT_EQ(p.exit_code, kExitUnreachable);
    EXPECT_EQ(p.err, "vigil kv: not the primary (the primary is n1)\n");
    p = interpret_kv_reply(a, reply(500, "oops"));
    EXPECT_EQ(p.exit_code, kExitRefused);
    EXPECT_EQ(p.err, "vigil kv: HTTP 500: oops\n");
}

TEST(KvCommand, ParsesServerAddresses) {
    auto s = parse_server_address("10.0.0.1:80", 7480);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->host, "10.0.0.1");
    EXPECT_EQ(s->port, 80);
    s = parse_server_address("[fd00::1]:7481", 7480);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->host, "fd00::1");
    EXPECT_EQ(s->port, 7481);
    EXPECT_EQ(parse_server_address("vip.example", 7480)->port, 7480);
    EXPECT_EQ(parse_server_address("[::1]", 7480)->host, "::1");
    EXPECT_FALSE(parse_server_address("fd00::1:80", 7480));
    EXPECT_FALSE(parse_server_address("h:99999", 7480));
    EXPECT_FALSE(parse_server_address("h:", 7480));
    EXPECT_FALSE(parse_server_address("[::1", 7480));
}

TEST(KvCommand, HttpClientFramesRequestsAndParsesReplies) {
    const std::string req = build_http_request("PUT", ServerAddress{"::1", 7480}, "/v1/kv/k",
                                               {{"If-Match", "1"}}, "ab");
    EXPECT_EQ(req,
              "PUT /v1/kv/k HTTP/1.1\r\nHost: [::1]:7480\r\nIf-Match: 1\r\n"
              "Content-Length: 2\r\nConnection: close\r\n\r\nab");
    auto r = parse_http_response(
        "HTTP/1.1 412 Precondition Failed\r\nContent-Length: 2\r\n"
        "X-Vigil-Primary: n2\r\n\r\n{}");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 412);
    EXPECT_EQ(r->body, "{}");
    ASSERT_TRUE(r->header("x-vigil-primary"));
    EXPECT_EQ(*r->header("x-vigil-primary"), "n2");
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("garbage\r\n\r\n"));
}

TEST(KvCommand, UnreachableAndSilentServersAreIoErrors) {
    // A listener that accepts (kernel backlog) but never answers: the deadline ends it.
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t len = sizeof a;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(listen(fd, 4), 0);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const int port = ntohs(a.sin_port);
    auto r = http_call(ServerAddress{"127.0.0.1", port}, "GET", "/v1/kv/k", {}, "", 50);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no reply"), std::string::npos) << r.error().message;
    close(fd);  // now nobody listens there
    r = http_call(ServerAddress{"127.0.0.1", port}, "GET", "/v1/kv/k", {}, "", 1000);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cannot connect"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace vigil::cli
