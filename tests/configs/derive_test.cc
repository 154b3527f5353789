// Tests for configs/derive.cc through the loader: LAN IPs and Server LAN IP derived
// from the dataplane ports or the host's interfaces, and the shipped configs.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "configs/config.h"
#include "tests/configs/test_util.h"

#ifndef MG_CONFIGS_SOURCE_DIR
#error "MG_CONFIGS_SOURCE_DIR must name the configs/ source folder"
#endif

namespace mg::configs {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace)
namespace fs = std::filesystem;
using lists::Interval4;
using lists::Interval6;

// ---- derivations ----

TEST(ConfigDerive, LanAndServerLanIpFromPorts) {
    // Host interfaces are not consulted when ports exist.
    Config c = load_ok(kTwoPorts, with_host({host_if("eth0", "10.1.1.1", 8)}));
    const auto& lan = c.list("lan");
    EXPECT_EQ(lan.origin, Origin::kDataplanePorts);
    EXPECT_EQ(lan.set.v4, (std::vector<Interval4>{range4("192.0.2.0", "192.0.2.255"),
                                                  range4("198.51.100.9", "198.51.100.9")}));
    EXPECT_EQ(lan.set.v6,
              (std::vector<Interval6>{range6("2001:db8:1::", "2001:db8:1::ffff:ffff:ffff:ffff")}));
    EXPECT_EQ(c.network.server_lan_ip, v4("192.0.2.1"));
    EXPECT_EQ(c.network.server_lan_ip_origin, Origin::kDataplanePorts);
}

TEST(ConfigDerive, LanAndServerLanIpFromHost) {
    auto opts = with_host({host_if("lo", "127.0.0.1", 8, true), host_if("lo", "::1", 128, true),
                           host_if("eth0", "fe80::1", 64), host_if("eth0", "198.51.100.7", 24),
                           host_if("eth1", "2001:db8:5::7", 64)});
    Config c = load_ok("", opts);
    const auto& lan = c.list("lan");
    EXPECT_EQ(lan.origin, Origin::kHostInterfaces);
    EXPECT_EQ(lan.set.v4, (std::vector<Interval4>{range4("198.51.100.0", "198.51.100.255")}));
    EXPECT_EQ(lan.set.v6,
              (std::vector<Interval6>{range6("2001:db8:5::", "2001:db8:5::ffff:ffff:ffff:ffff")}));
    EXPECT_EQ(c.network.server_lan_ip, v4("198.51.100.7"));
    EXPECT_EQ(c.network.server_lan_ip_origin, Origin::kHostInterfaces);

    // With LAN IPs set, the first host address inside them wins.
    Config c2 = load_ok("[network]\nlan_ips = \"2001:db8:5::/48\"\n", opts);
    EXPECT_EQ(c2.list("lan").origin, Origin::kConfig);
    EXPECT_EQ(c2.network.server_lan_ip, v6("2001:db8:5::7"));
    EXPECT_EQ(c2.network.server_lan_ip_origin, Origin::kHostInterfaces);
}

TEST(ConfigDerive, NoServerLanIp) {
    // Only loopback on the host.
    Config c = load_ok("", with_host({host_if("lo", "127.0.0.1", 8, true)}));
    EXPECT_EQ(c.list("lan").set.interval_count(), 0u);
    EXPECT_FALSE(c.network.server_lan_ip.has_value());
    EXPECT_EQ(c.network.server_lan_ip_origin, Origin::kNone);
    // Ports, but none facing the LAN.
    Config w = load_ok(
        "[[dataplane.port]]\nname = \"w\"\nrole = \"wan\"\ndevice = \"d\"\n"
        "addresses = [\"203.0.113.1/24\"]\n");
    EXPECT_EQ(w.list("lan").origin, Origin::kDataplanePorts);
    EXPECT_EQ(w.list("lan").set.interval_count(), 0u);
    EXPECT_FALSE(w.network.server_lan_ip.has_value());
    EXPECT_EQ(w.network.server_lan_ip_origin, Origin::kNone);
}

TEST(ConfigDerive, ExplicitServerLanIp) {
    Config c = load_ok("[network]\nserver_lan_ip = \"203.0.113.1\"\n" + std::string(kTwoPorts));
    EXPECT_EQ(c.network.server_lan_ip, v4("203.0.113.1"));
    EXPECT_EQ(c.network.server_lan_ip_origin, Origin::kConfig);
    EXPECT_EQ(one_error("[network]\nserver_lan_ip = \"192.0.2.2\"\n" + std::string(kTwoPorts)),
              "t.toml:2:17: [network] server_lan_ip: 192.0.2.2 is not an address of any "
              "[[dataplane.port]]");
    // Without ports, any address is taken as is.
    Config h = load_ok("[network]\nserver_lan_ip = \"192.0.2.2\"\n");
    EXPECT_EQ(h.network.server_lan_ip, v4("192.0.2.2"));
    EXPECT_EQ(h.network.server_lan_ip_origin, Origin::kConfig);
}

