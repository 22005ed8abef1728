// kv_load_http.h: the pure half of vigil-kv-load (bench/kv_load.cc). It builds the HTTP/1.1
// write requests for vigil's store API (docs/store-api.md) and for etcd's v3 JSON gateway,
// parses responses incrementally out of a receive buffer, and computes latency percentiles.
// No sockets and no clock here, so GoogleTest covers it (tests/kv_load_http_test.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::bench {

enum class Target { vigil, etcd };

// Upper bounds: a response larger than this is treated as malformed, never buffered on.
constexpr std::size_t kResponseHeaderBytesMax = 16 * 1024;
constexpr std::size_t kResponseBodyBytesMax = 1024 * 1024;

std::string base64_encode(std::string_view data);

// "bench/<client>/<seq>" under a prefix (default "bench"): unique per client and request.
std::string make_key(std::string_view prefix, int client, std::uint64_t seq);
// A value of exactly value_bytes bytes that starts with the key (so each value is unique).
std::string make_value(std::string_view key, std::size_t value_bytes);

// One complete keep-alive request writing value at key. host is "ADDR:PORT" (Host header).
// vigil: PUT /v1/kv/KEY with the raw value; etcd: POST /v3/kv/put, {"key":b64,"value":b64}.
std::string build_put_request(Target target, std::string_view host, std::string_view key,
                              std::string_view value);

enum class ParseState { incomplete, complete, malformed };

struct ParsedResponse {
    ParseState state = ParseState::incomplete;
    int status = 0;
    std::size_t response_bytes = 0;  // bytes of the buffer this response used (when complete)
    bool close = false;              // the server said "Connection: close"
    std::string body;                // decoded (chunked bodies joined)
    std::string error;               // why it is malformed
};

// Parses the first response in buffer. Incomplete until the whole body has arrived; then
// the caller drops response_bytes from the front of its buffer.
ParsedResponse parse_response(std::string_view buffer);

// Whether a complete response acknowledges the write: 200 with the target's success body
// (vigil: a "revision" field; etcd: a "header" object and no "error").
bool put_acknowledged(Target target, const ParsedResponse& response);

struct LatencySummary {
    std::size_t count = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
};
// Nearest-rank percentiles over latencies in microseconds (the vector is reordered).
LatencySummary summarize_latency(std::vector<std::uint32_t>& latency_us);

}  // namespace vigil::bench
