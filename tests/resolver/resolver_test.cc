// The query engine against in-process fake DNS servers on 127.0.0.x: the retry
// schedule, rotation, RBL, TCP fallback, Dummy IPs, acceptance checks, many
// queries in flight, logging. The cache, merging and CNAMEs are in
// resolver_caching_test.cc; IPv6 servers in resolver_ipv6_test.cc.
#include "resolver/resolver.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lists/compiler.h"
#include "tests/resolver/fake_dns_server.h"
#include "tests/resolver/resolver_fixture.h"

namespace mg::resolver {
namespace {

using namespace std::chrono_literals;
using testing::Clock;
using testing::expect_gap;
using testing::FakeDnsServer;
using testing::FakeQuery;
using testing::Forgery;
using testing::Ms;
using testing::ResolverTest;

TEST_F(ResolverTest, ScheduleWaitsT2T3T4TThenNoResponse) {
    const Ms t = 50ms;
    FakeDnsServer server(loop_, 0);
    server.behavior().drop_all = true;
    Resolver r(loop_, config({server.addr()}, t, 3));
    Clock::time_point done_at;
    ResolveResult res = run(r, "www.example.com", RrType::kA, false, &done_at);
    EXPECT_EQ(res.status, ResolveStatus::kNoResponse);
    EXPECT_EQ(res.attempts, 4);
    const auto& q = server.queries();
    ASSERT_EQ(q.size(), 4u);
    for (int i = 1; i < 4; ++i) {
        expect_gap(q[i].at - q[i - 1].at, t * i, "gap before send " + std::to_string(i + 1));
        EXPECT_EQ(q[i].id, q[0].id);
        EXPECT_EQ(q[i].source_port, q[0].source_port);
    }
    expect_gap(done_at - q[3].at, t * 4, "last wait");
    EXPECT_EQ(r.counters().sent, 4u);
    EXPECT_EQ(r.counters().resent, 3u);
    EXPECT_EQ(r.counters().timeouts, 1u);
    EXPECT_EQ(r.in_flight(), 0u);
    EXPECT_TRUE(any_log("DNR no-response"));
}

TEST_F(ResolverTest, ZeroRetriesMeansOneSend) {
    FakeDnsServer server(loop_, 0);
    server.behavior().drop_all = true;
    Resolver r(loop_, config({server.addr()}, 30ms, 0));
    EXPECT_EQ(run(r, "a.example", RrType::kA).status, ResolveStatus::kNoResponse);
    EXPECT_EQ(server.queries().size(), 1u);
}

TEST_F(ResolverTest, RoundRobinAcrossTwoServers) {
    const Ms t = 30ms;
    FakeDnsServer s0(loop_, 0, "127.0.0.1", &shared_);
    FakeDnsServer s1(loop_, 1, "127.0.0.1", &shared_);
    s0.behavior().drop_all = true;
    s1.behavior().drop_all = true;
    Resolver r(loop_, config({s0.addr(), s1.addr()}, t, 3));
    Clock::time_point done_at;
    EXPECT_EQ(run(r, "x.example", RrType::kA, false, &done_at).status, ResolveStatus::kNoResponse);
    ASSERT_EQ(shared_.size(), 4u);
    std::vector<int> order;
    for (const FakeQuery& q : shared_) {
        order.push_back(q.server);
    }
    EXPECT_EQ(order, (std::vector<int>{0, 1, 0, 1}));
    for (size_t i = 1; i < 4; ++i) {
        expect_gap(shared_[i].at - shared_[i - 1].at, t * static_cast<int>(i), "gap");
    }
    expect_gap(done_at - shared_[3].at, t * 4, "last wait");
}

TEST_F(ResolverTest, RoundRobinAcrossThreeServers) {
    FakeDnsServer s0(loop_, 0, "127.0.0.1", &shared_);
    FakeDnsServer s1(loop_, 1, "127.0.0.2", &shared_);
    FakeDnsServer s2(loop_, 2, "127.0.0.1", &shared_);
    for (FakeDnsServer* s : {&s0, &s1, &s2}) {
        s->behavior().drop_all = true;
    }
    Resolver r(loop_, config({s0.addr(), s1.addr(), s2.addr()}, 20ms, 4));
    EXPECT_EQ(run(r, "x.example", RrType::kAaaa).status, ResolveStatus::kNoResponse);
    std::vector<int> order;
    for (const FakeQuery& q : shared_) {
        order.push_back(q.server);
        EXPECT_EQ(q.type, RrType::kAaaa);
    }
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1}));
    EXPECT_TRUE(any_log("server=" + s1.addr().to_string() + " attempt=2/5 wait=40ms"));
    EXPECT_TRUE(any_log("server=" + s2.addr().to_string() + " attempt=3/5 wait=60ms"));
}

