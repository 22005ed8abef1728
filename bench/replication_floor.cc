// vigil-replication-floor: the least time one synchronously replicated write can take on
// this machine, with no HTTP, no agent and no event loop: the reference beside which
// bench/store reads vigil's 1-client latency. Three roles, one closed loop:
//   client  --connect P --count N [--json]       sends 300 bytes, waits for 8, N times
//   primary --listen ADDR:PORT --dir D [--standby S]
//           appends each request to its log with pwrite + fdatasync; with a standby it
//           first forwards the request there and replies once both its own fdatasync and
//           the standby's 8-byte ack are in (the order vigil's primary uses)
//   standby --listen ADDR:PORT --dir D            appends, fdatasyncs, acks 8 bytes
// The logs are preallocated with zeros, as vigil's are (io/posix_disk.h). The client prints
// the same JSON fields as vigil-kv-load (writes_per_s, latency_ms_p50/p99/max).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kRequestBytes = 300;  // a 256-byte value with its key and framing
constexpr std::size_t kAckBytes = 8;
// Small, and written over in a circle: preallocating (and later deleting) much more would
// load the disk right before the vigil round that follows each floor round.
constexpr std::size_t kLogBytes = 4 << 20;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "vigil-replication-floor: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

sockaddr_in parse_address(const std::string& text) {
    const auto colon = text.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (colon == std::string::npos ||
        inet_pton(AF_INET, text.substr(0, colon).c_str(), &a.sin_addr) != 1) {
        std::fprintf(stderr, "vigil-replication-floor: '%s' is not ADDR:PORT\n", text.c_str());
        std::exit(2);
    }
    a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(text.c_str() + colon + 1)));
    return a;
}

void no_delay(int fd) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// The roles start together: the peer may not listen yet, so try for up to 2 s.
int connect_to(const std::string& address) {
    const sockaddr_in a = parse_address(address);
    for (int attempt = 0;; ++attempt) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
            no_delay(fd);
            return fd;
        }
        close(fd);
        if (attempt == 100) die("connect " + address);
        usleep(20'000);
    }
}

int accept_one(const std::string& address) {
    const sockaddr_in a = parse_address(address);
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
        listen(listener, 1) != 0)
        die("listen " + address);
    const int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) die("accept");
    close(listener);
    no_delay(fd);
    return fd;
}

bool read_exactly(int fd, char* buffer, std::size_t n) {
    for (std::size_t got = 0; got < n;) {
        const ssize_t r = read(fd, buffer + got, n - got);
        if (r <= 0) return false;
        got += static_cast<std::size_t>(r);
    }
    return true;
}

void write_all(int fd, const char* buffer, std::size_t n) {
    if (write(fd, buffer, n) != static_cast<ssize_t>(n)) die("write");
}

class Log {
public:
    explicit Log(const std::string& dir) {
        const std::string path = dir + "/floor.log";
        fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) die("open " + path);
        const std::string zeros(1 << 20, '\0');
        for (std::size_t at = 0; at < kLogBytes; at += zeros.size())
            write_all(fd_, zeros.data(), zeros.size());
        if (fsync(fd_) != 0) die("fsync " + path);
    }
    void append_durably(const char* bytes, std::size_t n) {
        if (offset_ + n > kLogBytes) offset_ = 0;  // wrap: the space stays allocated
        if (pwrite(fd_, bytes, n, static_cast<off_t>(offset_)) != static_cast<ssize_t>(n))
            die("pwrite");
        offset_ += n;
        if (fdatasync(fd_) != 0) die("fdatasync");
    }

private:
    int fd_ = -1;
    std::size_t offset_ = 0;
};

int serve(const std::string& listen_at, const std::string& dir, const std::string& standby) {
    Log log(dir);
    const int down = standby.empty() ? -1 : connect_to(standby);
    const int up = accept_one(listen_at);
    char request[kRequestBytes];
    char ack[kAckBytes] = {};
    while (read_exactly(up, request, sizeof request)) {
        if (down >= 0) write_all(down, request, sizeof request);  // the standby's fsync overlaps ours
        log.append_durably(request, sizeof request);
        if (down >= 0 && !read_exactly(down, ack, sizeof ack)) die("the standby closed");
        write_all(up, ack, sizeof ack);
    }
    return 0;
}

int client(const std::string& address, int count, bool json) {
    const int fd = connect_to(address);
    char request[kRequestBytes];
    std::memset(request, 'v', sizeof request);
    char ack[kAckBytes];
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(count));
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i) {
        const auto t = std::chrono::steady_clock::now();
        write_all(fd, request, sizeof request);
        if (!read_exactly(fd, ack, sizeof ack)) die("the primary closed");
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t)
                         .count());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[static_cast<std::size_t>(q * (ms.size() - 1))]; };
    if (json)
        std::printf("{\"target\":\"floor\",\"clients\":1,\"writes\":%d,\"writes_per_s\":%.1f,"
                    "\"latency_ms_p50\":%.3f,\"latency_ms_p99\":%.3f,\"latency_ms_max\":%.3f,"
                    "\"errors\":0}\n",
                    count, count / seconds, at(0.5), at(0.99), ms.back());
    else
        std::printf("%d writes, %.0f/s, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", count,
                    count / seconds, at(0.5), at(0.99), ms.back());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string role = argc > 1 ? argv[1] : "", listen_at, dir, standby, connect;
    int count = 5000;
    bool json = false;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--listen" && has_value) listen_at = argv[++i];
        else if (arg == "--dir" && has_value) dir = argv[++i];
        else if (arg == "--standby" && has_value) standby = argv[++i];
        else if (arg == "--connect" && has_value) connect = argv[++i];
        else if (arg == "--count" && has_value) count = std::max(1, std::atoi(argv[++i]));
        else if (arg == "--json") json = true;
        else role = "?";
    }
    if ((role == "primary" || role == "standby") && !listen_at.empty() && !dir.empty())
        return serve(listen_at, dir, role == "primary" ? standby : "");
    if (role == "client" && !connect.empty()) return client(connect, count, json);
    std::fprintf(stderr,
                 "usage: vigil-replication-floor client --connect ADDR:PORT [--count N] [--json]\n"
                 "       vigil-replication-floor primary --listen ADDR:PORT --dir D"
                 " [--standby ADDR:PORT]\n"
                 "       vigil-replication-floor standby --listen ADDR:PORT --dir D\n");
    return 2;
}
