// NeighbourTable (see neighbour.h). Cold path, main lcore.
#include "dataplane/neighbour.h"

#include <algorithm>

#include <rte_cycles.h>

#include "common/check.h"

namespace mg::dataplane {
namespace {

// Time since `then`; a clock read earlier than `then` counts as none.
inline uint64_t since(uint64_t now_ms, uint64_t then_ms) {
    return now_ms > then_ms ? now_ms - then_ms : 0;
}

inline bool valid_mac(const rte_ether_addr& mac) {
    return rte_is_valid_assigned_ether_addr(&mac);
}

// How readily an entry gives its place to a new one (`for_needed`: the new one is
// needed); lower goes first, kKeep never. See "Bound" in neighbour.h.
constexpr int kKeep = 4;
int eviction_rank(const NeighbourEntry& e, bool for_needed) {
    switch (e.state) {
        case NeighbourState::kFailed:
            return 0;
        case NeighbourState::kStale:
            return !e.needed ? 1 : (for_needed ? 3 : kKeep);
        case NeighbourState::kReachable:
            return !e.needed && for_needed ? 2 : kKeep;
        case NeighbourState::kIncomplete:
            return kKeep;
    }
    return kKeep;
}

}  // namespace

const char* neighbour_state_name(NeighbourState state) {
    switch (state) {
        case NeighbourState::kIncomplete:
            return "incomplete";
        case NeighbourState::kReachable:
            return "reachable";
        case NeighbourState::kStale:
            return "stale";
        case NeighbourState::kFailed:
            return "failed";
    }
    return "?";
}

NeighbourTable::NeighbourTable(size_t max_entries, NeighbourTimers timers)
    : max_entries_(max_entries),
      timers_(timers),
      entries_(0, Hash{ip_addr_hash(IpAddr{}, rte_rdtsc() | 1)}) {
    MG_CHECK(max_entries >= 1 && max_entries <= NeighbourMap::kMaxCapacity,
             "neighbour table bound %zu outside 1..%u", max_entries, NeighbourMap::kMaxCapacity);
    MG_CHECK(timers.max_probes >= 1, "neighbour table: max_probes must be at least 1");
    entries_.reserve(max_entries);
}

void NeighbourTable::remove(Map::iterator it) {
    if (it->second.has_mac) {
        ++generation_;
    }
    entries_.erase(it);
}

bool NeighbourTable::make_room(bool needed) {
    if (entries_.size() < max_entries_) {
        return true;
    }
    auto victim = entries_.end();
    int victim_rank = kKeep;
    uint64_t victim_ms = 0;
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        const NeighbourEntry& e = it->second;
        const int rank = eviction_rank(e, needed);
        const uint64_t ms = e.state == NeighbourState::kFailed ? e.failed_ms : e.confirmed_ms;
        if (rank < victim_rank || (rank == victim_rank && rank != kKeep && ms < victim_ms)) {
            victim = it;
            victim_rank = rank;
            victim_ms = ms;
        }
    }
    if (victim == entries_.end()) {
        ++counters_.refused_full;
        return false;
    }
    ++counters_.evicted;
    remove(victim);
    return true;
}

bool NeighbourTable::request(const NeighbourKey& next_hop,
                             uint16_t local_addr_index,
                             uint64_t now_ms) {
    return solicit(next_hop, local_addr_index, now_ms, true);
}

bool NeighbourTable::reprobe(const NeighbourKey& next_hop,
                             uint16_t local_addr_index,
                             uint64_t now_ms) {
    return solicit(next_hop, local_addr_index, now_ms, false);
}

void NeighbourTable::mark_needed(const NeighbourKey& next_hop) {
    if (auto it = entries_.find(next_hop); it != entries_.end()) {
        it->second.needed = true;
    }
}

