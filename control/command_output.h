// CommandOutput: what one mediagatectl command prints and how it exits.
//
// The daemon runs a command and sends its CommandOutput back over the CLI socket;
// mediagatectl prints `out` on stdout, `err` on stderr and exits with `exit_code`.
// In-process commands (--local) build the same value, so both paths print the same.
#pragma once

#include <string>
#include <utility>

namespace mg::control {

// Exit status everywhere (DESIGN.md "Control").
enum Exit : int {
    kExitOk = 0,
    kExitNegative = 1,  // a negative answer or invalid input content
    kExitNoAnswer = 2,  // daemon unreachable, DNS time-out
    kExitUsage = 64,    // usage error (sysexits EX_USAGE)
};

struct CommandOutput {
    int exit_code = kExitOk;
    std::string out;  // stdout, newline-terminated lines (or one JSON object + "\n")
    std::string err;  // stderr, newline-terminated lines

    static CommandOutput ok(std::string out) { return {kExitOk, std::move(out), {}}; }
    static CommandOutput fail(int code, std::string err_line) {
        return {code, {}, std::move(err_line) + "\n"};
    }
};

}  // namespace mg::control
