// Helpers shared by the channel tests (channel_test.cc, channel_socket_test.cc).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "dataplane/api/channel.h"

namespace mg::dataplane::api::test {

using Bytes = std::vector<uint8_t>;

constexpr uint8_t kFirstType = static_cast<uint8_t>(MsgType::kHello);
constexpr uint8_t kEndType = static_cast<uint8_t>(MsgType::kTypeEnd);

inline std::vector<MsgType> all_types() {
    std::vector<MsgType> types;
    for (uint8_t t = kFirstType; t < kEndType; ++t) {
        types.push_back(static_cast<MsgType>(t));
    }
    return types;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A T whose every byte differs (the wire structs have no padding), so a field
// swapped or dropped on the way shows.
template <typename T>
T pattern(unsigned seed) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::array<uint8_t, sizeof(T)> raw;
    for (size_t i = 0; i < raw.size(); ++i) {
        raw[i] = static_cast<uint8_t>(seed * 31 + i * 7 + 1);
    }
    T v;
    std::memcpy(&v, raw.data(), sizeof v);
    return v;
}

template <typename T>
inline bool same_bytes(const T& a, const T& b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// A message put together by hand: header, then `payload` zero bytes.
inline Bytes raw_message(uint8_t type,
                         uint32_t count,
                         size_t payload,
                         uint16_t version = kVersion,
                         uint32_t magic = kMagic) {
    Header h;
    h.magic = magic;
    h.version = version;
    h.type = type;
    h.count = count;
    Bytes b(sizeof h + payload, 0);
    std::memcpy(b.data(), &h, sizeof h);
    return b;
}

inline std::string parse_error(const Bytes& msg) {
    auto v = parse_message(msg);
    if (v.ok()) {
        return "(accepted)";
    }
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidInput);
    return v.error().message;
}

inline std::string length_error(MsgType t, size_t got, uint32_t count) {
    return std::string(type_name(t)) + ": " + std::to_string(got) + " bytes, expected 16 + " +
           std::to_string(fixed_size(t)) + " + " + std::to_string(entry_size(t)) + " x " +
           std::to_string(count);
}

}  // namespace mg::dataplane::api::test
