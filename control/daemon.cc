#include "control/daemon.h"

#include <utility>

#include "configs/values.h"
#include "control/dataplane_commands.h"
#include "control/json.h"
#include "control/lookup.h"

#include <unistd.h>

namespace mg::control {
namespace {

constexpr const char* kVersion = "0.1.0";

std::string errors_text(const configs::ConfigErrors& errs) {
    return errs.format();
}

CommandOutput usage(const std::string& why) {
    return CommandOutput::fail(kExitUsage, "mediagatectl: " + why + " (see mediagatectl --help)");
}

bool want(const std::vector<std::string>& w, size_t n) {
    return w.size() == n;
}

std::string joined(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words)
        s += (s.empty() ? "" : " ") + w;
    return s;
}

// The first line of a command's output, for the log.
std::string first_line(const CommandOutput& out) {
    const std::string& text = out.out.empty() ? out.err : out.out;
    return text.substr(0, text.find('\n'));
}

}  // namespace

Daemon::Daemon(resolver::EventLoop& loop, Logger& log, DaemonOptions opts)
    : loop_(loop), log_(log), opts_(std::move(opts)), started_(std::chrono::steady_clock::now()) {}

Result<std::unique_ptr<Daemon>> Daemon::start(resolver::EventLoop& loop,
                                              Logger& log,
                                              DaemonOptions opts) {
    auto rt = load_runtime(opts.config_file, opts.runtime);
    if (!rt.ok())
        return make_error(ErrorCode::kInvalidInput, errors_text(rt.error()));
    std::unique_ptr<Daemon> d(new Daemon(loop, log, std::move(opts)));
    d->socket_path_ =
        d->opts_.socket_override.empty() ? (*rt)->config.control.socket : d->opts_.socket_override;
    const std::string dataplane_socket = d->opts_.dataplane_socket_override.empty()
                                             ? (*rt)->config.dataplane.socket
                                             : d->opts_.dataplane_socket_override;
    if (configs::same_socket_path(dataplane_socket, d->socket_path_))
        return make_error(ErrorCode::kInvalidInput,
                          "the control socket and the dataplane socket are the same path "
                          "(control " + d->socket_path_ + ", dataplane " + dataplane_socket + ")");
    d->install(std::move(*rt));
    LinkOptions link = d->opts_.link;
    link.socket = dataplane_socket;
    d->dataplane_ = std::make_unique<DataplaneLink>(loop, log, std::move(link), d->runtime_);
    Daemon* self = d.get();
    auto cli = CliServer::open(
        loop, d->socket_path_,
        [self](CliRequest req, CliServer::Reply reply) { self->execute(req, std::move(reply)); },
        [self](std::string_view line) { self->log_.info(line); });
    if (!cli.ok())
        return cli.error();
    d->cli_ = std::move(*cli);
    log.info("listening on " + d->socket_path_ + " (config " + d->opts_.config_file + ")");
    d->dataplane_->start();
    return d;
}

Daemon::~Daemon() {
    loop_.cancel_timer(sweep_timer_);
    dataplane_.reset();  // its pending callbacks are dropped, not called
    cli_.reset();        // closes clients and removes the socket file
}

void Daemon::install(std::shared_ptr<const Runtime> rt) {
    log_.set_level(rt->config.control.log_level);
    log_.set_debug_ips(rt->debug);
    for (const auto& note : rt->notes)
        log_.warning(note);
    log_.info(std::string("IPv6 networking ") + (rt->ipv6.on ? "on" : "off") + " (" +
              rt->ipv6.reason + ")");

    resolver::ResolverConfig rc;
    rc.servers = rt->resolver_servers;
    rc.initial_timeout = std::chrono::milliseconds(rt->config.resolver.initial_timeout_ms);
    rc.retries = static_cast<int>(rt->config.resolver.retries);
    rc.dummy_ips = rt->dummy;
    rc.log = [this](std::string_view line) { log_.debug(line); };
    if (resolver_) {
        // The old resolver finishes what it has in flight (its callbacks reply to
        // CLI clients), then goes.
        retired_.push_back(std::move(resolver_));
        if (sweep_timer_ == 0)
            sweep_timer_ = loop_.add_timer_after(std::chrono::seconds(1), [this] {
                sweep_timer_ = 0;
                sweep_retired();
            });
    }
    resolver_ = std::make_unique<resolver::Resolver>(loop_, std::move(rc));
    runtime_ = std::move(rt);
    if (dataplane_)
        dataplane_->set_runtime(runtime_);
}

void Daemon::sweep_retired() {
    std::erase_if(retired_, [](const auto& r) { return r->in_flight() == 0; });
    if (!retired_.empty())
        sweep_timer_ = loop_.add_timer_after(std::chrono::seconds(1), [this] {
            sweep_timer_ = 0;
            sweep_retired();
        });
}

