// Tests for configs/loader.cc and config.cc: defaults, every key, every error form
// with its exact FILE:LINE:COL, list errors mapped into the file. Ports and relays:
// config_dataplane_test.cc; derivations and the shipped configs: derive_test.cc.
#include "configs/config.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/configs/test_util.h"

namespace mg::configs {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace)
namespace fs = std::filesystem;
using lists::Interval4;
using lists::Interval6;

// ---- defaults and every key ----

TEST(Config, EmptyFileGivesDefaults) {
    Config c = load_ok("");
    EXPECT_EQ(c.file, "t.toml");
    EXPECT_EQ(c.network.ipv6, Ipv6Setting::kAuto);
    EXPECT_FALSE(c.network.server_lan_ip.has_value());
    EXPECT_EQ(c.network.server_lan_ip_origin, Origin::kNone);
    EXPECT_FALSE(c.network.wan_ip.has_value());
    ASSERT_EQ(c.lists.size(), 5u);
    const char* names[] = {"lan", "client", "nated", "debug", "dummy"};
    for (size_t i = 0; i < 5; ++i)
        EXPECT_EQ(c.lists[i].name, names[i]);
    EXPECT_EQ(c.list("lan").origin, Origin::kHostInterfaces);
    EXPECT_EQ(c.list("lan").set.interval_count(), 0u);
    for (const char* n : {"client", "debug", "dummy"}) {
        EXPECT_EQ(c.list(n).origin, Origin::kDefault) << n;
        EXPECT_EQ(c.list(n).set.interval_count(), 0u) << n;
        EXPECT_EQ(c.list(n).file, "") << n;
    }
    const auto& nated = c.list("nated");
    EXPECT_EQ(nated.origin, Origin::kDefault);
    EXPECT_EQ(nated.set.v4, (std::vector<Interval4>{range4("10.0.0.0", "10.255.255.255"),
                                                    range4("100.64.0.0", "100.127.255.255"),
                                                    range4("172.16.0.0", "172.31.255.255"),
                                                    range4("192.168.0.0", "192.168.255.255")}));
    EXPECT_EQ(nated.set.v6, (std::vector<Interval6>{
                                range6("fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                                range6("fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}));
    EXPECT_EQ(c.media.udp_ports.format(), "10000-29999");
    EXPECT_EQ(c.media.tcp_ports.format(), "30000-30999");
    EXPECT_EQ(c.media.keepalive_interval_s, 20u);
    EXPECT_EQ(c.media.silence_timeout_s, 60u);
    EXPECT_TRUE(c.resolver.servers.empty());
    EXPECT_EQ(c.resolver.initial_timeout_ms, 2000u);
    EXPECT_EQ(c.resolver.retries, 3u);
    EXPECT_EQ(c.control.socket, "/run/mediagate/control.sock");
    EXPECT_EQ(c.control.log_level, LogLevel::kInfo);
    EXPECT_EQ(c.dataplane.socket, "/run/mediagate/dataplane.sock");
    EXPECT_TRUE(c.dataplane.eal_args.empty());
    EXPECT_EQ(c.dataplane.workers, 1u);
    EXPECT_EQ(c.dataplane.idle_sleep_us, 50u);
    EXPECT_TRUE(c.dataplane.ports.empty());
}

TEST(Config, EveryKeySet) {
    Config c = load_ok(R"toml(
[network]
ipv6 = "no"
server_lan_ip = "192.0.2.1"
wan_ip = "198.51.100.1"
lan_ips = """
192.0.2.0/24
!192.0.2.128/25
"""
client_ips = '192.0.2.0/24'
nated_ips = "10.0.0.0/8"
debug_ips = '''
198.51.100.7
'''
[media]
udp_ports = "20000-20099"
tcp_ports = "20000-20010"
keepalive_interval_s = 3600
silence_timeout_s = 1
[resolver]
servers = ["192.0.2.53", "[2001:db8::53]:5353", "198.51.100.53:54"]
initial_timeout_ms = 500
retries = 0
dummy_ips = "203.0.113.0/28"
[control]
socket = "/tmp/c.sock"
log_level = "debug"
[dataplane]
socket = "/tmp/d.sock"
eal_args = ["-l", "0-1"]
workers = 64
idle_sleep_us = 0
[[dataplane.port]]
name = "lan-1_A"
role = "lan"
device = "net_af_packet0"
addresses = ["192.0.2.1/24", "2001:db8:1::1/64"]
advertise = "203.0.113.9"
gateway = "192.0.2.254"
gateway6 = "2001:db8:1::fffe"
routes = ["198.51.100.0/24 via 192.0.2.253", "2001:db8:9::/48   via   2001:db8:1::fffd"]
vlan = 4094
udp_ports = "20000-20049"
dscp = 0
tap = "mg-lan.1"
[[dataplane.port]]
name = "wan"
role = "wan"
device = "0000:03:00.1"
addresses = ["203.0.113.1/24"]
)toml");
    EXPECT_EQ(c.network.ipv6, Ipv6Setting::kNo);
    EXPECT_EQ(c.network.server_lan_ip, v4("192.0.2.1"));
    EXPECT_EQ(c.network.server_lan_ip_origin, Origin::kConfig);
    EXPECT_EQ(c.network.wan_ip, v4("198.51.100.1"));
    EXPECT_EQ(c.list("lan").origin, Origin::kConfig);
    EXPECT_EQ(c.list("lan").set.v4, (std::vector<Interval4>{range4("192.0.2.0", "192.0.2.127")}));
    EXPECT_EQ(c.list("client").set.v4,
              (std::vector<Interval4>{range4("192.0.2.0", "192.0.2.255")}));
    EXPECT_EQ(c.list("nated").origin, Origin::kConfig);
    EXPECT_EQ(c.list("nated").set.v4,
              (std::vector<Interval4>{range4("10.0.0.0", "10.255.255.255")}));
    EXPECT_TRUE(c.list("nated").set.v6.empty());
    EXPECT_EQ(c.list("debug").set.v4,
              (std::vector<Interval4>{range4("198.51.100.7", "198.51.100.7")}));
    EXPECT_EQ(c.list("dummy").origin, Origin::kConfig);
    EXPECT_EQ(c.list("dummy").set.v4,
              (std::vector<Interval4>{range4("203.0.113.0", "203.0.113.15")}));
    EXPECT_EQ(c.media.udp_ports.format(), "20000-20099");
    EXPECT_EQ(c.media.tcp_ports.format(), "20000-20010");
    EXPECT_EQ(c.media.keepalive_interval_s, 3600u);
    EXPECT_EQ(c.media.silence_timeout_s, 1u);
    ASSERT_EQ(c.resolver.servers.size(), 3u);
    EXPECT_EQ(c.resolver.servers[0].to_string(), "192.0.2.53:53");
    EXPECT_EQ(c.resolver.servers[1].to_string(), "[2001:db8::53]:5353");
    EXPECT_EQ(c.resolver.servers[2].to_string(), "198.51.100.53:54");
    EXPECT_EQ(c.resolver.initial_timeout_ms, 500u);
    EXPECT_EQ(c.resolver.retries, 0u);
    EXPECT_EQ(c.control.socket, "/tmp/c.sock");
    EXPECT_EQ(c.control.log_level, LogLevel::kDebug);
    EXPECT_EQ(c.dataplane.socket, "/tmp/d.sock");
    EXPECT_EQ(c.dataplane.eal_args, (std::vector<std::string>{"-l", "0-1"}));
    EXPECT_EQ(c.dataplane.workers, 64u);
    EXPECT_EQ(c.dataplane.idle_sleep_us, 0u);
    ASSERT_EQ(c.dataplane.ports.size(), 2u);
    const auto& p = c.dataplane.ports[0];
    EXPECT_EQ(p.name, "lan-1_A");
    EXPECT_EQ(p.role, "lan");
    EXPECT_EQ(p.device, "net_af_packet0");
    ASSERT_EQ(p.addresses.size(), 2u);
    EXPECT_EQ(p.addresses[0].format(), "192.0.2.1/24");
    EXPECT_EQ(p.addresses[1].format(), "2001:db8:1::1/64");
    EXPECT_EQ(p.addresses[0].network_first(), v4("192.0.2.0"));
    EXPECT_EQ(p.addresses[0].network_last(), v4("192.0.2.255"));
    EXPECT_EQ(p.advertise, v4("203.0.113.9"));
    EXPECT_EQ(p.gateway, v4("192.0.2.254"));
    EXPECT_EQ(p.gateway6, v6("2001:db8:1::fffe"));
    EXPECT_EQ(p.routes, (std::vector<std::string>{"198.51.100.0/24 via 192.0.2.253",
                                                  "2001:db8:9::/48 via 2001:db8:1::fffd"}));
    EXPECT_EQ(p.vlan, 4094u);
    ASSERT_TRUE(p.udp_ports.has_value());
    EXPECT_EQ(p.udp_ports->format(), "20000-20049");
    EXPECT_EQ(p.dscp, 0u);
    EXPECT_EQ(p.tap, "mg-lan.1");
    const auto& w = c.dataplane.ports[1];
    EXPECT_EQ(w.name, "wan");
    EXPECT_FALSE(w.advertise.has_value());
    EXPECT_FALSE(w.gateway.has_value());
    EXPECT_FALSE(w.udp_ports.has_value());
    EXPECT_EQ(w.vlan, 0u);
    EXPECT_EQ(w.dscp, 46u);
    EXPECT_EQ(w.tap, "");
}

TEST(Config, NamesOfEnums) {
    EXPECT_STREQ(to_string(Ipv6Setting::kYes), "yes");
    EXPECT_STREQ(to_string(LogLevel::kWarning), "warning");
    EXPECT_STREQ(to_string(Origin::kDataplanePorts), "dataplane ports");
    EXPECT_STREQ(to_string(Origin::kHostInterfaces), "host interfaces");
    EXPECT_EQ((ConfigError{"f", 0, 0, "m"}).format(), "f: m");
    EXPECT_EQ((ConfigError{"f", 3, 0, "m"}).format(), "f:3: m");
    EXPECT_EQ((ConfigError{"f", 3, 7, "m"}).format(), "f:3:7: m");
}

TEST(Config, InlineTablesAndDottedKeysAreTheSameSchema) {
    Config c = load_ok(
        "media = { udp_ports = \"20000-20001\" }\n"
        "resolver.retries = 7\n"
        "dataplane.port = [{ name = \"a\", role = \"wan\", device = \"d\", addresses = "
        "[\"192.0.2.1/32\"] }]\n");
    EXPECT_EQ(c.media.udp_ports.format(), "20000-20001");
    EXPECT_EQ(c.resolver.retries, 7u);
    ASSERT_EQ(c.dataplane.ports.size(), 1u);
    EXPECT_EQ(c.dataplane.ports[0].name, "a");
}

// ---- errors, each at its exact position ----

TEST(ConfigErrors, SyntaxError) {
    EXPECT_EQ(one_error("[network]\nipv6 = \"auto\" x\n"),
              "t.toml:2:15: Error while parsing key-value pair: expected a comment or whitespace, "
              "saw 'x'");
    // Columns are bytes, even when toml++ counts code points.
    EXPECT_EQ(one_error("[control]\nsocket = \"/tmp/\xc3\xa9\" x\n"),
              "t.toml:2:20: Error while parsing key-value pair: expected a comment or whitespace, "
              "saw 'x'");
    // Header keys toml++ 3.3 would misparse are refused before it sees them.
    EXPECT_EQ(one_error("[media]\n[[&]]\n"),
              "t.toml:2:3: Error while parsing table header: expected a bare key or a quoted "
              "key, saw '&'");
    EXPECT_EQ(one_error("[\n"),
              "t.toml:1:2: Error while parsing table header: expected a bare key or a quoted "
              "key, saw 0x0a");
    auto dup = one_error("[media]\nretries = 1\nretries = 2\n");
    EXPECT_EQ(dup.rfind("t.toml:3:", 0), 0u) << dup;
}

TEST(ConfigErrors, UnknownKeys) {
    EXPECT_EQ(one_error("\n  foo = 1\n"),
              "t.toml:2:3: unknown key \"foo\" (the sections are [network], [media], [resolver], "
              "[control], [dataplane], [[relay]])");
    EXPECT_EQ(one_error("[netwrok]\nipv6 = \"yes\"\n"),
              "t.toml:1:2: unknown key \"netwrok\" (did you mean \"network\"?)");
    EXPECT_EQ(one_error("[network]\nipv6 = \"yes\"\nlan_ip = \"\"\n"),
              "t.toml:3:1: [network] unknown key \"lan_ip\" (did you mean \"lan_ips\"?)");
    EXPECT_EQ(one_error("[control]\nverbosity = 3\n"),
              "t.toml:2:1: [control] unknown key \"verbosity\"");
    EXPECT_EQ(one_error("[[dataplane.port]]\nname = \"a\"\nrole = \"lan\"\ndevice = \"d\"\n"
                        "addresses = [\"192.0.2.1/24\"]\nmtu = 1500\n"),
              "t.toml:6:1: [[dataplane.port]] #1 unknown key \"mtu\"");
}

TEST(ConfigErrors, WrongTypes) {
    EXPECT_EQ(one_error("[resolver]\nretries = \"3\"\n"),
              "t.toml:2:11: [resolver] retries: expected an integer 0..10, got a string");
    EXPECT_EQ(one_error("[media]\nsilence_timeout_s = 1.5\n"),
              "t.toml:2:21: [media] silence_timeout_s: expected an integer 1..86400, got a "
              "floating-point number");
    EXPECT_EQ(one_error("[network]\nipv6 = true\n"),
              "t.toml:2:8: [network] ipv6: expected a string, got a boolean");
    EXPECT_EQ(one_error("[dataplane]\neal_args = [\"-l\", 1]\n"),
              "t.toml:2:19: [dataplane] eal_args[1]: expected a string, got an integer");
    EXPECT_EQ(one_error("[dataplane]\neal_args = \"-l 1\"\n"),
              "t.toml:2:12: [dataplane] eal_args: expected an array of strings, got a string");
    EXPECT_EQ(one_error("network = 3\n"),
              "t.toml:1:11: [network]: expected a table, got an integer");
    EXPECT_EQ(one_error("[dataplane.port]\nname = \"a\"\n"),
              "t.toml:1:1: [dataplane] port: expected an array of tables ([[dataplane.port]]), "
              "got a table");
    EXPECT_EQ(one_error("[network]\nlan_ips = [\"192.0.2.0/24\"]\n"),
              "t.toml:2:11: [network] lan_ips: expected a string (a Network Address List), got an "
              "array");
}

TEST(ConfigErrors, IntegersOutOfRange) {
    EXPECT_EQ(one_error("[resolver]\nretries = 11\n"),
              "t.toml:2:11: [resolver] retries: expected an integer 0..10, got 11");
    EXPECT_EQ(one_error("[resolver]\ninitial_timeout_ms = 0\n"),
              "t.toml:2:22: [resolver] initial_timeout_ms: expected an integer 1..60000, got 0");
    EXPECT_EQ(one_error("[media]\nkeepalive_interval_s = -5\n"),
              "t.toml:2:24: [media] keepalive_interval_s: expected an integer 1..3600, got -5");
    EXPECT_EQ(one_error("[dataplane]\nworkers = 9223372036854775807\n"),
              "t.toml:2:11: [dataplane] workers: expected an integer 1..64, got "
              "9223372036854775807");
}

TEST(ConfigErrors, EnumsAndStrings) {
    EXPECT_EQ(one_error("[network]\nipv6 = \"YES\"\n"),
              "t.toml:2:8: [network] ipv6: expected \"auto\", \"yes\" or \"no\", got \"YES\"");
    EXPECT_EQ(one_error("[control]\nlog_level = \"trace\"\n"),
              "t.toml:2:13: [control] log_level: expected \"error\", \"warning\", \"info\" or "
              "\"debug\", got \"trace\"");
    EXPECT_EQ(one_error("[network]\nwan_ip = \"192.0.2\"\n"),
              "t.toml:2:10: [network] wan_ip: expected \"\" or an IPv4 or IPv6 address, got "
              "\"192.0.2\"");
    EXPECT_EQ(one_error("[network]\nserver_lan_ip = \"automatic\"\n"),
              "t.toml:2:17: [network] server_lan_ip: expected \"auto\" or an IPv4 or IPv6 "
              "address, got \"automatic\"");
    EXPECT_EQ(one_error("[resolver]\nservers = [\"192.0.2.1:0\"]\n"),
              "t.toml:2:12: [resolver] servers[0]: DNS server \"192.0.2.1:0\": port out of range "
              "(expected 1..65535)");
    EXPECT_EQ(one_error("[control]\nsocket = \"run/c.sock\"\n"),
              "t.toml:2:10: [control] socket: must be an absolute path, got \"run/c.sock\"");
    EXPECT_EQ(one_error("[dataplane]\nsocket = \"/" + std::string(107, 'x') + "\"\n"),
              "t.toml:2:10: [dataplane] socket: is 108 bytes long; a Unix socket path must be "
              "shorter than 108 bytes");
    EXPECT_EQ(one_error("[dataplane]\nsocket = \"/run/mediagate/control.sock\"\n"),
              "t.toml:2:10: [dataplane] socket: the same path as [control] socket "
              "\"/run/mediagate/control.sock\"");
    // The same file spelt differently is still the same socket.
    EXPECT_EQ(one_error("[dataplane]\nsocket = \"/run//mediagate/./x/../control.sock\"\n"),
              "t.toml:2:10: [dataplane] socket: the same path as [control] socket "
              "\"/run/mediagate/control.sock\"");
}

TEST(ConfigErrors, PortRanges) {
    EXPECT_EQ(one_error("[media]\nudp_ports = \"10-5\"\n"),
              "t.toml:2:13: [media] udp_ports: first port 10 is greater than last port 5");
    EXPECT_EQ(one_error("[media]\nudp_ports = \"0-10\"\n"),
              "t.toml:2:13: [media] udp_ports: port 0 is not in 1..65535");
    EXPECT_EQ(one_error("[media]\nudp_ports = \"abc\"\n"),
              "t.toml:2:13: [media] udp_ports: expected \"FIRST-LAST\" (e.g. \"10000-29999\"), "
              "got \"abc\"");
    EXPECT_EQ(one_error("[media]\nudp_ports = \"10000-70000\"\n"),
              "t.toml:2:13: [media] udp_ports: port 70000 is not in 1..65535");
    EXPECT_EQ(one_error("[media]\nudp_ports = \"10001-10099\"\n"),
              "t.toml:2:13: [media] udp_ports: first port 10001 must be even (RTP on the even "
              "port, RTCP on the next odd one)");
    EXPECT_EQ(one_error("[media]\nudp_ports = \"10000-10000\"\n"),
              "t.toml:2:13: [media] udp_ports: needs at least 2 ports (one RTP/RTCP pair)");
    EXPECT_EQ(one_error("[media]\ntcp_ports = \"30000 - 30999\"\n"),
              "t.toml:2:13: [media] tcp_ports: expected \"FIRST-LAST\" (e.g. \"10000-29999\"), "
              "got \"30000 - 30999\"");
    // An odd first TCP port and a single TCP port are fine.
    EXPECT_EQ(load_ok("[media]\ntcp_ports = \"30001-30001\"\n").media.tcp_ports.size(), 1u);
}

// ---- list errors mapped into the file ----

TEST(ConfigListErrors, MultiLineBasicWithNewlineAfterDelimiter) {
    EXPECT_EQ(one_error("[network]\n"
                        "lan_ips = \"\"\"\n"
                        "192.0.2.0/24\n"
                        "  10.0.0.0/33   ; comment\n"
                        "\"\"\"\n"),
              "t.toml:4:12: [network] lan_ips: prefix length 33 out of range 1..32: \"  "
              "10.0.0.0/33   ; comment\"");
}

TEST(ConfigListErrors, MultiLineBasicWithoutNewlineAfterDelimiter) {
    auto errs = errors_of(
        "[network]\n"
        "lan_ips = \"\"\"10.0.0.1/33\n"
        "  192.0.2.x\"\"\"\n");
    EXPECT_EQ(errs, (std::vector<std::string>{
                        "t.toml:2:23: [network] lan_ips: prefix length 33 out of range 1..32: "
                        "\"10.0.0.1/33\"",
                        "t.toml:3:3: [network] lan_ips: invalid IPv4 address '192.0.2.x': \"  "
                        "192.0.2.x\""}));
}

TEST(ConfigListErrors, MultiLineLiteral) {
    EXPECT_EQ(one_error("[network]\n"
                        "client_ips = '''\n"
                        "\n"
                        "\t bogus\n"
                        "'''\n"),
              "t.toml:4:3: [network] client_ips: invalid IPv4 address 'bogus': \"\t bogus\"");
    // CRLF line ends count as one.
    EXPECT_EQ(one_error("[network]\r\n"
                        "client_ips = '''\r\n"
                        "192.0.2.1\r\n"
                        "192.0.2.1 x\r\n"
                        "'''\r\n"),
              "t.toml:4:11: [network] client_ips: expected '-', '/', ';' or the end of the line, "
              "found 'x': "
              "\"192.0.2.1 x\"");
}

TEST(ConfigListErrors, SingleLineStrings) {
    EXPECT_EQ(one_error("[network]\ndebug_ips = \"192.0.2.1-192.0.2\"\n"),
              "t.toml:2:24: [network] debug_ips: invalid IPv4 address '192.0.2': "
              "\"192.0.2.1-192.0.2\"");
    EXPECT_EQ(one_error("[resolver]\ndummy_ips = '11.0.0.0/7'\n"),
              "t.toml:2:14: [resolver] dummy_ips: address '11.0.0.0' has bits set after the "
              "first 7 (host bits must be zero): \"11.0.0.0/7\"");
}

TEST(ConfigListErrors, EscapesAndLineContinuations) {
    // An escaped newline starts list line 2 inside file line 2: columns stay exact.
    EXPECT_EQ(one_error("[network]\ndebug_ips = \"192.0.2.1\\n10.0.0.0/33\"\n"),
              "t.toml:2:34: [network] debug_ips: prefix length 33 out of range 1..32: "
              "\"10.0.0.0/33\"");
    // A line-ending backslash joins file lines 3 and 4 into list line 1.
    EXPECT_EQ(one_error("[network]\n"
                        "lan_ips = \"\"\"\n"
                        "192.0.2.1 \\\n"
                        "   - 192.0.2.x\n"
                        "\"\"\"\n"),
              "t.toml:4:6: [network] lan_ips: invalid IPv4 address '192.0.2.x': \"192.0.2.1 - "
              "192.0.2.x\"");
    // A byte written as an escape maps to its backslash.
    EXPECT_EQ(one_error("[network]\nlan_ips = \"192.0.2.1\\u0020x\"\n"),
              "t.toml:2:27: [network] lan_ips: expected '-', '/', ';' or the end of the line, "
              "found 'x': \"192.0.2.1 x\"");
    EXPECT_EQ(one_error("[network]\nlan_ips = \"192.0.2.1-\\u0078\"\n"),
              "t.toml:2:22: [network] lan_ips: invalid IPv4 address 'x': \"192.0.2.1-x\"");
    // An error at the end of a line maps to the newline that ends it.
    EXPECT_EQ(one_error("[network]\nlan_ips = \"\"\"\n192.0.2.1-\n\"\"\"\n"),
              "t.toml:3:11: [network] lan_ips: expected the last address of the range before "
              "the end of the line: \"192.0.2.1-\"");
}

TEST(ConfigListErrors, ListFile) {
    TempDir dir;
    dir.write("lists/lan.list", "192.0.2.0/24\n  192.0.2.300\n");
    fs::path cfg = dir.write("mediagate.toml", "[network]\nlan_ips_file = \"lists/lan.list\"\n");
    auto r = load_config(cfg.string(), with_host());
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.error().errors.size(), 1u);
    EXPECT_EQ(r.error().errors[0].format(),
              (dir.path() / "lists/lan.list").string() +
                  ":2:3: [network] lan_ips_file: invalid IPv4 address '192.0.2.300': \"  "
                  "192.0.2.300\"");
    // Fixed, the same file loads and names the list file.
    dir.write("lists/lan.list", "192.0.2.0/24\n");
    auto ok = load_config(cfg.string(), with_host());
    ASSERT_TRUE(ok.ok()) << ok.error().format();
    EXPECT_EQ(ok->list("lan").origin, Origin::kConfig);
    EXPECT_EQ(ok->list("lan").file, (dir.path() / "lists/lan.list").string());
    EXPECT_EQ(ok->list("lan").set.v4, (std::vector<Interval4>{range4("192.0.2.0", "192.0.2.255")}));
}

