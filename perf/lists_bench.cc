// lists_bench: our list lookup structure (lists/AddressList) against DPDK's
// rte_fib (DIR24_8) and rte_lpm for IPv4, rte_fib6 (TRIE) and rte_lpm6 for IPv6,
// on the same generated lists. DESIGN.md "Measuring": the ratio is the result.
//
//   lists_bench [--json] [--smoke] [--sizes 100,10k,100k] [--no-hugepages] [--avx512]
//
// For each family and list size it prints lookups/s (single, batched, sequential),
// memory and build time of every structure and our ratio to each peer, after
// checking that every structure gives the same answer for every lookup key (a
// mismatch aborts, in --smoke too). perf/README.md explains and records the figures.
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lists/lists.h"
#include "perf/dpdk_peers.h"
#include "perf/list_gen.h"

namespace mg::perf {
namespace {

using lists::AddressList;
using lists::AddressSet;
using lists::Uint128;
using Clock = std::chrono::steady_clock;

struct Options {
    bool json = false;
    bool smoke = false;
    EalOptions eal;
    std::vector<size_t> sizes = {100, 10'000, 100'000};
    size_t keys = size_t{1} << 20;  // lookup keys per set (a multiple of kBurst)
    double run_seconds = 0.4;       // length of one timed run
    int runs = 3;                   // timed runs per figure; the best counts
    int builds = 3;                 // builds per structure; the fastest counts
};

// A peer build slower than this is not repeated (rte_lpm takes seconds on 100k lines).
constexpr double kSlowBuildMs = 1000;

volatile uint64_t g_sink;  // defeats dead-code elimination of the lookup loops

[[noreturn]] void fatal(const std::string& message) {
    std::fprintf(stderr, "\nlists_bench: FATAL: %s\n", message.c_str());
    std::fflush(stderr);
    remove_eal_runtime_dir();
    std::abort();
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}
double ms_since(Clock::time_point t0) {
    return seconds_since(t0) * 1e3;
}

std::string size_label(size_t n) {
    if (n >= 1000 && n % 1000 == 0)
        return std::to_string(n / 1000) + "k";
    return std::to_string(n);
}

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

// ---- the families ------------------------------------------------------------------

// Our structure behind the same interface as the peers, so that all are measured by
// the same code. Single lookups call the inline contains_*; batches go through
// contains_*_batch kBurst keys at a time.
// The family-specific calls, so one class serves both families.
bool contains(const AddressList& l, uint32_t k) {
    return l.contains_v4(k);
}
bool contains(const AddressList& l, const Uint128& k) {
    return l.contains_v6(k);
}
void contains_batch(const AddressList& l, const uint32_t* k, uint32_t* out, size_t n) {
    l.contains_v4_batch(k, out, n);
}
void contains_batch(const AddressList& l, const Uint128* k, uint32_t* out, size_t n) {
    l.contains_v6_batch(k, out, n);
}

template <typename Base, typename KeySet>
class Ours final : public Base {
  public:
    explicit Ours(const AddressList& list) : list_(list) {}
    uint64_t run_single(const KeySet& keys) const override {
        uint64_t hits = 0;
        for (const auto& k : keys.host)
            hits += contains(list_, k);
        return hits;
    }
    uint64_t run_batch(const KeySet& keys) const override {
        uint64_t hits = 0;
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint32_t out[kBurst];
            contains_batch(list_, keys.host.data() + base, out, kBurst);
            for (uint32_t v : out)
                hits += v;
        }
        return hits;
    }
    void answers(const KeySet& keys, uint8_t* out) const override {
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint32_t r[kBurst];
            contains_batch(list_, keys.host.data() + base, r, kBurst);
            for (size_t j = 0; j < kBurst; ++j)
                out[base + j] = r[j] > 1 ? 0xff : uint8_t(r[j]);
        }
    }
    void single_answers(const KeySet& keys, uint8_t* out) const {
        for (size_t i = 0; i < keys.size(); ++i)
            out[i] = contains(list_, keys.host[i]);
    }

  private:
    const AddressList& list_;
};

using Ours4 = Ours<Peer4, Keys4>;
using Ours6 = Ours<Peer6, Keys6>;

