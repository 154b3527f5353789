// NeighbourTable: the main lcore's master table of next hops and their MACs
// (ARP for IPv4, Neighbour Discovery for IPv6), and the resolution state machine
// behind it. Entries are keyed by link and address (NeighbourKey, neighbour_map.h).
//
// Cold path, main lcore only (not thread-safe). Workers never read it: they read
// the NeighbourMap that freeze() makes, published in the RCU snapshot. The owner
// rebuilds that map when generation() changed.
//
// States of an entry (RFC 4861 §7.3.2 in spirit, simplified for a relay whose
// workers do not report hits):
//   incomplete  a worker missed it (request()); solicitations sent, no MAC yet.
//   reachable   MAC learned (learn()) less than Timers::reachable_ms ago.
//   stale       MAC older than that: still used by the workers, re-probed by
//               expire(); confirmed back to reachable by learn(), removed when
//               max_probes solicitations stay unanswered.
//   failed      incomplete entry whose max_probes solicitations went unanswered:
//               no more solicitations until failed_backoff_ms passed, then it
//               is removed (the next miss starts over).
// Packets for a next hop without a MAC are dropped by the workers (kNoNeighbour);
// nothing is queued.
//
// Origin: an entry is `needed` when request() created or asked for it (a next
// hop the workers or an emit miss) or mark_needed() says the configuration names
// it (a gateway, a route's next hop); an entry learn() created from a
// neighbour's request for our address is only `heard` until then: any host on
// the link can make those (one NS per source address), so they are a cache and
// must not crowd out next hops. (Workers do not report hits: an on-link peer in
// use whose entry was heard stays heard, may be evicted under a flood, and is
// then missed once and requested, needed from then on.)
//
// Bound: at most max_entries entries, fixed at construction; the table never
// grows past it. A new entry when full evicts, in this order, a failed entry, a
// stale heard one, then, for a needed entry only, a reachable heard one or a
// stale needed one; within a kind the one failed or confirmed longest ago.
// Reachable needed and incomplete entries are never evicted, nor needed ones to
// make room for heard ones, so when there is none to evict the new entry is
// refused (counted). A host flooding the link with
// requests thus fills the table with heard entries that the next hops in use
// replace as they need room.
//
// Time: every call takes `now_ms` from the caller (a monotonic millisecond
// clock); nothing here reads a clock, so tests are deterministic. A `now_ms`
// earlier than a stored time counts as no time elapsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <rte_ether.h>

#include "dataplane/ip_addr.h"
#include "dataplane/neighbour_map.h"

namespace mg::dataplane {

enum class NeighbourState : uint8_t { kIncomplete, kReachable, kStale, kFailed };

const char* neighbour_state_name(NeighbourState state);

struct NeighbourTimers {
    uint64_t retransmit_ms = 1000;       // at most one solicitation per next hop per this
    uint8_t max_probes = 3;              // solicitations per round before giving up
    uint64_t failed_backoff_ms = 10000;  // silence after giving up on an incomplete entry
    uint64_t reachable_ms = 300000;      // a learned MAC goes stale (re-probed) after this
};

struct NeighbourEntry {
    IpAddr addr;
    uint16_t port = 0;     // the link (DPDK port) the neighbour is on
    rte_ether_addr mac{};  // valid when has_mac (reachable, stale)
    bool has_mac = false;
    NeighbourState state = NeighbourState::kIncomplete;
    bool needed = false;            // a next hop in use or configured (see Origin)
    uint16_t local_addr_index = 0;  // the local address solicitations are sent from
    uint8_t probes = 0;             // solicitations sent in the current round
    uint64_t probed_ms = 0;         // when the last one was sent
    uint64_t confirmed_ms = 0;      // when the MAC was last learned
    uint64_t failed_ms = 0;         // when resolution gave up (failed)
};

// A solicitation expire() wants sent: pass it to reprobe() (which applies the
// rate limit and counts the probe) and send when that says so.
struct NeighbourProbe {
    IpAddr next_hop;
    uint16_t port = 0;
    uint16_t local_addr_index = 0;  // on `port`
};

enum class LearnResult : uint8_t {
    kCreated,    // new entry, reachable
    kUpdated,    // existing entry got a MAC or a different one
    kConfirmed,  // same MAC again: reachable for another reachable_ms
    kNoEntry,    // update-only and the address has no entry
    kFull,       // no room and nothing to evict
    kInvalid,    // :: address, or a MAC that is zero, multicast or broadcast
};

inline bool learned(LearnResult r) {
    return r == LearnResult::kCreated || r == LearnResult::kUpdated || r == LearnResult::kConfirmed;
}

struct NeighbourTableCounters {
    uint64_t solicitations = 0;  // request() answered true
    uint64_t evicted = 0;        // entries removed to make room
    uint64_t refused_full = 0;   // new entries refused: full, nothing evictable
    uint64_t failed = 0;         // incomplete entries given up
    uint64_t expired = 0;        // stale entries removed after unanswered probes
};

class NeighbourTable {
  public:
    static constexpr size_t kDefaultMaxEntries = 4096;
    // learn(): only refresh an existing entry, never create one.
    static constexpr int kUpdateOnly = -1;

