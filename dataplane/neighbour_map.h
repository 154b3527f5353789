// NeighbourMap: next-hop address -> MAC, as the workers read it.
//
// Built on the main lcore (cold: add) and then only read by workers (hot: find)
// through the RCU snapshot; it never changes once published.
#pragma once

#include <cstdint>

#include <rte_ether.h>

#include "dataplane/ip_addr.h"

namespace mg::dataplane {

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
