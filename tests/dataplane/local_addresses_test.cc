// WireMask::same_prefix() (two masked 64-bit compares) against a bit-by-bit
// reference, and next_hop()'s choice between the peer, a route and the gateway
// (on a LocalAddressTable entry: add() sets the masks).
#include <random>

#include <gtest/gtest.h>

#include "dataplane/local_addresses.h"
#include "dataplane/snapshot.h"
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

TEST(WireMask, AgreesWithTheReferenceForEveryLength) {
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
            const WireMask m = WireMask::of_length(len);
            EXPECT_EQ(m.same_prefix(a, p), reference_in_prefix(a, p, len)) << len << " " << bit;
            EXPECT_TRUE(m.same_prefix(a, a));
        }
    }
}

TEST(NextHop, PeerOnLinkThenLongestRouteThenGateway) {
    LocalAddress l;
    l.addr = ip("192.0.2.1");
    l.prefix_len = 96 + 24;
    l.gateway = ip("192.0.2.254");
    l.routes[0] = Route{ip("198.51.100.128"), 96 + 25, ip("192.0.2.253"), {}};
    l.routes[1] = Route{ip("198.51.100.0"), 96 + 24, ip("192.0.2.252"), {}};
    l.route_count = 2;
    LocalAddressTable table;
    ASSERT_EQ(table.add(l), 0);
    const LocalAddress& e = table.at(0);
    EXPECT_EQ(e.next_hop(ip("192.0.2.77")), ip("192.0.2.77"));
    EXPECT_EQ(e.next_hop(ip("198.51.100.200")), ip("192.0.2.253"));
    EXPECT_EQ(e.next_hop(ip("198.51.100.5")), ip("192.0.2.252"));
    EXPECT_EQ(e.next_hop(ip("203.0.113.5")), ip("192.0.2.254"));
    EXPECT_TRUE(e.v4);
    EXPECT_EQ(e.addr_sum, csum_addr(l.addr));

    l.addr = ip("192.0.2.2");
    l.gateway = IpAddr{};
    ASSERT_EQ(table.add(l), 1);
    EXPECT_EQ(table.at(1).next_hop(ip("203.0.113.5")), ip("203.0.113.5"));
    EXPECT_EQ(table.find(ip("192.0.2.2")), 1);
    EXPECT_EQ(table.find(ip("192.0.2.3")), -1);
}

// The masks are set by LocalAddressTable::add(): asking a LocalAddress of one's
// own would answer from zero masks (everything on link). Debug builds stop it.
TEST(NextHopDeathTest, OnlyOnTableEntries) {
    LocalAddress l;
    l.addr = ip("192.0.2.1");
    l.prefix_len = 96 + 24;
    EXPECT_DEBUG_DEATH((void)l.on_link(ip("203.0.113.5")), "prepared");
}

TEST(NextHop, Ipv6OnLinkAndGateway) {
    LocalAddress l;
    l.addr = ip("2001:db8:1::1");
    l.prefix_len = 64;
    l.gateway = ip("2001:db8:1::fe");
    LocalAddressTable table;
    ASSERT_EQ(table.add(l), 0);
    const LocalAddress& e = table.at(0);
    EXPECT_FALSE(e.v4);
    EXPECT_EQ(e.next_hop(ip("2001:db8:1::77")), ip("2001:db8:1::77"));
    EXPECT_EQ(e.next_hop(ip("2001:db8:1:0:ffff::1")), ip("2001:db8:1:0:ffff::1"));
    EXPECT_EQ(e.next_hop(ip("2001:db8:2::5")), ip("2001:db8:1::fe"));
}

rte_ether_addr mac(uint8_t last) {
    return rte_ether_addr{{0x02, 0, 0, 0, 0, last}};
}

bool same_mac(const rte_ether_addr* a, const rte_ether_addr& b) {
    return a != nullptr && rte_is_same_ether_addr(a, &b);
}