struct V4 {
    using Key = uint32_t;
    using KeySet = Keys4;
    using Ours = Ours4;
    static constexpr const char* kName = "IPv4";
    static constexpr const char* kJsonName = "ipv4";
    static constexpr PeerKind kPeers[] = {PeerKind::kRteFib, PeerKind::kRteLpm};
    static std::string generate(size_t lines) { return generate_list_v4(lines); }
    static const std::vector<lists::Interval4>& intervals(const AddressSet& s) { return s.v4; }
    static KeySet random_keys(const AddressSet& s, size_t n) { return {lookup_keys_v4(s.v4, n)}; }
    static KeySet sequential(const AddressSet& s, size_t n) {
        return {sequential_keys_v4(s.v4, n)};
    }
    static lists::Address address(Key k) { return lists::Address::v4(k); }
    static PeerBuild<KeySet> build(PeerKind kind, const AddressSet& s) {
        auto prefixes = to_prefixes(s.v4);
        return build_peer4(kind, prefixes);
    }
    static size_t prefix_count(const AddressSet& s) { return to_prefixes(s.v4).size(); }
};

struct V6 {
    using Key = Uint128;
    using KeySet = Keys6;
    using Ours = Ours6;
    static constexpr const char* kName = "IPv6";
    static constexpr const char* kJsonName = "ipv6";
    static constexpr PeerKind kPeers[] = {PeerKind::kRteFib6, PeerKind::kRteLpm6};
    static std::string generate(size_t lines) { return generate_list_v6(lines); }
    static const std::vector<lists::Interval6>& intervals(const AddressSet& s) { return s.v6; }
    static KeySet random_keys(const AddressSet& s, size_t n) {
        return KeySet(lookup_keys_v6(s.v6, n));
    }
    static KeySet sequential(const AddressSet& s, size_t n) {
        return KeySet(sequential_keys_v6(s.v6, n));
    }
    static lists::Address address(Key k) { return lists::Address::v6(k); }
    static PeerBuild<KeySet> build(PeerKind kind, const AddressSet& s) {
        auto prefixes = to_prefixes(s.v6);
        return build_peer6(kind, prefixes);
    }
    static size_t prefix_count(const AddressSet& s) { return to_prefixes(s.v6).size(); }
};

// ---- measuring ---------------------------------------------------------------------

// One figure to measure: `pass` looks up every key once and returns the hit count.
// A run repeats the pass until it lasts about opt.run_seconds; the best run counts.
// The runs of all figures of one list are interleaved (round r of every structure,
// then round r + 1), so that a burst of other work on the machine hits every
// structure alike instead of skewing one ratio.
struct Meter {
    std::function<uint64_t()> pass;
    size_t keys = 0;         // per pass
    double* mlps = nullptr;  // where the result goes
    size_t passes = 1;       // per run
    uint64_t hits = 0;       // per pass
    double best = std::numeric_limits<double>::infinity();

    void calibrate(const Options& opt) {
        auto t0 = Clock::now();
        hits = pass();  // also warms the caches
        double one = std::max(seconds_since(t0), 1e-7);
        passes = std::max<size_t>(static_cast<size_t>(std::ceil(opt.run_seconds / one)), 1);
    }
    void run() {
        auto t = Clock::now();
        uint64_t sum = 0;
        for (size_t p = 0; p < passes; ++p)
            sum += pass();
        best = std::min(best, seconds_since(t));
        g_sink = g_sink + sum;
        if (sum != hits * passes)
            fatal("a structure's answers changed between passes");
        *mlps = static_cast<double>(passes * keys) / best / 1e6;
    }
};

void measure_all(std::vector<Meter>& meters, const Options& opt) {
    for (auto& m : meters)
        m.calibrate(opt);
    for (int r = 0; r < opt.runs; ++r) {
        for (auto& m : meters)
            m.run();
    }
}

struct Row {
    std::string name;
    std::string error;  // non-empty: the structure cannot hold the list
    std::string config;
    double single = 0, batch = 0, seq = 0;  // Mlps
    size_t bytes = 0;
    double build_ms = 0;
    double parse_ms = 0, compile_ms = 0, table_ms = 0;  // ours only
};

