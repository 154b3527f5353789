#include "configs/values.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <vector>

namespace mg::configs {

std::string in_quotes(std::string_view s, char quote) {
    constexpr size_t kMaxQuoted = 64;
    std::string out(1, quote);
    if (s.size() <= kMaxQuoted) {
        out.append(s);
    } else {
        // Cut before a UTF-8 continuation byte, never inside a character.
        size_t cut = kMaxQuoted;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
            --cut;
        out.append(s.substr(0, cut));
        out += "...";
    }
    out += quote;
    return out;
}

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::kInvalidInput, std::move(message));
}

// Decimal digits only; nullopt when empty, not all digits or longer than 6 digits.
std::optional<unsigned> parse_small_number(std::string_view s) {
    if (s.empty() || s.size() > 6)
        return std::nullopt;
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size())
        return std::nullopt;
    return v;
}

bool is_unspecified_or_multicast(const lists::Address& a) {
    if (a.is_v4())
        return a.v4_value() == 0 || (a.v4_value() >> 28) == 0xe;
    return a.value == 0 || (a.value >> 120) == 0xff;
}

// ADDR/LEN with LEN in [min_len, family width]; host bits are checked by the caller.
Result<IfAddress> parse_addr_len(std::string_view text, unsigned min_len) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return invalid("expected ADDR/LEN, got " + in_quotes(text));
    std::string_view addr_text = text.substr(0, slash);
    std::string_view len_text = text.substr(slash + 1);
    auto addr = lists::parse_address(addr_text);
    if (!addr)
        return invalid("invalid address " + in_quotes(addr_text) + " in " + in_quotes(text));
    if (addr->is_v4() && addr_text.find(':') != std::string_view::npos) {
        return invalid("an IPv4-mapped address cannot be used here; write the IPv4 address (" +
                       in_quotes(text) + ")");
    }
    unsigned max = addr->is_v4() ? 32 : 128;
    auto len = parse_small_number(len_text);
    if (!len || *len < min_len || *len > max) {
        return invalid("prefix length " + in_quotes(len_text) + " is not in " +
                       std::to_string(min_len) + ".." + std::to_string(max) + " (" +
                       in_quotes(text) + ")");
    }
    return IfAddress{*addr, *len};
}

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
            ++i;
        size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t')
            ++i;
        if (i > start)
            words.push_back(s.substr(start, i - start));
    }
    return words;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

}  // namespace

Result<PortRange> parse_port_range(std::string_view text) {
    size_t dash = text.find('-');
    if (dash == std::string_view::npos)
        return invalid("expected \"FIRST-LAST\" (e.g. \"10000-29999\"), got " + in_quotes(text));
    auto first = parse_small_number(text.substr(0, dash));
    auto last = parse_small_number(text.substr(dash + 1));
    if (!first || !last)
        return invalid("expected \"FIRST-LAST\" (e.g. \"10000-29999\"), got " + in_quotes(text));
    for (unsigned port : {*first, *last}) {
        if (port < 1 || port > 65535)
            return invalid("port " + std::to_string(port) + " is not in 1..65535");
    }
    if (*first > *last) {
        return invalid("first port " + std::to_string(*first) + " is greater than last port " +
                       std::to_string(*last));
    }
    return PortRange{static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)};
}

std::optional<std::string> check_udp_pairs(const PortRange& r) {
    if (r.first % 2 != 0) {
        return "first port " + std::to_string(r.first) +
               " must be even (RTP on the even port, RTCP on the next odd one)";
    }
    if (r.size() < 2)
        return std::string("needs at least 2 ports (one RTP/RTCP pair)");
    return std::nullopt;
}

Result<IfAddress> parse_if_address(std::string_view text) {
    auto a = parse_addr_len(text, 1);
    if (!a.ok())
        return a;
    if (is_unspecified_or_multicast(a->addr))
        return invalid(in_quotes(text) + " is not a unicast address");
    return a;
}

Result<std::string> parse_route(std::string_view text) {
    auto words = split_words(text);
    if (words.size() != 3 || words[1] != "via")
        return invalid("expected \"PREFIX/LEN via ADDR\", got " + in_quotes(text));
    auto prefix = parse_addr_len(words[0], 0);
    if (!prefix.ok())
        return prefix.error();
    if (prefix->network_first() != prefix->addr) {
        return invalid("prefix " + in_quotes(words[0]) + " has bits set after the first " +
                       std::to_string(prefix->prefix_len) + " (host bits must be zero)");
    }
    auto via = lists::parse_address(words[2]);
    if (!via)
        return invalid("invalid next hop " + in_quotes(words[2]));
    if (via->family != prefix->addr.family)
        return invalid("next hop " + in_quotes(words[2]) + " is not of the prefix's family");
    if (is_unspecified_or_multicast(*via))
        return invalid("next hop " + in_quotes(words[2]) + " is not a unicast address");
    return prefix->format() + " via " + lists::format_address(*via);
}

