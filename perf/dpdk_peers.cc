#include "perf/dpdk_peers.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_version.h>

#include <unistd.h>

namespace mg::perf {
namespace {

using lists::Uint128;

// ---- EAL ---------------------------------------------------------------------------

constexpr const char* kHugeSysfs = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";
// Free 2 MiB pages we want before using hugepages: the largest peer (rte_lpm6 with
// its 64 MiB tbl24 and the tbl8 groups of a 100k-line list) plus headroom.
constexpr long kHugePagesWanted = 512;

std::string hugetlbfs_mount() {
    std::ifstream mounts("/proc/mounts");
    std::string device, dir, type;
    std::string rest;
    while (mounts >> device >> dir >> type && std::getline(mounts, rest)) {
        if (type == "hugetlbfs" && rest.find("pagesize=1G") == std::string::npos)
            return dir;
    }
    return {};
}

long free_hugepages() {
    std::ifstream f(kHugeSysfs);
    long n = 0;
    return f >> n ? n : 0;
}

uint64_t g_dpdk_mib = 0;  // DPDK memory available to the run (hugepages or -m)

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int dpdk_socket() {
    return static_cast<int>(rte_socket_id());
}

// Bytes allocated from the DPDK heap of our socket: the peers' memory is the growth
// of this over their creation and filling (tables, RIB node pools, rule tables).
size_t heap_bytes() {
    rte_malloc_socket_stats stats{};
    if (rte_malloc_get_socket_stats(dpdk_socket(), &stats) != 0)
        return 0;
    return stats.heap_allocsz_bytes;
}

std::string errno_text(int err) {
    return std::string(rte_strerror(err < 0 ? -err : err));
}

void to_bytes(Uint128 a, uint8_t out[16]) {
    for (int i = 15; i >= 0; --i) {
        out[i] = static_cast<uint8_t>(a);
        a >>= 8;
    }
}

Uint128 mask_of(unsigned len) {
    return len == 0 ? Uint128{0} : ~Uint128{0} << (128 - len);
}

// Unique, short object names (DPDK derives mempool and memzone names from them).
std::string next_name(const char* stem) {
    static unsigned counter = 0;
    return std::string(stem) + std::to_string(counter++);
}

// ---- tbl8 needs --------------------------------------------------------------------

// IPv4 DIR24_8 and rte_lpm: one tbl8 group per /24 that holds a prefix longer than /24
// (our prefixes are disjoint, so nothing else needs one).
uint32_t tbl8_need_v4(std::span<const Prefix4> prefixes) {
    std::vector<uint32_t> blocks;
    for (const auto& p : prefixes) {
        if (p.len > 24)
            blocks.push_back(p.addr >> 8);
    }
    std::sort(blocks.begin(), blocks.end());
    return static_cast<uint32_t>(std::unique(blocks.begin(), blocks.end()) - blocks.begin());
}

struct Block {
    unsigned len;
    Uint128 bits;
    friend bool operator==(const Block&, const Block&) = default;
};
struct BlockHash {
    size_t operator()(const Block& b) const {
        auto lo = static_cast<uint64_t>(b.bits), hi = static_cast<uint64_t>(b.bits >> 64);
        return std::hash<uint64_t>{}(lo * 0x9e3779b97f4a7c15ull ^ hi ^ b.len);
    }
};

// rte_lpm6: one tbl8 group per distinct byte-aligned ancestor (/24, /32, ...) of a
// prefix longer than it, as its own simulate_add() counts them.
uint64_t tbl8_need_lpm6(std::span<const Prefix6> prefixes) {
    std::unordered_set<Block, BlockHash> groups;
    for (const auto& p : prefixes) {
        for (unsigned l = 24; l < p.len; l += 8)
            groups.insert({l, p.addr & mask_of(l)});
    }
    return groups.size();
}

// rte_fib6 TRIE: before adding a prefix longer than /24 it reserves, unless a route
// already sits inside the prefix's byte-aligned block, one tbl8 group per byte level
// down to the prefix (trie_modify's rsvd_tbl8s), and refuses the prefix when the
// reservations would exceed num_tbl8. The sum of the reservations, in our insertion
// order, is what the table must be created with. Its real use is lower.
uint64_t tbl8_need_fib6(std::span<const Prefix6> prefixes) {
    std::unordered_set<Block, BlockHash> occupied;  // blocks some earlier prefix is inside
    uint64_t reserved = 0;
    for (const auto& p : prefixes) {
        if (p.len <= 24)
            continue;
        unsigned floor8 = p.len & ~7u;
        unsigned ceil8 = (p.len + 7) & ~7u;
        if (!occupied.contains({floor8, p.addr & mask_of(floor8)}))
            reserved += (ceil8 - 24) / 8;
        for (unsigned l = 24; l < p.len; l += 8)
            occupied.insert({l, p.addr & mask_of(l)});
    }
    return reserved;
}

// Largest tbl8 count a DIR24_8 / TRIE table of next-hop size 2^sz bytes accepts: the
// tbl8 index lives in the next-hop bits, one bit of which marks an extended entry.
uint64_t max_tbl8_for(unsigned nh_bytes) {
    return (uint64_t{1} << (nh_bytes * 8 - 1)) - 1;
}

std::string plural(uint64_t n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// ---- the peers ---------------------------------------------------------------------

class RteFib final : public Peer4 {
  public:
    explicit RteFib(rte_fib* fib) : fib_(fib) {}
    ~RteFib() override { rte_fib_free(fib_); }
    RteFib(const RteFib&) = delete;
    RteFib& operator=(const RteFib&) = delete;

    // rte_fib has no single-key lookup: a bulk call with n = 1.
    uint64_t run_single(const Keys4& keys) const override {
        uint32_t* ips = const_cast<uint32_t*>(keys.host.data());  // DPDK only reads them
        uint64_t hits = 0;
        for (size_t i = 0; i < keys.size(); ++i) {
            uint64_t nh;
            rte_fib_lookup_bulk(fib_, ips + i, &nh, 1);
            hits += nh;
        }
        return hits;
    }
    uint64_t run_batch(const Keys4& keys) const override {
        uint32_t* ips = const_cast<uint32_t*>(keys.host.data());
        uint64_t hits = 0;
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint64_t nh[kBurst];
            rte_fib_lookup_bulk(fib_, ips + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j)
                hits += nh[j];
        }
        return hits;
    }
    void answers(const Keys4& keys, uint8_t* out) const override {
        uint32_t* ips = const_cast<uint32_t*>(keys.host.data());
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint64_t nh[kBurst];
            rte_fib_lookup_bulk(fib_, ips + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j)
                out[base + j] = nh[j] > 1 ? 0xff : uint8_t(nh[j]);
        }
    }

