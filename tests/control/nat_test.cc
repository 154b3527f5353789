// The NAT test of SPEC.md §4, one row per branch, for IPv4, IPv6 and IPv4-mapped.
#include "control/nat.h"

#include <gtest/gtest.h>

#include "lists/lists.h"

namespace mg::control {
namespace {

lists::AddressList nated() {
    auto set = lists::compile_list(
        "10.0.0.0/8\n172.16.0.0/12\n192.168.0.0/16\n100.64.0.0/10\nfc00::/7\nfe80::/10\n");
    EXPECT_TRUE(set.ok());
    return lists::AddressList(std::move(*set));
}

lists::Address addr(const char* text) {
    auto a = lists::parse_address(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a.value_or(lists::Address{});
}

struct Row {
    const char* claimed;
    const char* source;
    NatRule rule;
};

class NatTable : public ::testing::TestWithParam<Row> {};

TEST_P(NatTable, Verdict) {
    const Row& r = GetParam();
    NatVerdict v = nat_test(addr(r.claimed), addr(r.source), nated());
    EXPECT_EQ(v.rule, r.rule) << r.claimed << " from " << r.source << ": " << v.reason;
    EXPECT_EQ(v.behind_nat, r.rule == NatRule::kBehindNat);
    EXPECT_FALSE(v.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Spec,
    NatTable,
    ::testing::Values(
        // claimed inside NATed, source different and outside: behind a NAT
        Row{"192.168.1.10", "203.0.113.5", NatRule::kBehindNat},
        Row{"10.1.2.3", "198.51.100.7", NatRule::kBehindNat},
        Row{"100.64.0.1", "192.0.2.1", NatRule::kBehindNat},  // carrier-grade NAT space
        Row{"fd00::1", "2001:db8::5", NatRule::kBehindNat},
        Row{"fe80::1", "2001:db8::5", NatRule::kBehindNat},
        Row{"192.168.1.10", "2001:db8::5", NatRule::kBehindNat},  // NAT64-ish: other family
        // claimed not inside NATed IPs: never behind a NAT, wherever the source is
        Row{"203.0.113.5", "198.51.100.7", NatRule::kClaimedNotNated},
        Row{"203.0.113.5", "192.168.1.1", NatRule::kClaimedNotNated},
        Row{"2001:db8::1", "2001:db8::2", NatRule::kClaimedNotNated},
        Row{"192.167.255.255", "203.0.113.5", NatRule::kClaimedNotNated},  // just below
        Row{"192.169.0.0", "203.0.113.5", NatRule::kClaimedNotNated},      // just above
        // the request came from the claimed address itself
        Row{"192.168.1.10", "192.168.1.10", NatRule::kSameAddress},
        Row{"fd00::1", "fd00::1", NatRule::kSameAddress},
        // the source is inside NATed IPs too: same private realm, not behind a NAT
        Row{"192.168.1.10", "192.168.1.1", NatRule::kSourceAlsoNated},
        Row{"192.168.1.10", "10.0.0.1", NatRule::kSourceAlsoNated},
        Row{"fd00::1", "fd00::2", NatRule::kSourceAlsoNated},
        // IPv4-mapped IPv6 is the IPv4 address it maps, on either side
        Row{"::ffff:192.168.1.10", "203.0.113.5", NatRule::kBehindNat},
        Row{"192.168.1.10", "::ffff:203.0.113.5", NatRule::kBehindNat},
        Row{"::ffff:192.168.1.10", "192.168.1.10", NatRule::kSameAddress},
        Row{"::ffff:192.168.1.10", "::ffff:10.9.9.9", NatRule::kSourceAlsoNated},
        Row{"::ffff:203.0.113.5", "198.51.100.7", NatRule::kClaimedNotNated}));

TEST(Nat, MappedValuesFromASocketCountAsIpv4) {
    // An Address built directly from an IPv6 socket's bytes (not through the parser).
    lists::Address mapped{lists::Family::kV6, lists::kMappedFirst | 0xc0a8010a};  // 192.168.1.10
    NatVerdict v = nat_test(mapped, addr("192.168.1.10"), nated());
    EXPECT_EQ(v.rule, NatRule::kSameAddress) << v.reason;
}

TEST(Nat, EmptyNatedListNeverSaysBehindNat) {
    NatVerdict v = nat_test(addr("192.168.1.10"), addr("203.0.113.5"), lists::AddressList());
    EXPECT_FALSE(v.behind_nat);
    EXPECT_EQ(v.rule, NatRule::kClaimedNotNated);
}

TEST(Nat, ReasonNamesBothAddresses) {
    NatVerdict v = nat_test(addr("192.168.1.10"), addr("203.0.113.5"), nated());
    EXPECT_NE(v.reason.find("192.168.1.10"), std::string::npos);
    EXPECT_NE(v.reason.find("203.0.113.5"), std::string::npos);
    EXPECT_STREQ(to_string(v.rule), "behind-nat");
}

}  // namespace
}  // namespace mg::control
