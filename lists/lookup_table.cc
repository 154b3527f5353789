#include "lists/lookup_table.h"

#include <algorithm>

#include "common/check.h"

namespace mg::lists {

template <typename Key>
struct RangeTable<Key>::Builder {
    RangeTable& t;
    std::span<const Key> starts;

    // A block holding more than kWindow starts: a chain record when they all lie
    // in one sub-block, else a table of 2^kNodeBits slots.
    void fill_dense(size_t slot, Key block_lo, unsigned block_bits, size_t cover, size_t stop) {
        MG_CHECK(block_bits >= kNodeBits, "dense block below the last level");
        unsigned sub_bits = block_bits - kNodeBits;
        auto sub_of = [&](Key k) { return static_cast<uint32_t>((k >> sub_bits) & kNodeMask); };
        uint32_t first_sub = sub_of(starts[cover + 1]);
        bool chain = first_sub == sub_of(starts[stop - 1]);
        size_t node = t.entries_.size();
        size_t words = chain ? 4 : (size_t{1} << kNodeBits);
        MG_CHECK(node + words < kIndexMask, "range table too large");
        t.entries_.resize(node + words);
        ++t.nodes_;
        if (!chain) {
            t.entries_[slot] = kNode | static_cast<uint32_t>(node);
            fill_table(node, block_lo, sub_bits, kNodeBits, cover, stop);
            return;
        }
        // Sub-blocks before first_sub hold no start: the window at `cover` counts
        // none. Those after it hold none either, and every start of the block is
        // below them: the window at the block's last start counts none.
        t.entries_[slot] = kNode | kChain | static_cast<uint32_t>(node);
        t.entries_[node] = first_sub;
        t.entries_[node + 1] = static_cast<uint32_t>(cover);
        t.entries_[node + 2] = static_cast<uint32_t>(stop - 1);
        Key sub_lo = static_cast<Key>(block_lo + (static_cast<Key>(first_sub) << sub_bits));
        fill_table(node + 3, sub_lo, sub_bits, 0, cover, stop);
    }

    // Fills a table of 2^table_bits slots starting at `first_slot`, each slot
    // covering a block of 2^block_bits keys from `lo`. `cover` is the segment that
    // covers lo, `end` one past the last segment starting inside the table's range.
    void fill_table(size_t first_slot,
                    Key lo,
                    unsigned block_bits,
                    unsigned table_bits,
                    size_t cover,
                    size_t end) {
        size_t slots = size_t{1} << table_bits;
        for (size_t i = 0; i < slots; ++i) {
            Key block_lo = static_cast<Key>(lo + (static_cast<Key>(i) << block_bits));
            Key block_hi = static_cast<Key>(block_lo + ((static_cast<Key>(1) << block_bits) - 1));
            while (cover + 1 < end && starts[cover + 1] <= block_lo)
                ++cover;
            size_t stop = cover + 1;
            while (stop < end && starts[stop] <= block_hi)
                ++stop;
            if (stop - cover - 1 <= kWindow) {
                t.entries_[first_slot + i] = static_cast<uint32_t>(cover);
            } else {
                fill_dense(first_slot + i, block_lo, block_bits, cover, stop);
            }
            cover = stop - 1;
        }
    }
};

template <typename Key>
RangeTable<Key>::RangeTable()
    : root_shift_(kKeyBits - kSmallRootBits),
      entries_(size_t{1} << kSmallRootBits, 0),
      starts_(1 + kWindow, static_cast<Key>(~Key{0})),
      values_(1 + kWindow, 0) {
    starts_[0] = 0;
}

template <typename Key>
RangeTable<Key> RangeTable<Key>::build(std::span<const Key> starts,
                                       std::span<const uint32_t> values) {
    MG_CHECK(!starts.empty() && starts[0] == 0 && starts.size() == values.size(),
             "bad segments (%zu starts, %zu values)", starts.size(), values.size());
    MG_CHECK(starts.size() < kNode, "too many segments (%zu)", starts.size());
    for (size_t i = 1; i < starts.size(); ++i) {
        MG_CHECK(starts[i - 1] < starts[i], "segment starts not increasing at %zu", i);
    }
    RangeTable t;
    // The 16-bit root pays off when the starts are spread over many /16 blocks
    // (IPv4 lists); clustered lists (IPv6 allocations, small lists) take the 8-bit
    // root and chain records below it.
    size_t blocks16 = 0;
    for (size_t i = 1; i < starts.size() && blocks16 <= kSmallRootMaxBlocks; ++i) {
        blocks16 +=
            (starts[i] >> (kKeyBits - kRootBits)) != (starts[i - 1] >> (kKeyBits - kRootBits));
    }
    unsigned root_bits = blocks16 <= kSmallRootMaxBlocks ? kSmallRootBits : kRootBits;
    t.root_shift_ = kKeyBits - root_bits;
    t.entries_.assign(size_t{1} << root_bits, 0);
    // Padding: a window may reach kWindow entries past the last start. The padding
    // keys are the largest key, so they count only for that key, which lies in the
    // last segment; the padding values repeat the last value, so counting them
    // changes nothing.
    t.starts_.assign(starts.begin(), starts.end());
    t.starts_.resize(starts.size() + kWindow, static_cast<Key>(~Key{0}));
    t.values_.assign(values.begin(), values.end());
    t.values_.resize(values.size() + kWindow, values.back());
    Builder b{t, starts};
    b.fill_table(0, 0, t.root_shift_, root_bits, 0, starts.size());
    t.entries_.shrink_to_fit();
    return t;
}

template <typename Key>
void RangeTable<Key>::lookup_batch(const Key* keys, uint32_t* out, size_t n) const {
    // The lookups are independent, so the core overlaps their misses; prefetching
    // the root slots a few keys ahead starts the first miss of each earlier.
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
    return entries_.capacity() * sizeof(uint32_t) + starts_.capacity() * sizeof(Key) +
           values_.capacity() * sizeof(uint32_t) + sizeof(*this);
}

template class RangeTable<uint32_t>;
template class RangeTable<Uint128>;

}  // namespace mg::lists
