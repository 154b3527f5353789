// The daemon's read-only commands, rendered for mediagatectl (text and --json).
//
// Cold path; pure functions of a Runtime (and, for status, the daemon's facts), so
// they are unit-tested without a socket. Text output is aligned tables; the JSON
// shapes are documented in docs/cli.md and kept stable (new keys may be added, none
// renamed or removed).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "control/command_output.h"
#include "control/dataplane_facts.h"
#include "control/runtime.h"
#include "resolver/resolver.h"

namespace mg::control {

struct DaemonFacts {
    std::string version;
    long pid = 0;
    std::chrono::seconds uptime{0};
    uint64_t reloads = 0;           // successful reloads since start
    std::string last_reload_error;  // "" when the last reload succeeded (or none yet)
    std::string socket;             // the CLI socket in use
    resolver::ResolverCounters resolver_counters;
    size_t resolver_cache_entries = 0;
    DataplaneFacts dataplane;
};

// Ends with the dataplane section (control/dataplane_commands.h).
CommandOutput status_command(const Runtime& rt, const DaemonFacts& facts, bool json);
// `lists show NAME`: the canonical form, one line per interval. Unknown NAME: exit 1.
CommandOutput lists_show_command(const Runtime& rt, const std::string& name, bool json);
// `lists test ADDR`: the names of the lists that contain ADDR ("none" when none).
CommandOutput lists_test_command(const Runtime& rt, const std::string& addr, bool json);
// `nat-test CLAIMED SOURCE`: behind-nat / not-behind-nat with the reason.
CommandOutput nat_test_command(const Runtime& rt,
                               const std::string& claimed,
                               const std::string& source,
                               bool json);

// Columns padded to the widest cell, two spaces apart, no trailing blanks.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace mg::control
