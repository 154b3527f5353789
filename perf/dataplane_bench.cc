// dataplane_bench: cycles per packet of our relay path,
// mg::dataplane::forward_burst(), beside an l3fwd-style router (rte_lpm /
// rte_lpm6) and a MAC-swap forwarder on the same kind of mbufs, in one run.
// DESIGN.md "Measuring": the ratio is the result.
//
//   dataplane_bench [--json] [--smoke] [--sizes 1k,1M] [--families v4,v6]
//                   [--no-hugepages] [--profile mediagate|l3fwd|macswap|parse]
//
// Cases: IPv4 and IPv6 x 1k and 1M active legs (ours) / routes (l3fwd-style).
// Frames are Ethernet / IP / UDP with a 160-byte RTP-like payload, pre-built in
// mbufs of a mempool (no PMD, nothing transmitted), handled in bursts of 32.
// Every packet goes to a random leg (route), drawn in advance, so that 1M legs
// (routes) spread over far more memory than the caches hold. Every forwarder is
// checked once before timing (a failure aborts); perf/README.md explains and
// records the figures.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dataplane/forward_dp.h"
#include "perf/dpdk_peers.h"
#include "perf/l3fwd_peer.h"
#include "perf/packet_fixtures.h"

namespace mg::perf {
namespace {

using dataplane::Leg;

constexpr uint16_t kBurstSize = kPeerMaxBurst;  // = dataplane::kMaxBurst
static_assert(kBurstSize == dataplane::kMaxBurst);
// Packets per timed pass: frames are (re)written into these mbufs before each
// pass, outside the timed region. 2048 packets touch ~0.8 MiB of mbufs and
// headers: they sit in L2/L3 when the pass starts, as freshly received
// packets would.
constexpr size_t kPacketsPerPass = 2048;
constexpr uint64_t kSeed = 0x6d67'6470'6265'6e31;  // "mgdpben1"

struct Options {
    bool json = false;
    bool smoke = false;
    EalOptions eal;
    std::vector<size_t> sizes = {1000, 1'000'000};
    bool v4 = true;
    bool v6 = true;
    std::string profile;       // non-empty: time only this forwarder
    double run_seconds = 0.4;  // one run, restoring included
    int runs = 5;              // per forwarder, interleaved; the best counts
};

volatile uint64_t g_sink;

std::string size_label(size_t n) {
    if (n >= 1'000'000 && n % 1'000'000 == 0) {
        return std::to_string(n / 1'000'000) + "M";
    }
    if (n >= 1000 && n % 1000 == 0) {
        return std::to_string(n / 1000) + "k";
    }
    return std::to_string(n);
}

// ---- what is timed ---------------------------------------------------------------

// A forwarder under test with the frames it is fed. Frames are restored before
// every pass because forward_burst() rewrites them in place (the destination
// becomes the peer): prepare() writes the frames of sequence positions
// [pos, pos + n) into the mbufs, outside the timed region, the same way for all
// forwarders, so restoring costs none of them anything.
class Subject {
  public:
    virtual ~Subject() = default;
    virtual void prepare(rte_mbuf* const* pkts, size_t n, size_t pos) = 0;  // untimed
    virtual uint16_t burst(rte_mbuf* const* pkts, uint16_t n) = 0;          // timed
    virtual size_t sequence_length() const = 0;  // a multiple of kPacketsPerPass
};

struct Pass {
    uint64_t cycles = 0;  // of the bursts kept
    uint64_t kept = 0;    // bursts
    uint64_t dropped = 0;
    uint64_t forwarded = 0;
};

// Restores the frames (untimed), then times every burst (a TSC read between
// bursts). Bursts over `outlier_cycles` are left out: on a shared machine the
// thread can lose the CPU for milliseconds inside a burst, which is not the
// forwarder's cost. `each`, when given, gets every burst's cycles.
Pass timed_pass(Subject& s,
                rte_mbuf* const* pkts,
                size_t& pos,
                uint64_t outlier_cycles,
                std::vector<uint64_t>* each = nullptr) {
    s.prepare(pkts, kPacketsPerPass, pos);
    pos = (pos + kPacketsPerPass) % s.sequence_length();
    Pass p;
    uint64_t t = rte_rdtsc_precise();
    for (size_t b = 0; b < kPacketsPerPass; b += kBurstSize) {
        p.forwarded += s.burst(pkts + b, kBurstSize);
        const uint64_t now = b + kBurstSize < kPacketsPerPass ? rte_rdtsc() : rte_rdtsc_precise();
        const uint64_t d = now - t;
        t = now;
        if (each != nullptr) {
            each->push_back(d);
        }
        if (d <= outlier_cycles) {
            p.cycles += d;
            ++p.kept;
        } else {
            ++p.dropped;
        }
    }
    return p;
}

// One figure: runs of `passes` passes; the best run's cycles per packet counts.
// A run lasts about run_seconds of wall time, restoring included, so that fast
// forwarders (whose passes are mostly restoring) do not make the benchmark long.
struct Meter {
    const char* name;
    Subject* subject;
    double* result;
    double* dropped_share;  // bursts left out as interrupted, over all runs
    size_t pos = 0;
    size_t passes = 1;
    uint64_t outlier_cycles = 0;
    uint64_t kept = 0;
    uint64_t dropped = 0;
    double best = std::numeric_limits<double>::infinity();

