// control/dataplane_link.cc and dataplane_sync.cc against an in-process fake
// dataplane (tests/control/fake_dataplane.h) on the same EventLoop: what the link
// sends (hello, lists chunks, legs and their owner tags, deletes), restarts of
// either side, a refused version, a dataplane that never answers.
#include "control/dataplane_link.h"

#include <cstdio>
#include <filesystem>
#include <optional>

#include <gtest/gtest.h>

#include "control/dataplane_commands.h"
#include "tests/control/fake_dataplane.h"

#include <unistd.h>

namespace mg::control {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using api::MessageBuilder;
using api::MsgType;
using resolver::EventLoop;
using test::FakeDataplane;

constexpr const char* kLists = R"(
[network]
lan_ips = "192.0.2.0/24"
client_ips = """
198.51.100.0/24
2001:db8::/32
"""
nated_ips = "10.0.0.0/8"
debug_ips = "203.0.113.9"
)";

constexpr const char* kTwoRelays = R"(
[[relay]]
name = "trunk"
local_a = "192.0.2.1:20000"
peer_a = "198.51.100.7:5004"
local_b = "[2001:db8::1]:20000"
peer_b = "any"
[[relay]]
name = "fixed"
local_a = "192.0.2.1:20002"
peer_a = "198.51.100.8:5004"
local_b = "192.0.2.1:20004"
peer_b = "198.51.100.9:5004"
latch = true
)";

class LinkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mg-link-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        sock_ = dir_ + "/dp.sock";
        log_file_ = std::tmpfile();
        log_ = std::make_unique<Logger>(LogLevel::kDebug, log_file_);
        fake_ = std::make_unique<FakeDataplane>(loop_, sock_);
    }
    void TearDown() override {
        if (HasFailure())
            std::fprintf(stderr, "--- the link's log:\n%s", log_text().c_str());
        link_.reset();
        fake_.reset();
        std::fclose(log_file_);
        fs::remove_all(dir_);
    }

    static std::shared_ptr<const Runtime> runtime(const std::string& toml) {
        configs::LoadOptions o;
        o.host_interfaces = std::vector<configs::HostInterface>{};
        auto c = configs::parse_config(toml, "t.toml", o);
        EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().format());
        auto rt = std::make_shared<Runtime>();
        if (c.ok())
            rt->config = std::move(*c);
        return rt;
    }
    LinkOptions options() const {
        LinkOptions o;
        o.socket = sock_;
        o.retry_interval = 20ms;
        o.refused_retry_interval = 400ms;
        o.request_timeout = 1000ms;
        o.commit_timeout = 1000ms;
        return o;
    }
    void make_link(std::shared_ptr<const Runtime> rt) {
        link_ = std::make_unique<DataplaneLink>(loop_, *log_, options(), std::move(rt));
        link_->start();
    }
    bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit = 3000ms) {
        return loop_.run_until(pred, EventLoop::Clock::now() + limit);
    }
    bool wait_ready() {
        return wait_for([&] { return link_->state() == LinkState::kReady; });
    }
    void spin(std::chrono::milliseconds d) {
        loop_.run_until([] { return false; }, EventLoop::Clock::now() + d);
    }
    template <typename T, typename Op>
    Result<T> call(Op op) {
        std::optional<Result<T>> got;
        op([&got](Result<T> r) { got.emplace(std::move(r)); });
        wait_for([&] { return got.has_value(); });
        EXPECT_TRUE(got.has_value());
        return got ? std::move(*got) : Result<T>(make_error(ErrorCode::kInternal, "no answer"));
    }
    Result<uint64_t> add(
        const char* la, const char* pa, const char* lb, const char* pb, bool latch = false) {
        std::vector<std::string> w{"add", la, pa, lb, pb};
        if (latch)
            w.push_back("--latch");
        auto cmd = parse_relay_words(w);
        EXPECT_TRUE(cmd.ok()) << cmd.error().message;
        return call<uint64_t>([&](auto done) { link_->add_relay(cmd->spec, done); });
    }
    std::string log_text() {
        std::fflush(log_file_);
        std::rewind(log_file_);
        std::string s;
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, log_file_)) > 0)
            s.append(buf, n);
        std::fseek(log_file_, 0, SEEK_END);
        return s;
    }
    static size_t occurrences(const std::string& text, const std::string& what) {
        size_t n = 0;
        for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
            ++n;
        return n;
    }
    // The fake's legs of (kind, id), by side.
    std::vector<api::LegInfo> legs_of(OwnerKind kind, uint64_t id) {
        std::vector<api::LegInfo> out(2);
        size_t found = 0;
        for (const auto& [k, l] : fake_->legs) {
            OwnerTag t = OwnerTag::decode(l.spec.owner_tag);
            if (t.kind == kind && t.id == id) {
                out[t.side] = l;
                ++found;
            }
        }
        EXPECT_EQ(found, 2u) << "relay " << id;
        return out;
    }

    EventLoop loop_;
    std::string dir_, sock_;
    FILE* log_file_ = nullptr;
    std::unique_ptr<Logger> log_;
    std::unique_ptr<FakeDataplane> fake_;
    std::unique_ptr<DataplaneLink> link_;
};

