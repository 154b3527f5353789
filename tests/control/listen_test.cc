// Listening sockets per the IPv6 decision: dual stack, separate sockets, IPv4 only.
#include "control/listen.h"

#include <gtest/gtest.h>

#include "control/runtime.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mg::control {
namespace {

uint16_t bound_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len), 0);
    return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

// Sends one datagram from a fresh socket of `family` to the loopback address.
void send_to_loopback(int family, uint16_t port) {
    int s = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(s, 0);
    sockaddr_storage ss{};
    socklen_t len;
    if (family == AF_INET) {
        auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(port);
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *sa;
    } else {
        auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(port);
        sa->sin6_addr = in6addr_loopback;
        len = sizeof *sa;
    }
    EXPECT_EQ(::sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&ss), len), 1);
    ::close(s);
}

// Receives one datagram on fd (waits up to 2 s); returns the source as text.
std::string receive_source(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1)
        return "nothing";
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    char buf[16];
    if (::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&ss), &len) != 1)
        return "error";
    char text[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, text, sizeof text);
    else
        ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, text, sizeof text);
    return text;
}

void close_all(const Listeners& l) {
    for (int fd : l.fds)
        ::close(fd);
}

TEST(Listen, Ipv4OnlyWhenIpv6IsOff) {
    auto l = open_listeners({false, SOCK_DGRAM, 0, false});
    ASSERT_TRUE(l.ok()) << l.error().message;
    ASSERT_EQ(l->fds.size(), 1u);
    EXPECT_FALSE(l->dual_stack);
    send_to_loopback(AF_INET, bound_port(l->fds[0]));
    EXPECT_EQ(receive_source(l->fds[0]), "127.0.0.1");
    close_all(*l);
}

TEST(Listen, DualStackTakesIpv4AsMapped) {
    if (!kernel_supports_ipv6())
        GTEST_SKIP() << "no IPv6 sockets here";
    auto l = open_listeners({true, SOCK_DGRAM, 0, false});
    ASSERT_TRUE(l.ok()) << l.error().message;
    ASSERT_EQ(l->fds.size(), 1u);
    EXPECT_TRUE(l->dual_stack);
    EXPECT_NE(l->description.find("IPv4-mapped"), std::string::npos);
    uint16_t port = bound_port(l->fds[0]);
    send_to_loopback(AF_INET, port);
    EXPECT_EQ(receive_source(l->fds[0]), "::ffff:127.0.0.1");
    send_to_loopback(AF_INET6, port);
    EXPECT_EQ(receive_source(l->fds[0]), "::1");
    close_all(*l);
}

TEST(Listen, SeparateSocketsWhenDualStackIsNotPossible) {
    if (!kernel_supports_ipv6())
        GTEST_SKIP() << "no IPv6 sockets here";
    auto l = open_listeners({true, SOCK_DGRAM, 0, true});
    ASSERT_TRUE(l.ok()) << l.error().message;
    ASSERT_EQ(l->fds.size(), 2u);
    EXPECT_FALSE(l->dual_stack);
    EXPECT_EQ(bound_port(l->fds[0]), bound_port(l->fds[1]));
    send_to_loopback(AF_INET, bound_port(l->fds[0]));
    EXPECT_EQ(receive_source(l->fds[0]), "127.0.0.1");
    send_to_loopback(AF_INET6, bound_port(l->fds[1]));
    EXPECT_EQ(receive_source(l->fds[1]), "::1");
    close_all(*l);
}

TEST(Listen, TcpDualStackAcceptsIpv4) {
    if (!kernel_supports_ipv6())
        GTEST_SKIP() << "no IPv6 sockets here";
    auto l = open_listeners({true, SOCK_STREAM, 0, false});
    ASSERT_TRUE(l.ok()) << l.error().message;
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(bound_port(l->fds[0]));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ::close(c);
    close_all(*l);
}

TEST(Listen, PortInUseIsAClearError) {
    auto first = open_listeners({false, SOCK_DGRAM, 0, false});
    ASSERT_TRUE(first.ok());
    uint16_t port = bound_port(first->fds[0]);
    auto second = open_listeners({false, SOCK_DGRAM, port, false});
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("0.0.0.0:" + std::to_string(port)), std::string::npos)
        << second.error().message;
    close_all(*first);
}

}  // namespace
}  // namespace mg::control
