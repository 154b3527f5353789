#include "dataplane/packet_dp.h"

#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "lists/address.h"
#include "tests/dataplane/dpdk_env.h"

namespace mg::dataplane {
namespace {

using test::Bytes;
using test::UdpFrame;

const test::Mac kOurMac{0x02, 0, 0, 0, 0, 0x01};
const test::Mac kPeerMac{0x02, 0, 0, 0, 0, 0x10};

IpAddr addr(const char* text) {
    return IpAddr::from_address(*lists::parse_address(text));
}

class PacketTest : public testing::Test {
  protected:
    void SetUp() override { MG_REQUIRE_EAL(); }
    ParsedPacket parse(const Bytes& frame) {
        rte_mbuf* m = test::make_mbuf(frame);
        EXPECT_NE(m, nullptr);
        ParsedPacket p = parse_packet(m);
        rte_pktmbuf_free(m);
        return p;
    }
    DropReason drop_of(const Bytes& frame) {
        const ParsedPacket p = parse(frame);
        EXPECT_EQ(p.kind, PacketKind::kDrop);
        return p.drop;
    }
    // Re-sums the IPv4 header at l3 after a test changed it.
    static void fix_ipv4_checksum(Bytes& f, size_t l3 = 14) {
        f[l3 + 10] = 0;
        f[l3 + 11] = 0;
        const size_t ihl = (f[l3] & 0x0f) * 4u;
        const uint16_t c = test::ref_checksum(
            Bytes(f.begin() + static_cast<long>(l3), f.begin() + static_cast<long>(l3 + ihl)));
        f[l3 + 10] = static_cast<uint8_t>(c >> 8);
        f[l3 + 11] = static_cast<uint8_t>(c);
    }
};

TEST_F(PacketTest, Ipv4Udp) {
    UdpFrame f;
    f.pad_to = 60;
    const ParsedPacket p = parse(test::build_udp(f));
    ASSERT_EQ(p.kind, PacketKind::kUdp);
    EXPECT_TRUE(p.is_v4);
    EXPECT_EQ(p.vlan_tci, kNoVlan);
    EXPECT_EQ(p.l3_offset, 14);
    EXPECT_EQ(p.l4_offset, 34);
    EXPECT_EQ(p.payload_offset, 42);
    EXPECT_EQ(p.payload_length, 8);
    EXPECT_EQ(p.src_port, 4000);
    EXPECT_EQ(p.dst_port, 30000);
    EXPECT_EQ(p.ttl, 64);
    EXPECT_EQ(p.src, addr("192.0.2.10"));
    EXPECT_EQ(p.dst, addr("192.0.2.1"));
}

TEST_F(PacketTest, VlanTaggedIpv6Udp) {
    UdpFrame f;
    f.vlan_tci = 0x2064;  // PCP 1, VID 100
    f.src_ip = "2001:db8:1::10";
    f.dst_ip = "2001:db8:1::1";
    f.ttl = 2;
    const ParsedPacket p = parse(test::build_udp(f));
    ASSERT_EQ(p.kind, PacketKind::kUdp);
    EXPECT_FALSE(p.is_v4);
    EXPECT_EQ(p.vlan_tci, 0x2064);
    EXPECT_EQ(p.l3_offset, 18);
    EXPECT_EQ(p.l4_offset, 58);
    EXPECT_EQ(p.payload_offset, 66);
    EXPECT_EQ(p.ttl, 2);
    EXPECT_EQ(p.src, addr("2001:db8:1::10"));
    EXPECT_EQ(p.dst, addr("2001:db8:1::1"));
}

TEST_F(PacketTest, ArpAndNeighbourDiscoveryAreTheirOwnKinds) {
    const Bytes arp = test::arp_request(kPeerMac, "192.0.2.10", "192.0.2.1");
    EXPECT_EQ(parse(test::ethernet(kOurMac, kPeerMac, 0x0806, arp)).kind, PacketKind::kArp);
    EXPECT_EQ(parse(test::ethernet(kOurMac, kPeerMac, 0x0806, arp, 100)).kind, PacketKind::kArp);
    const Bytes ns =
        test::neighbour_message(135, "2001:db8:1::10", "ff02::1:ff00:1", "2001:db8:1::1");
    EXPECT_EQ(parse(test::ethernet(kOurMac, kPeerMac, 0x86dd, ns)).kind,
              PacketKind::kNeighbourSolicitation);
    const Bytes na =
        test::neighbour_message(136, "2001:db8:1::10", "2001:db8:1::1", "2001:db8:1::10");
    EXPECT_EQ(parse(test::ethernet(kOurMac, kPeerMac, 0x86dd, na)).kind,
              PacketKind::kNeighbourAdvertisement);
}

TEST_F(PacketTest, BadArpAndNeighbourDiscovery) {
    Bytes arp = test::arp_request(kPeerMac, "192.0.2.10", "192.0.2.1");
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x0806, Bytes(arp.begin(), arp.end() - 1))),
              DropReason::kBadArp);
    arp[1] = 6;  // hardware type IEEE 802
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x0806, arp)), DropReason::kBadArp);
    // An NS cut before its target address (payload length says 8 bytes).
    const Bytes short_ns =
        test::ipv6("2001:db8:1::10", "2001:db8:1::1", 58, Bytes{135, 0, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x86dd, short_ns)),
              DropReason::kBadNeighbourDiscovery);
    // An echo request is not ours to relay.
    const Bytes echo =
        test::ipv6("2001:db8:1::10", "2001:db8:1::1", 58, Bytes{128, 0, 0, 0, 0, 1, 0, 1});
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x86dd, echo)), DropReason::kNotUdp);
}

