// The exception path for ARP: replies byte for byte, every refusal reason, the
// learning rules; and corrupted frames of both kinds counted, never a crash.
#include "tests/dataplane/exception_fixture.h"

namespace mg::dataplane {
namespace {

// --- ARP ---------------------------------------------------------------------

TEST_F(ExceptionTest, ArpRequestForOursIsAnsweredAndSenderLearned) {
    const Bytes in = arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1"));
    const Bytes expected = test::ethernet(
        kLanHost, kLanMac, 0x0806, test::arp(2, kLanMac, "192.0.2.1", kLanHost, "192.0.2.10"));
    ASSERT_EQ(in.size(), 60u);
    expect_reply(in, expected);  // padding trimmed: 42 bytes
    EXPECT_EQ(counters_.arp_replies, 1u);
    EXPECT_EQ(counters_.learned, 1u);
    const NeighbourEntry* e = table_.find(key("192.0.2.10"));
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
    EXPECT_TRUE(knows("198.51.100.7", kOtherHost, 1));
    EXPECT_EQ(table_.find(key("198.51.100.7", 1))->local_addr_index, kWan4);
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
    // The configured gateway is in use whoever asked first: needed, never a flood's victim.
    EXPECT_TRUE(table_.find(key("192.0.2.254"))->needed);
}

TEST_F(ExceptionTest, ArpRequestFromAnOnLinkHostIsLearnedAsHeard) {
    expect_reply(arp_frame(test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1")),
                 test::ethernet(kLanHost, kLanMac, 0x0806,
                                test::arp(2, kLanMac, "192.0.2.1", kLanHost, "192.0.2.10")));
    ASSERT_TRUE(knows("192.0.2.10", kLanHost));
    EXPECT_FALSE(table_.find(key("192.0.2.10"))->needed);
}

TEST_F(ExceptionTest, ArpReplyResolvesOurRequest) {
    ASSERT_TRUE(table_.request(key("192.0.2.254"), kLan4, kNow - 10));
    expect_consumed(arp_frame(test::arp(2, kGatewayMac, "192.0.2.254", kLanMac, "192.0.2.1"),
                              kLanMac, kGatewayMac));
    EXPECT_TRUE(knows("192.0.2.254", kGatewayMac));
    EXPECT_EQ(table_.find(key("192.0.2.254"))->state, NeighbourState::kReachable);
    EXPECT_EQ(table_.generation(), 1u);
}

TEST_F(ExceptionTest, UnsolicitedArpReplyCreatesNothing) {
    expect_consumed(arp_frame(test::arp(2, kOtherHost, "192.0.2.77", kLanMac, "192.0.2.1"), kLanMac,
                              kOtherHost));
    EXPECT_EQ(table_.size(), 0u);
    EXPECT_EQ(counters_.not_learned, 1u);
}

TEST_F(ExceptionTest, GratuitousArpUpdatesAKnownNeighbourWithoutReply) {
    ASSERT_EQ(table_.learn(key("192.0.2.254"), ether(kGatewayMac), kNow - 1000, kLan4),
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
    ASSERT_EQ(table_.learn(key("192.0.2.254"), ether(kGatewayMac), kNow - 1000, kLan4),
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
    ASSERT_TRUE(table_.request(key("192.0.2.10"), kLan4, kNow - 10));
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
