#include "lists/address.h"

#include <array>
#include <cstdio>

namespace mg::lists {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Hex digit values by byte, -1 for anything else: a table, because the digits of
// addresses are random enough to defeat the branch predictor.
constexpr std::array<int8_t, 256> kHexValue = [] {
    std::array<int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<int8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<int8_t>(c - 'A' + 10);
    return t;
}();

int hex_value(char c) { return kHexValue[static_cast<unsigned char>(c)]; }

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text) {
    uint32_t result = 0;
    size_t pos = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (pos >= text.size() || text[pos] != '.')
                return std::nullopt;
            ++pos;
        }
        size_t start = pos;
        uint32_t value = 0;
        while (pos < text.size() && is_digit(text[pos]) && pos - start < 3) {
            value = value * 10 + static_cast<uint32_t>(text[pos] - '0');
            ++pos;
        }
        size_t digits = pos - start;
        if (digits == 0 || value > 255)
            return std::nullopt;
        if (digits > 1 && text[start] == '0')
            return std::nullopt;  // no octal look-alikes
        result = (result << 8) | value;
    }
    if (pos != text.size())
        return std::nullopt;
    return result;
}

std::optional<Uint128> parse_ipv6(std::string_view text) {
    // One pass over the text: up to 8 groups; `gap` is where "::" stands (-1: none).
    std::array<uint16_t, 8> groups{};
    int count = 0;
    int gap = -1;
    size_t pos = 0;
    const size_t n = text.size();
    if (n < 2) return std::nullopt;
    if (text[0] == ':') {
        if (text[1] != ':') return std::nullopt;
        gap = 0;
        pos = 2;
        if (pos == n) return Uint128{0};
    }
    for (;;) {
        if (count == 8) return std::nullopt;
        size_t start = pos;
        uint32_t value = 0;
        int h = 0;
        while (pos < n && pos - start < 5 && (h = hex_value(text[pos])) >= 0) {
            value = (value << 4) | static_cast<uint32_t>(h);
            ++pos;
        }
        if (pos < n && text[pos] == '.') {
            // A trailing dotted quad takes the last two groups.
            if (count > 6) return std::nullopt;
            auto v4 = parse_ipv4(text.substr(start));
            if (!v4) return std::nullopt;
            groups[count++] = static_cast<uint16_t>(*v4 >> 16);
            groups[count++] = static_cast<uint16_t>(*v4 & 0xffff);
            break;
        }
        size_t digits = pos - start;
        if (digits == 0 || digits > 4) return std::nullopt;
        groups[count++] = static_cast<uint16_t>(value);
        if (pos == n) break;
        if (text[pos] != ':') return std::nullopt;
        ++pos;
        if (pos == n) return std::nullopt;  // trailing single ':'
        if (text[pos] == ':') {
            if (gap >= 0) return std::nullopt;  // a second "::"
            gap = count;
            ++pos;
            if (pos == n) break;
        }
    }
    if (gap < 0 && count != 8) return std::nullopt;
    if (gap >= 0 && count > 7) return std::nullopt;  // "::" stands for at least one group
    std::array<uint16_t, 8> full{};
    if (gap < 0) {
        full = groups;
    } else {
        int tail = count - gap;
        for (int i = 0; i < gap; ++i) full[i] = groups[i];
        for (int i = 0; i < tail; ++i) full[8 - tail + i] = groups[gap + i];
    }
    Uint128 result = 0;
    for (uint16_t g : full) result = (result << 16) | g;
    return result;
}

std::optional<Address> parse_address(std::string_view text) {
    if (text.find(':') != std::string_view::npos) {
        auto v6 = parse_ipv6(text);
        if (!v6)
            return std::nullopt;
        return Address::v6(*v6);
    }
    auto v4 = parse_ipv4(text);
    if (!v4)
        return std::nullopt;
    return Address::v4(*v4);
}

std::string format_ipv4(uint32_t a) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                  a & 0xff);
    return buf;
}

std::string format_ipv6(Uint128 a) {
    if (is_v4_mapped(a))
        return "::ffff:" + format_ipv4(static_cast<uint32_t>(a));
    std::array<uint16_t, 8> g{};
    for (int i = 7; i >= 0; --i) {
        g[i] = static_cast<uint16_t>(a & 0xffff);
        a >>= 16;
    }
    // Longest run of zero groups, at least two long; the first one on a tie.
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            ++j;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    std::string out;
    char buf[8];
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':')
            out += ':';
        std::snprintf(buf, sizeof buf, "%x", g[i]);
        out += buf;
    }
    return out;
}

std::string format_address(const Address& a) {
    return a.is_v4() ? format_ipv4(a.v4_value()) : format_ipv6(a.value);
}

}  // namespace mg::lists