TEST(ConfigListErrors, UnreadableListFile) {
    EXPECT_EQ(one_error("[resolver]\ndummy_ips_file = \"no/such.list\"\n"),
              "t.toml:2:18: [resolver] dummy_ips_file: cannot read \"no/such.list\": No such "
              "file or directory");
    TempDir dir;
    EXPECT_EQ(one_error("[network]\nnated_ips_file = \"" + dir.path().string() + "\"\n"),
              "t.toml:2:18: [network] nated_ips_file: cannot read \"" + dir.path().string() +
                  "\": not a regular file");
    EXPECT_EQ(one_error("[network]\nnated_ips_file = \"\"\n"),
              "t.toml:2:18: [network] nated_ips_file: expected a file name, got \"\"");
}

TEST(ConfigListErrors, BothInlineAndFile) {
    EXPECT_EQ(one_error("[network]\nlan_ips_file = \"x.list\"\nlan_ips = \"\"\n"),
              "t.toml:3:1: [network] lan_ips: set either lan_ips or lan_ips_file, not both");
    EXPECT_EQ(one_error("[network]\nlan_ips = \"\"\nlan_ips_file = \"x.list\"\n"),
              "t.toml:3:1: [network] lan_ips_file: set either lan_ips or lan_ips_file, not both");
}