// next_hop_mac(): the next hop's MAC from the NeighbourMap, except the
// gateway's once cache_gateway_macs() took it from that map (what the packet
// path asks for every relayed packet to an off-link peer).
TEST(NextHopMac, TheGatewaysMacIsTakenFromTheMapAndCached) {
    LocalAddress l;
    l.addr = ip("192.0.2.1");
    l.prefix_len = 96 + 24;
    l.gateway = ip("192.0.2.254");
    l.routes[0] = Route{ip("198.51.100.0"), 96 + 24, ip("192.0.2.253"), {}};
    l.route_count = 1;
    LocalAddressTable table;
    ASSERT_EQ(table.add(l), 0);
    l.addr = ip("192.0.2.2");
    l.gateway = IpAddr{};  // none: off-link peers are asked for themselves
    l.route_count = 0;
    ASSERT_EQ(table.add(l), 1);
    NeighbourMap map;
    ASSERT_TRUE(map.add({ip("192.0.2.254"), 0}, mac(0xfe)));
    ASSERT_TRUE(map.add({ip("192.0.2.253"), 0}, mac(0xfd)));
    ASSERT_TRUE(map.add({ip("192.0.2.10"), 0}, mac(0x10)));

    for (const bool cached : {false, true}) {
        SCOPED_TRACE(cached ? "cached" : "not cached");
        if (cached) {
            table.cache_gateway_macs(map);
        }
        const LocalAddress& e = table.at(0);
        EXPECT_EQ(e.gateway_mac_state, cached ? LocalAddress::GatewayMac::kKnown
                                              : LocalAddress::GatewayMac::kNotCached);
        const IpAddr* hop = nullptr;
        EXPECT_TRUE(same_mac(e.next_hop_mac(ip("203.0.113.5"), map, hop), mac(0xfe)));
        EXPECT_EQ(*hop, ip("192.0.2.254"));
        EXPECT_TRUE(same_mac(e.next_hop_mac(ip("198.51.100.7"), map, hop), mac(0xfd)));
        EXPECT_EQ(*hop, ip("192.0.2.253"));
        // A peer that is its own next hop: `hop` points at the peer, so it lives here.
        const IpAddr on_link = ip("192.0.2.11");
        const IpAddr off_link = ip("203.0.113.5");
        EXPECT_TRUE(same_mac(e.next_hop_mac(ip("192.0.2.10"), map, hop), mac(0x10)));
        EXPECT_EQ(e.next_hop_mac(on_link, map, hop), nullptr);
        EXPECT_EQ(hop, &on_link);
        EXPECT_EQ(table.at(1).next_hop_mac(off_link, map, hop), nullptr);
        EXPECT_EQ(hop, &off_link);
    }
    // Cached, the gateway's MAC is the table's own copy: it is not looked up.
    const IpAddr* hop = nullptr;
    EXPECT_EQ(table.at(0).next_hop_mac(ip("203.0.113.5"), NeighbourMap{}, hop),
              &table.at(0).gateway_mac);
    EXPECT_EQ(table.at(1).gateway_mac_state, LocalAddress::GatewayMac::kUnknown);

    // A map without the gateway: unknown, and the gateway is the hop to resolve.
    NeighbourMap without;
    ASSERT_TRUE(without.add({ip("192.0.2.10"), 0}, mac(0x10)));
    table.cache_gateway_macs(without);
    EXPECT_EQ(table.at(0).next_hop_mac(ip("203.0.113.5"), without, hop), nullptr);
    EXPECT_EQ(*hop, ip("192.0.2.254"));
    EXPECT_TRUE(same_mac(table.at(0).next_hop_mac(ip("192.0.2.10"), without, hop), mac(0x10)));
}

