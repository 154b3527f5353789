// Property test for the whole lists/ pipeline against a naive reference.
//
// The generator in naive_reference.h writes random Network Address Lists as TEXT
// (singles, ranges, prefixes, `!` exclusions, comments, blank lines, random white space
// and line ends; IPv4, IPv6 and IPv4-mapped forms; some lists packed densely into one
// block, some with thousands of intervals) and keeps its own record of what every line
// means. parse_list + compile + AddressList, and a Classifier over several lists, must
// agree with the naive scan of that record for random and boundary addresses in IPv4,
// IPv6 and mapped form, through every lookup entry point; the canonical printing of
// every compiled list must round-trip. Fixed seeds: a failure names its seed and list.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lists/lists.h"
#include "tests/lists/naive_reference.h"

namespace mg::lists {
namespace {

using naive::GeneratedList;
using naive::Generator;
using naive::kAllOnes;
using naive::kV4Max;

// ============================================================================ checks

// Shows a list in failure messages with its control characters visible.
std::string visible(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\v') {
            out += "\\v";
        } else {
            out += c;
        }
    }
    return out;
}

class Mismatches {
  public:
    explicit Mismatches(std::string context) : context_(std::move(context)) {}

    // Reports a mismatch (up to a few per context; the rest are only counted).
    template <typename Want, typename Got>
    void check(bool ok, const char* what, const std::string& key, Want want, Got got) {
        if (ok || count_ >= kMaxReported) {
            count_ += !ok;
            return;
        }
        ++count_;
        ADD_FAILURE() << context_ << "\n  " << what << "(" << key << "): want " << want << ", got "
                      << got;
    }
    bool too_many() const { return count_ >= kMaxReported; }

  private:
    static constexpr int kMaxReported = 8;
    std::string context_;
    int count_ = 0;
};

// Boundary and random query keys for a group of lists.
struct Queries {
    std::vector<uint32_t> v4;
    std::vector<Uint128> v6;  // raw IPv6 keys, some inside the mapped block
};

// Boundaries come from at most about `max_boundary_ops` ops of each list.
Queries make_queries(const std::vector<GeneratedList>& group,
                     Generator& gen,
                     size_t max_boundary_ops) {
    Queries q;
    q.v4 = {0, 1, kV4Max - 1, kV4Max, 0x7fffffffu, 0x80000000u};
    q.v6 = {0,
            1,
            kAllOnes - 1,
            kAllOnes,
            kMappedFirst - 1,
            kMappedFirst,
            kMappedLast,
            kMappedLast + 1,
            Uint128{1} << 127,
            (Uint128{1} << 127) - 1};
    auto add4 = [&](uint32_t first, uint32_t last) {
        for (uint32_t k : {first - 1, first, first + 1, last - 1, last, last + 1})
            q.v4.push_back(k);
    };
    for (const auto& l : group) {
        for (const auto& op : l.ops) {
            if (l.ops.size() > max_boundary_ops && gen.below(l.ops.size()) >= max_boundary_ops) {
                continue;
            }
            if (!op.v6) {
                add4(static_cast<uint32_t>(op.first), static_cast<uint32_t>(op.last));
                continue;
            }
            for (Uint128 k :
                 {op.first - 1, op.first, op.first + 1, op.last - 1, op.last, op.last + 1}) {
                q.v6.push_back(k);
            }
            if (op.first <= kMappedLast && op.last >= kMappedFirst) {  // its IPv4 part
                add4(static_cast<uint32_t>(std::max(op.first, kMappedFirst)),
                     static_cast<uint32_t>(std::min(op.last, kMappedLast)));
            }
        }
    }
    for (int i = 0; i < 150; ++i) {
        q.v4.push_back(static_cast<uint32_t>(gen.rng()()));
        q.v4.push_back(gen.v4_addr());
        q.v6.push_back(gen.random128());
        q.v6.push_back(gen.v6_addr());
    }
    std::sort(q.v4.begin(), q.v4.end());
    q.v4.erase(std::unique(q.v4.begin(), q.v4.end()), q.v4.end());
    std::sort(q.v6.begin(), q.v6.end());
    q.v6.erase(std::unique(q.v6.begin(), q.v6.end()), q.v6.end());
    // Shuffle so batch groups mix hits, misses and table levels.
    std::shuffle(q.v4.begin(), q.v4.end(), gen.rng());
    std::shuffle(q.v6.begin(), q.v6.end(), gen.rng());
    return q;
}

