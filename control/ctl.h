// Shared pieces of mediagatectl's commands: options, exit codes (DESIGN.md
// "Control"), file reading and the daemon client.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/command_output.h"
#include "control/json.h"

namespace mg::ctl {

using control::json_string;
using control::kExitNegative;
using control::kExitNoAnswer;
using control::kExitOk;
using control::kExitUsage;

inline constexpr const char* kDefaultSocket = "/run/mediagate/control.sock";

struct Options {
    bool json = false;
    std::string socket = kDefaultSocket;  // --socket PATH
    // --wait SECONDS: how long to wait for the daemon's reply; nullopt: per command
    // (10 s, resolve/rbl 120 s).
    std::optional<std::chrono::seconds> wait;
};

// Reads a whole file ("-" is standard input). On failure returns false and sets
// `error` to "PATH: reason".
bool read_file(const std::string& path, std::string& content, std::string& error);

// Prints a CommandOutput (stdout, stderr) and returns its exit code.
int print_output(const control::CommandOutput& out);

// `mediagatectl lists ...`; args are what follows "lists". check/match/format run
// here; show/test ask the daemon.
int run_lists(const Options& opts, const std::vector<std::string>& args);

// `mediagatectl resolve ...` and `mediagatectl rbl ...` (control/ctl_resolve.cc); args
// are what follows the command, options included. With --local the resolver runs in
// this process, otherwise the daemon's. Exit: 0 answer / listed, 1 unknown host / not
// listed / bad --dummy-ips or --config file, 2 no response or server failure, 64 usage.
int run_resolve(const Options& opts, const std::vector<std::string>& args);
int run_rbl(const Options& opts, const std::vector<std::string>& args);

// `mediagatectl relay ...` (control/ctl_relay.cc); args are what follows "relay",
// options included (--latch, and --json anywhere). The words are checked here, so a
// usage error exits 64 without asking the daemon; the rest goes to the daemon.
int run_relay(const Options& opts, const std::vector<std::string>& args);

// Sends one command (its words, e.g. {"lists", "show", "lan"}) to the daemon on
// opts.socket and prints the reply (control/ctl_client.cc). Exit 2 with one line on
// stderr when the daemon is not running, refuses access, closes the connection or
// does not answer within the wait.
int run_remote(const Options& opts, const std::vector<std::string>& words);

}  // namespace mg::ctl
