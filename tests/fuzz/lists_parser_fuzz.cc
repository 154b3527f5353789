// libFuzzer target for the Network Address List parser (lists/parser.cc) and
// everything a parsed list flows into: compile, lookup tables, canonical printer.
//
// Besides "never crash", it checks invariants on every input that parses:
//  - the canonical form re-parses and compiles to the same set;
//  - the lookup table agrees with the reference binary search on interval ends;
//  - a rejected list reports at least one error with a line inside the text.
// Built with clang's libFuzzer when available (tests/fuzz/meson.build); the same
// file linked with replay_main.cc runs the seed corpus under g++ in every test run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lists/lists.h"

namespace {

void require(bool cond) {
    if (!cond)
        __builtin_trap();
}

template <typename Key, typename Lookup>
void check_boundaries(const std::vector<mg::lists::Interval<Key>>& ivs, const Lookup& lookup) {
    for (const auto& iv : ivs) {
        require(lookup(iv.first));
        require(lookup(iv.last));
        if (iv.first != 0)
            require(!lookup(static_cast<Key>(iv.first - 1)));
        if (iv.last != static_cast<Key>(~Key{0}))
            require(!lookup(static_cast<Key>(iv.last + 1)));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace mg::lists;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_list(text);
    if (!parsed.ok()) {
        const auto& errs = parsed.error();
        require(errs.total >= 1 && !errs.errors.empty());
        for (const auto& e : errs.errors)
            require(e.line >= 1 && e.column >= 1);
        (void)errs.format("fuzz");
        return 0;
    }
    AddressSet set = compile(parsed->ops);
    AddressList list(set);
    check_boundaries(set.v4, [&](uint32_t k) { return list.contains_v4(k); });
    // IPv6 intervals never hold the IPv4-mapped block, so a neighbour inside it is
    // outside the IPv6 set (mapped keys are answered by the IPv4 table).
    check_boundaries(set.v6, [&](Uint128 k) { return !is_v4_mapped(k) && list.contains_v6(k); });
    std::string canonical = format_list(set);
    auto again = compile_list(canonical);
    require(again.ok());
    require(*again == set);
    return 0;
}
