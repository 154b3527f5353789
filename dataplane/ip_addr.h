// IpAddr: one address of either family in wire form, as the dataplane keeps it.
//
// 16 bytes in network byte order; an IPv4 address is stored IPv4-mapped
// (::ffff:a.b.c.d), so one compare and one copy serve both families and the
// all-zero value (::) means "unknown". Hot path: every member is inline, no
// allocation. Conversions to and from lists::Address are for the control side.
#pragma once

#include <cstdint>
#include <cstring>

#include "lists/address.h"

namespace mg::dataplane {

struct IpAddr {
    alignas(4) uint8_t bytes[16] = {};

    static IpAddr from_v4_wire(const void* four_bytes) {
        IpAddr a;
        a.bytes[10] = 0xff;
        a.bytes[11] = 0xff;
        std::memcpy(a.bytes + 12, four_bytes, 4);
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

    bool is_v4() const {
        static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::memcmp(bytes, kPrefix, sizeof kPrefix) == 0;
    }
    bool is_unspecified() const {
        static constexpr uint8_t kZero[16] = {};
        return std::memcmp(bytes, kZero, sizeof kZero) == 0;
    }
    const uint8_t* v4_wire() const { return bytes + 12; }

    friend bool operator==(const IpAddr& a, const IpAddr& b) {
        return std::memcmp(a.bytes, b.bytes, sizeof a.bytes) == 0;
    }
};
static_assert(sizeof(IpAddr) == 16);

}  // namespace mg::dataplane
