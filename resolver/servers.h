// DNS server addresses: parsing "ADDR", "ADDR:PORT", "[V6]:PORT" and reading the
// nameserver lines of a resolv.conf (SPEC.md §5).
//
// Cold path, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lists/address.h"

#include <netinet/in.h>
#include <sys/socket.h>

namespace mg::resolver {

inline constexpr uint16_t kDnsPort = 53;

struct ServerAddr {
    lists::Address addr;  // an IPv4-mapped IPv6 text becomes IPv4
    uint16_t port = kDnsPort;

    // A sockaddr_in or sockaddr_in6 for connect()/sendto(); returns its length.
    socklen_t to_sockaddr(sockaddr_storage& out) const;
    int family() const { return addr.is_v4() ? AF_INET : AF_INET6; }
    // "192.0.2.1:53", "[2001:db8::1]:53".
    std::string to_string() const;

    friend bool operator==(const ServerAddr&, const ServerAddr&) = default;
};

// The source of a datagram as a ServerAddr (IPv4-mapped sources become IPv4). False
// for a family other than AF_INET/AF_INET6.
bool from_sockaddr(const sockaddr_storage& sa, ServerAddr& out);

// "192.0.2.1", "192.0.2.1:5353", "2001:db8::1" (no port), "[2001:db8::1]",
// "[2001:db8::1]:5353". Errors (kInvalidInput, naming the text): empty, a bad
// address, a missing, non-numeric or out-of-range (0, > 65535) port, stray brackets.
Result<ServerAddr> parse_server(std::string_view text);

// The "nameserver ADDR" lines of a resolv.conf, in order. Comments ('#' or ';' to
// the end of the line), other keywords (options, search, domain, sortlist) and
// nameserver lines with an unusable address (e.g. a zone index "fe80::1%eth0") are
// skipped. Port 53 always (resolv.conf has no port syntax). A missing or unreadable
// file, or one without usable nameservers, gives {127.0.0.1:53}.
std::vector<ServerAddr> read_resolv_conf(const std::string& path = "/etc/resolv.conf");

}  // namespace mg::resolver
