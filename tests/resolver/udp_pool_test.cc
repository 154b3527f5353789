#include "resolver/udp_pool.h"

#include <chrono>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "resolver/resolver.h"
#include "tests/resolver/fake_dns_server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mg::resolver {
namespace {

using namespace std::chrono_literals;
using testing::FakeDnsServer;
using testing::FakeQuery;
using Clock = EventLoop::Clock;
using Ms = std::chrono::milliseconds;

// ---- The pool on its own ----

sockaddr_in loopback(uint16_t port) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(0x7f000001);
    return sin;
}

uint16_t port_of(int fd) {
    sockaddr_in sin{};
    socklen_t len = sizeof(sin);
    EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len), 0);
    return ntohs(sin.sin_port);
}

class UdpPoolTest : public ::testing::Test {
  protected:
    void SetUp() override {
        peer_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(peer_, 0);
        sockaddr_in any = loopback(0);
        ASSERT_EQ(bind(peer_, reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
        peer_addr_ = loopback(port_of(peer_));
    }
    void TearDown() override { close(peer_); }

    // Sends one byte from `fd` to the peer; returns the source port the peer saw.
    uint16_t send_from(int fd) {
        const uint8_t x = 1;
        EXPECT_EQ(
            sendto(fd, &x, 1, 0, reinterpret_cast<sockaddr*>(&peer_addr_), sizeof(peer_addr_)), 1);
        sockaddr_in from{};
        socklen_t len = sizeof(from);
        uint8_t buf[4];
        EXPECT_EQ(recvfrom(peer_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len),
                  1);
        return ntohs(from.sin_port);
    }
    void reply_to(uint16_t port, int copies) {
        sockaddr_in to = loopback(port);
        for (int i = 0; i < copies; ++i) {
            sendto(peer_, "y", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
        }
    }

    EventLoop loop_;
    int peer_ = -1;
    sockaddr_in peer_addr_{};
};

TEST_F(UdpPoolTest, AReusedSocketHasANewPortAndAnEmptyQueue) {
    std::vector<std::pair<uint64_t, int>> readable;
    UdpPool pool(
        loop_, [&](uint64_t owner, int fd) { readable.emplace_back(owner, fd); }, 4);
    int fd = pool.acquire(AF_INET, 7);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(port_of(fd), 0u);  // no port until the first send
    const uint16_t first = send_from(fd);
    EXPECT_EQ(port_of(fd), first);
    reply_to(first, 3);
    loop_.run_once(50ms);
    ASSERT_EQ(readable.size(), 1u);  // level-triggered: once per run_once, the owner reads
    EXPECT_EQ(readable[0], std::make_pair(uint64_t{7}, fd));

    pool.release(fd);
    EXPECT_EQ(port_of(fd), 0u);  // the port is given back at once
    reply_to(first, 1);          // not delivered: nobody owns that port now
    EXPECT_EQ(pool.idle(), 1u);

    int again = pool.acquire(AF_INET, 8);
    EXPECT_EQ(again, fd);
    EXPECT_EQ(pool.counters().reused, 1u);
    EXPECT_EQ(pool.counters().drained, 3u);  // the three queued replies, unread by owner 8
    uint8_t byte;
    EXPECT_LT(recv(again, &byte, 1, MSG_DONTWAIT), 0);
    const uint16_t second = send_from(again);
    EXPECT_NE(second, 0u);
    EXPECT_NE(second, first);  // random: equal 1 time in ~28k
    pool.release(again);
}

// Datagrams still queued when a query gives its socket back (a duplicate answer
// behind the one it read) are drained by the loop while the socket is idle; once a
// sweep that started after the release is done, acquire() skips its own drain, and
// before that it drains.
TEST_F(UdpPoolTest, TheLoopDrainsIdleSocketsSoAcquireNeedNot) {
    std::vector<int> readable;
    UdpPool pool(loop_, [&](uint64_t, int fd) {
        uint8_t byte;
        EXPECT_EQ(recv(fd, &byte, 1, MSG_DONTWAIT), 1);  // reads one, leaves the rest
        readable.push_back(fd);
        pool.release(fd);                               // inside the sweep's callbacks
    }, 4);
    int fd = pool.acquire(AF_INET, 7);
    const uint16_t first = send_from(fd);
    reply_to(first, 3);
    loop_.run_once(50ms);  // the owner reads one answer and releases: two stay queued
    ASSERT_EQ(readable.size(), 1u);
    EXPECT_EQ(pool.idle(), 1u);

    // Right away: no sweep since the release, so acquire() drains.
    int again = pool.acquire(AF_INET, 8);
    EXPECT_EQ(again, fd);
    EXPECT_EQ(pool.counters().drained, 2u);
    EXPECT_EQ(pool.counters().drain_skipped, 0u);

    // Released, more left queued: the loop drains the idle socket in its next sweep.
    const uint16_t second = send_from(again);
    reply_to(second, 4);
    loop_.run_once(50ms);  // owner 8 reads one, releases; three stay
    EXPECT_EQ(pool.counters().drained, 2u);
    loop_.run_once(0ms);  // the idle socket is readable: drained by the pool
    EXPECT_EQ(pool.counters().drained, 5u);
    EXPECT_EQ(readable.size(), 2u);  // not handed to anyone
    const uint64_t drained = pool.counters().drained;
    int third = pool.acquire(AF_INET, 9);
    EXPECT_EQ(third, fd);
    EXPECT_EQ(pool.counters().drain_skipped, 1u);
    EXPECT_EQ(pool.counters().drained, drained);
    uint8_t byte;
    EXPECT_LT(recv(third, &byte, 1, MSG_DONTWAIT), 0);  // and indeed empty
    pool.release(third);
}

TEST_F(UdpPoolTest, IdleSocketsBeyondTheBoundAreClosedAndAllCloseAtTheEnd) {
    const size_t fds_before = loop_.fd_count();
    {
        UdpPool pool(
            loop_, [](uint64_t, int) {}, 2);
        int a = pool.acquire(AF_INET, 1);
        int b = pool.acquire(AF_INET, 2);
        int c = pool.acquire(AF_INET, 3);
        int d = pool.acquire(AF_INET6, 4);
        ASSERT_TRUE(a >= 0 && b >= 0 && c >= 0);
        EXPECT_EQ(pool.counters().opened, d >= 0 ? 4u : 3u);
        pool.release(a);
        pool.release(b);
        pool.release(c);  // a third idle IPv4 socket: closed
        EXPECT_EQ(pool.idle(), 2u);
        EXPECT_EQ(pool.counters().closed, 1u);
        EXPECT_EQ(pool.acquire(AF_INET, 5), a);  // oldest first
        if (d >= 0) {
            pool.release(d);  // its own family's list
            EXPECT_EQ(pool.idle(), 2u);
        }
        EXPECT_EQ(loop_.fd_count(), fds_before + (d >= 0 ? 3u : 2u));
    }
    EXPECT_EQ(loop_.fd_count(), fds_before);  // the destructor closes idle and in-use ones
}

// ---- Through the resolver ----

class UdpPoolResolverTest : public ::testing::Test {
  protected:
    ResolverConfig config(std::vector<ServerAddr> servers, Ms t, int retries) {
        ResolverConfig c;
        c.servers = std::move(servers);
        c.initial_timeout = t;
        c.retries = retries;
        c.cache_enabled = false;
        return c;
    }
    ResolveResult run(Resolver& r, const std::string& name, RrType type) {
        bool done = false;
        ResolveResult out;
        r.resolve(name, type, [&](ResolveResult res) {
            out = std::move(res);
            done = true;
        });
        EXPECT_TRUE(loop_.run_until([&] { return done; }, Clock::now() + 10s));
        return out;
    }

    EventLoop loop_;
};

TEST_F(UdpPoolResolverTest, PooledSocketsGetAFreshPortForEveryQuery) {
    FakeDnsServer server(loop_, 0);
    Resolver r(loop_, config({server.addr()}, 500ms, 1));
    constexpr int kQueries = 20;
    for (int i = 0; i < kQueries; ++i) {
        ASSERT_EQ(run(r, "p" + std::to_string(i) + ".example", RrType::kA).status,
                  ResolveStatus::kAnswer);
    }
    // One socket, reused 19 times; its port is the kernel's random pick each time.
    EXPECT_EQ(r.udp_pool().counters().opened, 1u);
    EXPECT_EQ(r.udp_pool().counters().reused, static_cast<uint64_t>(kQueries - 1));
    std::set<uint16_t> ports;
    for (const FakeQuery& q : server.queries()) {
        ports.insert(q.source_port);
    }
    // Distinct but for a rare random repeat (28k ephemeral ports).
    EXPECT_GE(ports.size(), static_cast<size_t>(kQueries - 1));
    EXPECT_EQ(r.counters().rejected.total(), 0u);
}

TEST_F(UdpPoolResolverTest, NothingSentToAnEarlierQuerysPortReachesTheNextQuery) {
    FakeDnsServer server(loop_, 0);
    server.behavior().duplicates = 2;  // two more copies of every answer, queued behind it
    Resolver r(loop_, config({server.addr()}, 500ms, 1));
    ASSERT_EQ(run(r, "first.example", RrType::kA).status, ResolveStatus::kAnswer);
    ASSERT_EQ(server.queries().size(), 1u);
    const uint16_t old_port = server.queries()[0].source_port;

    // After the query the socket no longer owns its port: this datagram is not delivered.
    int probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(probe, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(old_port);
    to.sin_addr.s_addr = htonl(0x7f000001);
    const uint8_t junk[12] = {0, 0, 0x81, 0x80};
    sendto(probe, junk, sizeof(junk), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    close(probe);

    server.behavior().duplicates = 0;
    ResolveResult second = run(r, "second.example", RrType::kA);
    ASSERT_EQ(second.status, ResolveStatus::kAnswer);
    EXPECT_EQ(r.udp_pool().counters().reused, 1u);
    // The two late copies of the first answer were dropped unread before the second
    // query sent anything; the second query saw none of them, nor the probe.
    EXPECT_EQ(r.udp_pool().counters().drained, 2u);
    EXPECT_EQ(r.counters().rejected.total(), 0u);
    ASSERT_EQ(server.queries().size(), 2u);
    EXPECT_NE(server.queries()[1].source_port, old_port);  // 1 in 28k: a random repeat
}

TEST_F(UdpPoolResolverTest, PoolOfZeroClosesEverySocket) {
    FakeDnsServer server(loop_, 0);
    ResolverConfig c = config({server.addr()}, 500ms, 1);
    c.udp_pool_max_idle = 0;
    Resolver r(loop_, std::move(c));
    const size_t fds_before = loop_.fd_count();
    ASSERT_EQ(run(r, "a.example", RrType::kA).status, ResolveStatus::kAnswer);
    ASSERT_EQ(run(r, "b.example", RrType::kA).status, ResolveStatus::kAnswer);
    EXPECT_EQ(r.udp_pool().counters().opened, 2u);
    EXPECT_EQ(r.udp_pool().counters().closed, 2u);
    EXPECT_EQ(loop_.fd_count(), fds_before);
}

}  // namespace
}  // namespace mg::resolver
