// Goal: every endpoint of docs/store-api.md answers with the documented status, headers and
// JSON, a standby never submits, a write is answered only when its outcome arrives, and a
// retried Idempotency-Key gets the first reply without a second write.
// Method: KvApi over a fake backend that applies writes to a KvState at once, or holds them
// so the test decides when (and how) they complete.
#include "daemon/kv_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vigil::daemon {
namespace {

using json = nlohmann::json;

struct FakeBackend : KvBackend {
    std::optional<KvUnavailable> unavailable() const override { return down; }
    const store::KvState& state() const override { return kv; }
    void submit(store::Write w, std::function<void(Result<store::Outcome>)> done) override {
        submitted.push_back(w);
        if (hold) {
            held.push_back(std::move(done));
            return;
        }
        done(kv.apply(store::Entry{kv.applied_index() + 1, 1, std::move(w)}));
    }
    std::optional<KvUnavailable> down;
    store::KvState kv;
    bool hold = false;
    std::vector<store::Write> submitted;
    std::vector<std::function<void(Result<store::Outcome>)>> held;
};

class KvApiTest : public ::testing::Test {
protected:
    // Sends one request; the reply, if it came synchronously.
    std::optional<io::HttpReply> call(std::string method, std::string target, std::string body = "",
                                      std::vector<std::pair<std::string, std::string>> h = {}) {
        io::HttpRequest r;
        r.method = std::move(method);
        r.path = target.substr(0, target.find('?'));
        r.target = std::move(target);
        r.http11 = true;
        r.headers = std::move(h);
        last_.reset();
        // Held writes answer after call() returned: into a member, not a local.
        api_.handle(r, body, [this](io::HttpReply reply) {
            ++replies_;
            last_ = std::move(reply);
        });
        return last_;
    }
    static json body(const std::optional<io::HttpReply>& r) { return json::parse(r->body); }