    // max_entries: 1 .. NeighbourMap::kMaxCapacity (MG_CHECK). All memory for
    // the index is reserved here.
    explicit NeighbourTable(size_t max_entries = kDefaultMaxEntries, NeighbourTimers timers = {});

    // A worker (or an emit) found no MAC for `next_hop`: the entry is needed from
    // now on (see Origin). Returns true when a solicitation (ARP request / NS) from local address
    // `local_addr_index` (on next_hop.port) should be sent now: for a new next hop (the entry is
    // created incomplete), or for an incomplete / stale entry whose last
    // solicitation is retransmit_ms old and has probes left. False when rate
    // limited, given up (failed), already reachable, the address is ::, or the
    // table is full with nothing evictable.
    bool request(const NeighbourKey& next_hop, uint16_t local_addr_index, uint64_t now_ms);
    // expire() asked for a probe of `next_hop`: as request() for an existing
    // entry, but its origin stays (a heard entry is not made needed by being
    // re-probed). False when there is no entry.
    bool reprobe(const NeighbourKey& next_hop, uint16_t local_addr_index, uint64_t now_ms);
    // The configuration names `next_hop` (a gateway, a route's next hop): its entry,
    // if any, is needed whoever created it.
    void mark_needed(const NeighbourKey& next_hop);

    // `addr` is at `mac`, as an ARP packet or an NS/NA link-layer option received
    // on addr.port says.
    // Creates the entry (for local address `create_for_local`) when absent,
    // unless create_for_local is kUpdateOnly; an existing entry becomes
    // reachable with this MAC whatever its state. The caller decides whether the
    // packet may create entries (see exception.h).
    LearnResult learn(const NeighbourKey& addr,
                      const rte_ether_addr& mac,
                      uint64_t now_ms,
                      int create_for_local = kUpdateOnly);

    // Ageing, about once a second: reachable entries past reachable_ms turn
    // stale; incomplete / stale entries due a retransmission are returned as
    // probes; incomplete ones out of probes fail, stale ones out of probes and
    // failed ones past the back-off are removed.
    std::vector<NeighbourProbe> expire(uint64_t now_ms);

    // The entry of `addr`, or nullptr. The pointer is valid until the next
    // non-const call.
    const NeighbourEntry* find(const NeighbourKey& addr) const;

    // The immutable map of every entry with a MAC (reachable and stale), for
    // the workers.
    NeighbourMap freeze() const;

    // Changes whenever the address -> MAC mapping freeze() would return
    // changes (a MAC learned, changed or removed); never for state or timer
    // changes alone. Starts at 0 (empty table).
    uint64_t generation() const { return generation_; }

    size_t size() const { return entries_.size(); }
    size_t max_entries() const { return max_entries_; }
    const NeighbourTimers& timers() const { return timers_; }
    const NeighbourTableCounters& counters() const { return counters_; }

  private:
    struct Hash {
        uint64_t seed;
        size_t operator()(const NeighbourKey& k) const {
            return neighbour_hash(k.addr, k.port, seed);
        }
    };
    using Map = std::unordered_map<NeighbourKey, NeighbourEntry, Hash>;

    // Room for one more entry (`needed` or heard): true when below the bound or
    // after evicting (see Bound).
    bool make_room(bool needed);
    // request() (`needed`) and reprobe().
    bool solicit(const NeighbourKey& next_hop,
                 uint16_t local_addr_index,
                 uint64_t now_ms,
                 bool needed);
    void remove(Map::iterator it);

    size_t max_entries_;
    NeighbourTimers timers_;
    Map entries_;
    uint64_t generation_ = 0;
    NeighbourTableCounters counters_;
};

}  // namespace mg::dataplane
