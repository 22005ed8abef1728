#include "cli/http_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace vigil::cli {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool parse_int(std::string_view s, long long& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = poll(&p, 1, ms_left(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return false;
    }
}

}  // namespace

const std::string* HttpResult::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return &v;
    return nullptr;
}

Result<ServerAddress> parse_server_address(std::string_view text, int default_port) {
    ServerAddress out;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos)
            return Error::invalid("server '" + std::string(text) + "': missing ']'");
        out.host = std::string(text.substr(1, close - 1));
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':')
            return Error::invalid("server '" + std::string(text) + "': expected ':' after ']'");
        if (!rest.empty()) port_text = rest.substr(1);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon != std::string_view::npos && text.find(':') != colon)
            return Error::invalid("server '" + std::string(text) +
                                  "': write an IPv6 address as [ADDRESS]:PORT");
        out.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
    }
    if (out.host.empty()) return Error::invalid("server '" + std::string(text) + "': no host");
    long long port = default_port;
    if (!port_text.empty() || text.back() == ':') {
        if (!parse_int(port_text, port) || port < 1 || port > 65535)
            return Error::invalid("server '" + std::string(text) + "': bad port '" +
                                  std::string(port_text) + "'");
    }
    out.port = static_cast<int>(port);
    return out;
}

std::string build_http_request(std::string_view method, const ServerAddress& server,
                               std::string_view target, const HttpHeaders& headers,
                               std::string_view body) {
    const bool v6 = server.host.find(':') != std::string::npos;
    std::string out;
    out.reserve(256 + body.size());
    out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
    out.append(v6 ? "[" + server.host + "]" : server.host);
    out.append(":").append(std::to_string(server.port)).append("\r\n");
    for (const auto& [name, value] : headers)
        out.append(name).append(": ").append(value).append("\r\n");
    if (!body.empty() || method == "PUT" || method == "POST")
        out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    out.append("Connection: close\r\n\r\n").append(body);
    return out;
}

Result<HttpResult> parse_http_response(std::string_view bytes) {
    const std::size_t end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos) return Error::protocol("reply cut short in its head");
    std::string_view head = bytes.substr(0, end + 2);
    HttpResult out;
    const std::size_t line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    long long status = 0;
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
        !parse_int(status_line.substr(9, 3), status))
        return Error::protocol("malformed status line: " + std::string(status_line));
    out.status = static_cast<int>(status);
    head.remove_prefix(line_end + 2);
    long long length = -1;
    while (!head.empty()) {
        const std::size_t nl = head.find("\r\n");
        const std::string_view line = head.substr(0, nl);
        head.remove_prefix(nl + 2);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            return Error::protocol("malformed header: " + std::string(line));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
        out.headers.emplace_back(line.substr(0, colon), value);
        if (iequals(line.substr(0, colon), "content-length") && !parse_int(value, length))
            return Error::protocol("bad Content-Length: " + std::string(value));
    }
    const std::string_view body = bytes.substr(end + 4);
    if (length < 0) return Error::protocol("reply without Content-Length");
    if (body.size() < static_cast<std::size_t>(length))
        return Error::protocol("reply cut short: " + std::to_string(body.size()) + " of " +
                               std::to_string(length) + " body bytes");
    out.body = std::string(body.substr(0, static_cast<std::size_t>(length)));
    return out;
}

Result<HttpResult> http_call(const ServerAddress& server, std::string_view method,
                             std::string_view target, const HttpHeaders& headers,
                             std::string_view body, int timeout_ms) {
    const std::string where = server.host + " port " + std::to_string(server.port);
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(server.port);
    if (const int rc = getaddrinfo(server.host.c_str(), port.c_str(), &hints, &found); rc != 0)
        return Error::io("cannot resolve " + server.host + ": " + gai_strerror(rc));
    int fd = -1;
    std::string last_error = "no address";
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        int err = errno;
        if (err == EINPROGRESS) {
            socklen_t len = sizeof err;
            err = wait_for(fd, POLLOUT, deadline) ? 0 : ETIMEDOUT;
            if (err == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) break;
        }
        last_error = std::strerror(err);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0) return Error::io("cannot connect to " + where + ": " + last_error);
    const std::string request = build_http_request(method, server, target, headers, body);
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd, POLLOUT, deadline)) break;
        } else {
            break;
        }
    }
    std::string reply;
    char buf[65536];
    bool timed_out = sent < request.size();
    while (!timed_out) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            reply.append(buf, static_cast<std::size_t>(n));
            if (parse_http_response(reply)) break;  // complete: no need to wait for the FIN
        } else if (n == 0) {
            break;
        } else if (errno == EAGAIN || errno == EINTR) {
            timed_out = !wait_for(fd, POLLIN, deadline);
        } else {
            break;
        }
    }
    close(fd);
    if (timed_out && reply.empty())
        return Error::io("no reply from " + where + " within " + std::to_string(timeout_ms) +
                         " ms");
    Result<HttpResult> parsed = parse_http_response(reply);
    if (!parsed && reply.empty()) return Error::io(where + " closed the connection unanswered");
    return parsed;
}

}  // namespace vigil::cli
