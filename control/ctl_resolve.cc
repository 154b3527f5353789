// mediagatectl resolve|rbl: DNS look-ups through the stub resolver (resolver/).
//
// With --local the resolver runs in this process on its own EventLoop; without it the
// commands would go to the control daemon, which does not exist yet (exit 2).
// Everything on the command line is validated before any query is sent.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/ctl.h"
#include "lists/classifier.h"
#include "lists/lists.h"
#include "resolver/dns_message.h"
#include "resolver/dns_name.h"
#include "resolver/event_loop.h"
#include "resolver/resolver.h"
#include "resolver/servers.h"

namespace mg::ctl {
namespace {

using resolver::ResolveResult;
using resolver::ResolveStatus;
using resolver::RrType;

constexpr long kMaxTimeoutMs = 600000;
constexpr long kMaxRetries = 100;

struct LookupArgs {
    bool local = false;
    bool verbose = false;
    bool json = false;
    std::vector<resolver::ServerAddr> servers;
    long timeout_ms = 2000;
    long retries = 3;
    std::string dummy_ips_file;
    std::vector<std::string> positional;
};

// A one-line usage complaint; always returns kExitUsage.
int usage(const char* command, const std::string& why) {
    std::fprintf(stderr, "mediagatectl: %s: %s (see mediagatectl --help)\n", command, why.c_str());
    return kExitUsage;
}

// A whole decimal number in [lo, hi].
std::optional<long> parse_number(std::string_view text, long lo, long hi) {
    if (text.empty() || text.size() > 9)
        return std::nullopt;
    long v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi)
        return std::nullopt;
    return v;
}

// Parses the options shared by resolve and rbl. Returns kExitOk or kExitUsage (the
// complaint already printed).
int parse_args(const char* command,
               const Options& opts,
               const std::vector<std::string>& args,
               LookupArgs& out) {
    out.json = opts.json;
    bool options_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        if (options_done || a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            continue;
        }
        // "--opt=value" is the same as "--opt value".
        std::optional<std::string> inline_value;
        if (a.rfind("--", 0) == 0) {
            size_t eq = a.find('=');
            if (eq != std::string::npos) {
                inline_value = a.substr(eq + 1);
                a.resize(eq);
            }
        }
        auto value = [&](std::string& v) {
            if (inline_value) {
                v = *inline_value;
                return true;
            }
            if (i + 1 >= args.size())
                return false;
            v = args[++i];
            return true;
        };
        bool takes_value =
            a == "--server" || a == "--timeout" || a == "--retries" || a == "--dummy-ips";
        if (!takes_value && inline_value)
            return usage(command, "option '" + a + "' takes no value");
        std::string v;
        if (takes_value && !value(v))
            return usage(command, "option '" + a + "' needs a value");
        if (a == "--") {
            options_done = true;
        } else if (a == "--local") {
            out.local = true;
        } else if (a == "-v" || a == "--verbose") {
            out.verbose = true;
        } else if (a == "--json") {
            out.json = true;
        } else if (a == "--server") {
            auto server = resolver::parse_server(v);
            if (!server.ok())
                return usage(command, "bad --server: " + server.error().message);
            out.servers.push_back(*server);
        } else if (a == "--timeout") {
            auto n = parse_number(v, 1, kMaxTimeoutMs);
            if (!n)
                return usage(command, "bad --timeout '" + v + "': want milliseconds, 1.." +
                                          std::to_string(kMaxTimeoutMs));
            out.timeout_ms = *n;
        } else if (a == "--retries") {
            auto n = parse_number(v, 0, kMaxRetries);
            if (!n)
                return usage(command, "bad --retries '" + v + "': want a number, 0.." +
                                          std::to_string(kMaxRetries));
            out.retries = *n;
        } else if (a == "--dummy-ips") {
            if (v.empty())
                return usage(command, "bad --dummy-ips: empty file name");
            out.dummy_ips_file = v;
        } else {
            return usage(command, "unknown option '" + a + "'");
        }
    }
    return kExitOk;
}

