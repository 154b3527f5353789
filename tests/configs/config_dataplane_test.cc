// The loader's [[dataplane.port]] and [[relay]] tables (configs/loader_dataplane.cc):
// values, cross-port rules, the dataplane's limits, relays' locals and peers.
#include "configs/config.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/configs/test_util.h"

namespace mg::configs {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace)

// ---- dataplane ports ----

TEST(ConfigPorts, RequiredKeysAndValues) {
    EXPECT_EQ(errors_of("[[dataplane.port]]\nname = \"a\"\n"),
              (std::vector<std::string>{
                  "t.toml:1:1: [[dataplane.port]] #1: missing required key \"role\"",
                  "t.toml:1:1: [[dataplane.port]] #1: missing required key \"device\"",
                  "t.toml:1:1: [[dataplane.port]] #1: missing required key \"addresses\""}));
    std::string base = "[[dataplane.port]]\nname = \"a\"\nrole = \"lan\"\ndevice = \"d\"\n";
    EXPECT_EQ(one_error(base + "addresses = []\n"),
              "t.toml:5:13: [[dataplane.port]] #1 addresses: needs at least one address");
    EXPECT_EQ(one_error(base + "addresses = [\"192.0.2.1\"]\n"),
              "t.toml:5:14: [[dataplane.port]] #1 addresses[0]: expected ADDR/LEN, got "
              "\"192.0.2.1\"");
    EXPECT_EQ(one_error(base + "addresses = [\"192.0.2.1/24\", \"2001:db8::1/129\"]\n"),
              "t.toml:5:30: [[dataplane.port]] #1 addresses[1]: prefix length \"129\" is not in "
              "1..128 (\"2001:db8::1/129\")");
}

TEST(ConfigPorts, BadValues) {
    EXPECT_EQ(errors_of("[[dataplane.port]]\n"
                        "name = \"a b\"\n"
                        "role = \"dmz\"\n"
                        "device = \"\"\n"
                        "addresses = [\"192.0.2.1/24\"]\n"
                        "advertise = \"x\"\n"
                        "gateway = \"2001:db8::1\"\n"
                        "gateway6 = \"192.0.2.254\"\n"
                        "routes = [\"198.51.100.1/24 via 192.0.2.2\", \"10.0.0.0/8 via ::1\", "
                        "\"10.0.0.0/8 192.0.2.2\"]\n"
                        "vlan = 4095\n"
                        "udp_ports = \"40000-40099\"\n"
                        "dscp = 64\n"),
              (std::vector<std::string>{
                  "t.toml:2:8: [[dataplane.port]] #1 name: expected 1 to 32 of A-Z a-z 0-9 _ -, "
                  "got \"a b\"",
                  "t.toml:3:8: [[dataplane.port]] #1 role: expected \"lan\" or \"wan\", got "
                  "\"dmz\"",
                  "t.toml:4:10: [[dataplane.port]] #1 device: must not be empty",
                  "t.toml:6:13: [[dataplane.port]] #1 advertise: expected \"\" or an IPv4 or "
                  "IPv6 address, got \"x\"",
                  "t.toml:7:11: [[dataplane.port]] #1 gateway: expected \"\" or an IPv4 address "
                  "(IPv6: gateway6)",
                  "t.toml:8:12: [[dataplane.port]] #1 gateway6: expected \"\" or an IPv6 address "
                  "(IPv4: gateway)",
                  "t.toml:9:11: [[dataplane.port]] #1 routes[0]: prefix \"198.51.100.1/24\" has "
                  "bits set after the first 24 (host bits must be zero)",
                  "t.toml:9:44: [[dataplane.port]] #1 routes[1]: next hop \"::1\" is not of the "
                  "prefix's family",
                  "t.toml:9:66: [[dataplane.port]] #1 routes[2]: expected \"PREFIX/LEN via "
                  "ADDR\", got \"10.0.0.0/8 192.0.2.2\"",
                  "t.toml:10:8: [[dataplane.port]] #1 vlan: expected an integer 0..4094, got 4095",
                  "t.toml:11:13: [[dataplane.port]] #1 udp_ports: 40000-40099 is not inside "
                  "[media] udp_ports 10000-29999",
                  "t.toml:12:8: [[dataplane.port]] #1 dscp: expected an integer 0..63, got 64",
              }));
    EXPECT_EQ(one_error("[[dataplane.port]]\nname = \"a\"\nrole = \"lan\"\ndevice = \"d\"\n"
                        "addresses = [\"192.0.2.1/24\"]\nudp_ports = \"10001-10003\"\n"),
              "t.toml:6:13: [[dataplane.port]] #1 udp_ports: first port 10001 must be even (RTP "
              "on the even port, RTCP on the next odd one)");
    EXPECT_EQ(one_error("[dataplane]\nport = [1]\n"),
              "t.toml:2:9: [[dataplane.port]] #1: expected a table, got an integer");
}