struct SizeResult {
    size_t lines = 0;
    size_t intervals = 0;
    size_t prefixes = 0;
    uint64_t hits = 0;      // random keys found in the list
    std::vector<Row> rows;  // ours first

    const Row* row(const char* name) const {
        for (const auto& r : rows) {
            if (r.name == name && r.error.empty())
                return &r;
        }
        return nullptr;
    }
};

template <typename F>
void verify(const char* family,
            size_t lines,
            const char* who,
            const char* key_set,
            const typename F::KeySet& keys,
            const std::vector<uint8_t>& expected,
            const std::vector<uint8_t>& got) {
    size_t bad = 0;
    std::string first;
    for (size_t i = 0; i < keys.size(); ++i) {
        if (expected[i] == got[i])
            continue;
        if (++bad <= 5) {
            first += format("\n  %s: expected %u, got %u",
                            lists::format_address(F::address(keys.host[i])).c_str(), expected[i],
                            got[i]);
        }
    }
    if (bad != 0) {
        fatal(format("%s %s-line list: %s disagrees with the compiled list on %zu of %zu %s keys",
                     family, size_label(lines).c_str(), who, bad, keys.size(), key_set) +
              first);
    }
}

// Builds, verifies and measures every structure for one list.
template <typename F>
SizeResult run_size(size_t lines, const Options& opt) {
    SizeResult res;
    res.lines = lines;
    std::string text = F::generate(lines);

    // Ours: list text -> lookup structure, the fastest of opt.builds.
    Row ours;
    ours.name = "mediagate";
    ours.build_ms = std::numeric_limits<double>::infinity();
    std::unique_ptr<AddressList> list;
    for (int b = 0; b < opt.builds; ++b) {
        list.reset();
        auto t0 = Clock::now();
        auto parsed = lists::parse_list(text);
        double parse = ms_since(t0);
        if (!parsed.ok())
            fatal("generated list does not parse:\n" + parsed.error().format());
        auto t1 = Clock::now();
        AddressSet set = lists::compile(parsed->ops);
        double compile = ms_since(t1);
        auto t2 = Clock::now();
        list = std::make_unique<AddressList>(std::move(set));
        double table = ms_since(t2);
        if (parse + compile + table < ours.build_ms) {
            ours.build_ms = parse + compile + table;
            ours.parse_ms = parse;
            ours.compile_ms = compile;
            ours.table_ms = table;
        }
    }
    ours.bytes = list->memory_bytes();
    const AddressSet& set = list->set();
    res.intervals = F::intervals(set).size();
    res.prefixes = F::prefix_count(set);

    auto keys = F::random_keys(set, opt.keys);
    auto seq = F::sequential(set, opt.keys);

    // The reference answers: binary search over the compiled intervals.
    std::vector<uint8_t> expect(keys.size()), expect_seq(seq.size()), got(keys.size());
    for (size_t i = 0; i < keys.size(); ++i)
        expect[i] = set.contains(F::address(keys.host[i]));
    for (size_t i = 0; i < seq.size(); ++i)
        expect_seq[i] = set.contains(F::address(seq.host[i]));
    for (uint8_t e : expect)
        res.hits += e;

    typename F::Ours mine(*list);
    const char* fam = F::kName;
    mine.single_answers(keys, got.data());
    verify<F>(fam, lines, "mediagate (single)", "random", keys, expect, got);
    mine.answers(keys, got.data());
    verify<F>(fam, lines, "mediagate (batch)", "random", keys, expect, got);
    mine.answers(seq, got.data());
    verify<F>(fam, lines, "mediagate (batch)", "sequential", seq, expect_seq, got);

    res.rows.push_back(ours);

    // The peers, each built opt.builds times (the fastest counts) and kept.
    std::vector<std::unique_ptr<Peer<typename F::KeySet>>> peers;
    for (PeerKind kind : F::kPeers) {
        Row row;
        row.name = peer_name(kind);
        PeerBuild<typename F::KeySet> best;
        double best_ms = std::numeric_limits<double>::infinity();
        for (int b = 0; b < opt.builds; ++b) {
            best.peer.reset();  // free the previous build first
            PeerBuild<typename F::KeySet> pb = F::build(kind, set);
            if (!pb.peer) {
                best = std::move(pb);
                break;
            }
            best_ms = std::min(best_ms, pb.build_ms);
            best = std::move(pb);
            if (best_ms > kSlowBuildMs)
                break;  // slow builds vary little; once is enough
        }
        row.config = best.config;
        if (!best.peer) {
            row.error = best.error;
        } else {
            row.build_ms = best_ms;
            row.bytes = best.bytes;
            best.peer->answers(keys, got.data());
            verify<F>(fam, lines, row.name.c_str(), "random", keys, expect, got);
            best.peer->answers(seq, got.data());
            verify<F>(fam, lines, row.name.c_str(), "sequential", seq, expect_seq, got);
        }
        res.rows.push_back(row);
        peers.push_back(std::move(best.peer));
    }

    std::vector<Meter> meters;
    auto add = [&](const Peer<typename F::KeySet>* st, Row& row) {
        meters.push_back({[st, &keys] { return st->run_single(keys); }, keys.size(), &row.single});
        meters.push_back({[st, &keys] { return st->run_batch(keys); }, keys.size(), &row.batch});
        meters.push_back({[st, &seq] { return st->run_batch(seq); }, seq.size(), &row.seq});
    };
    add(&mine, res.rows[0]);
    for (size_t i = 0; i < peers.size(); ++i) {
        if (peers[i])
            add(peers[i].get(), res.rows[i + 1]);
    }
    measure_all(meters, opt);
    return res;
}

