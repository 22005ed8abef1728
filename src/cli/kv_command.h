// `vigil kv get|put|del|list`: a client of the store's HTTP API (docs/store-api.md), for
// operators and scripts. Exit codes: 0 ok; 1 not found, precondition failed or another
// refused request; 3 the server is unreachable or does not serve (503: a standby; the
// primary's name is printed). The request building and the reply interpretation are pure
// functions, tested without a server.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/http_client.h"

namespace vigil::cli {

struct KvArgs {
    enum class Op { get, put, del, list };
    Op op = Op::get;
    std::string server = "127.0.0.1:7480";
    bool json = false;
    std::string key, value, request_id, prefix, start_after;
    std::optional<std::uint64_t> if_match;
    std::optional<int> limit;  // list: one page of this size; unset = every page
    int timeout_ms = 5000;
};

struct KvCommand {
    CLI::App* kv = nullptr;
    CLI::App *get = nullptr, *put = nullptr, *del = nullptr, *list = nullptr;
    KvArgs args;
    // Raw option values, moved into args' optionals when given.
    std::uint64_t if_match = 0;
    int limit = 0;
    std::vector<CLI::Option*> if_match_options;
    CLI::Option* limit_option = nullptr;
};

// Adds `kv` and its subcommands to `app`. Keep the returned object alive until after parsing.
std::unique_ptr<KvCommand> add_kv_command(CLI::App& app);
// Runs the parsed `kv` subcommand; the process exit code.
int run_kv(KvCommand& command);

struct KvCall {
    std::string method, target, body;
    HttpHeaders headers;
};
// The request for `args` (list: the page after args.start_after).
KvCall build_kv_call(const KvArgs& args);

struct KvPrinted {
    int exit_code = 0;
    std::string out, err;  // for stdout and stderr
    std::string next;      // list: the next page's start_after; "" = done
};
KvPrinted interpret_kv_reply(const KvArgs& args, const HttpResult& reply);

std::string percent_encode_key(std::string_view key);  // keeps '/' and unreserved bytes
std::string base64_decode(std::string_view text, bool* ok);

}  // namespace vigil::cli
