#include "daemon/kv_http.h"

namespace vigil::daemon {

KvHttpServer::KvHttpServer(io::EventLoop& loop, io::HttpConnServer::Clock now, KvBackend& backend)
    : api_(backend),
      server_(
          loop, std::move(now),
          [this](const io::HttpRequest& request, std::string_view body, io::Responder responder) {
              std::weak_ptr<io::HttpConnServer*> server = alive_;
              api_.handle(request, body, [server, responder](io::HttpReply reply) {
                  if (auto s = server.lock()) (*s)->respond(responder, std::move(reply));
              });
          }),
      alive_(std::make_shared<io::HttpConnServer*>(&server_)) {}

}  // namespace vigil::daemon
