#include "tests/lists/naive_reference.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>
#include <utility>

namespace mg::lists::naive {

bool contains_v4(std::span<const Op> ops, uint32_t a) {
    bool in = false;
    for (const Op& op : ops) {
        Uint128 key = op.v6 ? mapped_of(a) : Uint128{a};
        if (op.first <= key && key <= op.last)
            in = !op.exclude;
    }
    return in;
}

bool contains_v6(std::span<const Op> ops, Uint128 a) {
    if (in_mapped_block(a))
        return contains_v4(ops, static_cast<uint32_t>(a));
    bool in = false;
    for (const Op& op : ops) {
        if (op.v6 && op.first <= a && a <= op.last)
            in = !op.exclude;
    }
    return in;
}

uint32_t mask_v4(const std::vector<std::vector<Op>>& lists, uint32_t a) {
    uint32_t mask = 0;
    for (size_t i = 0; i < lists.size(); ++i) {
        if (contains_v4(lists[i], a))
            mask |= uint32_t{1} << i;
    }
    return mask;
}

uint32_t mask_v6(const std::vector<std::vector<Op>>& lists, Uint128 a) {
    uint32_t mask = 0;
    for (size_t i = 0; i < lists.size(); ++i) {
        if (contains_v6(lists[i], a))
            mask |= uint32_t{1} << i;
    }
    return mask;
}

// ---------------------------------------------------------------------------- generator

void Generator::new_clusters() {
    v4_bases_.clear();
    v6_bases_.clear();
    v4_recent_.clear();
    v6_recent_.clear();
    for (int i = 0; i < 3; ++i) {
        uint32_t b = static_cast<uint32_t>(rng_());
        b &= chance(50) ? 0xffffff00u : 0xffff0000u;
        v4_bases_.push_back(b);
        Uint128 b6 = random128();
        switch (below(4)) {
            case 0:
                b6 &= ~Uint128{0xffff};
                break;
            case 1:
                b6 &= ~((Uint128{1} << 64) - 1);
                break;
            case 2:
                b6 = kMappedBlockFirst - 0x800 + below(0x1000);
                break;  // around the mapped block
            default:
                break;
        }
        v6_bases_.push_back(b6);
    }
    v4_bases_.push_back(0);
    v4_bases_.push_back(kV4Max - 0xfff);
    v6_bases_.push_back(0);
    v6_bases_.push_back(kMappedBlockLast + 1);
    v6_bases_.push_back(kAllOnes - 0xffff);
}

uint32_t Generator::v4_addr() {
    if (dense_ && chance(85))
        return v4_bases_[0] + static_cast<uint32_t>(below(256));
    if (fine_ && chance(60))
        return static_cast<uint32_t>(rng_());
    switch (below(10)) {
        case 0: {
            static const uint32_t kEdges[] = {0, 1, kV4Max, kV4Max - 1, 0x7fffffffu, 0x80000000u};
            return kEdges[below(std::size(kEdges))];
        }
        case 1:
        case 2:
        case 3:
        case 4: {
            static const uint32_t kSpread[] = {16, 256, 4096, 65536};
            return v4_bases_[below(v4_bases_.size())] +
                   static_cast<uint32_t>(below(kSpread[below(std::size(kSpread))]));
        }
        case 5:
        case 6:
            if (!v4_recent_.empty()) {
                return v4_recent_[below(v4_recent_.size())] + static_cast<uint32_t>(below(5)) - 2;
            }
            [[fallthrough]];
        default:
            return static_cast<uint32_t>(rng_());
    }
}

Uint128 Generator::v6_addr() {
    if (dense_ && chance(85))
        return v6_bases_[0] + below(256);
    if (fine_ && chance(60))
        return random128();
    switch (below(12)) {
        case 0: {
            const Uint128 kEdges[] = {0,
                                      1,
                                      kAllOnes,
                                      kAllOnes - 1,
                                      kMappedBlockFirst - 1,
                                      kMappedBlockFirst - 2,
                                      kMappedBlockLast + 1,
                                      kMappedBlockLast + 2,
                                      Uint128{1} << 127,
                                      (Uint128{1} << 127) - 1};
            return kEdges[below(std::size(kEdges))];
        }
        case 1:
        case 2:
        case 3:
        case 4: {
            static const unsigned kSpreadBits[] = {4, 8, 16, 32, 64};
            unsigned bits = kSpreadBits[below(std::size(kSpreadBits))];
            return v6_bases_[below(v6_bases_.size())] + (random128() & ((Uint128{1} << bits) - 1));
        }
        case 5:
        case 6:
            if (!v6_recent_.empty())
                return v6_recent_[below(v6_recent_.size())] + below(5) - 2;
            [[fallthrough]];
        case 7: {
            Uint128 v = 0;  // many zero groups, to exercise "::"
            for (int g = 0; g < 8; ++g)
                v = (v << 16) | (chance(40) ? below(0x10000) : 0);
            return v;
        }
        default:
            return random128();
    }
}

std::string Generator::v4_text(uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
           std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

// Any valid RFC 4291 spelling: upper or lower case, optional leading zeros, an
// optional trailing dotted quad, "::" over any run (even one group) of zero groups.
std::string Generator::v6_text(Uint128 a) {
    uint16_t g[8];
    for (int i = 7; i >= 0; --i) {
        g[i] = static_cast<uint16_t>(a);
        a >>= 16;
    }
    bool upper = chance(20);
    bool pad = chance(15);
    bool dotted = chance(15);
    std::vector<std::string> parts;  // one per group; a dotted quad stands for groups 6-7
    char buf[16];
    int hex_groups = dotted ? 6 : 8;
    for (int i = 0; i < hex_groups; ++i) {
        std::snprintf(buf, sizeof buf, pad ? (upper ? "%04X" : "%04x") : (upper ? "%X" : "%x"),
                      g[i]);
        parts.push_back(buf);
    }
    if (dotted)
        parts.push_back(v4_text((uint32_t{g[6]} << 16) | g[7]));
    // Runs of zero groups among the hex groups.
    std::vector<std::pair<int, int>> runs;  // [start, end)
    for (int i = 0; i < hex_groups;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < hex_groups && g[j] == 0)
            ++j;
        runs.push_back({i, j});
        i = j;
    }
    auto join = [&](int from, int to) {
        std::string out;
        for (int i = from; i < to; ++i) {
            if (i > from)
                out += ':';
            out += parts[static_cast<size_t>(i)];
        }
        return out;
    };
    int total_parts = static_cast<int>(parts.size());
    if (runs.empty() || chance(15))
        return join(0, total_parts);
    auto [rs, re] = runs[below(runs.size())];
    // A random sub-run of at least one group.
    int len = 1 + static_cast<int>(below(static_cast<uint64_t>(re - rs)));
    int start = rs + static_cast<int>(below(static_cast<uint64_t>(re - rs - len + 1)));
    int end = start + len;
    // Parts index = group index for hex groups; the dotted part comes after them.
    return join(0, start) + "::" + join(end, total_parts);
}

std::string Generator::mapped_text(uint32_t a) {
    char buf[48];
    switch (below(6)) {
        case 0:
            return "::ffff:" + v4_text(a);
        case 1:
            return "::FFFF:" + v4_text(a);
        case 2:
            return "0:0:0:0:0:ffff:" + v4_text(a);
        case 3:
            std::snprintf(buf, sizeof buf, "::ffff:%x:%x", a >> 16, a & 0xffff);
            return buf;
        case 4:
            std::snprintf(buf, sizeof buf, "0000:0000:0000:0000:0000:FFFF:%04X:%04X", a >> 16,
                          a & 0xffff);
            return buf;
        default:
            return v6_text(mapped_of(a));
    }
}

std::string Generator::comment() {
    std::string c = ";";
    size_t n = below(30);
    for (size_t i = 0; i < n; ++i)
        c += static_cast<char>(0x20 + below(0x7f - 0x20));
    return c;
}

std::string Generator::entry(Op& op) {
    auto sep = [&](char c) { return ws() + c + ws(); };
    unsigned kind = static_cast<unsigned>(below(100));
    if (kind < 14) {  // IPv4 single
        uint32_t a = v4_addr();
        v4_recent_.push_back(a);
        op.first = op.last = a;
        return v4_text(a);
    }
    if (kind < 28) {  // IPv4 range
        uint32_t a = v4_addr(), b = v4_addr();
        if (a > b)
            std::swap(a, b);
        if (fine_ || chance(20)) {
            b = a + static_cast<uint32_t>(std::min<uint64_t>(below(fine_ ? 300 : 3), kV4Max - a));
        }
        v4_recent_.push_back(a);
        v4_recent_.push_back(b + 1);
        op.first = a;
        op.last = b;
        return v4_text(a) + sep('-') + v4_text(b);
    }
    if (kind < 42) {  // IPv4 prefix
        unsigned len = fine_        ? 26 + static_cast<unsigned>(below(7))
                       : chance(70) ? 20 + static_cast<unsigned>(below(13))
                                    : 1 + static_cast<unsigned>(below(32));
        uint32_t host = len == 32 ? 0 : (kV4Max >> len);
        uint32_t a = v4_addr() & ~host;
        v4_recent_.push_back(a);
        v4_recent_.push_back(a + host + 1);
        op.first = a;
        op.last = a | host;
        return v4_text(a) + sep('/') + std::to_string(len);
    }
    if (kind < 52) {  // IPv6 single (may land in the mapped block: then it is IPv4)
        Uint128 a = v6_addr();
        v6_recent_.push_back(a);
        op.v6 = true;
        op.first = op.last = a;
        return v6_text(a);
    }
    if (kind < 62) {  // IPv6 range; both ends on the same side of "mapped or not"
        Uint128 a, b;
        do {
            a = v6_addr();
            b = fine_ ? std::max(a, a + below(1u << 16)) : chance(20) ? a + below(3) : v6_addr();
            if (a > b)
                std::swap(a, b);
        } while (in_mapped_block(a) != in_mapped_block(b));
        v6_recent_.push_back(a);
        v6_recent_.push_back(b + 1);
        op.v6 = true;
        op.first = a;
        op.last = b;
        return v6_text(a) + sep('-') + v6_text(b);
    }
    if (kind < 72) {  // IPv6 prefix
        unsigned len = fine_        ? 118 + static_cast<unsigned>(below(11))
                       : chance(70) ? 100 + static_cast<unsigned>(below(29))
                                    : 1 + static_cast<unsigned>(below(128));
        Uint128 host = len == 128 ? 0 : (kAllOnes >> len);
        Uint128 a = v6_addr() & ~host;
        if (len <= 96 && in_mapped_block(a)) {
            // Only ::ffff:0:0/96 gets here, and a mapped prefix must be 97..128 (ours).
            len = 97 + static_cast<unsigned>(below(32));
            host = kAllOnes >> len;
            a = v6_addr() & ~host;
        }
        v6_recent_.push_back(a);
        v6_recent_.push_back(a + host + 1);
        op.v6 = true;
        op.first = a;
        op.last = a | host;
        // An address in the mapped block with a prefix of 97..128 is a mapped prefix;
        // <= 96 cannot start in the block (its host bits would clear the ffff).
        return v6_text(a) + sep('/') + std::to_string(len);
    }
    if (kind < 78) {  // mapped single
        uint32_t a = v4_addr();
        v4_recent_.push_back(a);
        op.v6 = true;
        op.first = op.last = mapped_of(a);
        return mapped_text(a);
    }
    if (kind < 84) {  // range with at least one mapped end
        uint32_t a = v4_addr();
        uint32_t b = fine_ ? std::max(a, a + static_cast<uint32_t>(below(300))) : v4_addr();
        if (a > b)
            std::swap(a, b);
        v4_recent_.push_back(a);
        v4_recent_.push_back(b + 1);
        bool first_mapped = chance(60);
        bool last_mapped = !first_mapped || chance(50);
        op.v6 = first_mapped;  // either record is right: both mean the same addresses
        op.first = first_mapped ? mapped_of(a) : a;
        op.last = first_mapped ? mapped_of(b) : b;
        return (first_mapped ? mapped_text(a) : v4_text(a)) + sep('-') +
               (last_mapped ? mapped_text(b) : v4_text(b));
    }
    if (kind < 90) {  // mapped prefix /97../128
        unsigned len4 = fine_        ? 26 + static_cast<unsigned>(below(7))
                        : chance(70) ? 16 + static_cast<unsigned>(below(17))
                                     : 1 + static_cast<unsigned>(below(32));
        uint32_t host = len4 == 32 ? 0 : (kV4Max >> len4);
        uint32_t a = v4_addr() & ~host;
        v4_recent_.push_back(a);
        op.v6 = true;
        op.first = mapped_of(a);
        op.last = mapped_of(a | host);
        return mapped_text(a) + sep('/') + std::to_string(96 + len4);
    }
    // IPv6 lines that cover the whole mapped block.
    if (fine_)
        return entry(op);
    op.v6 = true;
    if (chance(50)) {
        unsigned len = 65 + static_cast<unsigned>(below(16));  // ::/65 .. ::/80
        op.first = 0;
        op.last = kAllOnes >> len;
        return v6_text(0) + sep('/') + std::to_string(len);
    }
    Uint128 lo = kMappedBlockFirst - 1 - below(chance(50) ? 4 : 1u << 20);
    Uint128 hi = kMappedBlockLast + 1 + below(chance(50) ? 4 : 1u << 20);
    v6_recent_.push_back(lo);
    v6_recent_.push_back(hi + 1);
    op.first = lo;
    op.last = hi;
    return v6_text(lo) + sep('-') + v6_text(hi);
}

GeneratedList Generator::list(size_t max_ops, bool fine) {
    new_clusters();
    fine_ = fine;
    dense_ = !fine && chance(25);
    GeneratedList out;
    size_t n_ops = fine ? max_ops / 2 + below(max_ops / 2 + 1) : below(max_ops + 1);
    unsigned exclude_percent = static_cast<unsigned>(below(fine ? 20 : 50));
    unsigned eol_style = static_cast<unsigned>(below(3));  // LF, CRLF, mixed
    std::vector<std::string> lines;
    while (out.ops.size() < n_ops || chance(10)) {
        if (chance(15)) {  // filler
            switch (below(4)) {
                case 0:
                    lines.push_back("");
                    break;
                case 1:
                    lines.push_back(ws() + ws());
                    break;
                default:
                    lines.push_back(ws() + comment());
                    break;
            }
            continue;
        }
        if (out.ops.size() >= n_ops)
            break;
        Op op;
        op.exclude = chance(exclude_percent);
        std::string line = ws();
        if (op.exclude)
            line += "!" + ws();
        line += entry(op);
        line += ws();
        if (chance(25))
            line += comment();
        lines.push_back(line);
        out.ops.push_back(op);
        out.op_lines.push_back(static_cast<uint32_t>(lines.size()));
    }
    for (size_t i = 0; i < lines.size(); ++i) {
        out.text += lines[i];
        bool last = i + 1 == lines.size();
        if (last && !lines[i].empty() && chance(30))
            break;  // no final line end
        bool crlf = eol_style == 1 || (eol_style == 2 && chance(50));
        out.text += crlf ? "\r\n" : "\n";
    }
    out.lines = static_cast<uint32_t>(lines.size());
    return out;
}

}  // namespace mg::lists::naive
