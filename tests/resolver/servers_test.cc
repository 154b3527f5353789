#include "resolver/servers.h"

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include <unistd.h>

namespace mg::resolver {
namespace {

TEST(ServersTest, ParsesEveryForm) {
    auto v4 = parse_server("192.0.2.1");
    ASSERT_TRUE(v4.ok());
    EXPECT_EQ(v4->to_string(), "192.0.2.1:53");
    EXPECT_EQ(v4->family(), AF_INET);

    auto v4p = parse_server("192.0.2.1:5353");
    ASSERT_TRUE(v4p.ok());
    EXPECT_EQ(v4p->port, 5353);

    auto v6 = parse_server("2001:db8::1");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->to_string(), "[2001:db8::1]:53");
    EXPECT_EQ(v6->family(), AF_INET6);

    auto v6b = parse_server("[2001:db8::1]");
    ASSERT_TRUE(v6b.ok());
    EXPECT_EQ(v6b->port, 53);

    auto v6p = parse_server("[::1]:5300");
    ASSERT_TRUE(v6p.ok());
    EXPECT_EQ(v6p->to_string(), "[::1]:5300");

    auto mapped = parse_server("[::ffff:192.0.2.9]:54");
    ASSERT_TRUE(mapped.ok());
    EXPECT_EQ(mapped->to_string(), "192.0.2.9:54");
}

TEST(ServersTest, RefusesBadText) {
    for (const char* text :
         {"", "nope", "192.0.2", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:53x",
          "192.0.2.1:-1", "[2001:db8::1", "[2001:db8::1]53", "[192.0.2.1]:53", "[]:53",
          "2001:db8::1]", "[2001:db8::1]:", "[2001:db8::1]:99999", "192.0.2.1 ", "fe80::1%eth0"}) {
        auto r = parse_server(text);
        EXPECT_FALSE(r.ok()) << text;
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
            EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
        }
    }
}

TEST(ServersTest, SockaddrRoundTrip) {
    for (const char* text : {"192.0.2.1:5353", "[2001:db8::7]:853"}) {
        ServerAddr s = parse_server(text).value();
        sockaddr_storage sa{};
        socklen_t len = s.to_sockaddr(sa);
        EXPECT_EQ(len, s.family() == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
        ServerAddr back;
        ASSERT_TRUE(from_sockaddr(sa, back));
        EXPECT_EQ(back, s);
    }
}

class ResolvConfTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mg_resolv_XXXXXX";
        int fd = mkstemp(tmpl);
        ASSERT_GE(fd, 0);
        close(fd);
        path_ = tmpl;
    }
    void TearDown() override { std::remove(path_.c_str()); }
    void write(const std::string& text) { std::ofstream(path_) << text; }
    std::string path_;
};

TEST_F(ResolvConfTest, ReadsNameserversInOrder) {
    write(
        "# generated\n"
        "domain example.com\n"
        "search example.com corp.example\n"
        "options ndots:2 timeout:1 attempts:3\n"
        "nameserver 192.0.2.53  # primary\n"
        "; a comment\n"
        "#nameserver 192.0.2.99\n"
        "  nameserver\t2001:db8::53\n"
        "nameserver fe80::1%eth0\n"
        "nameserver not-an-address\n"
        "nameserver\n"
        "nameserver 198.51.100.53;trailing\n"
        "sortlist 130.155.160.0/255.255.240.0\n");
    std::vector<ServerAddr> s = read_resolv_conf(path_);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].to_string(), "192.0.2.53:53");
    EXPECT_EQ(s[1].to_string(), "[2001:db8::53]:53");
    EXPECT_EQ(s[2].to_string(), "198.51.100.53:53");
}

TEST_F(ResolvConfTest, NoNameserversFallsBackToLoopback) {
    write("options edns0\nsearch example.com\n");
    std::vector<ServerAddr> s = read_resolv_conf(path_);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].to_string(), "127.0.0.1:53");
}

TEST_F(ResolvConfTest, MissingFileFallsBackToLoopback) {
    std::vector<ServerAddr> s = read_resolv_conf(path_ + ".missing");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].to_string(), "127.0.0.1:53");
}

}  // namespace
}  // namespace mg::resolver
