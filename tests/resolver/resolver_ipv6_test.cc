// The resolver against fake servers on ::1, alone and mixed with IPv4 servers: the
// schedule, the rotation and the acceptance checks must not depend on the family.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "resolver/resolver.h"
#include "tests/resolver/fake_dns_server.h"
#include "tests/resolver/resolver_fixture.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

bool ipv6_loopback_usable() {
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6)) == 0;
    close(fd);
    return ok;
}

// The fixture of resolver_test.cc with the cache off, skipped where ::1 cannot be
// bound.
class ResolverIpv6Test : public ResolverTest {
  protected:
    void SetUp() override {
        if (!ipv6_loopback_usable()) {
            GTEST_SKIP() << "::1 is not usable here (no IPv6 loopback)";
        }
    }

    ResolverConfig config(std::vector<ServerAddr> servers, Ms t, int retries) {
        ResolverConfig c = ResolverTest::config(std::move(servers), t, retries);
        c.cache_enabled = false;
        return c;
    }
};

TEST_F(ResolverIpv6Test, ScheduleAndRoundRobinBetweenTwoIpv6Servers) {
    const Ms t = 30ms;
    FakeDnsServer s0(loop_, 0, "::1", &shared_);
    FakeDnsServer s1(loop_, 1, "::1", &shared_);
    s0.behavior().drop_all = true;
    s1.behavior().drop_all = true;
    Resolver r(loop_, config({s0.addr(), s1.addr()}, t, 3));
    Clock::time_point done_at;
    ResolveResult res = run(r, "v6.example", RrType::kAaaa, false, &done_at);
    EXPECT_EQ(res.status, ResolveStatus::kNoResponse);
    EXPECT_EQ(res.attempts, 4);
    ASSERT_EQ(shared_.size(), 4u);
    for (size_t i = 0; i < shared_.size(); ++i) {
        EXPECT_EQ(shared_[i].server, static_cast<int>(i % 2));
        EXPECT_EQ(shared_[i].id, shared_[0].id);
        EXPECT_EQ(shared_[i].source_port, shared_[0].source_port);  // one socket per query
        if (i > 0) {
            expect_gap(shared_[i].at - shared_[i - 1].at, t * static_cast<int>(i), "gap");
        }
    }
    expect_gap(done_at - shared_[3].at, t * 4, "last wait");
    EXPECT_TRUE(any_log("server=" + s1.addr().to_string() + " attempt=2/4 wait=60ms"));
    EXPECT_EQ(s1.addr().to_string().rfind("[::1]:", 0), 0u);
}

TEST_F(ResolverIpv6Test, ForgedAnswersOverIpv6AreIgnoredAndTheRealOneAccepted) {
    FakeDnsServer server(loop_, 0, "::1");
    server.behavior().forgeries = {
        Forgery::kWrongId, Forgery::kWrongQuestion, Forgery::kWrongType,  Forgery::kWrongSourcePort,
        Forgery::kGarbage, Forgery::kZeroLength,    Forgery::kNotResponse};
    server.behavior().aaaa = {"2001:db8::53"};
    Resolver r(loop_, config({server.addr()}, 300ms, 3));
    ResolveResult res = run(r, "victim6.example", RrType::kAaaa);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    EXPECT_EQ(res.attempts, 1);
    EXPECT_EQ(res.server, server.addr());
    ASSERT_EQ(res.records.size(), 1u);
    EXPECT_EQ(format_rdata(res.records[0]), "2001:db8::53");
    const RejectCounters& rej = r.counters().rejected;
    EXPECT_EQ(rej.bad_id, 1u);
    EXPECT_EQ(rej.bad_question, 2u);
    EXPECT_EQ(rej.bad_source, 1u);  // another port of ::1
    EXPECT_EQ(rej.malformed, 3u);   // garbage, empty, QR clear
}