  private:
    rte_fib* fib_;
};

class RteLpm final : public Peer4 {
  public:
    explicit RteLpm(rte_lpm* lpm) : lpm_(lpm) {}
    ~RteLpm() override { rte_lpm_free(lpm_); }
    RteLpm(const RteLpm&) = delete;
    RteLpm& operator=(const RteLpm&) = delete;

    uint64_t run_single(const Keys4& keys) const override {
        uint64_t hits = 0;
        for (uint32_t ip : keys.host) {
            uint32_t nh;
            if (rte_lpm_lookup(lpm_, ip, &nh) == 0)
                hits += nh;
        }
        return hits;
    }
    uint64_t run_batch(const Keys4& keys) const override {
        uint64_t hits = 0;
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint32_t nh[kBurst];
            rte_lpm_lookup_bulk(lpm_, keys.host.data() + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j)
                hits += value(nh[j]);
        }
        return hits;
    }
    void answers(const Keys4& keys, uint8_t* out) const override {
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint32_t nh[kBurst];
            rte_lpm_lookup_bulk(lpm_, keys.host.data() + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j) {
                uint32_t v = value(nh[j]);
                out[base + j] = v > 1 ? 0xff : uint8_t(v);
            }
        }
    }

  private:
    // A bulk result is the raw table entry: the next hop counts only when valid.
    static uint32_t value(uint32_t entry) {
        return (entry & RTE_LPM_LOOKUP_SUCCESS) != 0 ? (entry & 0x00ffffff) : 0;
    }
    rte_lpm* lpm_;
};

