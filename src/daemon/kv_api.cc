#include "daemon/kv_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace vigil::daemon {

using json = nlohmann::json;
using store::Outcome;
using store::Write;

namespace {

constexpr std::string_view kKvPath = "/v1/kv";

io::HttpReply json_reply(int status, const json& body, std::string extra_headers = "") {
    // Keys and values are checked for UTF-8 before they get here; `replace` only keeps a
    // missed case from throwing out of the loop.
    return {status, "application/json",
            body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
            std::move(extra_headers)};
}

io::HttpReply error_reply(int status, std::string message, std::string extra_headers = "") {
    return json_reply(status, json{{"error", std::move(message)}}, std::move(extra_headers));
}

// A node that does not serve names the primary, in the body and in a header a proxy or a
// client can follow without parsing JSON.
io::HttpReply unavailable_reply(const KvUnavailable& why) {
    json j{{"error", why.message.empty() ? "not the primary" : why.message}, {"primary", nullptr}};
    std::string header;
    if (!why.primary.empty()) {
        j["primary"] = why.primary;
        header = "X-Vigil-Primary: " + why.primary + "\r\n";
    }
    return json_reply(why.status, j, std::move(header));
}

// Value as a JSON string when it is text, else base64 under another name: JSON strings
// cannot carry arbitrary bytes.
void put_value(json& j, const std::string& value) {
    if (is_valid_utf8(value))
        j["value"] = value;
    else
        j["value_base64"] = base64_encode(value);
}

std::optional<std::string> query_param(std::string_view query, std::string_view name, bool* ok) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), ok);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void KvApi::handle(const io::HttpRequest& request, std::string_view body, Reply reply) {
    const std::string& path = request.path;
    const std::string& method = request.method;
    if (path == kKvPath) {
        if (method != "GET")
            return reply(
                error_reply(405, "method " + method + " not allowed on " + path, "Allow: GET\r\n"));
        if (auto why = backend_.unavailable()) return reply(unavailable_reply(*why));
        const std::size_t q = request.target.find('?');
        return list(q == std::string::npos ? "" : std::string_view(request.target).substr(q + 1),
                    reply);
    }
    if (path.size() < kKvPath.size() + 1 || path.compare(0, kKvPath.size() + 1, "/v1/kv/") != 0)
        return reply(error_reply(404, "no such endpoint: " + path));
    if (method != "GET" && method != "PUT" && method != "DELETE")
        return reply(error_reply(405, "method " + method + " not allowed on " + path,
                                 "Allow: GET, PUT, DELETE\r\n"));
    bool ok = true;
    std::string key = percent_decode(std::string_view(path).substr(kKvPath.size() + 1), &ok);
    if (!ok) return reply(error_reply(400, "invalid percent-encoding in key"));
    if (key.empty()) return reply(error_reply(400, "empty key: use /v1/kv/{key}"));
    if (key.size() > store::kKeyBytesMax)
        return reply(error_reply(414, "key of " + std::to_string(key.size()) +
                                          " bytes is longer than the limit of " +
                                          std::to_string(store::kKeyBytesMax) + " bytes"));
    if (!is_valid_utf8(key)) return reply(error_reply(400, "key is not valid UTF-8"));
    if (method == "GET") return get(key, reply);
    write(request, std::move(key), body, std::move(reply));
}

void KvApi::get(const std::string& key, const Reply& reply) {
    if (auto why = backend_.unavailable()) return reply(unavailable_reply(*why));
    const auto v = backend_.state().get(key);
    if (!v) return reply(json_reply(404, json{{"error", "key not found"}, {"key", key}}));
    json j{{"key", key}, {"revision", v->revision}};
    put_value(j, v->value);
    reply(json_reply(200, j));
}

