// A deliberately naive model of SPEC.md §1, for the property test.
//
// It knows nothing of the parser, the compiler or the lookup tables: it takes what
// each list line means, as recorded by the test's own generator, and decides the
// membership of one address by scanning every operation in order (the last covering
// operation wins). IPv6 operations are kept in raw IPv6 space; the IPv4-mapped block
// ::ffff:0:0/96 is folded onto IPv4 only at lookup time, so an IPv6 operation that
// covers ::ffff:a.b.c.d covers the IPv4 address a.b.c.d.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "lists/address.h"

namespace mg::lists::naive {

struct Op {
    bool exclude = false;
    bool v6 = false;  // false: first/last are IPv4 values; true: raw IPv6 values
    Uint128 first = 0;
    Uint128 last = 0;  // inclusive
};

inline constexpr uint32_t kV4Max = 0xffffffffu;
inline constexpr Uint128 kAllOnes = ~Uint128{0};
// ::ffff:0:0/96, spelled out here rather than taken from lists/address.h.
inline constexpr Uint128 kMappedBlockFirst = Uint128{0xffff} << 32;
inline constexpr Uint128 kMappedBlockLast = kMappedBlockFirst | 0xffffffffu;

// The IPv6 value of the IPv4-mapped address of `a` (::ffff:a).
constexpr Uint128 mapped_of(uint32_t a) {
    return kMappedBlockFirst | a;
}
// True when `v6` lies in ::ffff:0:0/96.
constexpr bool in_mapped_block(Uint128 v6) {
    return v6 >= kMappedBlockFirst && v6 <= kMappedBlockLast;
}

bool contains_v4(std::span<const Op> ops, uint32_t a);
// A mapped value is answered as the IPv4 address it maps.
bool contains_v6(std::span<const Op> ops, Uint128 a);

// Bit i set when lists[i] contains the address.
uint32_t mask_v4(const std::vector<std::vector<Op>>& lists, uint32_t a);
uint32_t mask_v6(const std::vector<std::vector<Op>>& lists, Uint128 a);

// ---------------------------------------------------------------------------- generator
//
// Writes random lists as text and records, line by line, what each line means. It
// spells addresses itself (never through lists/), in every form the format allows.
struct GeneratedList {
    std::string text;
    std::vector<Op> ops;             // what each list line means, in order
    std::vector<uint32_t> op_lines;  // 1-based line of each op
    uint32_t lines = 0;
};

class Generator {
  public:
    explicit Generator(uint64_t seed) : rng_(seed) {}

    std::mt19937_64& rng() { return rng_; }
    uint64_t below(uint64_t n) { return rng_() % n; }
    bool chance(unsigned percent) { return below(100) < percent; }
    Uint128 random128() { return (static_cast<Uint128>(rng_()) << 64) | rng_(); }

    // `fine`: many short ops (for lists with thousands of intervals).
    GeneratedList list(size_t max_ops, bool fine = false);

    // Addresses near this generator's clusters, for queries.
    uint32_t v4_addr();
    Uint128 v6_addr();

    std::string ws() {
        static const char* const kSpaces[] = {"", "", "", "", " ", "\t", "  ", " \t "};
        return kSpaces[below(std::size(kSpaces))];
    }

  private:
    void new_clusters();
    std::string v4_text(uint32_t a);
    std::string v6_text(Uint128 a);
    std::string mapped_text(uint32_t a);
    std::string comment();
    // One entry (the text after any '!') and its meaning.
    std::string entry(Op& op);

    std::mt19937_64 rng_;
    std::vector<uint32_t> v4_bases_;
    std::vector<Uint128> v6_bases_;
    std::vector<uint32_t> v4_recent_;  // recent range ends, to make neighbours
    std::vector<Uint128> v6_recent_;
    bool dense_ = false;  // this list packs many lines into one block
    bool fine_ = false;   // short ranges and long prefixes only
};

}  // namespace mg::lists::naive