    FakeBackend backend_;
    KvApi api_{backend_};
    int replies_ = 0;
    std::optional<io::HttpReply> last_;
};

TEST_F(KvApiTest, PutThenGetReturnsValueAndRevision) {
    auto r = call("PUT", "/v1/kv/a%2Fb", "hello");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(body(r), (json{{"key", "a/b"}, {"revision", 1}}));
    r = call("GET", "/v1/kv/a%2Fb");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(body(r), (json{{"key", "a/b"}, {"value", "hello"}, {"revision", 1}}));
    EXPECT_EQ(r->content_type, "application/json");
}

TEST_F(KvApiTest, FullStoreIs507AndFailedWriteIs503) {
    backend_.hold = true;
    ASSERT_FALSE(call("PUT", "/v1/kv/a", "v"));
    backend_.held.back()(Error::invalid("the store is full: 9 keys"));
    EXPECT_EQ(last_->status, 507);
    EXPECT_NE(body(last_)["error"].get<std::string>().find("store is full"), std::string::npos);
    ASSERT_FALSE(call("PUT", "/v1/kv/b", "v"));
    backend_.held.back()(Error::busy("this node is no longer the primary"));
    EXPECT_EQ(last_->status, 503);
}

TEST_F(KvApiTest, MissingKeyIs404) {
    auto r = call("GET", "/v1/kv/nope");
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(body(r), (json{{"error", "key not found"}, {"key", "nope"}}));
    r = call("DELETE", "/v1/kv/nope");
    EXPECT_EQ(r->status, 404);
}

TEST_F(KvApiTest, BinaryValueIsReturnedAsBase64) {
    call("PUT", "/v1/kv/bin", std::string("\xff\x00\x01", 3));
    const auto r = call("GET", "/v1/kv/bin");
    EXPECT_EQ(body(r)["value_base64"], "/wAB");
    EXPECT_FALSE(body(r).contains("value"));
}

TEST_F(KvApiTest, IfMatchMismatchIs412WithTheCurrentRevision) {
    call("PUT", "/v1/kv/k", "v1");
    auto r = call("PUT", "/v1/kv/k", "v2", {{"If-Match", "9"}});
    EXPECT_EQ(r->status, 412);
    EXPECT_EQ(body(r), (json{{"error", "revision mismatch"}, {"key", "k"}, {"revision", 1}}));
    r = call("PUT", "/v1/kv/k", "v2", {{"If-Match", "\"1\""}});
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(call("PUT", "/v1/kv/k", "v3", {{"If-Match", "0"}})->status, 412);  // create only
    EXPECT_EQ(call("PUT", "/v1/kv/new", "v", {{"If-Match", "0"}})->status, 200);
    EXPECT_EQ(call("DELETE", "/v1/kv/k", "", {{"if-match", "1"}})->status, 412);
}

TEST_F(KvApiTest, DeleteReportsDeletedAndItsRevision) {
    call("PUT", "/v1/kv/k", "v");
    const auto r = call("DELETE", "/v1/kv/k");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(body(r), (json{{"key", "k"}, {"deleted", true}, {"revision", 2}}));
    EXPECT_EQ(call("GET", "/v1/kv/k")->status, 404);
}

TEST_F(KvApiTest, RetriedIdempotencyKeyGetsTheFirstReplyWithoutANewWrite) {
    auto first = call("PUT", "/v1/kv/k", "v1", {{"Idempotency-Key", "req-7"}});
    EXPECT_EQ(backend_.submitted.size(), 1u);
    EXPECT_EQ(backend_.submitted[0].request_id, "req-7");
    call("PUT", "/v1/kv/k", "v2");
    auto retry = call("PUT", "/v1/kv/k", "v1", {{"Idempotency-Key", "req-7"}});
    EXPECT_EQ(backend_.submitted.size(), 2u);  // the retry appended nothing
    EXPECT_EQ(retry->status, 200);
    EXPECT_EQ(retry->body, first->body);
    EXPECT_NE(retry->extra_headers.find("Idempotent-Replayed: true"), std::string::npos);
    EXPECT_EQ(first->extra_headers.find("Idempotent-Replayed"), std::string::npos);
    EXPECT_EQ(backend_.kv.get("k")->value, "v2");
}

TEST_F(KvApiTest, DuplicateFoundAtApplyTimeIsMarkedReplayed) {
    // Two retries in flight at once: the second is deduplicated by the state machine.
    backend_.hold = true;
    call("PUT", "/v1/kv/k", "v", {{"Idempotency-Key", "r"}});
    std::optional<io::HttpReply> second = call("PUT", "/v1/kv/k", "v", {{"Idempotency-Key", "r"}});
    ASSERT_EQ(backend_.held.size(), 2u);
    EXPECT_FALSE(second);
    backend_.held[1](store::Outcome{store::Outcome::Code::ok, 1, 1, true});
    EXPECT_EQ(replies_, 1);
    ASSERT_TRUE(last_);
    EXPECT_EQ(last_->status, 200);
    EXPECT_NE(last_->extra_headers.find("Idempotent-Replayed: true"), std::string::npos);
}

TEST_F(KvApiTest, WriteIsAnsweredOnlyWhenItsOutcomeArrives) {
    backend_.hold = true;
    EXPECT_FALSE(call("PUT", "/v1/kv/k", "v"));
    EXPECT_EQ(replies_, 0);
    ASSERT_EQ(backend_.held.size(), 1u);
    backend_.held[0](store::Outcome{store::Outcome::Code::ok, 5, 5, false});
    EXPECT_EQ(replies_, 1);
    backend_.hold = true;
    std::optional<io::HttpReply> failed;
    io::HttpRequest r;
    r.method = "PUT";
    r.path = r.target = "/v1/kv/k";
    api_.handle(r, "v", [&](io::HttpReply reply) { failed = std::move(reply); });
    backend_.held[1](Error::io("lost primacy in epoch 4"));
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, 503);
    EXPECT_NE(failed->body.find("lost primacy in epoch 4"), std::string::npos);
}

TEST_F(KvApiTest, StandbyAnswers503WithThePrimaryAndNeverSubmits) {
    backend_.down = KvUnavailable{503, "n1", "not the primary"};
    for (const char* method : {"PUT", "DELETE", "GET"}) {
        const auto r = call(method, "/v1/kv/k", "v");
        EXPECT_EQ(r->status, 503) << method;
        EXPECT_EQ(body(r), (json{{"error", "not the primary"}, {"primary", "n1"}}));
        EXPECT_EQ(r->extra_headers, "X-Vigil-Primary: n1\r\n");
    }
    EXPECT_EQ(call("GET", "/v1/kv?prefix=a")->status, 503);
    EXPECT_TRUE(backend_.submitted.empty());
    backend_.down = KvUnavailable{503, "", "no primary elected"};
    const auto r = call("PUT", "/v1/kv/k", "v");
    EXPECT_EQ(body(r), (json{{"error", "no primary elected"}, {"primary", nullptr}}));
    EXPECT_EQ(r->extra_headers, "");
}

