// The dataplane's own addresses and the next hops it sends to.
//
// LocalAddressTable: the media addresses the DPDK ports own (one entry per
// address, its port, VLAN, MAC and default gateway). NeighbourMap: a tiny
// exact-match map from a peer address to its MAC, a stand-in until the ARP/ND
// neighbour table lands; a peer not in it is reached through the gateway of the
// local address it is sent from.
//
// Both are built on the control-facing lcore (cold: add) and then only read by
// workers (hot: find, at). They will move into the RCU snapshot; until then they
// must not change while workers run.
#pragma once

#include <cstdint>

#include <rte_ether.h>

#include "dataplane/ip_addr.h"
#include "dataplane/packet_dp.h"

namespace mg::dataplane {

struct LocalAddress {
    IpAddr addr;
    uint16_t port_id = 0;          // DPDK port the address lives on
    uint16_t vlan_tci = kNoVlan;   // 802.1Q TCI put on frames sent from it; kNoVlan = none
    rte_ether_addr mac{};          // source MAC of frames sent from it
    rte_ether_addr gateway_mac{};  // next hop for peers the NeighbourMap does not know
    bool has_gateway = false;
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
        return count_++;
    }
    // Hot. Index of the local address `a`, or -1. A linear scan: a dataplane owns
    // a handful of addresses.
    int find(const IpAddr& a) const {
        for (uint16_t i = 0; i < count_; ++i) {
            if (entries_[i].addr == a) {
                return i;
            }
        }
        return -1;
    }
    const LocalAddress& at(uint16_t index) const { return entries_[index]; }
    uint16_t size() const { return count_; }

  private:
    LocalAddress entries_[kMaxAddresses];
    uint16_t count_ = 0;
};

class NeighbourMap {
  public:
    static constexpr unsigned kMaxNeighbours = 16;

    // Cold. False when full.
    bool add(const IpAddr& a, const rte_ether_addr& mac) {
        if (count_ == kMaxNeighbours) {
            return false;
        }
        entries_[count_++] = Entry{a, mac};
        return true;
    }
    // Hot. The MAC of `a`, or nullptr.
    const rte_ether_addr* find(const IpAddr& a) const {
        for (unsigned i = 0; i < count_; ++i) {
            if (entries_[i].addr == a) {
                return &entries_[i].mac;
            }
        }
        return nullptr;
    }

  private:
    struct Entry {
        IpAddr addr;
        rte_ether_addr mac;
    };
    Entry entries_[kMaxNeighbours];
    unsigned count_ = 0;
};

}  // namespace mg::dataplane
