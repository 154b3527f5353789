// Tests for lists/printer.cc: the shortest exact line per interval, and the round
// trip text -> set -> canonical text -> the same set.
#include "lists/printer.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lists/address.h"
#include "lists/compiler.h"
#include "tests/lists/literals.h"

namespace mg::lists {

inline void PrintTo(const AddressSet& s, std::ostream* os) {
    *os << "\n" << format_list(s);
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr uint32_t kV4Max = 0xffffffffu;

AddressSet set_of(std::string_view text) {
    auto r = compile_list(text);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? r.value() : AddressSet{};
}

TEST(FormatInterval4, Singles) {
    EXPECT_EQ(format_interval4({a4("192.0.2.7"), a4("192.0.2.7")}), "192.0.2.7");
    EXPECT_EQ(format_interval4({0, 0}), "0.0.0.0");
    EXPECT_EQ(format_interval4({kV4Max, kV4Max}), "255.255.255.255");
}

TEST(FormatInterval4, Prefixes) {
    EXPECT_EQ(format_interval4({a4("10.0.0.0"), a4("10.255.255.255")}), "10.0.0.0/8");
    EXPECT_EQ(format_interval4({a4("192.0.2.0"), a4("192.0.2.255")}), "192.0.2.0/24");
    EXPECT_EQ(format_interval4({a4("1.2.3.4"), a4("1.2.3.5")}), "1.2.3.4/31");
    EXPECT_EQ(format_interval4({0, 0x7fffffffu}), "0.0.0.0/1");
    EXPECT_EQ(format_interval4({0x80000000u, kV4Max}), "128.0.0.0/1");
    EXPECT_EQ(format_interval4({a4("255.255.255.254"), kV4Max}), "255.255.255.254/31");
    EXPECT_EQ(format_interval4({0, 1}), "0.0.0.0/31");
}

TEST(FormatInterval4, Ranges) {
    // Two addresses, not aligned.
    EXPECT_EQ(format_interval4({a4("1.2.3.5"), a4("1.2.3.6")}), "1.2.3.5-1.2.3.6");
    // Power-of-two size minus one.
    EXPECT_EQ(format_interval4({a4("10.0.0.0"), a4("10.0.0.254")}), "10.0.0.0-10.0.0.254");
    // Right size, wrong alignment.
    EXPECT_EQ(format_interval4({a4("10.0.0.128"), a4("10.0.1.127")}), "10.0.0.128-10.0.1.127");
    EXPECT_EQ(format_interval4({a4("192.0.2.10"), a4("192.0.2.99")}), "192.0.2.10-192.0.2.99");
    EXPECT_EQ(format_interval4({1, kV4Max}), "0.0.0.1-255.255.255.255");
}

TEST(FormatInterval4, EverythingIsARangeNeverSlashZero) {
    EXPECT_EQ(format_interval4({0, kV4Max}), "0.0.0.0-255.255.255.255");
}

TEST(FormatInterval6, SinglesPrefixesRanges) {
    EXPECT_EQ(format_interval6({1, 1}), "::1");
    EXPECT_EQ(format_interval6({0, 0}), "::");
    EXPECT_EQ(format_interval6({kV6Max, kV6Max}), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    EXPECT_EQ(format_interval6({a6("2001:db8::"), a6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")}),
              "2001:db8::/32");
    EXPECT_EQ(format_interval6({a6("fe80::"), a6("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}),
              "fe80::/10");
    EXPECT_EQ(format_interval6({0, kV6Max >> 1}), "::/1");
    EXPECT_EQ(format_interval6({Uint128{1} << 127, kV6Max}), "8000::/1");
    EXPECT_EQ(format_interval6({a6("2001:db8::2"), a6("2001:db8::3")}), "2001:db8::2/127");
    EXPECT_EQ(format_interval6({a6("2001:db8::1"), a6("2001:db8::2")}), "2001:db8::1-2001:db8::2");
    EXPECT_EQ(format_interval6({a6("2001:db8::"), a6("2001:db8::fffe")}),
              "2001:db8::-2001:db8::fffe");
    EXPECT_EQ(format_interval6({0, kV6Max}), "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(CanonicalLines, Ipv4FirstThenIpv6Ascending) {
    AddressSet s = set_of(
        "2001:db8::/32\n"
        "10.0.0.0/8\n"
        "::1\n"
        "192.0.2.10-192.0.2.99\n"
        "1.2.3.4\n"
        "!10.0.0.0\n");
    EXPECT_THAT(canonical_lines(s), ElementsAre("1.2.3.4", "10.0.0.1-10.255.255.255",
                                                "192.0.2.10-192.0.2.99", "::1", "2001:db8::/32"));
    EXPECT_EQ(format_list(s),
              "1.2.3.4\n10.0.0.1-10.255.255.255\n192.0.2.10-192.0.2.99\n::1\n2001:db8::/32\n");
}

TEST(CanonicalLines, EmptySet) {
    EXPECT_THAT(canonical_lines(AddressSet{}), IsEmpty());
    EXPECT_EQ(format_list(AddressSet{}), "");
}

TEST(CanonicalLines, WholeSpaces) {
    AddressSet s = set_of("0.0.0.0-255.255.255.255\n::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n");
    // IPv6 never holds the mapped block: it is printed as IPv4.
    EXPECT_THAT(canonical_lines(s),
                ElementsAre("0.0.0.0-255.255.255.255", "::-::fffe:ffff:ffff",
                            "::1:0:0:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    EXPECT_THAT(format_list(s), Not(HasSubstr("/0")));
}

TEST(CanonicalLines, Ipv6PrefixOverTheMappedBlock) {
    EXPECT_THAT(canonical_lines(set_of("::/64")),
                ElementsAre("0.0.0.0-255.255.255.255", "::-::fffe:ffff:ffff",
                            "::1:0:0:0-::ffff:ffff:ffff:ffff"));
    EXPECT_THAT(canonical_lines(set_of("::ffff:10.0.0.0/104\n::ffff:192.0.2.7")),
                ElementsAre("10.0.0.0/8", "192.0.2.7"));
}

void expect_round_trip(std::string_view text) {
    SCOPED_TRACE(::testing::Message() << "list:\n" << text);
    AddressSet s = set_of(text);
    std::string canonical = format_list(s);
    auto again = compile_list(canonical);
    ASSERT_TRUE(again.ok()) << "canonical text does not parse:\n"
                            << canonical << again.error().format();
    EXPECT_EQ(again.value(), s) << "canonical text:\n" << canonical;
    // The canonical text is a fixed point.
    EXPECT_EQ(format_list(again.value()), canonical);
    EXPECT_EQ(canonical_lines(s).size(), s.interval_count());
}

TEST(RoundTrip, HandWrittenLists) {
    expect_round_trip("");
    expect_round_trip("192.0.2.7\n");
    expect_round_trip("10.0.0.0/8\n!10.1.0.0/16\n10.1.2.0/24\n!10.1.2.7\n");
    expect_round_trip("0.0.0.0-255.255.255.255\n");
    expect_round_trip("0.0.0.0-255.255.255.255\n!0.0.0.0\n!255.255.255.255\n");
    expect_round_trip("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n");
    expect_round_trip("::/64\n!::ffff:1.2.3.4\n");
    expect_round_trip("::fffe:ffff:ffff-::1:0:0:0\n");
    expect_round_trip("fc00::/7\nfe80::/10\n!fe80::1-fe80::ffff\n2001:db8::1:0:0:1\n");
    expect_round_trip(
        "10.0.0.0/8\n172.16.0.0/12\n192.168.0.0/16\n100.64.0.0/10\nfc00::/7\nfe80::/10\n");
    expect_round_trip("1.2.3.5-1.2.3.6\n::ffff:10.0.0.0/104\n0.0.0.0\n::\n");
    expect_round_trip("8000::/1\n!ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n::1-::ff\n");
}

}  // namespace
}  // namespace mg::lists