TEST_F(ResolverTest, AnswerAfterTwoDropsIsAcceptedOnThirdSend) {
    const Ms t = 40ms;
    FakeDnsServer server(loop_, 0);
    server.behavior().drop_first = 2;
    server.behavior().a = {"198.51.100.7"};
    Resolver r(loop_, config({server.addr()}, t, 3));
    ResolveResult res = run(r, "www.example.com", RrType::kA);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    EXPECT_EQ(res.attempts, 3);
    ASSERT_EQ(res.records.size(), 1u);
    EXPECT_EQ(format_rdata(res.records[0]), "198.51.100.7");
    EXPECT_EQ(res.server, server.addr());
    ASSERT_EQ(server.queries().size(), 3u);
    expect_gap(server.queries()[1].at - server.queries()[0].at, t, "gap 1");
    expect_gap(server.queries()[2].at - server.queries()[1].at, t * 2, "gap 2");
    EXPECT_EQ(r.counters().answers, 1u);
}

TEST_F(ResolverTest, LateAnswerFromEarlierServerIsAccepted) {
    // Server 0 answers after 1.5 T, when the resend has gone to server 1 (silent).
    const Ms t = 40ms;
    FakeDnsServer s0(loop_, 0, "127.0.0.1", &shared_);
    FakeDnsServer s1(loop_, 1, "127.0.0.1", &shared_);
    s0.behavior().delay = 60ms;
    s1.behavior().drop_all = true;
    Resolver r(loop_, config({s0.addr(), s1.addr()}, t, 3));
    ResolveResult res = run(r, "late.example", RrType::kA);
    EXPECT_EQ(res.status, ResolveStatus::kAnswer);
    EXPECT_EQ(res.server, s0.addr());
    EXPECT_EQ(shared_.size(), 2u);
}

TEST_F(ResolverTest, RblSendsTwiceBothWaitingT) {
    const Ms t = 50ms;
    FakeDnsServer server(loop_, 0);
    server.behavior().drop_all = true;
    Resolver r(loop_, config({server.addr()}, t, 3));
    bool done = false;
    Clock::time_point done_at;
    ResolveResult res;
    r.rbl(lists::Address::v4(0xc0000205), "bl.example.", [&](ResolveResult x) {
        res = std::move(x);
        done = true;
        done_at = Clock::now();
    });
    ASSERT_TRUE(loop_.run_until([&] { return done; }, Clock::now() + 5s));
    EXPECT_EQ(res.status, ResolveStatus::kNoResponse);
    EXPECT_EQ(res.attempts, 2);
    const auto& q = server.queries();
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[0].name, "5.2.0.192.bl.example.");
    expect_gap(q[1].at - q[0].at, t, "rbl gap");
    expect_gap(done_at - q[1].at, t, "rbl last wait");
    EXPECT_TRUE(any_log("attempt=2/2 wait=50ms rbl"));
}

TEST_F(ResolverTest, RblReasonSendsTwiceBothWaitingT) {
    const Ms t = 40ms;
    FakeDnsServer server(loop_, 0);
    server.behavior().drop_all = true;
    Resolver r(loop_, config({server.addr()}, t, 3));
    bool done = false;
    ResolveResult res;
    Clock::time_point done_at;
    r.rbl_reason("2.0.0.127.rbl.example", [&](ResolveResult got) {
        res = std::move(got);
        done = true;
        done_at = Clock::now();
    });
    ASSERT_TRUE(loop_.run_until([&] { return done; }, Clock::now() + 10s));
    EXPECT_EQ(res.status, ResolveStatus::kNoResponse);
    const auto& q = server.queries();
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[0].type, RrType::kTxt);
    expect_gap(q[1].at - q[0].at, t, "gap before the second send");
    expect_gap(done_at - q[1].at, t, "last wait");
}

TEST_F(ResolverTest, RblListedAndNotListed) {
    FakeDnsServer server(loop_, 0);
    server.behavior().a = {"127.0.0.2"};
    Resolver r(loop_, config({server.addr()}, 50ms, 3));
    ResolveResult listed = run(r, "2.0.0.127.zen.example", RrType::kA, true);
    EXPECT_EQ(listed.status, ResolveStatus::kAnswer);
    server.behavior().rcode = kRcodeNxDomain;
    ResolveResult clean = run(r, "1.0.0.10.zen.example", RrType::kA, true);
    EXPECT_EQ(clean.status, ResolveStatus::kUnknownHost);
}

