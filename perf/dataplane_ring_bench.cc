// dataplane_ring_bench: Mpps per worker of the real worker loop over net_ring
// ports, beside a MAC-swap forwarder over the same ports and frames, in one run.
// DESIGN.md "Measuring": the ratio is the result.
//
//   dataplane_ring_bench [--json] [--smoke] [--sizes 1k,64k] [--batch N] [--no-hugepages]
//
// A whole mg::dataplane::Dataplane runs in-process on two ring ports (lan, wan);
// the calling thread is its worker: worker_poll_once() = rte_eth_rx_burst ->
// forward_burst -> rte_eth_tx_burst through the net_ring PMD. A batch: the lan RX
// ring is refilled with copies of pre-built frames (untimed), the polls that
// empty it are timed (rdtsc), the wan TX ring is drained and its mbufs freed
// (untimed). The MAC-swap loop gets the same batches. perf/README.md explains
// and records the figures.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "configs/config.h"
#include "dataplane/dataplane.h"
#include "perf/dpdk_peers.h"
#include "perf/packet_fixtures.h"

#include <unistd.h>

namespace mg::perf {
namespace {

namespace api = dataplane::api;
using dataplane::Dataplane;
using dataplane::Worker;

constexpr unsigned kRingSize = 16384;   // holds 16383 mbufs
constexpr uint16_t kFirstPort = 20000;  // relay i: kFirstPort + i on both local addresses
constexpr uint16_t kLanPeerPort = 4000;
constexpr uint16_t kRemotePort = 5000;
constexpr uint64_t kSeed = 0x6d67'7269'6e67'6265;          // "mgringbe"
const rte_ether_addr kLanHostMac = local_mac(0xa0, 0x01);  // every LAN peer's

struct Options {
    bool json = false;
    bool smoke = false;
    bool hugepages = true;
    std::vector<size_t> sizes = {1000, 64000};  // legs
    size_t batch = 2048;
    double run_seconds = 0.3;
    int runs = 5;
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "\ndataplane_ring_bench: FATAL: %s\n", message.c_str());
    std::fflush(stderr);
    rmdir(rte_eal_get_runtime_dir());
    std::abort();
}

// ---- ports -------------------------------------------------------------------------

struct RingPort {
    rte_ring* rx = nullptr;  // we enqueue, the PMD's RX dequeues
    rte_ring* tx = nullptr;  // the PMD's TX enqueues, we dequeue
    uint16_t id = 0;
};

RingPort make_port(const std::string& name) {
    RingPort p;
    const unsigned flags = RING_F_SP_ENQ | RING_F_SC_DEQ;  // one thread does everything
    p.rx = rte_ring_create((name + "_rx").c_str(), kRingSize, SOCKET_ID_ANY, flags);
    p.tx = rte_ring_create((name + "_tx").c_str(), kRingSize, SOCKET_ID_ANY, flags);
    const int id =
        p.rx && p.tx ? rte_eth_from_rings(name.c_str(), &p.rx, 1, &p.tx, 1, SOCKET_ID_ANY) : -1;
    if (id < 0) {
        die("cannot create ring port " + name + ": " + rte_strerror(rte_errno));
    }
    p.id = static_cast<uint16_t>(id);
    return p;
}

// ---- one case: a Dataplane with its legs and frames ---------------------------------

constexpr const char* kConfig = R"(
[media]
udp_ports = "20000-59999"
[dataplane]
workers = 1
idle_sleep_us = 0
max_legs = %zu
relatch_after_s = 0
[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_ring_rb_lan"
addresses = ["10.1.0.1/16", "2001:db8:1::1/64"]
gateway = "10.1.255.254"
[[dataplane.port]]
name = "wan"
role = "wan"
device = "net_ring_rb_wan"
addresses = ["198.51.100.1/24", "2001:db8:2::1/64"]
gateway = "198.51.100.254"
gateway6 = "2001:db8:2::fe"
)";

IpAddr v6_addr(uint16_t third, uint32_t low) {  // 2001:db8:third::low
    uint8_t b[16] = {
        0x20, 0x01, 0x0d, 0xb8, static_cast<uint8_t>(third >> 8), static_cast<uint8_t>(third)};
    for (int i = 0; i < 4; ++i) {
        b[15 - i] = static_cast<uint8_t>(low >> (8 * i));
    }
    return IpAddr::from_v6_wire(b);
}

enum class Verify { kNone, kRelayed, kSwapped };

// Relay i = the lan leg (lan address : kFirstPort + i, peer lan_peer(i), on link)
// and the wan leg (wan address : kFirstPort + i, peer remote(i), via the wan
// gateway), naming each other. Every frame goes from a lan peer to its lan leg.
class RingCase {
  public:
    RingCase(bool v4, size_t legs, size_t batch, rte_mempool* pool, RingPort lan, RingPort wan)
        : v4_(v4), relays_(legs / 2), batch_(batch), pool_(pool), lan_(lan), wan_(wan) {
        configs::LoadOptions opts;
        opts.host_interfaces = std::vector<configs::HostInterface>{};
        auto cfg = configs::parse_config(format(kConfig, legs), "dataplane_ring_bench", opts);
        if (!cfg.ok()) {
            die(cfg.error().format());
        }
        auto dp = Dataplane::create(*cfg);
        if (!dp.ok()) {
            die(dp.error().message);
        }
        dp_ = std::move(*dp);
        learn_gateway();
        add_legs();
        build_frames();
    }

