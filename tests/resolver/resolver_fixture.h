// The fixtures of the query engine's tests (resolver_test.cc,
// resolver_caching_test.cc, resolver_ipv6_test.cc): a Resolver on the test's own
// EventLoop against in-process fake DNS servers (fake_dns_server.h), its log lines
// collected, one query run to completion at a time.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "resolver/resolver.h"
#include "tests/resolver/fake_dns_server.h"

namespace mg::resolver::testing {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;
using Ms = std::chrono::milliseconds;

// Measured gaps on a shared machine: never early (timers round up), maybe late.
inline void expect_gap(Clock::duration gap, Ms expected, const std::string& what) {
    auto ms = std::chrono::duration_cast<std::chrono::microseconds>(gap).count() / 1000.0;
    EXPECT_GE(ms, static_cast<double>(expected.count()) - 5) << what;
    EXPECT_LE(ms, static_cast<double>(expected.count()) + 40) << what;
}

class ResolverTest : public ::testing::Test {
  protected:
    ResolverConfig config(std::vector<ServerAddr> servers, Ms t, int retries) {
        ResolverConfig c;
        c.servers = std::move(servers);
        c.initial_timeout = t;
        c.retries = retries;
        c.log = [this](std::string_view line) { logs_.emplace_back(line); };
        return c;
    }

    // Runs one query to completion; `done_at` gets the completion time.
    ResolveResult run(Resolver& r,
                      const std::string& name,
                      RrType type,
                      bool rbl = false,
                      Clock::time_point* done_at = nullptr) {
        bool done = false;
        ResolveResult out;
        auto cb = [&](ResolveResult res) {
            out = std::move(res);
            done = true;
            if (done_at != nullptr) {
                *done_at = Clock::now();
            }
        };
        if (rbl) {
            r.resolve_rbl(name, cb);
        } else {
            r.resolve(name, type, cb);
        }
        EXPECT_TRUE(loop_.run_until([&] { return done; }, Clock::now() + 10s));
        return out;
    }

    bool any_log(const std::string& needle) const {
        return std::any_of(logs_.begin(), logs_.end(), [&](const std::string& l) {
            return l.find(needle) != std::string::npos;
        });
    }

    EventLoop loop_;
    std::vector<std::string> logs_;
    std::vector<FakeQuery> shared_;
};

// With the cache on and its clock in the test's hands (now_).
class ResolverCacheTest : public ResolverTest {
  protected:
    ResolverConfig cached_config(const FakeDnsServer& server) {
        ResolverConfig c = config({server.addr()}, 200ms, 2);
        c.cache_clock = [this] { return now_; };
        return c;
    }
    Clock::time_point now_ = Clock::time_point{} + 1000h;
};

}  // namespace mg::resolver::testing
