// Listening sockets per the IPv6 decision (SPEC.md §6).
//
// Cold path. With IPv6 networking on, one IPv6 socket on [::] that also serves IPv4
// through IPv4-mapped addresses (IPV6_V6ONLY off); where the platform refuses that
// (no IPv6 sockets, IPV6_V6ONLY cannot be cleared, or the dual bind fails), separate
// IPv4 and IPv6 sockets instead. With IPv6 off, one IPv4 socket on 0.0.0.0.
//
// The control daemon's own CLI is a Unix socket; these are for its IP endpoints
// (the ng protocol listener of a later issue). Peers seen on a dual-stack socket
// arrive as ::ffff:a.b.c.d; lists::Address::v6() turns them back into IPv4.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace mg::control {

struct Listeners {
    std::vector<int> fds;     // non-blocking, close-on-exec; the caller closes them
    bool dual_stack = false;  // one IPv6 socket serving IPv4 too
    std::string description;  // e.g. "[::]:2223 (IPv6, IPv4-mapped)"
};

struct ListenOptions {
    bool ipv6_on = false;
    int type = 0;                // SOCK_DGRAM or SOCK_STREAM
    uint16_t port = 0;           // 0: an ephemeral port (the same one on every socket)
    bool no_dual_stack = false;  // tests: behave as if IPV6_V6ONLY could not be cleared
};

// Errors (kIo): every socket that should exist could not be opened or bound; the
// message names the address and the reason. Nothing is left open on error.
Result<Listeners> open_listeners(const ListenOptions& opts);

}  // namespace mg::control