TEST_F(ResolverTest, TruncatedUdpAnswerIsAskedAgainOverTcp) {
    FakeDnsServer s0(loop_, 0, "127.0.0.1", &shared_);
    FakeDnsServer s1(loop_, 1, "127.0.0.1", &shared_);
    s0.behavior().truncate_udp = true;
    s0.behavior().a = {"192.0.2.10", "192.0.2.11"};
    Resolver r(loop_, config({s0.addr(), s1.addr()}, 200ms, 3));
    ResolveResult res = run(r, "big.example", RrType::kA);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    EXPECT_TRUE(res.via_tcp);
    EXPECT_EQ(res.server, s0.addr());
    ASSERT_EQ(res.records.size(), 2u);
    EXPECT_EQ(format_rdata(res.records[1]), "192.0.2.11");
    ASSERT_EQ(shared_.size(), 2u);
    EXPECT_FALSE(shared_[0].tcp);
    EXPECT_TRUE(shared_[1].tcp);
    EXPECT_EQ(shared_[1].server, 0);
    EXPECT_EQ(shared_[1].id, shared_[0].id);
    EXPECT_EQ(r.counters().tcp_fallbacks, 1u);
    EXPECT_TRUE(any_log("DNR tcp id=" + std::to_string(shared_[0].id)));
}

TEST_F(ResolverTest, TcpAnswerInPiecesIsReassembled) {
    FakeDnsServer server(loop_, 0);
    server.behavior().truncate_udp = true;
    server.behavior().split_tcp = true;
    Resolver r(loop_, config({server.addr()}, 200ms, 1));
    ResolveResult res = run(r, "pieces.example", RrType::kAaaa);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    EXPECT_TRUE(res.via_tcp);
    ASSERT_EQ(res.records.size(), 1u);
    EXPECT_EQ(format_rdata(res.records[0]), "2001:db8::1");
}

TEST_F(ResolverTest, TcpFailureMovesToTheNextSend) {
    FakeDnsServer server(loop_, 0);
    server.behavior().truncate_udp = true;
    server.behavior().tcp_close_without_answer = true;
    Resolver r(loop_, config({server.addr()}, 50ms, 1));
    ResolveResult res = run(r, "closed.example", RrType::kA);
    EXPECT_EQ(res.status, ResolveStatus::kNoResponse);
    EXPECT_EQ(server.udp_queries(), 2u);
    EXPECT_EQ(server.tcp_queries(), 2u);
    EXPECT_TRUE(any_log("DNR tcp-failed"));
}