    Worker& worker() { return dp_->workers_for_test()[0]; }
    size_t batch() const { return batch_; }

    // One batch: refill the lan RX ring (untimed), `poll` until it is empty
    // (timed; returns TSC cycles), take all of it from the wan TX ring, check it
    // as `verify` says and free it (untimed). Aborts unless every packet came out.
    template <typename Poll>
    uint64_t pass(Poll& poll, const char* who, Verify verify) {
        const size_t first = pos_;
        refill();
        const uint64_t t0 = rte_rdtsc_precise();
        for (size_t got = 0; got < batch_;) {
            const unsigned r = poll();
            if (r == 0) {
                die(format("%s: a poll found nothing, %zu packets queued", who, batch_ - got));
            }
            got += r;
        }
        const uint64_t cycles = rte_rdtsc_precise() - t0;
        const unsigned out = rte_ring_dequeue_burst(wan_.tx, reinterpret_cast<void**>(bufs_.data()),
                                                    kRingSize, nullptr);
        if (out != batch_ || rte_ring_count(lan_.tx) != 0) {
            die(format("%s: %u of %zu packets came out on wan, %u on lan", who, out, batch_,
                       rte_ring_count(lan_.tx)));
        }
        for (size_t i = 0; i < batch_ && verify != Verify::kNone; ++i) {
            const uint32_t relay = seq_[(first + i) % seq_.size()];
            if (!(verify == Verify::kSwapped ? swapped_ok(bufs_[i])
                                             : relayed_ok(bufs_[i], relay))) {
                die(format("%s: packet %zu (relay %u) came out wrong", who, i, relay));
            }
        }
        rte_pktmbuf_free_bulk(bufs_.data(), out);
        return cycles;
    }

  private:
    IpAddr lan_local() const { return v4_ ? v4_addr(0x0a010001) : v6_addr(1, 1); }
    IpAddr wan_local() const { return v4_ ? v4_addr(0xc6336401) : v6_addr(2, 1); }
    IpAddr lan_peer(uint32_t i) const {
        return v4_ ? v4_addr(0x0a010010 + i) : v6_addr(1, 0x10000 + i);
    }
    IpAddr remote(uint32_t i) const {
        return v4_ ? v4_addr(0x64400001 + i) : v6_addr(0x8000, 1 + i);
    }

