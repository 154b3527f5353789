// Tests for configs/values.cc: the text values of mediagate.toml.
#include "configs/values.h"

#include <gtest/gtest.h>

namespace mg::configs {
namespace {

TEST(Values, PortRange) {
    auto r = parse_port_range("1-65535");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first, 1u);
    EXPECT_EQ(r->last, 65535u);
    EXPECT_EQ(r->size(), 65535u);
    EXPECT_EQ(parse_port_range("7-7")->size(), 1u);
    for (const char* bad : {"", "-", "1-", "-2", "a-b", "1--2", "1-2-3", " 1-2", "+1-2", "1-2 ",
                            "0-1", "1-65536", "1000000-1000001", "5-4"})
        EXPECT_FALSE(parse_port_range(bad).ok()) << bad;
    EXPECT_FALSE(check_udp_pairs(PortRange{10000, 10001}).has_value());
    EXPECT_TRUE(check_udp_pairs(PortRange{10001, 10010}).has_value());
    EXPECT_TRUE(check_udp_pairs(PortRange{10000, 10000}).has_value());
}

TEST(Values, Endpoint) {
    auto v4 = parse_endpoint("192.0.2.1:20000", false);
    ASSERT_TRUE(v4.ok()) << v4.error().message;
    EXPECT_EQ(v4->format(), "192.0.2.1:20000");
    EXPECT_EQ(v4->port, 20000u);
    EXPECT_FALSE(v4->is_any());
    auto v6 = parse_endpoint("[2001:DB8::1]:65535", true);
    ASSERT_TRUE(v6.ok()) << v6.error().message;
    EXPECT_EQ(v6->format(), "[2001:db8::1]:65535");
    // IPv4-mapped is IPv4 (SPEC.md section 1).
    EXPECT_EQ(parse_endpoint("[::ffff:192.0.2.9]:1", false)->format(), "192.0.2.9:1");
    auto any = parse_endpoint("any", true);
    ASSERT_TRUE(any.ok());
    EXPECT_TRUE(any->is_any());
    EXPECT_EQ(any->format(), "any");
    EXPECT_EQ(any->port, 0u);
    EXPECT_EQ(*any, Endpoint{});
    EXPECT_NE(*v4, *any);

    EXPECT_EQ(parse_endpoint("any", false).error().message,
              "\"any\" is not allowed here (a local address of the dataplane is needed)");
    EXPECT_EQ(parse_endpoint("2001:db8::1:5000", true).error().message,
              "an IPv6 address needs brackets, [ADDR]:PORT, in \"2001:db8::1:5000\"");
    EXPECT_EQ(parse_endpoint("192.0.2.1:0", true).error().message,
              "port \"0\" is not in 1..65535 (\"192.0.2.1:0\")");
    EXPECT_EQ(parse_endpoint("0.0.0.0:5", true).error().message,
              "\"0.0.0.0:5\" is not a unicast address (a peer learned by latching is \"any\")");
    EXPECT_EQ(parse_endpoint("192.0.2.1", false).error().message,
              "expected ADDR:PORT or [IPV6]:PORT, got \"192.0.2.1\"");
    for (const char* bad : {"",
                            ":",
                            ":5",
                            "192.0.2.1:",
                            "192.0.2.1:65536",
                            "192.0.2.1:-1",
                            "192.0.2.1:+5",
                            "192.0.2.1:5 ",
                            " 192.0.2.1:5",
                            "[192.0.2.1]:5",
                            "[2001:db8::1]",
                            "[2001:db8::1:5",
                            "2001:db8::1]:5",
                            "[]:5",
                            "[::]:5",
                            "224.0.0.1:5",
                            "[ff02::1]:5",
                            "255.255.255.255:5",
                            "192.0.2.256:5",
                            "host.example:5",
                            "ANY",
                            "any:5",
                            "192.0.2.1:5x",
                            "192.0.2.1:1000000"})
        EXPECT_FALSE(parse_endpoint(bad, true).ok()) << bad;
    EXPECT_FALSE(parse_endpoint(std::string("192.0.2.1:5\0", 12), true).ok());
}

TEST(Values, IfAddress) {
    auto a = parse_if_address("192.0.2.77/24");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->format(), "192.0.2.77/24");
    EXPECT_EQ(lists::format_address(a->network_first()), "192.0.2.0");
    EXPECT_EQ(lists::format_address(a->network_last()), "192.0.2.255");
    auto b = parse_if_address("2001:db8::1/128");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->network_first(), b->addr);
    EXPECT_EQ(b->network_last(), b->addr);
    EXPECT_EQ(parse_if_address("10.1.2.3/1")->format(), "10.1.2.3/1");
    for (const char* bad : {"192.0.2.1", "192.0.2.1/0", "192.0.2.1/33", "192.0.2.1/", "/24",
                            "::ffff:192.0.2.1/120", "2001:db8::1/129", "0.0.0.0/8", "::/64",
                            "224.0.0.1/4", "ff02::1/16", "192.0.2.1/24/1", "192.0.2.1 /24"})
        EXPECT_FALSE(parse_if_address(bad).ok()) << bad;
}

