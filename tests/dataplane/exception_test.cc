// The ARP / ND exception path: replies byte for byte against frames built
// independently by frame_builder, every refusal reason, learning rules, and the
// builders of announcements and solicitations.
#include "dataplane/exception.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lists/address.h"
#include "tests/dataplane/dpdk_env.h"

namespace mg::dataplane {
namespace {

using test::Bytes;
using test::Mac;
using test::NdMessage;

const Mac kLanMac{0x02, 0, 0, 0, 0, 0x01};  // our MAC on DPDK port 0
const Mac kWanMac{0x02, 0, 0, 0, 0, 0x02};  // our MAC on DPDK port 1
const Mac kLanHost{0x02, 0, 0, 0, 0, 0x10};
const Mac kLanHost6{0x02, 0, 0, 0, 0, 0x11};
const Mac kOtherHost{0x02, 0, 0, 0, 0, 0x20};
const Mac kGatewayMac{0x02, 0, 0, 0, 0, 0xfe};
const Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const Mac kZeroMac{};
constexpr uint16_t kVlan = 0x0064;  // VID 100 of the WAN addresses
constexpr uint64_t kNow = 5'000'000;

// Local address indexes of the fixture.
constexpr uint16_t kLan4 = 0;  // 192.0.2.1/24, port 0, untagged, gateway 192.0.2.254
constexpr uint16_t kLan6 = 1;  // 2001:db8:1::1/64, port 0, untagged
constexpr uint16_t kWan4 = 2;  // 198.51.100.1/24, port 1, VLAN 100, gateway 198.51.100.254
constexpr uint16_t kWan6 = 3;  // 2001:db8:2::1/64, port 1, VLAN 100, gateway fe80::1

IpAddr addr(const std::string& text) {
    return IpAddr::from_address(*lists::parse_address(text));
}
rte_ether_addr ether(const Mac& m) {
    rte_ether_addr e;
    std::copy(m.begin(), m.end(), e.addr_bytes);
    return e;
}
Mac to_mac(const rte_ether_addr& e) {
    Mac m;
    std::copy(std::begin(e.addr_bytes), std::end(e.addr_bytes), m.begin());
    return m;
}

Bytes arp_frame(const Bytes& arp,
                const Mac& dst = kBroadcast,
                const Mac& src = kLanHost,
                std::optional<uint16_t> vlan = std::nullopt,
                size_t pad_to = 60) {
    Bytes f = test::ethernet(dst, src, 0x0806, arp, vlan);
    if (f.size() < pad_to) {
        f.resize(pad_to, 0);
    }
    return f;
}
Bytes nd_frame(const NdMessage& m,
               const Mac& src = kLanHost6,
               std::optional<Mac> dst = std::nullopt,
               std::optional<uint16_t> vlan = std::nullopt) {
    const Mac d =
        dst ? *dst : (m.dst.rfind("ff", 0) == 0 ? test::ipv6_multicast_mac(m.dst) : kLanMac);
    return test::ethernet(d, src, 0x86dd, test::nd_packet(m), vlan);
}
// A well-formed multicast NS from 2001:db8:1::10 for `target`.
NdMessage ns_for(const std::string& target,
                 const std::string& src = "2001:db8:1::10",
                 const Mac& sender = kLanHost6) {
    NdMessage m;
    m.type = 135;
    m.src = src;
    m.dst = test::solicited_node(target);
    m.target = target;
    m.options = test::lla_option(1, sender);
    return m;
}
// The solicited NA we expect for an NS to `local` (S and O set, TLLA ours).
NdMessage na_reply(const std::string& local, const std::string& to, const Mac& our_mac) {
    NdMessage m;
    m.type = 136;
    m.flags = 0x60;
    m.src = local;
    m.dst = to;
    m.target = local;
    m.options = test::lla_option(2, our_mac);
    return m;
}

struct Result {
    ExceptionAction action = ExceptionAction::kFree;
    Bytes out;  // the mbuf's bytes after the call
    uint16_t port = 0;
};

class ExceptionTest : public testing::Test {
  protected:
    void SetUp() override {
        MG_REQUIRE_EAL();
        add_local("192.0.2.1", 120, 0, kNoVlan, kLanMac, "192.0.2.254");
        add_local("2001:db8:1::1", 64, 0, kNoVlan, kLanMac, nullptr);
        add_local("198.51.100.1", 120, 1, kVlan, kWanMac, "198.51.100.254");
        add_local("2001:db8:2::1", 64, 1, kVlan, kWanMac, "fe80::1");
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

    Result run_mbuf(rte_mbuf* m, uint16_t port) {
        Result r;
        m->port = port;
        r.action = handle_exception(m, locals_, table_, kNow, counters_);
        r.out = test::mbuf_bytes(m);
        r.port = m->port;
        rte_pktmbuf_free(m);
        return r;
    }
    Result run(const Bytes& frame, uint16_t port = 0) {
        rte_mbuf* m = test::make_mbuf(frame);
        if (m == nullptr) {
            return {};
        }
        return run_mbuf(m, port);
    }

    // `frame` is answered with exactly `expected` on the same port.
    void expect_reply(const Bytes& frame, const Bytes& expected, uint16_t port = 0) {
        const uint64_t before = counters_.arp_replies + counters_.nd_replies;
        const uint64_t refused = counters_.total_refused();
        const Result r = run(frame, port);
        EXPECT_EQ(r.action, ExceptionAction::kTransmit);
        EXPECT_EQ(r.out, expected);
        EXPECT_EQ(r.port, port);
        EXPECT_EQ(counters_.arp_replies + counters_.nd_replies, before + 1);
        EXPECT_EQ(counters_.total_refused(), refused);
        if (expected.size() > 14 && (expected[12] == 0x86 || expected[16] == 0x86)) {
            EXPECT_TRUE(test::icmpv6_checksum_ok(r.out, expected[12] == 0x81 ? 18 : 14));
        }
    }
    // `frame` is refused for `reason` (and for nothing else), not answered.
    void expect_refused(const Bytes& frame, ExceptionRefusal reason, uint16_t port = 0) {
        const ExceptionCounters before = counters_;
        const Result r = run(frame, port);
        EXPECT_EQ(r.action, ExceptionAction::kFree) << exception_refusal_name(reason);
        EXPECT_EQ(counters_.refused_count(reason), before.refused_count(reason) + 1)
            << "expected " << exception_refusal_name(reason) << ", got " << last_reason(before);
        EXPECT_EQ(counters_.total_refused(), before.total_refused() + 1);
        EXPECT_EQ(counters_.arp_replies, before.arp_replies);
        EXPECT_EQ(counters_.nd_replies, before.nd_replies);
    }
    // Valid, nothing to answer.
    void expect_consumed(const Bytes& frame, uint16_t port = 0) {
        const ExceptionCounters before = counters_;
        const Result r = run(frame, port);
        EXPECT_EQ(r.action, ExceptionAction::kFree);
        EXPECT_EQ(counters_.consumed, before.consumed + 1) << "got " << last_reason(before);
        EXPECT_EQ(counters_.total_refused(), before.total_refused());
    }
    std::string last_reason(const ExceptionCounters& before) const {
        for (unsigned i = 0; i < kExceptionRefusalCount; ++i) {
            if (counters_.refused[i] != before.refused[i]) {
                return exception_refusal_name(static_cast<ExceptionRefusal>(i));
            }
        }
        return "no refusal";
    }
    const rte_ether_addr* mac_of(const std::string& a) const {
        const NeighbourEntry* e = table_.find(addr(a));
        return e != nullptr && e->has_mac ? &e->mac : nullptr;
    }
    bool knows(const std::string& a, const Mac& m) const {
        const rte_ether_addr* found = mac_of(a);
        return found != nullptr && to_mac(*found) == m;
    }

    LocalAddressTable locals_;
    NeighbourTable table_{64};
    ExceptionCounters counters_;
};

// --- ARP ---------------------------------------------------------------------

TEST_F(ExceptionTest, ArpRequestForOursIsAnsweredAndSenderLearned) {
    const Bytes in = arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"));
    const Bytes expected = test::ethernet(
        kLanHost, kLanMac, 0x0806, test::arp(2, kLanMac, "192.0.2.1", kLanHost, "192.0.2.10"));
    ASSERT_EQ(in.size(), 60u);
    expect_reply(in, expected);  // padding trimmed: 42 bytes
    EXPECT_EQ(counters_.arp_replies, 1u);
    EXPECT_EQ(counters_.learned, 1u);
    const NeighbourEntry* e = table_.find(addr("192.0.2.10"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->state, NeighbourState::kReachable);
    EXPECT_EQ(e->local_addr_index, kLan4);
    EXPECT_EQ(to_mac(e->mac), kLanHost);
}

TEST_F(ExceptionTest, UnicastArpRequestToOurMacIsAnswered) {
    expect_reply(arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"), kLanMac),
                 test::ethernet(kLanHost, kLanMac, 0x0806,
                                test::arp(2, kLanMac, "192.0.2.1", kLanHost, "192.0.2.10")));
}

TEST_F(ExceptionTest, ArpRequestOnVlanIsAnsweredWithTheAddressTag) {
    // Arrives with PCP 1; the reply carries the local address's TCI.
    const Bytes in = arp_frame(test::arp_request(kOtherHost, "198.51.100.7", "198.51.100.1"),
                               kBroadcast, kOtherHost, 0x2000 | kVlan);
    expect_reply(
        in,
        test::ethernet(kOtherHost, kWanMac, 0x0806,
                       test::arp(2, kWanMac, "198.51.100.1", kOtherHost, "198.51.100.7"), kVlan),
        1);
    EXPECT_TRUE(knows("198.51.100.7", kOtherHost));
    EXPECT_EQ(table_.find(addr("198.51.100.7"))->local_addr_index, kWan4);
}

TEST_F(ExceptionTest, PriorityTaggedArpOnUntaggedAddressKeepsItsTag) {
    const Bytes in = arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"), kBroadcast,
                               kLanHost, 0xa000);
    expect_reply(
        in, test::ethernet(kLanHost, kLanMac, 0x0806,
                           test::arp(2, kLanMac, "192.0.2.1", kLanHost, "192.0.2.10"), 0xa000));
}

TEST_F(ExceptionTest, ArpProbeIsAnsweredButNotLearned) {
    // RFC 5227 probe: sender IP 0.0.0.0; we defend our address.
    expect_reply(arp_frame(test::arp_request(kLanHost, "0.0.0.0", "192.0.2.1")),
                 test::ethernet(kLanHost, kLanMac, 0x0806,
                                test::arp(2, kLanMac, "192.0.2.1", kLanHost, "0.0.0.0")));
    EXPECT_EQ(counters_.learned + counters_.not_learned, 0u);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, ArpRequestFromOffLinkSenderIsAnsweredNotLearned) {
    expect_reply(arp_frame(test::arp_request(kLanHost, "10.9.9.9", "192.0.2.1")),
                 test::ethernet(kLanHost, kLanMac, 0x0806,
                                test::arp(2, kLanMac, "192.0.2.1", kLanHost, "10.9.9.9")));
    EXPECT_EQ(counters_.not_learned, 1u);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, ArpRequestFromTheGatewayIsLearned) {
    expect_reply(arp_frame(test::arp_request(kGatewayMac, "192.0.2.254", "192.0.2.1"), kBroadcast,
                           kGatewayMac),
                 test::ethernet(kGatewayMac, kLanMac, 0x0806,
                                test::arp(2, kLanMac, "192.0.2.1", kGatewayMac, "192.0.2.254")));
    EXPECT_TRUE(knows("192.0.2.254", kGatewayMac));
}

TEST_F(ExceptionTest, ArpReplyResolvesOurRequest) {
    ASSERT_TRUE(table_.request(addr("192.0.2.254"), kLan4, kNow - 10));
    expect_consumed(arp_frame(test::arp(2, kGatewayMac, "192.0.2.254", kLanMac, "192.0.2.1"),
                              kLanMac, kGatewayMac));
    EXPECT_TRUE(knows("192.0.2.254", kGatewayMac));
    EXPECT_EQ(table_.find(addr("192.0.2.254"))->state, NeighbourState::kReachable);
    EXPECT_EQ(table_.generation(), 1u);
}

TEST_F(ExceptionTest, UnsolicitedArpReplyCreatesNothing) {
    expect_consumed(arp_frame(test::arp(2, kOtherHost, "192.0.2.77", kLanMac, "192.0.2.1"), kLanMac,
                              kOtherHost));
    EXPECT_EQ(table_.size(), 0u);
    EXPECT_EQ(counters_.not_learned, 1u);
}

TEST_F(ExceptionTest, GratuitousArpUpdatesAKnownNeighbourWithoutReply) {
    ASSERT_EQ(table_.learn(addr("192.0.2.254"), ether(kGatewayMac), kNow - 1000, kLan4),
              LearnResult::kCreated);
    // The gateway fails over to another MAC and announces it (request form).
    expect_consumed(arp_frame(test::arp_request(kOtherHost, "192.0.2.254", "192.0.2.254"),
                              kBroadcast, kOtherHost));
    EXPECT_TRUE(knows("192.0.2.254", kOtherHost));
    EXPECT_EQ(counters_.learned, 1u);
    EXPECT_EQ(counters_.arp_replies, 0u);
    EXPECT_EQ(table_.generation(), 2u);
    // Reply form too.
    expect_consumed(arp_frame(test::arp(2, kGatewayMac, "192.0.2.254", kBroadcast, "192.0.2.254"),
                              kBroadcast, kGatewayMac));
    EXPECT_TRUE(knows("192.0.2.254", kGatewayMac));
}

TEST_F(ExceptionTest, GratuitousArpOfAStrangerIsNotLearned) {
    expect_consumed(arp_frame(test::arp_request(kOtherHost, "192.0.2.77", "192.0.2.77")));
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, GratuitousArpOnAnotherPortDoesNotUpdate) {
    ASSERT_EQ(table_.learn(addr("192.0.2.254"), ether(kGatewayMac), kNow - 1000, kLan4),
              LearnResult::kCreated);
    expect_consumed(arp_frame(test::arp_request(kOtherHost, "192.0.2.254", "192.0.2.254"),
                              kBroadcast, kOtherHost, kVlan),
                    1);
    EXPECT_TRUE(knows("192.0.2.254", kGatewayMac));
    EXPECT_EQ(counters_.not_learned, 1u);
}

TEST_F(ExceptionTest, ArpRequestForSomeoneElse) {
    const Bytes req = arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.77"));
    expect_refused(req, ExceptionRefusal::kNotOurs);
    EXPECT_EQ(table_.size(), 0u);  // not for us: no entry created
    // ... but an entry we have is refreshed (RFC 826).
    ASSERT_TRUE(table_.request(addr("192.0.2.10"), kLan4, kNow - 10));
    expect_refused(req, ExceptionRefusal::kNotOurs);
    EXPECT_TRUE(knows("192.0.2.10", kLanHost));
}

TEST_F(ExceptionTest, ArpRequestOnTheWrongPortOrVlan) {
    // 192.0.2.1 lives on port 0.
    expect_refused(arp_frame(test::arp_request(kOtherHost, "198.51.100.7", "192.0.2.1"), kBroadcast,
                             kOtherHost, kVlan),
                   ExceptionRefusal::kWrongPort, 1);
    // 198.51.100.1 is on VLAN 100 of port 1.
    expect_refused(arp_frame(test::arp_request(kOtherHost, "198.51.100.7", "198.51.100.1"),
                             kBroadcast, kOtherHost),
                   ExceptionRefusal::kVlanMismatch, 1);
    expect_refused(arp_frame(test::arp_request(kOtherHost, "198.51.100.7", "198.51.100.1"),
                             kBroadcast, kOtherHost, 0x00c8),
                   ExceptionRefusal::kVlanMismatch, 1);
    // 192.0.2.1 is untagged.
    expect_refused(arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"), kBroadcast,
                             kLanHost, kVlan),
                   ExceptionRefusal::kVlanMismatch, 0);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, ArpBadFormat) {
    Bytes a = test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1");
    Bytes bad = a;
    bad[1] = 6;  // hardware type IEEE 802
    expect_refused(arp_frame(bad), ExceptionRefusal::kBadArpFormat);
    bad = a;
    bad[2] = 0x86;  // protocol IPv6
    bad[3] = 0xdd;
    expect_refused(arp_frame(bad), ExceptionRefusal::kBadArpFormat);
    bad = a;
    bad[4] = 8;  // hardware length
    expect_refused(arp_frame(bad), ExceptionRefusal::kBadArpFormat);
    bad = a;
    bad[5] = 16;  // protocol length
    expect_refused(arp_frame(bad), ExceptionRefusal::kBadArpFormat);
    for (uint8_t op : {0, 3, 8}) {
        bad = a;
        bad[7] = op;
        expect_refused(arp_frame(bad), ExceptionRefusal::kBadArpOpcode);
    }
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, ArpTruncated) {
    const Bytes full = arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"), kBroadcast,
                                 kLanHost, std::nullopt, 0);
    for (size_t len : {0, 6, 13, 14, 20, 41}) {
        expect_refused(Bytes(full.begin(), full.begin() + static_cast<long>(len)),
                       ExceptionRefusal::kTruncated);
    }
}

TEST_F(ExceptionTest, ArpSplitAcrossSegments) {
    const Bytes full = arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"));
    rte_mbuf* head = test::make_mbuf(Bytes(full.begin(), full.begin() + 30));
    rte_mbuf* tail = test::make_mbuf(Bytes(full.begin() + 30, full.end()));
    ASSERT_NE(head, nullptr);
    ASSERT_NE(tail, nullptr);
    ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
    run_mbuf(head, 0);
    EXPECT_EQ(counters_.refused_count(ExceptionRefusal::kSegmented), 1u);
}

TEST_F(ExceptionTest, ArpBadSender) {
    const Mac multicast{0x01, 0x00, 0x5e, 0, 0, 1};
    expect_refused(arp_frame(test::arp_request(multicast, "192.0.2.10", "192.0.2.1")),
                   ExceptionRefusal::kBadSenderAddress);
    expect_refused(arp_frame(test::arp_request(kZeroMac, "192.0.2.10", "192.0.2.1")),
                   ExceptionRefusal::kBadSenderAddress);
    expect_refused(
        arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"), kBroadcast, kBroadcast),
        ExceptionRefusal::kBadSenderAddress);
    for (const char* ip : {"224.0.0.1", "255.255.255.255", "127.0.0.1", "0.1.2.3"}) {
        expect_refused(arp_frame(test::arp_request(kLanHost, ip, "192.0.2.1")),
                       ExceptionRefusal::kBadSenderAddress);
    }
    // 0.0.0.0 is only for probes (requests).
    expect_refused(arp_frame(test::arp(2, kLanHost, "0.0.0.0", kLanMac, "192.0.2.1"), kLanMac),
                   ExceptionRefusal::kBadSenderAddress);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, ArpClaimingOurAddress) {
    expect_refused(
        arp_frame(test::arp_request(kOtherHost, "192.0.2.1", "192.0.2.1"), kBroadcast, kOtherHost),
        ExceptionRefusal::kAddressConflict);
    expect_refused(arp_frame(test::arp(2, kOtherHost, "198.51.100.1", kLanMac, "192.0.2.1"),
                             kLanMac, kOtherHost),
                   ExceptionRefusal::kAddressConflict);
    // Our own announcement coming back.
    expect_refused(
        arp_frame(test::arp_request(kLanMac, "192.0.2.1", "192.0.2.1"), kBroadcast, kLanMac),
        ExceptionRefusal::kLoopedBack);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, ArpRequestForUsToAnotherMac) {
    expect_refused(arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"), kOtherHost),
                   ExceptionRefusal::kBadDestination);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, SharedMbufIsNotRewritten) {
    const Bytes in = arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"));
    rte_mbuf* m = test::make_mbuf(in);
    ASSERT_NE(m, nullptr);
    rte_mbuf_refcnt_update(m, 1);
    m->port = 0;
    EXPECT_EQ(handle_exception(m, locals_, table_, kNow, counters_), ExceptionAction::kFree);
    EXPECT_EQ(test::mbuf_bytes(m), in);
    EXPECT_EQ(counters_.refused_count(ExceptionRefusal::kNotWritable), 1u);
    rte_pktmbuf_free(m);
    rte_pktmbuf_free(m);
}

TEST_F(ExceptionTest, UdpIsNotForTheExceptionPath) {
    expect_refused(test::build_udp(test::UdpFrame{}), ExceptionRefusal::kNotArpOrNd);
    // ICMPv6 echo is not ND either.
    NdMessage echo = ns_for("2001:db8:1::1");
    echo.type = 128;
    expect_refused(nd_frame(echo), ExceptionRefusal::kNotArpOrNd);
}

// --- Neighbour Solicitation ----------------------------------------------------

TEST_F(ExceptionTest, MulticastNsIsAnsweredWithSolicitedNa) {
    const Bytes in = nd_frame(ns_for("2001:db8:1::1"));
    ASSERT_TRUE(test::icmpv6_checksum_ok(in, 14));
    expect_reply(
        in, test::ethernet(kLanHost6, kLanMac, 0x86dd,
                           test::nd_packet(na_reply("2001:db8:1::1", "2001:db8:1::10", kLanMac))));
    EXPECT_EQ(counters_.nd_replies, 1u);
    EXPECT_TRUE(knows("2001:db8:1::10", kLanHost6));
    EXPECT_EQ(table_.find(addr("2001:db8:1::10"))->local_addr_index, kLan6);
}

TEST_F(ExceptionTest, UnicastNsIsAnswered) {
    NdMessage ns = ns_for("2001:db8:1::1");
    ns.dst = "2001:db8:1::1";
    expect_reply(
        nd_frame(ns, kLanHost6, kLanMac),
        test::ethernet(kLanHost6, kLanMac, 0x86dd,
                       test::nd_packet(na_reply("2001:db8:1::1", "2001:db8:1::10", kLanMac))));
}

TEST_F(ExceptionTest, NsWithoutSourceOptionIsAnsweredToTheFrameSource) {
    NdMessage ns = ns_for("2001:db8:1::1");
    ns.options.clear();  // 24-byte NS: the reply grows to 32 bytes
    expect_reply(
        nd_frame(ns, kOtherHost),
        test::ethernet(kOtherHost, kLanMac, 0x86dd,
                       test::nd_packet(na_reply("2001:db8:1::1", "2001:db8:1::10", kLanMac))));
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, NsWithMoreOptionsGetsAShorterReply) {
    NdMessage ns = ns_for("2001:db8:1::1");
    const Bytes nonce{14, 1, 1, 2, 3, 4, 5, 6};  // RFC 7527 nonce
    ns.options.insert(ns.options.begin(), nonce.begin(), nonce.end());
    ns.options.insert(ns.options.end(), nonce.begin(), nonce.end());
    expect_reply(
        nd_frame(ns),
        test::ethernet(kLanHost6, kLanMac, 0x86dd,
                       test::nd_packet(na_reply("2001:db8:1::1", "2001:db8:1::10", kLanMac))));
}

TEST_F(ExceptionTest, DadNsIsDefendedToAllNodes) {
    NdMessage ns = ns_for("2001:db8:1::1", "::");
    ns.options.clear();
    NdMessage na = na_reply("2001:db8:1::1", "ff02::1", kLanMac);
    na.flags = 0x20;  // not Solicited
    expect_reply(nd_frame(ns, kOtherHost),
                 test::ethernet(Mac{0x33, 0x33, 0, 0, 0, 1}, kLanMac, 0x86dd, test::nd_packet(na)));
    EXPECT_EQ(table_.size(), 0u);
    EXPECT_EQ(counters_.learned + counters_.not_learned, 0u);
}

TEST_F(ExceptionTest, DadNsMustBeMulticastWithoutSourceOption) {
    NdMessage ns = ns_for("2001:db8:1::1", "::");
    expect_refused(nd_frame(ns, kOtherHost), ExceptionRefusal::kBadOption);
    ns.options.clear();
    ns.dst = "2001:db8:1::1";
    expect_refused(nd_frame(ns, kOtherHost, kLanMac), ExceptionRefusal::kBadDestination);
}

TEST_F(ExceptionTest, NsOnVlanIsAnsweredTagged) {
    const Bytes in =
        nd_frame(ns_for("2001:db8:2::1", "fe80::10", kOtherHost), kOtherHost, std::nullopt, kVlan);
    expect_reply(
        in,
        test::ethernet(kOtherHost, kWanMac, 0x86dd,
                       test::nd_packet(na_reply("2001:db8:2::1", "fe80::10", kWanMac)), kVlan),
        1);
    // A link-local neighbour is on link for every IPv6 address of the VLAN.
    EXPECT_TRUE(knows("fe80::10", kOtherHost));
}

TEST_F(ExceptionTest, NsOnTheWrongPortOrVlan) {
    expect_refused(nd_frame(ns_for("2001:db8:2::1", "2001:db8:2::10", kOtherHost), kOtherHost),
                   ExceptionRefusal::kVlanMismatch, 1);
    expect_refused(nd_frame(ns_for("2001:db8:1::1"), kLanHost6, std::nullopt, kVlan),
                   ExceptionRefusal::kWrongPort, 1);
    expect_refused(nd_frame(ns_for("2001:db8:1::1"), kLanHost6, std::nullopt, kVlan),
                   ExceptionRefusal::kVlanMismatch, 0);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, NsForSomeoneElse) {
    expect_refused(nd_frame(ns_for("2001:db8:1::77")), ExceptionRefusal::kNotOurs);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, NsHopLimitMustBe255) {
    for (uint8_t hops : {0, 1, 64, 254}) {
        NdMessage ns = ns_for("2001:db8:1::1");
        ns.hop_limit = hops;
        expect_refused(nd_frame(ns), ExceptionRefusal::kBadHopLimit);
    }
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, NdBadChecksum) {
    for (int16_t delta : {1, -1, 0x100}) {
        NdMessage ns = ns_for("2001:db8:1::1");
        ns.checksum_delta = delta;
        expect_refused(nd_frame(ns), ExceptionRefusal::kBadChecksum);
        NdMessage na = na_reply("2001:db8:1::10", "2001:db8:1::1", kLanHost6);
        na.checksum_delta = delta;
        expect_refused(nd_frame(na), ExceptionRefusal::kBadChecksum);
    }
}

TEST_F(ExceptionTest, NdCodeMustBeZero) {
    NdMessage ns = ns_for("2001:db8:1::1");
    ns.code = 1;
    expect_refused(nd_frame(ns), ExceptionRefusal::kBadCode);
}

TEST_F(ExceptionTest, NdBadTarget) {
    for (const char* target : {"ff02::1", "ff05::2", "::ffff:192.0.2.1", "::"}) {
        NdMessage ns = ns_for("2001:db8:1::1");
        ns.target = target;
        expect_refused(nd_frame(ns), ExceptionRefusal::kBadTarget);
    }
}

TEST_F(ExceptionTest, NdBadOptions) {
    const auto with_options = [](const Bytes& options) {
        NdMessage ns = ns_for("2001:db8:1::1");
        ns.options = options;
        return nd_frame(ns);
    };
    expect_refused(with_options({1, 0, 2, 0, 0, 0, 0, 0x11}), ExceptionRefusal::kBadOption);
    expect_refused(with_options({14, 2, 0, 0, 0, 0, 0, 0}), ExceptionRefusal::kBadOption);
    expect_refused(with_options({1}), ExceptionRefusal::kBadOption);
    // A source link-layer option of 16 bytes, or twice.
    expect_refused(with_options({1, 2, 2, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0, 0}),
                   ExceptionRefusal::kBadOption);
    Bytes twice = test::lla_option(1, kLanHost6);
    const Bytes again = test::lla_option(1, kOtherHost);
    twice.insert(twice.end(), again.begin(), again.end());
    expect_refused(with_options(twice), ExceptionRefusal::kBadOption);
    // A multicast MAC in the option.
    expect_refused(with_options(test::lla_option(1, Mac{0x33, 0x33, 0, 0, 0, 1})),
                   ExceptionRefusal::kBadOption);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, NdTruncated) {
    const Bytes full = nd_frame(ns_for("2001:db8:1::1"));
    for (size_t len : {13, 14, 40, 53, 54, 60, 77, 78, 85}) {
        expect_refused(Bytes(full.begin(), full.begin() + static_cast<long>(len)),
                       ExceptionRefusal::kTruncated);
    }
}

TEST_F(ExceptionTest, NdMessageSplitAcrossSegments) {
    const Bytes full = nd_frame(ns_for("2001:db8:1::1"));
    rte_mbuf* head = test::make_mbuf(Bytes(full.begin(), full.begin() + 80));
    rte_mbuf* tail = test::make_mbuf(Bytes(full.begin() + 80, full.end()));
    ASSERT_NE(head, nullptr);
    ASSERT_NE(tail, nullptr);
    ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
    run_mbuf(head, 0);
    EXPECT_EQ(counters_.refused_count(ExceptionRefusal::kSegmented), 1u);
}

TEST_F(ExceptionTest, NdBadSourceOrDestination) {
    NdMessage ns = ns_for("2001:db8:1::1", "ff02::5");
    expect_refused(nd_frame(ns), ExceptionRefusal::kBadSenderAddress);
    ns = ns_for("2001:db8:1::1", "::1");
    expect_refused(nd_frame(ns), ExceptionRefusal::kBadSenderAddress);
    ns = ns_for("2001:db8:1::1", "::ffff:192.0.2.10");
    expect_refused(nd_frame(ns), ExceptionRefusal::kBadSenderAddress);
    // Multicast IP destination with a MAC that does not map to it.
    expect_refused(nd_frame(ns_for("2001:db8:1::1"), kLanHost6, kBroadcast),
                   ExceptionRefusal::kBadDestination);
    // To a group that is not the target's solicited-node group.
    ns = ns_for("2001:db8:1::1");
    ns.dst = "ff02::1";
    expect_refused(nd_frame(ns), ExceptionRefusal::kBadDestination);
    // Unicast to our address but another MAC.
    ns = ns_for("2001:db8:1::1");
    ns.dst = "2001:db8:1::1";
    expect_refused(nd_frame(ns, kLanHost6, kOtherHost), ExceptionRefusal::kBadDestination);
    EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ExceptionTest, NsClaimingOurAddress) {
    expect_refused(nd_frame(ns_for("2001:db8:1::77", "2001:db8:1::1", kOtherHost), kOtherHost),
                   ExceptionRefusal::kAddressConflict);
    expect_refused(nd_frame(ns_for("2001:db8:1::77", "2001:db8:1::1", kLanMac), kLanMac),
                   ExceptionRefusal::kLoopedBack);
}

// --- Neighbour Advertisement ----------------------------------------------------

TEST_F(ExceptionTest, SolicitedNaResolvesOurSolicitation) {
    ASSERT_TRUE(table_.request(addr("2001:db8:1::10"), kLan6, kNow - 10));
    expect_consumed(nd_frame(na_reply("2001:db8:1::10", "2001:db8:1::1", kLanHost6)));
    EXPECT_TRUE(knows("2001:db8:1::10", kLanHost6));
    EXPECT_EQ(table_.find(addr("2001:db8:1::10"))->state, NeighbourState::kReachable);
    EXPECT_EQ(counters_.learned, 1u);
}

TEST_F(ExceptionTest, NaLearnsTheTargetNotTheSource) {
    ASSERT_TRUE(table_.request(addr("2001:db8:1::20"), kLan6, kNow - 10));
    NdMessage na = na_reply("2001:db8:1::20", "2001:db8:1::1", kOtherHost);
    na.src = "fe80::20";
    expect_consumed(nd_frame(na, kOtherHost));
    EXPECT_TRUE(knows("2001:db8:1::20", kOtherHost));
    EXPECT_EQ(table_.find(addr("fe80::20")), nullptr);
}

TEST_F(ExceptionTest, NaWithoutOverrideKeepsAKnownMac) {
    ASSERT_EQ(table_.learn(addr("2001:db8:1::10"), ether(kLanHost6), kNow - 10, kLan6),
              LearnResult::kCreated);
    NdMessage na = na_reply("2001:db8:1::10", "2001:db8:1::1", kOtherHost);
    na.flags = 0x40;  // Solicited, no Override
    expect_consumed(nd_frame(na, kOtherHost));
    EXPECT_TRUE(knows("2001:db8:1::10", kLanHost6));
    EXPECT_EQ(counters_.not_learned, 1u);
    na.flags = 0x20;  // unsolicited, Override
    na.dst = "ff02::1";
    expect_consumed(nd_frame(na, kOtherHost));
    EXPECT_TRUE(knows("2001:db8:1::10", kOtherHost));
}

TEST_F(ExceptionTest, NaWithoutOverrideCompletesAnIncompleteEntry) {
    ASSERT_TRUE(table_.request(addr("2001:db8:1::10"), kLan6, kNow - 10));
    NdMessage na = na_reply("2001:db8:1::10", "2001:db8:1::1", kLanHost6);
    na.flags = 0x40;
    expect_consumed(nd_frame(na));
    EXPECT_TRUE(knows("2001:db8:1::10", kLanHost6));
}

TEST_F(ExceptionTest, UnsolicitedNaOfAStrangerCreatesNothing) {
    NdMessage na = na_reply("2001:db8:1::77", "ff02::1", kOtherHost);
    na.flags = 0x20;
    expect_consumed(nd_frame(na, kOtherHost));
    EXPECT_EQ(table_.size(), 0u);
    // Without a target link-layer option there is nothing to learn.
    na.options.clear();
    expect_consumed(nd_frame(na, kOtherHost));
    EXPECT_EQ(counters_.learned + counters_.not_learned, 1u);
}

TEST_F(ExceptionTest, NaRefusals) {
    NdMessage na = na_reply("2001:db8:1::10", "ff02::1", kLanHost6);  // S set, multicast
    expect_refused(nd_frame(na), ExceptionRefusal::kBadDestination);
    na = na_reply("2001:db8:1::10", "2001:db8:1::1", kLanHost6);
    na.src = "::";
    expect_refused(nd_frame(na), ExceptionRefusal::kBadSenderAddress);
    na = na_reply("2001:db8:1::10", "2001:db8:1::1", kLanHost6);
    na.hop_limit = 64;
    expect_refused(nd_frame(na), ExceptionRefusal::kBadHopLimit);
    // Someone else advertising our address.
    na = na_reply("2001:db8:1::1", "ff02::1", kOtherHost);
    na.flags = 0x20;
    na.src = "2001:db8:1::99";
    expect_refused(nd_frame(na, kOtherHost), ExceptionRefusal::kAddressConflict);
    // Our own unsolicited NA coming back.
    na.src = "2001:db8:1::1";
    na.options = test::lla_option(2, kLanMac);
    expect_refused(nd_frame(na, kLanMac), ExceptionRefusal::kLoopedBack);
    EXPECT_EQ(table_.size(), 0u);
}

// --- Builders ------------------------------------------------------------------

class BuilderTest : public ExceptionTest {
  protected:
    Bytes take(rte_mbuf* m, uint16_t expected_port) {
        EXPECT_NE(m, nullptr);
        if (m == nullptr) {
            return {};
        }
        EXPECT_EQ(m->port, expected_port);
        EXPECT_EQ(m->nb_segs, 1);
        Bytes b = test::mbuf_bytes(m);
        rte_pktmbuf_free(m);
        return b;
    }
};

TEST_F(BuilderTest, ArpRequestIsBroadcast) {
    EXPECT_EQ(take(build_arp_request(test::mbuf_pool(), locals_.at(kLan4), addr("192.0.2.254")), 0),
              test::ethernet(kBroadcast, kLanMac, 0x0806,
                             test::arp(1, kLanMac, "192.0.2.1", kZeroMac, "192.0.2.254")));
    EXPECT_EQ(
        take(build_arp_request(test::mbuf_pool(), locals_.at(kWan4), addr("198.51.100.254")), 1),
        test::ethernet(kBroadcast, kWanMac, 0x0806,
                       test::arp(1, kWanMac, "198.51.100.1", kZeroMac, "198.51.100.254"), kVlan));
}

TEST_F(BuilderTest, GratuitousArp) {
    EXPECT_EQ(take(build_gratuitous_arp(test::mbuf_pool(), locals_.at(kLan4)), 0),
              test::ethernet(kBroadcast, kLanMac, 0x0806,
                             test::arp(1, kLanMac, "192.0.2.1", kZeroMac, "192.0.2.1")));
    EXPECT_EQ(
        take(build_gratuitous_arp(test::mbuf_pool(), locals_.at(kWan4)), 1),
        test::ethernet(kBroadcast, kWanMac, 0x0806,
                       test::arp(1, kWanMac, "198.51.100.1", kZeroMac, "198.51.100.1"), kVlan));
}

TEST_F(BuilderTest, NeighbourSolicitationToSolicitedNode) {
    NdMessage ns;
    ns.type = 135;
    ns.src = "2001:db8:1::1";
    ns.dst = "ff02::1:ffab:cdef";
    ns.target = "2001:db8:1::12:34ab:cdef";
    ns.options = test::lla_option(1, kLanMac);
    const Bytes b = take(build_neighbour_solicitation(test::mbuf_pool(), locals_.at(kLan6),
                                                      addr("2001:db8:1::12:34ab:cdef")),
                         0);
    EXPECT_EQ(b, test::ethernet(Mac{0x33, 0x33, 0xff, 0xab, 0xcd, 0xef}, kLanMac, 0x86dd,
                                test::nd_packet(ns)));
    EXPECT_TRUE(test::icmpv6_checksum_ok(b, 14));

    ns.src = "2001:db8:2::1";
    ns.dst = "ff02::1:ff00:1";
    ns.target = "fe80::1";
    ns.options = test::lla_option(1, kWanMac);
    const Bytes tagged = take(
        build_neighbour_solicitation(test::mbuf_pool(), locals_.at(kWan6), addr("fe80::1")), 1);
    EXPECT_EQ(tagged, test::ethernet(Mac{0x33, 0x33, 0xff, 0, 0, 1}, kWanMac, 0x86dd,
                                     test::nd_packet(ns), kVlan));
    EXPECT_TRUE(test::icmpv6_checksum_ok(tagged, 18));
}

TEST_F(BuilderTest, UnsolicitedNaToAllNodes) {
    NdMessage na;
    na.type = 136;
    na.flags = 0x20;
    na.src = "2001:db8:2::1";
    na.dst = "ff02::1";
    na.target = "2001:db8:2::1";
    na.options = test::lla_option(2, kWanMac);
    const Bytes b = take(build_unsolicited_na(test::mbuf_pool(), locals_.at(kWan6)), 1);
    EXPECT_EQ(b, test::ethernet(Mac{0x33, 0x33, 0, 0, 0, 1}, kWanMac, 0x86dd, test::nd_packet(na),
                                kVlan));
    EXPECT_TRUE(test::icmpv6_checksum_ok(b, 18));
}

TEST_F(BuilderTest, FamilyMismatchBuildsNothing) {
    EXPECT_EQ(build_arp_request(test::mbuf_pool(), locals_.at(kLan6), addr("192.0.2.254")),
              nullptr);
    EXPECT_EQ(build_arp_request(test::mbuf_pool(), locals_.at(kLan4), addr("2001:db8:1::10")),
              nullptr);
    EXPECT_EQ(build_gratuitous_arp(test::mbuf_pool(), locals_.at(kLan6)), nullptr);
    EXPECT_EQ(
        build_neighbour_solicitation(test::mbuf_pool(), locals_.at(kLan4), addr("2001:db8:1::10")),
        nullptr);
    EXPECT_EQ(
        build_neighbour_solicitation(test::mbuf_pool(), locals_.at(kLan6), addr("192.0.2.10")),
        nullptr);
    EXPECT_EQ(build_neighbour_solicitation(test::mbuf_pool(), locals_.at(kLan6), addr("ff02::1")),
              nullptr);
    EXPECT_EQ(build_unsolicited_na(test::mbuf_pool(), locals_.at(kLan4)), nullptr);
}

// Two dataplanes on one link resolve each other with nothing but these frames.
TEST_F(BuilderTest, SolicitationsAreAnsweredByAnotherDataplane) {
    LocalAddressTable peer_locals;
    LocalAddress peer;
    peer.addr = addr("2001:db8:1::10");
    peer.prefix_len = 64;
    peer.mac = ether(kLanHost6);
    ASSERT_GE(peer_locals.add(peer), 0);
    peer.addr = addr("192.0.2.10");
    peer.prefix_len = 120;
    ASSERT_GE(peer_locals.add(peer), 0);
    NeighbourTable peer_table(8);
    ExceptionCounters peer_counters;

    for (const char* hop : {"2001:db8:1::10", "192.0.2.10"}) {
        const IpAddr next_hop = addr(hop);
        const uint16_t from = next_hop.is_v4() ? kLan4 : kLan6;
        ASSERT_TRUE(table_.request(next_hop, from, kNow));
        rte_mbuf* m =
            next_hop.is_v4()
                ? build_arp_request(test::mbuf_pool(), locals_.at(from), next_hop)
                : build_neighbour_solicitation(test::mbuf_pool(), locals_.at(from), next_hop);
        ASSERT_NE(m, nullptr);
        // The peer answers (and learns us from the request) ...
        ASSERT_EQ(handle_exception(m, peer_locals, peer_table, kNow, peer_counters),
                  ExceptionAction::kTransmit)
            << hop;
        // ... and we learn the peer from the answer.
        EXPECT_EQ(handle_exception(m, locals_, table_, kNow + 1, counters_),
                  ExceptionAction::kFree);
        rte_pktmbuf_free(m);
        EXPECT_TRUE(knows(hop, kLanHost6)) << hop;
    }
    EXPECT_EQ(peer_counters.arp_replies, 1u);
    EXPECT_EQ(peer_counters.nd_replies, 1u);
    EXPECT_EQ(peer_counters.learned, 2u);
    EXPECT_EQ(counters_.consumed, 2u);
    EXPECT_EQ(counters_.total_refused(), 0u);
    const NeighbourMap frozen = table_.freeze();
    EXPECT_NE(frozen.find(addr("192.0.2.10")), nullptr);
    EXPECT_NE(frozen.find(addr("2001:db8:1::10")), nullptr);
}

// --- Robustness ------------------------------------------------------------------

// Every prefix and thousands of random corruptions of valid frames: no crash, and
// every frame lands in exactly one counter.
TEST_F(ExceptionTest, CorruptedFramesAreCountedNeverCrash) {
    const std::vector<std::pair<Bytes, uint16_t>> seeds = {
        {arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1")), 0},
        {arp_frame(test::arp_request(kOtherHost, "198.51.100.7", "198.51.100.1"), kBroadcast,
                   kOtherHost, kVlan),
         1},
        {nd_frame(ns_for("2001:db8:1::1")), 0},
        {nd_frame(na_reply("2001:db8:1::10", "2001:db8:1::1", kLanHost6)), 0},
        {nd_frame(ns_for("2001:db8:2::1", "fe80::10", kOtherHost), kOtherHost, std::nullopt, kVlan),
         1},
    };
    std::mt19937 rng(7);
    uint64_t frames = 0;
    const auto outcomes = [&] {
        return counters_.arp_replies + counters_.nd_replies + counters_.consumed +
               counters_.total_refused();
    };
    for (const auto& [frame, port] : seeds) {
        for (size_t len = 0; len <= frame.size(); ++len) {
            run(Bytes(frame.begin(), frame.begin() + static_cast<long>(len)), port);
            ++frames;
        }
        for (int i = 0; i < 2000; ++i) {
            Bytes f = frame;
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int k = 0; k < flips; ++k) {
                f[rng() % f.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
            }
            run(f, port);
            ++frames;
        }
    }
    EXPECT_EQ(outcomes(), frames);
    EXPECT_LE(table_.size(), table_.max_entries());
}

TEST(ExceptionNamesTest, EveryReasonHasAName) {
    for (unsigned i = 0; i < kExceptionRefusalCount; ++i) {
        EXPECT_STRNE(exception_refusal_name(static_cast<ExceptionRefusal>(i)), "?") << i;
    }
}

}  // namespace
}  // namespace mg::dataplane
