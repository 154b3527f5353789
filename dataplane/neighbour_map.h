// NeighbourMap: next hop (link, address) -> MAC, as the workers read it.
//
// A neighbour is an address on one link, a DPDK port (a port has one VLAN): the
// same address on two links is two neighbours (a link-local fe80::1 router on
// each, the usual IPv6 set-up), and what a host on one link says about an address
// never changes another link's entry.
//
// An open-addressing hash table (linear probing, at most half full) built on the
// main lcore (cold: add) and then only read by workers (hot: find) through the
// RCU snapshot; it never changes once published. NeighbourTable::freeze()
// (neighbour.h) builds one from the main lcore's master table.
//
// Memory: the slot array is allocated by the first add() (a default-constructed
// or empty map holds nothing), sized for `capacity` entries and never grown, so
// find() never allocates and always meets an empty slot. Copyable and movable
// (a Snapshot is copied to make the next one); a moved-from map is empty.
//
// The hash is seeded per map (from the TSC when constructed), so a neighbour on
// the link cannot choose addresses that collide in every map.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <rte_cycles.h>
#include <rte_ether.h>

#include "dataplane/ip_addr.h"

namespace mg::dataplane {

// Hot. A 64-bit mix of the 16 address bytes with `seed` (not cryptographic: a
// multiply-xorshift finaliser, good spread for IPv4-mapped and IPv6 alike).
inline uint64_t ip_addr_hash(const IpAddr& a, uint64_t seed) {
    uint64_t lo;
    uint64_t hi;
    std::memcpy(&lo, a.bytes, sizeof lo);
    std::memcpy(&hi, a.bytes + 8, sizeof hi);
    uint64_t h = (lo ^ seed) * 0x9e3779b97f4a7c15ull;
    h = ((h << 31) | (h >> 33)) ^ hi;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 29;
    return h;
}

// The key of a neighbour: its address on the link of DPDK port `port`.
struct NeighbourKey {
    IpAddr addr;
    uint16_t port = 0;

    friend bool operator==(const NeighbourKey& a, const NeighbourKey& b) {
        return a.port == b.port && a.addr == b.addr;
    }
};

// Hot. ip_addr_hash() with the port folded into the seed through a multiply and
// shift of its own: the seed's share then differs per port in a way that depends
// on the seed, so no fixed address difference collides across ports in every map.
inline uint64_t neighbour_hash(const IpAddr& a, uint16_t port, uint64_t seed) {
    uint64_t p = (seed + port) * 0xbf58476d1ce4e5b9ull;
    p ^= p >> 31;
    return ip_addr_hash(a, seed ^ p);
}

class NeighbourMap {
  public:
    static constexpr uint32_t kDefaultCapacity = 1024;
    static constexpr uint32_t kMaxCapacity = 1u << 20;

    // Cold. Room for `capacity` entries, clamped to [1, kMaxCapacity].
    explicit NeighbourMap(uint32_t capacity = kDefaultCapacity)
        : capacity_(capacity == 0 ? 1 : (capacity > kMaxCapacity ? kMaxCapacity : capacity)),
          seed_(ip_addr_hash(IpAddr{}, rte_rdtsc() | 1)) {}
    NeighbourMap(const NeighbourMap&) = default;
    NeighbourMap& operator=(const NeighbourMap&) = default;
    NeighbourMap(NeighbourMap&& other) noexcept
        : slots_(std::move(other.slots_)),
          capacity_(other.capacity_),
          size_(std::exchange(other.size_, 0)),
          seed_(other.seed_) {
        other.slots_.clear();
    }
    NeighbourMap& operator=(NeighbourMap&& other) noexcept {
        if (this != &other) {
            slots_ = std::move(other.slots_);
            other.slots_.clear();
            capacity_ = other.capacity_;
            size_ = std::exchange(other.size_, 0);
            seed_ = other.seed_;
        }
        return *this;
    }

    // Cold. Maps `k` to `mac` (replacing the MAC when `k` is already there).
    // False when full, or when the address is :: (the unknown address is never a
    // neighbour).
    bool add(const NeighbourKey& k, const rte_ether_addr& mac) {
        if (k.addr.is_unspecified()) {
            return false;
        }
        if (slots_.empty()) {
            uint32_t n = 2;
            while (n < 2 * capacity_) {
                n *= 2;
            }
            slots_.resize(n);
        }
        const size_t mask = slots_.size() - 1;
        for (size_t i = neighbour_hash(k.addr, k.port, seed_) & mask;; i = (i + 1) & mask) {
            Slot& s = slots_[i];
            if (s.addr == k.addr && s.port == k.port) {
                s.mac = mac;
                return true;
            }
            if (s.addr.is_unspecified()) {
                if (size_ == capacity_) {
                    return false;
                }
                s.addr = k.addr;
                s.port = k.port;
                s.mac = mac;
                ++size_;
                return true;
            }
        }
    }

    // Hot, any lcore. The MAC of `a` on the link of `port`, or nullptr. No
    // allocation, no locks.
    const rte_ether_addr* find(const IpAddr& a, uint16_t port) const {
        const size_t n = slots_.size();
        if (n == 0) {
            return nullptr;
        }
        const size_t mask = n - 1;
        for (size_t i = neighbour_hash(a, port, seed_) & mask;; i = (i + 1) & mask) {
            const Slot& s = slots_[i];
            if (s.addr == a && s.port == port) {
                // `a` == :: lands here only on an empty slot: no neighbour.
                return a.is_unspecified() ? nullptr : &s.mac;
            }
            if (s.addr.is_unspecified()) {
                return nullptr;
            }
        }
    }

    uint32_t size() const { return size_; }
    uint32_t capacity() const { return capacity_; }

  private:
    struct Slot {
        IpAddr addr;  // :: = empty
        uint16_t port = 0;
        rte_ether_addr mac{};
    };

    std::vector<Slot> slots_;  // power of two >= 2 * capacity_, or empty
    uint32_t capacity_;
    uint32_t size_ = 0;
    uint64_t seed_;
};

}  // namespace mg::dataplane
