// Golden pcap: a whole Dataplane on a net_pcap port, pcap in -> pcap out.
//
// The input (ARP / NS from three hosts, relayed datagrams v4 <-> v4 and
// v4 <-> v6, a latching leg, and frames that must be dropped) is built here with
// frame_builder and written as a pcap; the dataplane's output pcap must hold
// exactly the frames of tests/dataplane/golden/relay_out.pcap, in order (pcap
// timestamps ignored). Set MG_UPDATE_GOLDEN=DIR to write a new golden file into
// DIR after checking it by hand (tcpdump -r ... -e -vv).
//
// The worker polls one frame at a time, with the main lcore's round in between,
// so neighbours learned from a frame are in the snapshot for the next one.
#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "configs/config.h"
#include "dataplane/dataplane.h"
#include "lists/address.h"
#include "tests/dataplane/dpdk_env.h"
#include "tests/dataplane/frame_builder.h"
#include "tests/dataplane/leg_specs.h"

#ifndef MG_GOLDEN_DIR
#error "MG_GOLDEN_DIR must name tests/dataplane/golden"
#endif

namespace mg::dataplane {
namespace {

using test::Bytes;
using test::Mac;
using test::UdpFrame;

const Mac kHostA{0x02, 0, 0, 0, 0, 0x0a};  // 192.0.2.10
const Mac kHostB{0x02, 0, 0, 0, 0, 0x0b};  // 198.51.100.20
const Mac kHostC{0x02, 0, 0, 0, 0, 0x0c};  // 2001:db8:1::20
const Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// --- a minimal pcap file (microsecond, Ethernet) ---------------------------------
void put32(std::string& s, uint32_t v) {
    s.append(reinterpret_cast<const char*>(&v), 4);
}

bool write_pcap(const std::string& path, const std::vector<Bytes>& frames) {
    std::string s;
    put32(s, 0xa1b2c3d4);
    put32(s, 0x00040002);  // version 2.4
    put32(s, 0);
    put32(s, 0);
    put32(s, 65535);
    put32(s, 1);  // LINKTYPE_ETHERNET
    uint32_t usec = 0;
    for (const Bytes& f : frames) {
        put32(s, 1700000000);
        put32(s, usec++);
        put32(s, static_cast<uint32_t>(f.size()));
        put32(s, static_cast<uint32_t>(f.size()));
        s.append(reinterpret_cast<const char*>(f.data()), f.size());
    }
    std::ofstream out(path, std::ios::binary);
    out << s;
    return out.good();
}

std::vector<Bytes> read_pcap(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<Bytes> frames;
    size_t off = 24;
    while (off + 16 <= s.size()) {
        uint32_t caplen = 0;
        std::memcpy(&caplen, s.data() + off + 8, 4);
        off += 16;
        if (off + caplen > s.size()) {
            ADD_FAILURE() << path << ": truncated record";
            break;
        }
        frames.emplace_back(s.begin() + static_cast<long>(off),
                            s.begin() + static_cast<long>(off + caplen));
        off += caplen;
    }
    return frames;
}

UdpFrame udp(const Mac& src_mac, const char* src, uint16_t sport, const char* dst, uint16_t dport,
             uint8_t first = 0x80) {
    UdpFrame f;
    f.dst_mac = Mac{};  // filled by the caller: the port's MAC
    f.src_mac = src_mac;
    f.src_ip = src;
    f.dst_ip = dst;
    f.src_port = sport;
    f.dst_port = dport;
    f.payload = {first, 0x00, 0x12, 0x34, 'g', 'o', 'l', 'd'};
    return f;
}

using test::wire;

api::LegSpec leg(const char* local, uint16_t port, const char* peer, uint16_t peer_port,
                 const char* other, uint16_t other_port, bool latch = false) {
    return test::leg_spec(local, port, peer, peer_port, other, other_port,
                          latch ? api::kSpecLatch : 0);
}

TEST(GoldenPcap, RelayOut) {
    MG_REQUIRE_EAL();
    const std::string dir = testing::TempDir() + "mg_golden_" + std::to_string(getpid());
    ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
    const std::string in_path = dir + "/in.pcap";
    const std::string out_path = dir + "/out.pcap";

    // net_pcap gives a file-backed port the MAC 02:70:63:61:70:NN, NN counting the
    // pcap ports of the process (this is the first); checked after the probe.
    const Mac us{0x02, 0x70, 0x63, 0x61, 0x70, 0x00};
    std::vector<Bytes> in;
    // Neighbours introduce themselves by asking for our addresses.
    in.push_back(test::ethernet(kBroadcast, kHostA, 0x0806,
                                test::arp_request(kHostA, "192.0.2.10", "192.0.2.1")));
    in.push_back(test::ethernet(kBroadcast, kHostB, 0x0806,
                                test::arp_request(kHostB, "198.51.100.20", "198.51.100.1")));
    test::NdMessage ns;
    ns.src = "2001:db8:1::20";
    ns.dst = test::solicited_node("2001:db8:1::1");
    ns.target = "2001:db8:1::1";
    ns.options = test::lla_option(1, kHostC);
    in.push_back(test::ethernet(test::ipv6_multicast_mac(ns.dst), kHostC, 0x86dd,
                                test::nd_packet(ns)));
    auto to_us = [&](UdpFrame f) {
        f.dst_mac = us;
        return test::build_udp(f);
    };
    // v4 <-> v4, both ways.
    in.push_back(to_us(udp(kHostA, "192.0.2.10", 4000, "192.0.2.1", 30000)));
    in.push_back(to_us(udp(kHostB, "198.51.100.20", 5000, "198.51.100.1", 30002)));
    // v4 <-> v6, both ways.
    in.push_back(to_us(udp(kHostA, "192.0.2.10", 4004, "192.0.2.1", 30004)));
    in.push_back(to_us(udp(kHostC, "2001:db8:1::20", 5004, "2001:db8:1::1", 30006)));
    // A latching leg: not media first (dropped), then RTP latches, then the answer.
    in.push_back(to_us(udp(kHostA, "192.0.2.10", 4008, "192.0.2.1", 30008, 'A')));
    in.push_back(to_us(udp(kHostA, "192.0.2.10", 4008, "192.0.2.1", 30008)));
    in.push_back(to_us(udp(kHostB, "198.51.100.20", 5010, "198.51.100.1", 30010)));
    // Dropped: a truncated frame, an IPv4 fragment, an unknown port, a stranger.
    Bytes truncated = to_us(udp(kHostA, "192.0.2.10", 4000, "192.0.2.1", 30000));
    truncated.resize(30);
    in.push_back(truncated);
    UdpFrame frag = udp(kHostA, "192.0.2.10", 4000, "192.0.2.1", 30000);
    frag.ipv4_frag = 0x2000;  // MF
    in.push_back(to_us(frag));
    in.push_back(to_us(udp(kHostA, "192.0.2.10", 4000, "192.0.2.1", 30100)));
    in.push_back(to_us(udp(kHostA, "192.0.2.99", 4000, "192.0.2.1", 30000)));
    ASSERT_TRUE(write_pcap(in_path, in));
    const std::string devargs = "net_pcap_golden,rx_pcap=" + in_path + ",tx_pcap=" + out_path;
    ASSERT_EQ(rte_dev_probe(devargs.c_str()), 0) << "net_pcap unavailable";
    uint16_t port_id = 0;
    ASSERT_EQ(rte_eth_dev_get_port_by_name("net_pcap_golden", &port_id), 0);
    rte_ether_addr mac{};
    rte_eth_macaddr_get(port_id, &mac);
    ASSERT_EQ(std::memcmp(mac.addr_bytes, us.data(), 6), 0) << "net_pcap's MAC scheme changed";

    configs::LoadOptions opts;
    opts.host_interfaces = std::vector<configs::HostInterface>{};
    auto cfg = configs::parse_config(R"(
[media]
udp_ports = "30000-30999"
[dataplane]
workers = 1
idle_sleep_us = 0
[[dataplane.port]]
name = "p0"
role = "lan"
device = "net_pcap_golden"
addresses = ["192.0.2.1/24", "2001:db8:1::1/64", "198.51.100.1/24"]
dscp = 46
)",
                                     "golden.toml", opts);
    ASSERT_TRUE(cfg.ok()) << cfg.error().format();
    {
        auto dp = Dataplane::create(*cfg);
        ASSERT_TRUE(dp.ok()) << dp.error().message;
        std::vector<std::vector<uint8_t>> replies;
        bool close = false;
        api::MessageBuilder add(api::MsgType::kAddLegs, 1);
        add.add(leg("192.0.2.1", 30000, "192.0.2.10", 4000, "198.51.100.1", 30002))
            .add(leg("198.51.100.1", 30002, "198.51.100.20", 5000, "192.0.2.1", 30000))
            .add(leg("192.0.2.1", 30004, "192.0.2.10", 4004, "2001:db8:1::1", 30006))
            .add(leg("2001:db8:1::1", 30006, "2001:db8:1::20", 5004, "192.0.2.1", 30004))
            .add(leg("192.0.2.1", 30008, nullptr, 0, "198.51.100.1", 30010, true))
            .add(leg("198.51.100.1", 30010, "198.51.100.20", 5010, "192.0.2.1", 30008));
        (*dp)->handle_message(add.bytes(), replies, close);
        ASSERT_EQ(replies.size(), 1u);
        ASSERT_EQ(api::parse_message(replies[0])->type(), api::MsgType::kOk)
            << api::parse_message(replies[0])->text();

        Worker& w = (*dp)->workers_for_test()[0];
        w.burst = 1;
        unsigned idle = 0;
        uint64_t now = 1000;
        for (unsigned round = 0; round < 1000 && idle < 5; ++round) {
            const unsigned got = worker_poll_once(w, (*dp)->snapshot());
            (*dp)->poll_main(now++);
            idle = got == 0 ? idle + 1 : 0;
        }
        worker_poll_once(w, (*dp)->snapshot());  // transmit what the main lcore queued
        const auto stats = (*dp)->stats();
        EXPECT_EQ(stats.rx, in.size());
        EXPECT_EQ(stats.relayed, 6u);
        (*dp)->stop();
    }
    ASSERT_EQ(rte_vdev_uninit("net_pcap_golden"), 0);  // closes and flushes the pcaps

