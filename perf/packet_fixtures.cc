// Frames, our relay with many legs and the peers' routes for the dataplane
// benchmark (see packet_fixtures.h). Setup and untimed restoring only.
#include "perf/packet_fixtures.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "perf/dpdk_peers.h"

#include <malloc.h>

namespace mg::perf {

namespace {

// Legs: local address i is 198.18.0.(i+1) or 2001:db8:0:1::(i+1); its legs use
// UDP ports kFirstPort.. (so one address holds at most 63536 legs).
constexpr uint16_t kFirstPort = 2000;
constexpr uint32_t kMaxPortsPerAddress = 65536 - kFirstPort;

}  // namespace

void fatal(const std::string& message) {
    std::fprintf(stderr, "\ndataplane_bench: FATAL: %s\n", message.c_str());
    std::fflush(stderr);
    remove_eal_runtime_dir();
    std::abort();
}

std::string format(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

IpAddr v4_addr(uint32_t host_order) {
    const uint8_t b[4] = {static_cast<uint8_t>(host_order >> 24),
                          static_cast<uint8_t>(host_order >> 16),
                          static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order)};
    return IpAddr::from_v4_wire(b);
}

uint32_t v4_host(const IpAddr& a) {
    const uint8_t* b = a.v4_wire();
    return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

bool same_mac(const uint8_t* p, const rte_ether_addr& m) {
    return std::memcmp(p, m.addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

namespace {

// ---- frames ----------------------------------------------------------------------

// Sum of big-endian 16-bit words (len even), and its fold: a checksum reference
// of our own, independent of DPDK and of dataplane/checksum_dp.h.
uint32_t be_sum(const uint8_t* p, size_t len) {
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        s += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    }
    return s;
}
uint16_t fold(uint32_t s) {
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return static_cast<uint16_t>(s);
}
void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
// An RTP packet as a payload: version 2, PCMU, then 148 bytes of audio.
struct Payload {
    uint8_t bytes[kPayloadLen];
    uint32_t sum;
    Payload() {
        const uint8_t header[12] = {0x80, 0x00, 0x12, 0x34, 0,    0,
                                    0x56, 0x78, 0xca, 0xfe, 0xba, 0xbe};
        std::memcpy(bytes, header, sizeof header);
        for (size_t i = sizeof header; i < kPayloadLen; ++i) {
            bytes[i] = static_cast<uint8_t>(0xd5 ^ (i * 7));
        }
        sum = be_sum(bytes, kPayloadLen);
    }
};
const Payload kPayload;

// Writes Ethernet / IPv4 or IPv6 (the family of src) / UDP / payload at `out`,
// with valid checksums (TTL / hop limit 64); returns the frame length.
uint16_t write_frame(uint8_t* out,
                     const rte_ether_addr& dst_mac,
                     const rte_ether_addr& src_mac,
                     const Endpoint& src,
                     const Endpoint& dst) {
    const bool v4 = src.addr.is_v4();
    const uint16_t l3_len = v4 ? 20 : 40;
    const uint16_t udp_len = 8 + kPayloadLen;
    std::memcpy(out, dst_mac.addr_bytes, 6);
    std::memcpy(out + 6, src_mac.addr_bytes, 6);
    put16(out + 12, v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
    uint8_t* ip = out + 14;
    const uint8_t* s = v4 ? src.addr.v4_wire() : src.addr.bytes;
    const uint8_t* d = v4 ? dst.addr.v4_wire() : dst.addr.bytes;
    const size_t alen = v4 ? 4 : 16;
    if (v4) {
        const uint8_t h[12] = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0};
        std::memcpy(ip, h, sizeof h);
        put16(ip + 2, l3_len + udp_len);
        std::memcpy(ip + 12, s, 4);
        std::memcpy(ip + 16, d, 4);
        put16(ip + 10, static_cast<uint16_t>(~fold(be_sum(ip, 20))));
    } else {
        const uint8_t h[8] = {0x60, 0, 0, 0, 0, 0, 17, 64};
        std::memcpy(ip, h, sizeof h);
        put16(ip + 4, udp_len);
        std::memcpy(ip + 8, s, 16);
        std::memcpy(ip + 24, d, 16);
    }
    uint8_t* udp = ip + l3_len;
    put16(udp, src.port);
    put16(udp + 2, dst.port);
    put16(udp + 4, udp_len);
    put16(udp + 6, 0);
    std::memcpy(udp + 8, kPayload.bytes, kPayloadLen);
    const uint32_t sum =
        be_sum(s, alen) + be_sum(d, alen) + 17 + udp_len + be_sum(udp, 8) + kPayload.sum;
    const uint16_t c = static_cast<uint16_t>(~fold(sum));
    put16(udp + 6, c == 0 ? 0xffff : c);
    return static_cast<uint16_t>(14 + l3_len + udp_len);
}

}  // namespace

void load_frame(rte_mbuf* m,
                const rte_ether_addr& dst_mac,
                const rte_ether_addr& src_mac,
                const Endpoint& src,
                const Endpoint& dst) {
    rte_pktmbuf_reset(m);
    const uint16_t len = write_frame(rte_pktmbuf_mtod(m, uint8_t*), dst_mac, src_mac, src, dst);
    m->data_len = len;
    m->pkt_len = len;
    m->port = 0;
}

bool checksums_ok(const uint8_t* frame, bool v4) {
    const uint8_t* ip = frame + 14;
    const uint8_t* udp = ip + (v4 ? 20 : 40);
    if (v4 && fold(be_sum(ip, 20)) != 0xffff) {
        return false;
    }
    const size_t alen = v4 ? 4 : 16;
    const uint16_t udp_len = 8 + kPayloadLen;
    const uint32_t sum = be_sum(ip + (v4 ? 12 : 8), alen) + be_sum(ip + (v4 ? 16 : 24), alen) + 17 +
                         udp_len + be_sum(udp, udp_len);
    return get16(udp + 4) == udp_len && fold(sum) == 0xffff;
}

bool payload_intact(const uint8_t* payload) {
    return std::memcmp(payload, kPayload.bytes, kPayloadLen) == 0;
}

// ---- ours ------------------------------------------------------------------------

namespace {

size_t heap_in_use() {
    const struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

}  // namespace

RelayFixture::Site RelayFixture::site(uint32_t leg) const {
    return {static_cast<uint16_t>(leg / ports_per_address_),
            static_cast<uint16_t>(kFirstPort + leg % ports_per_address_)};
}

void RelayFixture::load_leg_frame(rte_mbuf* m, uint32_t leg) const {
    const Site s = site(leg);
    const dataplane::LocalAddress& local = locals_.at(s.index);
    load_frame(m, local.mac, kGatewayMac, remote_[leg], Endpoint{local.addr, s.port});
}

RelayFixture::RelayFixture(bool v4, size_t legs, size_t sequence_length, Rng& rng) : v4_(v4) {
    if (legs % 2 != 0 || legs < 2) {
        fatal("the leg count must be even");
    }
    addresses_ = static_cast<uint16_t>((legs + kMaxPortsPerAddress - 1) / kMaxPortsPerAddress);
    ports_per_address_ = static_cast<uint32_t>((legs + addresses_ - 1) / addresses_);
    if (addresses_ > dataplane::LocalAddressTable::kMaxAddresses) {
        fatal("too many legs for the local address table");
    }
    for (uint16_t i = 0; i < addresses_; ++i) {
        dataplane::LocalAddress a;
        if (v4) {
            a.addr = v4_addr(0xc6120000u + i + 1);  // 198.18.0.(i+1)
            a.prefix_len = 96 + 24;
            a.gateway = v4_addr(0xc61200feu);  // 198.18.0.254
        } else {
            const uint8_t base[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
            a.addr = IpAddr::from_v6_wire(base);
            a.addr.bytes[14] = static_cast<uint8_t>((i + 1) >> 8);
            a.addr.bytes[15] = static_cast<uint8_t>(i + 1);
            a.prefix_len = 64;
            a.gateway = IpAddr::from_v6_wire(base);
            a.gateway.bytes[15] = 0xfe;  // 2001:db8:0:1::fe
        }
        a.port_id = 0;
        a.mac = local_mac(0x01, static_cast<uint8_t>(i + 1));
        if (locals_.add(a) < 0) {
            fatal("LocalAddressTable::add refused a local address");
        }
    }
    if (!neighbours_.add({locals_.at(0).gateway, locals_.at(0).port_id}, kGatewayMac)) {
        fatal("NeighbourMap::add refused the gateway");
    }
    locals_.cache_gateway_macs(neighbours_);  // as SnapshotPublisher does (snapshot.h)

    // Remote parties, off link: IPv4 in 100.64.0.0/10, IPv6 in 2001:db8:8000::/33.
    auto random_endpoint = [&] {
        Endpoint e;
        if (v4) {
            e.addr = v4_addr(0x64400000u | (rng.below(1u << 22)));
        } else {
            const uint64_t a = rng.next();
            const uint64_t b = rng.next();
            uint8_t bytes[16] = {0x20, 0x01, 0x0d, 0xb8};
            std::memcpy(bytes + 4, &a, 4);
            std::memcpy(bytes + 8, &b, 8);
            bytes[4] |= 0x80;
            e.addr = IpAddr::from_v6_wire(bytes);
        }
        e.port = static_cast<uint16_t>(1024 + 2 * rng.below(32256));
        return e;
    };

    // Pairs: consecutive entries of a random permutation of the legs.
    std::vector<uint32_t> order(legs);
    for (uint32_t i = 0; i < legs; ++i) {
        order[i] = i;
    }
    rng.shuffle(order);
    partner_.resize(legs);
    std::vector<uint8_t> latching(legs);
    for (size_t k = 0; k < legs; k += 2) {
        partner_[order[k]] = order[k + 1];
        partner_[order[k + 1]] = order[k];
        latching[order[k]] = latching[order[k + 1]] = (k / 2) % 2 == 0;
    }
    remote_.resize(legs);
    std::vector<Endpoint> signalled(legs);
    for (uint32_t i = 0; i < legs; ++i) {
        remote_[i] = random_endpoint();
        signalled[i] = latching[i] ? random_endpoint() : remote_[i];
    }

    // Published in a random order, as after churn: the two legs of a pair are
    // not neighbours in memory. The heap growth is the table's memory.
    rng.shuffle(order);
    const size_t heap_before = heap_in_use();
    relays_ = std::make_unique<dataplane::RelayTable>(addresses_, static_cast<uint32_t>(legs));
    for (uint32_t i : order) {
        const Site s = site(i);
        const Site o = site(partner_[i]);
        dataplane::Leg leg;
        leg.peer = signalled[i].addr;
        leg.peer_port = signalled[i].port;
        leg.owner_tag = i;
        leg.local_addr_index = s.index;
        leg.local_port = s.port;
        leg.other_addr_index = o.index;
        leg.other_port = o.port;
        leg.flags = latching[i] ? dataplane::kLegLatch : 0;
        if (!relays_->add(leg).ok()) {
            fatal("RelayTable::add refused a leg");
        }
    }
    table_heap_bytes_ = heap_in_use() - heap_before;

    ctx_.relays = relays_.get();
    ctx_.locals = &locals_;
    ctx_.neighbours = &neighbours_;

    seq_.resize(sequence_length);
    for (uint32_t& leg : seq_) {
        leg = rng.below(static_cast<uint32_t>(legs));
    }
}

bool RelayFixture::relayed_as_expected(const rte_mbuf* m, uint32_t leg) const {
    const uint32_t out = partner_[leg];
    const Site s = site(out);
    const dataplane::LocalAddress& from = locals_.at(s.index);
    const Endpoint& to = remote_[out];
    const uint8_t* f = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint8_t* ip = f + 14;
    const uint16_t l3 = v4_ ? 20 : 40;
    const uint8_t* udp = ip + l3;
    const size_t alen = v4_ ? 4 : 16;
    const uint8_t* src = v4_ ? ip + 12 : ip + 8;
    const uint8_t* dst = src + alen;
    return m->pkt_len == 14u + l3 + 8 + kPayloadLen && m->data_len == m->pkt_len &&
           m->port == from.port_id && same_mac(f, kGatewayMac) && same_mac(f + 6, from.mac) &&
           get16(f + 12) == (v4_ ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6) &&
           (v4_ ? ip[8] : ip[7]) == 63 &&
           std::memcmp(src, v4_ ? from.addr.v4_wire() : from.addr.bytes, alen) == 0 &&
           std::memcmp(dst, v4_ ? to.addr.v4_wire() : to.addr.bytes, alen) == 0 &&
           get16(udp) == s.port && get16(udp + 2) == to.port && payload_intact(udp + 8) &&
           checksums_ok(f, v4_);
}

void RelayFixture::check(rte_mbuf* const* pkts, Rng& rng) {
    std::vector<uint32_t> all(legs());
    for (uint32_t i = 0; i < all.size(); ++i) {
        all[i] = i;
    }
    for (int round = 0; round < 2; ++round) {
        rng.shuffle(all);
        for (size_t base = 0; base < all.size(); base += kPeerMaxBurst) {
            const auto n =
                static_cast<uint16_t>(std::min<size_t>(kPeerMaxBurst, all.size() - base));
            for (uint16_t i = 0; i < n; ++i) {
                load_leg_frame(pkts[i], all[base + i]);
            }
            const dataplane::BurstResult r =
                dataplane::forward_burst(ctx_, counters_, pkts, n, rte_rdtsc());
            if (r.tx_count != n) {
                fatal(format("forward_burst relayed %u of %u packets (%s)", r.tx_count, n,
                             r.drop_count > 0 ? dataplane::drop_reason_name(r.drop_reason[0])
                                              : "exception path"));
            }
            for (uint16_t i = 0; round == 1 && i < n; ++i) {
                if (r.tx[i] != pkts[i] || !relayed_as_expected(pkts[i], all[base + i])) {
                    fatal(format("forward_burst relayed leg %u's packet wrongly", all[base + i]));
                }
            }
        }
    }
    for (uint32_t leg = 0; leg < legs(); ++leg) {
        const Site s = site(leg);
        const dataplane::Leg* l = relays_->find(s.index, s.port);
        if (l == nullptr ||
            ((l->flags & dataplane::kLegLatch) != 0 &&
             __atomic_load_n(&l->latch_state, __ATOMIC_ACQUIRE) != dataplane::kLatched)) {
            fatal(format("leg %u is missing or did not latch", leg));
        }
    }
}

// ---- the peers -------------------------------------------------------------------

RouteSet make_routes(bool v4, size_t routes, size_t sequence_length, Rng& rng) {
    RouteSet rs;
    std::vector<uint64_t> taken((size_t{1} << 24) / 64);  // one bit per /24 or /48
    auto draw = [&](uint32_t lo, uint32_t hi) {
        for (;;) {
            const uint32_t b = lo + rng.below(hi - lo);
            if ((taken[b / 64] >> (b % 64) & 1) == 0) {
                taken[b / 64] |= uint64_t{1} << (b % 64);
                return b;
            }
        }
    };
    for (size_t i = 0; i < routes; ++i) {
        const auto port = static_cast<uint16_t>(rng.below(kPeerPorts));
        if (v4) {
            // /24s from 1.0.0.0 to 223.255.255.0, not 127/8.
            uint32_t b;
            do {
                b = draw(0x010000, 0xe00000);
            } while ((b >> 16) == 127);
            rs.v4.push_back(Route4{b << 8, 24, port});
        } else {
            const uint32_t b = draw(0, 1u << 24);
            Route6 r;
            const uint8_t p[6] = {0x3f,
                                  0xff,
                                  0x00,
                                  static_cast<uint8_t>(b >> 16),
                                  static_cast<uint8_t>(b >> 8),
                                  static_cast<uint8_t>(b)};
            std::memcpy(r.prefix, p, sizeof p);
            r.len = 48;
            r.port = port;
            rs.v6.push_back(r);
        }
    }
    rs.dst.resize(sequence_length);
    rs.port.resize(sequence_length);
    for (size_t j = 0; j < sequence_length; ++j) {
        const uint32_t r = rng.below(static_cast<uint32_t>(routes));
        if (v4) {
            rs.dst[j] = v4_addr(rs.v4[r].prefix | (1 + rng.below(254)));
            rs.port[j] = static_cast<uint8_t>(rs.v4[r].port);
        } else {
            uint8_t bytes[16];
            std::memcpy(bytes, rs.v6[r].prefix, 6);
            const uint64_t a = rng.next();
            const uint64_t b = rng.next();
            std::memcpy(bytes + 6, &a, 8);
            std::memcpy(bytes + 14, &b, 2);
            rs.dst[j] = IpAddr::from_v6_wire(bytes);
            rs.port[j] = static_cast<uint8_t>(rs.v6[r].port);
        }
    }
    return rs;
}

PortMacs peer_macs() {
    PortMacs m;
    for (uint8_t p = 0; p < kPeerPorts; ++p) {
        m.ours[p] = local_mac(0x01, static_cast<uint8_t>(0x80 + p));
        m.next_hop[p] = local_mac(0xfe, static_cast<uint8_t>(0x80 + p));
    }
    return m;
}

RoutedFrames::RoutedFrames(bool v4, const RouteSet& rs) : rs_(rs), macs_(peer_macs()) {
    src_.addr = v4 ? v4_addr(0xc0000201u) : rs.dst[0];  // 192.0.2.1, or any IPv6 one
    src_.port = 4000;
}

void RoutedFrames::prepare(rte_mbuf* const* pkts, size_t n, size_t pos) const {
    for (size_t i = 0; i < n; ++i) {
        load_frame(pkts[i], macs_.ours[0], kGatewayMac, src_, Endpoint{rs_.dst[pos + i], 5000});
    }
}

}  // namespace mg::perf
