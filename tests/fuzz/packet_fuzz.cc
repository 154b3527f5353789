// Fuzz target: frames from the wire through the whole packet path of a worker
// (dataplane::forward_burst: parse, legs, latching, rewrite) and, for the
// frames it hands over, the main lcore's exception path (handle_exception: ARP
// and neighbour discovery). Frames are the most exposed input mediagate has:
// anyone who can reach a media address can send them.
//
// Input: up to 32 frames, one burst (run twice over the same legs), each as
//   flags (1 byte) | length (2 bytes, big-endian) | frame bytes,
// the length clamped to what is left. flags bits 0-1 choose the RX IPv4
// checksum flag a NIC would set (unknown, good, bad, none), bit 2 splits the
// frame into two segments, bit 4 is the port it arrives on; bit 3 of the first
// frame's flags moves the clock of the second pass past the re-latch time.
//
// Besides "no crash, no sanitizer report" it checks what must hold for every
// input (abort on violation, so the fuzzer reports it):
// - every frame comes back in exactly one of tx / exception / host / drop;
// - a frame for the host (port 0 has a TAP) arrived on port 0 for its MAC or a
//   group address, and is not one the relay should have taken or refused (it
//   parses as UDP, for a leg-less port or another address, or as a for_host()
//   drop);
// - a relayed frame parses again as UDP from the other leg's local address and
//   port, with a header checksum that verifies (IPv4) and a UDP checksum that
//   verifies whenever the received one did (the updates are incremental);
// - every mbuf is back in the pool at the end.
// The tailroom of every mbuf is poisoned under AddressSanitizer, so a read past
// the end of a frame is reported even though mbufs live in DPDK's memory.
//
// The same file builds two ways (tests/fuzz/meson.build): with replay_main.cc
// over the seed corpus in every test run, and with clang -fsanitize=fuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dataplane/exception.h"
#include "dataplane/forward_dp.h"
#include "dataplane/local_addresses.h"
#include "dataplane/neighbour.h"
#include "dataplane/relay_table.h"
#include "lists/address.h"
#include "lists/classifier.h"
#include "tests/dataplane/frame_builder.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MG_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MG_FUZZ_ASAN 1
#endif
#ifdef MG_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define MG_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define MG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define MG_POISON(p, n) ((void)(p), (void)(n))
#define MG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace {

using namespace mg::dataplane;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "packet_fuzz: invariant violated: %s\n", what);
    std::abort();
}

IpAddr ip(const char* text) {
    auto a = mg::lists::parse_address(text);
    if (!a) {
        fail("bad address in the fixture");
    }
    return IpAddr::from_address(*a);
}

constexpr uint64_t kRelatchTsc = 1'000'000;

struct Fixture {
    rte_mempool* pool = nullptr;
    LocalAddressTable locals;
    LocalAddressTable cached;  // `locals` with the gateways' MACs cached, as published
    NeighbourMap neighbours;
    HostPorts host;  // port 0 has a TAP for the host, port 1 not
    // A Debug list (198.51.100.0/25 and 2001:db8:1::/112), consulted when a leg
    // latches.
    mg::Result<mg::lists::Classifier> lists = build_lists();

    static mg::Result<mg::lists::Classifier> build_lists() {
        mg::lists::NamedList debug{"debug", {}};
        debug.set.v4.push_back({0xc6336400, 0xc633647f});
        const mg::lists::Uint128 base = mg::lists::parse_address("2001:db8:1::")->value;
        debug.set.v6.push_back({base, base | 0xffff});
        return mg::lists::Classifier::build({debug});
    }

