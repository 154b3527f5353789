// RangeTable: the immutable lookup structure behind compiled lists.
//
// Maps every key of one family (IPv4: uint32_t, IPv6: Uint128, host order) to a
// 32-bit value: a 0/1 membership for one list, a bitmask of lists for the
// classifier. Built once on the cold path from sorted segments; read-only after
// that, so any number of threads may look up concurrently without locks.
//
// Layout (a multibit trie with range leaves, in three flat arrays; no heap nodes):
//   entries_  uint32 slots. The first slots are the root, indexed by the top 16
//             bits of the key (8 bits for lists with few boundaries, so that a
//             small list costs ~1 KiB, not 256 KiB); further tables of 256 slots
//             each index the next 8 bits. A slot is one of
//               leaf   the whole block has one value (index into values_),
//               ranges the block holds <= kMaxRun segment starts, kept in
//                      ranges_ (key and value side by side, so one miss brings
//                      both) and scanned without branches,
//               node   the block is denser: the slot points at a 256-slot table.
//   ranges_  the range arrays; values_  the distinct values.
// A 10k-line IPv4 list takes ~0.4 MiB: the 256 KiB root (which stays in L2) plus
// its range arrays. Hot path: lookup() and lookup_batch() neither allocate nor
// branch on anything but the data.
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
    static constexpr size_t kSmallRootMaxStarts = 2048;  // up to this many: 8-bit root
    static constexpr unsigned kNodeBits = 8;
    static constexpr unsigned kMaxRun = 8;  // segment starts scanned linearly in a block

    // An empty table: every key maps to 0.
    RangeTable();

    // `starts` is strictly increasing with starts[0] == 0; segment i covers
    // [starts[i], starts[i+1]) and has values[i]. Adjacent equal values are fine.
    // Cold path; MG_CHECKs its preconditions.
    static RangeTable build(std::span<const Key> starts, std::span<const uint32_t> values);

    uint32_t lookup(Key key) const {
        unsigned shift = root_shift_;
        uint32_t e = entries_[static_cast<size_t>(key >> shift)];
        while ((e >> kTagShift) == kNode) {
            shift -= kNodeBits;
            e = entries_[(e & kPayloadMask) + static_cast<size_t>((key >> shift) & 0xff)];
        }
        return resolve(e, key);
    }

    // out[i] = lookup(keys[i]) for i < n. Loads for a group of keys are issued
    // together so their cache misses overlap.
    void lookup_batch(const Key* keys, uint32_t* out, size_t n) const;

    // Bytes held by the structure (what a worker's cache has to cover).
    size_t memory_bytes() const;

private:
    static constexpr unsigned kTagShift = 30;
    static constexpr uint32_t kPayloadMask = (1u << kTagShift) - 1;
    static constexpr uint32_t kLeaf = 0, kRanges = 1, kNode = 2;
    // Range slots: 4 bits of count, 26 bits of offset into ranges_.
    static constexpr unsigned kCountShift = 26;
    static constexpr uint32_t kOffsetMask = (1u << kCountShift) - 1;

    uint32_t resolve(uint32_t e, Key key) const {
        if ((e >> kTagShift) == kLeaf) return values_[e & kPayloadMask];
        // Range array at `off`: ranges_[off].value is the value at the block's start,
        // ranges_[off + 1 .. off + count] the segments starting inside the block.
        const RangeEntry* r = &ranges_[e & kOffsetMask];
        uint32_t count = (e & kPayloadMask) >> kCountShift;
        uint32_t below = 0;
        for (uint32_t i = 1; i <= count; ++i) below += r[i].key <= key;
        return r[below].value;
    }

    struct RangeEntry {
        Key key;
        uint32_t value;
    };

    struct Builder;

    unsigned root_shift_;  // kKeyBits - root bits
    std::vector<uint32_t> entries_;
    std::vector<RangeEntry> ranges_;
    std::vector<uint32_t> values_;
};

extern template class RangeTable<uint32_t>;
extern template class RangeTable<Uint128>;

using RangeTable4 = RangeTable<uint32_t>;
using RangeTable6 = RangeTable<Uint128>;

}  // namespace mg::lists
