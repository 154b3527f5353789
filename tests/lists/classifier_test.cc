// Tests for lists/classifier.cc: AddressList (one list) and Classifier (several lists,
// one bitmask per lookup), single and batch, IPv4-mapped keys.
#include "lists/classifier.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lists/address.h"
#include "lists/compiler.h"
#include "tests/lists/literals.h"

namespace mg::lists {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Uint128 mapped(uint32_t v4) {
    return kMappedFirst | v4;
}

AddressSet set_of(std::string_view text) {
    auto r = compile_list(text);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? r.value() : AddressSet{};
}

Classifier build_ok(std::vector<NamedList> lists) {
    auto r = Classifier::build(std::move(lists));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : Classifier{};
}

// ======================================================================= AddressList

TEST(AddressList, EmptyListContainsNothing) {
    AddressList l;
    EXPECT_FALSE(l.contains(Address::v4(0)));
    EXPECT_FALSE(l.contains_v4(0xffffffffu));
    EXPECT_FALSE(l.contains_v6(0));
    EXPECT_FALSE(l.contains_v6(kV6Max));
    EXPECT_FALSE(l.contains_v6(mapped(1)));
    AddressList from_empty{AddressSet{}};
    EXPECT_FALSE(from_empty.contains(Address::v4(a4("10.0.0.1"))));
    EXPECT_EQ(from_empty.set(), AddressSet{});
}

TEST(AddressList, LooksUpBothFamiliesAndMapped) {
    AddressSet s = set_of("10.0.0.0/8\n!10.1.0.0/16\n192.0.2.7\n2001:db8::/32\n!2001:db8::1\n");
    AddressList l(s);
    EXPECT_EQ(l.set(), s);

    EXPECT_TRUE(l.contains_v4(a4("10.0.0.0")));
    EXPECT_TRUE(l.contains_v4(a4("10.0.255.255")));
    EXPECT_FALSE(l.contains_v4(a4("10.1.0.0")));
    EXPECT_FALSE(l.contains_v4(a4("10.1.255.255")));
    EXPECT_TRUE(l.contains_v4(a4("10.2.0.0")));
    EXPECT_FALSE(l.contains_v4(a4("11.0.0.0")));
    EXPECT_TRUE(l.contains_v4(a4("192.0.2.7")));
    EXPECT_FALSE(l.contains_v4(a4("192.0.2.6")));
    EXPECT_FALSE(l.contains_v4(a4("192.0.2.8")));

    EXPECT_TRUE(l.contains_v6(a6("2001:db8::")));
    EXPECT_FALSE(l.contains_v6(a6("2001:db8::1")));
    EXPECT_TRUE(l.contains_v6(a6("2001:db8::2")));
    EXPECT_TRUE(l.contains_v6(a6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
    EXPECT_FALSE(l.contains_v6(a6("2001:db9::")));

    // Mapped keys answer as IPv4, through every entry point.
    EXPECT_TRUE(l.contains_v6(mapped(a4("192.0.2.7"))));
    EXPECT_FALSE(l.contains_v6(mapped(a4("192.0.2.8"))));
    EXPECT_TRUE(l.contains(Address::v6(mapped(a4("10.2.3.4")))));
    EXPECT_TRUE(l.contains(Address{Family::kV6, mapped(a4("10.2.3.4"))}));
    EXPECT_FALSE(l.contains(Address{Family::kV6, mapped(a4("10.1.3.4"))}));
    EXPECT_TRUE(l.contains(Address::v4(a4("10.2.3.4"))));
}

TEST(AddressList, MappedKeysFollowIpv4EvenWhenIpv6CoversTheBlockRaw) {
    // A list whose IPv6 part covers everything except the mapped block, and whose
    // IPv4 part is empty: mapped keys must say no.
    AddressSet s = set_of("::/1\n8000::/1\n!0.0.0.0-255.255.255.255\n");
    AddressList l(s);
    EXPECT_TRUE(l.contains_v6(kMappedFirst - 1));
    EXPECT_TRUE(l.contains_v6(kMappedLast + 1));
    EXPECT_FALSE(l.contains_v6(kMappedFirst));
    EXPECT_FALSE(l.contains_v6(mapped(a4("1.2.3.4"))));
    EXPECT_FALSE(l.contains_v6(kMappedLast));
    Uint128 keys[4] = {kMappedFirst - 1, kMappedFirst, kMappedLast, kMappedLast + 1};
    uint32_t out[4] = {7, 7, 7, 7};
    l.contains_v6_batch(keys, out, 4);
    EXPECT_THAT(out, ElementsAre(1u, 0u, 0u, 1u));
}

TEST(AddressList, BatchEqualsSingle) {
    AddressSet s = set_of(
        "10.0.0.0/8\n!10.0.0.0/24\n10.0.0.7\n192.168.0.0-192.168.3.17\n"
        "2001:db8::/48\n!2001:db8::/64\nfe80::1-fe80::ff\n::ffff:172.16.0.0/108\n");
    AddressList l(s);
    std::mt19937_64 rng(5);
    std::vector<uint32_t> pool4{0, 0xffffffffu};
    for (const auto& iv : s.v4) {
        for (uint32_t k :
             {iv.first - 1, iv.first, iv.first + 1, iv.last - 1, iv.last, iv.last + 1}) {
            pool4.push_back(k);
        }
    }
    std::vector<Uint128> pool6{0, kV6Max, kMappedFirst, kMappedLast};
    for (const auto& iv : s.v6) {
        for (Uint128 k :
             {iv.first - 1, iv.first, iv.first + 1, iv.last - 1, iv.last, iv.last + 1}) {
            pool6.push_back(k);
        }
    }
    for (uint32_t k : pool4)
        pool6.push_back(mapped(k));
    for (size_t n : {0u, 1u, 15u, 16u, 17u, 33u, 1000u}) {
        SCOPED_TRACE(n);
        std::vector<uint32_t> k4(n);
        std::vector<Uint128> k6(n);
        for (size_t i = 0; i < n; ++i) {
            k4[i] = rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : pool4[rng() % pool4.size()];
            k6[i] = pool6[rng() % pool6.size()];
        }
        std::vector<uint32_t> o4(n + 1, 0xdeadbeef), o6(n + 1, 0xdeadbeef);
        l.contains_v4_batch(k4.data(), o4.data(), n);
        l.contains_v6_batch(k6.data(), o6.data(), n);
        for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(o4[i], l.contains_v4(k4[i]) ? 1u : 0u) << format_ipv4(k4[i]);
            ASSERT_EQ(o4[i], s.contains(Address::v4(k4[i])) ? 1u : 0u) << format_ipv4(k4[i]);
            ASSERT_EQ(o6[i], l.contains_v6(k6[i]) ? 1u : 0u) << format_ipv6(k6[i]);
            ASSERT_EQ(o6[i], s.contains(Address{Family::kV6, k6[i]}) ? 1u : 0u)
                << format_ipv6(k6[i]);
        }
        EXPECT_EQ(o4[n], 0xdeadbeefu);
        EXPECT_EQ(o6[n], 0xdeadbeefu);
    }
}

// ======================================================================= Classifier

struct ThreeLists : ::testing::Test {
    void SetUp() override {
        c = build_ok({
            {"lan", set_of("10.0.0.0/8\n2001:db8::/32\n")},
            {"nat", set_of("10.0.0.0/8\n192.168.0.0/16\nfc00::/7\n")},
            {"debug", set_of("10.1.2.3\n::ffff:192.168.7.7\n2001:db8::5\nfd00::1\n")},
        });
    }
    Classifier c;
};

TEST_F(ThreeLists, Masks) {
    EXPECT_EQ(c.classify_v4(a4("10.1.2.3")), 0b111u);
    EXPECT_EQ(c.classify_v4(a4("10.1.2.4")), 0b011u);
    EXPECT_EQ(c.classify_v4(a4("10.0.0.0")), 0b011u);
    EXPECT_EQ(c.classify_v4(a4("10.255.255.255")), 0b011u);
    EXPECT_EQ(c.classify_v4(a4("11.0.0.0")), 0u);
    EXPECT_EQ(c.classify_v4(a4("9.255.255.255")), 0u);
    EXPECT_EQ(c.classify_v4(a4("192.168.7.7")), 0b110u);
    EXPECT_EQ(c.classify_v4(a4("192.168.7.8")), 0b010u);
    EXPECT_EQ(c.classify_v4(0), 0u);
    EXPECT_EQ(c.classify_v4(0xffffffffu), 0u);

    EXPECT_EQ(c.classify_v6(a6("2001:db8::5")), 0b101u);
    EXPECT_EQ(c.classify_v6(a6("2001:db8::6")), 0b001u);
    EXPECT_EQ(c.classify_v6(a6("fd00::1")), 0b110u);
    EXPECT_EQ(c.classify_v6(a6("fc00::")), 0b010u);
    EXPECT_EQ(c.classify_v6(a6("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), 0b010u);
    EXPECT_EQ(c.classify_v6(a6("fe00::")), 0u);
    EXPECT_EQ(c.classify_v6(0), 0u);
    EXPECT_EQ(c.classify_v6(kV6Max), 0u);

    // Mapped keys and the Address overload.
    EXPECT_EQ(c.classify_v6(mapped(a4("10.1.2.3"))), 0b111u);
    EXPECT_EQ(c.classify_v6(mapped(a4("192.168.7.7"))), 0b110u);
    EXPECT_EQ(c.classify(Address::v4(a4("10.1.2.3"))), 0b111u);
    EXPECT_EQ(c.classify(Address::v6(a6("2001:db8::5"))), 0b101u);
    EXPECT_EQ(c.classify(Address{Family::kV6, mapped(a4("10.9.9.9"))}), 0b011u);
}

TEST_F(ThreeLists, BitAndNames) {
    EXPECT_EQ(c.bit("lan"), 0u);
    EXPECT_EQ(c.bit("nat"), 1u);
    EXPECT_EQ(c.bit("debug"), 2u);
    EXPECT_FALSE(c.bit("client").has_value());
    EXPECT_FALSE(c.bit("").has_value());
    EXPECT_FALSE(c.bit("LAN").has_value());

    EXPECT_THAT(c.names_of(0b101), ElementsAre("lan", "debug"));
    EXPECT_THAT(c.names_of(0b111), ElementsAre("lan", "nat", "debug"));
    EXPECT_THAT(c.names_of(0b010), ElementsAre("nat"));
    EXPECT_THAT(c.names_of(0), IsEmpty());
    EXPECT_THAT(c.names_of(0xfffffff8u), IsEmpty());  // bits of lists that do not exist
    EXPECT_THAT(c.names_of(c.classify_v4(a4("10.1.2.3"))), ElementsAre("lan", "nat", "debug"));

    ASSERT_EQ(c.lists().size(), 3u);
    EXPECT_EQ(c.lists()[1].name, "nat");
    EXPECT_EQ(c.lists()[2].set, set_of("10.1.2.3\n192.168.7.7\n2001:db8::5\nfd00::1\n"));
}

TEST_F(ThreeLists, BatchEqualsSingle) {
    std::mt19937_64 rng(3);
    std::vector<uint32_t> pool4{0,
                                1,
                                0xffffffffu,
                                a4("10.0.0.0"),
                                a4("9.255.255.255"),
                                a4("10.1.2.3"),
                                a4("10.1.2.2"),
                                a4("10.1.2.4"),
                                a4("10.255.255.255"),
                                a4("11.0.0.0"),
                                a4("192.168.7.7"),
                                a4("192.168.0.0"),
                                a4("192.167.255.255"),
                                a4("192.169.0.0")};
    std::vector<Uint128> pool6{0,
                               kV6Max,
                               a6("2001:db8::5"),
                               a6("2001:db8::4"),
                               a6("2001:db8::"),
                               a6("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"),
                               a6("fc00::"),
                               a6("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                               a6("fd00::1"),
                               a6("fe00::"),
                               kMappedFirst - 1,
                               kMappedLast + 1};
    for (uint32_t k : pool4)
        pool6.push_back(mapped(k));
    for (size_t n : {0u, 1u, 15u, 16u, 17u, 33u, 1000u}) {
        SCOPED_TRACE(n);
        std::vector<uint32_t> k4(n);
        std::vector<Uint128> k6(n);
        for (size_t i = 0; i < n; ++i) {
            k4[i] = pool4[rng() % pool4.size()];
            k6[i] = pool6[rng() % pool6.size()];
        }
        std::vector<uint32_t> m4(n + 1, 0xdeadbeef), m6(n + 1, 0xdeadbeef);
        c.classify_v4_batch(k4.data(), m4.data(), n);
        c.classify_v6_batch(k6.data(), m6.data(), n);
        for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(m4[i], c.classify_v4(k4[i])) << format_ipv4(k4[i]);
            ASSERT_EQ(m6[i], c.classify_v6(k6[i])) << format_ipv6(k6[i]);
        }
        EXPECT_EQ(m4[n], 0xdeadbeefu);
        EXPECT_EQ(m6[n], 0xdeadbeefu);
    }
    // The mapped keys in the v6 batch answer as their IPv4 address.
    Uint128 keys[3] = {mapped(a4("10.1.2.3")), a6("2001:db8::5"), mapped(a4("192.168.7.7"))};
    uint32_t masks[3] = {};
    c.classify_v6_batch(keys, masks, 3);
    EXPECT_THAT(masks, ElementsAre(0b111u, 0b101u, 0b110u));
}

TEST(Classifier, DefaultClassifiesEverythingToZero) {
    Classifier c;
    EXPECT_EQ(c.classify_v4(a4("10.0.0.1")), 0u);
    EXPECT_EQ(c.classify_v6(a6("2001:db8::1")), 0u);
    EXPECT_EQ(c.classify_v6(mapped(1)), 0u);
    EXPECT_THAT(c.lists(), IsEmpty());
    EXPECT_FALSE(c.bit("lan").has_value());
    auto r = Classifier::build({});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->classify_v4(0), 0u);
}

TEST(Classifier, EmptyListInTheMiddleNeverSetsItsBit) {
    Classifier c = build_ok({{"a", set_of("0.0.0.0-255.255.255.255\n::/1\n")},
                             {"empty", AddressSet{}},
                             {"c", set_of("1.2.3.4\n::1\n")}});
    EXPECT_EQ(c.classify_v4(a4("1.2.3.4")), 0b101u);
    EXPECT_EQ(c.classify_v4(a4("1.2.3.5")), 0b001u);
    EXPECT_EQ(c.classify_v6(1), 0b101u);
    EXPECT_EQ(c.classify_v6(2), 0b001u);
    EXPECT_EQ(c.classify_v6(kV6Max), 0u);
}

TEST(Classifier, IdenticalListsSetBothBits) {
    AddressSet s = set_of("10.0.0.0/8\n");
    Classifier c = build_ok({{"x", s}, {"y", s}});
    EXPECT_EQ(c.classify_v4(a4("10.0.0.1")), 0b11u);
    EXPECT_EQ(c.classify_v4(a4("11.0.0.1")), 0u);
}

TEST(Classifier, ThirtyTwoListsUseEveryBit) {
    std::vector<NamedList> lists;
    for (uint32_t i = 0; i < Classifier::kMaxLists; ++i) {
        // List i holds 10.0.i.0/24, 2001:db8::i:0/112 and everything from (101+i).0.0.0 up.
        std::string text =
            "0.0.0.0-255.255.255.255\n!0.0.0.0-" + std::to_string(100 + i) + ".255.255.255\n";
        text += "10.0." + std::to_string(i) + ".0/24\n";
        text += "2001:db8::" + std::to_string(i) + ":0/112\n";
        lists.push_back({"list" + std::to_string(i), set_of(text)});
    }
    Classifier c = build_ok(std::move(lists));
    ASSERT_EQ(c.lists().size(), 32u);
    for (uint32_t i = 0; i < 32; ++i) {
        uint32_t key = a4("10.0." + std::to_string(i) + ".9");
        EXPECT_EQ(c.classify_v4(key), uint32_t{1} << i) << i;
        EXPECT_EQ(c.classify_v6(a6("2001:db8::" + std::to_string(i) + ":77")), uint32_t{1} << i);
        EXPECT_EQ(c.bit("list" + std::to_string(i)), i);
    }
    EXPECT_EQ(c.classify_v4(a4("100.255.255.255")), 0u);
    EXPECT_EQ(c.classify_v4(a4("101.0.0.0")), 0x1u);
    EXPECT_EQ(c.classify_v4(a4("131.1.1.1")), 0x7fffffffu);
    EXPECT_EQ(c.classify_v4(a4("132.0.0.0")), 0xffffffffu);
    EXPECT_EQ(c.classify_v4(0xffffffffu), 0xffffffffu);
    EXPECT_EQ(c.classify_v6(mapped(0xffffffffu)), 0xffffffffu);
    EXPECT_THAT(c.names_of(0x80000001u), ElementsAre("list0", "list31"));
}

TEST(Classifier, MoreThanThirtyTwoListsIsAnError) {
    std::vector<NamedList> lists;
    for (size_t i = 0; i <= Classifier::kMaxLists; ++i) {
        lists.push_back({"l" + std::to_string(i), AddressSet{}});
    }
    auto r = Classifier::build(std::move(lists));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kLimit);
    EXPECT_THAT(r.error().message, HasSubstr("at most 32 lists, got 33"));
}

TEST(Classifier, EmptyNameIsAnError) {
    auto r = Classifier::build({{"lan", AddressSet{}}, {"", AddressSet{}}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_THAT(r.error().message, HasSubstr("no name"));
}

TEST(Classifier, RepeatedNameIsAnError) {
    auto r = Classifier::build(
        {{"lan", AddressSet{}}, {"nat", AddressSet{}}, {"lan", set_of("1.2.3.4")}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_THAT(r.error().message, HasSubstr("'lan' is repeated"));
}

TEST(Classifier, MappedV6KeysInV6BatchUseTheIpv4Lists) {
    // List "six" covers every IPv6 address, and so (through ::/1) all of IPv4 too;
    // list "four" holds one IPv4 address.
    Classifier c = build_ok(
        {{"six", set_of("::/1\n8000::/1\n!10.0.0.0/8\n")}, {"four", set_of("10.0.0.1\n")}});
    std::vector<Uint128> keys{mapped(a4("10.0.0.1")), mapped(a4("10.0.0.2")),
                              mapped(a4("11.0.0.0")), kMappedFirst - 1,
                              kMappedLast + 1,        a6("2001:db8::1")};
    std::vector<uint32_t> masks(keys.size(), 0xdeadbeef);
    c.classify_v6_batch(keys.data(), masks.data(), keys.size());
    EXPECT_THAT(masks, ElementsAre(0b10u, 0u, 0b01u, 0b01u, 0b01u, 0b01u));
    for (size_t i = 0; i < keys.size(); ++i)
        EXPECT_EQ(masks[i], c.classify_v6(keys[i])) << i;
}

}  // namespace
}  // namespace mg::lists