void expect_valid_set(const AddressSet& s, Mismatches& m) {
    for (size_t i = 0; i < s.v4.size(); ++i) {
        m.check(s.v4[i].first <= s.v4[i].last, "v4 interval first <= last", std::to_string(i), 1,
                0);
        if (i > 0) {
            m.check(s.v4[i - 1].last < kV4Max && s.v4[i - 1].last + 1 < s.v4[i].first,
                    "v4 intervals sorted, disjoint, not adjacent", std::to_string(i), 1, 0);
        }
    }
    for (size_t i = 0; i < s.v6.size(); ++i) {
        m.check(s.v6[i].first <= s.v6[i].last, "v6 interval first <= last", std::to_string(i), 1,
                0);
        m.check(s.v6[i].last < kMappedFirst || s.v6[i].first > kMappedLast,
                "v6 interval outside the mapped block", std::to_string(i), 1, 0);
        if (i > 0) {
            m.check(s.v6[i - 1].last < kAllOnes && s.v6[i - 1].last + 1 < s.v6[i].first,
                    "v6 intervals sorted, disjoint, not adjacent", std::to_string(i), 1, 0);
        }
    }
}

// One list: parse structure, AddressSet, AddressList (single and batch), round trip.
void check_list(const GeneratedList& g, const AddressSet& set, const Queries& q, Mismatches& m) {
    expect_valid_set(set, m);
    AddressList list(set);
    std::vector<uint32_t> want4(q.v4.size());
    for (size_t i = 0; i < q.v4.size(); ++i) {
        uint32_t k = q.v4[i];
        bool want = naive::contains_v4(g.ops, k);
        want4[i] = want;
        std::string key = format_ipv4(k);
        Uint128 mk = naive::mapped_of(k);
        m.check(list.contains_v4(k) == want, "contains_v4", key, want, !want);
        m.check(list.contains(Address::v4(k)) == want, "contains(v4)", key, want, !want);
        m.check(set.contains(Address::v4(k)) == want, "AddressSet::contains(v4)", key, want, !want);
        m.check(list.contains_v6(mk) == want, "contains_v6(mapped)", key, want, !want);
        m.check(list.contains(Address::v6(mk)) == want, "contains(Address::v6(mapped))", key, want,
                !want);
        m.check(list.contains(Address{Family::kV6, mk}) == want, "contains(raw v6 mapped)", key,
                want, !want);
        m.check(set.contains(Address{Family::kV6, mk}) == want,
                "AddressSet::contains(raw v6 mapped)", key, want, !want);
        if (m.too_many())
            return;
    }
    std::vector<uint32_t> want6(q.v6.size());
    for (size_t i = 0; i < q.v6.size(); ++i) {
        Uint128 k = q.v6[i];
        bool want = naive::contains_v6(g.ops, k);
        want6[i] = want;
        std::string key = format_ipv6(k);
        m.check(list.contains_v6(k) == want, "contains_v6", key, want, !want);
        m.check(list.contains(Address::v6(k)) == want, "contains(Address::v6)", key, want, !want);
        m.check(list.contains(Address{Family::kV6, k}) == want, "contains(raw v6)", key, want,
                !want);
        m.check(set.contains(Address::v6(k)) == want, "AddressSet::contains(v6)", key, want, !want);
        if (m.too_many())
            return;
    }
    std::vector<uint32_t> out4(q.v4.size() + 1, 0xdeadbeef);
    list.contains_v4_batch(q.v4.data(), out4.data(), q.v4.size());
    for (size_t i = 0; i < q.v4.size(); ++i) {
        m.check(out4[i] == want4[i], "contains_v4_batch", format_ipv4(q.v4[i]), want4[i], out4[i]);
    }
    m.check(out4.back() == 0xdeadbeefu, "contains_v4_batch wrote past n", "", 0, 1);
    // The v6 batch: raw IPv6 keys and the mapped form of every IPv4 key, interleaved.
    std::vector<Uint128> keys6;
    std::vector<uint32_t> wantb;
    for (size_t i = 0; i < std::max(q.v4.size(), q.v6.size()); ++i) {
        if (i < q.v6.size()) {
            keys6.push_back(q.v6[i]);
            wantb.push_back(want6[i]);
        }
        if (i < q.v4.size()) {
            keys6.push_back(naive::mapped_of(q.v4[i]));
            wantb.push_back(want4[i]);
        }
    }
    std::vector<uint32_t> out6(keys6.size() + 1, 0xdeadbeef);
    list.contains_v6_batch(keys6.data(), out6.data(), keys6.size());
    for (size_t i = 0; i < keys6.size(); ++i) {
        m.check(out6[i] == wantb[i], "contains_v6_batch", format_ipv6(keys6[i]), wantb[i], out6[i]);
    }
    m.check(out6.back() == 0xdeadbeefu, "contains_v6_batch wrote past n", "", 0, 1);

    // Canonical text round trip.
    std::string canonical = format_list(set);
    auto again = compile_list(canonical);
    m.check(again.ok(), "canonical text parses", canonical, "ok",
            again.ok() ? std::string() : again.error().format());
    if (again.ok()) {
        m.check(again.value() == set, "canonical text compiles to the same set", canonical, "same",
                "different");
        m.check(format_list(again.value()) == canonical, "canonical text is a fixed point",
                canonical, canonical, format_list(again.value()));
    }
}