    Fixture() {
        const std::string prefix = "mgfuzzpkt" + std::to_string(getpid());
        const char* argv[] = {"packet_fuzz",   "--no-huge",    "-m",
                              "128",           "--no-pci",     "--file-prefix",
                              prefix.c_str(),  "--log-level=*:error", "--no-telemetry"};
        if (rte_eal_init(static_cast<int>(std::size(argv)), const_cast<char**>(argv)) < 0) {
            fail("rte_eal_init");
        }
        // --no-huge cannot go with --in-memory: remove the runtime directory
        // (/var/run/dpdk/<prefix>) at exit, or every run leaves one behind.
        std::atexit([] {
            const std::string dir = rte_eal_get_runtime_dir();
            rte_eal_cleanup();
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        });
        pool = rte_pktmbuf_pool_create("mgfuzzpool", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       SOCKET_ID_ANY);
        if (pool == nullptr) {
            fail("rte_pktmbuf_pool_create");
        }
        if (!lists.ok()) {
            fail("the Debug list");
        }
        // 0: 192.0.2.1/24 on port 0, untagged; 1: 2001:db8:1::1/64 on port 0;
        // 2: 198.51.100.1/24 on port 1, VLAN 100, one static route.
        add_local(ip("192.0.2.1"), 96 + 24, 0, kNoVlan, ip("192.0.2.254"));
        add_local(ip("2001:db8:1::1"), 64, 0, kNoVlan, ip("2001:db8:1::fe"));
        LocalAddress l = make_local(ip("198.51.100.1"), 96 + 24, 1, 100, ip("198.51.100.254"));
        l.routes[0] = Route{ip("203.0.113.0"), 96 + 24, ip("198.51.100.253"), {}};
        l.route_count = 1;
        if (locals.add(l) < 0) {
            fail("locals");
        }
        host.mask = 1;
        host.mac[0] = locals.at(0).mac;
        const rte_ether_addr mac{{0x02, 0, 0, 0, 0xaa, 0x01}};
        const std::pair<const char*, uint16_t> known[] = {{"192.0.2.254", 0},
                                                          {"2001:db8:1::fe", 0},
                                                          {"198.51.100.254", 1},
                                                          {"192.0.2.10", 0},
                                                          {"2001:db8:1::10", 0}};
        for (const auto& [n, port] : known) {
            neighbours.add({ip(n), port}, mac);  // 198.51.100.253 stays unknown: misses
        }
        cached = locals;
        cached.cache_gateway_macs(neighbours);
    }

    static LocalAddress make_local(
        const IpAddr& a, uint8_t len, uint16_t port, uint16_t vlan, const IpAddr& gw) {
        LocalAddress l;
        l.addr = a;
        l.prefix_len = len;
        l.port_id = port;
        l.vlan_tci = vlan;
        l.mac = rte_ether_addr{{0x02, 0, 0, 0, 0, static_cast<uint8_t>(0x10 + port)}};
        l.gateway = gw;
        return l;
    }
    void add_local(const IpAddr& a, uint8_t len, uint16_t port, uint16_t vlan, const IpAddr& gw) {
        if (locals.add(make_local(a, len, port, vlan, gw)) < 0) {
            fail("locals");
        }
    }
};

Fixture& fixture() {
    static Fixture* f = new Fixture();  // lives as long as the process (EAL memory)
    return *f;
}

Leg make_leg(uint16_t local, uint16_t port, uint16_t other_local, uint16_t other_port,
             const char* peer, uint16_t peer_port, bool latch) {
    Leg leg;
    leg.local_addr_index = local;
    leg.local_port = port;
    leg.other_addr_index = other_local;
    leg.other_port = other_port;
    leg.peer = peer != nullptr ? ip(peer) : IpAddr{};
    leg.peer_port = peer_port;
    leg.flags = latch ? kLegLatch : 0;
    leg.dscp = port % 2 == 0 ? 46 : kKeepDscp;
    return leg;
}

