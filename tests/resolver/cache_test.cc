#include "resolver/cache.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mg::resolver {
namespace {

using namespace std::chrono_literals;

Record a_record(std::string name, uint32_t ttl, uint8_t last) {
    Record r;
    r.name = std::move(name);
    r.type = RrType::kA;
    r.ttl = ttl;
    r.data = AData{{192, 0, 2, last}};
    return r;
}

Record soa_record(uint32_t ttl, uint32_t minimum) {
    Record r;
    r.name = "example.";
    r.type = RrType::kSoa;
    r.ttl = ttl;
    r.data = SoaData{"ns.example.", "hostmaster.example.", 1, 7200, 900, 1209600, minimum};
    return r;
}

class CacheTest : public ::testing::Test {
  protected:
    Cache make(CacheConfig config = {}) {
        return Cache(config, [this] { return now_; });
    }
    void advance(Cache::Clock::duration d) { now_ += d; }

    Cache::Clock::time_point now_ = Cache::Clock::time_point{} + 1000h;
};

TEST_F(CacheTest, PositiveAnswerLivesForItsSmallestTtl) {
    Cache cache = make();
    ASSERT_TRUE(
        cache.put_answer("www.example.", RrType::kA,
                         {a_record("www.example.", 300, 1), a_record("www.example.", 60, 2)}));
    std::optional<CachedResult> hit = cache.get("www.example.", RrType::kA);
    ASSERT_TRUE(hit.has_value());
    EXPECT_FALSE(hit->negative);
    EXPECT_EQ(hit->ttl, 60u);
    ASSERT_EQ(hit->records.size(), 2u);
    EXPECT_EQ(hit->records[0].ttl, 60u);  // capped at the entry's TTL
    EXPECT_EQ(hit->records[1].ttl, 60u);

    advance(59s);
    EXPECT_TRUE(cache.get("www.example.", RrType::kA).has_value());
    advance(1s);
    EXPECT_FALSE(cache.get("www.example.", RrType::kA).has_value());
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.counters().expired, 1u);
}

TEST_F(CacheTest, ServedTtlsAreLoweredByTheAge) {
    Cache cache = make();
    ASSERT_TRUE(cache.put_answer("a.example", RrType::kA, {a_record("a.example.", 100, 1)}));
    advance(30s);
    advance(900ms);  // whole seconds only
    std::optional<CachedResult> hit = cache.get("a.example", RrType::kA);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->ttl, 70u);
    EXPECT_EQ(hit->records.at(0).ttl, 70u);
    advance(69s);
    hit = cache.get("a.example", RrType::kA);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->records.at(0).ttl, 1u);
}

TEST_F(CacheTest, NegativeTtlIsTheSmallerOfSoaMinimumAndSoaTtl) {
    EXPECT_EQ(Cache::negative_ttl(std::vector<Record>{soa_record(3600, 120)}), 120u);
    EXPECT_EQ(Cache::negative_ttl(std::vector<Record>{soa_record(45, 600)}), 45u);
    EXPECT_EQ(Cache::negative_ttl(std::vector<Record>{}), std::nullopt);

    Cache cache = make();
    std::vector<Record> by_minimum{soa_record(3600, 120)};
    ASSERT_TRUE(cache.put_negative("nx.example", RrType::kA, "NXDOMAIN", by_minimum));
    std::vector<Record> by_ttl{soa_record(45, 600)};
    ASSERT_TRUE(cache.put_negative("nodata.example", RrType::kAaaa, "NODATA", by_ttl));

    std::optional<CachedResult> nx = cache.get("nx.example", RrType::kA);
    ASSERT_TRUE(nx.has_value());
    EXPECT_TRUE(nx->negative);
    EXPECT_EQ(nx->detail, "NXDOMAIN");
    EXPECT_EQ(nx->ttl, 120u);
    EXPECT_TRUE(nx->records.empty());

    advance(45s);
    EXPECT_FALSE(cache.get("nodata.example", RrType::kAaaa).has_value());
    EXPECT_TRUE(cache.get("nx.example", RrType::kA).has_value());
    advance(75s);
    EXPECT_FALSE(cache.get("nx.example", RrType::kA).has_value());
}

TEST_F(CacheTest, AnSoaOfAnotherClassSetsNoNegativeTtl) {
    Record chaos = soa_record(3600, 120);
    chaos.cls = 3;  // CH
    EXPECT_EQ(Cache::negative_ttl(std::vector<Record>{chaos}), std::nullopt);
    EXPECT_EQ(Cache::negative_ttl(std::vector<Record>{chaos, soa_record(45, 600)}), 45u);
}

