// NeighbourMap (the workers' frozen map) and NeighbourTable (the main lcore's
// resolution state machine). No EAL needed: nothing here touches an mbuf.
#include "dataplane/neighbour.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "dataplane/neighbour_map.h"
#include "lists/address.h"

namespace mg::dataplane {
namespace {

IpAddr addr(const std::string& text) {
    auto a = lists::parse_address(text);
    EXPECT_TRUE(a.has_value()) << text;
    return IpAddr::from_address(*a);
}
rte_ether_addr mac(uint8_t last) {
    return rte_ether_addr{{0x02, 0, 0, 0, 0, last}};
}
bool same(const rte_ether_addr* a, const rte_ether_addr& b) {
    return a != nullptr && rte_is_same_ether_addr(a, &b);
}

// --- NeighbourMap -----------------------------------------------------------

TEST(NeighbourMapTest, EmptyFindsNothing) {
    const NeighbourMap m;
    EXPECT_EQ(m.find(addr("192.0.2.1"), 0), nullptr);
    EXPECT_EQ(m.find(IpAddr{}, 0), nullptr);
    EXPECT_EQ(m.size(), 0u);
    EXPECT_EQ(m.capacity(), NeighbourMap::kDefaultCapacity);
}

TEST(NeighbourMapTest, AddFindAndReplace) {
    NeighbourMap m;
    ASSERT_TRUE(m.add({addr("192.0.2.10"), 0}, mac(1)));
    ASSERT_TRUE(m.add({addr("2001:db8::10"), 0}, mac(2)));
    EXPECT_TRUE(same(m.find(addr("192.0.2.10"), 0), mac(1)));
    EXPECT_TRUE(same(m.find(addr("2001:db8::10"), 0), mac(2)));
    EXPECT_EQ(m.find(addr("192.0.2.11"), 0), nullptr);
    // The IPv4 address and its IPv4-mapped text are the same key.
    EXPECT_TRUE(same(m.find(addr("::ffff:192.0.2.10"), 0), mac(1)));
    ASSERT_TRUE(m.add({addr("192.0.2.10"), 0}, mac(3)));
    EXPECT_TRUE(same(m.find(addr("192.0.2.10"), 0), mac(3)));
    EXPECT_EQ(m.size(), 2u);
}

TEST(NeighbourMapTest, UnspecifiedIsNeverANeighbour) {
    NeighbourMap m;
    EXPECT_FALSE(m.add({IpAddr{}, 0}, mac(1)));
    ASSERT_TRUE(m.add({addr("192.0.2.10"), 0}, mac(1)));
    EXPECT_EQ(m.find(IpAddr{}, 0), nullptr);
}

TEST(NeighbourMapTest, FullRefusesNewButUpdatesExisting) {
    NeighbourMap m(4);
    for (int i = 1; i <= 4; ++i) {
        ASSERT_TRUE(m.add({addr("192.0.2." + std::to_string(i)), 0}, mac(static_cast<uint8_t>(i))));
    }
    EXPECT_FALSE(m.add({addr("192.0.2.5"), 0}, mac(5)));
    EXPECT_TRUE(m.add({addr("192.0.2.1"), 0}, mac(9)));
    EXPECT_TRUE(same(m.find(addr("192.0.2.1"), 0), mac(9)));
    EXPECT_EQ(m.find(addr("192.0.2.5"), 0), nullptr);
    EXPECT_EQ(m.size(), 4u);
}

TEST(NeighbourMapTest, CapacityIsClamped) {
    EXPECT_EQ(NeighbourMap(0).capacity(), 1u);
    EXPECT_EQ(NeighbourMap(NeighbourMap::kMaxCapacity + 1).capacity(), NeighbourMap::kMaxCapacity);
    NeighbourMap one(0);
    EXPECT_TRUE(one.add({addr("192.0.2.1"), 0}, mac(1)));
    EXPECT_FALSE(one.add({addr("192.0.2.2"), 0}, mac(2)));
}

TEST(NeighbourMapTest, ManyAddressesOfBothFamilies) {
    NeighbourMap m(4096);
    for (int i = 0; i < 2048; ++i) {
        const std::string v4 =
            "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1";
        char v6[64];
        std::snprintf(v6, sizeof v6, "2001:db8:%x::%x", i, i * 7 + 1);
        ASSERT_TRUE(m.add({addr(v4), 0}, mac(static_cast<uint8_t>(i))));
        ASSERT_TRUE(m.add({addr(v6), 0}, mac(static_cast<uint8_t>(i + 1))));
    }
    EXPECT_EQ(m.size(), 4096u);
    for (int i = 0; i < 2048; ++i) {
        const std::string v4 =
            "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1";
        char v6[64];
        std::snprintf(v6, sizeof v6, "2001:db8:%x::%x", i, i * 7 + 1);
        ASSERT_TRUE(same(m.find(addr(v4), 0), mac(static_cast<uint8_t>(i)))) << v4;
        ASSERT_TRUE(same(m.find(addr(v6), 0), mac(static_cast<uint8_t>(i + 1)))) << v6;
        const std::string miss =
            "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".2";
        ASSERT_EQ(m.find(addr(miss), 0), nullptr) << miss;
    }
}

TEST(NeighbourMapTest, CopyAndMove) {
    NeighbourMap m;
    ASSERT_TRUE(m.add({addr("192.0.2.10"), 0}, mac(1)));
    NeighbourMap copy = m;
    ASSERT_TRUE(m.add({addr("192.0.2.11"), 0}, mac(2)));  // the copy does not change
    EXPECT_TRUE(same(copy.find(addr("192.0.2.10"), 0), mac(1)));
    EXPECT_EQ(copy.find(addr("192.0.2.11"), 0), nullptr);

    NeighbourMap moved = std::move(m);
    EXPECT_TRUE(same(moved.find(addr("192.0.2.11"), 0), mac(2)));
    EXPECT_EQ(moved.size(), 2u);
    // A moved-from map is empty and usable.
    EXPECT_EQ(m.size(), 0u);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(m.find(addr("192.0.2.10"), 0), nullptr);
    EXPECT_TRUE(m.add({addr("192.0.2.12"), 0}, mac(3)));
    EXPECT_TRUE(same(m.find(addr("192.0.2.12"), 0), mac(3)));

    NeighbourMap assigned;
    assigned = std::move(moved);
    EXPECT_TRUE(same(assigned.find(addr("192.0.2.10"), 0), mac(1)));
    assigned = copy;
    EXPECT_EQ(assigned.find(addr("192.0.2.11"), 0), nullptr);
}

// --- NeighbourTable ---------------------------------------------------------

constexpr uint64_t kT0 = 1'000'000;  // an arbitrary start of the clock (ms)
const IpAddr kHop = addr("192.0.2.254");

TEST(NeighbourTableTest, RequestIsRateLimitedAndGivesUp) {
    NeighbourTable t(16);
    EXPECT_TRUE(t.request({kHop, 0}, 2, kT0));
    const NeighbourEntry* e = t.find({kHop, 0});
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->state, NeighbourState::kIncomplete);
    EXPECT_EQ(e->local_addr_index, 2);
    EXPECT_EQ(e->probes, 1);
    EXPECT_FALSE(e->has_mac);
    // At most one solicitation a second, whatever the misses.
    EXPECT_FALSE(t.request({kHop, 0}, 2, kT0));
    EXPECT_FALSE(t.request({kHop, 0}, 2, kT0 + 999));
    EXPECT_TRUE(t.request({kHop, 0}, 2, kT0 + 1000));
    EXPECT_FALSE(t.request({kHop, 0}, 2, kT0 + 1500));
    EXPECT_TRUE(t.request({kHop, 0}, 2, kT0 + 2000));
    // Three tries, then no more.
    EXPECT_FALSE(t.request({kHop, 0}, 2, kT0 + 3000));
    EXPECT_FALSE(t.request({kHop, 0}, 2, kT0 + 60000));
    EXPECT_EQ(t.counters().solicitations, 3u);
    EXPECT_EQ(t.generation(), 0u);  // no MAC yet: the frozen map did not change
    EXPECT_EQ(t.freeze().find(kHop, 0), nullptr);
}

TEST(NeighbourTableTest, UnspecifiedNextHopIsNotResolved) {
    NeighbourTable t(16);
    EXPECT_FALSE(t.request({IpAddr{}, 0}, 0, kT0));
    EXPECT_EQ(t.size(), 0u);
}

TEST(NeighbourTableTest, ExpireRetransmitsThenFailsThenForgets) {
    NeighbourTable t(16);
    ASSERT_TRUE(t.request({kHop, 0}, 1, kT0));
    EXPECT_TRUE(t.expire(kT0 + 999).empty());
    auto probes = t.expire(kT0 + 1000);
    ASSERT_EQ(probes.size(), 1u);
    EXPECT_EQ(probes[0].next_hop, kHop);
    EXPECT_EQ(probes[0].local_addr_index, 1);
    EXPECT_TRUE(t.request({kHop, 0}, 1, kT0 + 1000));  // the owner sends it
    ASSERT_EQ(t.expire(kT0 + 2000).size(), 1u);
    EXPECT_TRUE(t.request({kHop, 0}, 1, kT0 + 2000));
    // Out of probes one retransmission interval after the last: failed.
    EXPECT_TRUE(t.expire(kT0 + 2999).empty());
    EXPECT_EQ(t.find({kHop, 0})->state, NeighbourState::kIncomplete);
    EXPECT_TRUE(t.expire(kT0 + 3000).empty());
    EXPECT_EQ(t.find({kHop, 0})->state, NeighbourState::kFailed);
    EXPECT_EQ(t.counters().failed, 1u);
    // Backed off: misses do not solicit.
    EXPECT_FALSE(t.request({kHop, 0}, 1, kT0 + 5000));
    EXPECT_TRUE(t.expire(kT0 + 12999).empty());
    ASSERT_NE(t.find({kHop, 0}), nullptr);
    // Then forgotten; the next miss starts over.
    EXPECT_TRUE(t.expire(kT0 + 13000).empty());
    EXPECT_EQ(t.find({kHop, 0}), nullptr);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_TRUE(t.request({kHop, 0}, 1, kT0 + 13001));
    EXPECT_EQ(t.generation(), 0u);
}

TEST(NeighbourTableTest, LearnResolvesAnIncompleteEntry) {
    NeighbourTable t(16);
    ASSERT_TRUE(t.request({kHop, 0}, 0, kT0));
    EXPECT_EQ(t.learn({kHop, 0}, mac(0xfe), kT0 + 10), LearnResult::kUpdated);
    const NeighbourEntry* e = t.find({kHop, 0});
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->state, NeighbourState::kReachable);
    EXPECT_TRUE(e->has_mac);
    EXPECT_EQ(e->confirmed_ms, kT0 + 10);
    EXPECT_EQ(t.generation(), 1u);
    EXPECT_TRUE(same(t.freeze().find(kHop, 0), mac(0xfe)));
    // Reachable: nothing to solicit, nothing to probe.
    EXPECT_FALSE(t.request({kHop, 0}, 0, kT0 + 5000));
    EXPECT_TRUE(t.expire(kT0 + 5000).empty());
}

