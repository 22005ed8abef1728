// A non-blocking, close-on-exec TCP listening socket on a numeric address: the one piece of
// socket set-up the agent's servers share (io/http_server, io/http_conn_server and the
// replication links' io/frame_stream TcpListener).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace vigil::io {

struct ListenSocket {
    int fd = -1;
    int port = 0;  // the bound port (port 0 picks a free one)
};

// `address` is an IPv4 literal, or an IPv6 one when `ipv6` (bound IPv6-only). SO_REUSEADDR,
// so that a restarted agent does not wait out its old connections' TIME_WAIT. Errors start
// with `what` and name the address: "http listen [::1]:9405: bind: Address in use".
Result<ListenSocket> listen_tcp(const std::string& address, int port, bool ipv6, int backlog,
                                std::string_view what);

}  // namespace vigil::io
