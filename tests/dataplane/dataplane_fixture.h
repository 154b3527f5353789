// The in-process Dataplane fixture over two net_ring ports ("lan" and "wan"),
// shared by dataplane_test.cc and dataplane_idle_test.cc: channel requests applied
// to a real Dataplane, frames injected into the ports' RX rings and the frames
// that come out of their TX rings checked byte for byte, with the counters.
//
// Most tests poll by hand (worker_poll_once + poll_main) so every step is
// deterministic.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "configs/config.h"
#include "dataplane/dataplane.h"
#include "tests/dataplane/dpdk_env.h"
#include "tests/dataplane/frame_builder.h"
#include "tests/dataplane/leg_specs.h"
#include "tests/dataplane/ring_port.h"

namespace mg::dataplane::test {

inline constexpr const char* kDataplaneTestConfig = R"(
[media]
udp_ports = "30000-30999"
silence_timeout_s = 1
[dataplane]
workers = 1
idle_sleep_us = 0
max_legs = 8
relatch_after_s = 0
[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_ring_dpt_lan"
addresses = ["192.0.2.1/24", "2001:db8:1::1/64"]
gateway = "192.0.2.254"
[[dataplane.port]]
name = "wan"
role = "wan"
device = "net_ring_dpt_wan"
addresses = ["198.51.100.1/24", "2001:db8:2::1/64"]
gateway = "198.51.100.254"
gateway6 = "2001:db8:2::fe"
vlan = 100
dscp = 46
)";

inline const Mac kLanHost{0x02, 0, 0, 0, 0, 0x10};
inline const Mac kWanGateway{0x02, 0, 0, 0, 0, 0xfe};
inline const Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr uint16_t kWanTci = 100;

// The two net_ring ports, made once per process (DPDK cannot remove a ring port
// and make it again under the same name).
inline RingPort g_lan;
inline RingPort g_wan;
inline bool g_ports_ok = false;

class DataplaneTest : public testing::Test {
  protected:
    // The TOML the Dataplane is made from; its ports must be the two ring ports.
    virtual const char* config() const { return kDataplaneTestConfig; }

    static void SetUpTestSuite() {
        if (test::mbuf_pool() != nullptr && !g_ports_ok) {
            g_ports_ok = make_ring_port("dpt_lan", g_lan) && make_ring_port("dpt_wan", g_wan);
        }
    }

    void SetUp() override {
        MG_REQUIRE_EAL();
        ASSERT_TRUE(g_ports_ok);
        drain(g_lan.rx);
        drain(g_lan.tx);
        drain(g_wan.rx);
        drain(g_wan.tx);
        configs::LoadOptions opts;
        opts.host_interfaces = std::vector<configs::HostInterface>{};
        auto cfg = configs::parse_config(config(), "dataplane_test.toml", opts);
        ASSERT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().format());
        auto dp = Dataplane::create(*cfg);
        ASSERT_TRUE(dp.ok()) << (dp.ok() ? "" : dp.error().message);
        dp_ = std::move(*dp);
        lan_mac_ = mac_of(dp_->ports()[0].mac);
        wan_mac_ = mac_of(dp_->ports()[1].mac);
    }

    void TearDown() override {
        if (g_ports_ok) {
            drain(g_lan.rx);
            drain(g_lan.tx);
            drain(g_wan.rx);
            drain(g_wan.tx);
        }
        dp_.reset();
    }

    void inject(RingPort& p, const Bytes& frame) { ASSERT_TRUE(test::inject(p, frame)); }
    static std::vector<Bytes> sent(RingPort& p) { return test::sent(p); }

    // One worker round (and the main lcore's) followed by a second main round,
    // so replies the main lcore queued are transmitted by worker 0.
    void poll() {
        Worker& w = dp_->workers_for_test()[0];
        worker_poll_once(w, dp_->snapshot());
        dp_->poll_main(now_ms_);
        worker_poll_once(w, dp_->snapshot());
    }

    std::vector<std::vector<uint8_t>> request(const api::MessageBuilder& b,
                                              bool* closed = nullptr,
                                              int client = 0) {
        std::vector<std::vector<uint8_t>> out;
        bool close = false;
        dp_->handle_message(b.bytes(), out, close, client);
        if (closed != nullptr) {
            *closed = close;
        }
        return out;
    }