// ---- reporting ---------------------------------------------------------------------

double ratio(double a, double b) {
    return b > 0 ? a / b : 0;
}

template <typename F>
void print_size(const SizeResult& r, const Options& opt) {
    std::printf(
        "\n== %s, %s lines: %zu intervals after exclusions, %zu prefixes for the peers;"
        " %llu of %zu random keys in the list ==\n",
        F::kName, size_label(r.lines).c_str(), r.intervals, r.prefixes,
        static_cast<unsigned long long>(r.hits), opt.keys);
    std::printf("%-10s | %11s | %10s | %8s | %10s | %8s\n", "structure", "Mlps single",
                "Mlps batch", "Mlps seq", "bytes", "build ms");
    std::printf("-----------+-------------+------------+----------+------------+---------\n");
    for (const auto& row : r.rows) {
        if (!row.error.empty()) {
            std::printf("%-10s | cannot hold this list: %s\n", row.name.c_str(), row.error.c_str());
            continue;
        }
        std::printf("%-10s | %11.1f | %10.1f | %8.1f | %10zu | %8.2f\n", row.name.c_str(),
                    row.single, row.batch, row.seq, row.bytes, row.build_ms);
    }
    const Row& ours = r.rows.front();
    std::printf("mediagate build: parse %.2f + compile %.2f + table %.2f ms\n", ours.parse_ms,
                ours.compile_ms, ours.table_ms);
    for (size_t i = 1; i < r.rows.size(); ++i) {
        const Row& p = r.rows[i];
        std::printf("%s: %s\n", p.name.c_str(), p.config.c_str());
    }
    for (size_t i = 1; i < r.rows.size(); ++i) {
        const Row& p = r.rows[i];
        if (!p.error.empty()) {
            std::printf("mediagate/%s batch ratio: n/a (%s cannot hold the list)\n", p.name.c_str(),
                        p.name.c_str());
            continue;
        }
        std::printf(
            "mediagate/%s batch ratio: %.2fx  (single %.2fx, seq %.2fx; "
            "bytes %.3fx, build time %.2fx of the peer's)\n",
            p.name.c_str(), ratio(ours.batch, p.batch), ratio(ours.single, p.single),
            ratio(ours.seq, p.seq), ratio(double(ours.bytes), double(p.bytes)),
            ratio(ours.build_ms, p.build_ms));
    }
    std::printf(
        "answers: every structure agrees with the compiled list on all %zu random and "
        "%zu sequential keys\n",
        opt.keys, opt.keys);
    std::fflush(stdout);
}

struct Target {
    std::string text;
    std::string value;
    bool measured = false;
    bool met = false;
};

