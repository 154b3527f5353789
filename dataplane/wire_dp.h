// Loading and storing header fields in wire (big-endian) order on the packet
// path.
//
// Hot path, any lcore. DPDK's rte_be_to_cpu_16 / rte_cpu_to_be_16 are an
// `asm volatile` xchg on x86: the compiler can neither fold them into constants
// nor merge or drop them, and the relay path converts a dozen fields per packet.
// These use the compiler's byte swap, which it folds and schedules freely.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace mg::dataplane {

inline uint16_t swap_to_be16(uint16_t v) {
    if constexpr (std::endian::native == std::endian::little) {
        return __builtin_bswap16(v);
    } else {
        return v;
    }
}

// 16 bits as they lie in memory (for checksums, which are byte-order neutral).
inline uint16_t load16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store16(uint8_t* p, uint16_t v) {
    std::memcpy(p, &v, sizeof v);
}

// Host-order values of big-endian fields.
inline uint16_t load_be16(const uint8_t* p) {
    return swap_to_be16(load16(p));
}
inline void store_be16(uint8_t* p, uint16_t host) {
    store16(p, swap_to_be16(host));
}

}  // namespace mg::dataplane