// Builds the resolver configuration; reads the dummy-IP list. Returns kExitOk or
// kExitNegative (unreadable file or a list error, one line already printed).
int make_config(const char* command, const LookupArgs& la, resolver::ResolverConfig& config) {
    config.servers = la.servers.empty() ? resolver::read_resolv_conf() : la.servers;
    config.initial_timeout = std::chrono::milliseconds(la.timeout_ms);
    config.retries = static_cast<int>(la.retries);
    if (la.verbose) {
        config.log = [](std::string_view line) {
            std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
        };
    }
    if (!la.dummy_ips_file.empty()) {
        std::string text, error;
        if (!read_file(la.dummy_ips_file, text, error)) {
            std::fprintf(stderr, "mediagatectl: %s: --dummy-ips %s\n", command, error.c_str());
            return kExitNegative;
        }
        auto set = lists::compile_list(text);
        if (!set.ok()) {
            const auto& errs = set.error();
            std::string first = errs.errors.empty() ? std::string("invalid list")
                                                    : errs.errors.front().format(la.dummy_ips_file);
            if (errs.total > 1)
                first += " (and " + std::to_string(errs.total - 1) + " more errors)";
            std::fprintf(stderr, "mediagatectl: %s: --dummy-ips %s\n", command, first.c_str());
            return kExitNegative;
        }
        config.dummy_ips = lists::AddressList(std::move(*set));
    }
    return kExitOk;
}

// The longest the resolver can take for one query, plus slack: 1+2+...+(retries+1)
// waits of T (the TCP fallback stays inside the current wait's length again).
std::chrono::milliseconds worst_case(const LookupArgs& la) {
    long n = la.retries + 1;
    return std::chrono::milliseconds(la.timeout_ms * (n * (n + 1) / 2) * 2 + 1000);
}

// Runs one query to completion on a private loop.
template <typename Start>
ResolveResult run_query(resolver::Resolver& r,
                        resolver::EventLoop& loop,
                        const LookupArgs& la,
                        Start start) {
    std::optional<ResolveResult> result;
    start(r, [&result](ResolveResult res) { result = std::move(res); });
    loop.run_until([&result] { return result.has_value(); },
                   resolver::EventLoop::Clock::now() + worst_case(la));
    if (!result) {
        ResolveResult none;
        none.status = ResolveStatus::kNoResponse;
        none.detail = "gave up waiting";
        return none;
    }
    return std::move(*result);
}

std::string json_records(const std::vector<resolver::Record>& records) {
    std::string out = "[";
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& rec = records[i];
        if (i)
            out += ',';
        out += "{\"name\":" + json_string(rec.name) +
               ",\"type\":" + json_string(resolver::format_rr_type(rec.type)) +
               ",\"ttl\":" + std::to_string(rec.ttl) +
               ",\"data\":" + json_string(resolver::format_rdata(rec)) + "}";
    }
    return out + "]";
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

// Prints the failure line for a non-answer and returns its exit status.
int report_failure(const char* command,
                   const std::string& what,
                   const ResolveResult& res,
                   const resolver::Resolver& r) {
    switch (res.status) {
        case ResolveStatus::kAnswer:
            return kExitOk;
        case ResolveStatus::kUnknownHost:
            std::fprintf(stderr, "mediagatectl: %s: %s: unknown host (%s)\n", command, what.c_str(),
                         res.detail.c_str());
            return kExitNegative;
        case ResolveStatus::kNoResponse:
            std::fprintf(stderr, "mediagatectl: %s: %s: no response from %s\n", command,
                         what.c_str(), servers_text(r.servers()).c_str());
            return kExitNoAnswer;
        case ResolveStatus::kServerFailure:
            std::fprintf(stderr, "mediagatectl: %s: %s: server failure from %s (%s)\n", command,
                         what.c_str(), res.server.to_string().c_str(), res.detail.c_str());
            return kExitNoAnswer;
    }
    return kExitNoAnswer;
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

void print_no_daemon(const char* command) {
    std::fprintf(stderr, "mediagatectl: %s: the control daemon is not available yet; use --local\n",
                 command);
}

// Without --local there is no resolver to ask yet (exit 2); with it, the config.
int local_config(const char* cmd, const LookupArgs& la, resolver::ResolverConfig& config) {
    if (!la.local) {
        print_no_daemon(cmd);
        return kExitNoAnswer;
    }
    return make_config(cmd, la, config);
}

}  // namespace