const SizeResult* find_size(const std::vector<SizeResult>& v, size_t lines) {
    for (const auto& r : v) {
        if (r.lines == lines)
            return &r;
    }
    return nullptr;
}

std::vector<Target> targets(const std::vector<SizeResult>& v4, const std::vector<SizeResult>& v6) {
    std::vector<Target> out;
    auto speed = [&](const char* text, const std::vector<SizeResult>& v, const char* peer,
                     double want) {
        Target t{text, "not measured (no 10k list in this run)", false, false};
        if (const SizeResult* r = find_size(v, 10'000)) {
            const Row* p = r->row(peer);
            if (p == nullptr) {
                t.value = std::string(peer) + " cannot hold the list";
            } else {
                double x = ratio(r->rows.front().batch, p->batch);
                t.measured = true;
                t.met = x >= want;
                t.value = format("%.2fx", x);
                if (!t.met)
                    t.value += format(" (%.0f%% short)", (1 - x / want) * 100);
            }
        }
        out.push_back(t);
    };
    speed("IPv4 batched >= 2.5x rte_fib, 10k list", v4, "rte_fib", 2.5);
    speed("IPv6 batched >= 2x rte_fib6, 10k list", v6, "rte_fib6", 2.0);
    auto limit = [&](const char* text, const std::vector<SizeResult>& v, size_t lines, bool bytes,
                     double want) {
        Target t{text, "not measured (size not in this run)", false, false};
        if (const SizeResult* r = find_size(v, lines)) {
            const Row& o = r->rows.front();
            double x = bytes ? double(o.bytes) : o.build_ms;
            t.measured = true;
            t.met = x <= want;
            t.value = bytes ? format("%zu bytes (%.2f MiB)", o.bytes, x / 1048576.0)
                            : format("%.2f ms (compile step alone %.2f ms)", x, o.compile_ms);
            if (!t.met)
                t.value += format(", %.0f%% over", (x / want - 1) * 100);
        }
        out.push_back(t);
    };
    limit("IPv4 memory <= 1 MiB, 10k-line list", v4, 10'000, true, 1048576.0);
    limit("IPv6 memory <= 1 MiB, 10k-line list", v6, 10'000, true, 1048576.0);
    limit("IPv4 build (parse+compile+table) <= 50 ms, 100k-line list", v4, 100'000, false, 50);
    limit("IPv6 build (parse+compile+table) <= 50 ms, 100k-line list", v6, 100'000, false, 50);
    return out;
}

void print_targets(const std::vector<Target>& ts) {
    std::printf("\n== targets (informational; they never fail the run) ==\n");
    for (const auto& t : ts) {
        std::printf("%-60s %s%s\n", t.text.c_str(), t.value.c_str(),
                    !t.measured ? ""
                    : t.met     ? "  MET"
                                : "  MISSED");
    }
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += format("\\u%04x", c);
            continue;
        }
        out += c;
    }
    return out;
}

std::string json_family(const std::vector<SizeResult>& results) {
    std::string out = "{";
    for (size_t s = 0; s < results.size(); ++s) {
        const SizeResult& r = results[s];
        out += format(
            "%s\"%s\": {\"lines\": %zu, \"intervals\": %zu, \"prefixes\": %zu, "
            "\"hits\": %llu",
            s ? ", " : "", size_label(r.lines).c_str(), r.lines, r.intervals, r.prefixes,
            static_cast<unsigned long long>(r.hits));
        const Row& ours = r.rows.front();
        for (const Row& row : r.rows) {
            out += ", \"" + row.name + "\": {";
            if (!row.error.empty()) {
                out += "\"error\": \"" + json_escape(row.error) + "\", \"config\": \"" +
                       json_escape(row.config) + "\"}";
                continue;
            }
            out += format(
                "\"mlps_batch\": %.2f, \"mlps_single\": %.2f, \"mlps_seq\": %.2f, "
                "\"bytes\": %zu, \"build_ms\": %.3f",
                row.batch, row.single, row.seq, row.bytes, row.build_ms);
            if (&row == &ours) {
                out += format(", \"parse_ms\": %.3f, \"compile_ms\": %.3f, \"table_ms\": %.3f",
                              row.parse_ms, row.compile_ms, row.table_ms);
            } else {
                out += ", \"config\": \"" + json_escape(row.config) + "\"";
            }
            out += "}";
        }
        for (size_t i = 1; i < r.rows.size(); ++i) {
            const Row& p = r.rows[i];
            if (!p.error.empty())
                continue;
            const char* n = p.name.c_str();
            out += format(
                ", \"ratio_batch_vs_%s\": %.3f, \"ratio_single_vs_%s\": %.3f, "
                "\"ratio_seq_vs_%s\": %.3f, \"ratio_bytes_vs_%s\": %.4f, "
                "\"ratio_build_vs_%s\": %.3f",
                n, ratio(ours.batch, p.batch), n, ratio(ours.single, p.single), n,
                ratio(ours.seq, p.seq), n, ratio(double(ours.bytes), double(p.bytes)), n,
                ratio(ours.build_ms, p.build_ms));
        }
        out += "}";
    }
    return out + "}";
}

// Other work on the machine skews the figures; the report says how busy it was.
double load_average() {
    double load = -1;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load) != 1)
            load = -1;
        std::fclose(f);
    }
    return load;
}