api::RangeEntry range(api::ListId list, const char* first, const char* last) {
    api::RangeEntry e;
    e.list = static_cast<uint8_t>(list);
    e.first = to_wire(*lists::parse_address(first));
    e.last = to_wire(*lists::parse_address(last));
    return e;
}

bool same(const api::RangeEntry& a, const api::RangeEntry& b) {
    return a.list == b.list && std::memcmp(a.first.bytes, b.first.bytes, 16) == 0 &&
           std::memcmp(a.last.bytes, b.last.bytes, 16) == 0;
}

TEST_F(LinkTest, HelloThenListsInWireForm) {
    fake_->start(1);
    make_link(runtime(kLists));
    ASSERT_TRUE(wait_ready()) << log_text();
    ASSERT_GE(fake_->received.size(), 4u);
    EXPECT_EQ(fake_->received[0], MsgType::kHello);
    EXPECT_EQ(fake_->received[1], MsgType::kListsBegin);
    EXPECT_EQ(fake_->received[2], MsgType::kListsChunk);
    EXPECT_EQ(fake_->received[3], MsgType::kListsCommit);
    EXPECT_EQ(fake_->count(MsgType::kDump), 0u);  // an empty dataplane has nothing to dump
    ASSERT_EQ(fake_->hello_pids.size(), 1u);
    EXPECT_EQ(fake_->hello_pids[0], static_cast<uint32_t>(::getpid()));
    std::vector<api::RangeEntry> want{
        range(api::ListId::kLan, "192.0.2.0", "192.0.2.255"),
        range(api::ListId::kClient, "198.51.100.0", "198.51.100.255"),
        range(api::ListId::kClient, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
        range(api::ListId::kNated, "10.0.0.0", "10.255.255.255"),
        range(api::ListId::kDebug, "203.0.113.9", "203.0.113.9"),
    };
    ASSERT_EQ(fake_->committed.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
        EXPECT_TRUE(same(fake_->committed[i], want[i])) << i;
    // IPv4 as ::ffff:a.b.c.d.
    const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 0};
    EXPECT_EQ(std::memcmp(fake_->committed[0].first.bytes, mapped, 16), 0);
    EXPECT_NE(log_text().find("dataplane: connected to " + sock_), std::string::npos);
    EXPECT_EQ(link_->facts().state, "ready");
}

TEST_F(LinkTest, BigListsAreChunked) {
    std::string lan = "[network]\nlan_ips = \"\"\"\n";
    for (int i = 0; i < 2000; ++i)  // 2000 separate ranges: more than one chunk holds
        lan += "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1\n";
    lan += "\"\"\"\n";
    fake_->start(1);
    make_link(runtime(lan));
    ASSERT_TRUE(wait_ready()) << log_text();
    const size_t per = MessageBuilder::max_entries(MsgType::kListsChunk);
    const size_t total = 2000 + 6;  // and the six ranges of the default NATed IPs
    EXPECT_EQ(fake_->chunks, (total + per - 1) / per);
    EXPECT_GE(fake_->chunks, 2u);
    ASSERT_EQ(fake_->committed.size(), total);
    EXPECT_TRUE(same(fake_->committed[1999], range(api::ListId::kLan, "10.7.249.1", "10.7.249.1")));
}

TEST_F(LinkTest, ConfigRelaysArePushedWithOwnerTags) {
    fake_->start(1);
    make_link(runtime(kTwoRelays));
    ASSERT_TRUE(wait_ready()) << log_text();
    ASSERT_EQ(fake_->adds.size(), 2u);  // one AddLegs per relay, both legs in it
    EXPECT_EQ(fake_->adds[0].size(), 2u);
    auto trunk = legs_of(OwnerKind::kConfigRelay, 1);
    EXPECT_EQ(trunk[0].spec.local_port, 20000u);
    EXPECT_EQ(trunk[0].spec.peer_port, 5004u);
    EXPECT_EQ(trunk[0].spec.flags, 0);
    EXPECT_EQ(trunk[1].spec.flags, api::kSpecLatch);  // peer any
    EXPECT_EQ(trunk[1].spec.peer_port, 0u);
    EXPECT_TRUE(endpoint_from_wire(trunk[1].spec.peer, 0).is_any());
    EXPECT_EQ(endpoint_from_wire(trunk[1].spec.local, trunk[1].spec.local_port).format(),
              "[2001:db8::1]:20000");
    EXPECT_EQ(endpoint_from_wire(trunk[0].spec.other_local, trunk[0].spec.other_port).format(),
              "[2001:db8::1]:20000");
    auto fixed = legs_of(OwnerKind::kConfigRelay, 2);
    EXPECT_EQ(fixed[0].spec.flags, api::kSpecLatch);
    EXPECT_EQ(fixed[1].spec.flags, api::kSpecLatch);
    ASSERT_EQ(link_->relays().size(), 2u);
    EXPECT_EQ(link_->relays().at(1).name, "trunk");
    EXPECT_TRUE(link_->relays().at(2).installed);
}

TEST_F(LinkTest, CliAddDelListAndRefusals) {
    fake_->start(1);
    make_link(runtime(kTwoRelays));
    ASSERT_TRUE(wait_ready());
    auto id = add("192.0.2.1:30000", "any", "192.0.2.1:30002", "198.51.100.20:4000", true);
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(*id, 3u);
    auto legs = legs_of(OwnerKind::kCliRelay, 3);
    EXPECT_EQ(legs[0].spec.flags, api::kSpecLatch);
    EXPECT_EQ(legs[1].spec.flags, api::kSpecLatch);  // --latch
    EXPECT_EQ(relay_add_output(id, link_->relays().at(3).spec, false).out, "3\n");

    // Control refuses a local endpoint it already uses; the dataplane refuses others.
    auto taken = add("192.0.2.1:20000", "any", "192.0.2.1:30010", "any");
    ASSERT_FALSE(taken.ok());
    EXPECT_EQ(taken.error().message,
              "192.0.2.1:20000 is already a local endpoint of relay 1 (\"trunk\")");
    EXPECT_EQ(relay_add_output(taken, {}, false).exit_code, kExitNegative);
    fake_->refuse_add = "dataplane: leg 0 (192.0.2.1:30020): not an address of this dataplane";
    auto refused = add("192.0.2.1:30020", "any", "192.0.2.1:30022", "any");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message, fake_->refuse_add);
    CommandOutput out = relay_add_output(refused, {}, false);
    EXPECT_EQ(out.exit_code, kExitNegative);
    EXPECT_EQ(out.err, "mediagatectl: relay add: " + fake_->refuse_add + "\n");
    fake_->refuse_add.clear();
    EXPECT_EQ(link_->relays().size(), 3u);

    // List: counters and a learned peer.
    auto& leg = fake_->legs[FakeDataplane::key(legs[0].spec.local, 30000)];
    leg.latched = 1;
    leg.learned_peer = to_wire(*lists::parse_address("203.0.113.50"));
    leg.learned_port = 7078;
    leg.in = {10, 1720, 200};
    leg.out = {9, 1548, 250};
    auto list = call<std::vector<RelayView>>([&](auto done) { link_->list_relays(done); });
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 3u);
    const RelayView& v = (*list)[2];
    EXPECT_TRUE(v.has_legs);
    EXPECT_EQ(v.legs[0].in.packets, 10u);
    CommandOutput text = relay_list_output(list, false);
    EXPECT_NE(text.out.find("203.0.113.50:7078*"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("10/1720"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("0.2s"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("trunk"), std::string::npos) << text.out;
    CommandOutput json = relay_list_output(list, true);
    EXPECT_NE(json.out.find("\"learned_peer\":\"203.0.113.50:7078\""), std::string::npos)
        << json.out;
    EXPECT_NE(json.out.find("\"id\":3,\"name\":\"\",\"origin\":\"cli\",\"state\":\"active\""),
              std::string::npos)
        << json.out;

    // Delete: unknown id, a config relay, then ours.
    auto unknown = call<bool>([&](auto done) { link_->del_relay(99, done); });
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(relay_del_output(unknown, 99, false).exit_code, kExitNegative);
    auto from_config = call<bool>([&](auto done) { link_->del_relay(1, done); });
    ASSERT_FALSE(from_config.ok());
    EXPECT_NE(from_config.error().message.find("comes from the config"), std::string::npos);
    auto del = call<bool>([&](auto done) { link_->del_relay(3, done); });
    ASSERT_TRUE(del.ok()) << del.error().message;
    ASSERT_EQ(fake_->dels.size(), 1u);
    EXPECT_EQ(fake_->dels[0].size(), 2u);
    EXPECT_EQ(fake_->legs.size(), 4u);
    EXPECT_EQ(link_->relays().count(3), 0u);

    // A relay whose legs vanished is listed as refused, not an error.
    fake_->legs.erase(FakeDataplane::key(to_wire(*lists::parse_address("192.0.2.1")), 20002));
    auto after = call<std::vector<RelayView>>([&](auto done) { link_->list_relays(done); });
    ASSERT_TRUE(after.ok()) << after.error().message;
    ASSERT_EQ(after->size(), 2u);
    EXPECT_TRUE((*after)[0].has_legs);
    EXPECT_FALSE((*after)[1].has_legs);
    EXPECT_FALSE((*after)[1].relay.installed);
}

// A CLI relay follows the rules of a [[relay]] table: its locals are on a port's
// addresses, inside the port's UDP range (so it cannot take SIP's 5060 from the
// host behind a TAP).
TEST_F(LinkTest, CliRelayLocalsFollowThePortsRules) {
    fake_->start(1);
    make_link(runtime(R"(
[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_null0"
addresses = ["192.0.2.1/24"]
udp_ports = "20000-20999"
)"));
    ASSERT_TRUE(wait_ready());
    auto sip = add("192.0.2.1:5060", "any", "192.0.2.1:20002", "any");
    ASSERT_FALSE(sip.ok());
    EXPECT_EQ(sip.error().message,
              "192.0.2.1:5060: port 5060 is outside the UDP ports of [[dataplane.port]] \"lan\" "
              "(20000-20999)");
    EXPECT_EQ(relay_add_output(sip, {}, false).exit_code, kExitNegative);
    auto foreign = add("192.0.2.1:20000", "any", "198.51.100.1:20002", "any");
    ASSERT_FALSE(foreign.ok());
    EXPECT_EQ(foreign.error().message,
              "198.51.100.1:20002: 198.51.100.1 is not an address of any [[dataplane.port]]");
    EXPECT_EQ(fake_->count(MsgType::kAddLegs), 0u);  // refused before asking the dataplane
    auto ok = add("192.0.2.1:20000", "any", "192.0.2.1:20002", "any");
    EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST_F(LinkTest, StatsReply) {
    fake_->start(1);
    make_link(runtime(""));
    ASSERT_TRUE(wait_ready());
    auto s = call<DataplaneStats>([&](auto done) { link_->stats(done); });
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->body.rx, 100u);
    ASSERT_EQ(s->ports.size(), 1u);
    DataplaneFacts f = link_->facts();
    f.stats = s->body;
    f.ports = s->ports;
    std::string text = dataplane_status_text(f);
    EXPECT_NE(text.find("dropped 7"), std::string::npos) << text;
    // By reason, as the dataplane counts them (the fake drops 3 + 4).
    EXPECT_NE(text.find("drops      truncated_ethernet 3, unsupported_ethertype 4\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("net_af_packet0"), std::string::npos) << text;
    EXPECT_NE(text.find("02:00:00:00:00:01  up"), std::string::npos) << text;
    std::string json = dataplane_status_json(f);
    EXPECT_NE(json.find("\"connected\":true"), std::string::npos) << json;
    EXPECT_NE(json.find("\"pid\":4242"), std::string::npos) << json;
    EXPECT_NE(json.find("\"drops\":{\"truncated_ethernet\":3,\"unsupported_ethertype\":4,"
                        "\"bad_arp\":0,"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"no_headroom\":0}"), std::string::npos) << json;
}

TEST_F(LinkTest, RestartedDataplaneGetsEverythingAgain) {
    fake_->start(1);
    make_link(runtime(std::string(kLists) + kTwoRelays));
    ASSERT_TRUE(wait_ready());
    ASSERT_TRUE(add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any").ok());
    EXPECT_EQ(fake_->legs.size(), 6u);
    size_t hellos = fake_->hello_pids.size();

    fake_->stop();
    fake_->start(2);  // a new instance: no legs, no lists
    ASSERT_TRUE(wait_for([&] {
        return fake_->hello_pids.size() > hellos && link_->state() == LinkState::kReady;
    })) << log_text();
    EXPECT_EQ(fake_->legs.size(), 6u);
    EXPECT_EQ(fake_->lists_generation, 1u);
    EXPECT_EQ(fake_->committed.size(), 5u);
    EXPECT_EQ(fake_->count(MsgType::kDump), 0u);
    legs_of(OwnerKind::kCliRelay, 3);  // same ids as before
    legs_of(OwnerKind::kConfigRelay, 1);
    EXPECT_NE(log_text().find("a new dataplane instance; pushing everything again"),
              std::string::npos);
}

TEST_F(LinkTest, DeadDataplaneRetriesQuietlyAndResumes) {
    make_link(runtime(kTwoRelays));  // nobody listens yet
    spin(200ms);
    EXPECT_EQ(link_->state(), LinkState::kDisconnected);
    std::string log = log_text();
    EXPECT_EQ(occurrences(log, "no dataplane is listening"), 1u) << log;
    auto refused = add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kIo);
    EXPECT_EQ(refused.error().message.rfind("dataplane not connected (", 0), 0u)
        << refused.error().message;
    EXPECT_EQ(relay_add_output(refused, {}, false).exit_code, kExitNoAnswer);
    auto f = link_->facts();
    EXPECT_EQ(f.state, "disconnected");
    EXPECT_NE(f.error.find("no dataplane is listening"), std::string::npos);
    EXPECT_NE(dataplane_status_text(f).find("not connected ("), std::string::npos);

    fake_->start(1);
    ASSERT_TRUE(wait_ready()) << log_text();
    EXPECT_EQ(fake_->legs.size(), 4u);
    size_t adds = fake_->adds.size();

    // The connection breaks, the dataplane lives on (same instance): lists again,
    // no dump, no relay pushed twice.
    fake_->close_conn();
    ASSERT_TRUE(wait_for([&] {
        return fake_->accepted == 2 && link_->state() == LinkState::kReady;
    })) << log_text();
    EXPECT_EQ(fake_->adds.size(), adds);
    EXPECT_EQ(fake_->count(MsgType::kDump), 0u);
    EXPECT_EQ(fake_->lists_generation, 2u);
    EXPECT_EQ(occurrences(log_text(), "connection lost: the dataplane closed the connection"), 1u);
}

TEST_F(LinkTest, RefusedVersionIsLoggedOnceAndRetriedLater) {
    fake_->refuse_version = true;
    fake_->start(1);
    make_link(runtime(""));
    spin(600ms);
    EXPECT_EQ(link_->state(), LinkState::kDisconnected);
    EXPECT_GE(fake_->hello_pids.size(), 1u);
    EXPECT_LE(fake_->hello_pids.size(), 3u);  // every 400 ms, not every 20 ms
    std::string log = log_text();
    EXPECT_EQ(occurrences(log, "speaks another channel version"), 1u) << log;
    EXPECT_NE(log.find("error   dataplane: the dataplane speaks another channel version"),
              std::string::npos)
        << log;
    fake_->refuse_version = false;
    ASSERT_TRUE(wait_ready()) << log_text();
}

TEST_F(LinkTest, SilentDataplaneTimesOutAndIsDropped) {
    fake_->start(1);
    make_link(runtime(kTwoRelays));
    ASSERT_TRUE(wait_ready());
    fake_->silent = true;
    auto t0 = EventLoop::Clock::now();
    auto s = call<DataplaneStats>([&](auto done) { link_->stats(done); });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kIo);
    EXPECT_EQ(s.error().message, "dataplane did not answer 'stats' within 1000 ms");
    EXPECT_GE(EventLoop::Clock::now() - t0, 1000ms);
    EXPECT_NE(link_->state(), LinkState::kReady);
    fake_->silent = false;
    ASSERT_TRUE(wait_ready()) << log_text();
    // After a cut-short request the next sync reads the dump; nothing is doubled.
    EXPECT_EQ(fake_->count(MsgType::kDump), 1u);
    EXPECT_EQ(link_->relays().size(), 2u);
    EXPECT_EQ(fake_->legs.size(), 4u);
}

TEST_F(LinkTest, AddAppliedButNotAnsweredIsFoundInTheDump) {
    fake_->start(1);
    make_link(runtime(""));
    ASSERT_TRUE(wait_ready());
    fake_->silent_after_apply = 1;
    auto id = add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any");
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.error().code, ErrorCode::kIo);
    ASSERT_TRUE(wait_ready()) << log_text();
    EXPECT_EQ(fake_->count(MsgType::kDump), 1u);
    ASSERT_EQ(link_->relays().size(), 1u);  // the dataplane has it: control keeps it
    EXPECT_EQ(link_->relays().begin()->first, 1u);
    auto next = add("192.0.2.1:30004", "any", "192.0.2.1:30006", "any");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, 2u);
}

// A delete the dataplane applied without answering: the relay stays deleted; the
// sync after the reconnect must not push it back.
TEST_F(LinkTest, DelAppliedButNotAnsweredStaysDeleted) {
    fake_->start(1);
    make_link(runtime(""));
    ASSERT_TRUE(wait_ready());
    ASSERT_TRUE(add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any").ok());  // id 1
    fake_->silent_after_apply = 1;
    auto del = call<bool>([&](auto done) { link_->del_relay(1, done); });
    ASSERT_FALSE(del.ok());
    EXPECT_EQ(del.error().code, ErrorCode::kIo);
    EXPECT_NE(del.error().message.find("relay 1 is deleted when the dataplane is back"),
              std::string::npos)
        << del.error().message;
    EXPECT_EQ(link_->relays().count(1), 0u);
    ASSERT_TRUE(wait_ready()) << log_text();
    EXPECT_EQ(fake_->count(MsgType::kDump), 0u);  // it holds no legs: nothing to read
    EXPECT_EQ(fake_->legs.size(), 0u);
    EXPECT_EQ(link_->relays().size(), 0u);
    EXPECT_EQ(fake_->count(MsgType::kAddLegs), 1u);  // the add only, nothing pushed again
}

// A delete the dataplane never got (the connection broke first): the dump still has
// the relay, and the sync deletes it instead of adopting it back.
TEST_F(LinkTest, DelCutShortIsCompletedAtTheNextSync) {
    fake_->start(1);
    make_link(runtime(""));
    ASSERT_TRUE(wait_ready());
    ASSERT_TRUE(add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any").ok());  // id 1
    fake_->close_on = MsgType::kDelLegs;
    auto del = call<bool>([&](auto done) { link_->del_relay(1, done); });
    ASSERT_FALSE(del.ok());
    EXPECT_EQ(del.error().code, ErrorCode::kIo);
    EXPECT_EQ(fake_->legs.size(), 2u);  // not applied
    ASSERT_TRUE(wait_ready()) << log_text();
    EXPECT_EQ(fake_->count(MsgType::kDump), 1u);
    EXPECT_EQ(fake_->legs.size(), 0u);
    EXPECT_EQ(link_->relays().size(), 0u);
    ASSERT_EQ(fake_->dels.size(), 1u);
    EXPECT_EQ(fake_->dels[0].size(), 2u);
    EXPECT_NE(log_text().find("relay 1 is still in the dataplane after a delete"),
              std::string::npos);
    // Ids are not reused.
    auto next = add("192.0.2.1:30004", "any", "192.0.2.1:30006", "any");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, 2u);
}

// A refused dump leaves the unconfirmed delete pending: the next sync that reads a
// dump still deletes the relay.
TEST_F(LinkTest, DelCutShortSurvivesARefusedDump) {
    fake_->start(1);
    make_link(runtime(""));
    ASSERT_TRUE(wait_ready());
    ASSERT_TRUE(add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any").ok());  // id 1
    fake_->close_on = MsgType::kDelLegs;
    fake_->refuse_dump = true;
    ASSERT_FALSE(call<bool>([&](auto done) { link_->del_relay(1, done); }).ok());
    ASSERT_TRUE(wait_ready()) << log_text();
    EXPECT_EQ(fake_->count(MsgType::kDump), 1u);
    EXPECT_EQ(fake_->legs.size(), 2u);  // not deleted yet, not adopted back either
    EXPECT_EQ(link_->relays().size(), 0u);
    fake_->refuse_dump = false;
    fake_->close_conn();  // the next connection syncs again, with a dump
    ASSERT_TRUE(wait_for([&] {
        return fake_->accepted == 3 && link_->state() == LinkState::kReady;
    })) << log_text();
    EXPECT_EQ(fake_->count(MsgType::kDump), 2u);
    EXPECT_EQ(fake_->legs.size(), 0u);
    EXPECT_EQ(link_->relays().size(), 0u);
}

// DelLegs is all or nothing: with one leg of a relay gone already, the other is
// deleted alone rather than left holding its port.
TEST_F(LinkTest, DelWithOneLegGoneDeletesTheOther) {
    fake_->start(1);
    make_link(runtime(""));
    ASSERT_TRUE(wait_ready());
    ASSERT_TRUE(add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any").ok());  // id 1
    fake_->legs.erase(FakeDataplane::key(to_wire(*lists::parse_address("192.0.2.1")), 30000));
    auto del = call<bool>([&](auto done) { link_->del_relay(1, done); });
    ASSERT_TRUE(del.ok()) << del.error().message;
    EXPECT_EQ(fake_->legs.size(), 0u);
    EXPECT_EQ(link_->relays().size(), 0u);
    // The port is free again.
    ASSERT_TRUE(add("192.0.2.1:30002", "any", "192.0.2.1:30004", "any").ok());
}

TEST_F(LinkTest, RestartedControlRebuildsFromTheDump) {
    fake_->start(1);
    fake_->dump_per_message = 1;  // a dump of many messages
    make_link(runtime(kTwoRelays));
    ASSERT_TRUE(wait_ready());
    ASSERT_TRUE(add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any").ok());  // id 3
    // Legs control does not know: a lone relay leg (stray) and another owner's.
    api::LegInfo stray;
    stray.spec.local = to_wire(*lists::parse_address("192.0.2.1"));
    stray.spec.local_port = 30100;
    stray.spec.owner_tag = OwnerTag{OwnerKind::kCliRelay, 50, 0}.encode();
    fake_->legs[FakeDataplane::key(stray.spec.local, 30100)] = stray;
    api::LegInfo call_leg = stray;
    call_leg.spec.local_port = 30200;
    call_leg.spec.owner_tag = uint64_t{9} << 56 | 1234;
    fake_->legs[FakeDataplane::key(call_leg.spec.local, 30200)] = call_leg;
    link_.reset();  // control stops

    // A new control whose config dropped "fixed", kept "trunk" (renamed) and adds "new".
    std::string cfg = kTwoRelays;
    cfg = cfg.substr(0, cfg.find("[[relay]]\nname = \"fixed\""));
    cfg.replace(cfg.find("\"trunk\""), 7, "\"trunk2\"");
    cfg +=
        "[[relay]]\nname = \"new\"\nlocal_a = \"192.0.2.1:20006\"\npeer_a = \"any\"\n"
        "local_b = \"192.0.2.1:20008\"\npeer_b = \"any\"\n";
    size_t adds = fake_->adds.size();
    make_link(runtime(cfg));
    ASSERT_TRUE(wait_ready()) << log_text();
    EXPECT_EQ(fake_->count(MsgType::kDump), 1u);
    const auto& relays = link_->relays();
    ASSERT_EQ(relays.size(), 3u);
    EXPECT_EQ(relays.at(1).name, "trunk2");  // kept, not re-added
    EXPECT_EQ(relays.at(1).kind, OwnerKind::kConfigRelay);
    EXPECT_EQ(relays.at(3).kind, OwnerKind::kCliRelay);  // the CLI relay, adopted
    EXPECT_TRUE(relays.at(3).installed);
    EXPECT_EQ(relays.count(2), 0u);   // "fixed" is gone
    ASSERT_EQ(relays.count(51), 1u);  // "new": past the highest id seen (50)
    EXPECT_EQ(relays.at(51).name, "new");
    EXPECT_EQ(fake_->adds.size(), adds + 1);
    EXPECT_EQ(fake_->count(MsgType::kDelLegs), 1u);    // "fixed" and the stray, in one
    EXPECT_EQ(fake_->legs.size(), 2u + 2u + 2u + 1u);  // trunk, cli, new, the call leg
    EXPECT_EQ(fake_->legs.count(FakeDataplane::key(call_leg.spec.local, 30200)), 1u);
    auto next = add("192.0.2.1:30010", "any", "192.0.2.1:30012", "any");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, 52u);
}

TEST_F(LinkTest, ReloadReconcilesConfigRelaysOnly) {
    fake_->start(1);
    make_link(runtime(kTwoRelays));
    ASSERT_TRUE(wait_ready());
    ASSERT_TRUE(add("192.0.2.1:30000", "any", "192.0.2.1:30002", "any").ok());  // id 3
    auto& trunk_leg =
        fake_->legs[FakeDataplane::key(to_wire(*lists::parse_address("192.0.2.1")), 20000)];
    trunk_leg.in.packets = 77;  // counters that must survive the reload
    size_t generation = fake_->lists_generation;

    // "fixed" changes its peer (a different relay: deleted, added anew); "trunk" stays.
    std::string cfg = std::string(kLists) + kTwoRelays;
    cfg.replace(cfg.find("198.51.100.9:5004"), 17, "198.51.100.10:5004");
    link_->set_runtime(runtime(cfg));
    ASSERT_TRUE(wait_for([&] {
        return fake_->lists_generation > generation && fake_->adds.size() == 4;
    })) << log_text();
    spin(50ms);
    EXPECT_EQ(fake_->committed.size(), 5u);
    const auto& relays = link_->relays();
    ASSERT_EQ(relays.size(), 3u);
    EXPECT_EQ(relays.count(2), 0u);
    EXPECT_EQ(relays.at(4).name, "fixed");
    EXPECT_TRUE(relays.at(4).installed);
    EXPECT_EQ(relays.at(3).kind, OwnerKind::kCliRelay);
    EXPECT_EQ(fake_->legs[FakeDataplane::key(to_wire(*lists::parse_address("192.0.2.1")), 20000)]
                  .in.packets,
              77u);
    ASSERT_EQ(fake_->dels.size(), 1u);
    EXPECT_EQ(fake_->dels[0].size(), 2u);

    // A config without relays: config relays go, the CLI relay stays.
    link_->set_runtime(runtime(""));
    ASSERT_TRUE(wait_for([&] { return link_->relays().size() == 1; })) << log_text();
    spin(50ms);
    EXPECT_EQ(link_->relays().begin()->first, 3u);
    EXPECT_EQ(fake_->legs.size(), 2u);
}

TEST_F(LinkTest, UnsolicitedAndBadMessages) {
    fake_->start(1);
    make_link(runtime(kTwoRelays));
    ASSERT_TRUE(wait_ready());
    MessageBuilder idle(MsgType::kIdleEvents, 0);
    api::IdleEvent ev;
    ev.key = leg_key(*configs::parse_endpoint("192.0.2.1:20000", false));
    ev.owner_tag = OwnerTag{OwnerKind::kConfigRelay, 1, 0}.encode();
    ev.idle_ms = 61000;
    idle.add(ev);
    fake_->send(idle.bytes());
    spin(50ms);
    EXPECT_NE(log_text().find("dataplane: 192.0.2.1:20000 (relay 1 leg A) idle for 61000 ms"),
              std::string::npos)
        << log_text();
    EXPECT_EQ(link_->state(), LinkState::kReady);

    // A reply to nothing is ignored; garbage drops the connection (and it comes back).
    fake_->send(api::make_ok(12345, 0));
    spin(50ms);
    EXPECT_EQ(link_->state(), LinkState::kReady);
    fake_->send(std::vector<uint8_t>{1, 2, 3});
    ASSERT_TRUE(
        wait_for([&] { return fake_->accepted == 2 && link_->state() == LinkState::kReady; }));
    EXPECT_NE(log_text().find("bad message from the dataplane: message of 3 bytes"),
              std::string::npos)
        << log_text();
    EXPECT_EQ(fake_->legs.size(), 4u);
}

// The dataplane's refusal of a connection (too many clients) is sent unsolicited,
// then the connection is closed: its reason is what the log shows.
TEST_F(LinkTest, UnsolicitedRefusalIsLoggedWithItsReason) {
    fake_->start(1);
    make_link(runtime(""));
    ASSERT_TRUE(wait_ready());
    fake_->send(api::make_error(0, api::ErrorKind::kLimit, UINT32_MAX,
                                "dataplane: already 8 clients connected"));
    ASSERT_TRUE(wait_for([&] { return link_->state() != LinkState::kReady; }));
    EXPECT_NE(log_text().find("the dataplane refused the connection: dataplane: already 8 "
                              "clients connected"),
              std::string::npos)
        << log_text();
    ASSERT_TRUE(
        wait_for([&] { return fake_->accepted == 2 && link_->state() == LinkState::kReady; }));

    // Another unsolicited error (the dataplane could not read a datagram) is logged;
    // the connection stays.
    fake_->send(api::make_error(0, api::ErrorKind::kBadMessage, UINT32_MAX, "dataplane: junk"));
    spin(50ms);
    EXPECT_EQ(link_->state(), LinkState::kReady);
    EXPECT_EQ(fake_->accepted, 2u);
    EXPECT_NE(log_text().find("an unsolicited 'error' message, ignored"), std::string::npos)
        << log_text();
}

}  // namespace
}  // namespace mg::control
