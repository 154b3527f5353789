// The channel's socket calls: listening (mode, stale and live sockets, paths),
// connecting, sending and receiving one message, closes, oversized datagrams.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "dataplane/api/channel.h"
#include "tests/dataplane/channel_test_util.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mg::dataplane::api {
namespace {

using test::all_types;
using test::Bytes;
using test::contains;
using test::kEndType;
using test::kFirstType;
using test::length_error;
using test::parse_error;
using test::pattern;
using test::raw_message;
using test::same_bytes;

// ---------------------------------------------------------------------------
// Sockets.

class ChannelSocket : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mg_channel_XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
        dir_ = tmpl;
        path_ = (dir_ / "dataplane.sock").string();
    }
    void TearDown() override {
        for (int fd : fds_) {
            ::close(fd);
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    int keep(int fd) {
        fds_.push_back(fd);
        return fd;
    }
    void socket_pair(int& a, int& b) {
        int sv[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        a = keep(sv[0]);
        b = keep(sv[1]);
    }

    std::filesystem::path dir_;
    std::string path_;
    std::vector<int> fds_;
};

TEST_F(ChannelSocket, ListenCreatesMode0660) {
    auto fd = listen_channel(path_);
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    keep(*fd);
    struct stat st {};
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST_F(ChannelSocket, ConnectAcceptAndTalk) {
    auto lfd = listen_channel(path_);
    ASSERT_TRUE(lfd.ok()) << lfd.error().message;
    keep(*lfd);
    auto cfd = connect_channel(path_);
    ASSERT_TRUE(cfd.ok()) << cfd.error().message;
    keep(*cfd);
    int sfd = ::accept4(*lfd, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(sfd, 0) << std::strerror(errno);
    keep(sfd);

    ASSERT_TRUE(
        send_message(*cfd, MessageBuilder(MsgType::kHello, 1).fixed(HelloBody{1234, 0}).bytes())
            .ok());
    Bytes buf;
    auto got = recv_message(sfd, buf);
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_TRUE(*got);
    auto hello = parse_message(buf);
    ASSERT_TRUE(hello.ok());
    EXPECT_EQ(hello->body<HelloBody>().pid, 1234u);
}

TEST_F(ChannelSocket, ListenRefusesANonSocketFile) {
    { std::ofstream(path_) << "keep me\n"; }
    auto fd = listen_channel(path_);
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(fd.error().message, path_ + ": exists and is not a socket; not replacing it");
    std::ifstream in(path_);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "keep me\n");

    std::filesystem::create_directory(dir_ / "sub");
    auto on_dir = listen_channel((dir_ / "sub").string());
    ASSERT_FALSE(on_dir.ok());
    EXPECT_TRUE(contains(on_dir.error().message, "not a socket")) << on_dir.error().message;
    EXPECT_TRUE(std::filesystem::is_directory(dir_ / "sub"));
}

TEST_F(ChannelSocket, ListenRefusesWhenAnotherListens) {
    auto first = listen_channel(path_);
    ASSERT_TRUE(first.ok()) << first.error().message;
    keep(*first);
    auto second = listen_channel(path_);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kInvalidInput);
    EXPECT_TRUE(contains(second.error().message, "another dataplane is listening"))
        << second.error().message;
    EXPECT_EQ(second.error().message.rfind(path_, 0), 0u) << second.error().message;
    // The first one still owns the path.
    auto c = connect_channel(path_);
    ASSERT_TRUE(c.ok()) << c.error().message;
    keep(*c);
    int s = ::accept4(*first, nullptr, nullptr, SOCK_CLOEXEC);
    EXPECT_GE(s, 0);
    if (s >= 0) {
        keep(s);
    }
}

// A dataplane that is there but accepts nobody (its backlog full): the new one
// says so at once instead of hanging in the probe's connect.
TEST_F(ChannelSocket, ListenFailsAtOnceWhenTheListenerIsWedged) {
    auto first = listen_channel(path_);
    ASSERT_TRUE(first.ok()) << first.error().message;
    keep(*first);
    int filled = 0;
    for (; filled < 1000; ++filled) {  // never accepted: fills the backlog
        auto c = connect_channel(path_, true);
        if (!c.ok()) {
            break;
        }
        keep(*c);
    }
    ASSERT_LT(filled, 1000);
    auto second = listen_channel(path_);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kIo);
    EXPECT_TRUE(contains(second.error().message, "backlog full")) << second.error().message;
}

// try_send_message never waits, even on a blocking socket: a full buffer is
// "false, nothing sent", and it takes messages again once the peer reads.
TEST_F(ChannelSocket, TrySendSaysFullInsteadOfWaiting) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    keep(sv[0]);
    keep(sv[1]);
    const std::vector<uint8_t> msg = make_ok(7, 0);
    int sent = 0;
    for (; sent < 100000; ++sent) {
        auto r = try_send_message(sv[0], msg);
        ASSERT_TRUE(r.ok()) << r.error().message;
        if (!*r) {
            break;
        }
    }
    ASSERT_GT(sent, 0);
    ASSERT_LT(sent, 100000);
    std::vector<uint8_t> buf;
    auto got = recv_message(sv[1], buf);
    ASSERT_TRUE(got.ok() && *got);
    EXPECT_EQ(buf, msg);
    auto again = try_send_message(sv[0], msg);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(*again);
    ::shutdown(sv[1], SHUT_RDWR);  // a gone peer is an error, not "full"
    auto gone = try_send_message(sv[0], msg);
    EXPECT_FALSE(gone.ok());
}