TEST_F(ResolverTest, DummyIpInFirstAddressIsUnknownHost) {
    FakeDnsServer server(loop_, 0);
    server.behavior().a = {"192.0.2.1", "198.51.100.1"};
    ResolverConfig c = config({server.addr()}, 100ms, 3);
    c.dummy_ips = lists::AddressList(lists::compile_list("192.0.2.0/24\n2001:db8::/32\n").value());
    Resolver r(loop_, std::move(c));
    ResolveResult res = run(r, "typo.example", RrType::kA);
    EXPECT_EQ(res.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(res.detail, "dummy IP 192.0.2.1");
    EXPECT_EQ(r.counters().dummy_hits, 1u);
    EXPECT_TRUE(any_log("DNR dummy-ip id="));

    server.behavior().a = {"198.51.100.1", "192.0.2.1"};  // dummy only second
    EXPECT_EQ(run(r, "fine.example", RrType::kA).status, ResolveStatus::kAnswer);

    EXPECT_EQ(run(r, "typo6.example", RrType::kAaaa).status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(r.counters().dummy_hits, 2u);
}

// The first address of the records that answer the question, not the first address
// record of the answer section.
TEST_F(ResolverTest, DummyIpIsJudgedOnTheRecordsThatAnswer) {
    FakeDnsServer server(loop_, 0);
    ResolverConfig c = config({server.addr()}, 100ms, 3);
    c.dummy_ips =
        lists::AddressList(lists::compile_list("192.0.2.0/24\n2001:db8:d::/48\n").value());
    Resolver r(loop_, std::move(c));
    // A dummy A record ahead of a good AAAA answer: not a dummy hit.
    server.behavior().extra_answers = {{RrType::kA, kClassIn, {192, 0, 2, 1}}};
    server.behavior().aaaa = {"2001:db8:1::1"};
    ResolveResult good = run(r, "good.example", RrType::kAaaa);
    ASSERT_EQ(good.status, ResolveStatus::kAnswer) << good.detail;
    ASSERT_EQ(good.records.size(), 1u);
    EXPECT_EQ(format_rdata(good.records[0]), "2001:db8:1::1");
    // A good A record ahead of a dummy AAAA answer: a dummy hit.
    server.behavior().extra_answers = {{RrType::kA, kClassIn, {198, 51, 100, 1}}};
    server.behavior().aaaa = {"2001:db8:d::1"};
    ResolveResult dummy = run(r, "typo.example", RrType::kAaaa);
    EXPECT_EQ(dummy.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(dummy.detail, "dummy IP 2001:db8:d::1");
    EXPECT_EQ(r.counters().dummy_hits, 1u);
}

TEST_F(ResolverTest, RecordsOfAnotherClassAreNotAnswers) {
    FakeDnsServer server(loop_, 0);
    Resolver r(loop_, config({server.addr()}, 100ms, 3));
    server.behavior().extra_answers = {{RrType::kA, 3, {203, 0, 113, 66}}};  // class CH
    server.behavior().a = {"198.51.100.1"};
    ResolveResult res = run(r, "mixed.example", RrType::kA);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    ASSERT_EQ(res.records.size(), 1u);
    EXPECT_EQ(format_rdata(res.records[0]), "198.51.100.1");

    server.behavior().a = {};  // only the CH record: no answer
    ResolveResult none = run(r, "chaos.example", RrType::kA);
    EXPECT_EQ(none.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(none.detail, "NODATA");
}

TEST_F(ResolverTest, ForgedAnswersAreIgnoredAndCounted) {
    FakeDnsServer server(loop_, 0);
    server.behavior().forgeries = {
        Forgery::kWrongId,         Forgery::kWrongQuestion,   Forgery::kWrongType,
        Forgery::kWrongSourcePort, Forgery::kWrongSourceAddr, Forgery::kGarbage,
        Forgery::kShort,           Forgery::kZeroLength,      Forgery::kNotResponse};
    server.behavior().a = {"203.0.113.5"};
    Resolver r(loop_, config({server.addr()}, 300ms, 3));
    ResolveResult res = run(r, "victim.example", RrType::kA);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    EXPECT_EQ(res.attempts, 1);
    EXPECT_EQ(format_rdata(res.records.at(0)), "203.0.113.5");
    const RejectCounters& rej = r.counters().rejected;
    EXPECT_EQ(rej.bad_id, 1u);
    EXPECT_EQ(rej.bad_question, 2u);
    EXPECT_EQ(rej.bad_source, 2u);
    EXPECT_EQ(rej.malformed, 4u);  // garbage, short, empty, QR clear
}

TEST_F(ResolverTest, ZeroLengthDatagramsNeverEndAQueryEarly) {
    const Ms t = 30ms;
    FakeDnsServer server(loop_, 0);
    server.behavior().raw = std::vector<uint8_t>{};
    Resolver r(loop_, config({server.addr()}, t, 1));
    Clock::time_point done_at;
    ResolveResult res = run(r, "empty.example", RrType::kA, false, &done_at);
    EXPECT_EQ(res.status, ResolveStatus::kNoResponse);
    ASSERT_EQ(server.queries().size(), 2u);
    expect_gap(done_at - server.queries()[1].at, t * 2, "last wait");
    EXPECT_EQ(r.counters().rejected.malformed, 2u);
}

TEST_F(ResolverTest, GarbageNeverEndsAQueryEarly) {
    FakeDnsServer server(loop_, 0);
    server.behavior().raw = std::vector<uint8_t>(30, 0xff);
    Resolver r(loop_, config({server.addr()}, 30ms, 1));
    EXPECT_EQ(run(r, "junk.example", RrType::kA).status, ResolveStatus::kNoResponse);
    EXPECT_EQ(r.counters().rejected.total(), 2u);
}

TEST_F(ResolverTest, NxDomainAndNoDataAreUnknownHost) {
    FakeDnsServer server(loop_, 0);
    Resolver r(loop_, config({server.addr()}, 100ms, 3));
    server.behavior().rcode = kRcodeNxDomain;
    ResolveResult nx = run(r, "nope.example", RrType::kA);
    EXPECT_EQ(nx.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(nx.detail, "NXDOMAIN");
    EXPECT_EQ(nx.attempts, 1);

    server.behavior().rcode = kRcodeNoError;
    server.behavior().a = {};
    ResolveResult nodata = run(r, "empty.example", RrType::kA);
    EXPECT_EQ(nodata.status, ResolveStatus::kUnknownHost);
    EXPECT_EQ(nodata.detail, "NODATA");

    server.behavior().rcode = kRcodeServFail;
    EXPECT_EQ(run(r, "broken.example", RrType::kA).status, ResolveStatus::kServerFailure);
    EXPECT_TRUE(any_log("DNR server-failure"));
}

TEST_F(ResolverTest, InvalidNameCompletesFromTheLoop) {
    FakeDnsServer server(loop_, 0);
    Resolver r(loop_, config({server.addr()}, 100ms, 3));
    bool done = false;
    ResolveResult res;
    r.resolve("bad..name", RrType::kA, [&](ResolveResult x) {
        res = std::move(x);
        done = true;
    });
    EXPECT_FALSE(done);
    ASSERT_TRUE(loop_.run_until([&] { return done; }, Clock::now() + 1s));
    EXPECT_EQ(res.status, ResolveStatus::kUnknownHost);
    EXPECT_TRUE(server.queries().empty());
}

TEST_F(ResolverTest, FiveHundredQueriesInFlight) {
    FakeDnsServer server(loop_, 0);
    server.behavior().delay = 20ms;  // all in flight together
    ResolverConfig c = config({server.addr()}, 2000ms, 3);
    c.log = nullptr;
    Resolver r(loop_, std::move(c));
    const size_t fds_before = loop_.fd_count();
    constexpr int kQueries = 500;
    int done = 0;
    int answers = 0;
    for (int i = 0; i < kQueries; ++i) {
        r.resolve("q" + std::to_string(i) + ".example", RrType::kA, [&](ResolveResult res) {
            ++done;
            answers += res.status == ResolveStatus::kAnswer ? 1 : 0;
        });
    }
    EXPECT_EQ(r.in_flight(), static_cast<size_t>(kQueries));
    ASSERT_TRUE(loop_.run_until([&] { return done == kQueries; }, Clock::now() + 20s));
    EXPECT_EQ(answers, kQueries);
    EXPECT_EQ(r.counters().resent, 0u);  // nothing lost: all answered within T
    EXPECT_EQ(r.in_flight(), 0u);
    // 500 sockets were open together; the pool keeps 128 of them (disconnected) for later.
    EXPECT_EQ(r.udp_pool().counters().opened, static_cast<uint64_t>(kQueries));
    EXPECT_EQ(r.udp_pool().idle(), 128u);
    EXPECT_EQ(loop_.fd_count(), fds_before + r.udp_pool().idle());
    std::set<uint16_t> ports;
    std::set<uint16_t> ids;
    for (const FakeQuery& q : server.queries()) {
        ports.insert(q.source_port);
        ids.insert(q.id);
    }
    EXPECT_EQ(ports.size(), static_cast<size_t>(kQueries));  // one socket per query
    EXPECT_GT(ids.size(), 400u);  // 500 random 16-bit ids: a few collisions at most
}

TEST_F(ResolverTest, LogLinesCarryIdNameTypeServerAttemptAndWait) {
    FakeDnsServer server(loop_, 0);
    server.behavior().drop_first = 1;
    Resolver r(loop_, config({server.addr()}, 50ms, 2));
    ASSERT_EQ(run(r, "log.example", RrType::kAaaa).status, ResolveStatus::kAnswer);
    ASSERT_FALSE(server.queries().empty());
    const std::string id = std::to_string(server.queries()[0].id);
    const std::string where = " name=log.example type=AAAA server=" + server.addr().to_string();
    EXPECT_TRUE(any_log("DNR send id=" + id + where + " attempt=1/3 wait=50ms"));
    EXPECT_TRUE(any_log("DNR resend id=" + id + where + " attempt=2/3 wait=100ms"));
    for (const std::string& line : logs_) {
        EXPECT_EQ(line.rfind("DNR ", 0), 0u) << line;
    }
}

TEST_F(ResolverTest, DestroyingTheResolverDropsPendingQueries) {
    FakeDnsServer server(loop_, 0);
    server.behavior().drop_all = true;
    const size_t fds_before = loop_.fd_count();
    bool called = false;
    {
        Resolver r(loop_, config({server.addr()}, 50ms, 3));
        r.resolve("gone.example", RrType::kA, [&](ResolveResult) { called = true; });
        loop_.run_once(10ms);
    }
    EXPECT_EQ(loop_.fd_count(), fds_before);
    EXPECT_EQ(loop_.timer_count(), 0u);
    loop_.run_once(100ms);
    EXPECT_FALSE(called);
}

}  // namespace
}  // namespace mg::resolver
