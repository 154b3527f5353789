// in_prefix() (two masked 64-bit compares) against a bit-by-bit reference, and
// next_hop()'s choice between the peer, a route and the gateway.
#include <random>

#include <gtest/gtest.h>

#include "dataplane/local_addresses.h"
#include "lists/address.h"

namespace mg::dataplane {
namespace {

bool reference_in_prefix(const IpAddr& a, const IpAddr& p, unsigned len) {
    for (unsigned bit = 0; bit < len; ++bit) {
        const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
        if ((a.bytes[bit / 8] & mask) != (p.bytes[bit / 8] & mask)) {
            return false;
        }
    }
    return true;
}

IpAddr ip(const char* text) {
    return IpAddr::from_address(*lists::parse_address(text));
}

TEST(InPrefix, AgreesWithTheReferenceForEveryLength) {
    std::mt19937_64 rng(7);
    for (unsigned len = 0; len <= 128; ++len) {
        for (int trial = 0; trial < 200; ++trial) {
            IpAddr a;
            IpAddr p;
            for (auto& b : a.bytes) b = static_cast<uint8_t>(rng());
            p = a;
            // Flip one random bit of p: inside or outside the prefix.
            const unsigned bit = static_cast<unsigned>(rng() % 128);
            p.bytes[bit / 8] = static_cast<uint8_t>(p.bytes[bit / 8] ^ (0x80u >> (bit % 8)));
            EXPECT_EQ(in_prefix(a, p, len), reference_in_prefix(a, p, len)) << len << " " << bit;
            EXPECT_TRUE(in_prefix(a, a, len));
        }
    }
}

TEST(NextHop, PeerOnLinkThenLongestRouteThenGateway) {
    LocalAddress l;
    l.addr = ip("192.0.2.1");
    l.prefix_len = 96 + 24;
    l.gateway = ip("192.0.2.254");
    l.routes[0] = Route{ip("198.51.100.128"), 96 + 25, ip("192.0.2.253")};
    l.routes[1] = Route{ip("198.51.100.0"), 96 + 24, ip("192.0.2.252")};
    l.route_count = 2;
    EXPECT_EQ(l.next_hop(ip("192.0.2.77")), ip("192.0.2.77"));
    EXPECT_EQ(l.next_hop(ip("198.51.100.200")), ip("192.0.2.253"));
    EXPECT_EQ(l.next_hop(ip("198.51.100.5")), ip("192.0.2.252"));
    EXPECT_EQ(l.next_hop(ip("203.0.113.5")), ip("192.0.2.254"));
    l.gateway = IpAddr{};
    EXPECT_EQ(l.next_hop(ip("203.0.113.5")), ip("203.0.113.5"));
}

}  // namespace
}  // namespace mg::dataplane