TEST_F(ChannelSocket, ListenReplacesAStaleSocket) {
    auto first = listen_channel(path_);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ::close(*first);  // the file stays behind, nobody listens
    ASSERT_TRUE(std::filesystem::is_socket(path_));
    auto stale = connect_channel(path_);
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, ErrorCode::kNotFound);

    auto second = listen_channel(path_);
    ASSERT_TRUE(second.ok()) << second.error().message;
    keep(*second);
    auto c = connect_channel(path_);
    ASSERT_TRUE(c.ok()) << c.error().message;
    keep(*c);
    struct stat st {};
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST_F(ChannelSocket, ConnectToAMissingPathIsNotFound) {
    auto c = connect_channel(path_);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(c.error().message.rfind(path_ + ": no dataplane is listening", 0), 0u)
        << c.error().message;
    auto in_missing_dir = connect_channel((dir_ / "nope" / "x.sock").string());
    ASSERT_FALSE(in_missing_dir.ok());
    EXPECT_EQ(in_missing_dir.error().code, ErrorCode::kNotFound);
}

TEST_F(ChannelSocket, ListenInAMissingDirectoryIsIo) {
    auto fd = listen_channel((dir_ / "nope" / "x.sock").string());
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().code, ErrorCode::kIo);
}

TEST_F(ChannelSocket, PathLimits) {
    const size_t max = 107;  // sizeof(sockaddr_un::sun_path) - 1
    std::string too_long = dir_.string() + "/";
    too_long.append(max + 1 - too_long.size(), 'p');
    ASSERT_EQ(too_long.size(), max + 1);
    for (const std::string& p : {too_long, std::string()}) {
        auto l = listen_channel(p);
        ASSERT_FALSE(l.ok());
        EXPECT_EQ(l.error().code, ErrorCode::kInvalidInput);
        EXPECT_TRUE(contains(l.error().message, "empty or longer than 107 bytes"))
            << l.error().message;
        auto c = connect_channel(p);
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().code, ErrorCode::kInvalidInput);
    }
    EXPECT_FALSE(std::filesystem::exists(too_long));

    std::string longest = too_long.substr(0, max);
    auto l = listen_channel(longest);
    ASSERT_TRUE(l.ok()) << l.error().message;
    keep(*l);
    auto c = connect_channel(longest);
    ASSERT_TRUE(c.ok()) << c.error().message;
    keep(*c);

    std::string with_nul = path_;
    with_nul[dir_.string().size()] = '\0';  // ".../mg_channel_X\0dataplane.sock"
    auto n = listen_channel(with_nul);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code, ErrorCode::kInvalidInput);
    EXPECT_TRUE(contains(n.error().message, "NUL")) << n.error().message;
    auto abstract = connect_channel(std::string("\0abstract", 9));
    ASSERT_FALSE(abstract.ok());
    EXPECT_EQ(abstract.error().code, ErrorCode::kInvalidInput);
}

