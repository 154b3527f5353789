// Idle legs reported to control as events, in-process over net_ring ports (the
// fixture: dataplane_fixture.h), directly and through the channel server.
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dataplane/channel_server.h"
#include "dataplane/dataplane.h"
#include "tests/dataplane/dataplane_fixture.h"

namespace mg::dataplane {
namespace {

using test::DataplaneTest;
using test::g_lan;
using test::g_wan;
using test::leg_spec;
using test::UdpFrame;

TEST_F(DataplaneTest, IdleLegsAreReportedOnce) {
    add_v4_relay();
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // silence_timeout_s = 1
    auto events = dp_->idle_events(now_ms_);
    size_t reported = 0;
    for (const auto& m : events) {
        auto v = api::parse_message(m);
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->type(), api::MsgType::kIdleEvents);
        reported += v->header.count;
    }
    EXPECT_EQ(reported, 2u);
    EXPECT_TRUE(dp_->idle_events(now_ms_).empty());  // once
    // A new control: the silent legs again, but not a relay added just now.
    add_legs({leg_spec("192.0.2.1", 30004, "192.0.2.10", 4004, "198.51.100.1", 30006),
              leg_spec("198.51.100.1", 30006, "203.0.113.5", 5006, "192.0.2.1", 30004)});
    dp_->forget_reported();
    events = dp_->idle_events(now_ms_);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(api::parse_message(events[0])->header.count, 2u);
}

// Through the channel server: a connected client gets each silence once, as an
// unsolicited message, sent without the server waiting on the client.
TEST_F(DataplaneTest, IdleEventsReachAClientOnceThroughTheServer) {
    add_v4_relay();
    const std::string path = "/tmp/mg-dp-idle-" + std::to_string(::getpid()) + ".sock";
    auto server = ChannelServer::open(*dp_, path, -1);
    ASSERT_TRUE(server.ok()) << server.error().message;
    auto client = api::connect_channel(path, true);
    ASSERT_TRUE(client.ok()) << client.error().message;
    size_t events = 0;
    size_t messages = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3500);
    while (std::chrono::steady_clock::now() < until) {
        (*server)->run_once(10);
        std::vector<uint8_t> buf;
        while (true) {
            auto got = api::recv_message(*client, buf);  // non-blocking: kIo when empty
            if (!got.ok() || !*got) {
                break;
            }
            auto v = api::parse_message(buf);
            ASSERT_TRUE(v.ok());
            EXPECT_EQ(v->type(), api::MsgType::kIdleEvents);
            EXPECT_EQ(v->header.seq, 0u);
            events += v->header.count;
            ++messages;
        }
    }
    EXPECT_EQ(events, 2u);  // both legs, once each, in three and a half scans
    EXPECT_EQ(messages, 1u);
    ::close(*client);
}

size_t idle_count(const std::vector<std::vector<uint8_t>>& events) {
    size_t n = 0;
    for (const auto& m : events) {
        n += api::parse_message(m)->header.count;
    }
    return n;
}

// On a dataplane up longer than the threshold, a leg added now that never
// receives is silent from when it was added, not from the start, however often
// the legs are scanned.
TEST_F(DataplaneTest, ANewLegIsSilentFromItsAddingNotFromTheStart) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // silence_timeout_s = 1
    add_v4_relay();
    EXPECT_EQ(idle_count(dp_->idle_events(now_ms_)), 0u);
    EXPECT_EQ(idle_count(dp_->idle_events(now_ms_)), 0u);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(idle_count(dp_->idle_events(now_ms_)), 0u);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    EXPECT_EQ(idle_count(dp_->idle_events(now_ms_)), 2u);
}

// A packet after the report starts a new silence, reported again, even when no
// scan saw the leg active in between; a leg that stays silent is not reported
// twice, and one a scan sees active is not reported.
TEST_F(DataplaneTest, AnIdleLegThatGotTrafficIsReportedAgain) {
    add_v4_relay();
    learn_v4_neighbours();
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // silence_timeout_s = 1
    EXPECT_EQ(idle_count(dp_->idle_events(now_ms_)), 2u);
    inject(g_lan, test::build_udp(lan_in()));  // on 192.0.2.1:30000
    poll();
    ASSERT_EQ(sent(g_wan).size(), 1u);
    EXPECT_EQ(idle_count(dp_->idle_events(now_ms_)), 0u);  // active now
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto events = dp_->idle_events(now_ms_);
    ASSERT_EQ(idle_count(events), 1u);  // 30000 again; 30002 never received: once
    EXPECT_EQ(api::parse_message(events[0])->entry<api::IdleEvent>(0).key.port, 30000u);

    inject(g_lan, test::build_udp(lan_in()));  // and no scan until it is silent again
    poll();
    ASSERT_EQ(sent(g_wan).size(), 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    events = dp_->idle_events(now_ms_);
    ASSERT_EQ(idle_count(events), 1u);
    EXPECT_EQ(api::parse_message(events[0])->entry<api::IdleEvent>(0).key.port, 30000u);
    EXPECT_EQ(idle_count(dp_->idle_events(now_ms_)), 0u);
}

}  // namespace
}  // namespace mg::dataplane
