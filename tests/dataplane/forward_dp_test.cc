#include "dataplane/forward_dp.h"

#include <vector>

#include <gtest/gtest.h>

#include "lists/address.h"
#include "tests/dataplane/dpdk_env.h"

namespace mg::dataplane {
namespace {

using test::Bytes;
using test::Mac;
using test::UdpFrame;

const Mac kLanMac{0x02, 0, 0, 0, 0, 0x01};  // our MAC on DPDK port 0
const Mac kWanMac{0x02, 0, 0, 0, 0, 0x02};  // our MAC on DPDK port 1
const Mac kLanGateway{0x02, 0, 0, 0, 0, 0xfe};
const Mac kWanGateway{0x02, 0, 0, 0, 0, 0xfd};
const Mac kLanHost{0x02, 0, 0, 0, 0, 0x10};   // 192.0.2.10 (neighbour)
const Mac kLanHost6{0x02, 0, 0, 0, 0, 0x11};  // 2001:db8:1::10 (neighbour)
constexpr uint16_t kWanVlan = 0x0064;         // VID 100 on the 198.51.100.1 address
constexpr uint64_t kNow = 123456789;

// Local address indexes of the fixture.
constexpr uint16_t kLan4 = 0;  // 192.0.2.1, port 0, gateway kLanGateway
constexpr uint16_t kLan6 = 1;  // 2001:db8:1::1, port 0, no gateway
constexpr uint16_t kWan4 = 2;  // 198.51.100.1, port 1, VLAN 100, gateway kWanGateway
constexpr uint16_t kWan6 = 3;  // 2001:db8:2::1, port 1, gateway kWanGateway

IpAddr addr(const char* text) {
    return IpAddr::from_address(*lists::parse_address(text));
}
rte_ether_addr ether(const Mac& m) {
    rte_ether_addr e;
    std::copy(m.begin(), m.end(), e.addr_bytes);
    return e;
}

struct LegSpec {
    uint16_t index;
    uint16_t port;
    const char* peer;  // "" = unknown
    uint16_t peer_port;
    uint8_t flags = 0;
    uint8_t dscp = kKeepDscp;
};

struct Outcome {
    std::vector<Bytes> tx;
    std::vector<uint16_t> tx_port;
    std::vector<DropReason> drops;
    std::vector<Bytes> exceptions;
    std::vector<Bytes> host;
    std::vector<NeighbourMiss> misses;
};

class ForwardTest : public testing::Test {
  protected:
    void SetUp() override {
        MG_REQUIRE_EAL();
        add_local("192.0.2.1", 120, 0, kNoVlan, kLanMac, "192.0.2.254");
        add_local("2001:db8:1::1", 64, 0, kNoVlan, kLanMac, nullptr);
        add_local("198.51.100.1", 120, 1, kWanVlan, kWanMac, "198.51.100.254");
        add_local("2001:db8:2::1", 64, 1, kNoVlan, kWanMac, "2001:db8:2::fe");
        ASSERT_TRUE(neighbours_.add({addr("192.0.2.10"), 0}, ether(kLanHost)));
        ASSERT_TRUE(neighbours_.add({addr("2001:db8:1::10"), 0}, ether(kLanHost6)));
        ASSERT_TRUE(neighbours_.add({addr("192.0.2.254"), 0}, ether(kLanGateway)));
        ASSERT_TRUE(neighbours_.add({addr("198.51.100.254"), 1}, ether(kWanGateway)));
        ASSERT_TRUE(neighbours_.add({addr("2001:db8:2::fe"), 1}, ether(kWanGateway)));
        ctx_.relays = &relays_;
        ctx_.locals = &locals_;
        ctx_.neighbours = &neighbours_;
    }

    void add_local(const char* a,
                   uint8_t prefix_len,
                   uint16_t port,
                   uint16_t vlan,
                   const Mac& mac,
                   const char* gateway) {
        LocalAddress l;
        l.addr = addr(a);
        l.prefix_len = prefix_len;
        l.port_id = port;
        l.vlan_tci = vlan;
        l.mac = ether(mac);
        if (gateway != nullptr) {
            l.gateway = addr(gateway);
        }
        ASSERT_GE(locals_.add(l), 0);
    }

    void add_pair(const LegSpec& a, const LegSpec& b) {
        for (const auto& [self, other] : {std::pair{a, b}, std::pair{b, a}}) {
            Leg leg;
            leg.local_addr_index = self.index;
            leg.local_port = self.port;
            if (self.peer[0] != '\0') {
                leg.peer = addr(self.peer);
            }
            leg.peer_port = self.peer_port;
            leg.other_addr_index = other.index;
            leg.other_port = other.port;
            leg.flags = self.flags;
            leg.dscp = self.dscp;
            leg.owner_tag = self.port;
            ASSERT_TRUE(relays_.add(leg).ok());
        }
    }