TEST(Values, Route) {
    EXPECT_EQ(*parse_route("198.51.100.0/24 via 192.0.2.1"), "198.51.100.0/24 via 192.0.2.1");
    EXPECT_EQ(*parse_route("\t0.0.0.0/0   via 192.0.2.1 "), "0.0.0.0/0 via 192.0.2.1");
    EXPECT_EQ(*parse_route("2001:DB8::/32 via fe80::1"), "2001:db8::/32 via fe80::1");
    for (const char* bad : {"", "198.51.100.0/24", "198.51.100.0/24 via",
                            "198.51.100.1/24 via "
                            "192.0.2.1",
                            "198.51.100.0/24 by 192.0.2.1", "198.51.100.0/24 via ::1",
                            "198.51.100.0/24 via 192.0.2.1 x", "198.51.100.0 via 192.0.2.1",
                            "198.51.100.0/24 via 0.0.0.0"})
        EXPECT_FALSE(parse_route(bad).ok()) << bad;
}

TEST(Values, NamesAndSockets) {
    EXPECT_TRUE(is_valid_port_name("lan-1_A"));
    EXPECT_TRUE(is_valid_port_name(std::string(32, 'x')));
    EXPECT_FALSE(is_valid_port_name(std::string(33, 'x')));
    EXPECT_FALSE(is_valid_port_name(""));
    EXPECT_FALSE(is_valid_port_name("a.b"));
    EXPECT_TRUE(is_valid_interface_name("mg-lan.100"));
    EXPECT_TRUE(is_valid_interface_name(std::string(15, 'x')));
    EXPECT_FALSE(is_valid_interface_name(std::string(16, 'x')));
    EXPECT_FALSE(is_valid_interface_name(""));
    EXPECT_FALSE(is_valid_interface_name("."));
    EXPECT_FALSE(is_valid_interface_name(".."));
    EXPECT_FALSE(is_valid_interface_name("a b"));
    EXPECT_FALSE(is_valid_interface_name("a/b"));
    EXPECT_FALSE(is_valid_interface_name("a:b"));
    EXPECT_FALSE(check_socket_path("/run/x.sock").has_value());
    EXPECT_FALSE(check_socket_path("/" + std::string(106, 'x')).has_value());
    EXPECT_TRUE(check_socket_path("/" + std::string(107, 'x')).has_value());
    EXPECT_TRUE(check_socket_path("").has_value());
    EXPECT_TRUE(check_socket_path("x.sock").has_value());
    EXPECT_TRUE(check_socket_path(std::string_view("/a\0b", 4)).has_value());
}

TEST(Values, InQuotes) {
    EXPECT_EQ(in_quotes("abc"), "\"abc\"");
    EXPECT_EQ(in_quotes("abc", '\''), "'abc'");
    EXPECT_EQ(in_quotes(std::string(64, 'a')), "\"" + std::string(64, 'a') + "\"");
    EXPECT_EQ(in_quotes(std::string(65, 'a')), "\"" + std::string(64, 'a') + "...\"");
    // A two-byte character across the cut is left out whole, not split.
    EXPECT_EQ(in_quotes(std::string(63, 'a') + "\xc3\xa9" + "zz", '\''),
              "'" + std::string(63, 'a') + "...'");
    EXPECT_EQ(in_quotes(std::string(62, 'a') + "\xc3\xa9" + "zz"),
              "\"" + std::string(62, 'a') + "\xc3\xa9...\"");
}

TEST(Values, SameSocketPath) {
    EXPECT_TRUE(same_socket_path("/run/x/c.sock", "/run/x/c.sock"));
    EXPECT_TRUE(same_socket_path("/run/x/c.sock", "/run//x/./y/../c.sock"));
    EXPECT_FALSE(same_socket_path("/run/x/c.sock", "/run/x/d.sock"));
    EXPECT_FALSE(same_socket_path("/run/x/c.sock", "/run/y/c.sock"));
}

TEST(Values, ClosestKey) {
    constexpr std::string_view keys[] = {"lan_ips", "lan_ips_file", "ipv6"};
    EXPECT_EQ(closest_key("lan_ip", keys), "lan_ips");
    EXPECT_EQ(closest_key("ipv4", keys), "ipv6");
    EXPECT_EQ(closest_key("something", keys), "");
}

}  // namespace
}  // namespace mg::configs