// Three pairs: v4 signalled <-> v4 latching behind a VLAN; v6 latching <-> v4
// signalled (the families bridged); v4 (VLAN, routed) latching <-> v6 latching.
// Built anew for every input, so an input's result does not depend on the
// inputs before it.
std::unique_ptr<RelayTable> make_relays() {
    auto t = std::make_unique<RelayTable>(3, 16);
    const Leg legs[] = {
        make_leg(0, 4000, 2, 4000, "192.0.2.10", 5000, false),
        make_leg(2, 4000, 0, 4000, nullptr, 0, true),
        make_leg(1, 4002, 0, 4002, nullptr, 0, true),
        make_leg(0, 4002, 1, 4002, "203.0.113.5", 6000, false),
        make_leg(2, 4004, 1, 4004, "203.0.113.9", 7000, true),
        make_leg(1, 4004, 2, 4004, nullptr, 0, true),
    };
    for (const Leg& l : legs) {
        if (!t->add(l).ok()) {
            fail("relay add");
        }
    }
    return t;
}

// The one's complement sum of a UDP datagram with its pseudo-header verifies
// (the dataplane tests' reference sum, test::ref_sum).
bool udp_checksum_ok(const uint8_t* l3, bool v4, const uint8_t* udp, uint16_t udp_len) {
    test::Bytes b = v4 ? test::Bytes(l3 + 12, l3 + 20) : test::Bytes(l3 + 8, l3 + 40);
    b.insert(b.end(), {0, 17, static_cast<uint8_t>(udp_len >> 8), static_cast<uint8_t>(udp_len)});
    b.insert(b.end(), udp, udp + udp_len);
    return test::ref_sum(b) == 0xffff;
}

bool ipv4_header_ok(const uint8_t* l3) {
    return test::ref_sum(test::Bytes(l3, l3 + 20)) == 0xffff;
}

// The whole frame in one buffer, whatever its segments.
std::vector<uint8_t> linear(const rte_mbuf* m) {
    std::vector<uint8_t> bytes(rte_pktmbuf_pkt_len(m));
    if (!bytes.empty() && rte_pktmbuf_read(m, 0, static_cast<uint32_t>(bytes.size()),
                                           bytes.data()) != bytes.data()) {
        // The data was contiguous: rte_pktmbuf_read returned a pointer into it.
        std::memcpy(bytes.data(), rte_pktmbuf_mtod(m, const uint8_t*), bytes.size());
    }
    return bytes;
}

// What a received UDP frame was: its checksums, before the relay rewrote it.
struct Received {
    bool udp_ok = false;
    bool ip_ok = true;
    uint8_t ttl = 0;  // TTL / hop limit as received (UDP only)
};

Received inspect(const rte_mbuf* m) {
    Received r;
    const ParsedPacket p = parse_packet(m);
    if (p.kind != PacketKind::kUdp) {
        return r;
    }
    r.ttl = p.ttl;
    const std::vector<uint8_t> d = linear(m);
    const uint16_t udp_len = static_cast<uint16_t>(8 + p.payload_length);
    const uint16_t stored = static_cast<uint16_t>(d[p.l4_offset + 6] << 8 | d[p.l4_offset + 7]);
    r.udp_ok = stored != 0 &&
               udp_checksum_ok(d.data() + p.l3_offset, p.is_v4, d.data() + p.l4_offset, udp_len);
    r.ip_ok = !p.is_v4 || ipv4_header_ok(d.data() + p.l3_offset);
    return r;
}