class RteFib6 final : public Peer6 {
  public:
    explicit RteFib6(rte_fib6* fib) : fib_(fib) {}
    ~RteFib6() override { rte_fib6_free(fib_); }
    RteFib6(const RteFib6&) = delete;
    RteFib6& operator=(const RteFib6&) = delete;

    // rte_fib6 has no single-key lookup: a bulk call with n = 1.
    uint64_t run_single(const Keys6& keys) const override {
        uint64_t hits = 0;
        for (size_t i = 0; i < keys.size(); ++i) {
            uint64_t nh;
            rte_fib6_lookup_bulk(fib_, keys.net.get() + i, &nh, 1);
            hits += nh;
        }
        return hits;
    }
    uint64_t run_batch(const Keys6& keys) const override {
        uint64_t hits = 0;
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint64_t nh[kBurst];
            rte_fib6_lookup_bulk(fib_, keys.net.get() + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j)
                hits += nh[j];
        }
        return hits;
    }
    void answers(const Keys6& keys, uint8_t* out) const override {
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            uint64_t nh[kBurst];
            rte_fib6_lookup_bulk(fib_, keys.net.get() + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j)
                out[base + j] = nh[j] > 1 ? 0xff : uint8_t(nh[j]);
        }
    }

  private:
    rte_fib6* fib_;
};

class RteLpm6 final : public Peer6 {
  public:
    explicit RteLpm6(rte_lpm6* lpm) : lpm_(lpm) {}
    ~RteLpm6() override { rte_lpm6_free(lpm_); }
    RteLpm6(const RteLpm6&) = delete;
    RteLpm6& operator=(const RteLpm6&) = delete;

    uint64_t run_single(const Keys6& keys) const override {
        uint64_t hits = 0;
        for (size_t i = 0; i < keys.size(); ++i) {
            uint32_t nh;
            if (rte_lpm6_lookup(lpm_, keys.net[i], &nh) == 0)
                hits += nh;
        }
        return hits;
    }
    uint64_t run_batch(const Keys6& keys) const override {
        uint64_t hits = 0;
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            int32_t nh[kBurst];
            rte_lpm6_lookup_bulk_func(lpm_, keys.net.get() + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j)
                hits += nh[j] > 0 ? uint64_t(nh[j]) : 0;
        }
        return hits;
    }
    void answers(const Keys6& keys, uint8_t* out) const override {
        for (size_t base = 0; base < keys.size(); base += kBurst) {
            int32_t nh[kBurst];
            rte_lpm6_lookup_bulk_func(lpm_, keys.net.get() + base, nh, kBurst);
            for (size_t j = 0; j < kBurst; ++j) {
                out[base + j] = nh[j] < 0 ? 0 : nh[j] > 1 ? 0xff : uint8_t(nh[j]);
            }
        }
    }

  private:
    rte_lpm6* lpm_;
};

// ---- building ----------------------------------------------------------------------

// One attempt: create with `tbl8` groups and add every prefix. On failure `error`
// says why and `nospc` whether more tbl8 groups could help.
template <typename KeySet>
struct Attempt {
    PeerBuild<KeySet> build;
    bool nospc = false;
};

// `table_bytes`: what the peer's tables take at this size, for the message when the
// creation fails (almost always: not enough DPDK memory).
template <typename KeySet, typename Create, typename Add, typename Wrap, typename Free>
Attempt<KeySet> attempt(const char* what,
                        size_t count,
                        uint64_t table_bytes,
                        Create create,
                        Add add,
                        Wrap wrap,
                        Free free_it) {
    Attempt<KeySet> a;
    size_t before = heap_bytes();
    auto t0 = std::chrono::steady_clock::now();
    auto* obj = create();
    if (obj == nullptr) {
        // Not rte_errno: the cleanup after a failed allocation overwrites it (rte_fib6
        // reports ENOTSUP). The limits it checks on its arguments we check before.
        a.build.error = std::string(what) + " create failed: its tables alone need " +
                        std::to_string(table_bytes >> 20) + " MiB of the " +
                        std::to_string(g_dpdk_mib) + " MiB of DPDK memory this run has";
        return a;
    }
    for (size_t i = 0; i < count; ++i) {
        int ret = add(obj, i);
        if (ret < 0) {
            a.build.error = std::string(what) + " add failed at prefix " + std::to_string(i + 1) +
                            " of " + std::to_string(count) + ": " + errno_text(ret);
            a.nospc = ret == -ENOSPC;
            free_it(obj);
            return a;
        }
    }
    a.build.build_ms = ms_since(t0);
    a.build.bytes = heap_bytes() - before;
    a.build.peer = wrap(obj);
    return a;
}