    // Warms the caches and branch predictors, sets the run length and the
    // outlier limit: kOutlierFactor x the median burst.
    void calibrate(rte_mbuf* const* pkts, double run_seconds) {
        constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();
        constexpr uint64_t kOutlierFactor = 16;
        timed_pass(*subject, pkts, pos, kNoLimit);
        std::vector<uint64_t> bursts;
        const uint64_t t0 = rte_rdtsc();
        for (int i = 0; i < 4; ++i) {
            timed_pass(*subject, pkts, pos, kNoLimit, &bursts);
        }
        const double per_pass = static_cast<double>(rte_rdtsc() - t0) / 4;
        const double want = run_seconds * static_cast<double>(rte_get_tsc_hz());
        passes = std::max<size_t>(1, static_cast<size_t>(want / std::max(per_pass, 1.0)));
        std::nth_element(bursts.begin(), bursts.begin() + bursts.size() / 2, bursts.end());
        outlier_cycles = kOutlierFactor * bursts[bursts.size() / 2];
    }
    void run(rte_mbuf* const* pkts) {
        Pass sum;
        for (size_t i = 0; i < passes; ++i) {
            const Pass p = timed_pass(*subject, pkts, pos, outlier_cycles);
            sum.cycles += p.cycles;
            sum.kept += p.kept;
            sum.dropped += p.dropped;
            sum.forwarded += p.forwarded;
        }
        g_sink = g_sink + sum.forwarded;
        if (sum.forwarded != passes * kPacketsPerPass) {
            fatal(format("%s forwarded %llu of %zu packets while timed", name,
                         static_cast<unsigned long long>(sum.forwarded), passes * kPacketsPerPass));
        }
        kept += sum.kept;
        dropped += sum.dropped;
        if (sum.kept > 0) {
            best = std::min(
                best, static_cast<double>(sum.cycles) / static_cast<double>(sum.kept * kBurstSize));
        }
        *result = best;
        *dropped_share = static_cast<double>(dropped) / static_cast<double>(kept + dropped);
    }
};

class Ours final : public Subject {
  public:
    explicit Ours(RelayFixture& relay) : relay_(relay) {}
    void prepare(rte_mbuf* const* pkts, size_t n, size_t pos) override {
        relay_.prepare(pkts, n, pos);
    }
    uint16_t burst(rte_mbuf* const* pkts, uint16_t n) override { return relay_.burst(pkts, n); }
    size_t sequence_length() const override { return relay_.sequence_length(); }

