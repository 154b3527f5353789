// Address literals for the lists/ tests: a4("192.0.2.1"), a6("2001:db8::1").
// A malformed literal is a bug in the test and fails it.
#pragma once

#include <cstdint>
#include <string_view>

#include <gtest/gtest.h>

#include "lists/address.h"

namespace mg::lists {

inline uint32_t a4(std::string_view text) {
    auto v = parse_ipv4(text);
    EXPECT_TRUE(v.has_value()) << "test bug: bad IPv4 literal " << text;
    return v.value_or(0);
}

inline Uint128 a6(std::string_view text) {
    auto v = parse_ipv6(text);
    EXPECT_TRUE(v.has_value()) << "test bug: bad IPv6 literal " << text;
    return v.value_or(0);
}

}  // namespace mg::lists
