// IpAddr: one address of either family in wire form, as the dataplane keeps it.
//
// 16 bytes in network byte order; an IPv4 address is stored IPv4-mapped
// (::ffff:a.b.c.d), so one compare and one copy serve both families and the
// all-zero value (::) means "unknown". Hot path: every member is inline, no
// allocation. Conversions to and from lists::Address are for the control side.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "lists/address.h"

namespace mg::dataplane {

struct IpAddr {
    alignas(4) uint8_t bytes[16] = {};

    // Hot. Built as two 64-bit words rather than byte by byte: the address is
    // compared as 64-bit words right after the parse writes it, and a load that
    // spans several narrower stores cannot be forwarded from them (a stall).
    static IpAddr from_v4_wire(const void* four_bytes) {
        uint32_t v4;
        std::memcpy(&v4, four_bytes, sizeof v4);
        uint64_t high;  // bytes 8..15: 00 00 ff ff a b c d
        if constexpr (std::endian::native == std::endian::little) {
            high = 0xffff0000ull | (uint64_t{v4} << 32);
        } else {
            high = 0x0000ffff00000000ull | v4;
        }
        IpAddr a;
        std::memcpy(a.bytes + 8, &high, sizeof high);
        return a;
    }
    static IpAddr from_v6_wire(const void* sixteen_bytes) {
        IpAddr a;
        std::memcpy(a.bytes, sixteen_bytes, 16);
        return a;
    }
    // A lists::Address (host-order integer) in wire form. An IPv4-mapped IPv6
    // value is IPv4, as everywhere in mediagate (SPEC.md §1).
    static IpAddr from_address(const lists::Address& a) {
        IpAddr r;
        lists::Uint128 v = a.is_v4() ? (lists::kMappedFirst | a.v4_value()) : a.value;
        for (int i = 15; i >= 0; --i) {
            r.bytes[i] = static_cast<uint8_t>(v);
            v >>= 8;
        }
        return r;
    }
    lists::Address to_address() const {
        lists::Uint128 v = 0;
        for (uint8_t b : bytes) {
            v = (v << 8) | b;
        }
        return lists::Address::v6(v);
    }

    // Hot. As two 64-bit words: g++ calls memcmp for a 12-byte compare, and
    // these run several times per relayed packet.
    uint64_t word(int i) const {
        uint64_t w;
        std::memcpy(&w, bytes + 8 * i, sizeof w);
        return w;
    }
    bool is_v4() const {
        static constexpr uint8_t kPrefix[8] = {0, 0, 0xff, 0xff, 0, 0, 0, 0};
        uint64_t prefix;  // bytes 8..11 of a mapped address; 12..15 masked off
        std::memcpy(&prefix, kPrefix, sizeof prefix);
        uint64_t mask;
        static constexpr uint8_t kMask[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
        std::memcpy(&mask, kMask, sizeof mask);
        return word(0) == 0 && (word(1) & mask) == prefix;
    }
    bool is_unspecified() const { return (word(0) | word(1)) == 0; }
    const uint8_t* v4_wire() const { return bytes + 12; }

    friend bool operator==(const IpAddr& a, const IpAddr& b) {
        return ((a.word(0) ^ b.word(0)) | (a.word(1) ^ b.word(1))) == 0;
    }
};
static_assert(sizeof(IpAddr) == 16);

}  // namespace mg::dataplane