PeerBuild<Keys4> build_fib(std::span<const Prefix4> prefixes) {
    uint64_t need = std::max<uint64_t>(tbl8_need_v4(prefixes), 1);
    for (int tries = 0;; ++tries) {
        // The smallest next-hop size whose entries can index `need` tbl8 groups.
        static constexpr rte_fib_dir24_8_nh_sz kSizes[] = {RTE_FIB_DIR24_8_1B, RTE_FIB_DIR24_8_2B,
                                                           RTE_FIB_DIR24_8_4B};
        static constexpr unsigned kBytes[] = {1, 2, 4};
        size_t s = 0;
        while (s < 2 && need > max_tbl8_for(kBytes[s]))
            ++s;
        if (need > max_tbl8_for(kBytes[s])) {
            return {nullptr,
                    "needs " + plural(need, "tbl8 group") + ", more than any nh_sz holds",
                    {},
                    0,
                    0};
        }
        std::string name = next_name("f4_");
        rte_fib_conf conf{};
        conf.type = RTE_FIB_DIR24_8;
        conf.default_nh = 0;
        conf.max_routes = static_cast<int>(std::max<size_t>(prefixes.size(), 1));
        conf.rib_ext_sz = 0;
        conf.dir24_8.nh_sz = kSizes[s];
        conf.dir24_8.num_tbl8 = static_cast<uint32_t>(need);
        uint64_t bytes = ((uint64_t{1} << 24) + (need + 1) * 256) * kBytes[s];
        auto a = attempt<Keys4>(
            "rte_fib", prefixes.size(), bytes,
            [&] { return rte_fib_create(name.c_str(), dpdk_socket(), &conf); },
            [&](rte_fib* f, size_t i) {
                return rte_fib_add(f, prefixes[i].addr, prefixes[i].len, 1);
            },
            [](rte_fib* f) { return std::make_unique<RteFib>(f); },
            [](rte_fib* f) { rte_fib_free(f); });
        if (a.nospc && tries < 8) {
            need = need * 3 / 2 + 64;
            continue;
        }
        a.build.config = "DIR24_8, nh_sz " + std::to_string(kBytes[s]) + "B (smallest that " +
                         "indexes the list's tbl8 groups; 1B holds at most " +
                         std::to_string(max_tbl8_for(1)) + "), num_tbl8 " + std::to_string(need) +
                         (tries > 0 ? " (after " + plural(tries, "retry") + ")" : "");
        return std::move(a.build);
    }
}

PeerBuild<Keys4> build_lpm(std::span<const Prefix4> prefixes) {
    uint32_t need = std::max<uint32_t>(tbl8_need_v4(prefixes), 1);
    std::string name = next_name("l4_");
    rte_lpm_config cfg{};
    cfg.max_rules = static_cast<uint32_t>(std::max<size_t>(prefixes.size(), 1));
    cfg.number_tbl8s = need;
    cfg.flags = 0;
    uint64_t bytes = ((uint64_t{1} << 24) + uint64_t{need} * 256) * 4 + cfg.max_rules * 8ull;
    auto a = attempt<Keys4>(
        "rte_lpm", prefixes.size(), bytes,
        [&] { return rte_lpm_create(name.c_str(), dpdk_socket(), &cfg); },
        [&](rte_lpm* l, size_t i) { return rte_lpm_add(l, prefixes[i].addr, prefixes[i].len, 1); },
        [](rte_lpm* l) { return std::make_unique<RteLpm>(l); },
        [](rte_lpm* l) { rte_lpm_free(l); });
    a.build.config =
        "max_rules " + std::to_string(cfg.max_rules) + ", number_tbl8s " + std::to_string(need);
    return std::move(a.build);
}

struct Prefix6Bytes {
    uint8_t b[16];
};