TEST(ConfigPorts, DuplicateNames) {
    EXPECT_EQ(one_error(std::string(kTwoPorts) + "[[dataplane.port]]\nname = \"lan\"\nrole = "
                                                 "\"lan\"\ndevice = \"d\"\naddresses = "
                                                 "[\"10.9.9.2/24\"]\n"),
              "t.toml:13:8: [[dataplane.port]] #3 name: \"lan\" is already the name of port #1");
}

TEST(ConfigPorts, TapNames) {
    const std::string port = "[[dataplane.port]]\nname = \"a\"\nrole = \"lan\"\ndevice = "
                             "\"d\"\naddresses = [\"192.0.2.1/24\"]\n";
    EXPECT_EQ(one_error(port + "tap = \"a-much-too-long-1\"\n"),
              "t.toml:6:7: [[dataplane.port]] #1 tap: expected \"\" or an interface name, 1 to 15 "
              "of A-Z a-z 0-9 _ - ., got \"a-much-too-long-1\"");
    EXPECT_EQ(one_error(port + "tap = \"..\"\n"),
              "t.toml:6:7: [[dataplane.port]] #1 tap: expected \"\" or an interface name, 1 to 15 "
              "of A-Z a-z 0-9 _ - ., got \"..\"");
    EXPECT_EQ(one_error(port + "tap = \"t/0\"\n"),
              "t.toml:6:7: [[dataplane.port]] #1 tap: expected \"\" or an interface name, 1 to 15 "
              "of A-Z a-z 0-9 _ - ., got \"t/0\"");
    EXPECT_EQ(one_error(port + "tap = \"mg0\"\n[[dataplane.port]]\nname = \"b\"\nrole = "
                               "\"wan\"\ndevice = \"e\"\naddresses = [\"198.51.100.1/24\"]\n"
                               "tap = \"mg0\"\n"),
              "t.toml:12:7: [[dataplane.port]] #2 tap: \"mg0\" is already the tap of port #1");
    EXPECT_EQ(one_error(port + "tap = 1\n"),
              "t.toml:6:7: [[dataplane.port]] #1 tap: expected a string, got an integer");
}

TEST(ConfigPorts, OverlappingAddresses) {
    // The same address on two ports, even with another prefix length.
    EXPECT_EQ(one_error(std::string(kTwoPorts) + "[[dataplane.port]]\nname = \"x\"\nrole = "
                                                 "\"wan\"\ndevice = \"d\"\naddresses = "
                                                 "[\"10.9.9.77/32\", \"192.0.2.1/25\"]\n"),
              "t.toml:16:30: [[dataplane.port]] #3 addresses[1]: 192.0.2.1 is already an "
              "address of port #1");
    EXPECT_EQ(one_error("[[dataplane.port]]\nname = \"a\"\nrole = \"lan\"\ndevice = \"d\"\n"
                        "addresses = [\"2001:db8::1/64\", \"2001:DB8:0::1/48\"]\n"),
              "t.toml:5:32: [[dataplane.port]] #1 addresses[1]: 2001:db8::1 is listed twice on "
              "this port");
}

TEST(ConfigPorts, OverlappingNetworks) {
    // Another address, but inside a network of another port: which port is a peer on?
    EXPECT_EQ(one_error(std::string(kTwoPorts) + "[[dataplane.port]]\nname = \"x\"\nrole = "
                                                 "\"wan\"\ndevice = \"d\"\naddresses = "
                                                 "[\"10.9.9.77/32\", \"192.0.2.200/25\"]\n"),
              "t.toml:16:30: [[dataplane.port]] #3 addresses[1]: 192.0.2.200/25 overlaps port #1 "
              "192.0.2.1/24: a peer would be on link on two ports");
    EXPECT_EQ(one_error(std::string(kTwoPorts) + "[[dataplane.port]]\nname = \"x\"\nrole = "
                                                 "\"wan\"\ndevice = \"d\"\naddresses = "
                                                 "[\"2001:db8::5/32\"]\n"),
              "t.toml:16:14: [[dataplane.port]] #3 addresses[0]: 2001:db8::5/32 overlaps port #1 "
              "2001:db8:1::1/64: a peer would be on link on two ports");
    // Several networks on one port may overlap (a /32 inside the port's /24).
    EXPECT_TRUE(parse_config("[[dataplane.port]]\nname = \"a\"\nrole = \"lan\"\ndevice = "
                             "\"d\"\naddresses = [\"192.0.2.1/24\", \"192.0.2.9/32\"]\n",
                             "t.toml", with_host())
                    .ok());
}

