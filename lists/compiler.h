// List compiler: ordered add/exclude operations -> disjoint sorted intervals.
//
// Cold path. The result (AddressSet) is the canonical content of a list: per
// family, sorted, non-overlapping, non-adjacent inclusive intervals. IPv6
// intervals never contain the IPv4-mapped block ::ffff:0:0/96: an IPv6 line that
// covers part of it adds (or excludes) the matching IPv4 addresses instead, because
// such addresses are always looked up as IPv4 (SPEC.md §1; ours).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lists/address.h"
#include "lists/parser.h"

namespace mg::lists {

template <typename Key>
struct Interval {
    Key first;
    Key last;  // inclusive
    friend bool operator==(const Interval&, const Interval&) = default;
};

using Interval4 = Interval<uint32_t>;
using Interval6 = Interval<Uint128>;

struct AddressSet {
    std::vector<Interval4> v4;
    std::vector<Interval6> v6;

    // Reference lookup by binary search (cold; the fast structures are in
    // lookup_table.h). IPv4-mapped IPv6 is looked up as IPv4.
    bool contains(const Address& a) const;
    size_t interval_count() const { return v4.size() + v6.size(); }
    friend bool operator==(const AddressSet&, const AddressSet&) = default;
};

AddressSet compile(std::span<const ListOp> ops);

// parse_list + compile.
Result<AddressSet, ListErrors> compile_list(std::string_view text);

}  // namespace mg::lists