TEST(ConfigDerive, HostInterfacesAreReadWhenNotInjected) {
    // Whatever the machine has: loads, and the LAN never holds loopback.
    auto r = parse_config("", "t.toml");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_FALSE(r->list("lan").set.contains(v4("127.0.0.1")));
    for (const auto& i : read_host_interfaces()) {
        EXPECT_LE(i.address.prefix_len, i.address.addr.is_v4() ? 32u : 128u);
        EXPECT_FALSE(i.name.empty());
    }
}

// ---- the shipped configs ----

TEST(ShippedConfigs, MediagateTomlIsTheDefaults) {
    auto r = load_config(MG_CONFIGS_SOURCE_DIR "/mediagate.toml", with_host());
    ASSERT_TRUE(r.ok()) << r.error().format();
    Config d = load_ok("", with_host());
    EXPECT_EQ(r->network.ipv6, d.network.ipv6);
    EXPECT_EQ(r->network.server_lan_ip_origin, d.network.server_lan_ip_origin);
    for (size_t i = 0; i < d.lists.size(); ++i) {
        EXPECT_EQ(r->lists[i].set, d.lists[i].set) << d.lists[i].name;
        EXPECT_EQ(r->lists[i].origin, d.lists[i].origin) << d.lists[i].name;
    }
    EXPECT_EQ(r->media.udp_ports.format(), d.media.udp_ports.format());
    EXPECT_EQ(r->media.tcp_ports.format(), d.media.tcp_ports.format());
    EXPECT_EQ(r->media.keepalive_interval_s, d.media.keepalive_interval_s);
    EXPECT_EQ(r->media.silence_timeout_s, d.media.silence_timeout_s);
    EXPECT_EQ(r->resolver.servers, d.resolver.servers);
    EXPECT_EQ(r->resolver.initial_timeout_ms, d.resolver.initial_timeout_ms);
    EXPECT_EQ(r->resolver.retries, d.resolver.retries);
    EXPECT_EQ(r->control.socket, d.control.socket);
    EXPECT_EQ(r->control.log_level, d.control.log_level);
    EXPECT_EQ(r->dataplane.socket, d.dataplane.socket);
    EXPECT_EQ(r->dataplane.eal_args, d.dataplane.eal_args);
    EXPECT_EQ(r->dataplane.workers, d.dataplane.workers);
    EXPECT_EQ(r->dataplane.idle_sleep_us, d.dataplane.idle_sleep_us);
    EXPECT_TRUE(r->dataplane.ports.empty());
}

TEST(ShippedConfigs, DemoTomlLoads) {
    auto r = load_config(MG_CONFIGS_SOURCE_DIR "/demo.toml", with_host());
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->control.socket, "/run/mediagate-demo/control.sock");
    ASSERT_EQ(r->dataplane.ports.size(), 2u);
    EXPECT_EQ(r->dataplane.ports[0].addresses[0].format(), "192.0.2.1/24");
    EXPECT_EQ(r->dataplane.ports[0].addresses[1].format(), "2001:db8:1::1/64");
    EXPECT_EQ(r->dataplane.ports[1].addresses[0].format(), "203.0.113.1/24");
    EXPECT_EQ(r->dataplane.ports[1].addresses[1].format(), "2001:db8:2::1/64");
    EXPECT_EQ(r->network.server_lan_ip, v4("192.0.2.1"));
    EXPECT_EQ(r->list("lan").origin, Origin::kDataplanePorts);
    EXPECT_TRUE(r->list("lan").set.contains(v6("2001:db8:1::42")));
    EXPECT_FALSE(r->list("lan").set.contains(v4("203.0.113.7")));
}

TEST(ShippedConfigs, ExampleListsLoadAsFiles) {
    TempDir dir;
    std::string lists = MG_CONFIGS_SOURCE_DIR "/lists/";
    fs::path cfg = dir.write(
        "m.toml", "[network]\nlan_ips_file = \"" + lists + "lan.list\"\nclient_ips_file = \"" +
                      lists + "client.list\"\nnated_ips_file = \"" + lists +
                      "nated.list\"\ndebug_ips_file = \"" + lists +
                      "debug.list\"\n[resolver]\ndummy_ips_file = \"" + lists + "dummy.list\"\n");
    auto r = load_config(cfg.string(), with_host());
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->list("nated").set, load_ok("").list("nated").set);
    for (const auto& l : r->lists) {
        EXPECT_EQ(l.origin, Origin::kConfig) << l.name;
        EXPECT_GT(l.set.interval_count(), 0u) << l.name;
    }
}

}  // namespace
}  // namespace mg::configs
