// Dataplane in-process over net_ring ports (the fixture: dataplane_fixture.h):
// the channel's requests, ARP / ND, relaying, lists, emit, counters. Idle-leg
// events are in dataplane_idle_test.cc.
//
// ZeroLossOnReload runs a real worker lcore; the others poll by hand.
#include "dataplane/dataplane.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <rte_ring.h>

#include <gtest/gtest.h>

#include "lists/address.h"
#include "tests/dataplane/dataplane_fixture.h"

namespace mg::dataplane {
namespace {

using test::Bytes;
using test::Mac;
using test::UdpFrame;

using test::DataplaneTest;
using test::g_lan;
using test::g_wan;
using test::kBroadcast;
using test::kLanHost;
using test::kWanGateway;
using test::kWanTci;
using test::leg_spec;
using test::wire;
TEST_F(DataplaneTest, HelloReportsTheInstance) {
    api::HelloBody h;
    api::MessageBuilder b(api::MsgType::kHello, 1);
    b.fixed(h);
    const auto v = one_reply(b);
    ASSERT_EQ(v.type(), api::MsgType::kHelloReply);
    const auto r = v.body<api::HelloReplyBody>();
    EXPECT_EQ(r.instance, dp_->instance());
    EXPECT_EQ(r.workers, 1u);
    EXPECT_EQ(r.ports, 2u);
    EXPECT_EQ(r.max_legs, 8u);
    EXPECT_EQ(v.header.seq, 1u);
}

TEST_F(DataplaneTest, AnotherVersionIsRefusedAndClosed) {
    api::MessageBuilder b(api::MsgType::kHello, 9);
    b.fixed(api::HelloBody{});
    std::vector<uint8_t> bytes = b.bytes();
    bytes[4] = static_cast<uint8_t>(api::kVersion + 1);  // another version
    std::vector<std::vector<uint8_t>> out;
    bool close = false;
    dp_->handle_message(bytes, out, close);
    ASSERT_EQ(out.size(), 1u);
    auto v = api::parse_message(out[0]);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->type(), api::MsgType::kError);
    EXPECT_EQ(v->body<api::ErrorBody>().kind,
              static_cast<uint32_t>(api::ErrorKind::kVersionMismatch));
    EXPECT_NE(v->text().find("version"), std::string_view::npos);
    EXPECT_EQ(v->header.seq, 9u);
    EXPECT_TRUE(close);
}

TEST_F(DataplaneTest, GarbageGetsAnErrorAndChangesNothing) {
    const std::vector<uint8_t> junk{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    std::vector<std::vector<uint8_t>> out;
    bool close = true;
    dp_->handle_message(junk, out, close);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(close);
    auto v = api::parse_message(out[0]);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->type(), api::MsgType::kError);
    EXPECT_EQ(dp_->relays().size(), 0u);
    // A reply type sent as a request.
    const auto r = one_reply(api::MessageBuilder(api::MsgType::kOk, 4));
    EXPECT_EQ(r.type(), api::MsgType::kError);
}

TEST_F(DataplaneTest, AnswersArpForItsOwnAddressOnly) {
    inject(g_lan, test::ethernet(kBroadcast, kLanHost, 0x0806,
                                 test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1")));
    inject(g_lan, test::ethernet(kBroadcast, kLanHost, 0x0806,
                                 test::arp_request(kLanHost, "192.0.2.10", "192.0.2.77")));
    poll();
    const auto out = sent(g_lan);
    ASSERT_EQ(out.size(), 1u);
    Bytes expected = test::ethernet(kLanHost, lan_mac_, 0x0806,
                                    test::arp(2, lan_mac_, "192.0.2.1", kLanHost, "192.0.2.10"));
    // The reply may be padded to the Ethernet minimum; compare the ARP part.
    ASSERT_GE(out[0].size(), expected.size());
    EXPECT_EQ(Bytes(out[0].begin(), out[0].begin() + static_cast<long>(expected.size())), expected);
    EXPECT_TRUE(sent(g_wan).empty());
    EXPECT_EQ(stats().arp_replies, 1u);
}

TEST_F(DataplaneTest, RelaysByteForByteOnceNeighboursAreKnown) {
    add_v4_relay();
    learn_v4_neighbours();
    inject(g_lan, test::build_udp(lan_in()));
    poll();
    const auto out = sent(g_wan);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], test::build_udp(wan_out()));
    EXPECT_TRUE(sent(g_lan).empty());

    // And back.
    const UdpFrame back = from_wan("203.0.113.5", 5000, "198.51.100.1", 30002);
    inject(g_wan, test::build_udp(back));
    poll();
    const UdpFrame expected = to_lan_host(back, "192.0.2.1", 30000, "192.0.2.10", 4000);
    const auto lan = sent(g_lan);
    ASSERT_EQ(lan.size(), 1u);
    EXPECT_EQ(lan[0], test::build_udp(expected));

    const auto s = stats();
    EXPECT_EQ(s.rx, 4u);  // two ARP replies, two datagrams
    EXPECT_EQ(s.relayed, 2u);
    EXPECT_EQ(s.legs, 2u);
}

TEST_F(DataplaneTest, UnknownNextHopIsDroppedAndResolved) {
    add_v4_relay();
    inject(g_lan, test::build_udp(lan_in()));
    poll();
    EXPECT_EQ(stats().drops[static_cast<unsigned>(DropReason::kNoNeighbour)], 1u);
    // An ARP request for the WAN gateway went out on the WAN port, tagged.
    const auto wan = sent(g_wan);
    ASSERT_EQ(wan.size(), 1u);
    Bytes expected = test::ethernet(kBroadcast, wan_mac_, 0x0806,
                                    test::arp(1, wan_mac_, "198.51.100.1", Mac{}, "198.51.100.254"),
                                    kWanTci);
    ASSERT_GE(wan[0].size(), expected.size());
    EXPECT_EQ(Bytes(wan[0].begin(), wan[0].begin() + static_cast<long>(expected.size())), expected);
    // The gateway answers; the next datagram goes through.
    inject(g_wan, test::ethernet(wan_mac_, kWanGateway, 0x0806,
                                 test::arp(2, kWanGateway, "198.51.100.254", wan_mac_, "198.51.100.1"),
                                 kWanTci));
    poll();
    inject(g_lan, test::build_udp(lan_in()));
    poll();
    const auto relayed = sent(g_wan);
    ASSERT_EQ(relayed.size(), 1u);
    EXPECT_EQ(relayed[0], test::build_udp(wan_out()));
}

TEST_F(DataplaneTest, AddLegsIsAllOrNothing) {
    // The second leg is on an address the dataplane does not own.
    add_legs({leg_spec("192.0.2.1", 30000, "192.0.2.10", 4000, "198.51.100.1", 30002),
              leg_spec("198.51.100.9", 30002, "203.0.113.5", 5000, "192.0.2.1", 30000)},
             false);
    EXPECT_NE(std::string(api::parse_message(reply_)->text()).find("not an address of this dataplane"),
              std::string::npos);
    EXPECT_EQ(dp_->relays().size(), 0u);
    // Outside the media ports.
    add_legs({leg_spec("192.0.2.1", 40000, "192.0.2.10", 4000, "198.51.100.1", 30002)}, false);
    // 'any' without latching.
    add_legs({leg_spec("192.0.2.1", 30000, nullptr, 0, "198.51.100.1", 30002)}, false);
    // The same port twice in one batch.
    add_legs({leg_spec("192.0.2.1", 30000, "192.0.2.10", 4000, "198.51.100.1", 30002),
              leg_spec("192.0.2.1", 30000, "192.0.2.11", 4000, "198.51.100.1", 30002)},
             false);
    EXPECT_EQ(dp_->relays().size(), 0u);
    add_v4_relay();
    EXPECT_EQ(dp_->relays().size(), 2u);
    // Taken.
    add_legs({leg_spec("192.0.2.1", 30000, "192.0.2.10", 4000, "198.51.100.1", 30002)}, false);
    // max_legs = 8.
    add_legs({leg_spec("192.0.2.1", 30010, "192.0.2.10", 1, "198.51.100.1", 30011),
              leg_spec("192.0.2.1", 30012, "192.0.2.10", 2, "198.51.100.1", 30013),
              leg_spec("192.0.2.1", 30014, "192.0.2.10", 3, "198.51.100.1", 30015),
              leg_spec("192.0.2.1", 30016, "192.0.2.10", 4, "198.51.100.1", 30017),
              leg_spec("192.0.2.1", 30018, "192.0.2.10", 5, "198.51.100.1", 30019),
              leg_spec("192.0.2.1", 30020, "192.0.2.10", 6, "198.51.100.1", 30021),
              leg_spec("192.0.2.1", 30022, "192.0.2.10", 7, "198.51.100.1", 30023)},
             false);
    EXPECT_NE(std::string(api::parse_message(reply_)->text()).find("max_legs"), std::string::npos);
    EXPECT_EQ(dp_->relays().size(), 2u);
}

TEST_F(DataplaneTest, DeleteQueryAndDump) {
    add_v4_relay();
    learn_v4_neighbours();
    inject(g_lan, test::build_udp(lan_in()));
    poll();
    sent(g_wan);

    api::LegKey k;
    k.local = wire("192.0.2.1");
    k.port = 30000;
    api::MessageBuilder q(api::MsgType::kQueryLegs, 11);
    q.add(k);
    auto v = one_reply(q);
    ASSERT_EQ(v.type(), api::MsgType::kLegs);
    ASSERT_EQ(v.header.count, 1u);
    const auto info = v.entry<api::LegInfo>(0);
    EXPECT_EQ(info.in.packets, 1u);
    EXPECT_EQ(info.in.bytes, 8u);
    EXPECT_EQ(info.spec.owner_tag, 30000u);
    EXPECT_EQ(info.spec.other_port, 30002u);

    v = one_reply(api::MessageBuilder(api::MsgType::kDump, 12));
    ASSERT_EQ(v.type(), api::MsgType::kLegs);
    EXPECT_EQ(v.header.count, 2u);
    EXPECT_EQ(v.header.flags & api::kFlagMore, 0);

    // Deleting an unknown key with a known one changes nothing.
    api::LegKey unknown = k;
    unknown.port = 30004;
    api::MessageBuilder bad(api::MsgType::kDelLegs, 13);
    bad.add(k).add(unknown);
    EXPECT_EQ(one_reply(bad).type(), api::MsgType::kError);
    EXPECT_EQ(dp_->relays().size(), 2u);

    api::MessageBuilder del(api::MsgType::kDelLegs, 14);
    del.add(k);
    EXPECT_EQ(one_reply(del).type(), api::MsgType::kOk);
    EXPECT_EQ(dp_->relays().size(), 1u);
    inject(g_wan, test::build_udp(wan_out()));  // to the deleted leg's partner: peer gone
    poll();
    EXPECT_TRUE(sent(g_lan).empty());
}

TEST_F(DataplaneTest, ListsArePublishedAndBadPushesKeepTheOldOnes) {
    auto push = [&](std::vector<api::RangeEntry> ranges) {
        EXPECT_EQ(one_reply(api::MessageBuilder(api::MsgType::kListsBegin, 1)).type(),
                  api::MsgType::kOk);
        api::MessageBuilder chunk(api::MsgType::kListsChunk, 2);
        for (const auto& r : ranges) {
            chunk.add(r);
        }
        const auto c = one_reply(chunk);
        if (c.type() != api::MsgType::kOk) {
            return c.type();
        }
        return one_reply(api::MessageBuilder(api::MsgType::kListsCommit, 3)).type();
    };
    api::RangeEntry debug;
    debug.list = static_cast<uint8_t>(api::ListId::kDebug);
    debug.first = wire("203.0.113.0");
    debug.last = wire("203.0.113.255");
    EXPECT_EQ(push({debug}), api::MsgType::kOk);
    EXPECT_EQ(dp_->snapshot().lists_generation, 1u);
    auto a = lists::parse_address("203.0.113.5");
    EXPECT_EQ(dp_->snapshot().lists.classify(*a), 1u << 3);

    api::RangeEntry reversed = debug;
    reversed.first = wire("203.0.113.255");
    reversed.last = wire("203.0.113.0");
    EXPECT_EQ(push({reversed}), api::MsgType::kError);
    api::RangeEntry mixed = debug;
    mixed.last = wire("2001:db8::1");
    EXPECT_EQ(push({mixed}), api::MsgType::kError);
    api::RangeEntry unknown = debug;
    unknown.list = 9;
    EXPECT_EQ(push({unknown}), api::MsgType::kError);
    EXPECT_EQ(one_reply(api::MessageBuilder(api::MsgType::kListsCommit, 3)).type(),
              api::MsgType::kError);  // no begin
    EXPECT_EQ(dp_->snapshot().lists_generation, 1u);
    EXPECT_EQ(dp_->snapshot().lists.classify(*a), 1u << 3);

    // A relay towards a Debug IP counts its packets apart.
    add_v4_relay();
    learn_v4_neighbours();
    inject(g_lan, test::build_udp(lan_in()));
    poll();
    EXPECT_EQ(sent(g_wan).size(), 1u);
    EXPECT_EQ(stats().debug_packets, 1u);
}

// Uptime and idle times past 2^64 / 1000 TSC cycles (71 days at 3 GHz) must not wrap.
TEST(DataplaneTime, TscToMsDoesNotWrapAfterMonths) {
    const uint64_t hz = rte_get_tsc_hz();
    const uint64_t ms_in_400_days = uint64_t{400} * 86400 * 1000;
    EXPECT_EQ(Dataplane::tsc_to_ms(hz * 400 * 86400), ms_in_400_days);
    EXPECT_EQ(Dataplane::tsc_to_ms(hz * 400 * 86400 + hz / 2), ms_in_400_days + 500);
    EXPECT_EQ(Dataplane::tsc_to_ms(hz - 1), 999u);
    EXPECT_EQ(Dataplane::tsc_to_ms(0), 0u);
}

// A lists push belongs to the client that began it: another client can neither
// start one over it nor add to it, and one left open by a client that went away is
// abandoned, never published.
TEST_F(DataplaneTest, ListsPushBelongsToTheClientThatBeganIt) {
    api::RangeEntry debug;
    debug.list = static_cast<uint8_t>(api::ListId::kDebug);
    debug.first = wire("203.0.113.0");
    debug.last = wire("203.0.113.255");
    api::MessageBuilder chunk(api::MsgType::kListsChunk, 2);
    chunk.add(debug);
    const api::MessageBuilder begin(api::MsgType::kListsBegin, 1);
    const api::MessageBuilder commit(api::MsgType::kListsCommit, 3);
    constexpr int kA = 5;
    constexpr int kB = 6;

    ASSERT_EQ(one_reply(begin, kA).type(), api::MsgType::kOk);
    const auto busy = one_reply(begin, kB);
    EXPECT_EQ(busy.type(), api::MsgType::kError);
    EXPECT_EQ(busy.text(), "dataplane: another client is pushing lists");
    EXPECT_EQ(one_reply(chunk, kB).type(), api::MsgType::kError);
    EXPECT_EQ(one_reply(commit, kB).type(), api::MsgType::kError);
    ASSERT_EQ(one_reply(chunk, kA).type(), api::MsgType::kOk);

    dp_->client_gone(kA);  // A's push is abandoned, not published
    EXPECT_EQ(one_reply(commit, kA).type(), api::MsgType::kError);
    EXPECT_EQ(dp_->snapshot().lists_generation, 0u);

    // B may push now; A's ranges are not in it.
    ASSERT_EQ(one_reply(begin, kB).type(), api::MsgType::kOk);
    ASSERT_EQ(one_reply(commit, kB).type(), api::MsgType::kOk);
    EXPECT_EQ(dp_->snapshot().lists_generation, 1u);
    EXPECT_EQ(dp_->snapshot().lists.classify(*lists::parse_address("203.0.113.5")), 0u);

    // A push whose client is alive but stuck is taken over once it has been silent
    // for kListsPushIdleMs (1 ms here).
    ASSERT_EQ(one_reply(begin, kA).type(), api::MsgType::kOk);
    EXPECT_EQ(one_reply(begin, kB).type(), api::MsgType::kError);
    dp_->set_lists_push_idle_ms_for_test(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(one_reply(begin, kB).type(), api::MsgType::kOk);
    EXPECT_EQ(one_reply(chunk, kA).type(), api::MsgType::kError);  // A's push is gone
    ASSERT_EQ(one_reply(commit, kB).type(), api::MsgType::kOk);
    dp_->set_lists_push_idle_ms_for_test(Dataplane::kListsPushIdleMs);

    dp_->client_gone(kA);  // nothing open: nothing happens
    ASSERT_EQ(one_reply(begin, kA).type(), api::MsgType::kOk);
    ASSERT_EQ(one_reply(chunk, kA).type(), api::MsgType::kOk);
    ASSERT_EQ(one_reply(commit, kA).type(), api::MsgType::kOk);
    EXPECT_EQ(dp_->snapshot().lists.classify(*lists::parse_address("203.0.113.5")), 1u << 3);
}

TEST_F(DataplaneTest, EmitSendsFromARelayPort) {
    learn_v4_neighbours();
    api::EmitEntry e;
    e.local = wire("198.51.100.1");
    e.local_port = 30002;
    e.peer = wire("203.0.113.5");
    e.peer_port = 5000;
    e.length = 4;
    std::memcpy(e.payload, "\x00\x00\x00\x00", 4);
    api::MessageBuilder b(api::MsgType::kEmit, 5);
    b.add(e);
    const auto v = one_reply(b);
    ASSERT_EQ(v.type(), api::MsgType::kOk) << v.text();
    EXPECT_EQ(v.header.count, 1u);
    poll();
    const auto out = sent(g_wan);
    ASSERT_EQ(out.size(), 1u);
    UdpFrame f = wan_out();  // the same addresses and ports as relayed media
    f.ttl = 64;               // but originated here: full TTL, no DSCP
    f.tclass = 0;
    f.payload = {0, 0, 0, 0};
    EXPECT_EQ(out[0], test::build_udp(f));

    e.length = 0;
    api::MessageBuilder bad(api::MsgType::kEmit, 6);
    bad.add(e);
    EXPECT_EQ(one_reply(bad).type(), api::MsgType::kError);
}

// Bad and unwanted frames through the ring: nothing comes out, and each is
// counted under its own reason.
TEST_F(DataplaneTest, MalformedAndUnwantedFramesAreCountedByReason) {
    add_v4_relay();
    add_legs({leg_spec("192.0.2.1", 30004, nullptr, 0, "198.51.100.1", 30006, api::kSpecLatch),
              leg_spec("198.51.100.1", 30006, "203.0.113.5", 5006, "192.0.2.1", 30004)});
    learn_v4_neighbours();
    const api::StatsBody before = stats();
    struct Case {
        Bytes frame;
        DropReason reason;
    };
    std::vector<Case> cases;
    cases.push_back({Bytes(10, 0xaa), DropReason::kTruncatedEthernet});
    cases.push_back({test::ethernet(lan_mac_, kLanHost, 0x88cc, Bytes(46, 0)),
                     DropReason::kUnsupportedEthertype});
    Bytes bad_sum = test::build_udp(lan_in());
    bad_sum[14 + 10] ^= 0xff;
    cases.push_back({bad_sum, DropReason::kBadIpv4Checksum});
    UdpFrame frag = lan_in();
    frag.ipv4_frag = 0x2000;
    cases.push_back({test::build_udp(frag), DropReason::kIpv4Fragment});
    const Bytes udp_header{0x0f, 0xa0, 0x75, 0x30, 0, 8, 0, 0};
    cases.push_back({test::ethernet(lan_mac_, kLanHost, 0x0800,
                                    test::ipv4("192.0.2.10", "192.0.2.1", 17, udp_header, 64,
                                               Bytes{1, 1, 1, 0})),
                     DropReason::kIpv4Options});
    cases.push_back({test::ethernet(lan_mac_, kLanHost, 0x0800,
                                    test::ipv4("192.0.2.10", "192.0.2.1", 6, Bytes(20, 0))),
                     DropReason::kNotUdp});
    cases.push_back({test::ethernet(lan_mac_, kLanHost, 0x86dd,
                                    test::ipv6("2001:db8:1::10", "2001:db8:1::1", 0,
                                               Bytes{17, 0, 0, 0, 0, 0, 0, 0})),
                     DropReason::kIpv6ExtensionHeader});
    Bytes truncated_ip = test::build_udp(lan_in());
    truncated_ip.resize(14 + 12);
    cases.push_back({truncated_ip, DropReason::kTruncatedIpv4});
    UdpFrame stranger_dst = lan_in();
    stranger_dst.dst_ip = "192.0.2.99";
    cases.push_back({test::build_udp(stranger_dst), DropReason::kNotForUs});
    UdpFrame unknown_port = lan_in();
    unknown_port.dst_port = 30100;
    cases.push_back({test::build_udp(unknown_port), DropReason::kUnknownPort});
    UdpFrame wrong_source = lan_in();
    wrong_source.src_port = 4001;
    cases.push_back({test::build_udp(wrong_source), DropReason::kUnexpectedSource});
    UdpFrame not_media = lan_in();
    not_media.dst_port = 30004;
    not_media.payload = {'h', 'e', 'l', 'l', 'o'};
    cases.push_back({test::build_udp(not_media), DropReason::kLatchNotMedia});
    UdpFrame ttl = lan_in();
    ttl.ttl = 1;
    cases.push_back({test::build_udp(ttl), DropReason::kTtlExhausted});

    for (const Case& c : cases) {
        inject(g_lan, c.frame);
    }
    poll();
    EXPECT_TRUE(sent(g_lan).empty());
    EXPECT_TRUE(sent(g_wan).empty());
    const api::StatsBody after = stats();
    EXPECT_EQ(after.rx - before.rx, cases.size());
    EXPECT_EQ(after.relayed, before.relayed);
    for (const Case& c : cases) {
        const auto r = static_cast<unsigned>(c.reason);
        EXPECT_EQ(after.drops[r] - before.drops[r], 1u) << drop_reason_name(c.reason);
    }
}

// IPv6 both sides: the neighbour solicits our address, then a datagram is relayed
// byte for byte (hop limit, traffic class, checksum).
TEST_F(DataplaneTest, Ipv6NeighbourSolicitationAndRelay) {
    add_legs({leg_spec("2001:db8:1::1", 30010, "2001:db8:1::10", 4010, "2001:db8:2::1", 30012),
              leg_spec("2001:db8:2::1", 30012, "2001:db8:2::99", 5010, "2001:db8:1::1", 30010)});
    test::NdMessage ns;
    ns.src = "2001:db8:1::10";
    ns.dst = test::solicited_node("2001:db8:1::1");
    ns.target = "2001:db8:1::1";
    ns.options = test::lla_option(1, kLanHost);
    inject(g_lan, test::ethernet(test::ipv6_multicast_mac(ns.dst), kLanHost, 0x86dd,
                                 test::nd_packet(ns)));
    poll();
    const auto na = sent(g_lan);
    ASSERT_EQ(na.size(), 1u);
    EXPECT_TRUE(test::icmpv6_checksum_ok(na[0], 14));
    EXPECT_EQ(na[0][14 + 40], 136);  // a neighbour advertisement
    EXPECT_EQ(stats().nd_replies, 1u);

    UdpFrame back = from_wan("2001:db8:2::99", 5010, "2001:db8:2::1", 30012);
    back.tclass = 0x01;  // ECN bits: kept
    inject(g_wan, test::build_udp(back));
    poll();
    const UdpFrame expected = to_lan_host(back, "2001:db8:1::1", 30010, "2001:db8:1::10", 4010);
    const auto out = sent(g_lan);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], test::build_udp(expected));
}

