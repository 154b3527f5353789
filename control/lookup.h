// DNS look-ups as mediagatectl commands: `resolve TYPE NAME` and `rbl ZONE ADDR`.
//
// Cold path. Shared by the in-process form (mediagatectl ... --local) and the
// daemon, so both validate the same way and print exactly the same output.
// Output: one record per line, RDATA in presentation form and " ttl=N"; rbl prints
// "listed 127.0.0.X ttl=N" per A record then "reason \"TEXT\" ttl=N" per TXT record,
// or "not listed". --json: one object (see docs/cli.md).
// Exit: 0 answer / listed, 1 unknown host / not listed, 2 no response or server
// failure.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "control/command_output.h"
#include "lists/address.h"
#include "resolver/dns_message.h"
#include "resolver/resolver.h"

namespace mg::control {

struct LookupRequest {
    bool rbl = false;
    resolver::RrType type = resolver::RrType::kA;  // resolve only
    std::string name;                              // resolve: as given
    std::string qname;                             // the name asked in DNS
    std::string zone;                              // rbl only
    lists::Address addr;                           // rbl, and resolve PTR
};

// Validate the command's two positional arguments. The error message is the usage
// complaint (exit 64), without the "mediagatectl: resolve: " prefix.
Result<LookupRequest> parse_resolve_request(const std::string& type_text, const std::string& name);
Result<LookupRequest> parse_rbl_request(const std::string& zone, const std::string& addr_text);

// Runs the look-up on `r` (an rbl asks the TXT reason too when listed) and calls
// `done` once, from r's loop, with the rendered output. `r` must outlive the call.
void run_lookup(resolver::Resolver& r,
                const LookupRequest& req,
                bool json,
                std::function<void(CommandOutput)> done);

}  // namespace mg::control