  private:
    RelayFixture& relay_;
};

// The parse alone (dataplane::parse_packet(), the first step of forward_burst())
// over our frames: the header checks the issue asks for (Ethernet, VLAN, IPv4
// header checksum, fragments, options, lengths, UDP length) and nothing else: no
// lookup, no rewrite, no counters. A floor under our path, printed beside the
// l3fwd-style router's whole path. "Forwards" every packet that parses as UDP.
class ParseOnly final : public Subject {
  public:
    explicit ParseOnly(RelayFixture& relay) : relay_(relay) {}
    void prepare(rte_mbuf* const* pkts, size_t n, size_t pos) override {
        relay_.prepare(pkts, n, pos);
    }
    uint16_t burst(rte_mbuf* const* pkts, uint16_t n) override {
        uint16_t udp = 0;
        for (uint16_t i = 0; i < n; ++i) {
            const dataplane::ParsedPacket p = dataplane::parse_packet(pkts[i]);
            udp += p.kind == dataplane::PacketKind::kUdp ? 1 : 0;
            sink_ += p.dst_port;
        }
        return udp;
    }
    size_t sequence_length() const override { return relay_.sequence_length(); }
    uint64_t sink() const { return sink_; }

  private:
    RelayFixture& relay_;
    uint64_t sink_ = 0;
};

// ---- the peers -------------------------------------------------------------------

template <typename Router>
class Routed final : public Subject {
  public:
    Routed(const RoutedFrames& frames, const Router& router) : frames_(frames), router_(router) {}
    void prepare(rte_mbuf* const* pkts, size_t n, size_t pos) override {
        frames_.prepare(pkts, n, pos);
    }
    uint16_t burst(rte_mbuf* const* pkts, uint16_t n) override {
        return router_.forward_burst(pkts, n).tx_count;
    }
    size_t sequence_length() const override { return frames_.sequence_length(); }

  private:
    const RoutedFrames& frames_;
    const Router& router_;
};

class MacSwap final : public Subject {
  public:
    explicit MacSwap(const RoutedFrames& frames) : frames_(frames) {}
    void prepare(rte_mbuf* const* pkts, size_t n, size_t pos) override {
        frames_.prepare(pkts, n, pos);
    }
    uint16_t burst(rte_mbuf* const* pkts, uint16_t n) override {
        return mac_swap_burst(pkts, n).tx_count;
    }
    size_t sequence_length() const override { return frames_.sequence_length(); }

  private:
    const RoutedFrames& frames_;
};

int route_lookup(const L3fwd4& router, const IpAddr& dst) {
    return router.lookup(v4_host(dst));
}
int route_lookup(const L3fwd6& router, const IpAddr& dst) {
    return router.lookup(dst.bytes);
}

// Every sequence position's destination resolves to its route's port; one pass
// through the router is forwarded and rewritten as l3fwd would; one through MAC
// swap swaps. Aborts on any failure.
template <typename Router>
void check_routed(bool v4,
                  const RoutedFrames& frames,
                  const Router& router,
                  rte_mbuf* const* pkts) {
    const RouteSet& rs = frames.routes();
    for (size_t j = 0; j < rs.dst.size(); ++j) {
        const int port = route_lookup(router, rs.dst[j]);
        if (port != rs.port[j]) {
            fatal(format("the l3fwd-style router's lookup of packet %zu gave %d, not %u", j, port,
                         rs.port[j]));
        }
    }
    frames.prepare(pkts, kPacketsPerPass, 0);
    for (size_t b = 0; b < kPacketsPerPass; b += kBurstSize) {
        const PeerBurst r = router.forward_burst(pkts + b, kBurstSize);
        if (r.tx_count != kBurstSize) {
            fatal(format("the l3fwd-style router forwarded %u of %u", r.tx_count, kBurstSize));
        }
    }
    for (size_t i = 0; i < kPacketsPerPass; ++i) {
        const uint8_t* f = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
        const uint8_t port = rs.port[i];
        if (pkts[i]->port != port || !same_mac(f, frames.macs().next_hop[port]) ||
            !same_mac(f + 6, frames.macs().ours[port]) || f[14 + (v4 ? 8 : 7)] != 63 ||
            !checksums_ok(f, v4)) {
            fatal(format("the l3fwd-style router rewrote packet %zu wrongly", i));
        }
    }
    frames.prepare(pkts, kPacketsPerPass, 0);
    for (size_t b = 0; b < kPacketsPerPass; b += kBurstSize) {
        if (mac_swap_burst(pkts + b, kBurstSize).tx_count != kBurstSize) {
            fatal("MAC swap did not forward a burst");
        }
    }
    for (size_t i = 0; i < kPacketsPerPass; ++i) {
        const uint8_t* f = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
        if (!same_mac(f, kGatewayMac) || !same_mac(f + 6, frames.macs().ours[0])) {
            fatal(format("MAC swap left packet %zu unswapped", i));
        }
    }
}

// ---- one case --------------------------------------------------------------------

struct CaseResult {
    bool v4 = true;
    size_t size = 0;  // legs (ours) and routes (l3fwd-style)
    struct Figure {
        double cycles = 0;       // per packet (TSC), best run; 0 = not measured
        double interrupted = 0;  // share of bursts left out as interrupted
    };
    Figure ours;
    Figure l3fwd;
    Figure swap;
    Figure parse;  // parse_packet() alone over our frames (ParseOnly)
    uint16_t addresses = 0;
    uint32_t ports_per_address = 0;
    size_t table_heap_bytes = 0;  // RelayTable: legs, blocks, allocator overhead
    std::string router_config;
    std::string direct_fill_check;  // IPv4: how the direct tbl24 fill was checked