void check_classifier(const std::vector<GeneratedList>& group,
                      const Classifier& c,
                      const Queries& q,
                      Mismatches& m) {
    std::vector<std::vector<naive::Op>> ops;
    for (const auto& g : group)
        ops.push_back(g.ops);
    std::vector<uint32_t> want4(q.v4.size()), want6(q.v6.size());
    for (size_t i = 0; i < q.v4.size(); ++i) {
        uint32_t k = q.v4[i];
        uint32_t want = want4[i] = naive::mask_v4(ops, k);
        std::string key = format_ipv4(k);
        m.check(c.classify_v4(k) == want, "classify_v4", key, want, c.classify_v4(k));
        m.check(c.classify(Address::v4(k)) == want, "classify(v4)", key, want,
                c.classify(Address::v4(k)));
        Uint128 mk = naive::mapped_of(k);
        m.check(c.classify_v6(mk) == want, "classify_v6(mapped)", key, want, c.classify_v6(mk));
        m.check(c.classify(Address{Family::kV6, mk}) == want, "classify(raw v6 mapped)", key, want,
                c.classify(Address{Family::kV6, mk}));
        if (m.too_many())
            return;
    }
    for (size_t i = 0; i < q.v6.size(); ++i) {
        Uint128 k = q.v6[i];
        uint32_t want = want6[i] = naive::mask_v6(ops, k);
        std::string key = format_ipv6(k);
        m.check(c.classify_v6(k) == want, "classify_v6", key, want, c.classify_v6(k));
        m.check(c.classify(Address::v6(k)) == want, "classify(v6)", key, want,
                c.classify(Address::v6(k)));
        if (m.too_many())
            return;
    }
    std::vector<uint32_t> out4(q.v4.size());
    c.classify_v4_batch(q.v4.data(), out4.data(), q.v4.size());
    for (size_t i = 0; i < q.v4.size(); ++i) {
        m.check(out4[i] == want4[i], "classify_v4_batch", format_ipv4(q.v4[i]), want4[i], out4[i]);
    }
    // Raw IPv6 keys and mapped keys interleaved in one batch.
    std::vector<Uint128> keys6;
    std::vector<uint32_t> wantb;
    for (size_t i = 0; i < std::max(q.v4.size(), q.v6.size()); ++i) {
        if (i < q.v4.size()) {
            keys6.push_back(naive::mapped_of(q.v4[i]));
            wantb.push_back(want4[i]);
        }
        if (i < q.v6.size()) {
            keys6.push_back(q.v6[i]);
            wantb.push_back(want6[i]);
        }
    }
    std::vector<uint32_t> out6(keys6.size());
    c.classify_v6_batch(keys6.data(), out6.data(), keys6.size());
    for (size_t i = 0; i < keys6.size(); ++i) {
        m.check(out6[i] == wantb[i], "classify_v6_batch", format_ipv6(keys6[i]), wantb[i], out6[i]);
    }
}