TEST_F(CacheTest, NegativeAnswerWithoutSoaIsNotCached) {
    Cache cache = make();
    std::vector<Record> no_soa{a_record("other.example.", 300, 1)};
    EXPECT_FALSE(cache.put_negative("nx.example", RrType::kA, "NXDOMAIN", no_soa));
    EXPECT_FALSE(cache.put_negative("nx.example", RrType::kA, "NXDOMAIN", {}));
    EXPECT_FALSE(cache.get("nx.example", RrType::kA).has_value());
    EXPECT_EQ(cache.size(), 0u);
}

TEST_F(CacheTest, ZeroTtlAndEmptyAnswersAreNotCached) {
    Cache cache = make();
    EXPECT_FALSE(cache.put_answer("z.example", RrType::kA, {a_record("z.example.", 0, 1)}));
    EXPECT_FALSE(cache.put_answer("z.example", RrType::kA, {}));
    std::vector<Record> zero_soa{soa_record(0, 300)};
    EXPECT_FALSE(cache.put_negative("z.example", RrType::kA, "NXDOMAIN", zero_soa));
    EXPECT_EQ(cache.size(), 0u);
}

TEST_F(CacheTest, TtlsAreCapped) {
    CacheConfig config;
    config.max_ttl = 100;
    config.max_negative_ttl = 10;
    Cache cache = make(config);
    ASSERT_TRUE(
        cache.put_answer("big.example", RrType::kA, {a_record("big.example.", 86400 * 7, 1)}));
    std::vector<Record> soa{soa_record(3600, 3600)};
    ASSERT_TRUE(cache.put_negative("nx.example", RrType::kA, "NXDOMAIN", soa));
    EXPECT_EQ(cache.get("big.example", RrType::kA)->ttl, 100u);
    EXPECT_EQ(cache.get("big.example", RrType::kA)->records.at(0).ttl, 100u);
    EXPECT_EQ(cache.get("nx.example", RrType::kA)->ttl, 10u);
    advance(10s);
    EXPECT_FALSE(cache.get("nx.example", RrType::kA).has_value());
    EXPECT_TRUE(cache.get("big.example", RrType::kA).has_value());
}

TEST_F(CacheTest, KeysIgnoreCaseAndTrailingDotButNotType) {
    Cache cache = make();
    ASSERT_TRUE(
        cache.put_answer("WWW.Example.COM.", RrType::kA, {a_record("www.example.com.", 300, 1)}));
    EXPECT_TRUE(cache.get("www.example.com", RrType::kA).has_value());
    EXPECT_TRUE(cache.get("www.EXAMPLE.com.", RrType::kA).has_value());
    EXPECT_FALSE(cache.get("www.example.com", RrType::kAaaa).has_value());
    EXPECT_FALSE(cache.get("ww.example.com", RrType::kA).has_value());
    EXPECT_EQ(lower_name("A.b."), "a.b");
    EXPECT_EQ(lower_name("."), ".");
    EXPECT_EQ(lower_name("a\\."), "a\\.");
}

TEST_F(CacheTest, ReplacingAnEntryKeepsOneEntry) {
    Cache cache = make();
    ASSERT_TRUE(cache.put_answer("r.example", RrType::kA, {a_record("r.example.", 300, 1)}));
    ASSERT_TRUE(cache.put_answer("R.example.", RrType::kA, {a_record("r.example.", 30, 2)}));
    EXPECT_EQ(cache.size(), 1u);
    std::optional<CachedResult> hit = cache.get("r.example", RrType::kA);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->ttl, 30u);
    EXPECT_EQ(std::get<AData>(hit->records.at(0).data).addr[3], 2);
}

TEST_F(CacheTest, LeastRecentlyUsedIsEvictedAtTheBound) {
    CacheConfig config;
    config.max_entries = 3;
    Cache cache = make(config);
    for (std::string name : {"a.example", "b.example", "c.example"}) {
        ASSERT_TRUE(cache.put_answer(name, RrType::kA, {a_record(name + ".", 300, 1)}));
    }
    EXPECT_EQ(cache.size(), 3u);
    ASSERT_TRUE(cache.get("a.example", RrType::kA).has_value());  // a is now the newest
    ASSERT_TRUE(cache.put_answer("d.example", RrType::kA, {a_record("d.example.", 300, 1)}));
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_EQ(cache.counters().evicted, 1u);
    EXPECT_FALSE(cache.get("b.example", RrType::kA).has_value());  // the oldest
    EXPECT_TRUE(cache.get("a.example", RrType::kA).has_value());
    EXPECT_TRUE(cache.get("c.example", RrType::kA).has_value());
    EXPECT_TRUE(cache.get("d.example", RrType::kA).has_value());
    // Order now (newest first): d, c, a.
    ASSERT_TRUE(cache.put_answer("e.example", RrType::kA, {a_record("e.example.", 300, 1)}));
    EXPECT_FALSE(cache.get("a.example", RrType::kA).has_value());
    EXPECT_EQ(cache.size(), 3u);
}