std::vector<Prefix6Bytes> bytes_of(std::span<const Prefix6> prefixes) {
    std::vector<Prefix6Bytes> out(prefixes.size());
    for (size_t i = 0; i < prefixes.size(); ++i)
        to_bytes(prefixes[i].addr, out[i].b);
    return out;
}

PeerBuild<Keys6> build_fib6(std::span<const Prefix6> prefixes) {
    auto ips = bytes_of(prefixes);
    uint64_t need = std::max<uint64_t>(tbl8_need_fib6(prefixes), 1);
    for (int tries = 0;; ++tries) {
        static constexpr rte_fib_trie_nh_sz kSizes[] = {RTE_FIB6_TRIE_2B, RTE_FIB6_TRIE_4B};
        static constexpr unsigned kBytes[] = {2, 4};
        size_t s = need > max_tbl8_for(2) ? 1 : 0;
        if (need > max_tbl8_for(kBytes[s]) || need > UINT32_MAX) {
            return {nullptr,
                    "needs " + plural(need, "tbl8 group") + ", more than it can index",
                    {},
                    0,
                    0};
        }
        std::string name = next_name("f6_");
        rte_fib6_conf conf{};
        conf.type = RTE_FIB6_TRIE;
        conf.default_nh = 0;
        conf.max_routes = static_cast<int>(std::max<size_t>(prefixes.size(), 1));
        conf.rib_ext_sz = 0;
        conf.trie.nh_sz = kSizes[s];
        conf.trie.num_tbl8 = static_cast<uint32_t>(need);
        uint64_t bytes = ((uint64_t{1} << 24) + (need + 1) * 256) * kBytes[s] + need * 4;
        auto a = attempt<Keys6>(
            "rte_fib6", prefixes.size(), bytes,
            [&] { return rte_fib6_create(name.c_str(), dpdk_socket(), &conf); },
            [&](rte_fib6* f, size_t i) { return rte_fib6_add(f, ips[i].b, prefixes[i].len, 1); },
            [](rte_fib6* f) { return std::make_unique<RteFib6>(f); },
            [](rte_fib6* f) { rte_fib6_free(f); });
        if (a.nospc && tries < 8) {
            need = need * 3 / 2 + 64;
            continue;
        }
        a.build.config = "TRIE, nh_sz " + std::to_string(kBytes[s]) + "B (smallest that " +
                         "indexes the tbl8 groups it reserves; 2B holds at most " +
                         std::to_string(max_tbl8_for(2)) + "), num_tbl8 " + std::to_string(need) +
                         (tries > 0 ? " (after " + plural(tries, "retry") + ")" : "");
        return std::move(a.build);
    }
}

PeerBuild<Keys6> build_lpm6(std::span<const Prefix6> prefixes) {
    auto ips = bytes_of(prefixes);
    uint64_t need = std::max<uint64_t>(tbl8_need_lpm6(prefixes), 1);
    constexpr uint64_t kMaxGroups = uint64_t{1} << 21;  // RTE_LPM6_TBL8_MAX_NUM_GROUPS
    if (need > kMaxGroups) {
        return {nullptr,
                "needs " + plural(need, "tbl8 group") + ", rte_lpm6 holds at most " +
                    std::to_string(kMaxGroups),
                {},
                0,
                0};
    }
    std::string name = next_name("l6_");
    rte_lpm6_config cfg{};
    cfg.max_rules = static_cast<uint32_t>(std::max<size_t>(prefixes.size(), 1));
    cfg.number_tbl8s = static_cast<uint32_t>(need);
    cfg.flags = 0;
    uint64_t bytes = ((uint64_t{1} << 24) + need * 256) * 4 + need * 8;
    auto a = attempt<Keys6>(
        "rte_lpm6", prefixes.size(), bytes,
        [&] { return rte_lpm6_create(name.c_str(), dpdk_socket(), &cfg); },
        [&](rte_lpm6* l, size_t i) { return rte_lpm6_add(l, ips[i].b, prefixes[i].len, 1); },
        [](rte_lpm6* l) { return std::make_unique<RteLpm6>(l); },
        [](rte_lpm6* l) { rte_lpm6_free(l); });
    a.build.config =
        "max_rules " + std::to_string(cfg.max_rules) + ", number_tbl8s " + std::to_string(need);
    return std::move(a.build);
}

