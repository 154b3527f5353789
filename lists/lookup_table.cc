#include "lists/lookup_table.h"

#include <algorithm>

#include "common/check.h"

namespace mg::lists {

template <typename Key>
struct RangeTable<Key>::Builder {
    RangeTable& t;
    std::span<const Key> starts;
    std::vector<uint32_t> value_ids;  // per segment

    // Fills slot `slot` for the block [lo, lo + 2^bits) given `cover`, the segment
    // covering lo, and `end`, one past the last segment starting inside the block.
    void fill(size_t slot, Key lo, unsigned bits, size_t cover, size_t end) {
        size_t count = end - cover - 1;
        if (count == 0) {
            t.entries_[slot] = (kLeaf << kTagShift) | value_ids[cover];
            return;
        }
        if (count <= kMaxRun) {
            size_t off = t.ranges_.size();
            MG_CHECK(off + count < kOffsetMask, "range table too large (%zu keys)", off);
            t.ranges_.push_back({0, t.values_[value_ids[cover]]});
            for (size_t i = cover + 1; i < end; ++i) {
                t.ranges_.push_back({starts[i], t.values_[value_ids[i]]});
            }
            t.entries_[slot] = (kRanges << kTagShift) |
                               static_cast<uint32_t>(count << kCountShift) |
                               static_cast<uint32_t>(off);
            return;
        }
        MG_CHECK(bits >= kNodeBits, "dense block below the last level");
        size_t node = t.entries_.size();
        MG_CHECK(node < kPayloadMask, "range table too large (%zu slots)", node);
        t.entries_.resize(node + (size_t{1} << kNodeBits));
        t.entries_[slot] = (kNode << kTagShift) | static_cast<uint32_t>(node);
        fill_table(node, lo, bits - kNodeBits, kNodeBits, cover, end);
    }

    // Fills a table of 2^table_bits slots starting at `first_slot`, each covering a
    // block of 2^block_bits keys from `lo`.
    void fill_table(size_t first_slot, Key lo, unsigned block_bits, unsigned table_bits,
                    size_t cover, size_t end) {
        size_t slots = size_t{1} << table_bits;
        for (size_t i = 0; i < slots; ++i) {
            Key block_lo = static_cast<Key>(lo + (static_cast<Key>(i) << block_bits));
            Key block_hi = static_cast<Key>(block_lo + ((static_cast<Key>(1) << block_bits) - 1));
            while (cover + 1 < end && starts[cover + 1] <= block_lo) ++cover;
            size_t stop = cover + 1;
            while (stop < end && starts[stop] <= block_hi) ++stop;
            fill(first_slot + i, block_lo, block_bits, cover, stop);
            cover = stop - 1;
        }
    }
};

template <typename Key>
RangeTable<Key>::RangeTable()
    : root_shift_(kKeyBits - kSmallRootBits),
      entries_(size_t{1} << kSmallRootBits, kLeaf << kTagShift),
      values_{0} {}

template <typename Key>
RangeTable<Key> RangeTable<Key>::build(std::span<const Key> starts,
                                       std::span<const uint32_t> values) {
    MG_CHECK(!starts.empty() && starts[0] == 0 && starts.size() == values.size(),
             "bad segments (%zu starts, %zu values)", starts.size(), values.size());
    for (size_t i = 1; i < starts.size(); ++i) {
        MG_CHECK(starts[i - 1] < starts[i], "segment starts not increasing at %zu", i);
    }
    RangeTable t;
    unsigned root_bits = starts.size() <= kSmallRootMaxStarts ? kSmallRootBits : kRootBits;
    t.root_shift_ = kKeyBits - root_bits;
    t.entries_.assign(size_t{1} << root_bits, 0);
    t.values_.assign(values.begin(), values.end());
    std::sort(t.values_.begin(), t.values_.end());
    t.values_.erase(std::unique(t.values_.begin(), t.values_.end()), t.values_.end());
    MG_CHECK(t.values_.size() <= kPayloadMask, "too many distinct values");
    Builder b{t, starts, {}};
    b.value_ids.reserve(values.size());
    for (uint32_t v : values) {
        b.value_ids.push_back(static_cast<uint32_t>(
            std::lower_bound(t.values_.begin(), t.values_.end(), v) - t.values_.begin()));
    }
    b.fill_table(0, 0, t.root_shift_, root_bits, 0, starts.size());
    t.entries_.shrink_to_fit();
    t.ranges_.shrink_to_fit();
    return t;
}

template <typename Key>
void RangeTable<Key>::lookup_batch(const Key* keys, uint32_t* out, size_t n) const {
    // Prefetch the root slots a few keys ahead; the lookups themselves are
    // independent, so the core overlaps their misses.
    constexpr size_t kAhead = 8;
    const unsigned root_shift = root_shift_;
    for (size_t i = 0; i < n && i < kAhead; ++i) {
        __builtin_prefetch(&entries_[static_cast<size_t>(keys[i] >> root_shift)]);
    }
    for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) {
            __builtin_prefetch(&entries_[static_cast<size_t>(keys[i + kAhead] >> root_shift)]);
        }
        out[i] = lookup(keys[i]);
    }
}

template <typename Key>
size_t RangeTable<Key>::memory_bytes() const {
    return entries_.capacity() * sizeof(uint32_t) + ranges_.capacity() * sizeof(RangeEntry) +
           values_.capacity() * sizeof(uint32_t) +
           sizeof(*this);
}

template class RangeTable<uint32_t>;
template class RangeTable<Uint128>;

}  // namespace mg::lists
