// The host's traffic through a port's TAP, in-process and byte for byte: a
// Dataplane with one net_ring port whose config has `tap`. The test thread moves
// into a network namespace of its own first, so the TAP interface appears there,
// not on the machine, and a packet socket on it stands for the host's kernel.
// Needs CAP_NET_ADMIN and /dev/net/tun (root); skipped without them.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "configs/config.h"
#include "dataplane/dataplane.h"
#include "tests/dataplane/dpdk_env.h"
#include "tests/dataplane/frame_builder.h"
#include "tests/dataplane/leg_specs.h"
#include "tests/dataplane/ring_port.h"

namespace mg::dataplane {
namespace {

using test::Bytes;
using test::Mac;
using test::UdpFrame;

constexpr const char* kTapName = "mgtaptest";
constexpr const char* kConfig = R"(
[media]
udp_ports = "30000-30999"
[dataplane]
workers = 1
idle_sleep_us = 0
max_legs = 8
[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_ring_tap_lan"
addresses = ["192.0.2.1/24"]
tap = "mgtaptest"
)";

const Mac kLanHost{0x02, 0, 0, 0, 0, 0x10};
const Mac kStranger{0x02, 0, 0, 0, 0, 0x77};

test::RingPort g_lan;
bool g_port_ok = false;

// The calling thread in a new network namespace until destroyed.
class PrivateNetns {
  public:
    PrivateNetns() : old_(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
        ok_ = old_ >= 0 && unshare(CLONE_NEWNET) == 0;
    }
    ~PrivateNetns() {
        if (ok_) {
            EXPECT_EQ(setns(old_, CLONE_NEWNET), 0);
        }
        if (old_ >= 0) {
            close(old_);
        }
    }
    PrivateNetns(const PrivateNetns&) = delete;
    PrivateNetns& operator=(const PrivateNetns&) = delete;
    bool ok() const { return ok_; }

  private:
    int old_;
    bool ok_ = false;
};

class TapTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (test::mbuf_pool() != nullptr && !g_port_ok) {
            g_port_ok = test::make_ring_port("tap_lan", g_lan);
        }
    }

    void SetUp() override {
        MG_REQUIRE_EAL();
        if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
            GTEST_SKIP() << "needs root and /dev/net/tun for a TAP";
        }
        ASSERT_TRUE(g_port_ok);
        netns_ = std::make_unique<PrivateNetns>();
        ASSERT_TRUE(netns_->ok()) << "unshare(CLONE_NEWNET)";
        test::drain(g_lan.rx);
        test::drain(g_lan.tx);
        configs::LoadOptions opts;
        opts.host_interfaces = std::vector<configs::HostInterface>{};
        auto cfg = configs::parse_config(kConfig, "tap_test.toml", opts);
        ASSERT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().format());
        auto dp = Dataplane::create(*cfg);
        ASSERT_TRUE(dp.ok()) << (dp.ok() ? "" : dp.error().message);
        dp_ = std::move(*dp);
        lan_mac_ = test::mac_of(dp_->ports()[0].mac);

        const unsigned ifindex = if_nametoindex(kTapName);
        ASSERT_NE(ifindex, 0u) << "the TAP interface is not there";
        host_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
        ASSERT_GE(host_, 0);
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = static_cast<int>(ifindex);
        ASSERT_EQ(bind(host_, reinterpret_cast<sockaddr*>(&sll), sizeof sll), 0);
    }

    void TearDown() override {
        if (host_ >= 0) {
            close(host_);
        }
        dp_.reset();  // removes the TAP
        if (netns_ != nullptr) {
            EXPECT_EQ(if_nametoindex(kTapName), 0u) << "the TAP outlived its Dataplane";
        }
        netns_.reset();
        if (g_port_ok) {
            test::drain(g_lan.rx);
            test::drain(g_lan.tx);
        }
    }

    // A worker round, then the main lcore's (which writes to the TAP and reads
    // from it), then the worker again (which transmits what the main lcore queued).
    void poll() {
        Worker& w = dp_->workers_for_test()[0];
        worker_poll_once(w, dp_->snapshot());
        dp_->poll_main(1000);
        worker_poll_once(w, dp_->snapshot());
    }

    // The frames the host's side of the TAP received within `wait` (the kernel's
    // own outgoing frames left out).
    std::vector<Bytes> host_received(std::chrono::milliseconds wait) {
        std::vector<Bytes> out;
        const auto end = std::chrono::steady_clock::now() + wait;
        for (;;) {
            uint8_t buf[2048];
            sockaddr_ll from{};
            socklen_t len = sizeof from;
            const ssize_t n =
                recvfrom(host_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n > 0) {
                if (from.sll_pkttype != PACKET_OUTGOING) {
                    out.emplace_back(buf, buf + n);
                }
                continue;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                end - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return out;
            }
            pollfd p{host_, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(left.count()));
        }
    }

    static bool contains(const std::vector<Bytes>& frames, const Bytes& f) {
        for (const Bytes& x : frames) {
            if (x == f) {
                return true;
            }
        }
        return false;
    }

    api::StatsBody stats() { return dp_->stats(); }

    std::unique_ptr<PrivateNetns> netns_;
    std::unique_ptr<Dataplane> dp_;
    Mac lan_mac_{};
    int host_ = -1;
};