// A relayed frame: UDP again, from the other leg, checksums as promised. The RX
// checksum flag it arrived with says nothing about the rewritten header (and a
// TX path ignores RX flags): the frame is parsed again without it, unless its
// IPv4 header was wrong on arrival and let in on a NIC's GOOD flag (the update
// is incremental: a wrong checksum stays wrong).
void check_relayed(rte_mbuf* m, const Received& before, const RelayTable& relays) {
    m->ol_flags = before.ip_ok ? 0 : RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    const ParsedPacket p = parse_packet(m);
    if (p.kind != PacketKind::kUdp) {
        fail("a relayed frame does not parse as UDP");
    }
    const int local = fixture().locals.find(p.src);
    if (local < 0 || relays.find(static_cast<uint16_t>(local), p.src_port) == nullptr) {
        fail("a relayed frame does not leave from a leg's local address and port");
    }
    if (fixture().locals.at(static_cast<uint16_t>(local)).port_id != m->port) {
        fail("a relayed frame leaves on another port than its local address's");
    }
    const rte_ether_addr known{{0x02, 0, 0, 0, 0xaa, 0x01}};  // every neighbour's
    if (!rte_is_same_ether_addr(rte_pktmbuf_mtod(m, const rte_ether_addr*), &known)) {
        fail("a relayed frame goes to a MAC no neighbour has");
    }
    const std::vector<uint8_t> d = linear(m);
    if (p.ttl == 0 || p.ttl >= before.ttl) {
        fail("a relayed frame left with TTL 0, or not one less than it came with");
    }
    if (p.is_v4 && before.ip_ok && !ipv4_header_ok(d.data() + p.l3_offset)) {
        fail("IPv4 header checksum broken by the rewrite");
    }
    const uint16_t udp_len = static_cast<uint16_t>(d[p.l4_offset + 4] << 8 | d[p.l4_offset + 5]);
    if (before.udp_ok &&
        !udp_checksum_ok(d.data() + p.l3_offset, p.is_v4, d.data() + p.l4_offset, udp_len)) {
        fail("UDP checksum broken by the rewrite");
    }
}

// One frame into one or two mbufs; nullptr when the pool is dry (never here).
rte_mbuf* make_frame(rte_mempool* pool, const uint8_t* data, uint16_t len, uint8_t flags) {
    rte_mbuf* head = rte_pktmbuf_alloc(pool);
    if (head == nullptr) {
        return nullptr;
    }
    const uint16_t first = (flags & 4) != 0 && len >= 2 ? static_cast<uint16_t>(len / 2) : len;
    char* p = rte_pktmbuf_append(head, first);
    if (p == nullptr) {
        rte_pktmbuf_free(head);
        return nullptr;
    }
    std::memcpy(p, data, first);
    if (first < len) {
        rte_mbuf* tail = rte_pktmbuf_alloc(pool);
        char* q = tail != nullptr ? rte_pktmbuf_append(tail, len - first) : nullptr;
        if (q == nullptr || rte_pktmbuf_chain(head, tail) != 0) {
            rte_pktmbuf_free(tail);
            rte_pktmbuf_free(head);
            return nullptr;
        }
        std::memcpy(q, data + first, len - first);
    }
    static constexpr uint64_t kCksumFlags[] = {
        RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
        RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_NONE};
    head->ol_flags = kCksumFlags[flags & 3];
    head->port = static_cast<uint16_t>((flags >> 4) & 1);
    return head;
}

// Poisons (or unpoisons) what lies past the data of every segment.
void poison_tailroom(rte_mbuf* m, bool poison) {
    for (rte_mbuf* s = m; s != nullptr; s = s->next) {
        uint8_t* end = rte_pktmbuf_mtod_offset(s, uint8_t*, s->data_len);
        const uint16_t room = rte_pktmbuf_tailroom(s);
        if (poison) {
            MG_POISON(end, room);
        } else {
            MG_UNPOISON(end, room);
        }
    }
}