void print_json(const EalInfo& eal,
                const Options& opt,
                const std::vector<SizeResult>& v4,
                const std::vector<SizeResult>& v6,
                const std::vector<Target>& ts) {
    std::string out = "{";
    out += format(
        "\"hugepages\": %s, \"dpdk\": \"%s\", \"eal_args\": \"%s\", "
        "\"batch_size\": %zu, \"keys\": %zu, \"smoke\": %s, \"load_average\": %.2f, "
        "\"lookup_keys\": \"half from inside the list's ranges, half uniform over the "
        "whole address space, random order; seq: consecutive addresses\"",
        eal.hugepages ? "true" : "false", json_escape(eal.version).c_str(),
        json_escape(eal.args).c_str(), kBurst, opt.keys, opt.smoke ? "true" : "false",
        load_average());
    out += ", \"ipv4\": " + json_family(v4);
    out += ", \"ipv6\": " + json_family(v6);
    out += ", \"targets\": [";
    for (size_t i = 0; i < ts.size(); ++i) {
        out += format("%s{\"target\": \"%s\", \"value\": \"%s\", \"met\": %s}", i ? ", " : "",
                      json_escape(ts[i].text).c_str(), json_escape(ts[i].value).c_str(),
                      !ts[i].measured ? "null"
                      : ts[i].met     ? "true"
                                      : "false");
    }
    out += "]}";
    std::printf("%s\n", out.c_str());
}

void print_preamble(const EalInfo& eal, const Options& opt) {
    std::string sizes;
    for (size_t s : opt.sizes)
        sizes += (sizes.empty() ? "" : ", ") + size_label(s);
    std::printf(
        "lists_bench: mediagate AddressList vs %s rte_fib/rte_lpm (IPv4), "
        "rte_fib6/rte_lpm6 (IPv6)%s\n",
        eal.version.c_str(), opt.smoke ? "  [--smoke: short timings]" : "");
    std::printf(
        "lists: generated by perf/list_gen (fixed seed), %s lines each, ~17%% '!' exclusion "
        "lines;\n  IPv4 over the whole space, IPv6 mostly in allocations under 2000::/3\n",
        sizes.c_str());
    std::printf(
        "lookup keys: %zu per set, half drawn from inside the list's ranges and half uniformly "
        "from\n  the whole address space, in random order; 'seq' = %zu consecutive addresses "
        "(batched calls), for reference\n",
        opt.keys, opt.keys);
    std::printf(
        "single = one call per key (rte_fib/rte_fib6 have no single-key lookup: their bulk call "
        "with n = 1);\n  batch = %zu keys per call, the dataplane burst size\n",
        kBurst);
    std::printf(
        "timing: steady_clock, best of %d runs of ~%.2f s each, the structures' runs "
        "interleaved;\n  Mlps = million lookups per second, 1 core\n",
        opt.runs, opt.run_seconds);
    std::printf("DPDK memory: hugepages used: %s; %s\n  EAL: %s\n", eal.hugepages ? "yes" : "no",
                eal.memory.c_str(), eal.args.c_str());
    std::printf("machine load at start (1-minute load average): %.2f\n", load_average());
    std::printf(
        "peers: the compiled list as minimal CIDR prefixes, next hop 1 (default 0 = not "
        "listed),\n  build = create + add every prefix (parsing and compiling not counted), "
        "bytes = DPDK heap growth\nmediagate: build = list text -> parse + compile + table, "
        "bytes = AddressList::memory_bytes()\n  (which includes the other family's empty "
        "table, %zu bytes); builds: fastest of %d\n",
        AddressList().memory_bytes() / 2, opt.builds);
    std::fflush(stdout);
}