TEST(NeighbourTableTest, LearnCreatesOnlyWhenAsked) {
    NeighbourTable t(16);
    const IpAddr host = addr("2001:db8:1::10");
    EXPECT_EQ(t.learn({host, 0}, mac(1), kT0), LearnResult::kNoEntry);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.learn({host, 0}, mac(1), kT0, 3), LearnResult::kCreated);
    EXPECT_EQ(t.find({host, 0})->local_addr_index, 3);
    EXPECT_EQ(t.generation(), 1u);
    EXPECT_EQ(t.learn({host, 0}, mac(1), kT0 + 1), LearnResult::kConfirmed);
    EXPECT_EQ(t.generation(), 1u);  // same MAC: no new map needed
    EXPECT_EQ(t.learn({host, 0}, mac(2), kT0 + 2), LearnResult::kUpdated);
    EXPECT_EQ(t.generation(), 2u);
    EXPECT_TRUE(same(t.freeze().find(host, 0), mac(2)));
}

TEST(NeighbourTableTest, LearnRefusesInvalidInput) {
    NeighbourTable t(16);
    const rte_ether_addr multicast{{0x01, 0, 0x5e, 0, 0, 1}};
    const rte_ether_addr broadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    const rte_ether_addr zero{};
    EXPECT_EQ(t.learn({kHop, 0}, multicast, kT0, 0), LearnResult::kInvalid);
    EXPECT_EQ(t.learn({kHop, 0}, broadcast, kT0, 0), LearnResult::kInvalid);
    EXPECT_EQ(t.learn({kHop, 0}, zero, kT0, 0), LearnResult::kInvalid);
    EXPECT_EQ(t.learn({IpAddr{}, 0}, mac(1), kT0, 0), LearnResult::kInvalid);
    EXPECT_EQ(t.size(), 0u);
}

