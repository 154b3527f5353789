// What the dataplane benchmark feeds its forwarders: frames written into mbufs,
// our relay set up with many legs (RelayFixture) and the routes and frames of
// the l3fwd-style and MAC-swap peers (RouteSet, RoutedFrames).
//
// Benchmark-only, single-threaded. Everything is drawn from a seeded generator
// (our own integer draws), so every run builds the same legs, routes and packet
// sequences. Only RelayFixture::burst() is hot; the rest is setup and the
// untimed restoring of frames between timed passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/forward_dp.h"
#include "perf/l3fwd_peer.h"

namespace mg::perf {

using dataplane::IpAddr;

inline constexpr uint16_t kPayloadLen = 160;  // RTP header + 148 bytes of audio

[[noreturn]] void fatal(const std::string& message);
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

class Rng {
  public:
    explicit Rng(uint64_t seed) : g_(seed) {}
    uint64_t next() { return g_(); }
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(((g_() >> 32) * n) >> 32); }
    template <typename T>
    void shuffle(std::vector<T>& v) {
        for (size_t i = v.size(); i > 1; --i) {
            std::swap(v[i - 1], v[below(static_cast<uint32_t>(i))]);
        }
    }

  private:
    std::mt19937_64 g_;
};

// ---- frames ----------------------------------------------------------------------

inline rte_ether_addr local_mac(uint8_t a, uint8_t b) {
    return rte_ether_addr{{0x02, 0, 0, 0, a, b}};
}
inline const rte_ether_addr kGatewayMac = local_mac(0xfe, 0x01);  // the router in front

IpAddr v4_addr(uint32_t host_order);
uint32_t v4_host(const IpAddr& a);
uint16_t get16(const uint8_t* p);  // big-endian
bool same_mac(const uint8_t* p, const rte_ether_addr& m);

struct Endpoint {
    IpAddr addr;
    uint16_t port = 0;
};

// Restores `m` to a freshly received single-segment frame: Ethernet, IPv4 or
// IPv6 (the family of src), UDP, the RTP payload (first byte 0x80), TTL / hop
// limit 64, valid IPv4 header and UDP checksums.
void load_frame(rte_mbuf* m,
                const rte_ether_addr& dst_mac,
                const rte_ether_addr& src_mac,
                const Endpoint& src,
                const Endpoint& dst);
// The frame's IPv4 header checksum (v4) and UDP checksum verify, by a reference
// of our own, and the UDP length is that of load_frame's frames.
bool checksums_ok(const uint8_t* frame, bool v4);
// The payload is byte for byte the one load_frame wrote.
bool payload_intact(const uint8_t* payload);

// ---- ours ------------------------------------------------------------------------

// `legs` legs in pairs on as few local addresses as the UDP port space allows
// (198.18.0.x /24 or 2001:db8:0:1::x /64, one gateway, its MAC the only entry of
// the NeighbourMap; remote parties off link). Pairs are random, and the legs are
// published in a random order, as after churn: the two legs of a pair are not
// neighbours in memory. Half of the pairs latch (their remote parties send from
// other addresses than the signalled ones, as behind NAT) and are latched by
// check(); the others accept their signalled peers. No packet touches a list.
class RelayFixture {
  public:
    RelayFixture(bool v4, size_t legs, size_t sequence_length, Rng& rng);

    // Untimed: the frames of sequence positions [pos, pos + n) into pkts.
    void prepare(rte_mbuf* const* pkts, size_t n, size_t pos) const {
        for (size_t i = 0; i < n; ++i) {
            load_leg_frame(pkts[i], seq_[pos + i]);
        }
    }
    // Hot: our relay path for one burst. A worker reads the TSC once per burst;
    // that is part of our cost.
    uint16_t burst(rte_mbuf* const* pkts, uint16_t n) {
        return dataplane::forward_burst(ctx_, counters_, pkts, n, rte_rdtsc()).tx_count;
    }
    size_t sequence_length() const { return seq_.size(); }

    // Every leg once (latching the latching ones), then every leg once more with
    // each relayed frame checked byte by byte. Aborts on any failure.
    void check(rte_mbuf* const* pkts, Rng& rng);

    size_t legs() const { return remote_.size(); }
    uint16_t addresses() const { return addresses_; }
    uint32_t ports_per_address() const { return ports_per_address_; }
    // Heap taken by the RelayTable with every leg published (legs, blocks of leg
    // pointers, allocator overhead): mallinfo2() before and after.
    size_t table_heap_bytes() const { return table_heap_bytes_; }

  private:
    struct Site {
        uint16_t index;
        uint16_t port;
    };
    Site site(uint32_t leg) const;
    void load_leg_frame(rte_mbuf* m, uint32_t leg) const;
    bool relayed_as_expected(const rte_mbuf* m, uint32_t leg) const;

    bool v4_;
    uint16_t addresses_;
    uint32_t ports_per_address_;
    dataplane::LocalAddressTable locals_;
    dataplane::NeighbourMap neighbours_;
    std::unique_ptr<dataplane::RelayTable> relays_;
    dataplane::ForwardContext ctx_;
    dataplane::WorkerCounters counters_;
    std::vector<Endpoint> remote_;   // per leg: where its remote party sends from
    std::vector<uint32_t> partner_;  // per leg: the other leg of its pair
    std::vector<uint32_t> seq_;      // the leg of every packet, random
    size_t table_heap_bytes_ = 0;
};

// ---- the peers -------------------------------------------------------------------

// The l3fwd-style router's routes: `routes` random distinct IPv4 /24s (from
// 1.0.0.0 to 223.255.255.0, not 127/8) or IPv6 /48s (in 3fff:0::/24, RFC 9637),
// each to a random port; and per sequence position a random address inside a
// random route.
struct RouteSet {
    std::vector<Route4> v4;
    std::vector<Route6> v6;
    std::vector<IpAddr> dst;    // per sequence position
    std::vector<uint8_t> port;  // per sequence position: its route's port
};
RouteSet make_routes(bool v4, size_t routes, size_t sequence_length, Rng& rng);

PortMacs peer_macs();

// Frames to the route set's addresses, from a fixed source, as received on port
// 0 from the gateway: the same frames for the l3fwd-style router and MAC swap.
class RoutedFrames {
  public:
    RoutedFrames(bool v4, const RouteSet& rs);
    // Untimed: the frames of sequence positions [pos, pos + n) into pkts.
    void prepare(rte_mbuf* const* pkts, size_t n, size_t pos) const;
    size_t sequence_length() const { return rs_.dst.size(); }
    const RouteSet& routes() const { return rs_; }
    const PortMacs& macs() const { return macs_; }

  private:
    const RouteSet& rs_;
    PortMacs macs_;
    Endpoint src_;
};

}  // namespace mg::perf
