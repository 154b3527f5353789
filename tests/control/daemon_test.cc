// The daemon in-process: commands, reload atomicity, the CLI socket's rules.
#include "control/daemon.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "tests/control/fake_dataplane.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace mg::control {
namespace {

namespace fs = std::filesystem;
using resolver::EventLoop;

class DaemonTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mg-daemon-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        sock_ = dir_ + "/control.sock";
        config_ = dir_ + "/mediagate.toml";
        log_file_ = std::tmpfile();
        log_ = std::make_unique<Logger>(LogLevel::kDebug, log_file_);
    }
    void TearDown() override {
        daemon_.reset();
        std::fclose(log_file_);
        fs::remove_all(dir_);
    }

    void write_config(const std::string& body) {
        std::ofstream(config_) << "[control]\nsocket = \"" << sock_ << "\"\n" << body;
    }

    DaemonOptions options() {
        DaemonOptions o;
        o.config_file = config_;
        configs::HostInterface eth;
        eth.name = "eth0";
        eth.address.addr = *lists::parse_address("192.0.2.10");
        eth.address.prefix_len = 24;
        o.runtime.load.host_interfaces = std::vector<configs::HostInterface>{eth};
        o.runtime.resolv_conf = dir_ + "/no-resolv.conf";
        o.dataplane_socket_override = dir_ + "/dp.sock";
        o.link.retry_interval = std::chrono::milliseconds(20);
        return o;
    }

    Result<std::unique_ptr<Daemon>> start() { return Daemon::start(loop_, *log_, options()); }

    // Runs a command through execute() and the loop.
    CommandOutput run(std::vector<std::string> words, bool json = false) {
        std::optional<CommandOutput> out;
        daemon_->execute(CliRequest{json, std::move(words)},
                         [&out](CommandOutput o) { out = std::move(o); });
        loop_.run_until([&] { return out.has_value(); },
                        EventLoop::Clock::now() + std::chrono::seconds(5));
        EXPECT_TRUE(out.has_value());
        return out.value_or(CommandOutput{});
    }

    // Sends raw bytes over the socket (optionally half-closing) and reads the reply.
    std::optional<CommandOutput> over_socket(const std::string& bytes, bool shut = false) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_.c_str());
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
        EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(bytes.size()));
        if (shut)
            ::shutdown(fd, SHUT_WR);
        std::string got;
        bool eof = false;
        loop_.run_until(
            [&] {
                pollfd p{fd, POLLIN, 0};
                while (::poll(&p, 1, 0) > 0) {
                    char buf[4096];
                    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
                    if (n <= 0) {
                        eof = true;
                        return true;
                    }
                    got.append(buf, static_cast<size_t>(n));
                }
                return false;
            },
            EventLoop::Clock::now() + std::chrono::seconds(5));
        ::close(fd);
        if (!eof || got.size() < 4)
            return std::nullopt;
        auto out = decode_reply(std::string_view(got).substr(4));
        if (!out.ok())
            return std::nullopt;
        return *out;
    }

    EventLoop loop_;
    std::string dir_, sock_, config_;
    FILE* log_file_ = nullptr;
    std::unique_ptr<Logger> log_;
    std::unique_ptr<Daemon> daemon_;
};

constexpr const char* kConfigA = R"(
[network]
lan_ips = "192.0.2.0/24"
client_ips = "198.51.100.0/24"
nated_ips = "10.0.0.0/8"
debug_ips = "203.0.113.9"
wan_ip = "203.0.113.1"
[resolver]
servers = ["127.0.0.1:5300"]
retries = 2
dummy_ips = "192.0.2.200"
)";

constexpr const char* kConfigB = R"(
[network]
lan_ips = "198.18.0.0/15"
client_ips = "2001:db8::/32"
nated_ips = "172.16.0.0/12"
debug_ips = "203.0.113.10"
wan_ip = "203.0.113.2"
[resolver]
servers = ["127.0.0.1:5301"]
retries = 1
dummy_ips = "192.0.2.201"
)";