// One burst made of the input's frames, through forward_burst at `now_tsc`, with
// every invariant checked; then the exception frames through handle_exception.
// Frees everything it made.
void run_burst(const uint8_t* data,
               size_t size,
               RelayTable& relays,
               const LocalAddressTable& locals,
               uint64_t now_tsc) {
    Fixture& f = fixture();
    rte_mbuf* pkts[kMaxBurst];
    Received received[kMaxBurst];
    uint16_t n = 0;
    size_t at = 0;
    while (n < kMaxBurst && at + 3 <= size) {
        const uint8_t flags = data[at];
        size_t len = static_cast<size_t>(data[at + 1] << 8 | data[at + 2]);
        at += 3;
        len = std::min({len, size - at, size_t{1500}});
        rte_mbuf* m = make_frame(f.pool, data + at, static_cast<uint16_t>(len), flags);
        at += len;
        if (m == nullptr) {
            fail("mbuf pool exhausted");
        }
        received[n] = inspect(m);
        pkts[n++] = m;
    }

    ForwardContext ctx;
    ctx.relays = &relays;
    ctx.locals = &locals;
    ctx.neighbours = &f.neighbours;
    ctx.relatch_after_tsc = kRelatchTsc;
    ctx.lists = &*f.lists;
    ctx.debug_mask = 1;
    ctx.host = &f.host;
    WorkerCounters counters;
    for (uint16_t i = 0; i < n; ++i) {
        poison_tailroom(pkts[i], true);
    }
    const BurstResult r = forward_burst(ctx, counters, pkts, n, now_tsc);
    for (uint16_t i = 0; i < n; ++i) {
        poison_tailroom(pkts[i], false);
    }
    if (r.tx_count + r.exception_count + r.host_count + r.drop_count != n || counters.rx != n ||
        counters.relayed != r.tx_count || counters.dropped() != r.drop_count ||
        counters.to_host != r.host_count || counters.debug > counters.relayed) {
        fail("a frame is missing from the burst result or the counters, or counted twice");
    }
    for (uint16_t i = 0; i < r.host_count; ++i) {
        const rte_mbuf* m = r.host[i];
        const ParsedPacket p = parse_packet(m);
        const auto* dst = rte_pktmbuf_mtod(m, const rte_ether_addr*);
        if (m->port != 0 ||
            !(rte_is_multicast_ether_addr(dst) || rte_is_same_ether_addr(dst, &f.host.mac[0]))) {
            fail("a frame for the host from a port without a TAP, or for another MAC");
        }
        if (!(p.kind == PacketKind::kUdp || (p.kind == PacketKind::kDrop && for_host(p.drop)))) {
            fail("a frame for the host that the relay should have taken or refused");
        }
        if (p.kind == PacketKind::kUdp) {
            const int local = f.locals.find(p.dst);
            if (local >= 0 && relays.find(static_cast<uint16_t>(local), p.dst_port) != nullptr) {
                fail("media for a leg went to the host");
            }
        }
    }
    for (uint16_t i = 0; i < r.tx_count; ++i) {
        uint16_t which = 0;
        while (which < n && pkts[which] != r.tx[i]) {
            ++which;
        }
        if (which == n) {
            fail("tx holds an mbuf that was not in the burst");
        }
        check_relayed(r.tx[i], received[which], relays);
    }
    NeighbourTable table;
    ExceptionCounters exception_counters;
    for (uint16_t i = 0; i < r.exception_count; ++i) {
        rte_mbuf* m = r.exception[i];
        poison_tailroom(m, true);
        const ExceptionAction a = handle_exception(m, f.locals, table, 1000, exception_counters);
        poison_tailroom(m, false);
        if (a == ExceptionAction::kTransmit && rte_pktmbuf_pkt_len(m) < 42) {
            fail("an exception reply shorter than an ARP frame");
        }
    }
    for (uint16_t i = 0; i < n; ++i) {
        rte_pktmbuf_free(pkts[i]);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Fixture& f = fixture();
    const unsigned pool_before = rte_mempool_avail_count(f.pool);
    // The same frames twice over the same legs: the first burst latches, the
    // second meets latched legs (and re-latches when the first frame's flags
    // say the clock moved past kRelatchTsc). The first looks the gateways' MACs
    // up, the second finds them cached as in a published snapshot.
    const bool late = size > 0 && (data[0] & 8) != 0;
    auto relays = make_relays();
    run_burst(data, size, *relays, f.locals, 1);
    run_burst(data, size, *relays, f.cached, late ? 2 * kRelatchTsc : 2);
    relays->reclaim_retired();
    if (rte_mempool_avail_count(f.pool) != pool_before) {
        fail("mbufs leaked");
    }
    return 0;
}