    const char* family() const { return v4 ? "IPv4" : "IPv6"; }
    double bytes_per_leg() const {
        return static_cast<double>(table_heap_bytes) / static_cast<double>(size);
    }
};

// Routes up to this many are added with rte_lpm_add; more are written directly.
constexpr size_t kLpmAddLimit = 100'000;
// The direct fill is compared with rte_lpm_add on this many of the routes.
constexpr size_t kFillCheckRoutes = 20'000;

std::unique_ptr<L3fwd4> build_router(const RouteSet& rs, CaseResult& res) {
    std::string error;
    const auto fill =
        rs.v4.size() <= kLpmAddLimit ? L3fwd4::Fill::kAdd : L3fwd4::Fill::kDirectTbl24;
    auto router = L3fwd4::create(rs.v4, peer_macs(), fill, error);
    if (!router) {
        fatal("the IPv4 l3fwd-style router cannot be built: " + error);
    }
    // The direct fill must give the table rte_lpm_add gives: checked every run.
    const std::span<const Route4> some(rs.v4.data(), std::min(rs.v4.size(), kFillCheckRoutes));
    auto added = L3fwd4::create(some, peer_macs(), L3fwd4::Fill::kAdd, error);
    auto direct =
        added ? L3fwd4::create(some, peer_macs(), L3fwd4::Fill::kDirectTbl24, error) : nullptr;
    if (!added || !direct) {
        fatal("the IPv4 direct-fill check cannot build its tables: " + error);
    }
    if (!added->same_lookup_tables(*direct)) {
        fatal("a tbl24 written directly differs from what rte_lpm_add wrote");
    }
    res.direct_fill_check = format(
        "direct tbl24 fill identical to rte_lpm_add's tables for %zu of these routes", some.size());
    res.router_config = router->config();
    return router;
}

std::unique_ptr<L3fwd6> build_router6(const RouteSet& rs, CaseResult& res) {
    std::string error;
    auto router = L3fwd6::create(rs.v6, peer_macs(), error);
    if (!router) {
        fatal("the IPv6 l3fwd-style router cannot be built: " + error);
    }
    res.router_config = router->config();
    return router;
}

template <typename Router>
void measure(CaseResult& res,
             RelayFixture& relay,
             const RoutedFrames& frames,
             const Router& router,
             const Options& opt,
             rte_mbuf* const* pkts) {
    Ours ours(relay);
    Routed<Router> routed(frames, router);
    MacSwap swap(frames);
    ParseOnly parse(relay);
    std::vector<Meter> meters;
    auto add = [&](const char* name, Subject* s, CaseResult::Figure* out) {
        if (opt.profile.empty() || opt.profile == name) {
            meters.push_back(Meter{name, s, &out->cycles, &out->interrupted});
        }
    };
    add("mediagate", &ours, &res.ours);
    add("l3fwd", &routed, &res.l3fwd);
    add("macswap", &swap, &res.swap);
    add("parse", &parse, &res.parse);
    for (Meter& m : meters) {
        m.calibrate(pkts, opt.run_seconds);
    }
    // Interleaved (run r of every forwarder, then run r + 1), so that a burst of
    // other work on the machine hits all of them instead of skewing one ratio.
    for (int r = 0; r < opt.runs; ++r) {
        for (Meter& m : meters) {
            m.run(pkts);
        }
    }
    g_sink = g_sink + parse.sink();
}

CaseResult run_case(bool v4, size_t size, const Options& opt, rte_mbuf* const* pkts) {
    CaseResult res;
    res.v4 = v4;
    res.size = size;
    Rng rng(kSeed ^ (size * 2 + (v4 ? 1 : 0)));
    const size_t seq_len = (std::max<size_t>(2 * size, 65536) + kPacketsPerPass - 1) /
                           kPacketsPerPass * kPacketsPerPass;

    RelayFixture relay(v4, size, seq_len, rng);
    res.addresses = relay.addresses();
    res.ports_per_address = relay.ports_per_address();
    res.table_heap_bytes = relay.table_heap_bytes();
    relay.check(pkts, rng);

    const RouteSet rs = make_routes(v4, size, seq_len, rng);
    const RoutedFrames frames(v4, rs);
    if (v4) {
        auto router = build_router(rs, res);
        check_routed(v4, frames, *router, pkts);
        measure(res, relay, frames, *router, opt, pkts);
    } else {
        auto router = build_router6(rs, res);
        check_routed(v4, frames, *router, pkts);
        measure(res, relay, frames, *router, opt, pkts);
    }
    return res;
}

// ---- reporting -------------------------------------------------------------------

constexpr double kTargetVsL3fwd = 1.25;

double ratio(double a, double b) {
    return a > 0 && b > 0 ? a / b : 0;
}
double mpps(double cycles_per_packet) {
    return cycles_per_packet > 0 ? static_cast<double>(rte_get_tsc_hz()) / cycles_per_packet / 1e6
                                 : 0;
}
std::string cell(double v, const char* fmt) {
    return v > 0 ? format(fmt, v) : std::string("n/a");
}

double load_average() {
    double load = -1;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load) != 1) {
            load = -1;
        }
        std::fclose(f);
    }
    return load;
}