// Every snapshot SnapshotPublisher publishes carries the gateway MACs of its own
// NeighbourMap, the first one included: a copy of an older snapshot with new
// neighbours cannot keep a stale MAC.
TEST(NextHopMac, EverySnapshotPublishedCachesItsOwnGatewayMacs) {
    auto first = std::make_unique<Snapshot>();
    LocalAddress l;
    l.addr = ip("192.0.2.1");
    l.prefix_len = 96 + 24;
    l.gateway = ip("192.0.2.254");
    ASSERT_EQ(first->locals.add(l), 0);
    ASSERT_TRUE(first->neighbours.add({ip("192.0.2.254"), 0}, mac(0xfe)));
    SnapshotPublisher publisher(std::move(first));
    EXPECT_TRUE(same_mac(&publisher.latest().locals.at(0).gateway_mac, mac(0xfe)));
    EXPECT_EQ(publisher.latest().locals.at(0).gateway_mac_state,
              LocalAddress::GatewayMac::kKnown);

    auto moved = std::make_unique<Snapshot>(publisher.latest());
    moved->neighbours = NeighbourMap{};
    ASSERT_TRUE(moved->neighbours.add({ip("192.0.2.254"), 0}, mac(0xee)));
    publisher.publish(std::move(moved));
    EXPECT_TRUE(same_mac(&publisher.latest().locals.at(0).gateway_mac, mac(0xee)));

    auto gone = std::make_unique<Snapshot>(publisher.latest());
    gone->neighbours = NeighbourMap{};
    publisher.publish(std::move(gone));
    EXPECT_EQ(publisher.latest().locals.at(0).gateway_mac_state,
              LocalAddress::GatewayMac::kUnknown);
    const IpAddr* hop = nullptr;
    EXPECT_EQ(publisher.latest().locals.at(0).next_hop_mac(ip("203.0.113.5"),
                                                           publisher.latest().neighbours, hop),
              nullptr);
}

// Neighbours are per link: two ports whose IPv6 gateway is the same link-local
// fe80::1 (a router on each link) each reach their own router, cached or not.
TEST(NextHopMac, TheSameAddressOnTwoLinksIsTwoNeighbours) {
    LocalAddressTable table;
    for (uint16_t port : {0, 1}) {
        LocalAddress l;
        l.addr = ip(port == 0 ? "2001:db8:1::1" : "2001:db8:2::1");
        l.prefix_len = 64;
        l.port_id = port;
        l.gateway = ip("fe80::1");
        ASSERT_EQ(table.add(l), port);
    }
    NeighbourMap map;
    ASSERT_TRUE(map.add({ip("fe80::1"), 0}, mac(0xa0)));
    ASSERT_TRUE(map.add({ip("fe80::1"), 1}, mac(0xa1)));
    ASSERT_TRUE(map.add({ip("2001:db8:1::10"), 1}, mac(0x10)));  // known on the wrong link
    EXPECT_EQ(map.size(), 3u);
    EXPECT_TRUE(same_mac(map.find(ip("fe80::1"), 0), mac(0xa0)));
    EXPECT_TRUE(same_mac(map.find(ip("fe80::1"), 1), mac(0xa1)));
    EXPECT_EQ(map.find(ip("fe80::1"), 2), nullptr);

    for (const bool cached : {false, true}) {
        SCOPED_TRACE(cached ? "cached" : "not cached");
        if (cached) {
            table.cache_gateway_macs(map);
        }
        const IpAddr* hop = nullptr;
        EXPECT_TRUE(same_mac(table.at(0).next_hop_mac(ip("2001:db8:9::5"), map, hop), mac(0xa0)));
        EXPECT_TRUE(same_mac(table.at(1).next_hop_mac(ip("2001:db8:9::5"), map, hop), mac(0xa1)));
        // On link for port 0, known only on port 1: not a neighbour of port 0. (The
        // hop is the peer itself: the peer must outlive it.)
        const IpAddr on_link = ip("2001:db8:1::10");
        EXPECT_EQ(table.at(0).next_hop_mac(on_link, map, hop), nullptr);
        EXPECT_EQ(*hop, on_link);
    }
}

}  // namespace
}  // namespace mg::dataplane
