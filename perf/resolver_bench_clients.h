// The clients of resolver_bench (resolver_bench.cc): our resolver (with and without
// its cache), c-ares, glibc's getaddrinfo in a thread pool, and a null client that
// measures the driver alone, each asking the bench server behind one interface that
// the driver submits queries to and polls.
//
// Benchmark-only. Every client uses the same first time-out and number of sends per
// query (kTimeoutMs, kTries); completions are delivered on the driver thread, through
// Client::done_, from submit() or poll().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "resolver/servers.h"

namespace mg::perf {

using Clock = std::chrono::steady_clock;
namespace res = mg::resolver;

inline constexpr int kTimeoutMs = 1000;  // first wait, every client
inline constexpr int kTries = 2;         // sends per query, every client
inline constexpr int kGlibcThreads = 32;

// socket-floor: no resolver, only the system calls a fresh random port per query
// takes (resolver_bench_clients.cc, FloorClient): a bound for any such client.
// Clients. Each is created, driven and destroyed on the driver thread.
class Client {
  public:
    // tag, answered (an A record from the zone), completion time.
    using Done = std::function<void(uint64_t, bool, Clock::time_point)>;
    virtual ~Client() = default;
    virtual void submit(const std::string& name, uint64_t tag) = 0;
    // Waits at most wait_ms for progress; completions arrive through done_.
    virtual void poll(int wait_ms) = 0;
    virtual size_t pending() const = 0;
    Done done_;
};

enum class Kind { kOurs, kOursCache, kCares, kGlibc, kDriver, kFloor };
inline constexpr Kind kKinds[] = {Kind::kOurs,      Kind::kCares,  Kind::kGlibc,
                                  Kind::kOursCache, Kind::kDriver, Kind::kFloor};

const char* kind_name(Kind k);
std::unique_ptr<Client> make_client(Kind k, const res::ServerAddr& server);

}  // namespace mg::perf
