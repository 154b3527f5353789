// The NAT test of SPEC.md §4.
//
// A client is behind a NAT when the address it claims for itself (SIP headers,
// SDP, or the ng `received-from` field) is inside NATed IPs, and the address the
// request actually came from differs from it and is NOT inside NATed IPs.
// IPv4-mapped IPv6 addresses count as the IPv4 address they map (lists::Address
// already holds them as IPv4), so ::ffff:192.0.2.7 and 192.0.2.7 are the same.
// Cold path; pure.
#pragma once

#include <string>

#include "lists/address.h"
#include "lists/classifier.h"

namespace mg::control {

enum class NatRule {
    kBehindNat,        // claimed in NATed, source differs and is outside NATed
    kClaimedNotNated,  // the claimed address is not inside NATed IPs
    kSameAddress,      // the request came from the claimed address itself
    kSourceAlsoNated,  // the source is inside NATed IPs too (same private realm)
};

struct NatVerdict {
    bool behind_nat = false;
    NatRule rule = NatRule::kClaimedNotNated;
    std::string reason;  // one line for operators, naming both addresses
};

NatVerdict nat_test(const lists::Address& claimed,
                    const lists::Address& source,
                    const lists::AddressList& nated);

const char* to_string(NatRule rule);  // "behind-nat", "claimed-not-nated", ...

}  // namespace mg::control
