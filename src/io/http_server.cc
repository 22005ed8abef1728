#include "io/http_server.h"

#include "io/tcp_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

#include "io/client_deadlines.h"
#include "io/http_request.h"

namespace vigil::io {

namespace {

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}

std::string serialize(const HttpResponse& r, bool with_body, std::string_view extra_headers) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) +
                      "\r\nContent-Type: " + r.content_type +
                      "\r\nContent-Length: " + std::to_string(r.body.size()) +
                      "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff"
                      "\r\nConnection: close\r\n";
    out += extra_headers;
    out += "\r\n";
    if (with_body) out += r.body;
    return out;
}

HttpResponse text(int status, std::string body) {
    return {status, "text/plain; charset=utf-8", std::move(body) + "\n"};
}

}  // namespace

HttpServer::HttpServer(EventLoop& loop, Clock now) : loop_(loop), now_(std::move(now)) {}

HttpServer::~HttpServer() {
    for (auto& [fd, _] : clients_) {
        loop_.unwatch(fd);
        close(fd);
    }
    if (listen_fd_ >= 0) {
        loop_.unwatch(listen_fd_);
        close(listen_fd_);
    }
}

void HttpServer::route(std::string path, Handler handler) {
    routes_[std::move(path)] = std::move(handler);
}

Result<void> HttpServer::listen(const std::string& address, int port, bool ipv6) {
    auto socket = listen_tcp(address, port, ipv6, 16, "http listen");
    if (!socket) return socket.error();
    listen_fd_ = socket->fd;
    port_ = socket->port;
    return loop_.watch(listen_fd_, [this] { accept_ready(); });
}

void HttpServer::accept_ready() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;  // EAGAIN, or an error of that one connection
        if (clients_.size() >= kConnectionsMax) {
            close(fd);  // refused: the slots are bounded, the backlog is the kernel's
            continue;
        }
        clients_[fd] = Client{{}, {}, 0, now_() + kConnectionTimeMax};
        if (!loop_.watch(fd, [this, fd] { client_readable(fd); })) drop(fd);
    }
}

void HttpServer::client_readable(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& client = it->second;
    char chunk[4096];
    bool more = true;  // false: the client half-closed (it may still read the reply)
    for (;;) {
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            client.received.append(chunk, static_cast<std::size_t>(n));
            if (client.received.size() >= kHeadBytesMax) break;  // no need to read more
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            drop(fd);  // a reset: nobody to answer
            return;
        }
        more = false;
        break;
    }
    const HttpParse parsed = parse_http_request(client.received, kHeadBytesMax);
    if (parsed.kind == HttpParse::Kind::incomplete && client.received.size() < kHeadBytesMax) {
        if (!more) drop(fd);  // the request can no longer be completed
        return;               // else wait for more
    }
    start_reply(fd, client, respond(client.received));
}

std::string HttpServer::respond(std::string_view head_bytes) {
    HttpParse parsed = parse_http_request(head_bytes, kHeadBytesMax);
    if (parsed.kind == HttpParse::Kind::incomplete)  // the caller's buffer is full
        parsed = HttpParse{HttpParse::Kind::bad, {}, 431, "request head too large"};
    if (parsed.kind == HttpParse::Kind::bad)
        return serialize(text(parsed.status, parsed.error), true, "");
    const HttpRequest& request = parsed.request;
    const bool head = request.method == "HEAD";
    if (request.method != "GET" && !head)
        return serialize(text(405, "only GET and HEAD are supported"), true,
                         "Allow: GET, HEAD\r\n");
    auto route = routes_.find(request.path);
    if (route == routes_.end()) return serialize(text(404, "not found"), !head, "");
    // The daemon's handlers build JSON and text; a library exception there must cost one
    // reply, not the agent (io/ converts third-party exceptions at the boundary).
    try {
        return serialize(route->second(), !head, "");
    } catch (const std::exception& e) {
        return serialize(text(500, std::string("internal error: ") + e.what()), !head, "");
    }
}

void HttpServer::start_reply(int fd, Client& client, std::string reply) {
    loop_.unwatch(fd);  // nothing more is read: one request per connection
    client.to_send = std::move(reply);
    client.sent = 0;
    client_writable(fd);
    if (clients_.count(fd) == 0) return;  // all sent (or failed) at once
    if (!loop_.watch_writable(fd, [this, fd] { client_writable(fd); })) drop(fd);
}

void HttpServer::client_writable(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& client = it->second;
    while (client.sent < client.to_send.size()) {
        const ssize_t n = send(fd, client.to_send.data() + client.sent,
                               client.to_send.size() - client.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            client.sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // wait for writable
        if (n < 0 && errno == EINTR) continue;
        break;  // the client went away
    }
    // Done: a FIN rather than closing with unread input, which could reset the reply.
    shutdown(fd, SHUT_WR);
    drop(fd);
}

void HttpServer::expire(TimePoint now) {
    for (int fd : clients_past_deadline(clients_, now)) drop(fd);
}

TimePoint HttpServer::next_deadline() const { return earliest_client_deadline(clients_); }

void HttpServer::drop(int fd) {
    loop_.unwatch(fd);
    close(fd);
    clients_.erase(fd);
}

}  // namespace vigil::io
