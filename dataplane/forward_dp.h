// Relaying one burst: parse, look up the leg, latch, rewrite towards the other
// leg's peer.
//
// Hot path: forward_burst() is called by a worker lcore for each received burst.
// No locks, syscalls, heap allocation, logging or virtual calls. The worker owns
// its WorkerCounters; everything in ForwardContext is shared and only read,
// except the per-leg fields leg.h gives to workers.
//
// What a relayed packet becomes (docs/packet-walk.md):
// - L2: destination MAC of the next hop (the peer when on link or when the local
//   address it leaves from has no gateway, else that gateway) from the
//   NeighbourMap (the gateway's as cached for the snapshot,
//   LocalAddress::next_hop_mac); no MAC: dropped (kNoNeighbour) and the next hop reported in
//   BurstResult::miss so the main lcore resolves it. Source MAC and 802.1Q tag of
//   that local address, whatever tag it arrived with.
// - L3: source = the other leg's local address, destination = its peer (latched
//   if it latched, else signalled), TTL / hop limit minus one, DSCP set from the
//   other leg (ECN kept). Same family: fields rewritten in place and the IPv4
//   header checksum updated incrementally. Families differ: the IP header is
//   rebuilt (IPv4 out: IHL 5, ID 0, DF set; IPv6 out: flow label 0).
// - L4: source port = the other leg's local port, destination = the peer's port;
//   the UDP checksum is updated incrementally (address, port and pseudo-header
//   changes), a zero IPv4 UDP checksum stays zero, and one going out as IPv6 is
//   computed over the whole datagram (mandatory in IPv6).
// - Ethernet padding after the IP datagram is trimmed.
//
// What the relay does not take is dropped, except on a port with a TAP for the
// host (ForwardContext::host): frames addressed to the host's side (not media to
// a leg) go to BurstResult::host instead, see for_host().
#pragma once

#include <cstdint>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/local_addresses.h"
#include "dataplane/neighbour_map.h"
#include "dataplane/packet_dp.h"
#include "dataplane/relay_table.h"
#include "lists/classifier.h"

namespace mg::dataplane {

inline constexpr uint16_t kMaxBurst = 32;

// Per worker; summed on read by the main lcore (relaxed loads).
struct WorkerCounters {
    uint64_t rx = 0;         // packets given to forward_burst
    uint64_t relayed = 0;    // packets rewritten and handed back for TX
    uint64_t exception = 0;  // ARP / NS / NA handed to the exception path
    uint64_t to_host = 0;    // handed to the host's TAP (ping, ssh, SIP, ...)
    uint64_t debug = 0;      // relayed on a leg whose peer is a Debug IP
    uint64_t drops[kDropReasonCount] = {};

    uint64_t drop_count(DropReason r) const { return drops[static_cast<unsigned>(r)]; }
    uint64_t dropped() const {
        uint64_t sum = 0;
        for (uint64_t d : drops) {
            sum += d;
        }
        return sum;
    }
};

// The ports that have a TAP for the host, by DPDK port id, with their MACs.
struct HostPorts {
    static_assert(RTE_MAX_ETHPORTS <= 64, "mask holds one bit per DPDK port id");
    uint64_t mask = 0;  // bit port_id: that port has a TAP
    rte_ether_addr mac[RTE_MAX_ETHPORTS] = {};
    uint16_t tap[RTE_MAX_ETHPORTS] = {};  // the TAP's own DPDK port id (main lcore only)