void print_preamble(const EalInfo& eal, const Options& opt) {
    std::printf(
        "dataplane_bench: mediagate forward_burst() vs an l3fwd-style router and MAC swap, "
        "%s%s\n",
        eal.version.c_str(), opt.smoke ? "  [--smoke: short timings]" : "");
    std::printf(
        "frames: Ethernet/IPv4/UDP (202 bytes) and Ethernet/IPv6/UDP (222 bytes), 160-byte "
        "RTP payload,\n  pre-built in mbufs (no PMD, nothing transmitted), bursts of %u, "
        "every packet to a random leg / route\n",
        kBurstSize);
    std::printf(
        "timing: rte_rdtsc around every burst; frames restored before each pass of %zu "
        "packets, outside\n  the timed region; best of %d runs of ~%.3g s (restoring included) "
        "per forwarder, the forwarders'\n  runs interleaved; bursts over 16x the median "
        "burst left out as interrupted (shared CPU)\n",
        kPacketsPerPass, opt.runs, opt.run_seconds);
    std::printf("TSC: %.3f GHz; cycles below are TSC cycles; Mpps = TSC rate / cycles, 1 worker\n",
                static_cast<double>(rte_get_tsc_hz()) / 1e9);
    std::printf("DPDK memory: hugepages used: %s; %s\n  EAL: %s\n", eal.hugepages ? "yes" : "no",
                eal.memory.c_str(), eal.args.c_str());
    std::printf("machine load at start (1-minute load average): %.2f\n", load_average());
    std::fflush(stdout);
}

std::string case_name(const CaseResult& r) {
    return std::string(r.family()) + " " + size_label(r.size);
}

std::string percent(double share) {
    return format("%.1f%%", share * 100);
}

