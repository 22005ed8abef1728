// A tiny blocking HTTP/1.1 client for `vigil kv`: one request per connection (Connection:
// close), Content-Length bodies only (what the store's API sends), a deadline on the whole
// exchange. Enough for a command-line tool; the load generators in bench/ use their own.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace vigil::cli {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
    int status = 0;
    HttpHeaders headers;
    std::string body;
    const std::string* header(std::string_view name) const;  // case-insensitive, first
};

struct ServerAddress {
    std::string host;  // a name or a literal, without IPv6 brackets
    int port = 0;
};

// "HOST:PORT", "[IPV6]:PORT" or "HOST" (default_port). Error::invalid naming the problem.
Result<ServerAddress> parse_server_address(std::string_view text, int default_port);

std::string build_http_request(std::string_view method, const ServerAddress& server,
                               std::string_view target, const HttpHeaders& headers,
                               std::string_view body);
// A complete response (status line, headers, Content-Length body). Error::protocol when
// malformed or cut short.
Result<HttpResult> parse_http_response(std::string_view bytes);

// Connects, sends, reads the reply. Error::io when the server is unreachable or does not
// answer within timeout_ms (the exit code 3 of the CLI).
Result<HttpResult> http_call(const ServerAddress& server, std::string_view method,
                             std::string_view target, const HttpHeaders& headers,
                             std::string_view body, int timeout_ms);

}  // namespace vigil::cli
