// RangeTable: the immutable lookup structure behind compiled lists.
//
// Maps every key of one family (IPv4: uint32_t, IPv6: Uint128, host order) to a
// 32-bit value: a 0/1 membership for one list, a bitmask of lists for the
// classifier. Built once on the cold path from sorted segments; read-only after
// that, so any number of threads may look up concurrently without locks.
//
// Layout: three flat arrays, no heap nodes.
//   starts_  every segment start, ascending (plus kWindow padding entries);
//   values_  the value of each segment (plus padding);
//   entries_ uint32 slots. The first slots are the root, indexed by the top 16 bits
//            of the key (8 bits when the starts fall in few /16 blocks, so a small list
//            costs ~1 KiB). A slot holds the index j of the segment that covers the
//            start of its block, when at most kWindow segments start inside the
//            block; a denser block's slot points at a table of 2^kNodeBits slots for
//            the next bits instead (kNode bit), or, when all of the block's starts fall in
//            one of its sub-blocks (clustered IPv6 allocations do this level
//            after level), at a 4-word chain record {sub-block c, slot for the
//            sub-blocks before c, slot for those after c, slot for c} (kNode and
//            kChain bits): 16 bytes per level instead of a table.
// Lookup: j from the slot, then count how many of starts_[j+1 .. j+kWindow] are <=
// the key, with no branches: starts after the block's own are beyond the block, so
// they never count, and the answer is values_[j + count]. One slot, one window of
// keys, one value: three cache lines at most, whatever the slot's block holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lists/address.h"

namespace mg::lists {

template <typename Key>
class RangeTable {
  public:
    static constexpr unsigned kKeyBits = sizeof(Key) * 8;
    static constexpr unsigned kRootBits = 16;
    static constexpr unsigned kSmallRootBits = 8;
    // Starts spread over at most this many /16 blocks: 8-bit root.
    static constexpr size_t kSmallRootMaxBlocks = 256;
    // Tables below the root: 256 slots for IPv4; 16 for IPv6, whose lists cluster
    // (a few dozen starts inside one /48 would otherwise cost a 1 KiB table per level).
    static constexpr unsigned kNodeBits = sizeof(Key) == 4 ? 8 : 4;
    static constexpr uint32_t kNodeMask = (1u << kNodeBits) - 1;
    static constexpr uint32_t kWindow = 8;  // segment starts a slot's block may hold

    // An empty table: every key maps to 0.
    RangeTable();

    // `starts` is strictly increasing with starts[0] == 0; segment i covers
    // [starts[i], starts[i+1]) and has values[i]. Cold path; MG_CHECKs its
    // preconditions.
    static RangeTable build(std::span<const Key> starts, std::span<const uint32_t> values);

    uint32_t lookup(Key key) const {
        unsigned shift = root_shift_;
        uint32_t e = entries_[static_cast<size_t>(key >> shift)];
        while (__builtin_expect((e & kNode) != 0, 0)) {
            shift -= kNodeBits;
            auto sub = static_cast<uint32_t>((key >> shift) & kNodeMask);
            const uint32_t* n = &entries_[e & kIndexMask];
            if (e & kChain) {
                e = sub < n[0] ? n[1] : sub > n[0] ? n[2] : n[3];
            } else {
                e = n[sub];
            }
        }
        const Key* s = &starts_[e + 1];
        uint32_t below = 0;
        for (uint32_t i = 0; i < kWindow; ++i)
            below += s[i] <= key;
        return values_[e + below];
    }

    // out[i] = lookup(keys[i]) for i < n; prefetches root slots ahead.
    void lookup_batch(const Key* keys, uint32_t* out, size_t n) const;

    // Bytes held by the structure (what a worker's cache has to cover).
    size_t memory_bytes() const;
    // Number of tables and chain records below the root (layout
    // introspection for tests).
    size_t node_count() const { return nodes_; }

  private:
    static constexpr uint32_t kNode = 1u << 31;
    static constexpr uint32_t kChain = 1u << 30;
    static constexpr uint32_t kIndexMask = kChain - 1;

    struct Builder;

    unsigned root_shift_;  // kKeyBits - root bits
    size_t nodes_ = 0;     // tables and chain records below the root
    std::vector<uint32_t> entries_;
    std::vector<Key> starts_;
    std::vector<uint32_t> values_;
};

extern template class RangeTable<uint32_t>;
extern template class RangeTable<Uint128>;

using RangeTable4 = RangeTable<uint32_t>;
using RangeTable6 = RangeTable<Uint128>;

}  // namespace mg::lists