TEST(ConfigErrors, SeveralAtOnceInFileOrder) {
    auto r = parse_config(
        "[dataplane]\n"
        "workers = 0\n"
        "[network]\n"
        "ipv6 = \"maybe\"\n"
        "lan_ips = \"\"\"\n"
        "1.2.3\n"
        "4.5.6\n"
        "\"\"\"\n"
        "[media]\n"
        "udp_ports = \"9-1\"\n",
        "t.toml", with_host());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().total, 5u);
    EXPECT_EQ(r.error().format(),
              "t.toml:2:11: [dataplane] workers: expected an integer 1..64, got 0\n"
              "t.toml:4:8: [network] ipv6: expected \"auto\", \"yes\" or \"no\", got \"maybe\"\n"
              "t.toml:6:1: [network] lan_ips: invalid IPv4 address '1.2.3': \"1.2.3\"\n"
              "t.toml:7:1: [network] lan_ips: invalid IPv4 address '4.5.6': \"4.5.6\"\n"
              "t.toml:10:13: [media] udp_ports: first port 9 is greater than last port 1\n");
}

TEST(ConfigErrors, TooManyErrorsAreCounted) {
    std::string text = "[network]\nlan_ips = \"\"\"\n";
    for (int i = 0; i < 25; ++i)
        text += "bad\n";
    text += "\"\"\"\n[resolver]\nretries = -1\n";
    auto r = parse_config(text, "t.toml", with_host());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().total, 26u);
    EXPECT_EQ(r.error().errors.size(), kMaxReportedErrors);
    EXPECT_EQ(r.error().errors.front().line, 3u);
    std::string text_out = r.error().format();
    EXPECT_NE(text_out.find("\nt.toml: 6 more error(s) not shown\n"), std::string::npos)
        << text_out;
}

TEST(ConfigErrors, HugeBrokenFileStaysCheap) {
    // 200000 wrong elements on one line: every one counted, 20 kept, positions exact.
    std::string text = "[dataplane]\neal_args = [";
    for (int i = 0; i < 200000; ++i)
        text += "1,";
    text += "]\n";
    auto r = parse_config(text, "t.toml", with_host());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().total, 200000u);
    ASSERT_EQ(r.error().errors.size(), kMaxReportedErrors);
    EXPECT_EQ(r.error().errors[0].format(),
              "t.toml:2:13: [dataplane] eal_args[0]: expected a string, got an integer");
    EXPECT_EQ(r.error().errors[19].format(),
              "t.toml:2:51: [dataplane] eal_args[19]: expected a string, got an integer");
}

TEST(ConfigErrors, UnreadableConfigFile) {
    TempDir dir;
    std::string missing = (dir.path() / "missing.toml").string();
    auto r = load_config(missing, with_host());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().total, 1u);
    EXPECT_EQ(r.error().format(), missing + ": cannot open: No such file or directory\n");
}

}  // namespace
}  // namespace mg::configs
