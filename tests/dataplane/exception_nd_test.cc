// The exception path for IPv6 neighbour discovery: NS answered byte for byte,
// every refusal reason, NA learning rules; and the builders of announcements and
// solicitations.
#include "tests/dataplane/exception_fixture.h"

namespace mg::dataplane {
namespace {
// --- Neighbour Solicitation ----------------------------------------------------

TEST_F(ExceptionTest, MulticastNsIsAnsweredWithSolicitedNa) {
    const Bytes in = nd_frame(ns_for("2001:db8:1::1"));
    ASSERT_TRUE(test::icmpv6_checksum_ok(in, 14));
    expect_reply(
        in, test::ethernet(kLanHost6, kLanMac, 0x86dd,
                           test::nd_packet(na_reply("2001:db8:1::1", "2001:db8:1::10", kLanMac))));
    EXPECT_EQ(counters_.nd_replies, 1u);
    EXPECT_TRUE(knows("2001:db8:1::10", kLanHost6));
    EXPECT_EQ(table_.find(key("2001:db8:1::10"))->local_addr_index, kLan6);
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
    EXPECT_TRUE(knows("fe80::10", kOtherHost, 1));
    EXPECT_FALSE(table_.find(key("fe80::10", 1))->needed);
}

// fe80::1 is port 1's gateway6, not port 0's: heard on port 1 it is needed (in
// use whoever asked first), heard on port 0 it is only a neighbour's request.
TEST_F(ExceptionTest, NsFromTheGatewayOfThatLinkOnlyIsNeeded) {
    expect_reply(
        nd_frame(ns_for("2001:db8:2::1", "fe80::1", kOtherHost), kOtherHost, std::nullopt, kVlan),
        test::ethernet(kOtherHost, kWanMac, 0x86dd,
                       test::nd_packet(na_reply("2001:db8:2::1", "fe80::1", kWanMac)), kVlan),
        1);
    expect_reply(nd_frame(ns_for("2001:db8:1::1", "fe80::1", kLanHost), kLanHost),
                 test::ethernet(kLanHost, kLanMac, 0x86dd,
                                test::nd_packet(na_reply("2001:db8:1::1", "fe80::1", kLanMac))));
    ASSERT_TRUE(knows("fe80::1", kOtherHost, 1));
    ASSERT_TRUE(knows("fe80::1", kLanHost, 0));
    EXPECT_TRUE(table_.find(key("fe80::1", 1))->needed);
    EXPECT_FALSE(table_.find(key("fe80::1", 0))->needed);
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
    ASSERT_TRUE(table_.request(key("2001:db8:1::10"), kLan6, kNow - 10));
    expect_consumed(nd_frame(na_reply("2001:db8:1::10", "2001:db8:1::1", kLanHost6)));
    EXPECT_TRUE(knows("2001:db8:1::10", kLanHost6));
    EXPECT_EQ(table_.find(key("2001:db8:1::10"))->state, NeighbourState::kReachable);
    EXPECT_EQ(counters_.learned, 1u);
}

// Neighbours are per link: the same link-local router address on both ports is
// two entries, and what a host on one port says never changes the other's.
TEST_F(ExceptionTest, TheSameLinkLocalAddressOnTwoPortsIsTwoNeighbours) {
    ASSERT_TRUE(table_.request(key("fe80::1", 0), kLan6, kNow - 10));
    ASSERT_TRUE(table_.request(key("fe80::1", 1), kWan6, kNow - 10));
    EXPECT_EQ(table_.size(), 2u);

    expect_consumed(
        nd_frame(na_reply("fe80::1", "2001:db8:2::1", kOtherHost), kOtherHost, kWanMac, kVlan), 1);
    EXPECT_TRUE(knows("fe80::1", kOtherHost, 1));
    EXPECT_EQ(mac_of("fe80::1", 0), nullptr);  // port 0's router has not answered

    expect_consumed(nd_frame(na_reply("fe80::1", "2001:db8:1::1", kGatewayMac), kGatewayMac), 0);
    EXPECT_TRUE(knows("fe80::1", kGatewayMac, 0));
    EXPECT_TRUE(knows("fe80::1", kOtherHost, 1));

    // An unsolicited NA with Override from a host on port 0 changes port 0's
    // entry only.
    NdMessage na = na_reply("fe80::1", "ff02::1", kLanHost6);
    na.flags = 0x20;
    expect_consumed(nd_frame(na, kLanHost6), 0);
    EXPECT_TRUE(knows("fe80::1", kLanHost6, 0));
    EXPECT_TRUE(knows("fe80::1", kOtherHost, 1));
    EXPECT_EQ(table_.size(), 2u);

    const NeighbourMap frozen = table_.freeze();
    EXPECT_EQ(frozen.size(), 2u);
    ASSERT_NE(frozen.find(addr("fe80::1"), 0), nullptr);
    ASSERT_NE(frozen.find(addr("fe80::1"), 1), nullptr);
    EXPECT_EQ(to_mac(*frozen.find(addr("fe80::1"), 0)), kLanHost6);
    EXPECT_EQ(to_mac(*frozen.find(addr("fe80::1"), 1)), kOtherHost);
}

TEST_F(ExceptionTest, NaLearnsTheTargetNotTheSource) {
    ASSERT_TRUE(table_.request(key("2001:db8:1::20"), kLan6, kNow - 10));
    NdMessage na = na_reply("2001:db8:1::20", "2001:db8:1::1", kOtherHost);
    na.src = "fe80::20";
    expect_consumed(nd_frame(na, kOtherHost));
    EXPECT_TRUE(knows("2001:db8:1::20", kOtherHost));
    EXPECT_EQ(table_.find(key("fe80::20")), nullptr);
}

TEST_F(ExceptionTest, NaWithoutOverrideKeepsAKnownMac) {
    ASSERT_EQ(table_.learn(key("2001:db8:1::10"), ether(kLanHost6), kNow - 10, kLan6),
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
    ASSERT_TRUE(table_.request(key("2001:db8:1::10"), kLan6, kNow - 10));
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
        ASSERT_TRUE(table_.request({next_hop, 0}, from, kNow));
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
    EXPECT_NE(frozen.find(addr("192.0.2.10"), 0), nullptr);
    EXPECT_NE(frozen.find(addr("2001:db8:1::10"), 0), nullptr);
}

}  // namespace
}  // namespace mg::dataplane