Record cname_record(std::string owner, std::string target, uint32_t ttl) {
    Record r;
    r.name = std::move(owner);
    r.type = RrType::kCname;
    r.ttl = ttl;
    r.data = NameData{std::move(target)};
    return r;
}

TEST_F(CacheTest, AnEntryBecomesAMessageWithItsChainAndLoweredTtls) {
    Cache cache = make();
    CachedResult entry;
    entry.chain = {cname_record("www.example.", "cdn.example.", 500)};
    entry.records = {a_record("cdn.example.", 300, 1), a_record("cdn.example.", 200, 2)};
    entry.authorities = {soa_record(3600, 60)};  // dropped: positive entries keep no SOA
    ASSERT_TRUE(cache.put("www.example", RrType::kA, entry, 120));
    advance(20s);
    std::optional<CachedResult> hit = cache.get("WWW.example.", RrType::kA);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->ttl, 100u);
    ASSERT_EQ(hit->chain.size(), 1u);
    EXPECT_EQ(hit->chain[0].ttl, 100u);  // capped at 120 when stored, then 20 s older
    EXPECT_TRUE(hit->authorities.empty());

    Message m = cached_message("WWW.example.", RrType::kA, *hit);
    EXPECT_EQ(m.header.id, 0u);
    EXPECT_TRUE(m.header.qr);
    EXPECT_TRUE(m.header.rd);
    EXPECT_TRUE(m.header.ra);
    EXPECT_EQ(m.header.rcode, kRcodeNoError);
    EXPECT_EQ(m.header.qdcount, 1u);
    EXPECT_EQ(m.header.ancount, 3u);
    EXPECT_TRUE(question_matches(m, "www.example", RrType::kA));
    ASSERT_EQ(m.answers.size(), 3u);
    EXPECT_EQ(format_record(m.answers[0]), "www.example. 100 IN CNAME cdn.example.");
    EXPECT_EQ(format_record(m.answers[1]), "cdn.example. 100 IN A 192.0.2.1");
    EXPECT_EQ(format_record(m.answers[2]), "cdn.example. 100 IN A 192.0.2.2");
    EXPECT_TRUE(m.authorities.empty());
}

TEST_F(CacheTest, NegativeEntriesKeepTheirSoaAndRcode) {
    Cache cache = make();
    std::vector<Record> authority{a_record("x.example.", 5, 1), soa_record(3600, 120)};
    ASSERT_TRUE(cache.put_negative("nx.example", RrType::kA, "NXDOMAIN", authority));
    ASSERT_TRUE(
        cache.put_negative("nodata.example", RrType::kA, "NODATA", authority, kRcodeNoError));
    advance(20s);

    std::optional<CachedResult> nx = cache.get("nx.example", RrType::kA);
    ASSERT_TRUE(nx.has_value());
    Message m = cached_message("nx.example", RrType::kA, *nx);
    EXPECT_EQ(m.header.rcode, kRcodeNxDomain);
    EXPECT_TRUE(m.answers.empty());
    ASSERT_EQ(m.authorities.size(), 1u);  // the SOA only
    EXPECT_EQ(m.authorities[0].type, RrType::kSoa);
    EXPECT_EQ(m.authorities[0].ttl, 100u);  // 3600 capped at the entry's 120, 20 s older
    EXPECT_EQ(m.header.nscount, 1u);

    std::optional<CachedResult> nodata = cache.get("nodata.example", RrType::kA);
    ASSERT_TRUE(nodata.has_value());
    EXPECT_EQ(cached_message("nodata.example", RrType::kA, *nodata).header.rcode, kRcodeNoError);
}

TEST_F(CacheTest, ClearEmptiesTheCache) {
    Cache cache = make();
    ASSERT_TRUE(cache.put_answer("a.example", RrType::kA, {a_record("a.example.", 300, 1)}));
    cache.clear();
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_FALSE(cache.get("a.example", RrType::kA).has_value());
}

}  // namespace
}  // namespace mg::resolver