TEST(NeighbourTableTest, ReachableAgesToStaleIsReprobedAndConfirmed) {
    NeighbourTable t(16);
    ASSERT_EQ(t.learn({kHop, 0}, mac(1), kT0, 0), LearnResult::kCreated);
    EXPECT_TRUE(t.expire(kT0 + 299'999).empty());
    EXPECT_EQ(t.find({kHop, 0})->state, NeighbourState::kReachable);
    auto probes = t.expire(kT0 + 300'000);
    ASSERT_EQ(probes.size(), 1u);
    EXPECT_EQ(probes[0].next_hop, kHop);
    EXPECT_EQ(t.find({kHop, 0})->state, NeighbourState::kStale);
    EXPECT_TRUE(t.request({kHop, 0}, 0, kT0 + 300'000));
    // Stale keeps its MAC: the workers keep sending meanwhile.
    const uint64_t gen = t.generation();
    EXPECT_TRUE(same(t.freeze().find(kHop, 0), mac(1)));
    EXPECT_EQ(t.learn({kHop, 0}, mac(1), kT0 + 300'100), LearnResult::kConfirmed);
    EXPECT_EQ(t.find({kHop, 0})->state, NeighbourState::kReachable);
    EXPECT_EQ(t.find({kHop, 0})->probes, 0);
    EXPECT_EQ(t.generation(), gen);
}

TEST(NeighbourTableTest, StaleUnansweredIsRemoved) {
    NeighbourTable t(16);
    ASSERT_EQ(t.learn({kHop, 0}, mac(1), kT0, 0), LearnResult::kCreated);
    const uint64_t stale_at = kT0 + 300'000;
    for (uint64_t i = 0; i < 3; ++i) {
        auto probes = t.expire(stale_at + i * 1000);
        ASSERT_EQ(probes.size(), 1u) << i;
        EXPECT_TRUE(t.request({kHop, 0}, probes[0].local_addr_index, stale_at + i * 1000));
    }
    const uint64_t gen = t.generation();
    EXPECT_TRUE(t.expire(stale_at + 2999).empty());
    ASSERT_NE(t.find({kHop, 0}), nullptr);
    EXPECT_TRUE(t.expire(stale_at + 3000).empty());
    EXPECT_EQ(t.find({kHop, 0}), nullptr);
    EXPECT_EQ(t.generation(), gen + 1);
    EXPECT_EQ(t.counters().expired, 1u);
    EXPECT_EQ(t.freeze().find(kHop, 0), nullptr);
}

TEST(NeighbourTableTest, BoundedEvictsOldestStaleNeverGrows) {
    NeighbourTable t(3);
    const IpAddr a = addr("192.0.2.1");
    const IpAddr b = addr("192.0.2.2");
    const IpAddr c = addr("192.0.2.3");
    const IpAddr d = addr("192.0.2.4");
    // Three next hops in use (needed), resolved.
    for (const auto& [hop, confirmed] : {std::pair{a, kT0 + 2}, {b, kT0 + 1}, {c, kT0 + 3}}) {
        ASSERT_TRUE(t.request({hop, 0}, 0, kT0));
        ASSERT_EQ(t.learn({hop, 0}, mac(1), confirmed), LearnResult::kUpdated);
    }
    // Full of reachable needed entries: nothing may go.
    EXPECT_EQ(t.learn({d, 0}, mac(4), kT0 + 4, 0), LearnResult::kFull);
    EXPECT_FALSE(t.request({d, 0}, 0, kT0 + 4));
    EXPECT_EQ(t.counters().refused_full, 2u);
    EXPECT_EQ(t.size(), 3u);
    // All stale: the one confirmed longest ago goes.
    EXPECT_EQ(t.expire(kT0 + 400'000).size(), 3u);
    EXPECT_TRUE(t.request({d, 0}, 0, kT0 + 400'000));
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.find({b, 0}), nullptr);
    EXPECT_NE(t.find({a, 0}), nullptr);
    EXPECT_NE(t.find({c, 0}), nullptr);
    EXPECT_EQ(t.counters().evicted, 1u);
    EXPECT_EQ(t.freeze().find(b, 0), nullptr);
}

// Entries created from neighbours' requests (heard) are a cache: a host flooding
// the link with requests from many addresses fills the table with them, and the
// next hops in use still get in, replacing the heard entry confirmed longest ago.
// Heard entries never replace reachable ones, and a heard entry a worker asks
// for is needed from then on.
TEST(NeighbourTableTest, HeardEntriesNeverCrowdOutNextHops) {
    NeighbourTable t(3);
    const IpAddr a = addr("192.0.2.1");
    const IpAddr b = addr("192.0.2.2");
    const IpAddr c = addr("192.0.2.3");
    ASSERT_EQ(t.learn({a, 0}, mac(1), kT0 + 2, 0), LearnResult::kCreated);
    ASSERT_EQ(t.learn({b, 0}, mac(2), kT0 + 1, 0), LearnResult::kCreated);  // confirmed first
    ASSERT_EQ(t.learn({c, 0}, mac(3), kT0 + 3, 0), LearnResult::kCreated);
    EXPECT_FALSE(t.find({a, 0})->needed);
    // Another heard one does not get in ...
    EXPECT_EQ(t.learn({addr("192.0.2.9"), 0}, mac(9), kT0 + 4, 0), LearnResult::kFull);
    // ... a next hop does, in place of the heard entry confirmed longest ago.
    EXPECT_TRUE(t.request({addr("192.0.2.254"), 0}, 0, kT0 + 4));
    EXPECT_EQ(t.find({b, 0}), nullptr);
    EXPECT_TRUE(t.find({addr("192.0.2.254"), 0})->needed);
    // A worker asks for c: needed now, so the next next hop takes a's place.
    EXPECT_FALSE(t.request({c, 0}, 0, kT0 + 5));  // reachable: no solicitation
    EXPECT_TRUE(t.find({c, 0})->needed);
    EXPECT_TRUE(t.request({addr("192.0.2.253"), 0}, 0, kT0 + 5));
    EXPECT_EQ(t.find({a, 0}), nullptr);
    EXPECT_NE(t.find({c, 0}), nullptr);
    // Only needed entries are left, reachable or resolving: nothing may go.
    EXPECT_FALSE(t.request({addr("192.0.2.252"), 0}, 0, kT0 + 6));
    EXPECT_EQ(t.counters().evicted, 2u);
    EXPECT_EQ(t.counters().refused_full, 2u);
    EXPECT_EQ(t.size(), 3u);
}

// expire()'s re-probes of a heard entry keep it heard: a host that once asked for
// our address is not a next hop because its entry aged. A reprobe creates nothing.
TEST(NeighbourTableTest, ReprobeKeepsTheOrigin) {
    NeighbourTable t(4);
    const IpAddr heard = addr("192.0.2.10");
    EXPECT_FALSE(t.reprobe({heard, 0}, 0, kT0));
    EXPECT_EQ(t.size(), 0u);
    ASSERT_EQ(t.learn({heard, 0}, mac(1), kT0, 0), LearnResult::kCreated);
    ASSERT_TRUE(t.request({kHop, 0}, 0, kT0));
    ASSERT_EQ(t.learn({kHop, 0}, mac(2), kT0), LearnResult::kUpdated);
    const uint64_t stale_at = kT0 + 300'000;
    auto probes = t.expire(stale_at);
    ASSERT_EQ(probes.size(), 2u);
    for (const auto& p : probes) {
        EXPECT_TRUE(t.reprobe({p.next_hop, 0}, p.local_addr_index, stale_at));
    }
    EXPECT_FALSE(t.find({heard, 0})->needed);
    EXPECT_TRUE(t.find({kHop, 0})->needed);
    // Rate limited like request(): the next probe one retransmit later.
    EXPECT_FALSE(t.reprobe({heard, 0}, 0, stale_at + 999));
    EXPECT_TRUE(t.reprobe({heard, 0}, 0, stale_at + 1000));
    EXPECT_FALSE(t.find({heard, 0})->needed);
}

TEST(NeighbourTableTest, MarkNeededProtectsAHeardEntry) {
    NeighbourTable t(2);
    const IpAddr gw = addr("192.0.2.254");
    const IpAddr other = addr("192.0.2.10");
    t.mark_needed({gw, 0});  // no entry: nothing happens
    EXPECT_EQ(t.size(), 0u);
    ASSERT_EQ(t.learn({gw, 0}, mac(1), kT0, 0), LearnResult::kCreated);  // confirmed first
    ASSERT_EQ(t.learn({other, 0}, mac(2), kT0 + 1, 0), LearnResult::kCreated);
    t.mark_needed({gw, 0});
    EXPECT_TRUE(t.find({gw, 0})->needed);
    // A next hop needs room: the heard entry goes although the gateway is older.
    EXPECT_TRUE(t.request({addr("192.0.2.253"), 0}, 0, kT0 + 2));
    EXPECT_EQ(t.find({other, 0}), nullptr);
    EXPECT_NE(t.find({gw, 0}), nullptr);
}

// Stale needed entries make room for other needed ones, never for heard ones.
TEST(NeighbourTableTest, StaleNextHopsAreNotEvictedForHeardEntries) {
    NeighbourTable t(1);
    ASSERT_TRUE(t.request({kHop, 0}, 0, kT0));
    ASSERT_EQ(t.learn({kHop, 0}, mac(1), kT0), LearnResult::kUpdated);
    ASSERT_EQ(t.expire(kT0 + 300'000).size(), 1u);
    ASSERT_EQ(t.find({kHop, 0})->state, NeighbourState::kStale);
    EXPECT_EQ(t.learn({addr("192.0.2.10"), 0}, mac(2), kT0 + 300'000, 0), LearnResult::kFull);
    EXPECT_NE(t.find({kHop, 0}), nullptr);
    EXPECT_TRUE(t.request({addr("192.0.2.253"), 0}, 0, kT0 + 300'000));
    EXPECT_EQ(t.find({kHop, 0}), nullptr);
    EXPECT_EQ(t.counters().evicted, 1u);
}

TEST(NeighbourTableTest, FailedEntriesAreEvictedBeforeStaleOnes) {
    NeighbourTable t(2);
    const IpAddr a = addr("192.0.2.1");
    const IpAddr dead = addr("192.0.2.2");
    const IpAddr d = addr("192.0.2.4");
    ASSERT_EQ(t.learn({a, 0}, mac(1), kT0, 0), LearnResult::kCreated);
    ASSERT_TRUE(t.request({dead, 0}, 0, kT0));
    uint64_t now = kT0 + 300'000;
    // a goes stale, dead runs out of probes and fails.
    for (int i = 0; i < 3; ++i, now += 1000) {
        for (const auto& p : t.expire(now)) {
            t.request({p.next_hop, 0}, p.local_addr_index, now);
        }
    }
    ASSERT_EQ(t.find({dead, 0})->state, NeighbourState::kFailed);
    ASSERT_EQ(t.find({a, 0})->state, NeighbourState::kStale);
    EXPECT_EQ(t.learn({d, 0}, mac(4), now, 0), LearnResult::kCreated);
    EXPECT_EQ(t.find({dead, 0}), nullptr);
    EXPECT_NE(t.find({a, 0}), nullptr);
}

TEST(NeighbourTableTest, FreezeHoldsEveryEntryWithAMac) {
    NeighbourTable t(64);
    EXPECT_EQ(t.freeze().size(), 0u);
    for (int i = 1; i <= 40; ++i) {
        ASSERT_EQ(t.learn({addr("192.0.2." + std::to_string(i)), 0}, mac(static_cast<uint8_t>(i)),
                          kT0, 0),
                  LearnResult::kCreated);
    }
    ASSERT_TRUE(t.request({addr("192.0.2.200"), 0}, 0, kT0));
    const NeighbourMap m = t.freeze();
    EXPECT_EQ(m.size(), 40u);
    for (int i = 1; i <= 40; ++i) {
        EXPECT_TRUE(
            same(m.find(addr("192.0.2." + std::to_string(i)), 0), mac(static_cast<uint8_t>(i))));
    }
    EXPECT_EQ(m.find(addr("192.0.2.200"), 0), nullptr);
}

TEST(NeighbourTableTest, ClockGoingBackwardsCountsAsNoTime) {
    NeighbourTable t(4);
    ASSERT_TRUE(t.request({kHop, 0}, 0, kT0));
    EXPECT_FALSE(t.request({kHop, 0}, 0, kT0 - 5000));
    EXPECT_TRUE(t.expire(kT0 - 5000).empty());
    ASSERT_EQ(t.learn({kHop, 0}, mac(1), kT0), LearnResult::kUpdated);
    EXPECT_TRUE(t.expire(0).empty());
    EXPECT_EQ(t.find({kHop, 0})->state, NeighbourState::kReachable);
}

TEST(NeighbourTableTest, CustomTimers) {
    NeighbourTimers timers;
    timers.retransmit_ms = 100;
    timers.max_probes = 1;
    timers.failed_backoff_ms = 500;
    timers.reachable_ms = 2000;
    NeighbourTable t(4, timers);
    ASSERT_TRUE(t.request({kHop, 0}, 0, kT0));
    EXPECT_FALSE(t.request({kHop, 0}, 0, kT0 + 100));  // one probe only
    EXPECT_TRUE(t.expire(kT0 + 100).empty());
    EXPECT_EQ(t.find({kHop, 0})->state, NeighbourState::kFailed);
    EXPECT_TRUE(t.expire(kT0 + 600).empty());
    EXPECT_EQ(t.find({kHop, 0}), nullptr);
    ASSERT_EQ(t.learn({kHop, 0}, mac(1), kT0, 0), LearnResult::kCreated);
    EXPECT_EQ(t.expire(kT0 + 2000).size(), 1u);
}

TEST(NeighbourTableTest, StateNames) {
    EXPECT_STREQ(neighbour_state_name(NeighbourState::kIncomplete), "incomplete");
    EXPECT_STREQ(neighbour_state_name(NeighbourState::kReachable), "reachable");
    EXPECT_STREQ(neighbour_state_name(NeighbourState::kStale), "stale");
    EXPECT_STREQ(neighbour_state_name(NeighbourState::kFailed), "failed");
}

}  // namespace
}  // namespace mg::dataplane
