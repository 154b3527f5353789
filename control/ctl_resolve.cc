// mediagatectl resolve|rbl: DNS look-ups through the stub resolver (resolver/).
//
// With --local the resolver runs in this process on its own EventLoop, configured
// from the command line and/or a config file's [resolver] section (--config);
// without it the command goes to the daemon, whose resolver and config apply.
// Everything on the command line is validated before any query is sent; both paths
// print the same output (control/lookup.h).
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "configs/config.h"
#include "configs/values.h"
#include "control/ctl.h"
#include "control/lookup.h"
#include "lists/lists.h"
#include "resolver/event_loop.h"
#include "resolver/resolver.h"
#include "resolver/servers.h"

namespace mg::ctl {
namespace {

constexpr long kMaxTimeoutMs = 600000;
constexpr long kMaxRetries = 100;

struct LookupArgs {
    bool local = false;
    bool verbose = false;
    bool json = false;
    std::string config_file;
    std::vector<resolver::ServerAddr> servers;
    std::optional<long> timeout_ms;
    std::optional<long> retries;
    std::string dummy_ips_file;
    std::vector<std::string> positional;
    std::vector<std::string> local_only;  // local-only options seen (for the error)
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
        bool takes_value = a == "--server" || a == "--timeout" || a == "--retries" ||
                           a == "--dummy-ips" || a == "--config";
        if (!takes_value && inline_value)
            return usage(command, "option " + configs::in_quotes(a, '\'') + " takes no value");
        std::string v;
        if (takes_value && !value(v))
            return usage(command, "option " + configs::in_quotes(a, '\'') + " needs a value");
        if (takes_value || a == "-v" || a == "--verbose")
            out.local_only.push_back(a);
        if (a == "--") {
            options_done = true;
        } else if (a == "--local") {
            out.local = true;
        } else if (a == "-v" || a == "--verbose") {
            out.verbose = true;
        } else if (a == "--json") {
            out.json = true;
        } else if (a == "--config") {
            if (v.empty())
                return usage(command, "bad --config: empty file name");
            out.config_file = v;
        } else if (a == "--server") {
            auto server = resolver::parse_server(v);
            if (!server.ok())
                return usage(command, "bad --server: " + server.error().message);
            out.servers.push_back(*server);
        } else if (a == "--timeout") {
            out.timeout_ms = parse_number(v, 1, kMaxTimeoutMs);
            if (!out.timeout_ms)
                return usage(command, "bad --timeout " + configs::in_quotes(v, '\'') +
                                          ": want milliseconds, 1.." +
                                          std::to_string(kMaxTimeoutMs));
        } else if (a == "--retries") {
            out.retries = parse_number(v, 0, kMaxRetries);
            if (!out.retries)
                return usage(command, "bad --retries " + configs::in_quotes(v, '\'') +
                                          ": want a number, 0.." +
                                          std::to_string(kMaxRetries));
        } else if (a == "--dummy-ips") {
            if (v.empty())
                return usage(command, "bad --dummy-ips: empty file name");
            out.dummy_ips_file = v;
        } else {
            return usage(command, "unknown option " + mg::configs::in_quotes(a, '\''));
        }
    }
    return kExitOk;
}

// Builds the resolver configuration from --config (if any) and the command line,
// which wins. Returns kExitOk or kExitNegative (unreadable file or a list/config
// error, already printed).
int make_config(const char* command, const LookupArgs& la, resolver::ResolverConfig& config) {
    config.servers = {};
    config.initial_timeout = std::chrono::milliseconds(2000);
    config.retries = 3;
    if (!la.config_file.empty()) {
        auto cfg = configs::load_config(la.config_file);
        if (!cfg.ok()) {
            std::fprintf(stderr, "%smediagatectl: %s: --config %s is invalid\n",
                         cfg.error().format().c_str(), command, la.config_file.c_str());
            return kExitNegative;
        }
        config.servers = cfg->resolver.servers;
        config.initial_timeout = std::chrono::milliseconds(cfg->resolver.initial_timeout_ms);
        config.retries = static_cast<int>(cfg->resolver.retries);
        config.dummy_ips = lists::AddressList(cfg->list("dummy").set);
    }
    if (!la.servers.empty())
        config.servers = la.servers;
    if (config.servers.empty())
        config.servers = resolver::read_resolv_conf();
    if (la.timeout_ms)
        config.initial_timeout = std::chrono::milliseconds(*la.timeout_ms);
    if (la.retries)
        config.retries = static_cast<int>(*la.retries);
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

// The longest a look-up can take, plus slack. One name: its sends' waits (T, 2T, ...,
// (retries+1)T; an RBL query two sends of T), each of which a TCP fallback may
// stretch to twice its length (the TCP exchange gets a wait of its own), for the
// name asked and every CNAME hop. An RBL check is two such look-ups: the A query and
// the TXT reason of a listed address.
std::chrono::milliseconds worst_case(const resolver::ResolverConfig& c, bool rbl) {
    const long n = c.retries + 1;
    const long waits_per_name = rbl ? 2 : n * (n + 1) / 2;
    const long lookups = rbl ? 2 : 1;
    return c.initial_timeout * (waits_per_name * 2 * (resolver::kMaxCnameHops + 1) * lookups) +
           std::chrono::milliseconds(1000);
}

int run_local(const char* command, const LookupArgs& la, const control::LookupRequest& req) {
    resolver::ResolverConfig config;
    if (int rc = make_config(command, la, config); rc != kExitOk)
        return rc;
    auto limit = worst_case(config, req.rbl);
    resolver::EventLoop loop;
    resolver::Resolver r(loop, std::move(config));
    std::optional<control::CommandOutput> out;
    control::run_lookup(r, req, la.json, [&out](control::CommandOutput o) { out = std::move(o); });
    loop.run_until([&out] { return out.has_value(); }, resolver::EventLoop::Clock::now() + limit);
    if (!out)
        out = control::CommandOutput::fail(
            kExitNoAnswer, std::string("mediagatectl: ") + command + ": gave up waiting");
    return print_output(*out);
}

// Validates, then runs the look-up here (--local) or in the daemon.
int run_lookup_command(const char* command,
                       const Options& opts,
                       const std::vector<std::string>& args) {
    LookupArgs la;
    if (int rc = parse_args(command, opts, args, la); rc != kExitOk)
        return rc;
    const bool rbl = std::string_view(command) == "rbl";
    const char* want = rbl ? "want ZONE ADDR" : "want TYPE NAME";
    if (la.positional.size() != 2)
        return usage(command, la.positional.size() < 2 ? want : "too many arguments");
    auto req = rbl ? control::parse_rbl_request(la.positional[0], la.positional[1])
                   : control::parse_resolve_request(la.positional[0], la.positional[1]);
    if (!req.ok())
        return usage(command, req.error().message);
    if (la.local)
        return run_local(command, la, *req);
    if (!la.local_only.empty())
        return usage(command, "option '" + la.local_only.front() +
                                  "' only works with --local (the daemon uses its config)");
    Options remote = opts;
    remote.json = la.json;
    return run_remote(remote, {command, la.positional[0], la.positional[1]});
}

}  // namespace

int run_resolve(const Options& opts, const std::vector<std::string>& args) {
    return run_lookup_command("resolve", opts, args);
}

int run_rbl(const Options& opts, const std::vector<std::string>& args) {
    return run_lookup_command("rbl", opts, args);
}

}  // namespace mg::ctl