TEST_F(TapTest, TheHostGetsWhatIsNotMediaUnchanged) {
    const Bytes ping = test::ethernet(
        lan_mac_, kLanHost, 0x0800,
        test::ipv4("192.0.2.10", "192.0.2.1", 1, Bytes{8, 0, 0xf7, 0xfe, 0, 1, 0, 0}));
    UdpFrame sip;
    sip.dst_mac = lan_mac_;
    sip.src_mac = kLanHost;
    sip.dst_port = 5060;
    sip.payload = Bytes{'O', 'P', 'T', 'I', 'O', 'N', 'S'};
    // An ARP reply the dataplane takes (refreshing nothing) but does not answer.
    const Bytes arp_reply = test::ethernet(
        lan_mac_, kLanHost, 0x0806, test::arp(2, kLanHost, "192.0.2.10", lan_mac_, "192.0.2.1"));
    // Who has 192.0.2.5, an address the dataplane does not own (the host may).
    const Bytes who_has = test::ethernet(Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kLanHost,
                                         0x0806,
                                         test::arp_request(kLanHost, "192.0.2.10", "192.0.2.5"));
    ASSERT_TRUE(test::inject(g_lan, ping));
    ASSERT_TRUE(test::inject(g_lan, test::build_udp(sip)));
    ASSERT_TRUE(test::inject(g_lan, arp_reply));
    ASSERT_TRUE(test::inject(g_lan, who_has));
    poll();
    const auto got = host_received(std::chrono::milliseconds(500));
    EXPECT_TRUE(contains(got, ping));
    EXPECT_TRUE(contains(got, test::build_udp(sip)));
    EXPECT_TRUE(contains(got, arp_reply));
    EXPECT_TRUE(contains(got, who_has));
    const api::StatsBody s = stats();
    EXPECT_EQ(s.to_host, 4u);
    EXPECT_EQ(s.host_dropped, 0u);
    EXPECT_EQ(s.exception, 2u);  // the ARP frames went through the exception path first
}

TEST_F(TapTest, MediaAndOthersUnicastNeverReachTheHost) {
    // A relay on the port; a datagram to its leg from a stranger is refused, one to
    // another host's MAC (promiscuous port) is not ours, and neither is the host's.
    api::MessageBuilder b(api::MsgType::kAddLegs, 1);
    b.add(test::leg_spec("192.0.2.1", 30000, "192.0.2.10", 4000, "192.0.2.1", 30002));
    b.add(test::leg_spec("192.0.2.1", 30002, "192.0.2.20", 4002, "192.0.2.1", 30000));
    std::vector<std::vector<uint8_t>> out;
    bool close_it = false;
    dp_->handle_message(b.bytes(), out, close_it);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(api::parse_message(out[0])->type(), api::MsgType::kOk);

    UdpFrame stranger;
    stranger.dst_mac = lan_mac_;
    stranger.src_mac = kLanHost;
    stranger.src_port = 4999;  // not the leg's peer
    stranger.dst_port = 30000;
    UdpFrame other_mac = stranger;
    other_mac.dst_mac = kStranger;
    other_mac.dst_ip = "192.0.2.99";
    // The exception path's refusals: our own announcement looped back, and a
    // request for another address sent to another host's MAC.
    const Bytes looped = test::ethernet(Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, lan_mac_, 0x0806,
                                        test::arp_request(lan_mac_, "192.0.2.1", "192.0.2.1"));
    const Bytes not_to_us = test::ethernet(
        kStranger, kLanHost, 0x0806, test::arp_request(kLanHost, "192.0.2.10", "192.0.2.5"));
    for (const Bytes& f : {test::build_udp(stranger), test::build_udp(other_mac), looped,
                           not_to_us}) {
        ASSERT_TRUE(test::inject(g_lan, f));
    }
    poll();
    const auto got = host_received(std::chrono::milliseconds(300));
    EXPECT_FALSE(contains(got, test::build_udp(stranger)));
    EXPECT_FALSE(contains(got, test::build_udp(other_mac)));
    EXPECT_FALSE(contains(got, looped));
    EXPECT_FALSE(contains(got, not_to_us));
    const api::StatsBody s = stats();
    EXPECT_EQ(s.to_host, 0u);
    EXPECT_EQ(s.drops[static_cast<unsigned>(DropReason::kUnexpectedSource)], 1u);
    EXPECT_EQ(s.drops[static_cast<unsigned>(DropReason::kNotForUs)], 1u);
}

TEST_F(TapTest, WhatTheHostSendsLeavesThroughThePortUnchanged) {
    const Bytes reply = test::ethernet(
        kLanHost, lan_mac_, 0x0800,
        test::ipv4("192.0.2.1", "192.0.2.10", 1, Bytes{0, 0, 0xff, 0xfe, 0, 1, 0, 0}));
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(if_nametoindex(kTapName));
    to.sll_halen = 6;
    std::copy(kLanHost.begin(), kLanHost.end(), to.sll_addr);
    ASSERT_EQ(sendto(host_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to),
              static_cast<ssize_t>(reply.size()));
    bool seen = false;
    for (int i = 0; i < 200 && !seen; ++i) {  // bounded: 2 s
        poll();
        seen = contains(test::sent(g_lan), reply);
        if (!seen) {
            usleep(10000);
        }
    }
    EXPECT_TRUE(seen);
    EXPECT_GE(stats().from_host, 1u);
}

}  // namespace
}  // namespace mg::dataplane
