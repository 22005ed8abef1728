// KvApi: the store's HTTP/JSON API (docs/store-api.md), mapped onto an abstract backend so
// that it is tested without replication. It validates the request, answers reads from the
// committed state, and hands writes to the backend, answering when the backend reports the
// write's outcome (after it is durable on the replicas). A node that does not serve (a
// standby, or a primary not yet caught up) answers 503 with the primary's name and never
// submits anything.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "io/http_conn_server.h"
#include "io/http_request.h"
#include "store/kv_state.h"
#include "store/types.h"

namespace vigil::daemon {

struct KvUnavailable {
    int status = 503;
    std::string primary;  // the current primary's node name; "" unknown
    std::string message;  // e.g. "not the primary", "catching up"
};

struct KvBackend {  // implemented by the daemon's store driver
    virtual ~KvBackend() = default;
    // nullopt = this node serves (primary, ready); else why not.
    virtual std::optional<KvUnavailable> unavailable() const = 0;
    virtual const store::KvState& state() const = 0;  // committed state, for reads
    // Appends the write; `done` is called exactly once later with the outcome, or an error
    // (lost primacy, disk failure) which is answered 503.
    virtual void submit(store::Write write, std::function<void(Result<store::Outcome>)> done) = 0;
};

class KvApi {
public:
    static constexpr std::size_t kListLimitDefault = 100;
    static constexpr std::size_t kListLimitMax = 1000;
    using Reply = std::function<void(io::HttpReply)>;

    // REQUIRES: backend outlives the api.
    explicit KvApi(KvBackend& backend) : backend_(backend) {}

    // Answers one request: `reply` is called exactly once, now or (writes) later.
    void handle(const io::HttpRequest& request, std::string_view body, Reply reply);

private:
    void get(const std::string& key, const Reply& reply);
    void list(std::string_view query, const Reply& reply);
    void write(const io::HttpRequest& request, std::string key, std::string_view body, Reply reply);

    KvBackend& backend_;
};

// Helpers shared with the tests and the CLI's documentation of the format.
std::string percent_decode(std::string_view s, bool* ok);
bool is_valid_utf8(std::string_view s);
std::string base64_encode(std::string_view s);

}  // namespace vigil::daemon