    // rx_ports[i]: the DPDK port frames[i] arrived on (default: all on port 0).
    Outcome run(const std::vector<Bytes>& frames,
                int headroom = -1,
                const std::vector<uint16_t>& rx_ports = {}) {
        std::vector<rte_mbuf*> in;
        for (const Bytes& f : frames) {
            in.push_back(test::make_mbuf(f, headroom));
            in.back()->port = rx_ports.empty() ? 0 : rx_ports[in.size() - 1];
        }
        const BurstResult r =
            forward_burst(ctx_, counters_, in.data(), static_cast<uint16_t>(in.size()), now_);
        EXPECT_EQ(r.tx_count + r.drop_count + r.exception_count + r.host_count, in.size());
        Outcome o;
        for (uint16_t i = 0; i < r.tx_count; ++i) {
            o.tx.push_back(test::mbuf_bytes(r.tx[i]));
            o.tx_port.push_back(r.tx[i]->port);
        }
        for (uint16_t i = 0; i < r.drop_count; ++i) {
            o.drops.push_back(r.drop_reason[i]);
        }
        for (uint16_t i = 0; i < r.exception_count; ++i) {
            o.exceptions.push_back(test::mbuf_bytes(r.exception[i]));
        }
        for (uint16_t i = 0; i < r.host_count; ++i) {
            o.host.push_back(test::mbuf_bytes(r.host[i]));
            EXPECT_EQ(r.host[i]->port, 0u);  // only port 0 has a TAP in these tests
        }
        o.misses.assign(r.miss, r.miss + r.miss_count);
        rte_pktmbuf_free_bulk(in.data(), static_cast<unsigned>(in.size()));
        return o;
    }

    // One frame in, expecting it relayed as `expected` on DPDK port `port`.
    void expect_relayed(const Bytes& in, const Bytes& expected, uint16_t port) {
        const Outcome o = run({in});
        ASSERT_EQ(o.tx.size(), 1u)
            << "dropped as " << (o.drops.empty() ? "-" : drop_reason_name(o.drops[0]));
        EXPECT_EQ(o.tx[0], expected);
        EXPECT_EQ(o.tx_port[0], port);
        const size_t l3 = o.tx[0][12] == 0x81 ? 18 : 14;
        if ((o.tx[0][l3] >> 4) == 4) {
            EXPECT_TRUE(test::ipv4_header_ok(o.tx[0], l3));
        }
        EXPECT_TRUE(test::udp_checksum_ok(o.tx[0], l3));
    }

    DropReason expect_dropped(const Bytes& in) {
        const Outcome o = run({in});
        EXPECT_TRUE(o.tx.empty());
        return o.drops.size() == 1 ? o.drops[0] : DropReason::kCount;
    }

