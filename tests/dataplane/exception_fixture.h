// The fixture of the ARP / ND exception path tests (exception_arp_test.cc,
// exception_nd_test.cc): local addresses on two ports, a neighbour table, frame
// helpers. Replies are checked against frames built independently by frame_builder.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dataplane/exception.h"
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

inline IpAddr addr(const std::string& text) {
    return IpAddr::from_address(*lists::parse_address(text));
}
inline rte_ether_addr ether(const Mac& m) {
    rte_ether_addr e;
    std::copy(m.begin(), m.end(), e.addr_bytes);
    return e;
}
inline Mac to_mac(const rte_ether_addr& e) {
    Mac m;
    std::copy(std::begin(e.addr_bytes), std::end(e.addr_bytes), m.begin());
    return m;
}

inline Bytes arp_frame(const Bytes& arp,
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
inline Bytes nd_frame(const NdMessage& m,
                      const Mac& src = kLanHost6,
                      std::optional<Mac> dst = std::nullopt,
                      std::optional<uint16_t> vlan = std::nullopt) {
    const Mac d =
        dst ? *dst : (m.dst.rfind("ff", 0) == 0 ? test::ipv6_multicast_mac(m.dst) : kLanMac);
    return test::ethernet(d, src, 0x86dd, test::nd_packet(m), vlan);
}
// A well-formed multicast NS from 2001:db8:1::10 for `target`.
inline NdMessage ns_for(const std::string& target,
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
inline NdMessage na_reply(const std::string& local, const std::string& to, const Mac& our_mac) {
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
    // The neighbour `a` on the link of DPDK port `port` (0: the LAN side).
    static NeighbourKey key(const std::string& a, uint16_t port = 0) { return {addr(a), port}; }
    const rte_ether_addr* mac_of(const std::string& a, uint16_t port) const {
        const NeighbourEntry* e = table_.find(key(a, port));
        return e != nullptr && e->has_mac ? &e->mac : nullptr;
    }
    bool knows(const std::string& a, const Mac& m, uint16_t port = 0) const {
        const rte_ether_addr* found = mac_of(a, port);
        return found != nullptr && to_mac(*found) == m;
    }

    LocalAddressTable locals_;
    NeighbourTable table_{64};
    ExceptionCounters counters_;
};

}  // namespace
}  // namespace mg::dataplane