    // Copies of the frames of the next batch_ sequence positions, into the lan RX ring.
    void refill() {
        if (rte_pktmbuf_alloc_bulk(pool_, bufs_.data(), static_cast<unsigned>(batch_)) != 0) {
            die("the mbuf pool ran dry");
        }
        for (size_t i = 0; i < batch_; ++i) {
            const auto& f = frames_[seq_[(pos_ + i) % seq_.size()]];
            std::memcpy(rte_pktmbuf_mtod(bufs_[i], uint8_t*), f.data(), frame_len_);
            bufs_[i]->data_len = frame_len_;
            bufs_[i]->pkt_len = frame_len_;
        }
        pos_ = (pos_ + batch_) % seq_.size();
        if (rte_ring_enqueue_bulk(lan_.rx, reinterpret_cast<void**>(bufs_.data()),
                                  static_cast<unsigned>(batch_), nullptr) != batch_) {
            die("the lan RX ring is full");
        }
    }

    // The wan gateway's ARP request for 198.51.100.1 (IPv4) or its neighbour
    // solicitation for 2001:db8:2::1 (IPv6): the dataplane learns the gateway
    // from it (and answers; the answer is freed).
    void learn_gateway() {
        uint8_t f[86] = {};
        std::memcpy(f + 6, kGatewayMac.addr_bytes, 6);
        uint16_t len = 60;
        if (v4_) {
            std::memset(f, 0xff, 6);
            const uint8_t arp[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};  // request
            std::memcpy(f + 12, arp, sizeof arp);
            std::memcpy(f + 22, kGatewayMac.addr_bytes, 6);
            std::memcpy(f + 28, v4_addr(0xc63364fe).v4_wire(), 4);
            std::memcpy(f + 38, wan_local().v4_wire(), 4);
        } else {
            const uint8_t group[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1};
            const uint8_t eth[] = {0x33, 0x33, 0xff, 0, 0, 1};
            std::memcpy(f, eth, 6);
            f[12] = 0x86;
            f[13] = 0xdd;
            auto* ip = reinterpret_cast<rte_ipv6_hdr*>(f + 14);
            ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
            ip->payload_len = rte_cpu_to_be_16(32);
            ip->proto = 58;  // ICMPv6
            ip->hop_limits = 255;
            std::memcpy(ip->src_addr, v6_addr(2, 0xfe).bytes, 16);
            std::memcpy(ip->dst_addr, group, 16);
            uint8_t* icmp = f + 54;
            icmp[0] = 135;  // neighbour solicitation
            std::memcpy(icmp + 8, wan_local().bytes, 16);
            icmp[24] = 1;  // source link-layer address option, 8 bytes
            icmp[25] = 1;
            std::memcpy(icmp + 26, kGatewayMac.addr_bytes, 6);
            const uint16_t sum = rte_ipv6_udptcp_cksum(ip, icmp);
            std::memcpy(icmp + 2, &sum, 2);
            len = 86;
        }
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        char* data = m != nullptr ? rte_pktmbuf_append(m, len) : nullptr;
        if (data == nullptr) {
            die("no mbuf");
        }
        std::memcpy(data, f, len);
        if (rte_ring_enqueue(wan_.rx, m) != 0) {
            die("cannot inject the gateway's ARP / NS");
        }
        dataplane::worker_poll_once(worker(), dp_->snapshot());
        dp_->poll_main(1'000'000);
        for (rte_ring* r : {lan_.tx, wan_.tx}) {
            void* reply = nullptr;
            while (rte_ring_dequeue(r, &reply) == 0) {
                rte_pktmbuf_free(static_cast<rte_mbuf*>(reply));
            }
        }
        if (dp_->stats().neighbours == 0) {
            die("the dataplane did not learn the wan gateway");
        }
    }