TEST_F(DaemonTest, StatusAndLists) {
    write_config(kConfigA);
    auto d = start();
    ASSERT_TRUE(d.ok()) << d.error().message;
    daemon_ = std::move(*d);
    CommandOutput s = run({"status"}, true);
    EXPECT_EQ(s.exit_code, kExitOk) << s.err;
    EXPECT_NE(s.out.find("\"wan_ip\":\"203.0.113.1\""), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("\"servers\":[\"127.0.0.1:5300\"]"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("\"name\":\"lan\",\"entries\":1"), std::string::npos) << s.out;
    CommandOutput text = run({"status"});
    EXPECT_NE(text.out.find("wan_ip         203.0.113.1"), std::string::npos) << text.out;

    CommandOutput show = run({"lists", "show", "lan"});
    EXPECT_EQ(show.out, "192.0.2.0/24\n");
    EXPECT_EQ(run({"lists", "show", "nope"}).exit_code, kExitNegative);
    CommandOutput t = run({"lists", "test", "192.0.2.200"});
    EXPECT_EQ(t.exit_code, kExitOk);
    EXPECT_EQ(t.out, "192.0.2.200: lan dummy\n");
    EXPECT_EQ(run({"lists", "test", "8.8.8.8"}).exit_code, kExitNegative);
    EXPECT_EQ(run({"lists", "test", "300.1.1.1"}).exit_code, kExitNegative);
    CommandOutput nat = run({"nat-test", "10.1.1.1", "198.51.100.1"});
    EXPECT_EQ(nat.exit_code, kExitOk);
    EXPECT_EQ(nat.out.rfind("behind-nat: ", 0), 0u) << nat.out;
    EXPECT_EQ(run({"nat-test", "10.1.1.1", "10.2.2.2"}).exit_code, kExitNegative);
    EXPECT_EQ(run({"bogus"}).exit_code, kExitUsage);
    EXPECT_EQ(run({"status", "x"}).exit_code, kExitUsage);
    EXPECT_EQ(run({"resolve", "SOA", "x.test"}).exit_code, kExitUsage);
}

TEST_F(DaemonTest, BadReloadChangesNothingGoodReloadChangesAll) {
    write_config(kConfigA);
    auto d = start();
    ASSERT_TRUE(d.ok()) << d.error().message;
    daemon_ = std::move(*d);
    auto before = daemon_->runtime();
    std::string status_before = run({"status"}, true).out;

    // Everything of B, but one list line is broken: nothing of B may appear.
    std::string broken = kConfigB;
    broken.replace(broken.find("203.0.113.10"), 12, "203.0.113.300");
    broken.replace(broken.find("192.0.2."), 8, "192.0.2.x");  // a second error
    write_config(broken);
    auto r = daemon_->reload("test");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("mediagate.toml:"), std::string::npos) << r.error().message;
    EXPECT_EQ(daemon_->runtime(), before);
    // Logged as one line per error, each with its time and level.
    std::fflush(log_file_);
    std::rewind(log_file_);
    std::string log;
    for (int c; (c = std::fgetc(log_file_)) != EOF;)
        log += static_cast<char>(c);
    const std::string prefix = "reload failed, keeping the running configuration: " + config_ + ":";
    size_t lines = 0;
    for (size_t at = log.find(prefix); at != std::string::npos; at = log.find(prefix, at + 1)) {
        ++lines;
        const size_t start = at == 0 ? 0 : log.rfind('\n', at) + 1;
        const size_t end = log.find('\n', at);
        EXPECT_NE(log.substr(start, at - start).find(" error "), std::string::npos) << log;
        // No continuation line: what follows is another log line (a time) or the end.
        ASSERT_NE(end, std::string::npos) << log;
        EXPECT_TRUE(end + 1 == log.size() || std::isdigit(static_cast<unsigned char>(log[end + 1])))
            << log;
    }
    EXPECT_EQ(lines, 2u) << log;
    CommandOutput via_cli = run({"reload"});
    EXPECT_EQ(via_cli.exit_code, kExitNegative);
    EXPECT_NE(via_cli.err.find("unchanged"), std::string::npos) << via_cli.err;
    EXPECT_EQ(daemon_->runtime(), before);
    for (const char* list : {"lan", "client", "nated", "debug", "dummy"})
        EXPECT_EQ(daemon_->runtime()->config.list(list).set, before->config.list(list).set);
    std::string status_after = run({"status"}, true).out;
    EXPECT_NE(status_after.find("\"last_reload_error\":\"" + config_), std::string::npos);
    EXPECT_EQ(run({"lists", "show", "lan"}).out, "192.0.2.0/24\n");

    write_config(kConfigB);
    CommandOutput ok = run({"reload"});
    EXPECT_EQ(ok.exit_code, kExitOk) << ok.err;
    auto after = daemon_->runtime();
    EXPECT_NE(after, before);
    EXPECT_EQ(run({"lists", "show", "lan"}).out, "198.18.0.0/15\n");
    EXPECT_EQ(run({"lists", "show", "client"}).out, "2001:db8::/32\n");
    EXPECT_EQ(run({"lists", "show", "nated"}).out, "172.16.0.0/12\n");
    EXPECT_EQ(run({"lists", "show", "debug"}).out, "203.0.113.10\n");
    EXPECT_EQ(run({"lists", "show", "dummy"}).out, "192.0.2.201\n");
    EXPECT_EQ(after->config.resolver.retries, 1u);
    EXPECT_EQ(after->resolver_servers.front().to_string(), "127.0.0.1:5301");
    EXPECT_EQ(lists::format_address(*after->config.network.wan_ip), "203.0.113.2");
    std::string status_b = run({"status"}, true).out;
    EXPECT_NE(status_b.find("\"reloads\":1"), std::string::npos) << status_b;
    EXPECT_NE(status_b.find("\"last_reload_error\":\"\""), std::string::npos) << status_b;
}