// What one dataplane's tables hold: the config refuses more, with the place.
TEST(ConfigPorts, TheDataplanesLimits) {
    auto port = [](int i, const std::string& extra) {
        return "[[dataplane.port]]\nname = \"p" + std::to_string(i) +
               "\"\nrole = \"lan\"\ndevice = \"d" + std::to_string(i) +
               "\"\naddresses = [\"10." + std::to_string(i) + ".0.1/24\"]\n" + extra;
    };
    std::string seventeen;
    for (int i = 0; i < 17; ++i)
        seventeen += port(i, "");
    EXPECT_EQ(one_error(seventeen),
              "t.toml:81:1: [dataplane] port: 17 ports; a dataplane drives 16 at most");

    std::string many = "[[dataplane.port]]\nname = \"a\"\nrole = \"lan\"\ndevice = "
                       "\"d\"\naddresses = [";
    for (int i = 0; i < 65; ++i)
        many += std::string(i == 0 ? "" : ", ") + "\"10.0.0." + std::to_string(i + 1) + "/32\"";
    many += "]\n";
    const std::string error = one_error(many);
    EXPECT_NE(error.find("[[dataplane.port]] #1 addresses[64]: more than 64 addresses on the "
                         "dataplane's ports together"),
              std::string::npos)
        << error;

    std::string routes = "routes = [";
    for (int i = 0; i < 9; ++i)
        routes += "\"198.51." + std::to_string(i) + ".0/24 via 10.0.0.254\", ";
    routes += "\"2001:db8:9::/48 via 2001:db8::fe\"]\n";
    EXPECT_EQ(one_error(port(0, routes)),
              "t.toml:6:267: [[dataplane.port]] #1 routes[8]: more than 8 IPv4 routes on one "
              "port");
    std::string eight = "routes = [";
    for (int i = 0; i < 8; ++i)
        eight += "\"198.51." + std::to_string(i) + ".0/24 via 10.0.0.254\", ";
    eight += "\"2001:db8:9::/48 via 2001:db8::fe\"]\n";
    EXPECT_TRUE(parse_config(port(0, eight), "t.toml", with_host()).ok());
}

// Addresses the dataplane or the resolver would send to are unicast; a gateway is
// not the port's own address; a DPDK device is one port's.
TEST(ConfigPorts, GatewaysUnicastAndDevices) {
    auto lan = [](const std::string& extra) {
        return "[[dataplane.port]]\nname = \"lan\"\nrole = \"lan\"\ndevice = \"d0\"\n"
               "addresses = [\"192.0.2.1/24\", \"2001:db8:1::1/64\"]\n" +
               extra;
    };
    // Off the port's networks too: a /32 with its provider's gateway is common.
    for (const char* ok : {"gateway = \"192.0.2.254\"\ngateway6 = \"2001:db8:1::fe\"\n",
                           "gateway6 = \"fe80::1\"\n", "gateway = \"172.31.1.1\"\n"}) {
        auto c = parse_config(lan(ok), "t.toml", with_host());
        EXPECT_TRUE(c.ok()) << ok << (c.ok() ? "" : c.error().format());
    }
    EXPECT_EQ(one_error(lan("gateway = \"192.0.2.1\"\n")),
              "t.toml:6:11: [[dataplane.port]] #1 gateway: 192.0.2.1 is this port's own address");
    EXPECT_EQ(one_error(lan("gateway6 = \"2001:db8:1::1\"\n")),
              "t.toml:6:12: [[dataplane.port]] #1 gateway6: 2001:db8:1::1 is this port's own "
              "address");
    EXPECT_EQ(one_error(lan("gateway = \"224.0.0.1\"\n")),
              "t.toml:6:11: [[dataplane.port]] #1 gateway: \"224.0.0.1\" is not a unicast "
              "address");
    EXPECT_EQ(one_error(lan("advertise = \"0.0.0.0\"\n")),
              "t.toml:6:13: [[dataplane.port]] #1 advertise: \"0.0.0.0\" is not a unicast "
              "address");
    EXPECT_EQ(one_error("[network]\nwan_ip = \"255.255.255.255\"\n"),
              "t.toml:2:10: [network] wan_ip: \"255.255.255.255\" is not a unicast address");
    EXPECT_EQ(one_error("[network]\nserver_lan_ip = \"ff02::1\"\n"),
              "t.toml:2:17: [network] server_lan_ip: \"ff02::1\" is not a unicast address");
    EXPECT_EQ(one_error("[dataplane]\neal_args = [\"--no-pci\", \"\"]\n"),
              "t.toml:2:25: [dataplane] eal_args[1]: an empty string is not an EAL argument");
    EXPECT_EQ(one_error("[resolver]\nservers = [\"224.0.0.1\"]\n"),
              "t.toml:2:12: [resolver] servers[0]: \"224.0.0.1\" is not a unicast address");
    EXPECT_EQ(one_error(lan("") + "[[dataplane.port]]\nname = \"wan\"\nrole = \"wan\"\n"
                                  "device = \"d0\"\naddresses = [\"203.0.113.1/24\"]\n"),
              "t.toml:9:10: [[dataplane.port]] #2 device: \"d0\" is already port #1's (one port "
              "per DPDK device)");
}