    void add_legs() {
        const size_t per = api::MessageBuilder::max_entries(api::MsgType::kAddLegs) & ~size_t{1};
        auto spec = [](const IpAddr& local, uint16_t port, const IpAddr& peer, uint16_t peer_port,
                       const IpAddr& other) {
            api::LegSpec s;
            std::memcpy(s.local.bytes, local.bytes, 16);
            std::memcpy(s.peer.bytes, peer.bytes, 16);
            std::memcpy(s.other_local.bytes, other.bytes, 16);
            s.local_port = s.other_port = port;
            s.peer_port = peer_port;
            return s;
        };
        for (uint32_t i = 0; i < relays_;) {
            api::MessageBuilder b(api::MsgType::kAddLegs, i + 1);
            for (; i < relays_ && b.count() < per; ++i) {
                const auto port = static_cast<uint16_t>(kFirstPort + i);
                b.add(spec(lan_local(), port, lan_peer(i), kLanPeerPort, wan_local()));
                b.add(spec(wan_local(), port, remote(i), kRemotePort, lan_local()));
            }
            std::vector<std::vector<uint8_t>> out;
            bool close = false;
            dp_->handle_message(b.bytes(), out, close);
            auto reply = api::parse_message(out.at(0));
            if (!reply.ok() || reply->type() != api::MsgType::kOk) {
                die("add-legs refused: " +
                    (reply.ok() ? std::string(reply->text()) : reply.error().message));
            }
        }
    }

    // Every relay's frame, and a random relay for every packet, drawn in advance.
    void build_frames() {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (m == nullptr) {
            die("no mbuf");
        }
        frames_.resize(relays_);
        for (uint32_t i = 0; i < relays_; ++i) {
            load_frame(m, dp_->ports()[0].mac, kLanHostMac, Endpoint{lan_peer(i), kLanPeerPort},
                       Endpoint{lan_local(), static_cast<uint16_t>(kFirstPort + i)});
            frame_len_ = rte_pktmbuf_data_len(m);
            std::memcpy(frames_[i].data(), rte_pktmbuf_mtod(m, uint8_t*), frame_len_);
        }
        rte_pktmbuf_free(m);
        Rng rng(kSeed ^ (relays_ * 2 + (v4_ ? 1 : 0)));
        seq_.resize(std::max<size_t>(2 * relays_, 65536));
        for (uint32_t& r : seq_) {
            r = rng.below(static_cast<uint32_t>(relays_));
        }
    }

    // Out of the wan leg to relay i's remote party via the gateway: MACs,
    // addresses, ports, TTL / hop limit 63, checksums and payload.
    bool relayed_ok(const rte_mbuf* m, uint32_t i) const {
        const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
        const uint8_t* ip = f + 14;
        const uint8_t* udp = ip + (v4_ ? 20 : 40);
        const IpAddr src = wan_local();
        const IpAddr dst = remote(i);
        const size_t n = v4_ ? 4 : 16;
        return rte_pktmbuf_data_len(m) == frame_len_ && same_mac(f, kGatewayMac) &&
               same_mac(f + 6, dp_->ports()[1].mac) &&
               std::memcmp(ip + (v4_ ? 12 : 8), v4_ ? src.v4_wire() : src.bytes, n) == 0 &&
               std::memcmp(ip + (v4_ ? 16 : 24), v4_ ? dst.v4_wire() : dst.bytes, n) == 0 &&
               get16(udp) == kFirstPort + i && get16(udp + 2) == kRemotePort &&
               ip[v4_ ? 8 : 7] == 63 && checksums_ok(f, v4_) && payload_intact(udp + 8);
    }
    bool swapped_ok(const rte_mbuf* m) const {
        const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
        return same_mac(f, kLanHostMac) && same_mac(f + 6, dp_->ports()[0].mac);
    }

