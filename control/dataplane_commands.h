// The daemon's dataplane commands, rendered for mediagatectl (text and --json; the
// JSON shapes are in docs/cli.md): `relay add|del|list` and the dataplane part of
// `status`.
//
// Cold path, on the daemon's loop. Exit codes: 2 when the dataplane is not
// connected or does not answer (an ErrorCode::kIo from the link), 1 when it or
// control refuses (unknown relay id, the dataplane's error text), 64 for bad words.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "control/command_output.h"
#include "control/dataplane_facts.h"
#include "control/dataplane_link.h"

namespace mg::control {

// Runs `relay ...` (the words after "relay") on the link; `reply` is called once,
// possibly before this returns.
void run_relay_command(DataplaneLink& link,
                       std::span<const std::string> words,
                       bool json,
                       std::function<void(CommandOutput)> reply);

CommandOutput relay_add_output(const Result<uint64_t>& r, const RelaySpec& spec, bool json);
CommandOutput relay_del_output(const Result<bool>& r, uint64_t id, bool json);
CommandOutput relay_list_output(const Result<std::vector<RelayView>>& r, bool json);

// The dataplane section of `status`: text (a blank line, then aligned tables) and
// the value of its "dataplane" JSON key.
std::string dataplane_status_text(const DataplaneFacts& f);
std::string dataplane_status_json(const DataplaneFacts& f);

}  // namespace mg::control
