#include "resolver/event_loop.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include <sys/eventfd.h>
#include <unistd.h>

namespace mg::resolver {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

TEST(EventLoopTest, TimersFireInDeadlineOrderAndNeverEarly) {
    EventLoop loop;
    std::vector<int> fired;
    auto start = Clock::now();
    Clock::time_point t30;
    loop.add_timer_after(30ms, [&] {
        fired.push_back(30);
        t30 = Clock::now();
    });
    loop.add_timer_after(10ms, [&] { fired.push_back(10); });
    auto cancelled = loop.add_timer_after(20ms, [&] { fired.push_back(20); });
    loop.cancel_timer(cancelled);
    loop.cancel_timer(cancelled);  // twice: no-op
    ASSERT_TRUE(loop.run_until([&] { return fired.size() == 2; }, Clock::now() + 1s));
    EXPECT_EQ(fired, (std::vector<int>{10, 30}));
    EXPECT_GE(t30 - start, 30ms);
    EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(EventLoopTest, FdCallbacksAndRemovalInsideABatch) {
    EventLoop loop;
    int a = eventfd(1, EFD_NONBLOCK);
    int b = eventfd(1, EFD_NONBLOCK);
    int calls = 0;
    // Whichever runs first removes the other; the other's pending event is dropped.
    ASSERT_TRUE(loop.add_fd(a, EPOLLIN,
                            [&](uint32_t) {
                                ++calls;
                                loop.remove_fd(b);
                                loop.remove_fd(a);
                            })
                    .ok());
    ASSERT_TRUE(loop.add_fd(b, EPOLLIN,
                            [&](uint32_t) {
                                ++calls;
                                loop.remove_fd(a);
                                loop.remove_fd(b);
                            })
                    .ok());
    EXPECT_FALSE(loop.add_fd(a, EPOLLIN, [](uint32_t) {}).ok());  // already registered
    loop.run_once(100ms);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(loop.fd_count(), 0u);
    close(a);
    close(b);
}

TEST(EventLoopTest, RunUntilGivesUpAtTheDeadline) {
    EventLoop loop;
    auto start = Clock::now();
    EXPECT_FALSE(loop.run_until([] { return false; }, start + 30ms));
    EXPECT_GE(Clock::now() - start, 30ms);
    EXPECT_LT(Clock::now() - start, 500ms);
}

}  // namespace
}  // namespace mg::resolver
