// The packet path's fast checksum helpers against the plain ones they replace
// (CONVENTIONS.md "Hot path": the readable version stays and both are tested
// against each other): csum_update against csum_replace over folded sums,
// csum_addr / csum_addr_words against rte_raw_cksum over the address bytes.
#include "dataplane/checksum_dp.h"

#include <cstdint>
#include <random>

#include <gtest/gtest.h>

namespace mg::dataplane {
namespace {

IpAddr random_addr(std::mt19937_64& g, bool v4) {
    uint8_t b[16];
    for (uint8_t& x : b) {
        x = static_cast<uint8_t>(g());
    }
    return v4 ? IpAddr::from_v4_wire(b) : IpAddr::from_v6_wire(b);
}

TEST(ChecksumTest, AddressSumsAgreeWithTheByteSum) {
    std::mt19937_64 g(7);
    for (int i = 0; i < 20000; ++i) {
        const bool v4 = (i & 1) != 0;
        IpAddr a = random_addr(g, v4);
        if (i % 1000 == 0) {  // extremes: all ones, all zeros in the summed part
            for (int k = v4 ? 12 : 0; k < 16; ++k) {
                a.bytes[k] = i % 2000 == 0 ? 0xff : 0;
            }
        }
        const uint16_t bytes = v4 ? rte_raw_cksum(a.v4_wire(), 4) : rte_raw_cksum(a.bytes, 16);
        ASSERT_EQ(csum_addr(a), bytes) << i;
        ASSERT_EQ(csum_fold(csum_addr_words(a, v4)), bytes) << i;
    }
}

TEST(ChecksumTest, UpdateOnUnfoldedSumsEqualsReplaceOnFoldedOnes) {
    std::mt19937_64 g(11);
    const uint16_t edges[] = {0, 1, 0x7fff, 0xfffe, 0xffff};
    for (int i = 0; i < 200000; ++i) {
        // Sums of up to 20 words (an IPv6 address pair and ports is 18).
        const int old_words = 1 + static_cast<int>(g() % 20);
        const int new_words = 1 + static_cast<int>(g() % 20);
        uint32_t old_sum = 0;
        uint32_t new_sum = 0;
        for (int k = 0; k < old_words; ++k) {
            old_sum += i % 7 == 0 ? edges[g() % 5] : static_cast<uint16_t>(g());
        }
        for (int k = 0; k < new_words; ++k) {
            new_sum += i % 7 == 0 ? edges[g() % 5] : static_cast<uint16_t>(g());
        }
        const uint16_t old_csum = i % 5 == 0 ? edges[g() % 5] : static_cast<uint16_t>(g());
        ASSERT_EQ(csum_update(old_csum, old_sum, new_sum),
                  csum_replace(old_csum, csum_fold(old_sum), csum_fold(new_sum)))
            << "old_csum " << old_csum << " old_sum " << old_sum << " new_sum " << new_sum;
    }
}

}  // namespace
}  // namespace mg::dataplane