TEST_F(ChannelSocket, SendAndReceiveBothWays) {
    int control = -1, dataplane = -1;
    ASSERT_NO_FATAL_FAILURE(socket_pair(control, dataplane));

    MessageBuilder add(MsgType::kAddLegs, 77);
    add.add(pattern<LegSpec>(1)).add(pattern<LegSpec>(2));
    ASSERT_TRUE(send_message(control, add.bytes()).ok());
    Bytes buf;
    auto got = recv_message(dataplane, buf);
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_TRUE(*got);
    EXPECT_EQ(buf, add.bytes());
    auto v = parse_message(buf);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->header.seq, 77u);
    EXPECT_TRUE(same_bytes(v->entry<LegSpec>(1), pattern<LegSpec>(2)));

    ASSERT_TRUE(send_message(dataplane, make_ok(77, 2)).ok());
    got = recv_message(control, buf);
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_TRUE(*got);
    v = parse_message(buf);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->type(), MsgType::kOk);
    EXPECT_EQ(v->header.count, 2u);

    // Boundaries are kept: two messages are two receives; the largest fits.
    MessageBuilder big(MsgType::kError, 3);
    big.add_bytes(Bytes(MessageBuilder::max_entries(MsgType::kError), 'e'));
    ASSERT_EQ(big.bytes().size(), kMaxMessage);
    ASSERT_TRUE(send_message(control, big.bytes()).ok());
    ASSERT_TRUE(send_message(control, make_ok(4, 0)).ok());
    got = recv_message(dataplane, buf);
    ASSERT_TRUE(got.ok() && *got);
    EXPECT_EQ(buf, big.bytes());
    got = recv_message(dataplane, buf);
    ASSERT_TRUE(got.ok() && *got);
    EXPECT_EQ(buf, make_ok(4, 0));
}

TEST_F(ChannelSocket, OrderlyCloseIsFalse) {
    int a = -1, b = -1;
    ASSERT_NO_FATAL_FAILURE(socket_pair(a, b));
    ASSERT_TRUE(send_message(a, make_ok(1, 0)).ok());
    ASSERT_EQ(::shutdown(a, SHUT_WR), 0);
    Bytes buf;
    auto got = recv_message(b, buf);  // what was sent before the close still comes
    ASSERT_TRUE(got.ok() && *got);
    got = recv_message(b, buf);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_FALSE(*got);
    EXPECT_TRUE(buf.empty());
}

TEST_F(ChannelSocket, OversizedDatagramIsAnError) {
    int a = -1, b = -1;
    ASSERT_NO_FATAL_FAILURE(socket_pair(a, b));
    int sndbuf = 4 * static_cast<int>(kMaxMessage);
    ASSERT_EQ(::setsockopt(a, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf), 0);
    for (size_t size : {kMaxMessage + 1, 3 * kMaxMessage}) {
        Bytes huge = make_error(9, ErrorKind::kInvalid, 0, std::string(kMaxMessage, 'h'));
        huge.resize(size, 'h');
        ASSERT_EQ(::send(a, huge.data(), huge.size(), 0), static_cast<ssize_t>(huge.size()))
            << std::strerror(errno);
        ASSERT_TRUE(send_message(a, make_ok(10, 1)).ok());

        Bytes buf(5, 1);
        auto got = recv_message(b, buf);
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.error().code, ErrorCode::kInvalidInput);
        EXPECT_EQ(got.error().message, "dataplane channel: datagram of " + std::to_string(size) +
                                           " bytes is over the 65536-byte limit");
        EXPECT_TRUE(buf.empty());
        // The oversized datagram is gone whole; the next message is intact.
        got = recv_message(b, buf);
        ASSERT_TRUE(got.ok()) << got.error().message;
        ASSERT_TRUE(*got);
        EXPECT_EQ(buf, make_ok(10, 1));
    }
}

TEST_F(ChannelSocket, SocketErrorsAreIo) {
    Bytes buf;
    auto got = recv_message(-1, buf);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, ErrorCode::kIo);
    EXPECT_TRUE(contains(got.error().message, "dataplane channel: receive")) << got.error().message;

    int a = -1, b = -1;
    ASSERT_NO_FATAL_FAILURE(socket_pair(a, b));
    ASSERT_EQ(::shutdown(b, SHUT_RD), 0);
    ::close(b);
    fds_.pop_back();
    auto sent = send_message(a, make_ok(1, 0));  // no SIGPIPE (MSG_NOSIGNAL)
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().code, ErrorCode::kIo);
    EXPECT_TRUE(contains(sent.error().message, "dataplane channel: send")) << sent.error().message;
}

}  // namespace
}  // namespace mg::dataplane::api
