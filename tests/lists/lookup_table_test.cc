// Tests for lists/lookup_table.cc: RangeTable built from segments must answer exactly
// like a binary search over those segments, for single and batch lookups, for both
// key types, including blocks dense enough to need child tables.
#include "lists/lookup_table.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lists/address.h"

namespace mg::lists {
namespace {

template <typename Key>
struct Segments {
    std::vector<Key> starts;
    std::vector<uint32_t> values;
};

// Reference: the value of the last segment starting at or before `key`.
template <typename Key>
uint32_t reference(const Segments<Key>& s, Key key) {
    auto it = std::upper_bound(s.starts.begin(), s.starts.end(), key);
    return s.values[static_cast<size_t>(it - s.starts.begin()) - 1];
}

template <typename Key>
Segments<Key> from_starts(std::set<Key> starts, std::mt19937_64& rng, uint32_t distinct = 5) {
    starts.insert(0);
    Segments<Key> s;
    s.starts.assign(starts.begin(), starts.end());
    for (size_t i = 0; i < s.starts.size(); ++i) {
        s.values.push_back(static_cast<uint32_t>(rng() % distinct));
    }
    return s;
}

template <typename Key>
RangeTable<Key> build(const Segments<Key>& s) {
    return RangeTable<Key>::build(s.starts, s.values);
}

// Keys worth asking: every start, its neighbours, block edges around it, extremes,
// and random keys.
template <typename Key>
std::vector<Key> probe_keys(const Segments<Key>& s, std::mt19937_64& rng, size_t random = 2000) {
    const Key max = static_cast<Key>(~Key{0});
    std::vector<Key> keys{0, 1, max, static_cast<Key>(max - 1)};
    for (Key k : s.starts) {
        keys.push_back(k);
        keys.push_back(static_cast<Key>(k - 1));
        keys.push_back(static_cast<Key>(k + 1));
        for (unsigned bits : {8u, 16u, 24u}) {
            Key mask = static_cast<Key>((Key{1} << bits) - 1);
            keys.push_back(static_cast<Key>(k & ~mask));
            keys.push_back(static_cast<Key>(k | mask));
        }
    }
    for (size_t i = 0; i < random; ++i) {
        Key k = static_cast<Key>(rng());
        if constexpr (sizeof(Key) > 8)
            k = (static_cast<Key>(rng()) << 64) | k;
        keys.push_back(k);
        // And near a random start.
        Key near = s.starts[rng() % s.starts.size()];
        keys.push_back(static_cast<Key>(near + static_cast<Key>(rng() % 600) - 300));
    }
    return keys;
}

template <typename Key>
std::string key_text(Key k) {
    if constexpr (sizeof(Key) == 4) {
        return format_ipv4(k);
    } else {
        return format_ipv6(k);
    }
}

template <typename Key>
void expect_matches_reference(const Segments<Key>& s, std::mt19937_64& rng) {
    RangeTable<Key> t = build(s);
    std::vector<Key> keys = probe_keys(s, rng);
    std::vector<uint32_t> want(keys.size());
    for (size_t i = 0; i < keys.size(); ++i)
        want[i] = reference(s, keys[i]);
    int failures = 0;
    for (size_t i = 0; i < keys.size() && failures < 10; ++i) {
        uint32_t got = t.lookup(keys[i]);
        if (got != want[i]) {
            ++failures;
            ADD_FAILURE() << "lookup(" << key_text(keys[i]) << ") = " << got << ", want " << want[i]
                          << " (" << s.starts.size() << " segments)";
        }
    }
    std::vector<uint32_t> out(keys.size(), 0xdeadbeef);
    t.lookup_batch(keys.data(), out.data(), keys.size());
    for (size_t i = 0; i < keys.size() && failures < 10; ++i) {
        if (out[i] != want[i]) {
            ++failures;
            ADD_FAILURE() << "lookup_batch[" << i << "](" << key_text(keys[i]) << ") = " << out[i]
                          << ", want " << want[i];
        }
    }
}

template <typename Key>
class RangeTableTest : public ::testing::Test {};

using KeyTypes = ::testing::Types<uint32_t, Uint128>;
TYPED_TEST_SUITE(RangeTableTest, KeyTypes);

TYPED_TEST(RangeTableTest, EmptyTableIsAllZero) {
    using Key = TypeParam;
    RangeTable<Key> t;
    const Key max = static_cast<Key>(~Key{0});
    for (Key k : {Key{0}, Key{1}, static_cast<Key>(max / 2), max})
        EXPECT_EQ(t.lookup(k), 0u);
    Key keys[3] = {0, 12345, max};
    uint32_t out[3] = {9, 9, 9};
    t.lookup_batch(keys, out, 3);
    EXPECT_EQ(out[0], 0u);
    EXPECT_EQ(out[1], 0u);
    EXPECT_EQ(out[2], 0u);
}

TYPED_TEST(RangeTableTest, OneSegmentCoversTheWholeSpace) {
    using Key = TypeParam;
    const Key max = static_cast<Key>(~Key{0});
    Key start = 0;
    uint32_t value = 0xabcdef01u;
    RangeTable<Key> t = RangeTable<Key>::build({&start, 1}, {&value, 1});
    for (Key k : {Key{0}, Key{1}, static_cast<Key>(max / 2), static_cast<Key>(max - 1), max}) {
        EXPECT_EQ(t.lookup(k), value);
    }
}

TYPED_TEST(RangeTableTest, LastKeyAloneAndFirstKeyAlone) {
    using Key = TypeParam;
    const Key max = static_cast<Key>(~Key{0});
    Segments<Key> s{{0, 1, max}, {7, 3, 9}};
    RangeTable<Key> t = build(s);
    EXPECT_EQ(t.lookup(0), 7u);
    EXPECT_EQ(t.lookup(1), 3u);
    EXPECT_EQ(t.lookup(2), 3u);
    EXPECT_EQ(t.lookup(static_cast<Key>(max - 1)), 3u);
    EXPECT_EQ(t.lookup(max), 9u);
    std::mt19937_64 rng(1);
    expect_matches_reference(s, rng);
}

TYPED_TEST(RangeTableTest, SparseRandomSegments) {
    using Key = TypeParam;
    std::mt19937_64 rng(42);
    for (size_t n : {1u, 2u, 10u, 100u, 1000u, 3000u}) {
        std::set<Key> starts;
        while (starts.size() < n) {
            Key k = static_cast<Key>(rng());
            if constexpr (sizeof(Key) > 8)
                k = (static_cast<Key>(rng()) << 64) | k;
            starts.insert(k);
        }
        SCOPED_TRACE(n);
        expect_matches_reference(from_starts(starts, rng), rng);
    }
}

TYPED_TEST(RangeTableTest, AdjacentEqualValuesAreFine) {
    using Key = TypeParam;
    Segments<Key> s{{0, 10, 20, 30, 40}, {1, 1, 1, 2, 2}};
    RangeTable<Key> t = build(s);
    EXPECT_EQ(t.lookup(9), 1u);
    EXPECT_EQ(t.lookup(25), 1u);
    EXPECT_EQ(t.lookup(30), 2u);
    EXPECT_EQ(t.lookup(1000), 2u);
}

// Dense clusters: `per_block` starts inside one block of 2^block_bits keys, for
// counts around kWindow so both the windowed-slot and the child-table forms are built,
// at every level of the trie.
TYPED_TEST(RangeTableTest, DenseBlocksForceChildTables) {
    using Key = TypeParam;
    constexpr unsigned kBits = sizeof(Key) * 8;
    std::mt19937_64 rng(7);
    const unsigned max_run = RangeTable<Key>::kWindow;
    std::vector<unsigned> block_bits_list{24, 16, 8, 4};
    if constexpr (kBits > 32)
        block_bits_list.insert(block_bits_list.begin(), {120, 96, 64, 40});
    for (unsigned block_bits : block_bits_list) {
        for (unsigned per_block : {max_run - 1, max_run, max_run + 1, 2 * max_run + 1, 40u}) {
            if (per_block > (1u << std::min(block_bits, 16u)) - 1)
                continue;
            for (int trial = 0; trial < 3; ++trial) {
                Key base = static_cast<Key>(rng());
                if constexpr (kBits > 64)
                    base = (static_cast<Key>(rng()) << 64) | base;
                if (trial == 1)
                    base = 0;
                if (trial == 2)
                    base = static_cast<Key>(~Key{0});  // the last block
                Key block_mask = static_cast<Key>((Key{1} << block_bits) - 1);
                base = static_cast<Key>(base & ~block_mask);
                std::set<Key> starts;
                while (starts.size() < per_block) {
                    Key off = static_cast<Key>(rng()) & block_mask;
                    starts.insert(static_cast<Key>(base | off));
                }
                // Some sparse starts elsewhere too.
                for (int i = 0; i < 5; ++i)
                    starts.insert(static_cast<Key>(rng()) << (kBits - 32));
                SCOPED_TRACE(::testing::Message() << "block bits " << block_bits << ", "
                                                  << per_block << " starts, trial " << trial);
                expect_matches_reference(from_starts(starts, rng, per_block + 1), rng);
            }
        }
    }
}

// Every key of one /24 (or the last 256 keys of the space) starts its own segment.
TYPED_TEST(RangeTableTest, EveryKeyOfABlockIsASegment) {
    using Key = TypeParam;
    std::mt19937_64 rng(11);
    const Key max = static_cast<Key>(~Key{0});
    for (Key base : {Key{0}, static_cast<Key>(Key{0x0a000100}), static_cast<Key>(max - 255)}) {
        std::set<Key> starts;
        for (unsigned i = 0; i < 256; ++i)
            starts.insert(static_cast<Key>(base + i));
        Segments<Key> s = from_starts(starts, rng, 1000);
        for (size_t i = 0; i < s.values.size(); ++i)
            s.values[i] = static_cast<uint32_t>(i * 3);
        expect_matches_reference(s, rng);
    }
}

// Starts exactly on block boundaries of every size.
TYPED_TEST(RangeTableTest, StartsOnBlockBoundaries) {
    using Key = TypeParam;
    constexpr unsigned kBits = sizeof(Key) * 8;
    std::mt19937_64 rng(13);
    std::set<Key> starts;
    for (unsigned b = 0; b < kBits; ++b) {
        starts.insert(static_cast<Key>(Key{1} << b));
        starts.insert(static_cast<Key>((Key{1} << b) - 1));
        starts.insert(static_cast<Key>(~Key{0} << b));
    }
    expect_matches_reference(from_starts(starts, rng), rng);
}

// Many starts (beyond any small-table threshold), clustered: mixes all slot kinds.
TYPED_TEST(RangeTableTest, ManyClusteredSegments) {
    using Key = TypeParam;
    constexpr unsigned kBits = sizeof(Key) * 8;
    std::mt19937_64 rng(17);
    std::set<Key> starts;
    for (int cluster = 0; cluster < 60; ++cluster) {
        Key base = static_cast<Key>(rng());
        if constexpr (kBits > 64)
            base = (static_cast<Key>(rng()) << 64) | base;
        unsigned spread = static_cast<unsigned>(rng() % 24) + 4;
        int count = static_cast<int>(rng() % 150) + 1;
        for (int i = 0; i < count; ++i) {
            starts.insert(
                static_cast<Key>(base + (static_cast<Key>(rng()) & ((Key{1} << spread) - 1))));
        }
    }
    EXPECT_GT(starts.size(), 2500u);
    expect_matches_reference(from_starts(starts, rng, 1u << 20), rng);
}

TYPED_TEST(RangeTableTest, BatchAgreesWithSingleForEveryBatchSize) {
    using Key = TypeParam;
    std::mt19937_64 rng(19);
    std::set<Key> starts;
    Key base = static_cast<Key>(Key{0xc0a80000});
    for (int i = 0; i < 300; ++i)
        starts.insert(static_cast<Key>(base + (rng() % 4096)));
    for (int i = 0; i < 300; ++i) {
        Key k = static_cast<Key>(rng());
        if constexpr (sizeof(Key) > 8)
            k = (static_cast<Key>(rng()) << 64) | k;
        starts.insert(k);
    }
    Segments<Key> s = from_starts(starts, rng, 50);
    RangeTable<Key> t = build(s);
    std::vector<Key> pool = probe_keys(s, rng, 500);
    for (size_t n : {0u, 1u, 15u, 16u, 17u, 33u, 1000u}) {
        SCOPED_TRACE(n);
        std::vector<Key> keys(n + 1);
        for (auto& k : keys)
            k = pool[rng() % pool.size()];
        std::vector<uint32_t> out(n + 1, 0xdeadbeef);
        t.lookup_batch(keys.data(), out.data(), n);
        for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(out[i], t.lookup(keys[i])) << i;
            ASSERT_EQ(out[i], reference(s, keys[i])) << i;
        }
        EXPECT_EQ(out[n], 0xdeadbeefu) << "wrote past n";
    }
}

TYPED_TEST(RangeTableTest, ManyDistinctValues) {
    using Key = TypeParam;
    std::mt19937_64 rng(23);
    std::set<Key> starts;
    for (int i = 0; i < 1500; ++i)
        starts.insert(static_cast<Key>(rng() % 100000));
    Segments<Key> s = from_starts(starts, rng, 1);
    for (size_t i = 0; i < s.values.size(); ++i)
        s.values[i] = static_cast<uint32_t>(rng());
    expect_matches_reference(s, rng);
}

// The layout promise of lookup_table.h: a block holding more than kWindow segment
// starts is split into 256-slot child tables. Nine starts inside one /24 need at
// least two of them (one per level down to single keys); nine far-apart starts none.
TEST(RangeTableLayout, DenseBlockBuildsChildTables) {
    std::vector<uint32_t> dense{0}, sparse{0};
    std::vector<uint32_t> values{0};
    for (uint32_t i = 1; i <= RangeTable4::kWindow + 1; ++i) {
        dense.push_back(0x0a000100u + i * 7);
        sparse.push_back(i << 28);
        values.push_back(i);
    }
    RangeTable4 d = RangeTable4::build(dense, values);
    RangeTable4 s = RangeTable4::build(sparse, values);
    EXPECT_GE(d.node_count(), 2u);
    EXPECT_EQ(s.node_count(), 0u);
    // Starts clustered in one sub-block build 16-byte chain records; starts spread
    // over several sub-blocks need a full 256-slot table.
    std::vector<uint32_t> spread{0};
    for (uint32_t i = 1; i <= RangeTable4::kWindow + 1; ++i)
        spread.push_back(0x0a000000u + (i << 8));
    RangeTable4 w = RangeTable4::build(spread, values);
    EXPECT_GE(w.memory_bytes(), s.memory_bytes() + 256 * sizeof(uint32_t));
    for (size_t i = 0; i < spread.size(); ++i) {
        EXPECT_EQ(w.lookup(spread[i]), values[i]);
        if (i > 0) {
            EXPECT_EQ(w.lookup(spread[i] - 1), values[i - 1]);
        }
    }
    for (size_t i = 0; i < dense.size(); ++i) {
        EXPECT_EQ(d.lookup(dense[i]), values[i]);
        EXPECT_EQ(s.lookup(sparse[i]), values[i]);
        if (i > 0) {
            EXPECT_EQ(d.lookup(dense[i] - 1), values[i - 1]);
            EXPECT_EQ(s.lookup(sparse[i] - 1), values[i - 1]);
        }
    }
}

using RangeTableDeathTest = ::testing::Test;

TEST_F(RangeTableDeathTest, BuildChecksItsPreconditions) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::vector<uint32_t> none;
    std::vector<uint32_t> one{1};
    EXPECT_DEATH((void)RangeTable4::build(none, none), "bad segments");
    std::vector<uint32_t> not_zero{5};
    EXPECT_DEATH((void)RangeTable4::build(not_zero, one), "bad segments");
    std::vector<uint32_t> two{0, 1};
    EXPECT_DEATH((void)RangeTable4::build(two, one), "bad segments");
    std::vector<uint32_t> unsorted{0, 9, 9};
    std::vector<uint32_t> three{1, 2, 3};
    EXPECT_DEATH((void)RangeTable4::build(unsorted, three), "not increasing");
}

}  // namespace
}  // namespace mg::lists