Result<Endpoint> parse_endpoint(std::string_view text, bool allow_any) {
    const std::string want = allow_any ? "expected ADDR:PORT, [IPV6]:PORT or \"any\", got "
                                       : "expected ADDR:PORT or [IPV6]:PORT, got ";
    if (text == "any") {
        if (allow_any)
            return Endpoint{};
        return invalid(
            "\"any\" is not allowed here (a local address of the dataplane is "
            "needed)");
    }
    size_t colon = text.rfind(':');
    if (text.empty() || colon == std::string_view::npos)
        return invalid(want + in_quotes(text));
    std::string_view addr_text = text.substr(0, colon);
    std::string_view port_text = text.substr(colon + 1);
    if (!addr_text.empty() && addr_text.front() == '[') {
        if (addr_text.size() < 3 || addr_text.back() != ']')
            return invalid(want + in_quotes(text));
        addr_text = addr_text.substr(1, addr_text.size() - 2);
        if (addr_text.find(':') == std::string_view::npos)
            return invalid("brackets are for IPv6 addresses only, in " + in_quotes(text));
    } else if (addr_text.find(':') != std::string_view::npos) {
        return invalid("an IPv6 address needs brackets, [ADDR]:PORT, in " + in_quotes(text));
    }
    auto addr = lists::parse_address(addr_text);
    if (!addr)
        return invalid("invalid address " + in_quotes(addr_text) + " in " + in_quotes(text));
    auto port = parse_small_number(port_text);
    if (!port || *port < 1 || *port > 65535)
        return invalid("port " + in_quotes(port_text) + " is not in 1..65535 (" + in_quotes(text) +
                       ")");
    if (!is_unicast(*addr))
        return invalid(in_quotes(text) + " is not a unicast address" +
                       (allow_any ? " (a peer learned by latching is \"any\")" : ""));
    return Endpoint{*addr, static_cast<uint16_t>(*port)};
}

bool is_unicast(const lists::Address& a) {
    return !is_unspecified_or_multicast(a) && !(a.is_v4() && a.v4_value() == 0xffffffffu);
}

bool is_valid_port_name(std::string_view name) {
    if (name.empty() || name.size() > 32)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

bool is_valid_interface_name(std::string_view name) {
    constexpr size_t kIfNameMax = 15;  // IFNAMSIZ - 1
    if (name.empty() || name.size() > kIfNameMax || name == "." || name == "..")
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

std::optional<std::string> check_socket_path(std::string_view path) {
    constexpr size_t kSunPathSize = 108;
    if (path.empty())
        return std::string("must not be empty");
    if (path.front() != '/')
        return "must be an absolute path, got " + in_quotes(path);
    if (path.find('\0') != std::string_view::npos)
        return std::string("must not contain a NUL byte");
    if (path.size() >= kSunPathSize) {
        return "is " + std::to_string(path.size()) +
               " bytes long; a Unix socket path must be shorter than " +
               std::to_string(kSunPathSize) + " bytes";
    }
    return std::nullopt;
}

bool same_socket_path(const std::string& a, const std::string& b) {
    auto resolved = [](const std::string& p) {
        std::error_code ec;
        auto r = std::filesystem::weakly_canonical(p, ec);
        return ec ? std::filesystem::path(p).lexically_normal() : r;
    };
    return a == b || resolved(a) == resolved(b);
}

std::string_view closest_key(std::string_view key, std::span<const std::string_view> allowed) {
    std::string_view best;
    size_t best_distance = 3;
    size_t best_common = 0;
    if (key.size() > 64)
        return best;
    for (std::string_view k : allowed) {
        size_t d = edit_distance(key, k);
        // On a tie, the key sharing the longer beginning ("lan_ip": "lan_ips", not "wan_ip").
        size_t common = 0;
        while (common < key.size() && common < k.size() && key[common] == k[common])
            ++common;
        if (d < best_distance || (d == best_distance && !best.empty() && common > best_common)) {
            best_distance = d;
            best = k;
            best_common = common;
        }
    }
    return best;
}

}  // namespace mg::configs