// Neighbours are per link in the dataplane, so two ports may name the same next
// hop's address: the same link-local router address on two links (the usual IPv6
// set-up) or, less usual, the same global one.
TEST(ConfigPorts, TwoPortsMayNameTheSameNextHop) {
    auto port = [](const char* name, const char* dev, const char* addrs, const std::string& extra) {
        return std::string("[[dataplane.port]]\nname = \"") + name +
               "\"\nrole = \"wan\"\ndevice = \"" + dev + "\"\naddresses = [" + addrs + "]\n" +
               extra;
    };
    auto ok = parse_config(
        port("a", "d0", "\"2001:db8:1::1/64\", \"192.0.2.1/24\"",
             "gateway6 = \"fe80::1\"\ngateway = \"192.0.2.254\"\n") +
            port("b", "d1", "\"2001:db8:2::1/64\", \"198.51.100.1/24\"",
                 "gateway6 = \"FE80::1\"\nroutes = [\"203.0.113.0/24 via 192.0.2.254\", "
                 "\"2001:db8:9::/48 via fe80::1\"]\n"),
        "t.toml", with_host());
    ASSERT_TRUE(ok.ok()) << ok.error().format();
    ASSERT_EQ(ok->dataplane.ports.size(), 2u);
    EXPECT_EQ(ok->dataplane.ports[0].gateway6, ok->dataplane.ports[1].gateway6);
}

// ---- [[relay]] tables ----

TEST(ConfigRelays, ReadInFileOrder) {
    Config c = load_ok(R"toml(
[[relay]]
name = "trunk"
local_a = "192.0.2.1:20000"
peer_a = "198.51.100.7:5004"
local_b = "[2001:db8:2::1]:20000"
peer_b = "any"
[[relay]]
name = "fixed-2"
local_a = "192.0.2.1:20002"
peer_a = "any"
local_b = "203.0.113.1:20002"
peer_b = "[2001:db8:9::9]:7078"
latch = true
)toml");
    ASSERT_EQ(c.relays.size(), 2u);
    const StaticRelay& t = c.relays[0];
    EXPECT_EQ(t.name, "trunk");
    EXPECT_EQ(t.local_a.format(), "192.0.2.1:20000");
    EXPECT_EQ(t.peer_a.format(), "198.51.100.7:5004");
    EXPECT_EQ(t.local_b.format(), "[2001:db8:2::1]:20000");
    EXPECT_TRUE(t.peer_b.is_any());
    EXPECT_FALSE(t.latch);
    EXPECT_EQ(c.relays[1].name, "fixed-2");
    EXPECT_TRUE(c.relays[1].latch);
    EXPECT_TRUE(load_ok("").relays.empty());
    // Inline form.
    Config inl = load_ok(
        "relay = [{ name = \"x\", local_a = \"192.0.2.1:10000\", peer_a = \"any\", "
        "local_b = \"192.0.2.1:10002\", peer_b = \"any\" }]\n");
    ASSERT_EQ(inl.relays.size(), 1u);
    EXPECT_EQ(inl.relays[0].local_b.port, 10002u);
}