size_t parse_size(const std::string& s) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(s.c_str(), &end, 10);
    std::string suffix = end ? end : "";
    if (suffix == "k" || suffix == "K")
        n *= 1000;
    else if (suffix == "m" || suffix == "M")
        n *= 1'000'000;
    else if (!suffix.empty())
        n = 0;
    return static_cast<size_t>(n);
}

[[noreturn]] void usage(int code) {
    std::fprintf(code ? stderr : stdout,
                 "usage: lists_bench [--json] [--smoke] [--sizes 100,10k,100k] [--no-hugepages]"
                 " [--avx512]\n"
                 "  --json          one JSON object on stdout instead of the tables\n"
                 "  --smoke         100-line lists and short timings (CI: builds, runs, agrees)\n"
                 "  --sizes LIST    list sizes in lines (k = 1000)\n"
                 "  --no-hugepages  run DPDK with --no-huge even when hugepages are available\n"
                 "  --avx512        let DPDK use its AVX-512 lookups (EAL "
                 "--force-max-simd-bitwidth=512)\n");
    std::exit(code);
}

Options parse_args(int argc, char** argv) {
    Options opt;
    bool sizes_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--json") {
            opt.json = true;
        } else if (a == "--smoke") {
            opt.smoke = true;
        } else if (a == "--no-hugepages") {
            opt.eal.allow_hugepages = false;
        } else if (a == "--avx512") {
            opt.eal.avx512 = true;
        } else if (a == "--sizes" && i + 1 < argc) {
            opt.sizes.clear();
            sizes_given = true;
            std::string list = argv[++i];
            size_t pos = 0;
            while (pos <= list.size()) {
                size_t comma = std::min(list.find(',', pos), list.size());
                size_t n = parse_size(list.substr(pos, comma - pos));
                if (n == 0)
                    usage(1);
                opt.sizes.push_back(n);
                pos = comma + 1;
            }
        } else if (a == "--help" || a == "-h") {
            usage(0);
        } else {
            usage(1);
        }
    }
    if (opt.smoke) {
        if (!sizes_given)
            opt.sizes = {100};
        opt.keys = size_t{1} << 14;
        opt.run_seconds = 0.002;
        opt.runs = 1;
        opt.builds = 1;
        opt.eal.no_huge_megabytes = 512;  // the 100-line peers need ~110 MiB at once
    }
    return opt;
}

template <typename F>
std::vector<SizeResult> run_family(const Options& opt) {
    std::vector<SizeResult> out;
    for (size_t lines : opt.sizes) {
        if (opt.json)
            std::fprintf(stderr, "lists_bench: %s %s...\n", F::kName, size_label(lines).c_str());
        out.push_back(run_size<F>(lines, opt));
        if (!opt.json)
            print_size<F>(out.back(), opt);
    }
    return out;
}

}  // namespace
}  // namespace mg::perf

int main(int argc, char** argv) {
    using namespace mg::perf;
    Options opt = parse_args(argc, argv);
    EalInfo eal = init_eal(argv[0], opt.eal);
    if (!opt.json)
        print_preamble(eal, opt);
    auto v4 = run_family<V4>(opt);
    auto v6 = run_family<V6>(opt);
    auto ts = targets(v4, v6);
    if (opt.json) {
        print_json(eal, opt, v4, v6, ts);
    } else {
        print_targets(ts);
    }
    cleanup_eal();
    return 0;
}
