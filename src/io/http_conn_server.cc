#include "io/http_conn_server.h"

#include "io/tcp_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace vigil::io {

namespace {

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 411: return "Length Required";
        case 412: return "Precondition Failed";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 507: return "Insufficient Storage";
        case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}

// RFC 9110 §9.3.2: a reply to HEAD has the headers of the GET reply (Content-Length
// included) but no body; sending one would break the framing of a kept-alive connection.
std::string serialize(const HttpReply& r, bool closing, bool with_body = true) {
    std::string out;
    out.reserve(160 + r.extra_headers.size() + r.body.size());
    out += "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    out += reason_phrase(r.status);
    out += "\r\nContent-Type: ";
    out += r.content_type;
    out += "\r\nContent-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
    out += r.extra_headers;
    if (closing) out += "Connection: close\r\n";
    out += "\r\n";
    if (with_body) out += r.body;
    return out;
}

// io/ does not link the JSON library; an error message needs only this much escaping.
std::string json_error(std::string_view message) {
    std::string out = "{\"error\":\"";
    for (char c : message) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        out += c;
    }
    return out + "\"}\n";
}

bool has_token(std::string_view list, std::string_view token) {
    // "Connection: keep-alive, close": a comma-separated, case-insensitive token list.
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.size() == token.size()) {
            bool same = true;
            for (std::size_t i = 0; i < item.size(); ++i)
                same = same && std::tolower(static_cast<unsigned char>(item[i])) == token[i];
            if (same) return true;
        }
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

HttpConnServer::HttpConnServer(EventLoop& loop, Clock now, Handler handler)
    : loop_(loop), now_(std::move(now)), handler_(std::move(handler)) {}

HttpConnServer::~HttpConnServer() {
    for (auto& [id, c] : connections_) {
        loop_.unwatch(c.fd);
        close(c.fd);
    }
    if (listen_fd_ >= 0) {
        loop_.unwatch(listen_fd_);
        close(listen_fd_);
    }
}

Result<void> HttpConnServer::listen(const std::string& address, int port, bool ipv6) {
    auto socket = listen_tcp(address, port, ipv6, 512, "store api listen");
    if (!socket) return socket.error();
    listen_fd_ = socket->fd;
    port_ = socket->port;
    return loop_.watch(listen_fd_, [this] { accept_ready(); });
}

void HttpConnServer::accept_ready() {
    for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;  // EAGAIN, or an error of that one connection
        if (connections_.size() >= kConnectionsMax) {
            close(fd);  // refused: the slots are bounded, the backlog is the kernel's
            continue;
        }
        // Replies are whole messages written at once: Nagle would only delay them.
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const std::uint64_t id = next_id_++;
        Connection& c = connections_[id];
        c.fd = fd;
        c.deadline = now_() + kIdleTimeMax;
        set_watch(id, c, Watch::read);
    }
}

void HttpConnServer::readable(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = it->second;
    constexpr std::size_t kChunk = 16384;
    // Reads at most one maximal request beyond what is parsed; the rest waits in the kernel.
    while (c.received.size() - c.consumed < kHeadBytesMax + kBodyBytesMax) {
        const std::size_t old = c.received.size();
        c.received.resize(old + kChunk);
        const ssize_t n = recv(c.fd, c.received.data() + old, kChunk, 0);
        c.received.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) return drop(id);  // a reset: nobody to answer
        c.peer_closed = true;        // EOF: it may still read the replies to what it sent
        break;
    }
    service(id);
}

void HttpConnServer::queue_error(Connection& c, int status, std::string message) {
    HttpReply reply{status, "application/json", json_error(message), {}};
    c.pending.push_back({serialize(reply, true), false});
    ++c.next_sequence;
    c.close_after = true;  // the framing of what follows is unknown: stop reading
}

// Checks the body framing of a parsed head; false when it queued an error reply instead.
bool HttpConnServer::start_request(Connection& c) {
    const HttpRequest& h = *c.head;
    if (h.header("transfer-encoding"))
        return queue_error(c, 501,
                           "Transfer-Encoding (chunked) request bodies are not "
                           "supported: send Content-Length"),
               false;
    const std::string* length = nullptr;
    for (const auto& [name, value] : h.headers) {
        if (!has_token(name, "content-length")) continue;  // a one-token list: the name
        if (length && *length != value)
            return queue_error(c, 400, "conflicting Content-Length headers"), false;
        length = &value;
    }
    c.body_bytes = 0;
    if (!length) {
        if (h.method == "PUT" || h.method == "POST")
            return queue_error(c, 411, "Content-Length required for a " + h.method), false;
        return true;
    }
    std::uint64_t n = 0;
    const char* end = length->data() + length->size();
    auto [p, ec] = std::from_chars(length->data(), end, n);
    if (length->empty() || ec != std::errc() || p != end)
        return queue_error(c, 400, "invalid Content-Length: " + *length), false;
    if (n > kBodyBytesMax)
        return queue_error(c, 413,
                           "request body of " + *length + " bytes is larger than " +
                               std::to_string(kBodyBytesMax) + " bytes"),
               false;
    c.body_bytes = static_cast<std::size_t>(n);
    return true;
}