bool NeighbourTable::solicit(const NeighbourKey& next_hop,
                             uint16_t local_addr_index,
                             uint64_t now_ms,
                             bool needed) {
    if (next_hop.addr.is_unspecified()) {
        return false;
    }
    auto it = entries_.find(next_hop);
    if (it == entries_.end()) {
        if (!needed || !make_room(true)) {
            return false;
        }
        NeighbourEntry e;
        e.addr = next_hop.addr;
        e.port = next_hop.port;
        e.needed = true;
        e.state = NeighbourState::kIncomplete;
        e.local_addr_index = local_addr_index;
        e.probes = 1;
        e.probed_ms = now_ms;
        entries_.emplace(next_hop, e);
        ++counters_.solicitations;
        return true;
    }
    NeighbourEntry& e = it->second;
    e.needed = e.needed || needed;
    if (e.state != NeighbourState::kIncomplete && e.state != NeighbourState::kStale) {
        return false;
    }
    if (e.probes >= timers_.max_probes ||
        (e.probes != 0 && since(now_ms, e.probed_ms) < timers_.retransmit_ms)) {
        return false;
    }
    ++e.probes;
    e.probed_ms = now_ms;
    ++counters_.solicitations;
    return true;
}

LearnResult NeighbourTable::learn(const NeighbourKey& addr,
                                  const rte_ether_addr& mac,
                                  uint64_t now_ms,
                                  int create_for_local) {
    if (addr.addr.is_unspecified() || !valid_mac(mac)) {
        return LearnResult::kInvalid;
    }
    auto it = entries_.find(addr);
    if (it == entries_.end()) {
        if (create_for_local < 0 || create_for_local > UINT16_MAX) {
            return LearnResult::kNoEntry;
        }
        if (!make_room(false)) {
            return LearnResult::kFull;
        }
        NeighbourEntry e;
        e.addr = addr.addr;
        e.port = addr.port;
        e.mac = mac;
        e.has_mac = true;
        e.state = NeighbourState::kReachable;
        e.local_addr_index = static_cast<uint16_t>(create_for_local);
        e.confirmed_ms = now_ms;
        entries_.emplace(addr, e);
        ++generation_;
        return LearnResult::kCreated;
    }
    NeighbourEntry& e = it->second;
    const bool same = e.has_mac && rte_is_same_ether_addr(&e.mac, &mac);
    if (!same) {
        ++generation_;
    }
    e.mac = mac;
    e.has_mac = true;
    e.state = NeighbourState::kReachable;
    e.probes = 0;
    e.confirmed_ms = now_ms;
    return same ? LearnResult::kConfirmed : LearnResult::kUpdated;
}

std::vector<NeighbourProbe> NeighbourTable::expire(uint64_t now_ms) {
    std::vector<NeighbourProbe> probes;
    for (auto it = entries_.begin(); it != entries_.end();) {
        NeighbourEntry& e = it->second;
        if (e.state == NeighbourState::kReachable &&
            since(now_ms, e.confirmed_ms) >= timers_.reachable_ms) {
            e.state = NeighbourState::kStale;
            e.probes = 0;
        }
        switch (e.state) {
            case NeighbourState::kReachable:
                break;
            case NeighbourState::kIncomplete:
            case NeighbourState::kStale: {
                const bool due =
                    e.probes == 0 || since(now_ms, e.probed_ms) >= timers_.retransmit_ms;
                if (!due) {
                    break;
                }
                if (e.probes < timers_.max_probes) {
                    probes.push_back(NeighbourProbe{e.addr, e.port, e.local_addr_index});
                    break;
                }
                if (e.state == NeighbourState::kStale) {
                    ++counters_.expired;
                    auto gone = it++;
                    remove(gone);
                    continue;
                }
                ++counters_.failed;
                e.state = NeighbourState::kFailed;
                e.failed_ms = now_ms;
                break;
            }
            case NeighbourState::kFailed:
                if (since(now_ms, e.failed_ms) >= timers_.failed_backoff_ms) {
                    auto gone = it++;
                    remove(gone);
                    continue;
                }
                break;
        }
        ++it;
    }
    return probes;
}

const NeighbourEntry* NeighbourTable::find(const NeighbourKey& addr) const {
    auto it = entries_.find(addr);
    return it == entries_.end() ? nullptr : &it->second;
}

NeighbourMap NeighbourTable::freeze() const {
    uint32_t with_mac = 0;
    for (const auto& [key, e] : entries_) {
        with_mac += e.has_mac ? 1 : 0;
    }
    NeighbourMap map(std::max<uint32_t>(with_mac, 1));
    for (const auto& [key, e] : entries_) {
        if (e.has_mac) {
            MG_CHECK(map.add(key, e.mac), "neighbour map sized for %u entries is full", with_mac);
        }
    }
    return map;
}

}  // namespace mg::dataplane
