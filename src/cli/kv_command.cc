#include "cli/kv_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace vigil::cli {

using json = nlohmann::json;

namespace {

constexpr int kDefaultPort = 7480;
constexpr int kListPageMax = 1000;  // the server's limit

// The value of an item or a GET reply: text, or bytes sent as base64.
std::string value_of(const json& j) {
    if (j.contains("value")) return j["value"].get<std::string>();
    bool ok = true;
    return base64_decode(j.value("value_base64", ""), &ok);
}

std::string error_of(const HttpResult& reply) {
    const json j = json::parse(reply.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
        return j["error"].get<std::string>();
    return "HTTP " + std::to_string(reply.status) + ": " + reply.body;
}

}  // namespace

std::string percent_encode_key(std::string_view key) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : key) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

std::string base64_decode(std::string_view text, bool* ok) {
    auto index = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=') break;
        const int v = index(c);
        if (v < 0) {
            *ok = false;
            return out;
        }
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xff);
        }
    }
    return out;
}

KvCall build_kv_call(const KvArgs& args) {
    KvCall call;
    const std::string path = "/v1/kv/" + percent_encode_key(args.key);
    switch (args.op) {
        case KvArgs::Op::get:
            call.method = "GET";
            call.target = path;
            break;
        case KvArgs::Op::put:
            call.method = "PUT";
            call.target = path;
            call.body = args.value;
            break;
        case KvArgs::Op::del:
            call.method = "DELETE";
            call.target = path;
            break;
        case KvArgs::Op::list:
            call.method = "GET";
            call.target = "/v1/kv?limit=" + std::to_string(args.limit.value_or(kListPageMax));
            if (!args.prefix.empty()) call.target += "&prefix=" + percent_encode_key(args.prefix);
            if (!args.start_after.empty())
                call.target += "&start_after=" + percent_encode_key(args.start_after);
            break;
    }
    if (args.op == KvArgs::Op::put || args.op == KvArgs::Op::del) {
        if (args.if_match) call.headers.emplace_back("If-Match", std::to_string(*args.if_match));
        if (!args.request_id.empty()) call.headers.emplace_back("Idempotency-Key", args.request_id);
    }
    return call;
}

KvPrinted interpret_kv_reply(const KvArgs& args, const HttpResult& reply) {
    KvPrinted p;
    if (reply.status == 503) {
        p.exit_code = kExitUnreachable;
        p.err = "vigil kv: " + error_of(reply);
        if (const std::string* primary = reply.header("X-Vigil-Primary"))
            p.err += " (the primary is " + *primary + ")";
        p.err += "\n";
        return p;
    }
    if (reply.status != 200) {
        p.exit_code = kExitRefused;
        p.err = "vigil kv: " + error_of(reply);
        const json j = json::parse(reply.body, nullptr, false);
        if (reply.status == 412 && j.is_object() && j.contains("revision"))
            p.err += " (current revision " + j["revision"].dump() + ")";
        p.err += "\n";
        return p;
    }
    const json j = json::parse(reply.body, nullptr, false);
    if (!j.is_object()) {
        p.exit_code = kExitRefused;
        p.err = "vigil kv: the server's reply is not JSON: " + reply.body + "\n";
        return p;
    }
    if (args.op == KvArgs::Op::list && j.contains("next") && j["next"].is_string())
        p.next = j["next"].get<std::string>();
    if (args.json) {
        p.out = reply.body;
        return p;
    }
    switch (args.op) {
        case KvArgs::Op::get: p.out = value_of(j); break;  // raw, as stored
        case KvArgs::Op::put: p.out = "revision " + j["revision"].dump() + "\n"; break;
        case KvArgs::Op::del: p.out = "deleted, revision " + j["revision"].dump() + "\n"; break;
        case KvArgs::Op::list:
            for (const json& item : j["items"])
                p.out += item["key"].get<std::string>() + "\t" + value_of(item) + "\n";
            break;
    }
    return p;
}

std::unique_ptr<KvCommand> add_kv_command(CLI::App& app) {
    auto c = std::make_unique<KvCommand>();
    KvArgs& a = c->args;
    c->kv = app.add_subcommand("kv", "read and write the replicated key-value store");
    c->kv->require_subcommand(1);
    c->kv->add_option("--server", a.server, "the store's HOST:PORT or [IPV6]:PORT (the VIP)")
        ->capture_default_str();
    c->kv->add_flag("--json", a.json, "print the server's JSON reply");
    c->kv->add_option("--timeout-ms", a.timeout_ms, "give up after this long")
        ->check(CLI::Range(1, 600000));
    c->get = c->kv->add_subcommand("get", "print a key's value");
    c->get->add_option("KEY", a.key, "the key")->required();
    c->put = c->kv->add_subcommand("put", "set a key's value; prints the new revision");
    c->put->add_option("KEY", a.key, "the key")->required();
    c->put->add_option("VALUE", a.value, "the value")->required();
    c->del = c->kv->add_subcommand("del", "delete a key");
    c->del->add_option("KEY", a.key, "the key")->required();
    for (CLI::App* w : {c->put, c->del}) {
        c->if_match_options.push_back(
            w->add_option("--if-match", c->if_match,
                          "apply only at this revision of the key (0: only if it does not exist)"));
        w->add_option("--request-id", a.request_id,
                      "Idempotency-Key: a retry with the same id applies once");
    }
    c->list = c->kv->add_subcommand("list", "print key<TAB>value lines in key order");
    c->list->add_option("--prefix", a.prefix, "only keys starting with this");
    c->limit_option = c->list->add_option("--limit", c->limit, "at most this many (default: all)")
                          ->check(CLI::Range(1, kListPageMax));
    return c;
}

int run_kv(KvCommand& command) {
    KvArgs& args = command.args;
    if (command.get->parsed()) args.op = KvArgs::Op::get;
    if (command.put->parsed()) args.op = KvArgs::Op::put;
    if (command.del->parsed()) args.op = KvArgs::Op::del;
    if (command.list->parsed()) args.op = KvArgs::Op::list;
    for (CLI::Option* o : command.if_match_options)
        if (o->count() > 0) args.if_match = command.if_match;
    if (command.limit_option->count() > 0) args.limit = command.limit;
    const Result<ServerAddress> server = parse_server_address(args.server, kDefaultPort);
    if (!server) {
        std::cerr << "vigil kv: " << server.error().message << "\n";
        return kExitRefused;
    }
    for (;;) {  // list: one call per page, unless --limit asked for one page
        const KvCall call = build_kv_call(args);
        const Result<HttpResult> reply =
            http_call(*server, call.method, call.target, call.headers, call.body, args.timeout_ms);
        if (!reply) {
            std::cerr << "vigil kv: " << reply.error().message << "\n";
            return kExitUnreachable;
        }
        KvPrinted printed;
        try {  // a reply that is JSON of an unexpected shape must not abort the tool
            printed = interpret_kv_reply(args, *reply);
        } catch (const json::exception& e) {
            std::cerr << "vigil kv: unexpected reply (" << e.what() << "): " << reply->body << "\n";
            return kExitRefused;
        }
        std::cout << printed.out;
        std::cerr << printed.err;
        if (printed.exit_code != kExitOk || printed.next.empty() || args.limit)
            return printed.exit_code;
        args.start_after = printed.next;
    }
}

}  // namespace vigil::cli
