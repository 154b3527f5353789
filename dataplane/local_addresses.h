// The dataplane's own addresses and the next hops it sends to.
//
// LocalAddressTable: the media addresses the DPDK ports own (one entry per
// address, its port, VLAN, MAC, on-link prefix and default gateway).
//
// Built on the main lcore (cold: add), then only read by workers (hot: find, at)
// through the RCU snapshot; it never changes once published.
#pragma once

#include <cstdint>
#include <cstring>

#include <rte_ether.h>

#include "common/check.h"
#include "dataplane/checksum_dp.h"
#include "dataplane/ip_addr.h"
#include "dataplane/neighbour_map.h"
#include "dataplane/packet_dp.h"

namespace mg::dataplane {

// A prefix mask in wire order, as two 64-bit words laid over IpAddr::word():
// hot-path membership is then two XOR/AND pairs, no shifts or byte swaps.
struct WireMask {
    uint64_t words[2] = {0, 0};

    static WireMask of_length(unsigned prefix_len) {
        uint8_t bytes[16] = {};
        for (unsigned i = 0; i < 16; ++i) {
            const unsigned bits = prefix_len > 8 * i ? prefix_len - 8 * i : 0;
            bytes[i] = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff00u >> bits);
        }
        WireMask m;
        std::memcpy(m.words, bytes, sizeof bytes);
        return m;
    }
    // Hot. True when `a` and `net` agree on the masked bits.
    bool same_prefix(const IpAddr& a, const IpAddr& net) const {
        return (((a.word(0) ^ net.word(0)) & words[0]) | ((a.word(1) ^ net.word(1)) & words[1])) ==
               0;
    }
};

// A static route of the port an address lives on ([[dataplane.port]] routes).
struct Route {
    IpAddr prefix;  // network address, host bits zero
    uint8_t prefix_len = 0;
    IpAddr via;
    WireMask mask;  // of prefix_len; set by LocalAddressTable::add()
};

struct LocalAddress {
    static constexpr unsigned kMaxRoutes = 8;

    IpAddr addr;
    uint8_t prefix_len = 0;       // on-link prefix (IPv4 counts 96 + the IPv4 length)
    uint16_t port_id = 0;         // DPDK port the address lives on
    uint16_t vlan_tci = kNoVlan;  // 802.1Q TCI put on frames sent from it; kNoVlan = none
    rte_ether_addr mac{};         // source MAC of frames sent from it
    IpAddr gateway;               // next hop for off-link peers; :: = none
    Route routes[kMaxRoutes];     // of this address's family, longest prefix first
    uint8_t route_count = 0;
    // Set by LocalAddressTable::add() (the caller's values are ignored): what
    // every relayed packet would otherwise recompute.
    bool v4 = false;        // addr.is_v4()
    uint16_t addr_sum = 0;  // csum_addr(addr)
    WireMask link_mask;     // of prefix_len
    bool prepared = false;  // the fields above are set: only table entries are
    // Set by LocalAddressTable::cache_gateway_macs() from the NeighbourMap of the
    // snapshot the table belongs to: off-link peers (most media) then need no
    // hash lookup. kNotCached (a table outside a published snapshot): looked up.
    enum class GatewayMac : uint8_t { kNotCached, kKnown, kUnknown };
    GatewayMac gateway_mac_state = GatewayMac::kNotCached;
    rte_ether_addr gateway_mac{};

    // Hot. True when `a` is inside this address's on-link prefix. Only on a
    // LocalAddressTable entry (a LocalAddress of one's own has no masks yet).
    bool on_link(const IpAddr& a) const {
        MG_ASSERT(prepared);
        return link_mask.same_prefix(a, addr);
    }
    // Hot. Whose MAC a packet to `peer` sent from here needs: the peer itself when
    // on link, else the first (longest) matching route's next hop, else the
    // gateway; with no gateway, the peer itself (it may still answer ARP / NS).
    const IpAddr& next_hop(const IpAddr& peer) const {
        if (on_link(peer)) {
            return peer;
        }
        for (unsigned i = 0; i < route_count; ++i) {
            if (routes[i].mask.same_prefix(peer, routes[i].prefix)) {
                return routes[i].via;
            }
        }
        return gateway.is_unspecified() ? peer : gateway;
    }
    // Hot. The MAC a packet to `peer` sent from here goes to, from `neighbours`
    // (the same snapshot's map, looked up on this address's link), or nullptr with
    // `hop` the next hop to resolve (on port_id).
    const rte_ether_addr* next_hop_mac(const IpAddr& peer,
                                       const NeighbourMap& neighbours,
                                       const IpAddr*& hop) const {
        hop = &next_hop(peer);
        if (hop == &gateway && gateway_mac_state != GatewayMac::kNotCached) {
            return gateway_mac_state == GatewayMac::kKnown ? &gateway_mac : nullptr;
        }
        return neighbours.find(*hop, port_id);
    }
};

class LocalAddressTable {
  public:
    static constexpr uint16_t kMaxAddresses = 64;

    // Cold. The new entry's index, or -1 when full or the address is already there.
    int add(const LocalAddress& a) {
        if (count_ == kMaxAddresses || find(a.addr) >= 0) {
            return -1;
        }
        entries_[count_] = a;
        entries_[count_].v4 = a.addr.is_v4();
        entries_[count_].addr_sum = csum_addr(a.addr);
        entries_[count_].link_mask = WireMask::of_length(a.prefix_len);
        for (Route& r : entries_[count_].routes) {
            r.mask = WireMask::of_length(r.prefix_len);
        }
        entries_[count_].prepared = true;
        keys_[count_] = a.addr;
        return count_++;
    }
    // Hot. Index of the local address `a`, or -1. A linear scan over the
    // addresses alone (16 bytes each, contiguous): a dataplane owns a handful.
    int find(const IpAddr& a) const {
        for (uint16_t i = 0; i < count_; ++i) {
            if (keys_[i] == a) {
                return i;
            }
        }
        return -1;
    }
    const LocalAddress& at(uint16_t index) const { return entries_[index]; }
    uint16_t size() const { return count_; }

    // Cold. Caches every gateway's MAC from `neighbours`, the map published
    // beside this table (SnapshotPublisher does it for every snapshot).
    void cache_gateway_macs(const NeighbourMap& neighbours) {
        for (uint16_t i = 0; i < count_; ++i) {
            LocalAddress& l = entries_[i];
            const rte_ether_addr* mac =
                l.gateway.is_unspecified() ? nullptr : neighbours.find(l.gateway, l.port_id);
            l.gateway_mac_state = mac != nullptr ? LocalAddress::GatewayMac::kKnown
                                                 : LocalAddress::GatewayMac::kUnknown;
            l.gateway_mac = mac != nullptr ? *mac : rte_ether_addr{};
        }
    }

  private:
    IpAddr keys_[kMaxAddresses];  // entries_[i].addr
    LocalAddress entries_[kMaxAddresses];
    uint16_t count_ = 0;
};

}  // namespace mg::dataplane