// Untrusted text in a log line (a CLI argument, a DNS name) cannot start a line of
// its own: journald would read "<0>..." after a newline as a new emergency entry.
TEST(Logger, ControlCharactersAreEscaped) {
    FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    Logger log(LogLevel::kInfo, f);
    log.log(LogLevel::kWarning, std::string("cli: nat-test 1.2.3.4\n<0>forged\x1b[31m\x7f", 37));
    log.log(LogLevel::kInfo, "plain line");
    std::rewind(f);
    std::string text;
    char buf[512];
    while (size_t n = std::fread(buf, 1, sizeof buf, f))
        text.append(buf, n);
    std::fclose(f);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
    EXPECT_NE(text.find("cli: nat-test 1.2.3.4\\x0a<0>forged\\x1b[31m\\x7f\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("plain line\n"), std::string::npos) << text;
}

TEST_F(DaemonTest, SocketIsPrivateAndServesRequests) {
    write_config(kConfigA);
    auto d = start();
    ASSERT_TRUE(d.ok()) << d.error().message;
    daemon_ = std::move(*d);
    struct stat st {};
    ASSERT_EQ(::lstat(sock_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660u);

    auto out = over_socket(encode_request({false, {"lists", "show", "nated"}}));
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->out, "10.0.0.0/8\n");
    // Garbage gets a usage error, not a crash; the daemon keeps serving.
    auto bad = over_socket(std::string("\0\0\0\x05hello", 9));
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->exit_code, kExitUsage);
    auto huge = over_socket(std::string("\x7f\0\0\0", 4));
    ASSERT_TRUE(huge.has_value());
    EXPECT_EQ(huge->exit_code, kExitUsage);
    // A client that leaves half-way is dropped quietly.
    auto partial = over_socket(std::string("\0\0\0\x20MGC", 7), true);
    EXPECT_FALSE(partial.has_value());
    auto again = over_socket(encode_request({true, {"lists", "test", "10.1.1.1"}}));
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->out, "{\"address\":\"10.1.1.1\",\"lists\":[\"nated\"]}\n");

    daemon_.reset();
    EXPECT_NE(::lstat(sock_.c_str(), &st), 0) << "socket file left behind";
}

TEST_F(DaemonTest, SecondDaemonOnTheSameSocketRefuses) {
    write_config(kConfigA);
    auto first = start();
    ASSERT_TRUE(first.ok()) << first.error().message;
    auto second = start();
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("already running"), std::string::npos)
        << second.error().message;
    // The first one still answers.
    daemon_ = std::move(*first);
    EXPECT_EQ(run({"lists", "show", "lan"}).out, "192.0.2.0/24\n");
}