    // The single reply's view (kept alive in reply_).
    api::MessageView one_reply(const api::MessageBuilder& b, int client = 0) {
        auto out = request(b, nullptr, client);
        EXPECT_EQ(out.size(), 1u);
        reply_ = out.empty() ? std::vector<uint8_t>{} : out[0];
        auto v = api::parse_message(reply_);
        EXPECT_TRUE(v.ok());
        return v.ok() ? *v : api::MessageView{};
    }

    void add_legs(std::initializer_list<api::LegSpec> legs, bool expect_ok = true) {
        api::MessageBuilder b(api::MsgType::kAddLegs, 7);
        for (const auto& l : legs) {
            b.add(l);
        }
        const auto v = one_reply(b);
        if (expect_ok) {
            EXPECT_EQ(v.type(), api::MsgType::kOk) << v.text();
        } else {
            EXPECT_EQ(v.type(), api::MsgType::kError);
        }
    }

    // 192.0.2.10:4000 <-> [192.0.2.1:30000 | 198.51.100.1:30002] <-> 203.0.113.5:5000
    void add_v4_relay() {
        add_legs({leg_spec("192.0.2.1", 30000, "192.0.2.10", 4000, "198.51.100.1", 30002),
                  leg_spec("198.51.100.1", 30002, "203.0.113.5", 5000, "192.0.2.1", 30000)});
    }

    // The neighbours the v4 relay needs, learned from their ARP requests for our
    // addresses (an unsolicited reply would not create an entry).
    void learn_v4_neighbours() {
        inject(g_lan, test::ethernet(kBroadcast, kLanHost, 0x0806,
                                     test::arp_request(kLanHost, "192.0.2.10", "192.0.2.1")));
        inject(g_wan,
               test::ethernet(kBroadcast, kWanGateway, 0x0806,
                              test::arp_request(kWanGateway, "198.51.100.254", "198.51.100.1"),
                              kWanTci));
        poll();
        sent(g_lan);
        sent(g_wan);
    }

    UdpFrame lan_in() const {
        UdpFrame f;
        f.dst_mac = lan_mac_;
        f.src_mac = kLanHost;
        f.src_ip = "192.0.2.10";
        f.dst_ip = "192.0.2.1";
        f.src_port = 4000;
        f.dst_port = 30000;
        return f;
    }
    UdpFrame wan_out() const {
        UdpFrame f = lan_in();
        f.dst_mac = kWanGateway;
        f.src_mac = wan_mac_;
        f.vlan_tci = kWanTci;
        f.src_ip = "198.51.100.1";
        f.dst_ip = "203.0.113.5";
        f.src_port = 30002;
        f.dst_port = 5000;
        f.ttl = 63;
        f.tclass = 46 << 2;
        return f;
    }

    // A datagram from src:sport on the WAN side (tagged, via the gateway) to our
    // local:lport.
    UdpFrame from_wan(const char* src, uint16_t sport, const char* local, uint16_t lport) const {
        UdpFrame f;
        f.dst_mac = wan_mac_;
        f.src_mac = kWanGateway;
        f.vlan_tci = kWanTci;
        f.src_ip = src;
        f.dst_ip = local;
        f.src_port = sport;
        f.dst_port = lport;
        return f;
    }
    // What the LAN host receives when `in` is relayed from local:lport to
    // host:hport: untagged, TTL / hop limit minus one, the lan port's DSCP (46,
    // the default) with the ECN bits kept.
    UdpFrame to_lan_host(
        UdpFrame in, const char* local, uint16_t lport, const char* host, uint16_t hport) const {
        in.vlan_tci.reset();
        in.dst_mac = kLanHost;
        in.src_mac = lan_mac_;
        in.src_ip = local;
        in.dst_ip = host;
        in.src_port = lport;
        in.dst_port = hport;
        in.ttl = static_cast<uint8_t>(in.ttl - 1);
        in.tclass = static_cast<uint8_t>((46 << 2) | (in.tclass & 0x03));
        return in;
    }

    api::StatsBody stats() {
        const auto v = one_reply(api::MessageBuilder(api::MsgType::kStats, 3));
        EXPECT_EQ(v.type(), api::MsgType::kStatsReply);
        return v.body<api::StatsBody>();
    }

    std::unique_ptr<Dataplane> dp_;
    Mac lan_mac_{};
    Mac wan_mac_{};
    uint64_t now_ms_ = 1000000;
    std::vector<uint8_t> reply_;
};

}  // namespace mg::dataplane::test
