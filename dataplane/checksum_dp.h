// Internet checksum helpers for the packet path (RFC 1071, RFC 1624).
//
// Hot path, any worker lcore. Every sum here is a one's complement sum of 16-bit
// words loaded in memory order (as rte_raw_cksum does), so a result stored back
// with a plain 16-bit store is correct on any host byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <rte_ip.h>

#include "dataplane/ip_addr.h"

namespace mg::dataplane {

// Folds a 32-bit accumulator to 16 bits with end-around carry.
inline uint16_t csum_fold(uint32_t sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

// Unfolded-then-folded sum of `len` bytes (len even in every use here).
inline uint16_t csum_bytes(const void* p, size_t len) {
    return rte_raw_cksum(p, len);
}

// The unfolded sum of the two 16-bit words of a 32-bit word as loaded from
// memory (any byte order: see the top of this file).
inline uint32_t csum_word32(uint32_t w) {
    return (w & 0xffff) + (w >> 16);
}

// The unfolded sum of an address's 16-bit words as in a pseudo-header (2 words
// for IPv4, 8 for IPv6), its family known.
inline uint32_t csum_addr_words(const IpAddr& a, bool v4) {
    uint32_t w[4];
    std::memcpy(w, a.bytes, sizeof w);
    if (v4) {
        return csum_word32(w[3]);
    }
    return csum_word32(w[0]) + csum_word32(w[1]) + csum_word32(w[2]) + csum_word32(w[3]);
}

// The sum of an address as it appears in a pseudo-header: 4 bytes for IPv4,
// 16 for IPv6. Any way of folding gives the same value as csum_bytes over the
// same bytes (a non-zero sum folds to the one value in 1..0xffff congruent to
// it modulo 0xffff), so this agrees with it bit for bit.
inline uint16_t csum_addr(const IpAddr& a) {
    return csum_fold(csum_addr_words(a, a.is_v4()));
}

// RFC 1624 eqn. 3 with the new words unfolded: the stored checksum `old_csum`
// of data whose 16-bit words summing to `old_sum` were replaced by words summing
// to `new_sum` (both sums unfolded, below 2^32). One fold fewer than folding
// both sums first, and the same 16-bit result as
// csum_replace(old_csum, csum_fold(old_sum), csum_fold(new_sum)): the
// accumulators differ by a multiple of 0xffff and are zero together.
inline uint16_t csum_update(uint16_t old_csum, uint32_t old_sum, uint32_t new_sum) {
    uint64_t acc = uint64_t{static_cast<uint16_t>(~old_csum)} +
                   static_cast<uint16_t>(~csum_fold(old_sum)) + new_sum;
    acc = (acc & 0xffffffff) + (acc >> 32);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<uint16_t>(~acc);
}

// RFC 1624 eqn. 3: the stored checksum `old_csum` of data whose words summing to
// `old_sum` were replaced by words summing to `new_sum`.
inline uint16_t csum_replace(uint16_t old_csum, uint16_t old_sum, uint16_t new_sum) {
    uint32_t acc = static_cast<uint16_t>(~old_csum);
    acc += static_cast<uint16_t>(~old_sum);
    acc += new_sum;
    return static_cast<uint16_t>(~csum_fold(acc));
}

}  // namespace mg::dataplane