// Both ports' IPv6 gateway is the link-local fe80::1, a different router on each
// link (the usual IPv6 set-up): each port solicits and learns its own router, and
// relayed packets leave each port towards that port's router.
class TwoLinkLocalRoutersTest : public DataplaneTest {
  protected:
    const char* config() const override { return config_.c_str(); }

    std::string config_ = [] {
        std::string c = test::kDataplaneTestConfig;
        const std::string lan_gw = "gateway = \"192.0.2.254\"\n";
        const std::string wan_gw6 = "gateway6 = \"2001:db8:2::fe\"\n";
        c.replace(c.find(lan_gw), lan_gw.size(), lan_gw + "gateway6 = \"fe80::1\"\n");
        c.replace(c.find(wan_gw6), wan_gw6.size(), "gateway6 = \"fe80::1\"\n");
        return c;
    }();
};

TEST_F(TwoLinkLocalRoutersTest, EachPortReachesItsOwnRouter) {
    const Mac lan_router{0x02, 0, 0, 0, 0, 0xa1};
    const Mac wan_router{0x02, 0, 0, 0, 0, 0xa2};
    // 2001:db8:9::5 (behind the LAN router) <-> [lan :30010 | wan :30012] <->
    // 2001:db8:7::7 (behind the WAN router)
    add_legs({leg_spec("2001:db8:1::1", 30010, "2001:db8:9::5", 4010, "2001:db8:2::1", 30012),
              leg_spec("2001:db8:2::1", 30012, "2001:db8:7::7", 5010, "2001:db8:1::1", 30010)});
    UdpFrame from_lan;
    from_lan.dst_mac = lan_mac_;
    from_lan.src_mac = lan_router;
    from_lan.src_ip = "2001:db8:9::5";
    from_lan.dst_ip = "2001:db8:1::1";
    from_lan.src_port = 4010;
    from_lan.dst_port = 30010;
    UdpFrame from_wan_side = from_wan("2001:db8:7::7", 5010, "2001:db8:2::1", 30012);
    from_wan_side.src_mac = wan_router;

    // Neither router is known: each port solicits fe80::1 on its own link, the
    // packets are dropped.
    inject(g_lan, test::build_udp(from_lan));
    inject(g_wan, test::build_udp(from_wan_side));
    poll();
    const auto lan_ns = sent(g_lan);
    const auto wan_ns = sent(g_wan);
    ASSERT_EQ(lan_ns.size(), 1u);
    ASSERT_EQ(wan_ns.size(), 1u);
    const Bytes router = test::ip_bytes("fe80::1");
    for (const auto& [frame, l3] : {std::pair{lan_ns[0], size_t{14}}, {wan_ns[0], size_t{18}}}) {
        ASSERT_GE(frame.size(), l3 + 40 + 24);
        EXPECT_EQ(frame[l3 + 40], 135);  // a neighbour solicitation ...
        EXPECT_EQ(Bytes(frame.begin() + static_cast<long>(l3 + 48),
                        frame.begin() + static_cast<long>(l3 + 64)),
                  router);  // ... for fe80::1
    }
    EXPECT_EQ(stats().drops[static_cast<unsigned>(DropReason::kNoNeighbour)], 2u);

    // Each router answers on its own link.
    auto na = [](const char* to, const Mac& mac) {
        test::NdMessage m;
        m.type = 136;
        m.flags = 0x60;  // Solicited, Override
        m.src = "fe80::1";
        m.dst = to;
        m.target = "fe80::1";
        m.options = test::lla_option(2, mac);
        return test::nd_packet(m);
    };
    inject(g_lan, test::ethernet(lan_mac_, lan_router, 0x86dd, na("2001:db8:1::1", lan_router)));
    inject(g_wan,
           test::ethernet(wan_mac_, wan_router, 0x86dd, na("2001:db8:2::1", wan_router), kWanTci));
    poll();
    EXPECT_TRUE(sent(g_lan).empty());
    EXPECT_TRUE(sent(g_wan).empty());

    // Relayed both ways, each out of its port to that port's router.
    inject(g_lan, test::build_udp(from_lan));
    inject(g_wan, test::build_udp(from_wan_side));
    poll();
    UdpFrame to_wan = from_lan;
    to_wan.dst_mac = wan_router;
    to_wan.src_mac = wan_mac_;
    to_wan.vlan_tci = kWanTci;
    to_wan.src_ip = "2001:db8:2::1";
    to_wan.dst_ip = "2001:db8:7::7";
    to_wan.src_port = 30012;
    to_wan.dst_port = 5010;
    to_wan.ttl = 63;
    to_wan.tclass = 46 << 2;
    UdpFrame to_lan = to_lan_host(from_wan_side, "2001:db8:1::1", 30010, "2001:db8:9::5", 4010);
    to_lan.dst_mac = lan_router;
    EXPECT_EQ(sent(g_wan), std::vector<Bytes>{test::build_udp(to_wan)});
    EXPECT_EQ(sent(g_lan), std::vector<Bytes>{test::build_udp(to_lan)});
}