    RelayTable relays_{LocalAddressTable::kMaxAddresses, 1000};
    LocalAddressTable locals_;
    NeighbourMap neighbours_;
    ForwardContext ctx_;
    WorkerCounters counters_;
    uint64_t now_ = kNow;
};

// 192.0.2.10:4000 -> [192.0.2.1:30000 | 198.51.100.1:30002] -> 203.0.113.5:5000.
class Ipv4PairTest : public ForwardTest {
  protected:
    void SetUp() override {
        ForwardTest::SetUp();
        if (!IsSkipped()) {
            add_pair({kLan4, 30000, "192.0.2.10", 4000},
                     {kWan4, 30002, "203.0.113.5", 5000, 0, 46});
        }
    }
    static UdpFrame lan_in() {
        UdpFrame f;
        f.ipv4_id = 0x1234;
        f.tclass = 0x01;  // ECN ECT(1), kept
        f.pad_to = 60;    // Ethernet minimum: padding is trimmed on the way out
        return f;
    }
    static UdpFrame wan_out() {
        UdpFrame f = lan_in();
        f.dst_mac = kWanGateway;
        f.src_mac = kWanMac;
        f.vlan_tci = kWanVlan;
        f.src_ip = "198.51.100.1";
        f.dst_ip = "203.0.113.5";
        f.src_port = 30002;
        f.dst_port = 5000;
        f.ttl = 63;
        f.tclass = (46 << 2) | 0x01;
        f.pad_to = 0;
        return f;
    }
};

TEST_F(Ipv4PairTest, RelaysLanToWanWithVlanAndDscp) {
    expect_relayed(test::build_udp(lan_in()), test::build_udp(wan_out()), 1);
    EXPECT_EQ(counters_.relayed, 1u);
    EXPECT_EQ(counters_.dropped(), 0u);
}

// In a published snapshot the gateways' MACs are cached in the local address
// table (SnapshotPublisher, snapshot.h): a packet to an off-link peer takes it
// from there, and an unknown one is a miss for the gateway.
TEST_F(Ipv4PairTest, TheGatewayMacCachedForTheSnapshotIsUsed) {
    locals_.cache_gateway_macs(neighbours_);
    const NeighbourMap empty;
    ctx_.neighbours = &empty;  // nothing to look up: the cached MAC is what is used
    expect_relayed(test::build_udp(lan_in()), test::build_udp(wan_out()), 1);

    NeighbourMap without_wan_gateway;
    ASSERT_TRUE(without_wan_gateway.add({addr("192.0.2.254"), 0}, ether(kLanGateway)));
    locals_.cache_gateway_macs(without_wan_gateway);
    ctx_.neighbours = &without_wan_gateway;
    const Outcome o = run({test::build_udp(lan_in())});
    EXPECT_EQ(o.drops, std::vector<DropReason>{DropReason::kNoNeighbour});
    ASSERT_EQ(o.misses.size(), 1u);
    EXPECT_EQ(o.misses[0].next_hop, addr("198.51.100.254"));
    EXPECT_EQ(o.misses[0].local_addr_index, kWan4);
}

TEST_F(Ipv4PairTest, RelaysWanToLanDroppingTheTag) {
    UdpFrame in;
    in.vlan_tci = kWanVlan;
    in.dst_mac = kWanMac;
    in.src_ip = "203.0.113.5";
    in.dst_ip = "198.51.100.1";
    in.src_port = 5000;
    in.dst_port = 30002;
    in.tclass = 0xb8;
    in.ttl = 50;
    UdpFrame out = in;
    out.vlan_tci.reset();
    out.dst_mac = kLanHost;  // from the neighbour map
    out.src_mac = kLanMac;
    out.src_ip = "192.0.2.1";
    out.dst_ip = "192.0.2.10";
    out.src_port = 30000;
    out.dst_port = 4000;
    out.ttl = 49;  // the LAN leg keeps DSCP
    expect_relayed(test::build_udp(in), test::build_udp(out), 0);
}

TEST_F(Ipv4PairTest, ZeroUdpChecksumStaysZero) {
    UdpFrame in = lan_in();
    in.zero_udp_checksum = true;
    UdpFrame out = wan_out();
    out.zero_udp_checksum = true;
    const Bytes expected = test::build_udp(out);
    expect_relayed(test::build_udp(in), expected, 1);
    EXPECT_EQ(expected[18 + 20 + 6], 0);
    EXPECT_EQ(expected[18 + 20 + 7], 0);
}

TEST_F(Ipv4PairTest, ChecksumsHoldForEveryPayload) {
    for (size_t len = 0; len < 64; ++len) {
        UdpFrame in = lan_in();
        in.payload.assign(len, 0);
        for (size_t i = 0; i < len; ++i) {
            in.payload[i] = static_cast<uint8_t>(i * 37 + len);
        }
        in.ipv4_id = static_cast<uint16_t>(len * 1021);
        UdpFrame out = wan_out();
        out.payload = in.payload;
        out.ipv4_id = in.ipv4_id;
        SCOPED_TRACE(len);
        expect_relayed(test::build_udp(in), test::build_udp(out), 1);
    }
}

TEST_F(Ipv4PairTest, CountsPerLegAndPerWorker) {
    UdpFrame back;
    back.vlan_tci = kWanVlan;
    back.src_ip = "203.0.113.5";
    back.dst_ip = "198.51.100.1";
    back.src_port = 5000;
    back.dst_port = 30002;
    back.payload.assign(100, 0x80);
    const Outcome o = run({test::build_udp(lan_in()), test::build_udp(lan_in()),
                           test::build_udp(back), test::build_udp(lan_in())});
    ASSERT_EQ(o.tx.size(), 4u);
    EXPECT_EQ(o.tx_port, (std::vector<uint16_t>{1, 1, 0, 1}));  // input order kept
    const Leg* lan = relays_.find(kLan4, 30000);
    const Leg* wan = relays_.find(kWan4, 30002);
    EXPECT_EQ(lan->in.packets, 3u);
    EXPECT_EQ(lan->in.bytes, 24u);
    EXPECT_EQ(lan->in.last_tsc, kNow);
    EXPECT_EQ(lan->out.packets, 1u);
    EXPECT_EQ(lan->out.bytes, 100u);
    EXPECT_EQ(wan->in.packets, 1u);
    EXPECT_EQ(wan->in.bytes, 100u);
    EXPECT_EQ(wan->out.packets, 3u);
    EXPECT_EQ(wan->out.bytes, 24u);
    EXPECT_EQ(wan->out.last_tsc, kNow);
    EXPECT_EQ(counters_.rx, 4u);
    EXPECT_EQ(counters_.relayed, 4u);
}

TEST_F(Ipv4PairTest, DropsWhatIsNotForALeg) {
    UdpFrame f = lan_in();
    f.dst_port = 30004;
    EXPECT_EQ(expect_dropped(test::build_udp(f)), DropReason::kUnknownPort);
    f = lan_in();
    f.dst_ip = "192.0.2.99";
    EXPECT_EQ(expect_dropped(test::build_udp(f)), DropReason::kNotForUs);
    f = lan_in();
    f.src_port = 4001;  // not the signalled peer of a leg that does not latch
    EXPECT_EQ(expect_dropped(test::build_udp(f)), DropReason::kUnexpectedSource);
    f = lan_in();
    f.ttl = 1;
    EXPECT_EQ(expect_dropped(test::build_udp(f)), DropReason::kTtlExhausted);
    EXPECT_EQ(counters_.drop_count(DropReason::kUnknownPort), 1u);
    EXPECT_EQ(counters_.drop_count(DropReason::kNotForUs), 1u);
    EXPECT_EQ(counters_.drop_count(DropReason::kUnexpectedSource), 1u);
    EXPECT_EQ(counters_.drop_count(DropReason::kTtlExhausted), 1u);
    EXPECT_EQ(counters_.dropped(), 4u);
    EXPECT_EQ(relays_.find(kLan4, 30000)->in.packets, 0u);
}

TEST_F(ForwardTest, RelaysIpv6ToIpv6) {
    add_pair({kLan6, 30010, "2001:db8:1::10", 4000}, {kWan6, 30012, "2001:db8:3::5", 5000, 0, 46});
    UdpFrame in;
    in.src_ip = "2001:db8:1::10";
    in.dst_ip = "2001:db8:1::1";
    in.dst_port = 30010;
    in.tclass = 0x02;
    in.ttl = 2;
    UdpFrame out = in;
    out.dst_mac = kWanGateway;
    out.src_mac = kWanMac;
    out.src_ip = "2001:db8:2::1";
    out.dst_ip = "2001:db8:3::5";
    out.src_port = 30012;
    out.dst_port = 5000;
    out.tclass = (46 << 2) | 0x02;
    out.ttl = 1;
    expect_relayed(test::build_udp(in), test::build_udp(out), 1);
}

// 192.0.2.10:4000 -> [192.0.2.1:30020 | 2001:db8:2::1:30022] -> [2001:db8:3::5]:5000.
class BridgeTest : public ForwardTest {
  protected:
    void SetUp() override {
        ForwardTest::SetUp();
        if (!IsSkipped()) {
            add_pair({kLan4, 30020, "192.0.2.10", 4000, kLegFamilyBridge},
                     {kWan6, 30022, "2001:db8:3::5", 5000, kLegFamilyBridge});
        }
    }
    static UdpFrame v4_side(size_t payload) {
        UdpFrame f;
        f.dst_port = 30020;
        f.ipv4_id = 0x4321;  // not carried into IPv6
        f.tclass = 0xb9;
        f.payload.resize(payload);
        for (size_t i = 0; i < payload; ++i) {
            f.payload[i] = static_cast<uint8_t>(0x80 + i * 13);
        }
        return f;
    }
    static UdpFrame v6_side(size_t payload) {
        UdpFrame f = v4_side(payload);
        f.dst_mac = kWanGateway;
        f.src_mac = kWanMac;
        f.src_ip = "2001:db8:2::1";
        f.dst_ip = "2001:db8:3::5";
        f.src_port = 30022;
        f.dst_port = 5000;
        return f;
    }
};

TEST_F(BridgeTest, Ipv4ToIpv6) {
    for (size_t len : {0, 1, 7, 8, 160, 161}) {
        SCOPED_TRACE(len);
        UdpFrame out = v6_side(len);
        out.ttl = 63;
        expect_relayed(test::build_udp(v4_side(len)), test::build_udp(out), 1);
    }
}

TEST_F(BridgeTest, Ipv4WithoutUdpChecksumGetsOneInIpv6) {
    for (size_t len : {0, 1, 7, 8, 161}) {
        SCOPED_TRACE(len);
        UdpFrame in = v4_side(len);
        in.zero_udp_checksum = true;
        UdpFrame out = v6_side(len);
        out.ttl = 63;
        expect_relayed(test::build_udp(in), test::build_udp(out), 1);
    }
}

TEST_F(BridgeTest, Ipv6ToIpv4) {
    for (size_t len : {0, 1, 7, 8, 160, 161}) {
        SCOPED_TRACE(len);
        UdpFrame in = v6_side(len);
        std::swap(in.src_ip, in.dst_ip);
        std::swap(in.src_port, in.dst_port);
        in.dst_mac = kWanMac;
        in.ttl = 10;
        UdpFrame out = v4_side(len);
        std::swap(out.src_ip, out.dst_ip);
        std::swap(out.src_port, out.dst_port);
        out.dst_mac = kLanHost;
        out.src_mac = kLanMac;
        out.ipv4_id = 0;  // rebuilt header: ID 0, DF
        out.ipv4_frag = 0x4000;
        out.ttl = 9;
        expect_relayed(test::build_udp(in), test::build_udp(out), 0);
    }
}

TEST_F(BridgeTest, NoHeadroomForTheLargerHeader) {
    const Outcome o = run({test::build_udp(v4_side(8))}, 0);
    ASSERT_EQ(o.drops.size(), 1u);
    EXPECT_EQ(o.drops[0], DropReason::kNoHeadroom);
}

// A latching LAN leg: 192.0.2.0/24 host unknown until it sends media.
class LatchTest : public ForwardTest {
  protected:
    void SetUp() override {
        ForwardTest::SetUp();
        if (!IsSkipped()) {
            add_pair({kLan4, 30030, "", 0, kLegLatch}, {kWan4, 30032, "203.0.113.5", 5000});
        }
    }
    static UdpFrame from_lan(const char* src, uint16_t port, uint8_t first_byte) {
        UdpFrame f;
        f.src_ip = src;
        f.src_port = port;
        f.dst_port = 30030;
        f.payload[0] = first_byte;
        return f;
    }
    static UdpFrame from_wan() {
        UdpFrame f;
        f.dst_mac = kWanMac;
        f.vlan_tci = kWanVlan;
        f.src_ip = "203.0.113.5";
        f.dst_ip = "198.51.100.1";
        f.src_port = 5000;
        f.dst_port = 30032;
        return f;
    }
};

TEST_F(LatchTest, FirstMediaPacketLatchesLaterOtherSourcesAreRejected) {
    const Leg* lan = relays_.find(kLan4, 30030);
    // Nothing can go to the LAN side before it latched.
    EXPECT_EQ(expect_dropped(test::build_udp(from_wan())), DropReason::kPeerUnknown);
    // A first packet that is not RTP/RTCP/STUN/DTLS does not latch.
    EXPECT_EQ(expect_dropped(test::build_udp(from_lan("192.0.2.50", 7000, 'A'))),
              DropReason::kLatchNotMedia);
    EXPECT_EQ(lan->latch_state, kNotLatched);

    const Outcome first = run({test::build_udp(from_lan("192.0.2.50", 7000, 0x80))});
    ASSERT_EQ(first.tx.size(), 1u);
    EXPECT_EQ(lan->latch_state, kLatched);
    EXPECT_EQ(lan->learned_peer, addr("192.0.2.50"));
    EXPECT_EQ(lan->learned_port, 7000);

    const Outcome later = run({test::build_udp(from_lan("192.0.2.51", 7000, 0x80)),
                               test::build_udp(from_lan("192.0.2.50", 7001, 0x80)),
                               test::build_udp(from_lan("192.0.2.50", 7000, 'A'))});
    EXPECT_EQ(later.drops,
              (std::vector<DropReason>{DropReason::kLatchRejected, DropReason::kLatchRejected}));
    EXPECT_EQ(later.tx.size(), 1u);  // once latched, any payload from the peer passes
    EXPECT_EQ(counters_.drop_count(DropReason::kLatchRejected), 2u);
    EXPECT_EQ(counters_.drop_count(DropReason::kLatchNotMedia), 1u);

    // The other direction now goes to the learned address. It is on link and its
    // MAC is not known yet: dropped, and the next hop is reported for resolution.
    const Outcome unresolved = run({test::build_udp(from_wan())});
    EXPECT_EQ(unresolved.drops, std::vector<DropReason>{DropReason::kNoNeighbour});
    ASSERT_EQ(unresolved.misses.size(), 1u);
    EXPECT_EQ(unresolved.misses[0].next_hop, addr("192.0.2.50"));
    EXPECT_EQ(unresolved.misses[0].local_addr_index, kLan4);
    ASSERT_TRUE(neighbours_.add({addr("192.0.2.50"), 0}, ether(kLanHost)));
    UdpFrame out = from_wan();
    out.vlan_tci.reset();
    out.dst_mac = kLanHost;
    out.src_mac = kLanMac;
    out.src_ip = "192.0.2.1";
    out.dst_ip = "192.0.2.50";
    out.src_port = 30030;
    out.dst_port = 7000;
    out.ttl = 63;
    expect_relayed(test::build_udp(from_wan()), test::build_udp(out), 0);
}

// A frame split right after its UDP header: the latch decision reads the first
// payload byte from the second segment, not whatever lies past the first
// segment's data (found by tests/fuzz/packet_fuzz.cc).
TEST_F(LatchTest, FirstPayloadByteInTheSecondSegment) {
    const auto split_after_udp = [](const Bytes& frame, uint8_t stale) {
        const size_t headers = 14 + 20 + 8;
        rte_mbuf* head = test::make_mbuf(Bytes(frame.begin(), frame.begin() + headers));
        rte_mbuf* tail = test::make_mbuf(Bytes(frame.begin() + headers, frame.end()));
        EXPECT_NE(head, nullptr);
        EXPECT_NE(tail, nullptr);
        *rte_pktmbuf_mtod_offset(head, uint8_t*, headers) = stale;  // first byte of tailroom
        EXPECT_EQ(rte_pktmbuf_chain(head, tail), 0);
        return head;
    };
    const auto run_one = [this](rte_mbuf* m) {
        const BurstResult r = forward_burst(ctx_, counters_, &m, 1, now_);
        const DropReason reason = r.drop_count == 1 ? r.drop_reason[0] : DropReason::kCount;
        rte_pktmbuf_free(m);
        return reason;
    };
    const Leg* lan = relays_.find(kLan4, 30030);
    EXPECT_EQ(run_one(split_after_udp(test::build_udp(from_lan("192.0.2.50", 7000, 'A')), 0x80)),
              DropReason::kLatchNotMedia);
    EXPECT_EQ(lan->latch_state, kNotLatched);
    EXPECT_EQ(run_one(split_after_udp(test::build_udp(from_lan("192.0.2.50", 7000, 0x80)), 'A')),
              DropReason::kCount);  // relayed
    EXPECT_EQ(lan->latch_state, kLatched);
    EXPECT_EQ(lan->learned_peer, addr("192.0.2.50"));
}

TEST_F(LatchTest, StunAndDtlsLatchToo) {
    EXPECT_EQ(run({test::build_udp(from_lan("192.0.2.60", 9000, 0x00))}).tx.size(), 1u);
    EXPECT_EQ(relays_.find(kLan4, 30030)->learned_port, 9000);
    // Control re-publishing the leg starts latching over (re-latch by control).
    Leg again = *relays_.find(kLan4, 30030);
    ASSERT_TRUE(relays_.replace(again).ok());
    EXPECT_EQ(run({test::build_udp(from_lan("192.0.2.61", 9002, 22))}).tx.size(), 1u);
    EXPECT_EQ(relays_.find(kLan4, 30030)->learned_peer, addr("192.0.2.61"));
}

TEST(MayLatch, Rfc7983Ranges) {
    for (int b = 0; b < 256; ++b) {
        const bool expected = b <= 3 || (b >= 20 && b <= 63) || (b >= 128 && b <= 191);
        EXPECT_EQ(may_latch(static_cast<uint8_t>(b)), expected) << b;
    }
}

TEST_F(ForwardTest, NoNeighbourForAPeerOffLinkWithoutGateway) {
    add_pair({kWan4, 30040, "203.0.113.5", 5000}, {kLan6, 30042, "2001:db8:1::99", 6000});
    UdpFrame in;
    in.vlan_tci = kWanVlan;
    in.src_ip = "203.0.113.5";
    in.dst_ip = "198.51.100.1";
    in.src_port = 5000;
    in.dst_port = 30040;
    EXPECT_EQ(expect_dropped(test::build_udp(in)), DropReason::kNoNeighbour);
}

// The same next hop address on two links is two neighbours: one burst reports a
// miss for each local address it is to be resolved from, not one for the address.
TEST_F(ForwardTest, OneMissPerNextHopAndLocalAddress) {
    add_local("2001:db8:5::1", 64, 1, kNoVlan, kWanMac, nullptr);  // index 4, no gateway
    add_pair({kLan4, 30050, "192.0.2.10", 4000, kLegFamilyBridge},
             {kLan6, 30052, "2001:db8:9::99", 6000, kLegFamilyBridge});
    add_pair({kWan4, 30054, "203.0.113.5", 5000, kLegFamilyBridge},
             {4, 30056, "2001:db8:9::99", 6000, kLegFamilyBridge});
    UdpFrame lan;
    lan.dst_port = 30050;
    UdpFrame wan;
    wan.vlan_tci = kWanVlan;
    wan.dst_mac = kWanMac;
    wan.src_ip = "203.0.113.5";
    wan.dst_ip = "198.51.100.1";
    wan.src_port = 5000;
    wan.dst_port = 30054;
    const Bytes twice = test::build_udp(lan);
    const Outcome o = run({twice, test::build_udp(wan), twice}, -1, {0, 1, 0});
    EXPECT_EQ(o.drops, std::vector<DropReason>(3, DropReason::kNoNeighbour));
    ASSERT_EQ(o.misses.size(), 2u);
    for (const NeighbourMiss& m : o.misses) {
        EXPECT_EQ(m.next_hop, addr("2001:db8:9::99"));
    }
    EXPECT_NE(o.misses[0].local_addr_index, o.misses[1].local_addr_index);
    for (uint16_t index : {kLan6, uint16_t{4}}) {
        EXPECT_TRUE(o.misses[0].local_addr_index == index || o.misses[1].local_addr_index == index)
            << index;
    }
}

TEST_F(ForwardTest, OtherLegMissingIsPeerUnknown) {
    Leg lonely;
    lonely.local_addr_index = kLan4;
    lonely.local_port = 30050;
    lonely.peer = addr("192.0.2.10");
    lonely.peer_port = 4000;
    lonely.other_addr_index = kWan4;
    lonely.other_port = 30052;
    ASSERT_TRUE(relays_.add(lonely).ok());
    UdpFrame in;
    in.dst_port = 30050;
    EXPECT_EQ(expect_dropped(test::build_udp(in)), DropReason::kPeerUnknown);
}

TEST_F(ForwardTest, APortWithATapGivesTheHostWhatIsNotMedia) {
    add_pair({kLan4, 30000, "192.0.2.10", 4000}, {kWan4, 30002, "203.0.113.5", 5000});
    HostPorts host;
    host.mask = 1;  // port 0 (LAN) has a TAP, port 1 (WAN) has none
    host.mac[0] = ether(kLanMac);
    host.mac[1] = ether(kWanMac);
    ctx_.host = &host;

    const Bytes media = test::build_udp(UdpFrame{});
    const Bytes ping = test::ethernet(
        kLanMac, kLanHost, 0x0800,
        test::ipv4("192.0.2.10", "192.0.2.1", 1, Bytes{8, 0, 0xf7, 0xfe, 0, 1, 0, 0}));
    UdpFrame sip;
    sip.dst_port = 5060;
    UdpFrame other_address;  // an address of the host's that the dataplane does not own
    other_address.dst_ip = "192.0.2.99";
    UdpFrame other_mac = other_address;  // a promiscuous port sees others' unicast
    other_mac.dst_mac = Mac{0x02, 0, 0, 0, 0, 0x77};
    UdpFrame frag;
    frag.ipv4_frag = 0x2000;
    UdpFrame stranger;  // to a leg, not from its peer: never the host's (RTP Bleed)
    stranger.src_port = 4001;
    UdpFrame last_hop;  // media whose TTL runs out: the relay's to drop, not the host's
    last_hop.ttl = 1;
    UdpFrame llmnr;  // the host's own UDP may have TTL 1 (LLMNR): not media, the host's
    llmnr.dst_mac = Mac{0x01, 0, 0x5e, 0, 0, 0xfc};
    llmnr.dst_ip = "224.0.0.252";
    llmnr.dst_port = 5355;
    llmnr.ttl = 1;
    UdpFrame unicast_ttl1 = sip;  // to our address, a port without a leg, TTL 1: the host's
    unicast_ttl1.ttl = 1;
    Bytes bad_csum = media;
    bad_csum[24] ^= 0xff;
    const Bytes lldp = test::ethernet(Mac{0x01, 0x80, 0xc2, 0, 0, 0x0e}, kLanHost, 0x88cc,
                                      Bytes(46, 0));
    const Bytes arp = test::ethernet(kLanMac, kLanHost, 0x0806,
                                     test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"));
    Bytes wan_ping = ping;  // the WAN port has no TAP: dropped as before
    std::copy(kWanMac.begin(), kWanMac.end(), wan_ping.begin());

    const Outcome o = run({media, ping, test::build_udp(sip), test::build_udp(other_address),
                           test::build_udp(other_mac), test::build_udp(frag),
                           test::build_udp(stranger), test::build_udp(last_hop), bad_csum, lldp,
                           arp, test::build_udp(llmnr), test::build_udp(unicast_ttl1), wan_ping},
                          -1, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    EXPECT_EQ(o.tx.size(), 1u);
    EXPECT_EQ(o.exceptions, (std::vector<Bytes>{arp}));
    // Unchanged, in order.
    EXPECT_EQ(o.host, (std::vector<Bytes>{ping, test::build_udp(sip),
                                          test::build_udp(other_address), test::build_udp(frag),
                                          lldp, test::build_udp(llmnr),
                                          test::build_udp(unicast_ttl1)}));
    EXPECT_EQ(o.drops, (std::vector<DropReason>{DropReason::kNotForUs,
                                                DropReason::kUnexpectedSource,
                                                DropReason::kTtlExhausted,
                                                DropReason::kBadIpv4Checksum, DropReason::kNotUdp}));
    EXPECT_EQ(counters_.rx, 14u);
    EXPECT_EQ(counters_.to_host, 7u);
    EXPECT_EQ(counters_.dropped(), 5u);
    EXPECT_EQ(counters_.drop_count(DropReason::kNotUdp), 1u);  // the WAN one only
    EXPECT_EQ(counters_.drop_count(DropReason::kUnknownPort), 0u);
}

TEST(ForHost, OnlyWhatIsNotMediaNorBroken) {
    for (unsigned i = 0; i < kDropReasonCount; ++i) {
        const auto r = static_cast<DropReason>(i);
        const bool expected = r == DropReason::kUnsupportedEthertype ||
                              r == DropReason::kIpv4Fragment || r == DropReason::kIpv4Options ||
                              r == DropReason::kIpv6ExtensionHeader || r == DropReason::kNotUdp ||
                              r == DropReason::kNotForUs || r == DropReason::kUnknownPort;
        EXPECT_EQ(for_host(r), expected) << drop_reason_name(r);
    }
}

TEST_F(ForwardTest, MixedBurstSortsEveryPacket) {
    add_pair({kLan4, 30000, "192.0.2.10", 4000}, {kWan4, 30002, "203.0.113.5", 5000});
    const Bytes good = test::build_udp(UdpFrame{});
    const Bytes arp = test::ethernet(kLanMac, kLanHost, 0x0806,
                                     test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"));
    const Bytes ns = test::ethernet(
        kLanMac, kLanHost6, 0x86dd,
        test::neighbour_message(135, "2001:db8:1::10", "ff02::1:ff00:1", "2001:db8:1::1"));
    Bytes bad_csum = good;
    bad_csum[24] ^= 0xff;
    UdpFrame frag;
    frag.ipv4_frag = 0x2000;
    const Bytes ext = test::ethernet(
        kLanMac, kLanHost6, 0x86dd,
        test::ipv6("2001:db8:1::10", "2001:db8:1::1", 44, Bytes{17, 0, 0, 1, 0, 0, 0, 0}));

    std::vector<Bytes> burst = {
        good, arp, Bytes(good.begin(), good.begin() + 10), bad_csum, test::build_udp(frag), ns,
        ext,  good};
    while (burst.size() < kMaxBurst) {
        burst.push_back(good);
    }
    const Outcome o = run(burst);
    EXPECT_EQ(o.tx.size(), kMaxBurst - 6u);
    EXPECT_EQ(o.exceptions, (std::vector<Bytes>{arp, ns}));  // untouched
    EXPECT_EQ(o.drops, (std::vector<DropReason>{
                           DropReason::kTruncatedEthernet, DropReason::kBadIpv4Checksum,
                           DropReason::kIpv4Fragment, DropReason::kIpv6ExtensionHeader}));
    EXPECT_EQ(counters_.rx, kMaxBurst);
    EXPECT_EQ(counters_.relayed, kMaxBurst - 6u);
    EXPECT_EQ(counters_.exception, 2u);
    EXPECT_EQ(counters_.dropped(), 4u);
    EXPECT_EQ(counters_.drop_count(DropReason::kIpv4Fragment), 1u);
    EXPECT_EQ(relays_.find(kLan4, 30000)->in.packets, kMaxBurst - 6u);
}

}  // namespace
}  // namespace mg::dataplane

namespace mg::dataplane {
namespace {

TEST_F(LatchTest, ReLatchOnlyAfterTheLatchedPeerWasSilent) {
    ctx_.relatch_after_tsc = 1000;
    const Leg* lan = relays_.find(kLan4, 30030);
    ASSERT_EQ(run({test::build_udp(from_lan("192.0.2.50", 7000, 0x80))}).tx.size(), 1u);
    // Another source while the peer is still talking: refused.
    now_ = kNow + 999;
    EXPECT_EQ(expect_dropped(test::build_udp(from_lan("192.0.2.51", 7002, 0x80))),
              DropReason::kLatchRejected);
    // After the silence, only a media packet may take the leg over.
    now_ = kNow + 1000;
    EXPECT_EQ(expect_dropped(test::build_udp(from_lan("192.0.2.51", 7002, 'A'))),
              DropReason::kLatchRejected);
    EXPECT_EQ(run({test::build_udp(from_lan("192.0.2.51", 7002, 0x80))}).tx.size(), 1u);
    EXPECT_EQ(lan->learned_peer, addr("192.0.2.51"));
    EXPECT_EQ(lan->learned_port, 7002);
    EXPECT_EQ(lan->latch_seq, 2);
    // The old peer is now the stranger.
    now_ = kNow + 1500;
    EXPECT_EQ(expect_dropped(test::build_udp(from_lan("192.0.2.50", 7000, 0x80))),
              DropReason::kLatchRejected);
}

// Within one burst, packets are judged in order: the latched peer's packet
// counts as it speaking, so a stranger's packet right behind it finds the peer
// not silent, even though the peer was silent up to this burst.
TEST_F(LatchTest, APeersPacketEarlierInTheBurstKeepsTheLegFromAStranger) {
    ctx_.relatch_after_tsc = 1000;
    const Leg* lan = relays_.find(kLan4, 30030);
    ASSERT_EQ(run({test::build_udp(from_lan("192.0.2.50", 7000, 0x80))}).tx.size(), 1u);
    now_ = kNow + 5000;
    const Outcome o = run({test::build_udp(from_lan("192.0.2.50", 7000, 0x80)),
                           test::build_udp(from_lan("192.0.2.51", 7002, 0x80))});
    EXPECT_EQ(o.tx.size(), 1u);
    EXPECT_EQ(o.drops, std::vector<DropReason>{DropReason::kLatchRejected});
    EXPECT_EQ(lan->learned_peer, addr("192.0.2.50"));
    EXPECT_EQ(lan->latch_seq, 1);
    EXPECT_EQ(lan->in.last_tsc, kNow + 5000);
}

TEST_F(LatchTest, NeverReLatchesWhenTheTimeIsZero) {
    ctx_.relatch_after_tsc = 0;
    ASSERT_EQ(run({test::build_udp(from_lan("192.0.2.50", 7000, 0x80))}).tx.size(), 1u);
    now_ = kNow + 1000000000;
    EXPECT_EQ(expect_dropped(test::build_udp(from_lan("192.0.2.51", 7002, 0x80))),
              DropReason::kLatchRejected);
}

TEST_F(LatchTest, ALearnedDebugPeerIsCountedApart) {
    lists::NamedList debug{"debug", {}};
    debug.set.v4.push_back({0xc0000232, 0xc0000232});  // 192.0.2.50
    auto classifier = lists::Classifier::build({debug});
    ASSERT_TRUE(classifier.ok());
    ctx_.lists = &*classifier;
    ctx_.debug_mask = 1;
    ASSERT_EQ(run({test::build_udp(from_lan("192.0.2.50", 7000, 0x80))}).tx.size(), 1u);
    EXPECT_EQ(relays_.find(kLan4, 30030)->learned_flags, kLegDebug);
    EXPECT_EQ(counters_.debug, 1u);
}

}  // namespace
}  // namespace mg::dataplane
