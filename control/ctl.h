// Shared pieces of mediagatectl's commands: exit codes (DESIGN.md "Control") and
// JSON output helpers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mg::ctl {

enum Exit : int {
    kExitOk = 0,
    kExitNegative = 1,  // a negative answer or invalid input content
    kExitNoAnswer = 2,  // daemon unreachable, DNS time-out
    kExitUsage = 64,    // usage error (sysexits EX_USAGE)
};

struct Options {
    bool json = false;
};

// A JSON string literal, quotes included, with control characters escaped.
std::string json_string(std::string_view s);

// Reads a whole file ("-" is standard input). On failure returns false and sets
// `error` to "PATH: reason".
bool read_file(const std::string& path, std::string& content, std::string& error);

// `mediagatectl lists ...`; args are what follows "lists".
int run_lists(const Options& opts, const std::vector<std::string>& args);

// `mediagatectl resolve ...` and `mediagatectl rbl ...` (control/ctl_resolve.cc); args
// are what follows the command, options included. Exit: 0 answer / listed, 1 unknown
// host / not listed / bad --dummy-ips file, 2 no response or server failure (or no
// --local: the daemon is not available yet), 64 usage error.
int run_resolve(const Options& opts, const std::vector<std::string>& args);
int run_rbl(const Options& opts, const std::vector<std::string>& args);

}  // namespace mg::ctl
