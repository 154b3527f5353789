// Daemon: mediagate-control's state and its command dispatch.
//
// Cold path, one thread: everything runs on the EventLoop given to start(); no
// threads are created. The daemon owns the CLI socket (CliServer), the current
// Runtime (config, compiled lists, IPv6 decision) and the DNS resolver.
//
// Reload (SIGHUP, `mediagatectl reload`, reload()): the whole file is loaded,
// validated and compiled into a new Runtime first; only then is it swapped in, in
// one step, with a new resolver (the old one finishes the queries it has in flight,
// then is dropped). A failed reload changes nothing and its errors are returned
// (and shown by `status`). The CLI socket path, IPv6 command-line override and
// config file are fixed for the daemon's life; a changed [control] socket takes
// effect at the next start (the reload says so). The same holds for the
// [dataplane] socket. A good reload pushes the lists to the dataplane again and
// reconciles the [[relay]] tables (control/dataplane_link.h).
//
// Signals are not handled here (mediagate_control.cc maps them to reload() and
// request_stop()), so tests can run a Daemon in-process.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "control/cli_server.h"
#include "control/commands.h"
#include "control/dataplane_link.h"
#include "control/log.h"
#include "control/runtime.h"
#include "resolver/event_loop.h"
#include "resolver/resolver.h"

namespace mg::control {

struct DaemonOptions {
    std::string config_file;
    RuntimeOptions runtime;
    // Overrides the config's [control] socket (tests, or `--socket`); "" = config's.
    std::string socket_override;
    // Overrides the config's [dataplane] socket (`--dataplane-socket`); "" = config's.
    std::string dataplane_socket_override;
    // Retry, time-outs (tests shorten them); .socket is ignored.
    LinkOptions link;
};

class Daemon {
  public:
    // Loads the config and opens the CLI socket. Errors: the config's errors (one
    // line each) or the socket's (e.g. another daemon already runs there).
    static Result<std::unique_ptr<Daemon>> start(resolver::EventLoop& loop,
                                                 Logger& log,
                                                 DaemonOptions opts);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Everything or nothing; the error message holds every config error, one per line.
    Result<void> reload(std::string_view trigger);

    // Runs one CLI command; `reply` is called once (later, for DNS look-ups).
    void execute(const CliRequest& req, CliServer::Reply reply);

    void request_stop() { stop_requested_ = true; }
    bool stop_requested() const { return stop_requested_; }

    std::shared_ptr<const Runtime> runtime() const { return runtime_; }
    const std::string& socket_path() const { return socket_path_; }
    DataplaneLink& dataplane() { return *dataplane_; }
    DaemonFacts facts() const;

  private:
    Daemon(resolver::EventLoop& loop, Logger& log, DaemonOptions opts);
    void install(std::shared_ptr<const Runtime> rt);
    void sweep_retired();

    resolver::EventLoop& loop_;
    Logger& log_;
    DaemonOptions opts_;
    std::string socket_path_;
    std::shared_ptr<const Runtime> runtime_;
    std::unique_ptr<resolver::Resolver> resolver_;
    std::vector<std::unique_ptr<resolver::Resolver>> retired_;
    resolver::EventLoop::TimerId sweep_timer_ = 0;
    std::unique_ptr<CliServer> cli_;
    std::unique_ptr<DataplaneLink> dataplane_;  // after runtime_: its callbacks use it
    std::chrono::steady_clock::time_point started_;
    uint64_t reloads_ = 0;
    std::string last_reload_error_;
    bool stop_requested_ = false;
};

}  // namespace mg::control
