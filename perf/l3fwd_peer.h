// The peers of the dataplane benchmark (DESIGN.md "Measuring"): an l3fwd-style
// router and a MAC-swap forwarder, handling bursts of mbufs in place as
// mg::dataplane::forward_burst() does.
//
// - L3fwd4 / L3fwd6: what DPDK's examples/l3fwd does per packet in its LPM mode
//   with the RFC 1812 checks on, written here (not copied): check the Ethernet
//   type and the IP header, look the destination up (rte_lpm_lookup_bulk /
//   rte_lpm6_lookup_bulk_func, one call per burst), TTL / hop limit minus one
//   with the IPv4 header checksum updated incrementally (RFC 1624), destination
//   MAC of the next hop and source MAC of the egress port written, m->port set.
//   The next hop of a route is the egress port, as in l3fwd.
// - mac_swap_burst(): swaps source and destination MAC, the least any forwarder
//   does to a packet (testpmd's macswap): the floor.
//
// Benchmark-only, single-threaded, cold to build and hot to run; nothing here
// transmits or frees an mbuf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct rte_lpm;
struct rte_lpm6;

namespace mg::perf {

inline constexpr uint16_t kPeerMaxBurst = 32;
inline constexpr uint16_t kPeerPorts = 4;  // next hop = egress port 0..3

// Per egress port: our MAC (source of frames sent there) and the next hop's.
struct PortMacs {
    rte_ether_addr ours[kPeerPorts];
    rte_ether_addr next_hop[kPeerPorts];
};

struct Route4 {
    uint32_t prefix = 0;  // host order, host bits zero
    uint8_t len = 0;
    uint16_t port = 0;  // < kPeerPorts
};

struct Route6 {
    uint8_t prefix[16] = {};  // network order, host bits zero
    uint8_t len = 0;
    uint16_t port = 0;
};

// The fate of each packet of a burst, like dataplane::BurstResult: every input
// mbuf is in exactly one array, in input order.
struct PeerBurst {
    uint16_t tx_count = 0;
    uint16_t drop_count = 0;
    rte_mbuf* tx[kPeerMaxBurst];
    rte_mbuf* drop[kPeerMaxBurst];
};

class L3fwd4 {
  public:
    // How the rte_lpm tables are filled:
    // - kAdd: rte_lpm_add per route, any prefix lengths. Its rule table checks for
    //   duplicates with a linear scan of the rules of the same length, so adding n
    //   routes of one length is O(n^2): 100k /24s take ~4 s, 1M would take minutes.
    // - kDirectTbl24: every route must be a /24 (checked); each route's tbl24
    //   entry is written directly with what rte_lpm_add writes for a /24 into an
    //   empty table (next hop, valid, depth 24), and the rule table stays empty.
    //   Lookups read only tbl24/tbl8, so they see the same table;
    //   same_lookup_tables() checks that against a kAdd build.
    enum class Fill { kAdd, kDirectTbl24 };

    // nullptr and `error` set when DPDK refuses (memory) or a route is invalid.
    static std::unique_ptr<L3fwd4> create(std::span<const Route4> routes,
                                          const PortMacs& macs,
                                          Fill fill,
                                          std::string& error);
    ~L3fwd4();
    L3fwd4(const L3fwd4&) = delete;
    L3fwd4& operator=(const L3fwd4&) = delete;

    // Hot. n <= kPeerMaxBurst.
    PeerBurst forward_burst(rte_mbuf* const* pkts, uint16_t n) const;
    // Cold. The port rte_lpm gives for `dst` (host order), -1 on a miss.
    int lookup(uint32_t dst) const;
    // Cold. True when both tables give every address the same answer (tbl24 and
    // the tbl8 groups compared byte for byte).
    bool same_lookup_tables(const L3fwd4& other) const;
    std::string config() const { return config_; }

  private:
    L3fwd4(rte_lpm* lpm, const PortMacs& macs, uint32_t tbl8s, std::string config);

    rte_lpm* lpm_;
    PortMacs macs_;
    uint32_t tbl8s_;
    std::string config_;
};

class L3fwd6 {
  public:
    // rte_lpm6_add per route; number_tbl8s is what the routes need (one group per
    // distinct byte-aligned ancestor /24, /32, ... of a longer route).
    static std::unique_ptr<L3fwd6> create(std::span<const Route6> routes,
                                          const PortMacs& macs,
                                          std::string& error);
    ~L3fwd6();
    L3fwd6(const L3fwd6&) = delete;
    L3fwd6& operator=(const L3fwd6&) = delete;

    // Hot. n <= kPeerMaxBurst.
    PeerBurst forward_burst(rte_mbuf* const* pkts, uint16_t n) const;
    // Cold. The port for `dst` (16 bytes, network order), -1 on a miss.
    int lookup(const uint8_t* dst) const;
    std::string config() const { return config_; }

  private:
    L3fwd6(rte_lpm6* lpm, const PortMacs& macs, std::string config);

    rte_lpm6* lpm_;
    PortMacs macs_;
    std::string config_;
};

// Hot. Swaps the MACs of every packet; all go to tx (m->port unchanged).
PeerBurst mac_swap_burst(rte_mbuf* const* pkts, uint16_t n);

}  // namespace mg::perf