struct RunStats {
    size_t lists = 0;
    size_t ops = 0;
    size_t intervals = 0;
    size_t max_intervals = 0;  // in one list
    size_t v4_queries = 0;
    size_t v6_queries = 0;
    size_t with_mapped_cover = 0;  // lists with an IPv6 line over the mapped block
};

// Generates `groups` groups of `per_group` lists from `seed` and checks them all.
void run(uint64_t seed,
         int groups,
         size_t per_group,
         size_t max_ops,
         RunStats& stats,
         size_t max_boundary_ops = 1000,
         bool fine = false) {
    Generator gen(seed);
    for (int gi = 0; gi < groups; ++gi) {
        std::vector<GeneratedList> group;
        std::vector<NamedList> named;
        bool group_ok = true;
        for (size_t li = 0; li < per_group; ++li) {
            GeneratedList g = gen.list(max_ops, fine);
            std::ostringstream ctx;
            ctx << "seed " << seed << ", group " << gi << ", list " << li << ":\n---\n"
                << visible(g.text) << "\n---";
            SCOPED_TRACE(ctx.str());
            auto parsed = parse_list(g.text);
            if (!parsed.ok()) {
                ADD_FAILURE() << "a valid generated list was rejected:\n"
                              << parsed.error().format();
                group_ok = false;
                continue;
            }
            // The parser found the lines the generator wrote, no more, no fewer.
            EXPECT_EQ(parsed->lines, g.lines);
            if (parsed->ops.size() != g.ops.size()) {
                ADD_FAILURE() << "ops: want " << g.ops.size() << ", got " << parsed->ops.size();
                group_ok = false;
                continue;
            }
            for (size_t i = 0; i < g.ops.size(); ++i) {
                EXPECT_EQ(parsed->ops[i].line, g.op_lines[i]) << "op " << i;
                EXPECT_EQ(parsed->ops[i].exclude, g.ops[i].exclude) << "op " << i;
            }
            AddressSet set = compile(parsed->ops);
            auto direct = compile_list(g.text);
            ASSERT_TRUE(direct.ok());
            EXPECT_TRUE(direct.value() == set);

            stats.lists++;
            stats.ops += g.ops.size();
            stats.intervals += set.interval_count();
            stats.max_intervals = std::max(stats.max_intervals, set.interval_count());
            for (const auto& op : g.ops) {
                if (op.v6 && op.first < kMappedFirst && op.last > kMappedLast) {
                    stats.with_mapped_cover++;
                    break;
                }
            }
            group.push_back(std::move(g));
            named.push_back({"list" + std::to_string(li), std::move(set)});
        }
        if (!group_ok)
            continue;
        Queries q = make_queries(group, gen, max_boundary_ops);
        stats.v4_queries += q.v4.size();
        stats.v6_queries += q.v6.size();
        for (size_t li = 0; li < group.size(); ++li) {
            std::ostringstream ctx;
            ctx << "seed " << seed << ", group " << gi << ", list " << li << ":\n---\n"
                << visible(group[li].text) << "\n---";
            Mismatches m(ctx.str());
            check_list(group[li], named[li].set, q, m);
        }
        auto c = Classifier::build(named);
        ASSERT_TRUE(c.ok()) << c.error().message;
        std::ostringstream ctx;
        ctx << "seed " << seed << ", group " << gi << " (classifier over " << group.size()
            << " lists)";
        Mismatches m(ctx.str());
        check_classifier(group, c.value(), q, m);
    }
}

TEST(ListsProperty, SmallListsAgreeWithNaiveReference) {
    RunStats stats;
    for (uint64_t seed : {1u, 2u, 3u, 4u})
        run(seed, 40, 3, 12, stats);
    EXPECT_EQ(stats.lists, 480u);
    // The generator must actually produce what the test claims to cover.
    EXPECT_GT(stats.ops, 2000u);
    EXPECT_GT(stats.with_mapped_cover, 20u);
}