TEST_F(PacketTest, TruncatedOrUnsupportedEthernet) {
    const Bytes frame = test::build_udp(UdpFrame{});
    EXPECT_EQ(drop_of(Bytes(frame.begin(), frame.begin() + 13)), DropReason::kTruncatedEthernet);
    EXPECT_EQ(drop_of(Bytes{}), DropReason::kTruncatedEthernet);
    UdpFrame tagged;
    tagged.vlan_tci = 5;
    const Bytes vlan = test::build_udp(tagged);
    EXPECT_EQ(drop_of(Bytes(vlan.begin(), vlan.begin() + 16)), DropReason::kTruncatedEthernet);
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x88cc, Bytes(46, 0))),  // LLDP
              DropReason::kUnsupportedEthertype);
    // QinQ: an 802.1ad outer tag, or two 802.1Q tags.
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x88a8, Bytes(46, 0))),
              DropReason::kUnsupportedEthertype);
    Bytes inner = {0x00, 0x05, 0x08, 0x00};
    inner.insert(inner.end(), 42, 0);
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x8100, inner, 7)),
              DropReason::kUnsupportedEthertype);
}

TEST_F(PacketTest, BadIpv4Headers) {
    const Bytes good = test::build_udp(UdpFrame{});
    EXPECT_EQ(drop_of(Bytes(good.begin(), good.begin() + 14 + 19)), DropReason::kTruncatedIpv4);

    Bytes f = good;
    f[14] = 0x55;  // version 5
    fix_ipv4_checksum(f);
    EXPECT_EQ(drop_of(f), DropReason::kBadIpv4Version);

    f = good;
    f[14] = 0x44;  // IHL 4
    EXPECT_EQ(drop_of(f), DropReason::kBadIpv4Ihl);

    f = good;
    f[14] = 0x4f;  // IHL 15: 60 bytes of header, the frame ends before
    f.resize(std::max<size_t>(f.size(), 14 + 40), 0);
    EXPECT_EQ(drop_of(Bytes(f.begin(), f.begin() + 14 + 40)), DropReason::kTruncatedIpv4);

    f = good;
    f[17] = static_cast<uint8_t>(f[17] + 1);  // total length one past the frame
    fix_ipv4_checksum(f);
    EXPECT_EQ(drop_of(f), DropReason::kBadIpv4Length);

    f = good;
    f[16] = 0;
    f[17] = 19;  // total length below the header
    fix_ipv4_checksum(f);
    EXPECT_EQ(drop_of(f), DropReason::kBadIpv4Length);

    f = good;
    f[25] ^= 0x01;  // header checksum off by one bit
    EXPECT_EQ(drop_of(f), DropReason::kBadIpv4Checksum);
}