int run_resolve(const Options& opts, const std::vector<std::string>& args) {
    constexpr const char* kCmd = "resolve";
    LookupArgs la;
    if (int rc = parse_args(kCmd, opts, args, la); rc != kExitOk)
        return rc;
    if (la.positional.size() != 2)
        return usage(kCmd, la.positional.size() < 2 ? "want TYPE NAME" : "too many arguments");
    const std::string& type_text = la.positional[0];
    const std::string& name = la.positional[1];
    auto type = parse_lookup_type(type_text);
    if (!type)
        return usage(kCmd,
                     "unknown TYPE '" + type_text + "': want A, AAAA, MX, SRV, NAPTR, PTR or TXT");
    std::string qname = name;
    if (*type == RrType::kPtr) {
        auto addr = lists::parse_address(name);
        if (!addr)
            return usage(kCmd, "PTR wants an IPv4 or IPv6 address, not '" + name + "'");
        qname = reverse_name(*addr);
    }
    if (auto wire = resolver::encode_name(qname); !wire.ok())
        return usage(kCmd, "bad NAME: " + wire.error().message);
    resolver::ResolverConfig config;
    if (int rc = local_config(kCmd, la, config); rc != kExitOk)
        return rc;

    resolver::EventLoop loop;
    resolver::Resolver r(loop, std::move(config));
    ResolveResult res = run_query(r, loop, la, [&](resolver::Resolver& rr, auto cb) {
        rr.resolve(qname, *type, std::move(cb));
    });

    if (la.json) {
        std::printf(
            "{\"command\":\"resolve\",\"name\":%s,\"type\":%s,\"query\":%s,\"status\":\"%s\","
            "\"server\":%s,\"attempts\":%d,\"tcp\":%s,\"detail\":%s,\"records\":%s}\n",
            json_string(name).c_str(), json_string(resolver::format_rr_type(*type)).c_str(),
            json_string(qname).c_str(), status_key(res.status),
            json_string(res.server.to_string()).c_str(), res.attempts,
            res.via_tcp ? "true" : "false", json_string(res.detail).c_str(),
            json_records(res.records).c_str());
    } else if (res.status == ResolveStatus::kAnswer) {
        for (const auto& rec : res.records)
            std::printf("%s ttl=%u\n", resolver::format_rdata(rec).c_str(), rec.ttl);
    }
    if (res.status != ResolveStatus::kAnswer)
        report_failure(kCmd, qname, res, r);
    return exit_for(res.status);
}

int run_rbl(const Options& opts, const std::vector<std::string>& args) {
    constexpr const char* kCmd = "rbl";
    LookupArgs la;
    if (int rc = parse_args(kCmd, opts, args, la); rc != kExitOk)
        return rc;
    if (la.positional.size() != 2)
        return usage(kCmd, la.positional.size() < 2 ? "want ZONE ADDR" : "too many arguments");
    const std::string& zone = la.positional[0];
    const std::string& addr_text = la.positional[1];
    auto addr = lists::parse_address(addr_text);
    if (!addr)
        return usage(kCmd, "bad ADDR '" + addr_text + "': want an IPv4 or IPv6 address");
    std::string qname = resolver::rbl_name(*addr, zone);
    if (zone.empty() || zone == ".")
        return usage(kCmd, "bad ZONE: empty");
    if (auto wire = resolver::encode_name(qname); !wire.ok())
        return usage(kCmd, "bad ZONE '" + zone + "': " + wire.error().message);
    resolver::ResolverConfig config;
    if (int rc = local_config(kCmd, la, config); rc != kExitOk)
        return rc;

    resolver::EventLoop loop;
    resolver::Resolver r(loop, std::move(config));
    ResolveResult res = run_query(
        r, loop, la, [&](resolver::Resolver& rr, auto cb) { rr.rbl(*addr, zone, std::move(cb)); });
    // A listed address may carry a reason: the TXT record of the same name. Its
    // absence or failure does not change the verdict.
    std::vector<resolver::Record> reasons;
    if (res.status == ResolveStatus::kAnswer) {
        ResolveResult txt = run_query(r, loop, la, [&](resolver::Resolver& rr, auto cb) {
            rr.resolve(qname, RrType::kTxt, std::move(cb));
        });
        if (txt.status == ResolveStatus::kAnswer)
            reasons = std::move(txt.records);
    }

    bool listed = res.status == ResolveStatus::kAnswer;
    bool not_listed = res.status == ResolveStatus::kUnknownHost;
    if (la.json) {
        const char* verdict = listed       ? "listed"
                              : not_listed ? "not_listed"
                                           : status_key(res.status);
        std::printf(
            "{\"command\":\"rbl\",\"zone\":%s,\"address\":%s,\"query\":%s,\"status\":\"%s\","
            "\"server\":%s,\"detail\":%s,\"records\":%s,\"reasons\":%s}\n",
            json_string(zone).c_str(), json_string(lists::format_address(*addr)).c_str(),
            json_string(qname).c_str(), verdict, json_string(res.server.to_string()).c_str(),
            json_string(res.detail).c_str(), json_records(res.records).c_str(),
            json_records(reasons).c_str());
    } else if (listed) {
        for (const auto& rec : res.records)
            std::printf("listed %s ttl=%u\n", resolver::format_rdata(rec).c_str(), rec.ttl);
        for (const auto& rec : reasons)
            std::printf("reason %s ttl=%u\n", resolver::format_rdata(rec).c_str(), rec.ttl);
    } else if (not_listed) {
        std::printf("not listed\n");
    }
    if (!listed && !not_listed)
        report_failure(kCmd, qname, res, r);
    return exit_for(res.status);
}

}  // namespace mg::ctl