TEST(ListsProperty, LargerListsAgreeWithNaiveReference) {
    RunStats stats;
    for (uint64_t seed : {101u, 102u})
        run(seed, 30, 4, 80, stats);
    EXPECT_EQ(stats.lists, 240u);
    EXPECT_GT(stats.ops, 6000u);
    EXPECT_GT(stats.with_mapped_cover, 20u);
}

TEST(ListsProperty, ManyListsInOneClassifier) {
    RunStats stats;
    run(201, 3, Classifier::kMaxLists, 40, stats);
    EXPECT_EQ(stats.lists, 3 * Classifier::kMaxLists);
}

// A few big lists: more boundaries than a small table root holds, and dense blocks.
TEST(ListsProperty, BigListsAgreeWithNaiveReference) {
    RunStats stats;
    run(301, 2, 2, 2500, stats, 300, /*fine=*/true);
    EXPECT_EQ(stats.lists, 4u);
    EXPECT_GT(stats.max_intervals, 1100u);
}

// ============================================================================ errors

// Known-bad lines (the column is the 1-based column within the template) inserted
// into valid generated lists: the parse fails, every bad line is reported at its line
// and column, and nothing else is.
TEST(ListsProperty, InsertedBadLinesAreAllReported) {
    struct Bad {
        const char* text;
        uint32_t column;
        bool at_end = false;  // the error is at the end of the line: no '\r' after it
    };
    const Bad kBad[] = {
        {"1.2.3.4/33", 9},
        {"2.2.2.2-1.1.1.1", 1},
        {"garbage", 1},
        {"!", 2, true},
        {"::/0", 4},
        {"1.2.3.1/24", 1},
        {"1.1.1.1-::1", 1},
        {"1.2.3.4 x", 9},
        {"::ffff:1.0.0.0/96", 16},
        {"2001:db8::/129", 12},
        {"1.2.3.4-", 9, true},
        {"fe80::1%eth0", 1},
        {"10.0.0.0/8 ;\x01", 13},
        {"1.2.3.256", 1},
    };
    Generator gen(401);
    for (int round = 0; round < 150; ++round) {
        GeneratedList g = gen.list(15);
        std::vector<std::string> lines;
        {
            std::string text = g.text;
            if (text.empty() || text.back() != '\n')
                text += '\n';
            size_t pos = 0;
            while (pos < text.size()) {
                size_t eol = text.find('\n', pos);
                lines.push_back(text.substr(pos, eol - pos));
                pos = eol + 1;
            }
        }
        struct Expected {
            uint32_t line;
            uint32_t column;
        };
        size_t n_bad = 1 + gen.below(kMaxReportedErrors + 5);
        std::vector<bool> is_bad(lines.size(), false);
        std::vector<uint32_t> bad_column(lines.size(), 0);
        for (size_t i = 0; i < n_bad; ++i) {
            size_t at = gen.below(lines.size() + 1);
            const Bad& b = kBad[gen.below(std::size(kBad))];
            std::string lead = gen.ws();
            lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at),
                         lead + b.text + (!b.at_end && gen.chance(30) ? "\r" : ""));
            is_bad.insert(is_bad.begin() + static_cast<std::ptrdiff_t>(at), true);
            bad_column.insert(bad_column.begin() + static_cast<std::ptrdiff_t>(at),
                              static_cast<uint32_t>(lead.size()) + b.column);
        }
        std::string text;
        std::vector<Expected> expected;
        for (size_t i = 0; i < lines.size(); ++i) {
            text += lines[i] + "\n";
            if (is_bad[i])
                expected.push_back({static_cast<uint32_t>(i + 1), bad_column[i]});
        }
        SCOPED_TRACE(visible(text));
        auto r = parse_list(text);
        ASSERT_FALSE(r.ok());
        const ListErrors& e = r.error();
        EXPECT_EQ(e.total, expected.size());
        ASSERT_EQ(e.errors.size(), std::min(expected.size(), kMaxReportedErrors));
        for (size_t i = 0; i < e.errors.size(); ++i) {
            EXPECT_EQ(e.errors[i].line, expected[i].line) << i;
            EXPECT_EQ(e.errors[i].column, expected[i].column) << i << ": " << e.errors[i].message;
        }
        EXPECT_FALSE(compile_list(text).ok());
    }
}

}  // namespace
}  // namespace mg::lists
