// Tests for lists/compiler.cc: ordered add/exclude ops -> disjoint sorted intervals,
// IPv6 ops over the IPv4-mapped block applied to IPv4, AddressSet::contains.
#include "lists/compiler.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lists/address.h"
#include "lists/parser.h"
#include "tests/lists/literals.h"

namespace mg::lists {

inline void PrintTo(const Interval4& iv, std::ostream* os) {
    *os << "[" << format_ipv4(iv.first) << ", " << format_ipv4(iv.last) << "]";
}
inline void PrintTo(const Interval6& iv, std::ostream* os) {
    *os << "[" << format_ipv6(iv.first) << ", " << format_ipv6(iv.last) << "]";
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint32_t kV4Max = 0xffffffffu;

Interval4 iv4(std::string_view first, std::string_view last) {
    return {a4(first), a4(last)};
}
Interval6 iv6(std::string_view first, std::string_view last) {
    return {a6(first), a6(last)};
}

AddressSet set_of(std::string_view text) {
    auto r = compile_list(text);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? r.value() : AddressSet{};
}

TEST(Compile, EmptyList) {
    AddressSet s = set_of("; nothing\n\n");
    EXPECT_THAT(s.v4, IsEmpty());
    EXPECT_THAT(s.v6, IsEmpty());
    EXPECT_EQ(s.interval_count(), 0u);
    EXPECT_FALSE(s.contains(Address::v4(0)));
    EXPECT_TRUE(compile({}) == AddressSet{});
}

TEST(Compile, SingleAddressesAndSorting) {
    AddressSet s = set_of("1.2.3.6\n1.2.3.4\n::2\n::1:0\n");
    EXPECT_THAT(s.v4, ElementsAre(iv4("1.2.3.4", "1.2.3.4"), iv4("1.2.3.6", "1.2.3.6")));
    EXPECT_THAT(s.v6, ElementsAre(iv6("::2", "::2"), iv6("::1:0", "::1:0")));
    EXPECT_EQ(s.interval_count(), 4u);
}

TEST(Compile, AdjacentIntervalsMerge) {
    EXPECT_THAT(set_of("10.0.0.0/25\n10.0.0.128/25").v4,
                ElementsAre(iv4("10.0.0.0", "10.0.0.255")));
    EXPECT_THAT(set_of("1.2.3.5\n1.2.3.4").v4, ElementsAre(iv4("1.2.3.4", "1.2.3.5")));
    EXPECT_THAT(set_of("1.0.0.0-1.0.0.9\n1.0.0.20-1.0.0.29\n1.0.0.10-1.0.0.19").v4,
                ElementsAre(iv4("1.0.0.0", "1.0.0.29")));
    EXPECT_THAT(set_of("2001:db8::/33\n2001:db8:8000::/33").v6,
                ElementsAre(iv6("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
    // Across an octet boundary.
    EXPECT_THAT(set_of("10.0.0.255\n10.0.1.0").v4, ElementsAre(iv4("10.0.0.255", "10.0.1.0")));
}

TEST(Compile, OverlappingIntervalsMerge) {
    EXPECT_THAT(set_of("10.0.0.0-10.0.0.100\n10.0.0.50-10.0.0.200").v4,
                ElementsAre(iv4("10.0.0.0", "10.0.0.200")));
    EXPECT_THAT(set_of("10.0.0.0/8\n10.1.0.0/16").v4,
                ElementsAre(iv4("10.0.0.0", "10.255.255.255")));
    EXPECT_THAT(set_of("10.1.0.0/16\n10.0.0.0/8\n10.1.0.0/16").v4,
                ElementsAre(iv4("10.0.0.0", "10.255.255.255")));
    EXPECT_THAT(set_of("::1-::10\n::5-::20\n::20-::30").v6, ElementsAre(iv6("::1", "::30")));
}

TEST(Compile, NonAdjacentIntervalsStaySeparate) {
    EXPECT_THAT(set_of("1.2.3.4\n1.2.3.6").v4,
                ElementsAre(iv4("1.2.3.4", "1.2.3.4"), iv4("1.2.3.6", "1.2.3.6")));
}

TEST(Compile, ExclusionSplitsAnInterval) {
    EXPECT_THAT(set_of("10.0.0.0/8\n!10.1.0.0/16").v4,
                ElementsAre(iv4("10.0.0.0", "10.0.255.255"), iv4("10.2.0.0", "10.255.255.255")));
    EXPECT_THAT(set_of("10.0.0.0/8\n!10.0.0.0").v4, ElementsAre(iv4("10.0.0.1", "10.255.255.255")));
    EXPECT_THAT(set_of("10.0.0.0/8\n!10.255.255.255").v4,
                ElementsAre(iv4("10.0.0.0", "10.255.255.254")));
    EXPECT_THAT(set_of("10.0.0.0/8\n!9.0.0.0-10.0.0.9\n!10.255.255.0-11.0.0.0").v4,
                ElementsAre(iv4("10.0.0.10", "10.255.254.255")));
    EXPECT_THAT(set_of("2001:db8::/32\n!2001:db8::1").v6,
                ElementsAre(iv6("2001:db8::", "2001:db8::"),
                            iv6("2001:db8::2", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
}

TEST(Compile, ExclusionOfEverythingEmptiesTheFamily) {
    AddressSet s = set_of("10.0.0.0/8\n1.2.3.4\n::1\n!0.0.0.0-255.255.255.255");
    EXPECT_THAT(s.v4, IsEmpty());
    EXPECT_THAT(s.v6, ElementsAre(iv6("::1", "::1")));  // the other family is untouched
}

TEST(Compile, ExclusionBeforeAnyAddIsANoOp) {
    EXPECT_THAT(set_of("!10.1.0.0/16\n10.0.0.0/8").v4,
                ElementsAre(iv4("10.0.0.0", "10.255.255.255")));
    EXPECT_THAT(set_of("!1.2.3.4").v4, IsEmpty());
    EXPECT_THAT(set_of("!::/1\n::1").v6, ElementsAre(iv6("::1", "::1")));
}

TEST(Compile, AddAfterExcludeRestores) {
    EXPECT_THAT(set_of("10.0.0.0/8\n!10.1.0.0/16\n10.1.2.0/24").v4,
                ElementsAre(iv4("10.0.0.0", "10.0.255.255"), iv4("10.1.2.0", "10.1.2.255"),
                            iv4("10.2.0.0", "10.255.255.255")));
    EXPECT_THAT(set_of("10.0.0.0/8\n!10.1.0.0/16\n10.1.0.0/16").v4,
                ElementsAre(iv4("10.0.0.0", "10.255.255.255")));
    // Exclude, add back, exclude again: the last covering line wins.
    EXPECT_THAT(set_of("1.0.0.0/8\n!1.0.0.0/16\n1.0.0.0/24\n!1.0.0.128/25").v4,
                ElementsAre(iv4("1.0.0.0", "1.0.0.127"), iv4("1.1.0.0", "1.255.255.255")));
}

TEST(Compile, MappedLinesAreIpv4) {
    AddressSet s = set_of("::ffff:192.0.2.7\n::ffff:10.0.0.0/104\n!10.1.0.0/16\n");
    EXPECT_THAT(s.v4,
                ElementsAre(iv4("10.0.0.0", "10.0.255.255"), iv4("10.2.0.0", "10.255.255.255"),
                            iv4("192.0.2.7", "192.0.2.7")));
    EXPECT_THAT(s.v6, IsEmpty());
    EXPECT_TRUE(set_of("10.0.0.0/8\n!::ffff:10.0.0.0/104").v4.empty());
}

TEST(Compile, Ipv6LineCoveringTheMappedBlockAppliesToIpv4) {
    AddressSet s = set_of("::/64");
    EXPECT_THAT(s.v4, ElementsAre(Interval4{0, kV4Max}));
    EXPECT_THAT(s.v6, ElementsAre(Interval6{0, kMappedFirst - 1},
                                  Interval6{kMappedLast + 1, (Uint128{1} << 64) - 1}));

    AddressSet x = set_of("::/64\n!::ffff:1.2.3.4");
    EXPECT_THAT(x.v4, ElementsAre(Interval4{0, a4("1.2.3.3")}, Interval4{a4("1.2.3.5"), kV4Max}));
    EXPECT_EQ(x.v6, s.v6);
    EXPECT_EQ(set_of("::/64\n!1.2.3.4"), x);

    // An IPv6 exclusion over the block removes IPv4 addresses added before it.
    AddressSet e = set_of("0.0.0.0-255.255.255.255\n2001:db8::1\n!::/64");
    EXPECT_THAT(e.v4, IsEmpty());
    EXPECT_THAT(e.v6, ElementsAre(iv6("2001:db8::1", "2001:db8::1")));

    // ...and IPv4 lines after it add back.
    AddressSet b = set_of("1.0.0.0/8\n!::/80\n1.2.3.4");
    EXPECT_THAT(b.v4, ElementsAre(iv4("1.2.3.4", "1.2.3.4")));

    // A range that reaches one address past each end of the block.
    AddressSet r = set_of("::fffe:ffff:ffff-::1:0:0:0");
    EXPECT_THAT(r.v4, ElementsAre(Interval4{0, kV4Max}));
    EXPECT_THAT(r.v6, ElementsAre(Interval6{kMappedFirst - 1, kMappedFirst - 1},
                                  Interval6{kMappedLast + 1, kMappedLast + 1}));

    // ::/96 is the IPv4-compatible block, below the mapped one: no IPv4 effect.
    AddressSet c = set_of("::/96");
    EXPECT_THAT(c.v4, IsEmpty());
    EXPECT_THAT(c.v6, ElementsAre(Interval6{0, 0xffffffffu}));
}

TEST(Compile, PartialMappedOverlapFromRawOps) {
    // Text cannot express a plain IPv6 op that covers only part of the mapped block;
    // compile() still gets it right when handed one.
    std::vector<ListOp> low{{false, Family::kV6, kMappedFirst - 5, kMappedFirst + 10, 1}};
    AddressSet s = compile(low);
    EXPECT_THAT(s.v4, ElementsAre(Interval4{0, 10}));
    EXPECT_THAT(s.v6, ElementsAre(Interval6{kMappedFirst - 5, kMappedFirst - 1}));

    std::vector<ListOp> high{{false, Family::kV6, kMappedLast - 3, kMappedLast + 3, 1}};
    AddressSet t = compile(high);
    EXPECT_THAT(t.v4, ElementsAre(Interval4{kV4Max - 3, kV4Max}));
    EXPECT_THAT(t.v6, ElementsAre(Interval6{kMappedLast + 1, kMappedLast + 3}));

    std::vector<ListOp> inside{{false, Family::kV4, 0, kV4Max, 1},
                               {true, Family::kV6, kMappedFirst + 100, kMappedFirst + 200, 2}};
    EXPECT_THAT(compile(inside).v4, ElementsAre(Interval4{0, 99}, Interval4{201, kV4Max}));
}

TEST(Compile, Extremes) {
    EXPECT_THAT(set_of("0.0.0.0").v4, ElementsAre(Interval4{0, 0}));
    EXPECT_THAT(set_of("255.255.255.255").v4, ElementsAre(Interval4{kV4Max, kV4Max}));
    EXPECT_THAT(set_of("0.0.0.0-255.255.255.255").v4, ElementsAre(Interval4{0, kV4Max}));
    EXPECT_THAT(set_of("128.0.0.0/1\n0.0.0.0/1").v4, ElementsAre(Interval4{0, kV4Max}));
    EXPECT_THAT(set_of("0.0.0.0-255.255.255.255\n!255.255.255.255").v4,
                ElementsAre(Interval4{0, kV4Max - 1}));
    EXPECT_THAT(set_of("0.0.0.0-255.255.255.255\n!0.0.0.0").v4, ElementsAre(Interval4{1, kV4Max}));
    EXPECT_THAT(set_of("0.0.0.0-255.255.255.255\n!0.0.0.1-255.255.255.254").v4,
                ElementsAre(Interval4{0, 0}, Interval4{kV4Max, kV4Max}));
    EXPECT_THAT(set_of("255.255.255.255\n0.0.0.0").v4,
                ElementsAre(Interval4{0, 0}, Interval4{kV4Max, kV4Max}));

    EXPECT_THAT(set_of("::").v6, ElementsAre(Interval6{0, 0}));
    EXPECT_THAT(set_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").v6,
                ElementsAre(Interval6{kV6Max, kV6Max}));
    EXPECT_THAT(
        set_of("::/1\n8000::/1\n!ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").v6,
        ElementsAre(Interval6{0, kMappedFirst - 1}, Interval6{kMappedLast + 1, kV6Max - 1}));

    AddressSet all = set_of("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    EXPECT_THAT(all.v4, ElementsAre(Interval4{0, kV4Max}));
    EXPECT_THAT(all.v6,
                ElementsAre(Interval6{0, kMappedFirst - 1}, Interval6{kMappedLast + 1, kV6Max}));
}

TEST(Compile, LaterOpsOverrideEarlierOnesWhateverTheirPosition) {
    // Nested ops, each the opposite of the previous one.
    AddressSet s = set_of(
        "10.0.0.0/8\n"
        "!10.0.0.0/16\n"
        "10.0.0.0/24\n"
        "!10.0.0.0/28\n"
        "10.0.0.4\n");
    EXPECT_THAT(s.v4, ElementsAre(iv4("10.0.0.4", "10.0.0.4"), iv4("10.0.0.16", "10.0.0.255"),
                                  iv4("10.1.0.0", "10.255.255.255")));
    // The same ops in the reverse order: the widest, last line wins everywhere.
    AddressSet r = set_of(
        "10.0.0.4\n"
        "!10.0.0.0/28\n"
        "10.0.0.0/24\n"
        "!10.0.0.0/16\n"
        "10.0.0.0/8\n");
    EXPECT_THAT(r.v4, ElementsAre(iv4("10.0.0.0", "10.255.255.255")));
}

TEST(Compile, ExclusionsOnlyAffectPrecedingLines) {
    AddressSet s = set_of("!1.2.3.4\n1.2.3.0/24\n!1.2.3.7\n");
    EXPECT_THAT(s.v4, ElementsAre(iv4("1.2.3.0", "1.2.3.6"), iv4("1.2.3.8", "1.2.3.255")));
}

TEST(Compile, KeepsLineOrderNotOpOrderInTheInput) {
    // compile() uses the span order; ListOp::line is informational only.
    std::vector<ListOp> ops{{false, Family::kV4, 0, 100, 9}, {true, Family::kV4, 10, 20, 1}};
    EXPECT_THAT(compile(ops).v4, ElementsAre(Interval4{0, 9}, Interval4{21, 100}));
}

TEST(Compile, CompileListPassesParseErrorsThrough) {
    auto r = compile_list("1.1.1.1\nnope\n");
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.error().total, 1u);
    EXPECT_EQ(r.error().errors[0].line, 2u);
}

TEST(AddressSetContains, BothFamiliesAndMapped) {
    AddressSet s = set_of("10.0.0.0/8\n!10.1.0.0/16\n2001:db8::/32\n192.0.2.7\n");
    EXPECT_TRUE(s.contains(Address::v4(a4("10.0.0.0"))));
    EXPECT_TRUE(s.contains(Address::v4(a4("10.0.255.255"))));
    EXPECT_FALSE(s.contains(Address::v4(a4("10.1.0.0"))));
    EXPECT_FALSE(s.contains(Address::v4(a4("10.1.255.255"))));
    EXPECT_TRUE(s.contains(Address::v4(a4("10.2.0.0"))));
    EXPECT_TRUE(s.contains(Address::v4(a4("10.255.255.255"))));
    EXPECT_FALSE(s.contains(Address::v4(a4("11.0.0.0"))));
    EXPECT_FALSE(s.contains(Address::v4(a4("9.255.255.255"))));
    EXPECT_FALSE(s.contains(Address::v4(0)));
    EXPECT_FALSE(s.contains(Address::v4(kV4Max)));
    EXPECT_TRUE(s.contains(Address::v4(a4("192.0.2.7"))));
    EXPECT_FALSE(s.contains(Address::v4(a4("192.0.2.8"))));

    EXPECT_TRUE(s.contains(Address::v6(a6("2001:db8::"))));
    EXPECT_TRUE(s.contains(Address::v6(a6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))));
    EXPECT_FALSE(s.contains(Address::v6(a6("2001:db9::"))));
    EXPECT_FALSE(s.contains(Address::v6(a6("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"))));
    EXPECT_FALSE(s.contains(Address::v6(0)));
    EXPECT_FALSE(s.contains(Address::v6(kV6Max)));

    // Mapped, through the factory (folded) and as a raw IPv6 Address (not folded).
    EXPECT_TRUE(s.contains(Address::v6(kMappedFirst | a4("192.0.2.7"))));
    EXPECT_TRUE(s.contains(Address{Family::kV6, kMappedFirst | a4("192.0.2.7")}));
    EXPECT_FALSE(s.contains(Address{Family::kV6, kMappedFirst | a4("192.0.2.8")}));
    EXPECT_TRUE(s.contains(Address{Family::kV6, kMappedFirst | a4("10.200.0.1")}));
    EXPECT_FALSE(s.contains(Address{Family::kV6, kMappedFirst | a4("10.1.0.1")}));
}

TEST(AddressSetContains, ExtremesOfWholeSpace) {
    AddressSet s = set_of("0.0.0.0-255.255.255.255\n::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    for (Uint128 v : {Uint128{0}, Uint128{1}, kMappedFirst - 1, kMappedFirst, kMappedLast,
                      kMappedLast + 1, kV6Max}) {
        EXPECT_TRUE(s.contains(Address::v6(v)));
        EXPECT_TRUE(s.contains(Address{Family::kV6, v}));
    }
    EXPECT_TRUE(s.contains(Address::v4(0)));
    EXPECT_TRUE(s.contains(Address::v4(kV4Max)));
}

}  // namespace
}  // namespace mg::lists
