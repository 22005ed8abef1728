// KvHttpServer: the store's API server of one group: an HttpConnServer on the agent's loop
// whose requests KvApi answers. The only glue between them is the responder: a write's reply
// arrives after the write commits, perhaps after its client left, or after this server is
// gone (a group stopped serving), and must then be dropped, not crash.
#pragma once

#include <memory>
#include <string>

#include "daemon/kv_api.h"
#include "io/http_conn_server.h"

namespace vigil::daemon {

class KvHttpServer {
public:
    // REQUIRES: loop and backend outlive the server. The backend may call a write's `done`
    // after the server was destroyed: the reply is then dropped.
    KvHttpServer(io::EventLoop& loop, io::HttpConnServer::Clock now, KvBackend& backend);

    Result<void> listen(const std::string& address, int port, bool ipv6) {
        return server_.listen(address, port, ipv6);
    }
    int port() const { return server_.port(); }
    std::size_t connection_count() const { return server_.connection_count(); }
    void expire(TimePoint now) { server_.expire(now); }
    TimePoint next_deadline() const { return server_.next_deadline(); }

private:
    KvApi api_;
    io::HttpConnServer server_;
    // Expires with the server; late replies hold a weak reference.
    std::shared_ptr<io::HttpConnServer*> alive_;
};

}  // namespace vigil::daemon