    bool has(uint16_t port_id) const { return port_id < 64 && ((mask >> port_id) & 1) != 0; }
};

// The drop reasons that mean "not media for a leg" rather than "bad": on a port
// with a TAP those frames belong to the host. A frame for a leg from the wrong
// source (RTP Bleed), a malformed one, one whose TTL / hop limit ran out or one
// the relay could not send is never the host's. Fragments, IPv4 options and IPv6
// extension headers are the relay's to refuse before it looks at a port, so they
// go to the host whatever their port: a large SIP message over UDP arrives in
// fragments, and the host reassembles it (media so sent would reach the host too,
// which has no socket on a relay port).
inline bool for_host(DropReason reason) {
    switch (reason) {
        case DropReason::kUnsupportedEthertype:  // LLDP, ...
        case DropReason::kIpv4Fragment:
        case DropReason::kIpv4Options:
        case DropReason::kIpv6ExtensionHeader:
        case DropReason::kNotUdp:       // ICMP (ping), TCP (ssh, SIP over TCP/TLS), ICMPv6
        case DropReason::kNotForUs:     // another address of the host's
        case DropReason::kUnknownPort:  // UDP without a leg (SIP on 5060, DNS answers)
            return true;
        default:
            return false;
    }
}

// A frame the host should see at all: it arrived on a port with a TAP and is
// sent to that port's MAC or to a group (broadcast, multicast) address, not to
// another host's MAC (a promiscuous port sees those).
inline bool host_takes(const HostPorts& host, const rte_mbuf* m) {
    if (!host.has(m->port) || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN) {
        return false;
    }
    const auto* dst = rte_pktmbuf_mtod(m, const rte_ether_addr*);
    return rte_is_multicast_ether_addr(dst) || rte_is_same_ether_addr(dst, &host.mac[m->port]);
}

// What a worker reads; owned elsewhere, must outlive the call.
struct ForwardContext {
    const RelayTable* relays = nullptr;
    const LocalAddressTable* locals = nullptr;
    const NeighbourMap* neighbours = nullptr;
    // Consulted once per latch (never per packet): a learned peer in a list whose
    // bit is in debug_mask makes the leg count as Debug. nullptr = no lists.
    const lists::Classifier* lists = nullptr;
    uint32_t debug_mask = 0;
    // A latched leg takes a new source after its peer was silent this long
    // (TSC cycles); 0 = never.
    uint64_t relatch_after_tsc = 0;
    // Ports with a TAP for the host; nullptr = none (for_host frames are dropped).
    const HostPorts* host = nullptr;
};

// A next hop without a MAC, seen while relaying (kNoNeighbour).
struct NeighbourMiss {
    IpAddr next_hop;
    uint16_t local_addr_index = 0;  // the local address the packet would leave from
};

// The fate of each packet of a burst; every input mbuf is in exactly one array,
// in input order. The caller transmits tx (m->port is the egress DPDK port),
// passes exception and host to the main lcore and frees drop. host holds, for
// ports in ForwardContext::host, the for_host() frames sent to the port's own MAC
// or to a group address (not those a promiscuous port sees for other hosts);
// they are unchanged, m->port is the port they arrived on.
struct BurstResult {
    uint16_t tx_count = 0;
    uint16_t exception_count = 0;
    uint16_t host_count = 0;
    uint16_t drop_count = 0;
    uint16_t miss_count = 0;  // distinct within the burst only
    rte_mbuf* tx[kMaxBurst];
    rte_mbuf* exception[kMaxBurst];
    rte_mbuf* host[kMaxBurst];
    rte_mbuf* drop[kMaxBurst];
    DropReason drop_reason[kMaxBurst];
    NeighbourMiss miss[kMaxBurst];
};

// Hot. Handles pkts[0 .. n), n <= kMaxBurst (more is a bug: MG_ASSERT). now_tsc
// stamps the legs' last packet time.
BurstResult forward_burst(const ForwardContext& ctx,
                          WorkerCounters& counters,
                          rte_mbuf* const* pkts,
                          uint16_t n,
                          uint64_t now_tsc);

// Hot, exposed for tests: RFC 7983 first-byte ranges that may latch a leg
// (STUN 0..3, DTLS 20..63, RTP/RTCP 128..191).
inline bool may_latch(uint8_t first_payload_byte) {
    return first_payload_byte <= 3 || (first_payload_byte >= 20 && first_payload_byte <= 63) ||
           (first_payload_byte >= 128 && first_payload_byte <= 191);
}

}  // namespace mg::dataplane