void KvApi::list(std::string_view query, const Reply& reply) {
    bool ok = true;
    const std::string prefix = query_param(query, "prefix", &ok).value_or("");
    const std::string start_after = query_param(query, "start_after", &ok).value_or("");
    const auto limit_text = query_param(query, "limit", &ok);
    if (!ok) return reply(error_reply(400, "invalid percent-encoding in the query"));
    std::uint64_t limit = kListLimitDefault;
    if (limit_text && (!parse_u64(*limit_text, limit) || limit < 1 || limit > kListLimitMax))
        return reply(error_reply(400, "limit must be a number from 1 to " +
                                          std::to_string(kListLimitMax) + ", not '" + *limit_text +
                                          "'"));
    const store::KvListing listing =
        backend_.state().list(prefix, start_after, static_cast<std::size_t>(limit));
    json items = json::array();
    for (const auto& [key, v] : listing.items) {
        json item{{"key", key}, {"revision", v.revision}};
        put_value(item, v.value);
        items.push_back(std::move(item));
    }
    json j{{"items", std::move(items)}, {"next", nullptr}};
    if (!listing.next.empty()) j["next"] = listing.next;
    reply(json_reply(200, j));
}

namespace {

// The reply to an applied write: the same for the first application and a replay.
io::HttpReply outcome_reply(bool is_delete, const std::string& key, const Outcome& o) {
    const std::string replayed = o.duplicate ? "Idempotent-Replayed: true\r\n" : "";
    switch (o.code) {
        case Outcome::Code::precondition_failed:
            return json_reply(
                412, json{{"error", "revision mismatch"}, {"key", key}, {"revision", o.revision}},
                replayed);
        case Outcome::Code::not_found:
            return json_reply(404, json{{"error", "key not found"}, {"key", key}}, replayed);
        case Outcome::Code::ok: break;
    }
    if (is_delete)
        return json_reply(200, json{{"key", key}, {"deleted", true}, {"revision", o.index}},
                          replayed);
    return json_reply(200, json{{"key", key}, {"revision", o.revision}}, replayed);
}

}  // namespace

void KvApi::write(const io::HttpRequest& request, std::string key, std::string_view body,
                  Reply reply) {
    const bool is_delete = request.method == "DELETE";
    Write w;
    w.op = is_delete ? Write::Op::del : Write::Op::put;
    if (!is_delete && body.size() > store::kValueBytesMax)
        return reply(error_reply(413, "value of " + std::to_string(body.size()) +
                                          " bytes is larger than the limit of " +
                                          std::to_string(store::kValueBytesMax) + " bytes"));
    if (const std::string* m = request.header("if-match")) {
        std::string_view v = *m;
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        std::uint64_t revision = 0;
        if (!parse_u64(v, revision))
            return reply(error_reply(400, "invalid If-Match '" + *m +
                                              "': must be a revision number (0 = must not exist)"));
        w.if_match = revision;
    }
    if (const std::string* id = request.header("idempotency-key")) {
        if (id->empty() || id->size() > store::kRequestIdBytesMax)
            return reply(error_reply(400, "Idempotency-Key must be 1 to " +
                                              std::to_string(store::kRequestIdBytesMax) +
                                              " bytes, not " + std::to_string(id->size())));
        w.request_id = *id;
    }
    if (auto why = backend_.unavailable()) return reply(unavailable_reply(*why));
    // Already applied (perhaps before a failover): the first reply again, nothing appended.
    if (!w.request_id.empty()) {
        if (auto first = backend_.state().find_request(w.request_id)) {
            first->duplicate = true;
            return reply(outcome_reply(is_delete, key, *first));
        }
    }
    if (!is_delete) w.value.assign(body);
    w.key = key;
    backend_.submit(std::move(w), [reply = std::move(reply), key = std::move(key),
                                   is_delete](Result<Outcome> outcome) {
        if (!outcome && outcome.error().code == Error::Code::invalid_argument)
            return reply(error_reply(507, outcome.error().message));  // the store is full
        if (!outcome)
            return reply(error_reply(503, "write not committed: " + outcome.error().message));
        reply(outcome_reply(is_delete, key, *outcome));
    });
}

std::string percent_decode(std::string_view s, bool* ok) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        const int hi = i + 2 < s.size() ? hex(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            *ok = false;
            return out;
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // truncated sequence
        for (std::size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3f);
        }
        // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8 (RFC 3629).
        static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n + 1;
    }
    return true;
}

std::string base64_encode(std::string_view s) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((s.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < s.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(s[i]) << 16;
        if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
        if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < s.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += i + 2 < s.size() ? kAlphabet[v & 63] : '=';
    }
    return out;
}

}  // namespace vigil::daemon