    bool v4_;
    size_t relays_;
    size_t batch_;
    rte_mempool* pool_;
    RingPort lan_;
    RingPort wan_;
    std::unique_ptr<Dataplane> dp_;
    std::vector<rte_mbuf*> bufs_ = std::vector<rte_mbuf*>(kRingSize);
    std::vector<std::array<uint8_t, 256>> frames_;  // per relay, as its lan peer sends it
    uint16_t frame_len_ = 0;
    std::vector<uint32_t> seq_;  // the relay of every packet
    size_t pos_ = 0;
};

// The floor: testpmd's macswap over the same two ring ports. A poll = each port
// once: RX burst, swap source and destination MACs, TX burst to the other port
// (what that refuses is freed; pass() then finds it missing and aborts).
unsigned mac_swap_poll(uint16_t lan, uint16_t wan) {
    const uint16_t ports[2] = {lan, wan};
    unsigned received = 0;
    rte_mbuf* pkts[dataplane::kMaxBurst];
    for (unsigned p = 0; p < 2; ++p) {
        const uint16_t n = rte_eth_rx_burst(ports[p], 0, pkts, dataplane::kMaxBurst);
        for (uint16_t i = 0; i < n; ++i) {
            auto* eth = rte_pktmbuf_mtod(pkts[i], rte_ether_hdr*);
            std::swap(eth->dst_addr, eth->src_addr);
        }
        const uint16_t sent = n != 0 ? rte_eth_tx_burst(ports[1 - p], 0, pkts, n) : 0;
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
        received += n;
    }
    return received;
}

// ---- timing ----------------------------------------------------------------------

struct Figure {
    double cycles = std::numeric_limits<double>::infinity();  // per packet, best run
    uint64_t batches = 0;
    uint64_t slow = 0;  // batches over 2x their run's median: interrupted (shared CPU)
    double mpps() const { return static_cast<double>(rte_get_tsc_hz()) / cycles / 1e6; }
    double slow_share() const { return static_cast<double>(slow) / std::max<double>(1, batches); }
};

// Warms up; returns the batches of a run of ~run_seconds (refilling included).
template <typename Poll>
size_t batches_per_run(RingCase& c, Poll& poll, const char* who, double run_seconds) {
    c.pass(poll, who, Verify::kNone);
    const uint64_t t0 = rte_rdtsc();
    for (int i = 0; i < 4; ++i) {
        c.pass(poll, who, Verify::kNone);
    }
    const double per_batch = static_cast<double>(rte_rdtsc() - t0) / 4;
    return std::max<size_t>(3, static_cast<size_t>(run_seconds * rte_get_tsc_hz() / per_batch));
}

// One run; its figure is its median batch, so interrupted batches do not count.
template <typename Poll>
void run(RingCase& c, Poll& poll, const char* who, size_t batches, Figure& fig) {
    std::vector<uint64_t> each(batches);
    for (uint64_t& cycles : each) {
        cycles = c.pass(poll, who, Verify::kNone);
    }
    std::sort(each.begin(), each.end());
    const uint64_t median = each[each.size() / 2];
    fig.cycles = std::min(fig.cycles, static_cast<double>(median) / c.batch());
    fig.slow += static_cast<uint64_t>(
        std::count_if(each.begin(), each.end(), [&](uint64_t t) { return t > 2 * median; }));
    fig.batches += batches;
}

struct CaseResult {
    bool v4 = true;
    size_t legs = 0;
    Figure ours;
    Figure swap;
    uint64_t relayed = 0;  // by the worker while timed (= batches x batch size)
    std::string label() const {
        return std::string(v4 ? "IPv4 " : "IPv6 ") +
               (legs % 1000 == 0 ? std::to_string(legs / 1000) + "k" : std::to_string(legs));
    }
    double ratio() const { return ours.cycles / swap.cycles; }
};

CaseResult run_case(bool v4,
                    size_t legs,
                    const Options& opt,
                    rte_mempool* pool,
                    const RingPort& lan,
                    const RingPort& wan) {
    RingCase c(v4, legs, opt.batch, pool, lan, wan);
    Worker& w = c.worker();
    // As worker_main's loop, less its urcu_qsbr_quiescent_state() per loop.
    auto ours = [&w] { return dataplane::worker_poll_once(w, *w.snapshot->current()); };
    auto swap = [&] { return mac_swap_poll(lan.id, wan.id); };
    c.pass(ours, "mediagate", Verify::kRelayed);  // correctness first
    c.pass(swap, "MAC swap", Verify::kSwapped);
    const size_t n_ours = batches_per_run(c, ours, "mediagate", opt.run_seconds);
    const size_t n_swap = batches_per_run(c, swap, "MAC swap", opt.run_seconds);
    CaseResult r;
    r.v4 = v4;
    r.legs = legs;
    const uint64_t relayed_before = w.stats.forward.relayed;
    for (int i = 0; i < opt.runs; ++i) {  // interleaved: a burst of other load hits both
        run(c, ours, "mediagate", n_ours, r.ours);
        run(c, swap, "MAC swap", n_swap, r.swap);
    }
    // pass() saw every packet come out; the worker's own counters must agree.
    r.relayed = w.stats.forward.relayed - relayed_before;
    const uint64_t dropped = w.stats.forward.dropped() + w.stats.tx_dropped;
    if (r.relayed != r.ours.batches * opt.batch || dropped != 0) {
        die(format("the worker relayed %llu of %llu packets, dropped %llu",
                   static_cast<unsigned long long>(r.relayed),
                   static_cast<unsigned long long>(r.ours.batches * opt.batch),
                   static_cast<unsigned long long>(dropped)));
    }
    return r;
}

// ---- reporting and main ------------------------------------------------------------

double load_average() {
    double load = -1;
    std::ifstream("/proc/loadavg") >> load;
    return load;
}

void print_table(const EalInfo& eal, const Options& opt, const std::vector<CaseResult>& results) {
    std::printf(
        "dataplane_ring_bench: mediagate worker loop vs MAC swap over net_ring, %s%s\n"
        "mediagate: worker_poll_once (RX burst lan + wan, forward_burst, TX burst) on the main "
        "lcore;\n  MAC swap: per port RX burst, swap MACs, TX burst to the other port\n"
        "frames: Ethernet/IP/UDP, 160-byte RTP payload, each to a random lan leg; batches of "
        "%zu copied\n  into the lan RX ring (untimed), polled until empty (timed, rdtsc), "
        "drained from the wan TX ring\n  (untimed); a run = its median batch, best of %d "
        "interleaved runs of ~%.2g s\n",
        rte_version(), opt.smoke ? "  [--smoke]" : "", opt.batch, opt.runs, opt.run_seconds);
    std::printf("TSC %.3f GHz; DPDK memory: hugepages used: %s (%s)\n  EAL: %s\n",
                static_cast<double>(rte_get_tsc_hz()) / 1e9, eal.hugepages ? "yes" : "no",
                eal.memory.c_str(), eal.args.c_str());
    std::printf("machine load at start (1-minute load average): %.2f\n\n", load_average());
    std::printf("case      | Mpps mg | Mpps swap | cyc/pkt mg | cyc/pkt swap | mg/swap | slow\n");
    std::printf("----------+---------+-----------+------------+--------------+---------+------\n");
    for (const CaseResult& r : results) {
        std::printf("%-9s | %7.2f | %9.2f | %10.1f | %12.1f | %6.2fx | %.1f%%/%.1f%%\n",
                    r.label().c_str(), r.ours.mpps(), r.swap.mpps(), r.ours.cycles, r.swap.cycles,
                    r.ratio(), 100 * r.ours.slow_share(), 100 * r.swap.slow_share());
    }
    std::printf("(slow: batches over 2x their run's median, mediagate/MAC swap)\n");
    for (const CaseResult& r : results) {
        std::printf(
            "%s: %zu relays; a batch per forwarder checked field by field first; timed: "
            "all out, relayed %llu, dropped 0\n",
            r.label().c_str(), r.legs / 2, static_cast<unsigned long long>(r.relayed));
    }
}

void print_json(const EalInfo& eal, const Options& opt, const std::vector<CaseResult>& results) {
    std::string out = format(
        "{\"dpdk\": \"%s\", \"hugepages\": %s, \"eal_args\": \"%s\", \"tsc_hz\": %llu, "
        "\"batch\": %zu, \"runs\": %d, \"run_seconds\": %.3f, \"smoke\": %s, "
        "\"load_average\": %.2f, \"cases\": [",
        rte_version(), eal.hugepages ? "true" : "false", eal.args.c_str(),
        static_cast<unsigned long long>(rte_get_tsc_hz()), opt.batch, opt.runs, opt.run_seconds,
        opt.smoke ? "true" : "false", load_average());
    for (size_t i = 0; i < results.size(); ++i) {
        const CaseResult& r = results[i];
        out += format(
            "%s{\"family\": \"%s\", \"legs\": %zu, \"mpps\": {\"mediagate\": %.3f, \"mac_swap\": "
            "%.3f}, \"cycles_per_packet\": {\"mediagate\": %.2f, \"mac_swap\": %.2f}, "
            "\"ratio_mediagate_vs_mac_swap\": %.3f, \"slow_batches\": {\"mediagate\": %.4f, "
            "\"mac_swap\": %.4f}, \"relayed_timed\": %llu, \"dropped\": 0}",
            i ? ", " : "", r.v4 ? "ipv4" : "ipv6", r.legs, r.ours.mpps(), r.swap.mpps(),
            r.ours.cycles, r.swap.cycles, r.ratio(), r.ours.slow_share(), r.swap.slow_share(),
            static_cast<unsigned long long>(r.relayed));
    }
    std::printf("%s]}\n", out.c_str());
}

[[noreturn]] void usage(int code) {
    std::fprintf(code ? stderr : stdout,
                 "usage: dataplane_ring_bench [--json] [--smoke] [--sizes 1k,64k] [--batch N] "
                 "[--no-hugepages]\n"
                 "  --sizes LIST  legs per case (2 per relay), even, 2..64000, k = 1000\n"
                 "  --batch N     packets per refill of the lan RX ring, 32..16383\n"
                 "  --smoke       1k legs, one short run (CI: builds, runs, checks)\n");
    std::exit(code);
}

Options parse_args(int argc, char** argv) {
    Options opt;
    bool sizes_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") {
            opt.json = true;
        } else if (a == "--smoke") {
            opt.smoke = true;
        } else if (a == "--no-hugepages") {
            opt.hugepages = false;
        } else if (a == "--batch" && i + 1 < argc) {
            opt.batch = std::strtoul(argv[++i], nullptr, 10);
            if (opt.batch < 32 || opt.batch >= kRingSize) {
                usage(1);
            }
        } else if (a == "--sizes" && i + 1 < argc) {
            opt.sizes.clear();
            sizes_given = true;
            for (const char* p = argv[++i]; *p != '\0';) {
                char* end = nullptr;
                size_t n = std::strtoul(p, &end, 10);
                n *= *end == 'k' ? 1000 : 1;
                end += *end == 'k' ? 1 : 0;
                if (n < 2 || n % 2 != 0 || n > 64000 || (*end != ',' && *end != '\0')) {
                    usage(1);
                }
                opt.sizes.push_back(n);
                p = *end == ',' ? end + 1 : end;
            }
        } else {
            usage(a == "--help" || a == "-h" ? 0 : 1);
        }
    }
    if (opt.smoke) {
        opt.sizes = sizes_given ? opt.sizes : std::vector<size_t>{1000};
        opt.run_seconds = 0.002;
        opt.runs = 1;
    }
    return opt;
}

}  // namespace
}  // namespace mg::perf

int main(int argc, char** argv) {
    using namespace mg::perf;
    const Options opt = parse_args(argc, argv);
    EalOptions eal_options;
    eal_options.allow_hugepages = opt.hugepages;
    eal_options.no_huge_megabytes = 1024;
    const EalInfo eal = init_eal(argv[0], eal_options);
    rte_mempool* pool =
        rte_pktmbuf_pool_create("mgring_pool", kRingSize + 1023, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
        die(std::string("no mbuf pool: ") + rte_strerror(rte_errno));
    }
    const RingPort lan = make_port("rb_lan");
    const RingPort wan = make_port("rb_wan");
    std::vector<CaseResult> results;
    for (const bool v4 : {true, false}) {
        for (size_t legs : opt.sizes) {
            std::fprintf(stderr, "dataplane_ring_bench: %s, %zu legs...\n", v4 ? "IPv4" : "IPv6",
                         legs);
            results.push_back(run_case(v4, legs, opt, pool, lan, wan));
        }
    }
    if (opt.json) {
        print_json(eal, opt, results);
    } else {
        print_table(eal, opt, results);
    }
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    rmdir(runtime_dir.c_str());
    return 0;
}
