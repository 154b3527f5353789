// The query engine's cache, the merging of identical queries in flight and
// CNAME chains, against in-process fake DNS servers (the fixture:
// resolver_fixture.h).
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "resolver/resolver.h"
#include "tests/resolver/fake_dns_server.h"
#include "tests/resolver/resolver_fixture.h"

namespace mg::resolver {
namespace {

using namespace std::chrono_literals;
using testing::Clock;
using testing::FakeDnsServer;
using testing::ResolverCacheTest;

TEST_F(ResolverCacheTest, SecondIdenticalQueryIsServedFromTheCache) {
    FakeDnsServer server(loop_, 0);
    server.behavior().a = {"198.51.100.7"};
    Resolver r(loop_, cached_config(server));
    ResolveResult first = run(r, "www.example.com", RrType::kA);
    ASSERT_EQ(first.status, ResolveStatus::kAnswer) << first.detail;
    EXPECT_EQ(first.attempts, 1);

    now_ += 100s;
    bool done = false;
    ResolveResult second;
    r.resolve("WWW.Example.COM.", RrType::kA, [&](ResolveResult res) {
        second = std::move(res);
        done = true;
    });
    EXPECT_FALSE(done);  // never from inside resolve()
    ASSERT_TRUE(loop_.run_until([&] { return done; }, Clock::now() + 1s));
    EXPECT_EQ(second.status, ResolveStatus::kAnswer);
    EXPECT_EQ(second.detail, "cache");
    EXPECT_EQ(second.attempts, 0);
    EXPECT_EQ(second.name, "WWW.Example.COM.");
    ASSERT_EQ(second.records.size(), 1u);
    EXPECT_EQ(format_rdata(second.records[0]), "198.51.100.7");
    EXPECT_EQ(second.records[0].ttl, 200u);  // 300 - 100
    // The hit carries the answer as a message: the question as asked, the records.
    EXPECT_EQ(second.message.header.id, 0u);
    EXPECT_EQ(second.message.header.rcode, kRcodeNoError);
    EXPECT_TRUE(question_matches(second.message, "www.example.com", RrType::kA));
    ASSERT_EQ(second.message.answers.size(), 1u);
    EXPECT_EQ(format_record(second.message.answers[0]), "www.example.com. 200 IN A 198.51.100.7");
    EXPECT_EQ(server.queries().size(), 1u);
    EXPECT_EQ(r.counters().cache_hits, 1u);
    EXPECT_EQ(r.counters().cache_misses, 1u);
    EXPECT_EQ(r.counters().sent, 1u);
    EXPECT_EQ(r.in_flight(), 0u);

    // Another type is another key.
    EXPECT_EQ(run(r, "www.example.com", RrType::kAaaa).attempts, 1);
    EXPECT_EQ(server.queries().size(), 2u);
}

TEST_F(ResolverCacheTest, AfterExpiryTheQueryIsSentAgain) {
    FakeDnsServer server(loop_, 0);
    server.behavior().ttl = 5;
    Resolver r(loop_, cached_config(server));
    ASSERT_EQ(run(r, "short.example", RrType::kA).status, ResolveStatus::kAnswer);
    now_ += 4s;
    EXPECT_EQ(run(r, "short.example", RrType::kA).detail, "cache");
    EXPECT_EQ(server.queries().size(), 1u);
    now_ += 1s;
    ResolveResult again = run(r, "short.example", RrType::kA);
    EXPECT_EQ(again.status, ResolveStatus::kAnswer);
    EXPECT_EQ(again.attempts, 1);
    EXPECT_EQ(server.queries().size(), 2u);
}

TEST_F(ResolverCacheTest, NegativeAnswersAreCachedOnlyWithAnSoa) {
    FakeDnsServer server(loop_, 0);
    server.behavior().rcode = kRcodeNxDomain;
    Resolver r(loop_, cached_config(server));
    // No SOA: not cached.
    EXPECT_EQ(run(r, "nx.example", RrType::kA).detail, "NXDOMAIN");
    EXPECT_EQ(run(r, "nx.example", RrType::kA).detail, "NXDOMAIN");
    EXPECT_EQ(server.queries().size(), 2u);

    // With an SOA: cached for min(SOA TTL, MINIMUM) = 60 s.
    server.behavior().soa = testing::FakeSoa{3600, 60};
    EXPECT_EQ(run(r, "nx2.example", RrType::kA).detail, "NXDOMAIN");
    ResolveResult hit = run(r, "nx2.example", RrType::kA);
    EXPECT_EQ(hit.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(hit.detail, "cache");
    EXPECT_EQ(server.queries().size(), 3u);
    now_ += 60s;
    EXPECT_EQ(run(r, "nx2.example", RrType::kA).detail, "NXDOMAIN");
    EXPECT_EQ(server.queries().size(), 4u);

    // NODATA with an SOA whose TTL is the smaller.
    server.behavior().rcode = kRcodeNoError;
    server.behavior().a = {};
    server.behavior().soa = testing::FakeSoa{10, 600};
    EXPECT_EQ(run(r, "nodata.example", RrType::kA).detail, "NODATA");
    now_ += 9s;
    EXPECT_EQ(run(r, "nodata.example", RrType::kA).detail, "cache");
    now_ += 1s;
    EXPECT_EQ(run(r, "nodata.example", RrType::kA).detail, "NODATA");
    EXPECT_EQ(server.queries().size(), 6u);
}

TEST_F(ResolverCacheTest, FailuresAndDummyIpsAreNotCached) {
    FakeDnsServer server(loop_, 0);
    server.behavior().rcode = kRcodeServFail;
    ResolverConfig c = cached_config(server);
    c.dummy_ips = lists::AddressList(lists::compile_list("192.0.2.0/24\n").value());
    Resolver r(loop_, std::move(c));
    EXPECT_EQ(run(r, "broken.example", RrType::kA).status, ResolveStatus::kServerFailure);
    EXPECT_EQ(run(r, "broken.example", RrType::kA).status, ResolveStatus::kServerFailure);
    EXPECT_EQ(server.queries().size(), 2u);

    server.behavior().rcode = kRcodeNoError;
    server.behavior().a = {"192.0.2.1"};
    EXPECT_EQ(run(r, "typo.example", RrType::kA).detail, "dummy IP 192.0.2.1");
    EXPECT_EQ(run(r, "typo.example", RrType::kA).detail, "dummy IP 192.0.2.1");
    EXPECT_EQ(server.queries().size(), 4u);
    EXPECT_EQ(r.cache().size(), 0u);
}

TEST_F(ResolverCacheTest, IdenticalQueriesInFlightAreMergedIntoOneSend) {
    FakeDnsServer server(loop_, 0);
    server.behavior().delay = 20ms;
    Resolver r(loop_, cached_config(server));
    std::vector<ResolveResult> results;
    auto cb = [&](ResolveResult res) { results.push_back(std::move(res)); };
    r.resolve("m.example", RrType::kA, cb);
    r.resolve("M.EXAMPLE.", RrType::kA, cb);
    r.resolve_rbl("m.example", cb);             // RBL schedule: not merged
    r.resolve("m.example", RrType::kAaaa, cb);  // another type: not merged
    EXPECT_EQ(r.in_flight(), 3u);
    ASSERT_TRUE(loop_.run_until([&] { return results.size() == 4; }, Clock::now() + 5s));
    for (const ResolveResult& res : results) {
        EXPECT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    }
    EXPECT_EQ(server.queries().size(), 3u);
    EXPECT_EQ(r.counters().merged, 1u);
    EXPECT_EQ(r.counters().sent, 3u);
    EXPECT_EQ(r.counters().queries, 4u);
    int merged_pair = 0;
    for (const ResolveResult& res : results) {
        if (res.type == RrType::kA && res.attempts == 1 && res.records.size() == 1) {
            ++merged_pair;
        }
    }
    EXPECT_EQ(merged_pair, 3);  // both A callers and the RBL one
    EXPECT_EQ(r.in_flight(), 0u);
}

TEST_F(ResolverCacheTest, CacheDisabledAlwaysSends) {
    FakeDnsServer server(loop_, 0);
    server.behavior().soa = testing::FakeSoa{};
    ResolverConfig c = cached_config(server);
    c.cache_enabled = false;
    Resolver r(loop_, std::move(c));
    EXPECT_EQ(run(r, "a.example", RrType::kA).attempts, 1);
    EXPECT_EQ(run(r, "a.example", RrType::kA).attempts, 1);
    int done = 0;
    r.resolve("b.example", RrType::kA, [&](ResolveResult) { ++done; });
    r.resolve("b.example", RrType::kA, [&](ResolveResult) { ++done; });
    ASSERT_TRUE(loop_.run_until([&] { return done == 2; }, Clock::now() + 5s));
    EXPECT_EQ(server.queries().size(), 4u);
    EXPECT_EQ(r.counters().cache_hits, 0u);
    EXPECT_EQ(r.counters().cache_misses, 0u);
    EXPECT_EQ(r.counters().merged, 0u);
}

TEST_F(ResolverCacheTest, CnameOnlyAnswerLeadsToAQueryForTheTarget) {
    FakeDnsServer server(loop_, 0);
    server.behavior().cnames = {{"www.example.", "web.cdn.example."}};
    server.behavior().a = {"198.51.100.9"};
    Resolver r(loop_, cached_config(server));
    ResolveResult res = run(r, "www.example", RrType::kA);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    EXPECT_EQ(res.name, "www.example");
    ASSERT_EQ(res.records.size(), 1u);
    EXPECT_EQ(res.records[0].name, "web.cdn.example.");
    EXPECT_EQ(format_rdata(res.records[0]), "198.51.100.9");
    EXPECT_EQ(res.attempts, 2);
    ASSERT_EQ(server.queries().size(), 2u);
    EXPECT_EQ(server.queries()[0].name, "www.example.");
    EXPECT_EQ(server.queries()[1].name, "web.cdn.example.");
    EXPECT_NE(server.queries()[0].source_port, server.queries()[1].source_port);
    EXPECT_EQ(r.counters().cname_hops, 1u);
    EXPECT_EQ(r.counters().answers, 1u);
    EXPECT_TRUE(any_log("DNR cname"));
    // The final outcome is cached under the name asked, with the CNAME...
    ResolveResult hit = run(r, "www.example", RrType::kA);
    EXPECT_EQ(hit.detail, "cache");
    ASSERT_EQ(hit.message.answers.size(), 2u);
    EXPECT_EQ(format_record(hit.message.answers[0]), "www.example. 300 IN CNAME web.cdn.example.");
    EXPECT_EQ(format_record(hit.message.answers[1]), "web.cdn.example. 300 IN A 198.51.100.9");
    // ...and under the target, without it.
    ResolveResult target = run(r, "WEB.cdn.example", RrType::kA);
    EXPECT_EQ(target.detail, "cache");
    ASSERT_EQ(target.message.answers.size(), 1u);
    EXPECT_EQ(target.message.answers[0].type, RrType::kA);
    EXPECT_EQ(server.queries().size(), 2u);
}

TEST_F(ResolverCacheTest, EveryNameOfAChainIsCachedForTheTtlsItDependsOn) {
    FakeDnsServer server(loop_, 0);
    server.behavior().cnames = {{"a.example.", "b.example."}, {"b.example.", "c.example."}};
    server.behavior().cname_chain_in_answer = true;
    server.behavior().cname_ttl = 60;  // the A record keeps 300
    Resolver r(loop_, cached_config(server));
    ASSERT_EQ(run(r, "a.example", RrType::kA).status, ResolveStatus::kAnswer);
    EXPECT_EQ(r.cache().size(), 3u);  // a, b and c
    now_ += 59s;
    for (const char* name : {"a.example", "b.example", "c.example"}) {
        EXPECT_EQ(run(r, name, RrType::kA).detail, "cache") << name;
    }
    ResolveResult b = run(r, "b.example", RrType::kA);
    ASSERT_EQ(b.message.answers.size(), 2u);  // b -> c, then c's A
    EXPECT_EQ(format_record(b.message.answers[0]), "b.example. 1 IN CNAME c.example.");
    EXPECT_EQ(b.message.answers[1].ttl, 1u);  // capped at the entry's 60
    EXPECT_EQ(server.queries().size(), 1u);
    now_ += 1s;  // a and b depend on the CNAMEs' 60 s, c only on its own 300 s
    EXPECT_EQ(run(r, "c.example", RrType::kA).detail, "cache");
    EXPECT_EQ(server.queries().size(), 1u);
    EXPECT_EQ(run(r, "b.example", RrType::kA).attempts, 1);
    EXPECT_EQ(server.queries().size(), 2u);
}

TEST_F(ResolverCacheTest, CnameChainInsideTheAnswerIsUsedWithoutAnotherQuery) {
    FakeDnsServer server(loop_, 0);
    server.behavior().cnames = {{"a.example.", "b.example."}, {"b.example.", "c.example."}};
    server.behavior().cname_chain_in_answer = true;
    Resolver r(loop_, cached_config(server));
    ResolveResult res = run(r, "a.example", RrType::kAaaa);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    ASSERT_EQ(res.records.size(), 1u);
    EXPECT_EQ(res.records[0].type, RrType::kAaaa);
    EXPECT_EQ(res.records[0].name, "c.example.");
    EXPECT_EQ(res.attempts, 1);
    EXPECT_EQ(server.queries().size(), 1u);
}

TEST_F(ResolverCacheTest, CnameLoopIsServerFailure) {
    FakeDnsServer server(loop_, 0);
    server.behavior().cnames = {{"a.example.", "b.example."}, {"b.example.", "A.example."}};
    Resolver r(loop_, cached_config(server));
    ResolveResult res = run(r, "a.example", RrType::kA);
    EXPECT_EQ(res.status, ResolveStatus::kServerFailure);
    EXPECT_EQ(res.detail, "CNAME loop");
    EXPECT_EQ(server.queries().size(), 2u);  // a, then b
    EXPECT_EQ(r.cache().size(), 0u);

    server.behavior().cname_chain_in_answer = true;  // the loop inside one answer
    ResolveResult inside = run(r, "b.example", RrType::kA);
    EXPECT_EQ(inside.detail, "CNAME loop");
    EXPECT_EQ(server.queries().size(), 3u);
}

TEST_F(ResolverCacheTest, CnameChainIsFollowedForEightHopsAndNoMore) {
    FakeDnsServer server(loop_, 0);
    for (int i = 0; i < 9; ++i) {
        server.behavior().cnames.push_back(
            {"c" + std::to_string(i) + ".example.", "c" + std::to_string(i + 1) + ".example."});
    }
    server.behavior().cname_chain_in_answer = true;
    Resolver r(loop_, cached_config(server));
    ResolveResult nine = run(r, "c0.example", RrType::kA);  // c0 -> c9: 9 hops
    EXPECT_EQ(nine.status, ResolveStatus::kServerFailure);
    EXPECT_EQ(nine.detail, "CNAME chain too long");
    ResolveResult eight = run(r, "c1.example", RrType::kA);  // c1 -> c9: 8 hops
    EXPECT_EQ(eight.status, ResolveStatus::kAnswer) << eight.detail;
    ASSERT_EQ(eight.records.size(), 1u);
    EXPECT_EQ(eight.records[0].name, "c9.example.");

    // Hops over several queries count together.
    server.behavior().cname_chain_in_answer = false;
    ResolveResult hops = run(r, "c0.example", RrType::kAaaa);
    EXPECT_EQ(hops.detail, "CNAME chain too long");
    EXPECT_EQ(hops.attempts, 9);
}

// RFC 2308 / RFC 6604: an NXDOMAIN whose answer holds a CNAME is about the CNAME's
// target; the name asked is cached no longer than the CNAME lives.
TEST_F(ResolverCacheTest, NxDomainBehindACnameIsCachedNoLongerThanTheCname) {
    FakeDnsServer server(loop_, 0);
    server.behavior().cnames = {{"www.example.", "gone.example."}};
    server.behavior().cname_ttl = 60;
    server.behavior().rcode = kRcodeNxDomain;
    server.behavior().soa = testing::FakeSoa{3600, 3600};
    Resolver r(loop_, cached_config(server));
    ResolveResult res = run(r, "www.example", RrType::kA);
    EXPECT_EQ(res.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(res.detail, "NXDOMAIN");
    EXPECT_EQ(res.attempts, 1);  // no query for the target: it does not exist
    now_ += 59s;
    ResolveResult hit = run(r, "www.example", RrType::kA);
    EXPECT_EQ(hit.detail, "cache");
    EXPECT_EQ(hit.message.header.rcode, kRcodeNxDomain);
    ASSERT_EQ(hit.message.answers.size(), 1u);
    EXPECT_EQ(format_record(hit.message.answers[0]), "www.example. 1 IN CNAME gone.example.");
    EXPECT_EQ(run(r, "gone.example", RrType::kA).detail, "cache");  // the target: the SOA's time
    EXPECT_EQ(server.queries().size(), 1u);
    now_ += 1s;
    EXPECT_EQ(run(r, "gone.example", RrType::kA).detail, "cache");
    EXPECT_EQ(run(r, "www.example", RrType::kA).attempts, 1);  // the CNAME's 60 s are over
    EXPECT_EQ(server.queries().size(), 2u);
}

TEST_F(ResolverCacheTest, NoDataForACnameTargetIsUnknownHostAndCached) {
    FakeDnsServer server(loop_, 0);
    server.behavior().cnames = {{"alias.example.", "empty.example."}};
    server.behavior().a = {};
    server.behavior().soa = testing::FakeSoa{3600, 30};
    Resolver r(loop_, cached_config(server));
    ResolveResult res = run(r, "alias.example", RrType::kA);
    EXPECT_EQ(res.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(res.detail, "NODATA");
    EXPECT_EQ(res.name, "alias.example");
    EXPECT_EQ(server.queries().size(), 2u);
    now_ += 29s;
    ResolveResult hit = run(r, "alias.example", RrType::kA);
    EXPECT_EQ(hit.detail, "cache");
    EXPECT_EQ(hit.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(hit.message.header.rcode, kRcodeNoError);  // NODATA
    ASSERT_EQ(hit.message.answers.size(), 1u);
    EXPECT_EQ(format_record(hit.message.answers[0]), "alias.example. 1 IN CNAME empty.example.");
    ASSERT_EQ(hit.message.authorities.size(), 1u);
    EXPECT_EQ(hit.message.authorities[0].type, RrType::kSoa);
    EXPECT_EQ(hit.message.authorities[0].ttl, 1u);
    EXPECT_EQ(run(r, "empty.example", RrType::kA).detail, "cache");  // the target too
    now_ += 1s;
    EXPECT_EQ(run(r, "alias.example", RrType::kA).detail, "NODATA");
    EXPECT_EQ(server.queries().size(), 4u);
}

}  // namespace
}  // namespace mg::resolver
