#include "io/net_probe.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace vigil::io {

namespace {

struct Authority {
    std::string host;  // the literal, without brackets
    std::optional<int> port;
    std::string text;  // as written, for the Host header
};

Result<Authority> parse_authority(std::string_view text) {
    Authority out{{}, std::nullopt, std::string(text)};
    std::string_view rest;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos)
            return Error::invalid("missing ']' in \"" + out.text + "\"");
        out.host = std::string(text.substr(1, close - 1));
        rest = text.substr(close + 1);
    } else {
        auto colon = text.find(':');
        out.host = std::string(text.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    }
    if (rest.empty()) return out;
    if (!rest.starts_with(':'))
        return Error::invalid("unexpected text after the address in \"" + out.text + "\"");
    rest.remove_prefix(1);
    int port = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
    if (ec != std::errc() || end != rest.data() + rest.size() || port < 1 || port > 65535)
        return Error::invalid("bad port in \"" + out.text + "\"");
    out.port = port;
    return out;
}

}  // namespace

Result<SocketAddress> parse_host_port(std::string_view text) {
    auto authority = parse_authority(text);
    if (!authority) return authority.error();
    if (!authority->port) return Error::invalid("missing port in \"" + std::string(text) + "\"");
    return parse_address(authority->host, *authority->port);
}

Result<HttpTarget> parse_http_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (!url.starts_with(kScheme))
        return Error::invalid("not an http:// URL: \"" + std::string(url) + "\"");
    url.remove_prefix(kScheme.size());
    auto slash = url.find('/');
    auto authority = parse_authority(url.substr(0, slash));
    if (!authority) return authority.error();
    auto address = parse_address(authority->host, authority->port.value_or(80));
    if (!address) return address.error();
    std::string path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    return HttpTarget{*address, "GET " + path + " HTTP/1.0\r\nHost: " + authority->text +
                                    "\r\nUser-Agent: vigil\r\n\r\n"};
}

std::optional<int> http_status(std::string_view line) {
    // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    if (!line.starts_with("HTTP/")) return std::nullopt;
    auto space = line.find(' ');
    if (space == std::string_view::npos || line.size() < space + 4) return std::nullopt;
    int code = 0;
    const char* first = line.data() + space + 1;
    auto [end, ec] = std::from_chars(first, first + 3, code);
    if (ec != std::errc() || end != first + 3 || code < 100) return std::nullopt;
    if (line.size() > space + 4 && line[space + 4] != ' ' && line[space + 4] != '\r')
        return std::nullopt;
    return code;
}

Result<std::unique_ptr<NetProbe>> NetProbe::start(EventLoop& loop, const SocketAddress& address,
                                                  std::string request, Done done) {
    int fd = socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::io(std::string("socket: ") + std::strerror(errno));
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0 &&
        errno != EINPROGRESS) {
        int error = errno;
        close(fd);
        return Error::io(std::string("connect: ") + std::strerror(error));
    }
    // Connected at once or not, the outcome is reported from the loop: writable = done.
    std::unique_ptr<NetProbe> probe(new NetProbe(loop, fd, std::move(request), std::move(done)));
    NetProbe* self = probe.get();
    if (auto watched = loop.watch_writable(fd, [self] { self->on_writable(); }); !watched)
        return watched.error();  // the destructor closes the socket
    return probe;
}

NetProbe::NetProbe(EventLoop& loop, int fd, std::string request, Done done)
    : loop_(loop), fd_(fd), request_(std::move(request)), done_(std::move(done)) {}

NetProbe::~NetProbe() {
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    close(fd_);
}

void NetProbe::on_writable() {
    // A wake-up meant for an earlier fd of the same number would find a connect still in
    // progress, with no error yet: ask the socket itself.
    pollfd ready{fd_, POLLOUT, 0};
    if (poll(&ready, 1, 0) != 1) return;
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) return finish(false, std::string("connect: ") + std::strerror(error));
    if (request_.empty()) return finish(true, "connected");
    while (sent_bytes_ < request_.size()) {
        ssize_t n =
            send(fd_, request_.data() + sent_bytes_, request_.size() - sent_bytes_, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;  // the rest when writable again
        if (n < 0) return finish(false, std::string("send: ") + std::strerror(errno));
        sent_bytes_ += static_cast<std::size_t>(n);
    }
    loop_.unwatch(fd_);
    if (auto watched = loop_.watch(fd_, [this] { on_readable(); }); !watched)
        return finish(false, watched.error().message);
}

void NetProbe::on_readable() {
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) return finish(false, std::string("recv: ") + std::strerror(errno));
    response_.append(buf, static_cast<std::size_t>(n));
    auto end = response_.find('\n');
    if (end == std::string::npos && n > 0 && response_.size() < kStatusLineBytesMax) return;
    auto status = http_status(std::string_view(response_).substr(0, end));
    if (!status)
        return finish(false, n == 0 && response_.empty() ? "connection closed without an answer"
                                                         : "no HTTP status line");
    finish(*status >= 200 && *status < 400, "HTTP " + std::to_string(*status));
}

void NetProbe::finish(bool ok, const std::string& detail) {
    loop_.unwatch(fd_);
    close(fd_);
    fd_ = -1;
    Done done = std::move(done_);
    done(ok, detail);  // may destroy this probe: nothing after this line touches it
}

}  // namespace vigil::io