// Traffic flows through a running worker lcore while the lists are replaced
// many times: every datagram comes out, none is lost.
TEST_F(DataplaneTest, ZeroLossOnReload) {
    if (rte_lcore_count() < 2) {
        GTEST_SKIP() << "needs a worker lcore";
    }
    add_v4_relay();
    learn_v4_neighbours();
    ASSERT_TRUE(dp_->start().ok());
    const Bytes frame = test::build_udp(lan_in());
    constexpr unsigned kPackets = 20000;
    unsigned injected = 0;
    unsigned received = 0;
    unsigned reloads = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((received < kPackets) && std::chrono::steady_clock::now() < deadline) {
        for (unsigned i = 0; i < 64 && injected < kPackets &&
                             rte_mempool_avail_count(test::mbuf_pool()) > 128;
             ++i) {
            rte_mbuf* m = test::make_mbuf(frame);
            ASSERT_NE(m, nullptr);
            if (rte_ring_enqueue(g_lan.rx, m) != 0) {
                rte_pktmbuf_free(m);
                break;
            }
            ++injected;
        }
        if (reloads < 200) {
            api::RangeEntry r;
            r.list = static_cast<uint8_t>(api::ListId::kLan);
            r.first = wire("192.0.2.0");
            r.last = wire(reloads % 2 == 0 ? "192.0.2.255" : "192.0.2.127");
            request(api::MessageBuilder(api::MsgType::kListsBegin, 1));
            api::MessageBuilder chunk(api::MsgType::kListsChunk, 2);
            chunk.add(r);
            request(chunk);
            request(api::MessageBuilder(api::MsgType::kListsCommit, 3));
            ++reloads;
        }
        void* m = nullptr;
        while (rte_ring_dequeue(g_wan.tx, &m) == 0) {
            rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
            ++received;
        }
    }
    dp_->stop();
    const auto s = stats();
    EXPECT_EQ(reloads, 200u);
    EXPECT_EQ(dp_->snapshot().lists_generation, 200u);
    EXPECT_EQ(received, kPackets);
    EXPECT_EQ(s.relayed, kPackets);
    EXPECT_EQ(s.rx, kPackets + 2);  // + the two ARP replies learned before
    EXPECT_EQ(s.tx_dropped, 0u);
    uint64_t drops = 0;
    for (uint64_t d : s.drops) {
        drops += d;
    }
    EXPECT_EQ(drops, 0u);
}

