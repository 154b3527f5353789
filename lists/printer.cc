#include "lists/printer.h"

namespace mg::lists {
namespace {

// The prefix length when [first, last] is exactly one aligned block of 2^k keys
// with 0 < prefix; otherwise 0.
template <typename Key>
unsigned prefix_length(Key first, Key last) {
    constexpr unsigned kBits = sizeof(Key) * 8;
    Key span = static_cast<Key>(last - first);  // 2^k - 1 when it is a block
    if ((span & static_cast<Key>(span + 1)) != 0)
        return 0;
    if ((first & span) != 0)
        return 0;
    unsigned k = 0;
    while (k < kBits && ((span >> k) & 1))
        ++k;
    return k == kBits ? 0 : kBits - k;
}

template <typename Key, typename Format>
std::string format_interval(const Interval<Key>& iv, Format format) {
    if (iv.first == iv.last)
        return format(iv.first);
    unsigned len = prefix_length(iv.first, iv.last);
    if (len != 0)
        return format(iv.first) + "/" + std::to_string(len);
    return format(iv.first) + "-" + format(iv.last);
}

}  // namespace

std::string format_interval4(const Interval4& iv) {
    return format_interval(iv, format_ipv4);
}

std::string format_interval6(const Interval6& iv) {
    return format_interval(iv, format_ipv6);
}

std::vector<std::string> canonical_lines(const AddressSet& set) {
    std::vector<std::string> out;
    out.reserve(set.interval_count());
    for (const auto& iv : set.v4)
        out.push_back(format_interval4(iv));
    for (const auto& iv : set.v6)
        out.push_back(format_interval6(iv));
    return out;
}

std::string format_list(const AddressSet& set) {
    std::string out;
    for (const auto& line : canonical_lines(set)) {
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace mg::lists