TEST_F(DaemonTest, StaleSocketIsReplacedOtherFilesAreNot) {
    write_config(kConfigA);
    // A socket file nobody listens on (a daemon that was killed).
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ::close(fd);
    auto d = start();
    ASSERT_TRUE(d.ok()) << d.error().message;
    d->reset();

    std::ofstream(sock_) << "not a socket";
    auto refused = start();
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("not a socket"), std::string::npos);
    std::ifstream in(sock_);
    std::string content;
    std::getline(in, content);
    EXPECT_EQ(content, "not a socket");
}

TEST_F(DaemonTest, BadConfigAtStartIsAnError) {
    write_config("[network]\nlan_ips = \"192.0.2.0/33\"\n");
    auto d = start();
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find(config_ + ":"), std::string::npos) << d.error().message;
    struct stat st {};
    EXPECT_NE(::lstat(sock_.c_str(), &st), 0) << "no socket for a daemon that did not start";
}

TEST_F(DaemonTest, RelayCommandsAndStatusThroughTheDataplane) {
    write_config(
        std::string(kConfigA) +
        "[[relay]]\nname = \"trunk\"\nlocal_a = \"192.0.2.1:20000\"\n"
        "peer_a = \"198.51.100.7:5004\"\nlocal_b = \"192.0.2.1:20002\"\npeer_b = \"any\"\n");
    auto d = start();
    ASSERT_TRUE(d.ok()) << d.error().message;
    daemon_ = std::move(*d);

    // No dataplane yet: relay commands have no answer (2), status still works (0).
    CommandOutput none = run({"relay", "list"});
    EXPECT_EQ(none.exit_code, kExitNoAnswer);
    EXPECT_EQ(none.err.rfind("mediagatectl: relay list: dataplane not connected (", 0), 0u)
        << none.err;
    CommandOutput st = run({"status"});
    EXPECT_EQ(st.exit_code, kExitOk);
    EXPECT_NE(st.out.find("\ndataplane  not connected ("), std::string::npos) << st.out;
    EXPECT_NE(run({"status"}, true)
                  .out.find("\"dataplane\":{\"socket\":\"" + dir_ +
                            "/dp.sock\",\"state\":\"disconnected\","
                            "\"connected\":false"),
              std::string::npos);
    EXPECT_EQ(run({"relay", "add", "192.0.2.1:1"}).exit_code, kExitUsage);
    EXPECT_EQ(run({"relay", "del", "x"}).exit_code, kExitUsage);
    EXPECT_EQ(run({"relay"}).exit_code, kExitUsage);

    test::FakeDataplane fake(loop_, dir_ + "/dp.sock");
    fake.start(1);
    ASSERT_TRUE(loop_.run_until([&] { return daemon_->dataplane().state() == LinkState::kReady; },
                                EventLoop::Clock::now() + std::chrono::seconds(3)));
    EXPECT_EQ(fake.legs.size(), 2u);  // the [[relay]]
    CommandOutput add = run({"relay", "add", "192.0.2.1:30000", "any", "[2001:db8::1]:30000",
                             "198.51.100.9:4000", "--latch"});
    EXPECT_EQ(add.exit_code, kExitOk) << add.err;
    EXPECT_EQ(add.out, "2\n");
    CommandOutput add_json =
        run({"relay", "add", "192.0.2.1:30004", "any", "192.0.2.1:30006", "any"}, true);
    EXPECT_EQ(add_json.out,
              "{\"id\":3,\"a\":{\"local\":\"192.0.2.1:30004\",\"peer\":\"any\",\"latch\":true},"
              "\"b\":{\"local\":\"192.0.2.1:30006\",\"peer\":\"any\",\"latch\":true}}\n");
    CommandOutput list = run({"relay", "list"});
    EXPECT_EQ(list.exit_code, kExitOk) << list.err;
    EXPECT_EQ(list.out.rfind("ID  NAME   STATE   LOCAL_A", 0), 0u) << list.out;
    EXPECT_NE(list.out.find("[2001:db8::1]:30000"), std::string::npos) << list.out;
    CommandOutput list_json = run({"relay", "list"}, true);
    EXPECT_EQ(
        list_json.out.rfind("{\"relays\":[{\"id\":1,\"name\":\"trunk\",\"origin\":\"config\"", 0),
        0u)
        << list_json.out;
    CommandOutput del = run({"relay", "del", "2"});
    EXPECT_EQ(del.exit_code, kExitOk) << del.err;
    EXPECT_EQ(del.out, "deleted relay 2\n");
    CommandOutput again = run({"relay", "del", "2"});
    EXPECT_EQ(again.exit_code, kExitNegative);
    EXPECT_EQ(again.err, "mediagatectl: relay del: no relay 2\n");
    EXPECT_EQ(run({"relay", "del", "1"}).exit_code, kExitNegative);  // from the config

    CommandOutput status = run({"status"});
    EXPECT_NE(status.out.find("\ndataplane  ready, " + dir_ + "/dp.sock (pid 4242"),
              std::string::npos)
        << status.out;
    EXPECT_NE(status.out.find("\nrelays     2 static (1 from the config, 0 not in the "
                              "dataplane)"),
              std::string::npos)
        << status.out;
    EXPECT_NE(status.out.find("PORT  DEVICE"), std::string::npos) << status.out;
    CommandOutput status_json = run({"status"}, true);
    EXPECT_NE(status_json.out.find("\"connected\":true"), std::string::npos) << status_json.out;
    EXPECT_NE(status_json.out.find("\"ports\":[{\"name\":\"lan\""), std::string::npos)
        << status_json.out;

    // A reload pushes the lists again.
    uint32_t generation = fake.lists_generation;
    EXPECT_EQ(run({"reload"}).exit_code, kExitOk);
    ASSERT_TRUE(loop_.run_until([&] { return fake.lists_generation > generation; },
                                EventLoop::Clock::now() + std::chrono::seconds(3)));
    daemon_.reset();  // before the fake, whose loop callbacks it shares
}

