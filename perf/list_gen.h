// Test data for the lists benchmark (and for tests that want realistic lists):
// generated Network Address List text, lookup key sets, and the CIDR decomposition
// the prefix-based peers (DPDK rte_fib, rte_lpm) need.
//
// Everything here is deterministic: the same seed gives the same text and keys on
// every run and machine (std::mt19937_64, no distributions whose output the
// standard leaves to the implementation). Cold path; nothing here is timed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lists/address.h"
#include "lists/compiler.h"

namespace mg::perf {

inline constexpr uint64_t kListSeed = 0x6d67'6c69'7374'7331;  // "mglists1"
inline constexpr uint64_t kKeySeed = 0x6d67'6b65'7973'3031;   // "mgkeys01"

// A list of `lines` address lines (plus one leading comment line) in the Network
// Address List format: single addresses, ranges `a-b` and prefixes `a/n` of varied
// sizes, and about 17% `!` lines that punch holes into earlier entries (a single
// address, a sub-prefix or a sub-range of one of them). A few lines carry a
// trailing `; comment`.
//
// IPv4: spread uniformly over the whole space; prefixes /12../31 (mostly /22../30)
// and ranges of up to 65536 addresses, so that even a 100k-line list covers only ~11%
// of the space, as large real lists do.
// IPv6: mostly inside lines/40 (4..4096) allocations of /29../48 under 2000::/3
// (subnet prefixes /40../64 and longer, host ranges inside a /64, runs of whole
// /64s, single addresses with small or SLAAC-like interface ids), a few ULA
// (fc00::/7) entries, and now and then a whole allocation. Never IPv4-mapped.
std::string generate_list_v4(size_t lines, uint64_t seed = kListSeed);
std::string generate_list_v6(size_t lines, uint64_t seed = kListSeed);

// `n` lookup keys, in random order: n/2 drawn from inside the intervals (an
// interval chosen uniformly, then an address uniformly inside it) and the rest
// uniformly from the whole address space of the family. An empty interval list
// gives only uniform keys. IPv6 keys are never IPv4-mapped.
std::vector<uint32_t> lookup_keys_v4(std::span<const lists::Interval4> set,
                                     size_t n,
                                     uint64_t seed = kKeySeed);
std::vector<lists::Uint128> lookup_keys_v6(std::span<const lists::Interval6> set,
                                           size_t n,
                                           uint64_t seed = kKeySeed);

// `n` consecutive addresses from the first address of the middle interval (from 0
// when there is none), wrapping at the end of the space.
std::vector<uint32_t> sequential_keys_v4(std::span<const lists::Interval4> set, size_t n);
std::vector<lists::Uint128> sequential_keys_v6(std::span<const lists::Interval6> set, size_t n);

template <typename Key>
struct Prefix {
    Key addr;     // host order, host bits zero
    uint8_t len;  // 1..32 or 1..128
};
using Prefix4 = Prefix<uint32_t>;
using Prefix6 = Prefix<lists::Uint128>;

// The fewest CIDR prefixes that cover exactly the given disjoint intervals, in
// ascending order. An interval that covers the whole space becomes two /1s (/0 is
// not a route every peer accepts).
std::vector<Prefix4> to_prefixes(std::span<const lists::Interval4> set);
std::vector<Prefix6> to_prefixes(std::span<const lists::Interval6> set);

}  // namespace mg::perf
