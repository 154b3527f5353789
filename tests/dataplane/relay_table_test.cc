#include "dataplane/relay_table.h"

#include <gtest/gtest.h>

#include "dataplane/leg.h"
#include "lists/address.h"

namespace mg::dataplane {
namespace {

Leg make_leg(uint16_t index, uint16_t port, uint64_t tag = 0) {
    Leg leg;
    leg.local_addr_index = index;
    leg.local_port = port;
    leg.owner_tag = tag;
    return leg;
}

TEST(RelayTable, LegFitsTheBudget) {
    static_assert(sizeof(Leg) + sizeof(Leg*) <= 128);
    EXPECT_LE(sizeof(Leg) + sizeof(Leg*), kMaxLegBytes);
    EXPECT_EQ(alignof(Leg), 16u);
}

// Every byte the table holds, per leg, with all ports of its blocks in use: the
// slabs at sizeof(Leg) stride, the slots, the block index.
TEST(RelayTable, MemoryPerLegWithinTheBudget) {
    constexpr uint32_t kLegs = 64 * 1024;  // 64 slabs, 256 blocks of one address
    RelayTable table(1, kLegs);
    for (uint32_t i = 0; i < kLegs - 1; ++i) {
        ASSERT_TRUE(table.add(make_leg(0, static_cast<uint16_t>(i + 1))).ok());
    }
    const double per_leg = static_cast<double>(table.bytes()) / (kLegs - 1);
    EXPECT_LE(per_leg, static_cast<double>(kMaxLegBytes)) << per_leg;
    EXPECT_GE(per_leg, static_cast<double>(sizeof(Leg) + sizeof(Leg*)));
}

// A freed leg is reused by the next add (no growth under churn), and only after
// reclaim_retired(): a worker may still read a retired leg.
TEST(RelayTable, ChurnReusesLegsAfterTheGracePeriodOnly) {
    RelayTable table(1, 4);
    ASSERT_TRUE(table.add(make_leg(0, 1000, 1)).ok());
    ASSERT_TRUE(table.add(make_leg(0, 2001, 9)).ok());  // the block of port 2000 exists
    ASSERT_TRUE(table.remove(0, 2001).ok());
    table.reclaim_retired();
    const Leg* first = table.find(0, 1000);
    const size_t bytes = table.bytes();
    ASSERT_TRUE(table.remove(0, 1000).ok());
    ASSERT_TRUE(table.add(make_leg(0, 1002, 2)).ok());
    EXPECT_NE(table.find(0, 1002), first);  // still retired: not reused
    EXPECT_EQ(first->owner_tag, 1u);        // and untouched
    table.reclaim_retired();
    for (int round = 0; round < 3 * static_cast<int>(RelayTable::kLegsPerSlab); ++round) {
        ASSERT_TRUE(table.add(make_leg(0, 2000, 3)).ok());
        ASSERT_TRUE(table.remove(0, 2000).ok());
        table.reclaim_retired();
    }
    EXPECT_EQ(table.bytes(), bytes);
    EXPECT_EQ(table.find(0, 1002)->owner_tag, 2u);
}

TEST(RelayTable, AddFindRemove) {
    RelayTable table(2, 100);
    EXPECT_EQ(table.find(0, 30000), nullptr);
    ASSERT_TRUE(table.add(make_leg(0, 30000, 7)).ok());
    ASSERT_TRUE(table.add(make_leg(1, 30000, 8)).ok());
    ASSERT_TRUE(table.add(make_leg(0, 65535, 9)).ok());
    ASSERT_NE(table.find(0, 30000), nullptr);
    EXPECT_EQ(table.find(0, 30000)->owner_tag, 7u);
    EXPECT_EQ(table.find(1, 30000)->owner_tag, 8u);
    EXPECT_EQ(table.find(0, 65535)->owner_tag, 9u);
    EXPECT_EQ(table.find(0, 30001), nullptr);
    EXPECT_EQ(table.find(0, 29999), nullptr);
    EXPECT_EQ(table.find(2, 30000), nullptr);  // no such local address
    EXPECT_EQ(table.size(), 3u);

    ASSERT_TRUE(table.remove(0, 30000).ok());
    EXPECT_EQ(table.find(0, 30000), nullptr);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.retired(), 1u);  // not freed until a grace period
    table.reclaim_retired();
    EXPECT_EQ(table.retired(), 0u);
    EXPECT_EQ(table.remove(0, 30000).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(table.remove(5, 30000).error().code, ErrorCode::kNotFound);
}

TEST(RelayTable, RefusesBadKeys) {
    RelayTable table(1, 10);
    ASSERT_TRUE(table.add(make_leg(0, 1000)).ok());
    auto dup = table.add(make_leg(0, 1000));
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(dup.error().message.find("port 1000"), std::string::npos);
    EXPECT_EQ(table.add(make_leg(1, 1000)).error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(table.add(make_leg(0, 0)).error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(table.size(), 1u);
}

TEST(RelayTable, EnforcesMaxLegs) {
    RelayTable table(1, 3);
    EXPECT_EQ(table.max_legs(), 3u);
    for (uint16_t p = 1; p <= 3; ++p) {
        ASSERT_TRUE(table.add(make_leg(0, p)).ok());
    }
    auto full = table.add(make_leg(0, 4));
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().code, ErrorCode::kLimit);
    EXPECT_EQ(table.find(0, 4), nullptr);
    // Replacing does not count as a new leg; removing frees a place.
    EXPECT_TRUE(table.replace(make_leg(0, 2, 42)).ok());
    ASSERT_TRUE(table.remove(0, 1).ok());
    EXPECT_TRUE(table.add(make_leg(0, 4)).ok());
    EXPECT_EQ(table.size(), 3u);
}

TEST(RelayTable, AddResetsWorkerFields) {
    RelayTable table(1, 10);
    Leg leg = make_leg(0, 1000);
    leg.latch_state = kLatched;
    leg.learned_port = 5;
    leg.in.packets = 3;
    ASSERT_TRUE(table.add(leg).ok());
    const Leg* got = table.find(0, 1000);
    EXPECT_EQ(got->latch_state, kNotLatched);
    EXPECT_EQ(got->learned_port, 0);
    EXPECT_EQ(got->in.packets, 0u);
}

TEST(RelayTable, ReplacePublishesANewLegKeepingCountersNotTheLatch) {
    RelayTable table(1, 10);
    ASSERT_TRUE(table.add(make_leg(0, 1000, 1)).ok());
    Leg* old = table.find(0, 1000);
    old->latch_state = kLatched;
    old->learned_port = 4000;
    old->in = LegCounters{10, 1000, 77};
    old->out = LegCounters{5, 500, 78};

    Leg changed = make_leg(0, 1000, 2);
    changed.peer = IpAddr::from_address(*lists::parse_address("192.0.2.10"));
    changed.peer_port = 4002;
    ASSERT_TRUE(table.replace(changed).ok());
    const Leg* now = table.find(0, 1000);
    ASSERT_NE(now, old);
    EXPECT_EQ(now->owner_tag, 2u);
    EXPECT_EQ(now->peer_port, 4002);
    EXPECT_EQ(now->latch_state, kNotLatched);
    EXPECT_EQ(now->in.packets, 10u);
    EXPECT_EQ(now->in.bytes, 1000u);
    EXPECT_EQ(now->out.last_tsc, 78u);
    EXPECT_EQ(table.retired(), 1u);
    EXPECT_EQ(old->owner_tag, 1u);  // still readable by workers until reclaimed
    EXPECT_EQ(table.replace(make_leg(0, 1001)).error().code, ErrorCode::kNotFound);
}

TEST(RelayTable, RemarkPublishesANewLegKeepingLatchAndCounters) {
    RelayTable table(1, 10);
    Leg spec = make_leg(0, 1000, 1);
    spec.peer = IpAddr::from_address(*lists::parse_address("192.0.2.10"));
    spec.peer_port = 4000;
    spec.other_port = 1002;
    spec.dscp = 46;
    spec.flags = kLegLatch;
    ASSERT_TRUE(table.add(spec).ok());
    ASSERT_TRUE(table.add(make_leg(0, 1004, 2)).ok());
    Leg* old = table.find(0, 1000);
    const IpAddr learned = IpAddr::from_address(*lists::parse_address("203.0.113.7"));
    old->learned_peer = learned;
    old->learned_port = 6000;
    old->latch_seq = 3;
    old->latch_state = kLatched;
    old->in = LegCounters{10, 1000, 77};
    old->idle_mark = 12;

    IpAddr judged;
    ASSERT_TRUE(table
                    .remark(0, 1000, kLegLatch | kLegDebug,
                            [&](const IpAddr& a) {
                                judged = a;
                                return uint8_t{kLegDebug};
                            })
                    .ok());
    const Leg* now = table.find(0, 1000);
    ASSERT_NE(now, old);
    EXPECT_EQ(judged, learned);
    EXPECT_EQ(now->flags, kLegLatch | kLegDebug);
    EXPECT_EQ(now->latch_state, kLatched);
    EXPECT_EQ(now->latch_seq, 3);
    EXPECT_EQ(now->learned_peer, learned);
    EXPECT_EQ(now->learned_port, 6000);
    EXPECT_EQ(now->learned_flags, kLegDebug);
    EXPECT_EQ(now->peer, spec.peer);
    EXPECT_EQ(now->peer_port, 4000);
    EXPECT_EQ(now->other_port, 1002);
    EXPECT_EQ(now->dscp, 46);
    EXPECT_EQ(now->owner_tag, 1u);
    EXPECT_EQ(now->in.packets, 10u);
    EXPECT_EQ(now->idle_mark, 12u);
    EXPECT_EQ(table.retired(), 1u);

    // A leg that has not latched gets no learned mark; the judge is not asked.
    bool asked = false;
    ASSERT_TRUE(table
                    .remark(0, 1004, kLegDebug,
                            [&](const IpAddr&) {
                                asked = true;
                                return uint8_t{kLegDebug};
                            })
                    .ok());
    EXPECT_FALSE(asked);
    EXPECT_EQ(table.find(0, 1004)->latch_state, kNotLatched);
    EXPECT_EQ(table.find(0, 1004)->learned_flags, 0);
    EXPECT_EQ(table.find(0, 1004)->flags, kLegDebug);

    // A worker in the middle of latching the old leg: the copy has not latched (the
    // next packet latches it), whatever the old leg ends up with.
    Leg* busy = table.find(0, 1004);
    busy->latch_state = kLatching;
    busy->learned_port = 7000;
    ASSERT_TRUE(table.remark(0, 1004, 0, [](const IpAddr&) { return uint8_t{kLegDebug}; }).ok());
    EXPECT_EQ(table.find(0, 1004)->latch_state, kNotLatched);
    EXPECT_EQ(table.find(0, 1004)->learned_port, 0);
    EXPECT_EQ(table.find(0, 1004)->learned_flags, 0);
    EXPECT_EQ(table.remark(0, 1001, 0, [](const IpAddr&) { return uint8_t{0}; }).error().code,
              ErrorCode::kNotFound);
}

TEST(IpAddr, ConvertsBothFamilies) {
    const auto v4 = IpAddr::from_address(*lists::parse_address("192.0.2.1"));
    EXPECT_TRUE(v4.is_v4());
    const uint8_t wire4[4] = {192, 0, 2, 1};
    EXPECT_EQ(v4, IpAddr::from_v4_wire(wire4));
    EXPECT_EQ(v4.to_address(), *lists::parse_address("192.0.2.1"));
    const auto v6 = IpAddr::from_address(*lists::parse_address("2001:db8::1"));
    EXPECT_FALSE(v6.is_v4());
    EXPECT_EQ(v6.bytes[0], 0x20);
    EXPECT_EQ(v6.bytes[15], 1);
    EXPECT_EQ(v6.to_address(), *lists::parse_address("2001:db8::1"));
    EXPECT_TRUE(IpAddr{}.is_unspecified());
    EXPECT_FALSE(v4.is_unspecified());
}

}  // namespace
}  // namespace mg::dataplane