// A NIC with IPv4 checksum offload flags each frame: GOOD is trusted (not summed
// again), BAD dropped even when the header sums right; UNKNOWN and NONE (no
// offload: net_af_packet, net_ring) are summed here.
TEST_F(PacketTest, Ipv4ChecksumFlagsFromTheNic) {
    UdpFrame f;
    const Bytes good = test::build_udp(f);
    Bytes bad = good;
    bad[25] ^= 0x01;
    const auto parse_flagged = [](const Bytes& frame, uint64_t flags) {
        rte_mbuf* m = test::make_mbuf(frame);
        EXPECT_NE(m, nullptr);
        m->ol_flags = flags;
        const ParsedPacket p = parse_packet(m);
        rte_pktmbuf_free(m);
        return p;
    };
    EXPECT_EQ(parse_flagged(bad, RTE_MBUF_F_RX_IP_CKSUM_GOOD).kind, PacketKind::kUdp);
    const ParsedPacket refused = parse_flagged(good, RTE_MBUF_F_RX_IP_CKSUM_BAD);
    EXPECT_EQ(refused.kind, PacketKind::kDrop);
    EXPECT_EQ(refused.drop, DropReason::kBadIpv4Checksum);
    for (const uint64_t flags :
         {uint64_t{RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN}, uint64_t{RTE_MBUF_F_RX_IP_CKSUM_NONE}}) {
        EXPECT_EQ(parse_flagged(good, flags).kind, PacketKind::kUdp) << flags;
        EXPECT_EQ(parse_flagged(bad, flags).drop, DropReason::kBadIpv4Checksum) << flags;
    }
}

// The header check sums 32-bit words. Every single-bit error in the words
// checked after the version and lengths (bytes 4..19) is caught, and headers
// with many different contents and a right checksum pass, as with the 16-bit
// reference sum.
TEST_F(PacketTest, Ipv4ChecksumAgreesWithTheReference) {
    UdpFrame f;
    const Bytes good = test::build_udp(f);
    ASSERT_EQ(parse(good).kind, PacketKind::kUdp);
    for (size_t bit = 4 * 8; bit < 20 * 8; ++bit) {
        Bytes b = good;
        b[14 + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        ASSERT_EQ(drop_of(b), DropReason::kBadIpv4Checksum) << "bit " << bit;
    }
    uint32_t x = 0x9e3779b9;  // a fixed sequence of header contents
    for (int i = 0; i < 2000; ++i) {
        Bytes b = good;
        for (size_t at : {18u, 19u, 22u, 26u, 27u, 28u, 29u, 30u, 31u, 32u, 33u}) {
            x = x * 1664525u + 1013904223u;
            b[at] = static_cast<uint8_t>(x >> 24);  // id, TTL, addresses
        }
        b[22] = static_cast<uint8_t>(b[22] | 2);  // TTL >= 2
        fix_ipv4_checksum(b);
        ASSERT_EQ(test::ref_checksum(Bytes(b.begin() + 14, b.begin() + 34)), 0);
        ASSERT_EQ(parse(b).kind, PacketKind::kUdp) << "header " << i;
    }
}

TEST_F(PacketTest, Ipv4FragmentsAndOptions) {
    UdpFrame f;
    f.ipv4_frag = 0x2000;  // MF: first fragment
    EXPECT_EQ(drop_of(test::build_udp(f)), DropReason::kIpv4Fragment);
    f.ipv4_frag = 0x0010;  // a later fragment (offset 128)
    EXPECT_EQ(drop_of(test::build_udp(f)), DropReason::kIpv4Fragment);
    f.ipv4_frag = 0x0000;  // not a fragment, DF clear: fine
    EXPECT_EQ(parse(test::build_udp(f)).kind, PacketKind::kUdp);

    // IHL 6 with a 4-byte option (NOP x3, EOL) and a correct checksum.
    const Bytes udp{0x0f, 0xa0, 0x75, 0x30, 0x00, 0x08, 0x00, 0x00};
    const Bytes ip = test::ipv4("192.0.2.10", "192.0.2.1", 17, udp, 64, Bytes{1, 1, 1, 0});
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x0800, ip)), DropReason::kIpv4Options);
}

TEST_F(PacketTest, BadIpv6Headers) {
    UdpFrame f;
    f.src_ip = "2001:db8:1::10";
    f.dst_ip = "2001:db8:1::1";
    const Bytes good = test::build_udp(f);
    EXPECT_EQ(drop_of(Bytes(good.begin(), good.begin() + 14 + 39)), DropReason::kTruncatedIpv6);
    Bytes b = good;
    b[14] = 0x40;  // version 4 behind an IPv6 ethertype
    EXPECT_EQ(drop_of(b), DropReason::kBadIpv6Header);
    b = good;
    b[19] = static_cast<uint8_t>(b[19] + 1);  // payload length past the frame
    EXPECT_EQ(drop_of(b), DropReason::kBadIpv6Header);
    b = good;
    b[18] = 0;
    b[19] = 0;  // jumbogram marker without its option
    EXPECT_EQ(drop_of(b), DropReason::kBadIpv6Header);
}

