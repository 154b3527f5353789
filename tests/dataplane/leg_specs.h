// Channel entries for the dataplane tests: addresses in wire form and leg specs.
#pragma once

#include <cstdint>
#include <cstring>

#include <gtest/gtest.h>

#include "dataplane/api/channel.h"
#include "dataplane/ip_addr.h"
#include "lists/address.h"

namespace mg::dataplane::test {

// An address in the channel's wire form (IPv4 as ::ffff:a.b.c.d).
inline api::Addr wire(const char* text) {
    auto a = lists::parse_address(text);
    EXPECT_TRUE(a.has_value()) << text;
    IpAddr ip = a ? IpAddr::from_address(*a) : IpAddr{};
    api::Addr r;
    std::memcpy(r.bytes, ip.bytes, 16);
    return r;
}

// A leg at local:port relaying to/from peer:peer_port (nullptr = any), paired with
// the leg at other:other_port; the owner tag is the port.
inline api::LegSpec leg_spec(const char* local,
                             uint16_t port,
                             const char* peer,
                             uint16_t peer_port,
                             const char* other,
                             uint16_t other_port,
                             uint8_t flags = 0) {
    api::LegSpec s;
    s.local = wire(local);
    s.local_port = port;
    if (peer != nullptr) {
        s.peer = wire(peer);
    }
    s.peer_port = peer_port;
    s.other_local = wire(other);
    s.other_port = other_port;
    s.flags = flags;
    s.owner_tag = port;
    return s;
}

}  // namespace mg::dataplane::test
