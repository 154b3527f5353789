#include "control/nat.h"

namespace mg::control {
namespace {

// An IPv4-mapped IPv6 address (from an IPv6 socket) is the IPv4 address it maps.
lists::Address unmapped(const lists::Address& a) {
    return a.is_v4() ? a : lists::Address::v6(a.value);
}

}  // namespace

NatVerdict nat_test(const lists::Address& claimed_in,
                    const lists::Address& source_in,
                    const lists::AddressList& nated) {
    const lists::Address claimed = unmapped(claimed_in);
    const lists::Address source = unmapped(source_in);
    const std::string c = lists::format_address(claimed);
    const std::string s = lists::format_address(source);
    NatVerdict v;
    if (!nated.contains(claimed)) {
        v.rule = NatRule::kClaimedNotNated;
        v.reason = "claimed address " + c + " is not inside NATed IPs";
    } else if (claimed == source) {
        v.rule = NatRule::kSameAddress;
        v.reason = "the request came from the claimed address " + c + " itself";
    } else if (nated.contains(source)) {
        v.rule = NatRule::kSourceAlsoNated;
        v.reason = "source " + s + " is inside NATed IPs too (same private network as " + c + ")";
    } else {
        v.behind_nat = true;
        v.rule = NatRule::kBehindNat;
        v.reason = "claimed address " + c + " is inside NATed IPs and the request came from " + s +
                   ", outside NATed IPs";
    }
    return v;
}

const char* to_string(NatRule rule) {
    switch (rule) {
        case NatRule::kBehindNat:
            return "behind-nat";
        case NatRule::kClaimedNotNated:
            return "claimed-not-nated";
        case NatRule::kSameAddress:
            return "same-address";
        case NatRule::kSourceAlsoNated:
            return "source-also-nated";
    }
    return "unknown";
}

}  // namespace mg::control
