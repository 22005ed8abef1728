// kv_load_http.cc: request builders, the incremental response parser and percentiles of
// vigil-kv-load. See kv_load_http.h for the contract.
#include "bench/kv_load_http.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace vigil::bench {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool parse_size(std::string_view text, int base, std::size_t& out) {
    text = trim(text);
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc() && end == text.data() + text.size();
}

ParsedResponse malformed(std::string why) {
    ParsedResponse r;
    r.state = ParseState::malformed;
    r.error = std::move(why);
    return r;
}

// Decodes a chunked body starting at `at`; incomplete until the terminating 0-chunk and
// its final CRLF are in the buffer (we send no trailers and expect none).
ParsedResponse parse_chunked(std::string_view buffer, std::size_t at, ParsedResponse r) {
    while (true) {
        std::size_t eol = buffer.find("\r\n", at);
        if (eol == std::string_view::npos) return ParsedResponse{};
        std::string_view size_text = buffer.substr(at, eol - at);
        size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
        std::size_t size = 0;
        if (!parse_size(size_text, 16, size)) return malformed("bad chunk size");
        if (r.body.size() + size > kResponseBodyBytesMax) return malformed("body too large");
        at = eol + 2;
        if (buffer.size() < at + size + 2) return ParsedResponse{};
        if (size == 0) {
            if (buffer.substr(at, 2) != "\r\n") return malformed("trailers are not supported");
            r.response_bytes = at + 2;
            r.state = ParseState::complete;
            return r;
        }
        r.body.append(buffer.substr(at, size));
        if (buffer.substr(at + size, 2) != "\r\n") return malformed("chunk without CRLF");
        at += size + 2;
    }
}

}  // namespace

std::string base64_encode(std::string_view data) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        std::uint32_t n = (std::uint32_t(std::uint8_t(data[i])) << 16) |
                          (std::uint32_t(std::uint8_t(data[i + 1])) << 8) |
                          std::uint8_t(data[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
    }
    std::size_t rest = data.size() - i;
    if (rest > 0) {
        std::uint32_t n = std::uint32_t(std::uint8_t(data[i])) << 16;
        if (rest == 2) n |= std::uint32_t(std::uint8_t(data[i + 1])) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string make_key(std::string_view prefix, int client, std::uint64_t seq) {
    std::string key(prefix);
    key += '/';
    key += std::to_string(client);
    key += '/';
    key += std::to_string(seq);
    return key;
}

std::string make_value(std::string_view key, std::size_t value_bytes) {
    std::string value(key.substr(0, value_bytes));
    value.resize(value_bytes, 'v');
    return value;
}

std::string build_put_request(Target target, std::string_view host, std::string_view key,
                              std::string_view value) {
    std::string body;
    std::string request;
    if (target == Target::vigil) {
        request = "PUT /v1/kv/";
        request += key;
        body = value;
    } else {
        request = "POST /v3/kv/put";
        body = "{\"key\":\"" + base64_encode(key) + "\",\"value\":\"" + base64_encode(value) +
               "\"}";
    }
    request += " HTTP/1.1\r\nHost: ";
    request += host;
    request += "\r\nContent-Length: ";
    request += std::to_string(body.size());
    if (target == Target::etcd) request += "\r\nContent-Type: application/json";
    request += "\r\n\r\n";
    request += body;
    return request;
}

ParsedResponse parse_response(std::string_view buffer) {
    std::size_t head_end = buffer.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
        if (buffer.size() > kResponseHeaderBytesMax) return malformed("header too large");
        return ParsedResponse{};
    }
    std::string_view head = buffer.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    // "HTTP/1.1 200 OK": the status is the three digits after the first space.
    if (status_line.substr(0, 5) != "HTTP/" || status_line.find(' ') == std::string_view::npos)
        return malformed("bad status line '" + std::string(status_line.substr(0, 40)) + "'");
    std::string_view code = status_line.substr(status_line.find(' ') + 1, 3);
    std::size_t status = 0;
    if (code.size() != 3 || !parse_size(code, 10, status)) return malformed("bad status code");

    ParsedResponse r;
    r.status = static_cast<int>(status);
    bool chunked = false;
    bool has_length = false;
    std::size_t length = 0;
    std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
    while (!rest.empty()) {
        std::size_t eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? "" : rest.substr(eol + 2);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return malformed("header line without ':'");
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Length")) {
            if (!parse_size(value, 10, length)) return malformed("bad Content-Length");
            has_length = true;
        } else if (iequals(name, "Transfer-Encoding")) {
            chunked = iequals(value, "chunked");
        } else if (iequals(name, "Connection")) {
            r.close = iequals(value, "close");
        }
    }
    std::size_t body_at = head_end + 4;
    if (chunked) return parse_chunked(buffer, body_at, std::move(r));
    // Without a length a keep-alive response has no body (we never read until close).
    if (!has_length) length = 0;
    if (length > kResponseBodyBytesMax) return malformed("body too large");
    if (buffer.size() < body_at + length) return ParsedResponse{};
    r.body = std::string(buffer.substr(body_at, length));
    r.response_bytes = body_at + length;
    r.state = ParseState::complete;
    return r;
}

bool put_acknowledged(Target target, const ParsedResponse& response) {
    if (response.state != ParseState::complete || response.status != 200) return false;
    if (target == Target::vigil) return response.body.find("\"revision\"") != std::string::npos;
    return response.body.find("\"header\"") != std::string::npos &&
           response.body.find("\"error\"") == std::string::npos;
}

LatencySummary summarize_latency(std::vector<std::uint32_t>& latency_us) {
    LatencySummary s;
    s.count = latency_us.size();
    if (latency_us.empty()) return s;
    auto rank = [&](double q) {  // nearest rank: the smallest value with >= q of samples
        std::size_t k = static_cast<std::size_t>(q * double(latency_us.size()) + 0.999999);
        k = std::clamp<std::size_t>(k, 1, latency_us.size()) - 1;
        std::nth_element(latency_us.begin(), latency_us.begin() + long(k), latency_us.end());
        return latency_us[k] / 1000.0;
    };
    s.p50_ms = rank(0.50);
    s.p99_ms = rank(0.99);
    s.max_ms = *std::max_element(latency_us.begin(), latency_us.end()) / 1000.0;
    return s;
}

}  // namespace vigil::bench