Result<void> Daemon::reload(std::string_view trigger) {
    log_.info("reload (" + std::string(trigger) + "): reading " + opts_.config_file);
    auto rt = load_runtime(opts_.config_file, opts_.runtime);
    if (!rt.ok()) {
        last_reload_error_ = errors_text(rt.error());
        // One log line per error (journald gives each its priority and time).
        std::string_view rest = last_reload_error_;
        while (!rest.empty()) {
            const size_t eol = rest.find('\n');
            const std::string_view line = rest.substr(0, eol);
            if (!line.empty())
                log_.error("reload failed, keeping the running configuration: " +
                           std::string(line));
            rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
        }
        return make_error(ErrorCode::kInvalidInput, last_reload_error_);
    }
    if (opts_.socket_override.empty() && (*rt)->config.control.socket != socket_path_)
        log_.warning("[control] socket changed to " + (*rt)->config.control.socket +
                     "; it takes effect at the next start (still listening on " + socket_path_ +
                     ")");
    if (opts_.dataplane_socket_override.empty() &&
        (*rt)->config.dataplane.socket != dataplane_->socket())
        log_.warning("[dataplane] socket changed to " + (*rt)->config.dataplane.socket +
                     "; it takes effect at the next start (still using " + dataplane_->socket() +
                     ")");
    install(std::move(*rt));
    ++reloads_;
    last_reload_error_.clear();
    log_.info("reload done");
    return {};
}

DaemonFacts Daemon::facts() const {
    DaemonFacts f;
    f.version = kVersion;
    f.pid = static_cast<long>(::getpid());
    f.uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started_);
    f.reloads = reloads_;
    f.last_reload_error = last_reload_error_;
    f.socket = socket_path_;
    f.resolver_counters = resolver_->counters();
    f.resolver_cache_entries = resolver_->cache().size();
    f.dataplane = dataplane_->facts();
    return f;
}

void Daemon::execute(const CliRequest& req, CliServer::Reply reply) {
    const auto& w = req.words;
    const bool json = req.json;
    std::shared_ptr<const Runtime> rt = runtime_;
    if (w.empty())
        return reply(usage("no command"));
    const std::string& cmd = w[0];
    // Commands about one address are logged with their answer; in full whatever the
    // level when the address is a Debug IP.
    auto about = [this, &w](const std::string& addr_text, const CommandOutput& out) {
        std::string line = "cli: " + joined(w) + " -> " + first_line(out);
        if (auto a = lists::parse_address(addr_text))
            log_.about(*a, LogLevel::kDebug, line);
        else
            log_.debug(line);
    };
    if (cmd != "lists" && cmd != "nat-test" && cmd != "rbl")
        log_.debug("cli: " + joined(w));
    if (cmd == "status") {
        if (!want(w, 1))
            return reply(usage("status takes no arguments"));
        if (dataplane_->state() != LinkState::kReady)
            return reply(status_command(*rt, facts(), json));
        dataplane_->stats([this, rt, json, reply](Result<DataplaneStats> s) {
            DaemonFacts f = facts();
            if (s.ok()) {
                f.dataplane.stats = s->body;
                f.dataplane.ports = s->ports;
            } else {
                f.dataplane.error = s.error().message;
            }
            reply(status_command(*rt, f, json));
        });
        return;
    }
    if (cmd == "relay") {
        run_relay_command(*dataplane_, std::span(w).subspan(1), json, std::move(reply));
        return;
    }
    if (cmd == "lists") {
        if (w.size() == 3 && w[1] == "show") {
            log_.debug("cli: " + joined(w));
            return reply(lists_show_command(*rt, w[2], json));
        }
        if (w.size() == 3 && w[1] == "test") {
            CommandOutput out = lists_test_command(*rt, w[2], json);
            about(w[2], out);
            return reply(std::move(out));
        }
        return reply(usage("want 'lists show NAME' or 'lists test ADDR'"));
    }
    if (cmd == "nat-test") {
        if (!want(w, 3))
            return reply(usage("want 'nat-test CLAIMED SOURCE'"));
        CommandOutput out = nat_test_command(*rt, w[1], w[2], json);
        about(w[1], out);
        return reply(std::move(out));
    }
    if (cmd == "resolve" || cmd == "rbl") {
        if (!want(w, 3))
            return reply(
                usage(cmd == "resolve" ? "want 'resolve TYPE NAME'" : "want 'rbl ZONE ADDR'"));
        auto lookup =
            cmd == "resolve" ? parse_resolve_request(w[1], w[2]) : parse_rbl_request(w[1], w[2]);
        if (!lookup.ok())
            return reply(usage(cmd + ": " + lookup.error().message));
        if (lookup->rbl)
            log_.about(lookup->addr, LogLevel::kDebug, "cli: " + joined(w));
        run_lookup(*resolver_, *lookup, json, std::move(reply));
        return;
    }
    if (cmd == "reload") {
        if (!want(w, 1))
            return reply(usage("reload takes no arguments"));
        auto r = reload("mediagatectl");
        if (!r.ok())
            return reply(CommandOutput{kExitNegative,
                                       {},
                                       "mediagatectl: reload failed; the running configuration "
                                       "is unchanged:\n" +
                                           r.error().message});
        if (json)
            return reply(CommandOutput::ok(JsonObject()
                                               .boolean("reloaded", true)
                                               .str("config", opts_.config_file)
                                               .unum("reloads", reloads_)
                                               .done() +
                                           "\n"));
        return reply(CommandOutput::ok("reloaded " + opts_.config_file + "\n"));
    }
    return reply(usage("unknown command " + configs::in_quotes(cmd, '\'')));
}

}  // namespace mg::control