// The Debug mark follows the lists: legs already relaying are judged again when new
// lists are published (their signalled peer, and the learned one of a latched leg),
// and keep their latch and counters.
TEST_F(DataplaneTest, DebugMarkFollowsTheLists) {
    auto push_debug = [&](const char* addr) {
        api::RangeEntry debug;
        debug.list = static_cast<uint8_t>(api::ListId::kDebug);
        debug.first = wire(addr);
        debug.last = wire(addr);
        ASSERT_EQ(one_reply(api::MessageBuilder(api::MsgType::kListsBegin, 1)).type(),
                  api::MsgType::kOk);
        api::MessageBuilder chunk(api::MsgType::kListsChunk, 2);
        chunk.add(debug);
        ASSERT_EQ(one_reply(chunk).type(), api::MsgType::kOk);
        ASSERT_EQ(one_reply(api::MessageBuilder(api::MsgType::kListsCommit, 3)).type(),
                  api::MsgType::kOk);
    };
    // X: 192.0.2.10:4000 <-> [30000 | 30002] <-> 203.0.113.5:5000 (signalled).
    add_v4_relay();
    // Y: 192.0.2.10:4002 <-> [30010 | 30012] <-> any, latched below.
    add_legs({leg_spec("192.0.2.1", 30010, "192.0.2.10", 4002, "198.51.100.1", 30012),
              leg_spec("198.51.100.1", 30012, nullptr, 0, "192.0.2.1", 30010, api::kSpecLatch)});
    learn_v4_neighbours();
    const auto wan_leg = [&](uint16_t port) {
        const int wan = dp_->snapshot().locals.find(
            IpAddr::from_address(*lists::parse_address("198.51.100.1")));
        return dp_->relays().find(static_cast<uint16_t>(wan), port);
    };
    const auto relayed = [&](test::RingPort& in, const UdpFrame& f, test::RingPort& out) {
        inject(in, test::build_udp(f));
        poll();
        return sent(out).size();
    };
    const UdpFrame y_in = from_wan("203.0.113.77", 6000, "198.51.100.1", 30012);

    EXPECT_EQ(relayed(g_lan, lan_in(), g_wan), 1u);
    EXPECT_EQ(relayed(g_wan, y_in, g_lan), 1u);  // latches 203.0.113.77:6000
    EXPECT_EQ(stats().debug_packets, 0u);
    ASSERT_EQ(wan_leg(30012)->latch_state, kLatched);

    // Y's learned peer becomes a Debug IP: its leg is marked, still latched.
    const Leg* before = wan_leg(30012);
    push_debug("203.0.113.77");
    const Leg* y = wan_leg(30012);
    EXPECT_NE(y, before);  // published anew
    EXPECT_EQ(y->latch_state, kLatched);
    EXPECT_EQ(y->learned_peer, IpAddr::from_address(*lists::parse_address("203.0.113.77")));
    EXPECT_EQ(y->learned_port, 6000);
    EXPECT_EQ(y->learned_flags, kLegDebug);
    EXPECT_EQ(y->in.packets, 1u);  // counters kept
    EXPECT_EQ((wan_leg(30002)->flags & kLegDebug), 0);
    EXPECT_EQ(relayed(g_wan, y_in, g_lan), 1u);
    EXPECT_EQ(stats().debug_packets, 1u);
    EXPECT_EQ(relayed(g_lan, lan_in(), g_wan), 1u);
    EXPECT_EQ(stats().debug_packets, 1u);
    // The latch was kept, not started over: another source is still refused.
    EXPECT_EQ(relayed(g_wan, from_wan("203.0.113.78", 6000, "198.51.100.1", 30012), g_lan), 0u);
    EXPECT_EQ(wan_leg(30012)->in.packets, 2u);

    // Now X's signalled peer is the Debug IP and Y's is not any more.
    push_debug("203.0.113.5");
    EXPECT_EQ((wan_leg(30002)->flags & kLegDebug), kLegDebug);
    EXPECT_EQ(wan_leg(30012)->learned_flags, 0);
    EXPECT_EQ(wan_leg(30012)->latch_state, kLatched);
    EXPECT_EQ(relayed(g_wan, y_in, g_lan), 1u);
    EXPECT_EQ(stats().debug_packets, 1u);
    EXPECT_EQ(relayed(g_lan, lan_in(), g_wan), 1u);  // towards the Debug IP
    EXPECT_EQ(stats().debug_packets, 2u);
}

}  // namespace
}  // namespace mg::dataplane
