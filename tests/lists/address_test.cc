// Tests for lists/address.cc: strict IPv4/IPv6 text forms, IPv4-mapped folding and
// RFC 5952 canonical printing.
#include "lists/address.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace mg::lists {
namespace {

// Builds an IPv6 value from its eight groups (independent of the parser).
Uint128 groups(uint16_t g0,
               uint16_t g1,
               uint16_t g2,
               uint16_t g3,
               uint16_t g4,
               uint16_t g5,
               uint16_t g6,
               uint16_t g7) {
    Uint128 v = 0;
    for (uint16_t g : {g0, g1, g2, g3, g4, g5, g6, g7})
        v = (v << 16) | g;
    return v;
}

constexpr uint32_t v4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

// ---------------------------------------------------------------- IPv4 parsing

TEST(ParseIpv4, AcceptsDottedQuads) {
    EXPECT_EQ(parse_ipv4("0.0.0.0"), std::optional<uint32_t>(0u));
    EXPECT_EQ(parse_ipv4("255.255.255.255"), std::optional<uint32_t>(0xffffffffu));
    EXPECT_EQ(parse_ipv4("192.0.2.7"), std::optional<uint32_t>(v4(192, 0, 2, 7)));
    EXPECT_EQ(parse_ipv4("10.0.0.1"), std::optional<uint32_t>(v4(10, 0, 0, 1)));
    EXPECT_EQ(parse_ipv4("1.20.100.200"), std::optional<uint32_t>(v4(1, 20, 100, 200)));
    EXPECT_EQ(parse_ipv4("100.0.10.0"), std::optional<uint32_t>(v4(100, 0, 10, 0)));
}

TEST(ParseIpv4, RejectsLeadingZeros) {
    for (std::string_view s : {"01.2.3.4", "1.02.3.4", "1.2.003.4", "1.2.3.04", "00.0.0.0",
                               "0.0.0.00", "1.2.3.0004", "010.0.0.1"}) {
        EXPECT_FALSE(parse_ipv4(s).has_value()) << s;
    }
}

TEST(ParseIpv4, RejectsOctetsAbove255) {
    for (std::string_view s : {"256.0.0.0", "0.256.0.0", "0.0.256.0", "1.2.3.256", "1.2.3.999",
                               "1.2.3.1000", "300.1.1.1", "1.2.3.2555"}) {
        EXPECT_FALSE(parse_ipv4(s).has_value()) << s;
    }
}

TEST(ParseIpv4, RejectsMissingOrExtraOctets) {
    for (std::string_view s : {"", "1", "1.2", "1.2.3", "1.2.3.", ".1.2.3", "1..2.3", "1.2..3",
                               "1.2.3.4.", "1.2.3.4.5", "..."}) {
        EXPECT_FALSE(parse_ipv4(s).has_value()) << s;
    }
}

TEST(ParseIpv4, RejectsOtherText) {
    for (std::string_view s :
         {" 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "a.b.c.d", "1.2.3.x", "+1.2.3.4", "1.2.3.-4",
          "0x1.2.3.4", "1.2.3.4/8", "1.2.3.4-", "::1", "1,2,3,4", "1.2.3.4:80"}) {
        EXPECT_FALSE(parse_ipv4(s).has_value()) << s;
    }
}

// ---------------------------------------------------------------- IPv6 parsing

void expect_v6(std::string_view text, Uint128 want) {
    auto got = parse_ipv6(text);
    ASSERT_TRUE(got.has_value()) << text;
    EXPECT_TRUE(*got == want) << text << " parsed as " << format_ipv6(*got);
}

TEST(ParseIpv6, CompressedForms) {
    expect_v6("::", 0);
    expect_v6("::1", 1);
    expect_v6("1::", groups(1, 0, 0, 0, 0, 0, 0, 0));
    expect_v6("1::1", groups(1, 0, 0, 0, 0, 0, 0, 1));
    expect_v6("2001:db8::7", groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
    expect_v6("2001:db8::1:0:0:1", groups(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1));
    // "::" may stand for a single group (RFC 4291 allows it; RFC 5952 only prints >= 2).
    expect_v6("1:2:3:4:5:6:7::", groups(1, 2, 3, 4, 5, 6, 7, 0));
    expect_v6("::2:3:4:5:6:7:8", groups(0, 2, 3, 4, 5, 6, 7, 8));
    expect_v6("1:2:3::5:6:7:8", groups(1, 2, 3, 0, 5, 6, 7, 8));
}

TEST(ParseIpv6, FullForms) {
    expect_v6("2001:db8:0:0:0:0:0:7", groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
    expect_v6("0:0:0:0:0:0:0:0", 0);
    expect_v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kV6Max);
    expect_v6("FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFE", kV6Max - 1);
    expect_v6("2001:0DB8:0000:0000:0000:0000:0000:0007", groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
    expect_v6("1:2:3:4:5:6:7:8", groups(1, 2, 3, 4, 5, 6, 7, 8));
    expect_v6("aBcD:Ef01::", groups(0xabcd, 0xef01, 0, 0, 0, 0, 0, 0));
}

TEST(ParseIpv6, EmbeddedDottedQuad) {
    expect_v6("::ffff:192.0.2.7", kMappedFirst | v4(192, 0, 2, 7));
    expect_v6("0:0:0:0:0:ffff:192.0.2.7", kMappedFirst | v4(192, 0, 2, 7));
    expect_v6("::FFFF:0.0.0.0", kMappedFirst);
    expect_v6("::ffff:255.255.255.255", kMappedLast);
    expect_v6("::1.2.3.4", v4(1, 2, 3, 4));
    expect_v6("1:2:3:4:5:6:1.2.3.4", groups(1, 2, 3, 4, 5, 6, 0x102, 0x304));
    expect_v6("64:ff9b::192.0.2.33", groups(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x221));
}

TEST(ParseIpv6, RejectsBadGroupCounts) {
    for (std::string_view s :
         {"1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8",
          "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4",
          "::1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4"}) {
        EXPECT_FALSE(parse_ipv6(s).has_value()) << s;
    }
}

TEST(ParseIpv6, RejectsTwoDoubleColons) {
    for (std::string_view s : {"1::2::3", "::1::", "::1::2", "1::2:3::", ":::", "1:::2", "::::"}) {
        EXPECT_FALSE(parse_ipv6(s).has_value()) << s;
    }
}

TEST(ParseIpv6, RejectsZoneIds) {
    for (std::string_view s : {"fe80::1%eth0", "fe80::1%1", "fe80::%25eth0", "::1%lo"}) {
        EXPECT_FALSE(parse_ipv6(s).has_value()) << s;
    }
}

TEST(ParseIpv6, RejectsOtherText) {
    for (std::string_view s : {"",
                               ":",
                               "1",
                               "1:",
                               ":1",
                               ":1::",
                               "1::2:",
                               "12345::",
                               "g::",
                               "::g",
                               "0x1::",
                               "[::1]",
                               " ::1",
                               "::1 ",
                               "1.2.3.4",
                               "::ffff:1.2.3",
                               "::ffff:1.2.3.256",
                               "::ffff:01.2.3.4",
                               "::1.2.3.4:5",
                               "1.2.3.4::",
                               "::ffff:1.2.3.4.5",
                               "1:2:3:4:5:6:7:8:",
                               "-::1",
                               "::-1"}) {
        EXPECT_FALSE(parse_ipv6(s).has_value()) << s;
    }
}

// ---------------------------------------------------------------- parse_address

TEST(ParseAddress, PicksTheFamilyAndFoldsMappedToIpv4) {
    auto a = parse_address("192.0.2.7");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(*a, Address::v4(v4(192, 0, 2, 7)));

    auto m = parse_address("::ffff:192.0.2.7");
    ASSERT_TRUE(m.has_value());
    EXPECT_TRUE(m->is_v4());
    EXPECT_EQ(*m, Address::v4(v4(192, 0, 2, 7)));

    auto h = parse_address("::ffff:c000:207");  // the same mapped address in hex
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(*h, Address::v4(v4(192, 0, 2, 7)));

    auto z = parse_address("::ffff:0:0");
    ASSERT_TRUE(z.has_value());
    EXPECT_EQ(*z, Address::v4(0));

    auto six = parse_address("2001:db8::7");
    ASSERT_TRUE(six.has_value());
    EXPECT_FALSE(six->is_v4());
    EXPECT_TRUE(six->value == groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
}

TEST(ParseAddress, MappedBlockEdgesStayIpv6OutsideTheBlock) {
    auto below = parse_address("::fffe:ffff:ffff");
    ASSERT_TRUE(below.has_value());
    EXPECT_FALSE(below->is_v4());
    EXPECT_TRUE(below->value == kMappedFirst - 1);

    auto above = parse_address("::1:0:0:0");
    ASSERT_TRUE(above.has_value());
    EXPECT_FALSE(above->is_v4());
    EXPECT_TRUE(above->value == kMappedLast + 1);

    auto compat = parse_address("::1.2.3.4");  // IPv4-compatible, not mapped
    ASSERT_TRUE(compat.has_value());
    EXPECT_FALSE(compat->is_v4());
}

TEST(ParseAddress, RejectsGarbage) {
    for (std::string_view s : {"", "x", "1.2.3", "1::2::3", "fe80::1%eth0", " 1.2.3.4"}) {
        EXPECT_FALSE(parse_address(s).has_value()) << s;
    }
}

TEST(AddressValue, V6FactoryFoldsOnlyTheMappedBlock) {
    EXPECT_TRUE(Address::v6(kMappedFirst).is_v4());
    EXPECT_TRUE(Address::v6(kMappedLast).is_v4());
    EXPECT_EQ(Address::v6(kMappedLast).v4_value(), 0xffffffffu);
    EXPECT_FALSE(Address::v6(kMappedFirst - 1).is_v4());
    EXPECT_FALSE(Address::v6(kMappedLast + 1).is_v4());
    EXPECT_FALSE(Address::v6(0).is_v4());
    EXPECT_FALSE(Address::v6(kV6Max).is_v4());
    EXPECT_TRUE(is_v4_mapped(kMappedFirst | 12345));
    EXPECT_FALSE(is_v4_mapped(Uint128{0xfffe} << 32));
}

// ---------------------------------------------------------------- printing

TEST(FormatIpv4, DottedDecimal) {
    EXPECT_EQ(format_ipv4(0), "0.0.0.0");
    EXPECT_EQ(format_ipv4(0xffffffffu), "255.255.255.255");
    EXPECT_EQ(format_ipv4(v4(192, 0, 2, 7)), "192.0.2.7");
    EXPECT_EQ(format_ipv4(v4(10, 0, 100, 0)), "10.0.100.0");
}

TEST(FormatIpv6, Rfc5952Canonical) {
    EXPECT_EQ(format_ipv6(0), "::");
    EXPECT_EQ(format_ipv6(1), "::1");
    EXPECT_EQ(format_ipv6(groups(1, 0, 0, 0, 0, 0, 0, 0)), "1::");
    EXPECT_EQ(format_ipv6(groups(1, 0, 0, 0, 0, 0, 0, 1)), "1::1");
    EXPECT_EQ(format_ipv6(groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)), "2001:db8::1");
    EXPECT_EQ(format_ipv6(kV6Max), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    // Lowercase, no leading zeros.
    EXPECT_EQ(format_ipv6(groups(0xABCD, 0x00EF, 0x0001, 0x0010, 0x0100, 0x1000, 0xF, 0xFFFF)),
              "abcd:ef:1:10:100:1000:f:ffff");
}

TEST(FormatIpv6, LongestZeroRunFirstOnTie) {
    // Longest run wins even when it comes second.
    EXPECT_EQ(format_ipv6(groups(0x2001, 0, 0, 1, 0, 0, 0, 1)), "2001:0:0:1::1");
    EXPECT_EQ(format_ipv6(groups(0, 1, 0, 0, 0, 0, 0, 0)), "0:1::");
    // Equal runs: the first one.
    EXPECT_EQ(format_ipv6(groups(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), "2001:db8::1:0:0:1");
    EXPECT_EQ(format_ipv6(groups(1, 0, 0, 1, 1, 0, 0, 1)), "1::1:1:0:0:1");
    EXPECT_EQ(format_ipv6(groups(0, 0, 1, 1, 1, 1, 0, 0)), "::1:1:1:1:0:0");
}

TEST(FormatIpv6, NoDoubleColonForOneZeroGroup) {
    EXPECT_EQ(format_ipv6(groups(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1)), "2001:db8:0:1:1:1:1:1");
    EXPECT_EQ(format_ipv6(groups(1, 2, 3, 4, 5, 6, 7, 0)), "1:2:3:4:5:6:7:0");
    EXPECT_EQ(format_ipv6(groups(0, 2, 3, 4, 5, 6, 7, 8)), "0:2:3:4:5:6:7:8");
    EXPECT_EQ(format_ipv6(groups(1, 0, 1, 0, 1, 0, 1, 0)), "1:0:1:0:1:0:1:0");
}

TEST(FormatIpv6, MappedAsDottedQuad) {
    EXPECT_EQ(format_ipv6(kMappedFirst | v4(192, 0, 2, 7)), "::ffff:192.0.2.7");
    EXPECT_EQ(format_ipv6(kMappedFirst), "::ffff:0.0.0.0");
    EXPECT_EQ(format_ipv6(kMappedLast), "::ffff:255.255.255.255");
    // Just outside the block: plain hex groups.
    EXPECT_EQ(format_ipv6(kMappedFirst - 1), "::fffe:ffff:ffff");
    EXPECT_EQ(format_ipv6(kMappedLast + 1), "::1:0:0:0");
    // IPv4-compatible (deprecated) values are not mapped.
    EXPECT_EQ(format_ipv6(v4(1, 2, 3, 4)), "::102:304");
}

TEST(FormatAddress, BothFamilies) {
    EXPECT_EQ(format_address(Address::v4(v4(192, 0, 2, 7))), "192.0.2.7");
    EXPECT_EQ(format_address(Address::v6(1)), "::1");
    EXPECT_EQ(format_address(Address::v6(kMappedFirst | 7)), "0.0.0.7");  // folded to IPv4
}

// An independent RFC 5952 printer for non-mapped values: hex groups, then the
// longest run of >= 2 zero groups (the first on a tie) replaced by "::".
std::string reference_rfc5952(Uint128 v) {
    uint16_t g[8];
    for (int i = 7; i >= 0; --i, v >>= 16)
        g[i] = static_cast<uint16_t>(v);
    int run_start = -1, run_len = 0;
    for (int i = 0; i < 8; ++i) {
        int len = 0;
        while (i + len < 8 && g[i + len] == 0)
            ++len;
        if (len >= 2 && len > run_len) {
            run_start = i;
            run_len = len;
        }
    }
    auto hex = [](uint16_t x) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%x", x);
        return std::string(buf);
    };
    std::string out;
    for (int i = 0; i < 8; ++i) {
        if (i == run_start) {
            out += "::";
            i += run_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':')
            out += ':';
        out += hex(g[i]);
    }
    return out;
}

// Random values with many zero groups: the printed text is the canonical one, and it
// parses back to the same value.
TEST(FormatIpv6, RoundTripsRandomValues) {
    std::mt19937_64 rng(20240601);
    for (int i = 0; i < 20000; ++i) {
        Uint128 v = 0;
        for (int g = 0; g < 8; ++g) {
            uint16_t group = (rng() % 3 == 0) ? static_cast<uint16_t>(rng()) : 0;
            v = (v << 16) | group;
        }
        if (i % 7 == 0)
            v = kMappedFirst | static_cast<uint32_t>(rng());
        std::string text = format_ipv6(v);
        auto back = parse_ipv6(text);
        ASSERT_TRUE(back.has_value()) << text;
        ASSERT_TRUE(*back == v) << text;
        if (is_v4_mapped(v)) {
            EXPECT_EQ(text, "::ffff:" + format_ipv4(static_cast<uint32_t>(v)));
        } else {
            ASSERT_EQ(text, reference_rfc5952(v));
        }
    }
}

}  // namespace
}  // namespace mg::lists