std::vector<std::string> g_eal_args;

}  // namespace

EalInfo init_eal(const char* argv0, const EalOptions& options) {
    EalInfo info;
    g_eal_args = {argv0,
                  "--no-pci",
                  "-l",
                  "0",
                  "--file-prefix",
                  "mgbench" + std::to_string(getpid()),
                  "--log-level=error",
                  "--no-telemetry"};
    std::string mount = hugetlbfs_mount();
    long free_pages = free_hugepages();
    if (options.allow_hugepages && !mount.empty() && free_pages >= kHugePagesWanted) {
        info.hugepages = true;
        g_dpdk_mib = static_cast<uint64_t>(free_pages) * 2;
        info.memory =
            "hugepages: 2 MiB pages from " + mount + " (" + std::to_string(free_pages) + " free)";
        // No shared runtime files; hugepage files are unlinked as soon as mapped.
        g_eal_args.push_back("--in-memory");
    } else {
        std::string why = !options.allow_hugepages ? "--no-hugepages given"
                          : mount.empty()
                              ? "no hugetlbfs mounted"
                              : "only " + std::to_string(free_pages) + " free 2 MiB pages, want " +
                                    std::to_string(kHugePagesWanted);
        // Ordinary pages, reserved up front but only touched when used.
        g_dpdk_mib = static_cast<uint64_t>(options.no_huge_megabytes);
        info.memory = "no hugepages (" + why + "; scripts/hugepages.sh sets them up): " +
                      "--no-huge, DPDK memory in 4 KiB pages";
        // (--in-memory does not combine with --no-huge; --no-shconf keeps the runtime
        // directory empty all the same.)
        std::string megabytes = std::to_string(options.no_huge_megabytes);
        g_eal_args.insert(g_eal_args.end(), {"--no-huge", "-m", megabytes, "--no-shconf"});
    }
    if (options.avx512)
        g_eal_args.push_back("--force-max-simd-bitwidth=512");
    for (size_t i = 1; i < g_eal_args.size(); ++i) {
        info.args += (i > 1 ? " " : "") + g_eal_args[i];
    }
    std::vector<char*> argv;
    for (auto& a : g_eal_args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    rte_openlog_stream(stderr);  // keep stdout for the report (and --json)
    if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0) {
        const char* slash = std::strrchr(argv0, '/');
        const char* program = slash != nullptr ? slash + 1 : argv0;
        std::fprintf(stderr, "%s: rte_eal_init(%s) failed: %s\n", program, info.args.c_str(),
                     rte_strerror(rte_errno));
        if (info.hugepages)
            std::fprintf(stderr, "%s: try --no-hugepages\n", program);
        remove_eal_runtime_dir();
        std::exit(2);
    }
    info.version = rte_version();
    return info;
}

void remove_eal_runtime_dir() {
    rmdir(rte_eal_get_runtime_dir());
}

void cleanup_eal() {
    // --in-memory still creates an (empty) runtime directory; leave nothing behind.
    std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    rmdir(runtime_dir.c_str());
}

Keys6::Keys6(std::vector<lists::Uint128> keys)
    : host(std::move(keys)), net(new uint8_t[host.size()][16]) {
    for (size_t i = 0; i < host.size(); ++i)
        to_bytes(host[i], net[i]);
}

const char* peer_name(PeerKind kind) {
    switch (kind) {
        case PeerKind::kRteFib:
            return "rte_fib";
        case PeerKind::kRteLpm:
            return "rte_lpm";
        case PeerKind::kRteFib6:
            return "rte_fib6";
        case PeerKind::kRteLpm6:
            return "rte_lpm6";
    }
    return "?";
}

PeerBuild<Keys4> build_peer4(PeerKind kind, std::span<const Prefix4> prefixes) {
    return kind == PeerKind::kRteFib ? build_fib(prefixes) : build_lpm(prefixes);
}

PeerBuild<Keys6> build_peer6(PeerKind kind, std::span<const Prefix6> prefixes) {
    return kind == PeerKind::kRteFib6 ? build_fib6(prefixes) : build_lpm6(prefixes);
}

}  // namespace mg::perf