TEST_F(KvApiTest, ListIsOrderedAndPaginated) {
    for (const char* k : {"app/b", "app/a", "app/c", "other"})
        call("PUT", std::string("/v1/kv/") + k, k);
    auto r = call("GET", "/v1/kv?prefix=app%2F&limit=2");
    EXPECT_EQ(r->status, 200);
    json j = body(r);
    ASSERT_EQ(j["items"].size(), 2u);
    EXPECT_EQ(j["items"][0], (json{{"key", "app/a"}, {"value", "app/a"}, {"revision", 2}}));
    EXPECT_EQ(j["next"], "app/b");
    j = body(call("GET", "/v1/kv?prefix=app/&limit=2&start_after=app/b"));
    ASSERT_EQ(j["items"].size(), 1u);
    EXPECT_EQ(j["items"][0]["key"], "app/c");
    EXPECT_TRUE(j["next"].is_null());
    EXPECT_EQ(body(call("GET", "/v1/kv"))["items"].size(), 4u);
}

TEST_F(KvApiTest, InvalidRequestsNameWhatIsWrong) {
    struct Case {
        std::string method, target, body;
        std::vector<std::pair<std::string, std::string>> headers;
        int status;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"PUT", "/v1/kv/", "v", {}, 400, "empty key"},
        {"PUT", "/v1/kv/" + std::string(1025, 'k'), "v", {}, 414, "limit of 1024 bytes"},
        {"PUT", "/v1/kv/a%zz", "v", {}, 400, "percent-encoding"},
        {"PUT", "/v1/kv/%ff", "v", {}, 400, "not valid UTF-8"},
        {"PUT",
         "/v1/kv/k",
         std::string(store::kValueBytesMax + 1, 'v'),
         {},
         413,
         "limit of 1048576 bytes"},
        {"PUT", "/v1/kv/k", "v", {{"If-Match", "abc"}}, 400, "invalid If-Match"},
        {"PUT",
         "/v1/kv/k",
         "v",
         {{"Idempotency-Key", std::string(129, 'x')}},
         400,
         "Idempotency-Key must be 1 to 128 bytes"},
        {"GET", "/x", "", {}, 404, "no such endpoint: /x"},
        {"GET", "/v1/kvx", "", {}, 404, "no such endpoint"},
        {"POST", "/v1/kv/k", "", {}, 405, "method POST not allowed"},
        {"PUT", "/v1/kv", "", {}, 405, "not allowed"},
        {"GET", "/v1/kv?limit=0", "", {}, 400, "limit must be a number from 1 to 1000"},
        {"GET", "/v1/kv?limit=1001", "", {}, 400, "limit must be"},
    };
    for (const Case& c : cases) {
        const auto r = call(c.method, c.target, c.body, c.headers);
        ASSERT_TRUE(r) << c.target;
        EXPECT_EQ(r->status, c.status) << c.method << " " << c.target;
        const json j = json::parse(r->body);
        EXPECT_NE(j["error"].get<std::string>().find(c.message), std::string::npos)
            << c.target << ": " << r->body;
    }
    EXPECT_TRUE(backend_.submitted.empty());
    EXPECT_EQ(call("POST", "/v1/kv/k")->extra_headers, "Allow: GET, PUT, DELETE\r\n");
    EXPECT_EQ(call("DELETE", "/v1/kv")->extra_headers, "Allow: GET\r\n");
}

TEST(KvApiText, Utf8AndBase64) {
    EXPECT_TRUE(is_valid_utf8("héllo €"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));          // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    bool ok = true;
    EXPECT_EQ(percent_decode("a%20b%2f", &ok), "a b/");
    EXPECT_TRUE(ok);
    percent_decode("%2", &ok);
    EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace vigil::daemon
