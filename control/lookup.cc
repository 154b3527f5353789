#include "control/lookup.h"

#include <memory>
#include <utility>
#include <vector>

#include "configs/values.h"
#include "control/json.h"
#include "lists/lists.h"
#include "resolver/dns_name.h"

namespace mg::control {
namespace {

using resolver::ResolveResult;
using resolver::ResolveStatus;
using resolver::RrType;

std::string json_records(const std::vector<resolver::Record>& records) {
    JsonArray arr;
    for (const auto& rec : records) {
        arr.raw(JsonObject()
                    .str("name", rec.name)
                    .str("type", resolver::format_rr_type(rec.type))
                    .unum("ttl", rec.ttl)
                    .str("data", resolver::format_rdata(rec))
                    .done());
    }
    return arr.done();
}

const char* status_key(ResolveStatus s) {
    switch (s) {
        case ResolveStatus::kAnswer:
            return "answer";
        case ResolveStatus::kUnknownHost:
            return "unknown_host";
        case ResolveStatus::kNoResponse:
            return "no_response";
        case ResolveStatus::kServerFailure:
            return "server_failure";
    }
    return "unknown";
}

std::string servers_text(const std::vector<resolver::ServerAddr>& servers) {
    std::string out;
    for (const auto& s : servers) {
        if (!out.empty())
            out += ", ";
        out += s.to_string();
    }
    return out;
}

int exit_for(ResolveStatus s) {
    switch (s) {
        case ResolveStatus::kAnswer:
            return kExitOk;
        case ResolveStatus::kUnknownHost:
            return kExitNegative;
        default:
            return kExitNoAnswer;
    }
}

// The stderr line for a result that is not an answer ("" for an answer).
std::string failure_line(const char* command,
                         const std::string& what,
                         const ResolveResult& res,
                         const std::vector<resolver::ServerAddr>& servers) {
    std::string head = std::string("mediagatectl: ") + command + ": " + what + ": ";
    switch (res.status) {
        case ResolveStatus::kAnswer:
            return {};
        case ResolveStatus::kUnknownHost:
            return head + "unknown host (" + res.detail + ")\n";
        case ResolveStatus::kNoResponse:
            return head + "no response from " + servers_text(servers) + "\n";
        case ResolveStatus::kServerFailure:
            return head + "server failure from " + res.server.to_string() + " (" + res.detail +
                   ")\n";
    }
    return {};
}

std::optional<RrType> parse_lookup_type(const std::string& text) {
    static constexpr RrType kAllowed[] = {RrType::kA,     RrType::kAaaa, RrType::kMx, RrType::kSrv,
                                          RrType::kNaptr, RrType::kPtr,  RrType::kTxt};
    auto t = resolver::parse_rr_type(text);
    if (!t.ok() || text.rfind("TYPE", 0) == 0 || text.rfind("type", 0) == 0)
        return std::nullopt;
    for (RrType a : kAllowed) {
        if (a == *t)
            return a;
    }
    return std::nullopt;
}

std::string reverse_name(const lists::Address& addr) {
    if (addr.is_v4())
        return resolver::reverse_name_v4(addr.v4_value());
    uint8_t bytes[16];
    for (int i = 0; i < 16; ++i)
        bytes[i] = static_cast<uint8_t>(addr.value >> (8 * (15 - i)));
    return resolver::reverse_name_v6(bytes);
}

CommandOutput render_resolve(const LookupRequest& req,
                             const ResolveResult& res,
                             const std::vector<resolver::ServerAddr>& servers,
                             bool json) {
    CommandOutput out;
    out.exit_code = exit_for(res.status);
    if (json) {
        out.out = JsonObject()
                      .str("command", "resolve")
                      .str("name", req.name)
                      .str("type", resolver::format_rr_type(req.type))
                      .str("query", req.qname)
                      .str("status", status_key(res.status))
                      .str("server", res.server.to_string())
                      .num("attempts", res.attempts)
                      .boolean("tcp", res.via_tcp)
                      .str("detail", res.detail)
                      .raw("records", json_records(res.records))
                      .done() +
                  "\n";
    } else if (res.status == ResolveStatus::kAnswer) {
        for (const auto& rec : res.records)
            out.out += resolver::format_rdata(rec) + " ttl=" + std::to_string(rec.ttl) + "\n";
    }
    out.err = failure_line("resolve", req.qname, res, servers);
    return out;
}

CommandOutput render_rbl(const LookupRequest& req,
                         const ResolveResult& res,
                         const std::vector<resolver::Record>& reasons,
                         const std::vector<resolver::ServerAddr>& servers,
                         bool json) {
    CommandOutput out;
    out.exit_code = exit_for(res.status);
    bool listed = res.status == ResolveStatus::kAnswer;
    bool not_listed = res.status == ResolveStatus::kUnknownHost;
    if (json) {
        const char* verdict = listed       ? "listed"
                              : not_listed ? "not_listed"
                                           : status_key(res.status);
        out.out = JsonObject()
                      .str("command", "rbl")
                      .str("zone", req.zone)
                      .str("address", lists::format_address(req.addr))
                      .str("query", req.qname)
                      .str("status", verdict)
                      .str("server", res.server.to_string())
                      .str("detail", res.detail)
                      .raw("records", json_records(res.records))
                      .raw("reasons", json_records(reasons))
                      .done() +
                  "\n";
    } else if (listed) {
        for (const auto& rec : res.records)
            out.out +=
                "listed " + resolver::format_rdata(rec) + " ttl=" + std::to_string(rec.ttl) + "\n";
        for (const auto& rec : reasons)
            out.out +=
                "reason " + resolver::format_rdata(rec) + " ttl=" + std::to_string(rec.ttl) + "\n";
    } else if (not_listed) {
        out.out = "not listed\n";
    }
    if (!listed && !not_listed)
        out.err = failure_line("rbl", req.qname, res, servers);
    return out;
}

}  // namespace

Result<LookupRequest> parse_resolve_request(const std::string& type_text, const std::string& name) {
    LookupRequest req;
    auto type = parse_lookup_type(type_text);
    if (!type)
        return make_error(
            ErrorCode::kInvalidInput,
            "unknown TYPE " + configs::in_quotes(type_text, '\'') +
                ": want A, AAAA, MX, SRV, NAPTR, PTR or TXT");
    req.type = *type;
    req.name = name;
    req.qname = name;
    if (*type == RrType::kPtr) {
        auto addr = lists::parse_address(name);
        if (!addr)
            return make_error(ErrorCode::kInvalidInput,
                              "PTR wants an IPv4 or IPv6 address, not " + configs::in_quotes(name, '\''));
        req.addr = *addr;
        req.qname = reverse_name(*addr);
    }
    if (auto wire = resolver::encode_name(req.qname); !wire.ok())
        return make_error(ErrorCode::kInvalidInput, "bad NAME: " + wire.error().message);
    return req;
}

Result<LookupRequest> parse_rbl_request(const std::string& zone, const std::string& addr_text) {
    LookupRequest req;
    req.rbl = true;
    auto addr = lists::parse_address(addr_text);
    if (!addr)
        return make_error(ErrorCode::kInvalidInput,
                          "bad ADDR " + configs::in_quotes(addr_text, '\'') +
                              ": want an IPv4 or IPv6 address");
    if (zone.empty() || zone == ".")
        return make_error(ErrorCode::kInvalidInput, "bad ZONE: empty");
    req.addr = *addr;
    req.zone = zone;
    req.name = addr_text;
    req.qname = resolver::rbl_name(*addr, zone);
    if (auto wire = resolver::encode_name(req.qname); !wire.ok())
        return make_error(ErrorCode::kInvalidInput,
                          "bad ZONE " + configs::in_quotes(zone, '\'') + ": " + wire.error().message);
    return req;
}

void run_lookup(resolver::Resolver& r,
                const LookupRequest& req,
                bool json,
                std::function<void(CommandOutput)> done) {
    if (!req.rbl) {
        r.resolve(req.qname, req.type, [&r, req, json, done = std::move(done)](ResolveResult res) {
            done(render_resolve(req, res, r.servers(), json));
        });
        return;
    }
    r.rbl(req.addr, req.zone, [&r, req, json, done = std::move(done)](ResolveResult res) {
        if (res.status != ResolveStatus::kAnswer) {
            done(render_rbl(req, res, {}, r.servers(), json));
            return;
        }
        // A listed address may carry a reason: the TXT record of the same name, asked
        // on the RBL schedule too. Its absence or failure does not change the verdict.
        auto listed = std::make_shared<ResolveResult>(std::move(res));
        r.rbl_reason(req.qname, [&r, req, json, done, listed](ResolveResult txt) {
            std::vector<resolver::Record> reasons;
            if (txt.status == ResolveStatus::kAnswer)
                reasons = std::move(txt.records);
            done(render_rbl(req, *listed, reasons, r.servers(), json));
        });
    });
}

}  // namespace mg::control