    const std::vector<Bytes> out = read_pcap(out_path);
    EXPECT_EQ(out.size(), 9u);  // 2 ARP replies, 1 NA, 6 datagrams
    for (const Bytes& f : out) {
        const size_t l3 = f[12] == 0x81 ? 18 : 14;
        const uint16_t type = static_cast<uint16_t>(f[l3 - 2] << 8 | f[l3 - 1]);
        if (type == 0x0800 && f[l3 + 9] == 17) {
            EXPECT_TRUE(test::ipv4_header_ok(f, l3));
            EXPECT_TRUE(test::udp_checksum_ok(f, l3));
        } else if (type == 0x86dd && f[l3 + 6] == 17) {
            EXPECT_TRUE(test::udp_checksum_ok(f, l3));
        } else if (type == 0x86dd) {
            EXPECT_TRUE(test::icmpv6_checksum_ok(f, l3));
        }
    }
    if (const char* update = std::getenv("MG_UPDATE_GOLDEN")) {
        ASSERT_TRUE(write_pcap(std::string(update) + "/relay_out.pcap", out));
        ASSERT_TRUE(write_pcap(std::string(update) + "/relay_in.pcap", in));
    }
    const std::vector<Bytes> golden = read_pcap(std::string(MG_GOLDEN_DIR) + "/relay_out.pcap");
    ASSERT_EQ(out.size(), golden.size());
    for (size_t i = 0; i < out.size(); ++i) {
        EXPECT_EQ(out[i], golden[i]) << "frame " << i;
    }
    ASSERT_EQ(system(("rm -rf " + dir).c_str()), 0);
}

}  // namespace
}  // namespace mg::dataplane