void print_case_notes(const CaseResult& r) {
    const std::string name = case_name(r);
    std::printf(
        "  %s: mediagate %zu legs (%zu pairs, half latched) on %u local address%s x %u "
        "ports\n",
        name.c_str(), r.size, r.size / 2, r.addresses, r.addresses == 1 ? "" : "es",
        r.ports_per_address);
    std::printf("  %s: l3fwd-style %s\n", name.c_str(), r.router_config.c_str());
    if (!r.direct_fill_check.empty()) {
        std::printf("  %s: %s\n", name.c_str(), r.direct_fill_check.c_str());
    }
    std::printf("  %s: bursts left out as interrupted: mediagate %s, l3fwd-style %s, MAC swap %s\n",
                name.c_str(), percent(r.ours.interrupted).c_str(),
                percent(r.l3fwd.interrupted).c_str(), percent(r.swap.interrupted).c_str());
}

std::string target_text(const CaseResult& r) {
    const double x = ratio(r.ours.cycles, r.l3fwd.cycles);
    if (x == 0) {
        return "not measured";
    }
    return format("%.2fx  %s", x, x <= kTargetVsL3fwd ? "MET" : "MISSED");
}

void print_table(const std::vector<CaseResult>& results) {
    std::printf("\n== cycles per packet (TSC), best run; Mpps per worker ==\n");
    std::printf("%-9s | %9s | %11s | %8s | %8s | %11s | %7s | %10s | %9s\n", "case", "mediagate",
                "l3fwd-style", "MAC swap", "mg/l3fwd", "mg/MAC swap", "Mpps mg", "Mpps l3fwd",
                "Mpps swap");
    std::printf(
        "----------+-----------+-------------+----------+----------+-------------+------"
        "---+------------+----------\n");
    for (const CaseResult& r : results) {
        std::printf("%-9s | %9s | %11s | %8s | %8s | %11s | %7s | %10s | %9s\n",
                    case_name(r).c_str(), cell(r.ours.cycles, "%.1f").c_str(),
                    cell(r.l3fwd.cycles, "%.1f").c_str(), cell(r.swap.cycles, "%.1f").c_str(),
                    cell(ratio(r.ours.cycles, r.l3fwd.cycles), "%.2fx").c_str(),
                    cell(ratio(r.ours.cycles, r.swap.cycles), "%.2fx").c_str(),
                    cell(mpps(r.ours.cycles), "%.2f").c_str(),
                    cell(mpps(r.l3fwd.cycles), "%.2f").c_str(),
                    cell(mpps(r.swap.cycles), "%.2f").c_str());
    }
    std::printf("\nsetup:\n");
    for (const CaseResult& r : results) {
        print_case_notes(r);
    }
    std::printf("\n== bytes per leg ==\nsizeof(Leg) = %zu\n", sizeof(Leg));
    for (const CaseResult& r : results) {
        std::printf(
            "%s legs: %.1f bytes/leg of heap for the RelayTable = sizeof(Leg) + %.1f "
            "(slots in blocks of 256, unused slab entries, allocator); target <= %u: %s\n",
            case_name(r).c_str(), r.bytes_per_leg(),
            r.bytes_per_leg() - static_cast<double>(sizeof(Leg)), dataplane::kMaxLegBytes,
            r.bytes_per_leg() <= dataplane::kMaxLegBytes ? "MET" : "MISSED");
    }
    std::printf("\n== target: mediagate <= %.2fx the l3fwd-style router (informational) ==\n",
                kTargetVsL3fwd);
    for (const CaseResult& r : results) {
        std::printf("%-9s %s\n", case_name(r).c_str(), target_text(r).c_str());
    }
    std::printf(
        "\n== floor: parse_packet() alone (our header checks, no lookup or rewrite) ==\n"
        "%-9s | %9s | %11s | %10s | %s\n",
        "case", "parse", "l3fwd-style", "parse/l3fwd", "share of mediagate's path");
    for (const CaseResult& r : results) {
        std::printf("%-9s | %9s | %11s | %10s | %s\n", case_name(r).c_str(),
                    cell(r.parse.cycles, "%.1f").c_str(), cell(r.l3fwd.cycles, "%.1f").c_str(),
                    cell(ratio(r.parse.cycles, r.l3fwd.cycles), "%.2fx").c_str(),
                    cell(ratio(r.parse.cycles, r.ours.cycles) * 100, "%.0f%%").c_str());
    }
    std::fflush(stdout);
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        if (static_cast<unsigned char>(c) < 0x20) {
            out += format("\\u%04x", c);
            continue;
        }
        out += c;
    }
    return out;
}