TEST_F(PacketTest, Ipv6ExtensionHeaders) {
    for (uint8_t next : {0, 43, 44, 50, 51, 60, 135}) {
        const Bytes ext{17, 0, 0, 0, 0, 0, 0, 0};
        const Bytes ip = test::ipv6("2001:db8:1::10", "2001:db8:1::1", next, ext);
        EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x86dd, ip)),
                  DropReason::kIpv6ExtensionHeader)
            << "next header " << int{next};
    }
}

// The TTL / hop limit is the relay's to judge once it knows the packet is for a
// leg (forward_burst): UDP of the host's own may come with TTL 1 (LLMNR).
TEST_F(PacketTest, TtlAndHopLimitAreReportedNotJudged) {
    UdpFrame f;
    for (const uint8_t ttl : {uint8_t{1}, uint8_t{0}, uint8_t{255}}) {
        f.ttl = ttl;
        const ParsedPacket p = parse(test::build_udp(f));
        EXPECT_EQ(p.kind, PacketKind::kUdp);
        EXPECT_EQ(p.ttl, ttl);
    }
    f.ttl = 1;
    f.src_ip = "2001:db8:1::10";
    f.dst_ip = "2001:db8:1::1";
    const ParsedPacket p6 = parse(test::build_udp(f));
    EXPECT_EQ(p6.kind, PacketKind::kUdp);
    EXPECT_EQ(p6.ttl, 1);
}

TEST_F(PacketTest, NotUdp) {
    const Bytes tcp(20, 0);
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x0800,
                                     test::ipv4("192.0.2.10", "192.0.2.1", 6, tcp))),
              DropReason::kNotUdp);
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x0800,
                                     test::ipv4("192.0.2.10", "192.0.2.1", 1, Bytes(8, 0)))),
              DropReason::kNotUdp);
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x86dd,
                                     test::ipv6("2001:db8:1::10", "2001:db8:1::1", 6, tcp))),
              DropReason::kNotUdp);
}

TEST_F(PacketTest, BadUdp) {
    // IPv4 datagram too short for a UDP header.
    EXPECT_EQ(drop_of(test::ethernet(kOurMac, kPeerMac, 0x0800,
                                     test::ipv4("192.0.2.10", "192.0.2.1", 17, Bytes(4, 0)))),
              DropReason::kBadUdpLength);
    // UDP length disagreeing with IP, both ways.
    Bytes f = test::build_udp(UdpFrame{});
    f[38] = 0;
    f[39] = 15;  // 16 in the frame
    EXPECT_EQ(drop_of(f), DropReason::kBadUdpLength);
    f[39] = 17;
    EXPECT_EQ(drop_of(f), DropReason::kBadUdpLength);
    f[39] = 7;
    EXPECT_EQ(drop_of(f), DropReason::kBadUdpLength);
    // IPv6 UDP without a checksum.
    UdpFrame v6;
    v6.src_ip = "2001:db8:1::10";
    v6.dst_ip = "2001:db8:1::1";
    v6.zero_udp_checksum = true;
    EXPECT_EQ(drop_of(test::build_udp(v6)), DropReason::kBadUdpChecksum);
    // IPv4 UDP without a checksum is fine.
    UdpFrame v4;
    v4.zero_udp_checksum = true;
    EXPECT_EQ(parse(test::build_udp(v4)).kind, PacketKind::kUdp);
}

TEST_F(PacketTest, HeadersSplitAcrossSegmentsAreTruncated) {
    const Bytes frame = test::build_udp(UdpFrame{});
    rte_mbuf* head = test::make_mbuf(Bytes(frame.begin(), frame.begin() + 30));
    rte_mbuf* tail = test::make_mbuf(Bytes(frame.begin() + 30, frame.end()));
    ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
    const ParsedPacket p = parse_packet(head);
    EXPECT_EQ(p.kind, PacketKind::kDrop);
    EXPECT_EQ(p.drop, DropReason::kTruncatedIpv4);
    rte_pktmbuf_free(head);
}

TEST(DropReason, EveryReasonHasAUniqueName) {
    std::set<std::string> names;
    for (unsigned i = 0; i < kDropReasonCount; ++i) {
        const std::string name = drop_reason_name(static_cast<DropReason>(i));
        EXPECT_NE(name, "unknown");
        EXPECT_TRUE(names.insert(name).second) << name;
    }
}

}  // namespace
}  // namespace mg::dataplane