bool HttpConnServer::parse_requests(std::uint64_t id, Connection& c) {
    bool dispatched = false;
    while (!c.close_after && c.pending.size() < kPipelineMax) {
        std::string_view rest(c.received);
        rest.remove_prefix(c.consumed);
        if (!c.head) {
            if (rest.empty()) break;
            HttpParse p = parse_http_request(rest, kHeadBytesMax);
            if (p.kind == HttpParse::Kind::incomplete) break;
            if (p.kind == HttpParse::Kind::bad) {
                queue_error(c, p.status, p.error);
                break;
            }
            c.consumed += p.head_bytes;
            rest.remove_prefix(p.head_bytes);
            c.head = std::move(p.request);
            if (!start_request(c)) break;
            // RFC 9110 §10.1.1: curl asks before sending a body over 1 KiB and would wait a
            // second for this. Only when no earlier reply is owed, to keep replies in order.
            const std::string* expect = c.head->header("expect");
            if (expect && has_token(*expect, "100-continue") && rest.size() < c.body_bytes &&
                c.pending.empty())
                c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        }
        if (rest.size() < c.body_bytes) break;  // the body is still arriving
        const HttpRequest& h = *c.head;
        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 closes (we never echo
        // keep-alive, so a 1.0 client is answered and closed).
        const std::string* connection = h.header("connection");
        if (!h.http11 || (connection && has_token(*connection, "close"))) c.close_after = true;
        const Responder r{id, c.next_sequence++};
        c.pending.push_back({std::nullopt, h.method == "HEAD"});
        handler_(h, rest.substr(0, c.body_bytes), r);  // may respond() now: stored, see busy
        c.consumed += c.body_bytes;
        c.head.reset();
        dispatched = true;
    }
    if (c.consumed > 0) {  // one move per read, not per request
        c.received.erase(0, c.consumed);
        c.consumed = 0;
    }
    return dispatched;
}

void HttpConnServer::respond(Responder responder, HttpReply reply) {
    auto it = connections_.find(responder.connection);
    if (it == connections_.end()) return;  // the client went away: nobody to tell
    Connection& c = it->second;
    if (responder.sequence < c.first_sequence || responder.sequence >= c.next_sequence) return;
    auto& slot = c.pending[responder.sequence - c.first_sequence];
    if (slot.reply) return;
    // Only the last request of a connection can be the one that closes it.
    const bool closing = c.close_after && responder.sequence + 1 == c.next_sequence;
    slot.reply = serialize(reply, closing, !slot.head);
    if (!c.busy) service(responder.connection);
}

void HttpConnServer::service(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = it->second;
    if (c.busy) return;  // a handler answering synchronously: the outer call writes it
    c.busy = true;
    for (bool again = true; again;) {
        const bool dispatched = parse_requests(id, c);
        if (c.sent == c.out.size()) {
            c.out.clear();
            c.sent = 0;
        }
        while (!c.pending.empty() && c.pending.front().reply) {  // in request order
            c.out += *c.pending.front().reply;
            c.pending.pop_front();
            ++c.first_sequence;
        }
        while (c.sent < c.out.size()) {
            const ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent,
                                   MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                c.sent += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            return drop(id);  // the client went away; its pending replies are dropped
        }
        // Requests left in the buffer by a full pipeline: no read event will come for them.
        again = dispatched && c.pending.size() < kPipelineMax && !c.received.empty();
    }
    c.busy = false;
    const bool unsent = c.sent < c.out.size();
    if (!unsent && c.pending.empty() && (c.close_after || c.peer_closed)) {
        // A FIN rather than closing with unread input, which could reset the reply.
        shutdown(c.fd, SHUT_WR);
        return drop(id);
    }
    const TimePoint now = now_();
    if (unsent || c.received.size() > c.consumed)
        c.deadline = now + kRequestTimeMax;  // a request or a reply in flight must progress
    else if (!c.pending.empty())
        c.deadline = TimePoint::never();  // the handler owes an answer (the write commits)
    else
        c.deadline = now + kIdleTimeMax;
    Watch want = Watch::none;
    if (unsent)
        want = Watch::write;  // not reading meanwhile: a client that does not read is slowed
    else if (!c.peer_closed && !c.close_after && c.pending.size() < kPipelineMax)
        want = Watch::read;
    set_watch(id, c, want);
}

void HttpConnServer::set_watch(std::uint64_t id, Connection& c, Watch want) {
    if (c.watch == want) return;
    // EventLoop holds one callback per fd: switching direction is unwatch + watch.
    if (c.watch != Watch::none) loop_.unwatch(c.fd);
    c.watch = Watch::none;
    Result<void> ok;
    if (want == Watch::read) ok = loop_.watch(c.fd, [this, id] { readable(id); });
    if (want == Watch::write) ok = loop_.watch_writable(c.fd, [this, id] { service(id); });
    if (!ok) return drop(id);
    c.watch = want;
}

void HttpConnServer::expire(TimePoint now) {
    std::vector<std::uint64_t> late;
    for (const auto& [id, c] : connections_)
        if (now >= c.deadline) late.push_back(id);
    for (std::uint64_t id : late) drop(id);
}

TimePoint HttpConnServer::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const auto& [id, c] : connections_) next = std::min(next, c.deadline);
    return next;
}

void HttpConnServer::drop(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    if (it->second.watch != Watch::none) loop_.unwatch(it->second.fd);
    close(it->second.fd);
    connections_.erase(it);
}

}  // namespace vigil::io