std::string json_number(double v, const char* fmt = "%.2f") {
    return v > 0 ? format(fmt, v) : std::string("null");
}

// {"mediagate": .., "l3fwd": .., "mac_swap": ..} of one property of the figures.
template <typename Fn>
std::string json_triple(const CaseResult& r, Fn&& fn) {
    return "{\"mediagate\": " + fn(r.ours) + ", \"l3fwd\": " + fn(r.l3fwd) +
           ", \"mac_swap\": " + fn(r.swap) + "}";
}

void print_json(const EalInfo& eal, const Options& opt, const std::vector<CaseResult>& results) {
    std::string out = format(
        "{\"dpdk\": \"%s\", \"hugepages\": %s, \"eal_args\": \"%s\", \"tsc_hz\": %llu, "
        "\"burst\": %u, \"packets_per_pass\": %zu, \"runs\": %d, \"run_seconds\": %.3f, "
        "\"smoke\": %s, \"load_average\": %.2f, \"payload_bytes\": %u, \"sizeof_leg\": %zu, "
        "\"target_ratio_vs_l3fwd\": %.2f, \"cases\": [",
        json_escape(eal.version).c_str(), eal.hugepages ? "true" : "false",
        json_escape(eal.args).c_str(), static_cast<unsigned long long>(rte_get_tsc_hz()),
        kBurstSize, kPacketsPerPass, opt.runs, opt.run_seconds, opt.smoke ? "true" : "false",
        load_average(), kPayloadLen, sizeof(Leg), kTargetVsL3fwd);
    using Figure = CaseResult::Figure;
    for (size_t i = 0; i < results.size(); ++i) {
        const CaseResult& r = results[i];
        const double x = ratio(r.ours.cycles, r.l3fwd.cycles);
        out += format(
            "%s{\"family\": \"%s\", \"size\": \"%s\", \"legs\": %zu, \"routes\": %zu, "
            "\"local_addresses\": %u, \"bytes_per_leg\": %.1f, ",
            i ? ", " : "", r.v4 ? "ipv4" : "ipv6", size_label(r.size).c_str(), r.size, r.size,
            r.addresses, r.bytes_per_leg());
        out += "\"cycles_per_packet\": " +
               json_triple(r, [](const Figure& f) { return json_number(f.cycles); });
        out += ", \"mpps\": " +
               json_triple(r, [](const Figure& f) { return json_number(mpps(f.cycles)); });
        out += ", \"interrupted_bursts\": " +
               json_triple(r, [](const Figure& f) { return format("%.4f", f.interrupted); });
        out += ", \"parse_only_cycles_per_packet\": " + json_number(r.parse.cycles) +
               ", \"ratio_parse_only_vs_l3fwd\": " +
               json_number(ratio(r.parse.cycles, r.l3fwd.cycles), "%.3f");
        out += format(
            ", \"ratio_mediagate_vs_l3fwd\": %s, \"ratio_mediagate_vs_mac_swap\": %s, "
            "\"target_met\": %s, \"router\": \"%s\"}",
            json_number(x, "%.3f").c_str(),
            json_number(ratio(r.ours.cycles, r.swap.cycles), "%.3f").c_str(),
            x == 0 ? "null" : (x <= kTargetVsL3fwd ? "true" : "false"),
            json_escape(r.router_config).c_str());
    }
    out += "]}";
    std::printf("%s\n", out.c_str());
}

// ---- main ------------------------------------------------------------------------

size_t parse_size(const std::string& s) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(s.c_str(), &end, 10);
    const std::string suffix = end ? end : "";
    if (suffix == "k" || suffix == "K") {
        n *= 1000;
    } else if (suffix == "m" || suffix == "M") {
        n *= 1'000'000;
    } else if (!suffix.empty()) {
        n = 0;
    }
    return n % 2 == 0 && n <= 4'000'000 ? static_cast<size_t>(n) : 0;
}

