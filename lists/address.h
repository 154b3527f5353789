// Addresses: IPv4 and IPv6 values, their text forms, IPv4-mapped handling.
//
// Cold path helpers (parsing and printing allocate nothing per call except the
// returned std::string). The lookup structures work on the raw integer forms:
// IPv4 as a host-order uint32_t, IPv6 as a host-order 128-bit integer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mg::lists {

__extension__ typedef unsigned __int128 Uint128;

enum class Family : uint8_t { kV4 = 4, kV6 = 6 };

// The IPv4-mapped block ::ffff:0:0/96.
inline constexpr Uint128 kMappedFirst = Uint128{0xffff} << 32;
inline constexpr Uint128 kMappedLast = kMappedFirst | 0xffffffffu;
inline constexpr Uint128 kV6Max = ~Uint128{0};

constexpr bool is_v4_mapped(Uint128 v6) {
    return (v6 >> 32) == 0xffff;
}

struct Address {
    Family family = Family::kV4;
    Uint128 value = 0;  // IPv4: the low 32 bits

    static constexpr Address v4(uint32_t a) { return Address{Family::kV4, a}; }
    // An IPv4-mapped value becomes the IPv4 address it maps (SPEC.md §1).
    static constexpr Address v6(Uint128 a) {
        return is_v4_mapped(a) ? v4(static_cast<uint32_t>(a)) : Address{Family::kV6, a};
    }
    constexpr bool is_v4() const { return family == Family::kV4; }
    constexpr uint32_t v4_value() const { return static_cast<uint32_t>(value); }

    friend constexpr bool operator==(const Address&, const Address&) = default;
};

// Strict text forms, no surrounding white space. IPv4: four decimal octets without
// leading zeros. IPv6: RFC 4291 text form (:: compression, trailing dotted quad);
// no zone index.
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::optional<Uint128> parse_ipv6(std::string_view text);

// Either family; an IPv4-mapped IPv6 address comes back as IPv4.
std::optional<Address> parse_address(std::string_view text);

std::string format_ipv4(uint32_t a);
// RFC 5952 canonical form (lowercase, longest zero run compressed, ::ffff:a.b.c.d
// for mapped values).
std::string format_ipv6(Uint128 a);
std::string format_address(const Address& a);

}  // namespace mg::lists
