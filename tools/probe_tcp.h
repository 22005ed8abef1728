// vigil-probe's TCP mode (tools/probe_tcp.cc): a client of the service behind a VIP.
#pragma once

#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <string>

namespace vigil::probe {

struct TcpProbeOptions {
    std::string target_text;  // as given, for the output
    sockaddr_storage target;  // the address; the port is set from `port`
    socklen_t target_bytes;
    std::int64_t port;
    std::int64_t interval_ms;  // one connection attempt per interval
    std::int64_t duration_ms;
    std::int64_t timeout_ms;  // an attempt not answered by then is abandoned; 0 = default
    bool json;
};

// Connects to target:port every interval until the duration ends or *stop is set, reads
// the one-line answer (the answering node's name, as tools/echo_service.py sends it), and
// prints the longest gap between answers and the sequence of answering nodes. Returns the
// process exit code.
int run_tcp_probe(const TcpProbeOptions& options, const volatile std::sig_atomic_t& stop);

}  // namespace vigil::probe