TEST_F(DaemonTest, Ipv6Decision) {
    configs::HostInterface lo{"lo", {*lists::parse_address("::1"), 128}, true};
    configs::HostInterface eth{"eth0", {*lists::parse_address("2001:db8::5"), 64}, false};
    using configs::Ipv6Setting;
    EXPECT_FALSE(decide_ipv6(std::nullopt, Ipv6Setting::kAuto, {lo}, true).on);
    auto on = decide_ipv6(std::nullopt, Ipv6Setting::kAuto, {lo, eth}, true);
    EXPECT_TRUE(on.on);
    EXPECT_NE(on.reason.find("2001:db8::5 on eth0"), std::string::npos) << on.reason;
    EXPECT_FALSE(decide_ipv6(std::nullopt, Ipv6Setting::kAuto, {eth}, false).on);
    EXPECT_TRUE(decide_ipv6(std::nullopt, Ipv6Setting::kYes, {}, true).on);
    EXPECT_FALSE(decide_ipv6(std::nullopt, Ipv6Setting::kNo, {eth}, true).on);
    EXPECT_FALSE(decide_ipv6(false, Ipv6Setting::kYes, {eth}, true).on);
    auto forced = decide_ipv6(true, Ipv6Setting::kNo, {}, true);
    EXPECT_TRUE(forced.on);
    EXPECT_NE(forced.reason.find("--IPv6 YES"), std::string::npos);
}

TEST_F(DaemonTest, Ipv6OffDropsIpv6ResolverServers) {
    write_config(
        "[network]\nipv6 = \"no\"\n[resolver]\nservers = [\"[2001:db8::53]:53\", "
        "\"127.0.0.1:5300\"]\n");
    auto d = start();
    ASSERT_TRUE(d.ok()) << d.error().message;
    daemon_ = std::move(*d);
    const auto& servers = daemon_->runtime()->resolver_servers;
    ASSERT_EQ(servers.size(), 1u);
    EXPECT_EQ(servers[0].to_string(), "127.0.0.1:5300");
}

}  // namespace
}  // namespace mg::control