TEST_F(ResolverIpv6Test, TruncatedAnswerOverIpv6IsAskedAgainOverTcp) {
    FakeDnsServer server(loop_, 0, "::1");
    server.behavior().truncate_udp = true;
    server.behavior().split_tcp = true;
    server.behavior().a = {"192.0.2.10", "192.0.2.11"};
    Resolver r(loop_, config({server.addr()}, 300ms, 1));
    ResolveResult res = run(r, "big6.example", RrType::kA);
    ASSERT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
    EXPECT_TRUE(res.via_tcp);
    EXPECT_EQ(res.records.size(), 2u);
    EXPECT_EQ(server.udp_queries(), 1u);
    EXPECT_EQ(server.tcp_queries(), 1u);
}

TEST_F(ResolverIpv6Test, MixedServerListRotatesAcrossFamilies) {
    const Ms t = 20ms;
    FakeDnsServer s0(loop_, 0, "127.0.0.1", &shared_);
    FakeDnsServer s1(loop_, 1, "::1", &shared_);
    FakeDnsServer s2(loop_, 2, "127.0.0.1", &shared_);
    for (FakeDnsServer* s : {&s0, &s1, &s2}) {
        s->behavior().drop_all = true;
    }
    Resolver r(loop_, config({s0.addr(), s1.addr(), s2.addr()}, t, 4));
    Clock::time_point done_at;
    EXPECT_EQ(run(r, "mixed.example", RrType::kA, false, &done_at).status,
              ResolveStatus::kNoResponse);
    std::vector<int> order;
    for (const FakeQuery& q : shared_) {
        order.push_back(q.server);
    }
    ASSERT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1}));
    for (size_t i = 1; i < shared_.size(); ++i) {
        expect_gap(shared_[i].at - shared_[i - 1].at, t * static_cast<int>(i), "gap");
        EXPECT_EQ(shared_[i].id, shared_[0].id);
    }
    expect_gap(done_at - shared_[4].at, t * 5, "last wait");
    // One socket per family: the IPv4 sends share a port, the IPv6 sends share one.
    EXPECT_EQ(shared_[0].source_port, shared_[2].source_port);
    EXPECT_EQ(shared_[0].source_port, shared_[3].source_port);
    EXPECT_EQ(shared_[1].source_port, shared_[4].source_port);
    EXPECT_TRUE(any_log("server=" + s1.addr().to_string() + " attempt=2/5 wait=40ms"));
    EXPECT_TRUE(any_log("server=" + s2.addr().to_string() + " attempt=3/5 wait=60ms"));
}

TEST_F(ResolverIpv6Test, AnswersFromEitherFamilyAreAcceptedInAMixedList) {
    const Ms t = 40ms;
    {
        // The IPv4 server answers late, after the resend went to the silent IPv6 one.
        FakeDnsServer s0(loop_, 0, "127.0.0.1", &shared_);
        FakeDnsServer s1(loop_, 1, "::1", &shared_);
        s0.behavior().delay = 60ms;
        s1.behavior().drop_all = true;
        Resolver r(loop_, config({s0.addr(), s1.addr()}, t, 3));
        ResolveResult res = run(r, "late.example", RrType::kA);
        EXPECT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
        EXPECT_EQ(res.server, s0.addr());
        EXPECT_EQ(res.attempts, 2);
    }
    {
        // The IPv6 server is silent, the IPv4 one answers the resend.
        FakeDnsServer s0(loop_, 0, "::1");
        FakeDnsServer s1(loop_, 1, "127.0.0.1");
        s0.behavior().drop_all = true;
        Resolver r(loop_, config({s0.addr(), s1.addr()}, t, 3));
        ResolveResult res = run(r, "second.example", RrType::kAaaa);
        EXPECT_EQ(res.status, ResolveStatus::kAnswer) << res.detail;
        EXPECT_EQ(res.server, s1.addr());
        EXPECT_EQ(res.attempts, 2);
        EXPECT_EQ(r.counters().rejected.total(), 0u);
    }
}

}  // namespace
}  // namespace mg::resolver