[[noreturn]] void usage(int code) {
    std::fprintf(
        code ? stderr : stdout,
        "usage: dataplane_bench [--json] [--smoke] [--sizes 1k,1M] [--families v4,v6]\n"
        "                       [--no-hugepages] [--profile mediagate|l3fwd|macswap|parse]\n"
        "  --json          one JSON object on stdout instead of the tables\n"
        "  --smoke         1k legs/routes only, short timings (CI: builds, runs, checks)\n"
        "  --sizes LIST    legs (= routes) per case, even (k = 1000, M = 1000000)\n"
        "  --families LIST v4, v6 or both\n"
        "  --no-hugepages  run DPDK with --no-huge even when hugepages are available\n"
        "  --profile NAME  time only one forwarder, one run of ~5 s per case (for perf)\n");
    std::exit(code);
}

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= list.size()) {
        const size_t comma = std::min(list.find(',', pos), list.size());
        out.push_back(list.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return out;
}

Options parse_args(int argc, char** argv) {
    Options opt;
    opt.eal.no_huge_megabytes = 512;
    bool sizes_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") {
            opt.json = true;
        } else if (a == "--smoke") {
            opt.smoke = true;
        } else if (a == "--no-hugepages") {
            opt.eal.allow_hugepages = false;
        } else if (a == "--sizes" && i + 1 < argc) {
            opt.sizes.clear();
            sizes_given = true;
            for (const std::string& s : split(argv[++i])) {
                const size_t n = parse_size(s);
                if (n == 0) {
                    usage(1);
                }
                opt.sizes.push_back(n);
            }
        } else if (a == "--families" && i + 1 < argc) {
            opt.v4 = opt.v6 = false;
            for (const std::string& f : split(argv[++i])) {
                if (f == "v4") {
                    opt.v4 = true;
                } else if (f == "v6") {
                    opt.v6 = true;
                } else {
                    usage(1);
                }
            }
        } else if (a == "--profile" && i + 1 < argc) {
            opt.profile = argv[++i];
            if (opt.profile != "mediagate" && opt.profile != "l3fwd" && opt.profile != "macswap" &&
                opt.profile != "parse") {
                usage(1);
            }
        } else if (a == "--help" || a == "-h") {
            usage(0);
        } else {
            usage(1);
        }
    }
    if (opt.smoke) {
        if (!sizes_given) {
            opt.sizes = {1000};
        }
        opt.run_seconds = 0.002;
        opt.runs = 1;
    }
    if (!opt.profile.empty()) {
        opt.run_seconds = 5;
        opt.runs = 1;
    }
    return opt;
}

}  // namespace
}  // namespace mg::perf

int main(int argc, char** argv) {
    using namespace mg::perf;
    const Options opt = parse_args(argc, argv);
    const EalInfo eal = init_eal(argv[0], opt.eal);
    if (!opt.json) {
        print_preamble(eal, opt);
    }
    rte_mempool* pool =
        rte_pktmbuf_pool_create("mgdpbench", kPacketsPerPass + 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                static_cast<int>(rte_socket_id()));
    std::vector<rte_mbuf*> pkts(kPacketsPerPass);
    if (pool == nullptr ||
        rte_pktmbuf_alloc_bulk(pool, pkts.data(), static_cast<unsigned>(pkts.size())) != 0) {
        fatal(std::string("no mbufs: ") + rte_strerror(rte_errno));
    }
    std::vector<CaseResult> results;
    for (const bool v4 : {true, false}) {
        if (!(v4 ? opt.v4 : opt.v6)) {
            continue;
        }
        for (size_t size : opt.sizes) {
            if (opt.json || !opt.profile.empty()) {
                std::fprintf(stderr, "dataplane_bench: %s %s...\n", v4 ? "IPv4" : "IPv6",
                             size_label(size).c_str());
            }
            results.push_back(run_case(v4, size, opt, pkts.data()));
        }
    }
    if (opt.json) {
        print_json(eal, opt, results);
    } else {
        print_table(results);
    }
    rte_pktmbuf_free_bulk(pkts.data(), static_cast<unsigned>(pkts.size()));
    rte_mempool_free(pool);
    cleanup_eal();
    return 0;
}