TEST(ConfigRelays, Errors) {
    EXPECT_EQ(errors_of("[[relay]]\nname = \"a b\"\nlocal_a = \"any\"\npeer_a = \"1.2.3.4\"\n"
                        "local_b = \"[2001:db8::1]:0\"\npeer_b = \"2001:db8::1:5\"\nlatch = 1\n"
                        "mtu = 3\n"),
              (std::vector<std::string>{
                  "t.toml:2:8: [[relay]] #1 name: expected 1 to 32 of A-Z a-z 0-9 _ -, got \"a b\"",
                  "t.toml:3:11: [[relay]] #1 local_a: \"any\" is not allowed here (a local "
                  "address of the dataplane is needed)",
                  "t.toml:4:10: [[relay]] #1 peer_a: expected ADDR:PORT, [IPV6]:PORT or \"any\", "
                  "got \"1.2.3.4\"",
                  "t.toml:5:11: [[relay]] #1 local_b: port \"0\" is not in 1..65535 "
                  "(\"[2001:db8::1]:0\")",
                  "t.toml:6:10: [[relay]] #1 peer_b: an IPv6 address needs brackets, "
                  "[ADDR]:PORT, in \"2001:db8::1:5\"",
                  "t.toml:7:9: [[relay]] #1 latch: expected a boolean, got an integer",
                  "t.toml:8:1: [[relay]] #1 unknown key \"mtu\"",
              }));
    EXPECT_EQ(errors_of("[[relay]]\nname = \"a\"\nlocal_a = \"192.0.2.1:10000\"\n"),
              (std::vector<std::string>{
                  "t.toml:1:1: [[relay]] #1: missing required key \"peer_a\"",
                  "t.toml:1:1: [[relay]] #1: missing required key \"local_b\"",
                  "t.toml:1:1: [[relay]] #1: missing required key \"peer_b\"",
              }));
    EXPECT_EQ(errors_of("[[relay]]\nname = \"a\"\n").size(), 4u);
    EXPECT_EQ(one_error("[relay]\nname = \"a\"\n"),
              "t.toml:1:1: relay: expected an array of tables ([[relay]]), got a table");
    EXPECT_EQ(one_error("relay = [3]\n"),
              "t.toml:1:10: [[relay]] #1: expected a table, got an integer");
    EXPECT_EQ(one_error("[[relay]]\nname = \"a\"\nlocal_a = \"192.0.2.1:10000\"\n"
                        "peer_a = \"any\"\nlocal_b = \"192.0.2.1:10000\"\npeer_b = \"any\"\n"),
              "t.toml:5:11: [[relay]] #1 local_b: 192.0.2.1:10000 is already [[relay]] #1 "
              "local_a");
}

TEST(ConfigRelays, PeerIsNotOwnLocal) {
    EXPECT_EQ(one_error("[[relay]]\nname = \"a\"\nlocal_a = \"192.0.2.1:10000\"\n"
                        "peer_a = \"any\"\nlocal_b = \"192.0.2.1:10002\"\n"
                        "peer_b = \"192.0.2.1:10000\"\n"),
              "t.toml:6:10: [[relay]] #1 peer_b: 192.0.2.1:10000 is a local endpoint of this "
              "relay");
}

TEST(ConfigRelays, NamesAndLocalsAreUnique) {
    const std::string one =
        "[[relay]]\nname = \"a\"\nlocal_a = \"192.0.2.1:10000\"\npeer_a = \"any\"\n"
        "local_b = \"192.0.2.1:10002\"\npeer_b = \"any\"\n";
    EXPECT_EQ(errors_of(one + one),
              (std::vector<std::string>{
                  "t.toml:8:8: [[relay]] #2 name: \"a\" is already the name of [[relay]] #1",
                  "t.toml:9:11: [[relay]] #2 local_a: 192.0.2.1:10000 is already [[relay]] #1 "
                  "local_a",
                  "t.toml:11:11: [[relay]] #2 local_b: 192.0.2.1:10002 is already [[relay]] #1 "
                  "local_b",
              }));
}

TEST(ConfigRelays, LocalsMustBelongToThePorts) {
    // Without ports nothing is checked (the dataplane checks when the relay is added).
    std::string relay =
        "[[relay]]\nname = \"r\"\nlocal_a = \"192.0.2.1:20000\"\npeer_a = \"any\"\n"
        "local_b = \"203.0.113.1:40000\"\npeer_b = \"any\"\n";
    Config c = load_ok(std::string(kTwoPorts) + relay.replace(relay.find("40000"), 5, "20000"));
    EXPECT_EQ(c.relays.size(), 1u);
    EXPECT_EQ(errors_of(std::string(kTwoPorts) +
                        "[[relay]]\nname = \"r\"\nlocal_a = \"192.0.2.2:20000\"\n"
                        "peer_a = \"any\"\nlocal_b = \"203.0.113.1:40000\"\npeer_b = \"any\"\n"),
              (std::vector<std::string>{
                  "t.toml:14:11: [[relay]] #1 local_a: 192.0.2.2 is not an address of any "
                  "[[dataplane.port]]",
                  "t.toml:16:11: [[relay]] #1 local_b: port 40000 is outside the UDP ports of "
                  "[[dataplane.port]] \"wan\" (10000-29999)",
              }));
}

}  // namespace
}  // namespace mg::configs
