// UdpPool: the resolver's UDP sockets, reused across queries without reusing ports.
//
// Cold path: the resolver's EventLoop thread; not thread-safe.
//
// Opening a socket per query (socket, bind, epoll_ctl ADD and DEL, close) was about a
// third of the resolver's CPU per query (perf/README.md). A pooled socket instead:
//  - is never bound explicitly: its first sendto() binds it to a kernel-random
//    ephemeral port (the kernel's autobind, the same random choice as bind to port 0);
//  - when its query is done, release() disconnects it (connect with AF_UNSPEC). On
//    Linux that unhashes a UDP socket whose port was not chosen by the caller and gives
//    the port back: from then on nothing sent to that port reaches the socket, and
//    its next sendto() picks a fresh random port;
//  - what was queued before the disconnect (late answers or forgeries aimed at the
//    previous query) is drained before the socket serves again, so that a query never
//    reads a datagram sent to another query's port. An idle socket stays registered
//    (EPOLLIN, level-triggered), so a queued datagram makes it readable and the loop
//    drains it; once a complete sweep of the loop (EventLoop::sweeps()) that started
//    after the release has passed, nothing is left and acquire() skips the drain (one
//    recv() per query that found nothing). Otherwise acquire() drains it itself.
// So each query has a socket to itself and a fresh random source port, as with a new
// socket per query; only the descriptor and its epoll registration are reused.
//
// Sockets stay registered with the loop (EPOLLIN) while they are open; a readable
// socket calls `on_readable` with the owner given to acquire(). An idle socket that
// becomes readable (only a datagram that raced the disconnect can do that) is drained.
// At most `max_idle` idle sockets per address family are kept; release() closes the
// others. The destructor closes every socket, idle or not: owners must not use their
// descriptors after the pool is gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "resolver/event_loop.h"

namespace mg::resolver {

struct UdpPoolCounters {
    uint64_t opened = 0;   // sockets created
    uint64_t reused = 0;   // acquire() served from the idle sockets
    uint64_t closed = 0;   // sockets closed by release() (pool full) or after an error
    uint64_t drained = 0;  // stale datagrams dropped unread from idle or reused sockets
    uint64_t drain_skipped = 0;  // acquire() without a drain: a sweep found it empty
};

class UdpPool {
  public:
    using Readable = std::function<void(uint64_t owner, int fd)>;

    UdpPool(EventLoop& loop, Readable on_readable, size_t max_idle);
    ~UdpPool();
    UdpPool(const UdpPool&) = delete;
    UdpPool& operator=(const UdpPool&) = delete;

    // A non-blocking UDP socket of `family` (AF_INET, AF_INET6) with no port and an
    // empty receive queue, owned by `owner` (not 0) until release(). -1 when no socket
    // can be opened (errno set).
    int acquire(int family, uint64_t owner);
    // Gives a socket from acquire() back: its port is released at once.
    void release(int fd);

    size_t idle() const { return idle4_.size() + idle6_.size(); }
    const UdpPoolCounters& counters() const { return counters_; }

  private:
    struct Slot {
        bool open = false;
        int family = 0;
        uint64_t owner = 0;  // 0: idle
        uint64_t released_sweep = 0;  // loop sweeps at release; kDirty: drain at acquire
    };
    static constexpr uint64_t kDirty = ~uint64_t{0};

    void on_event(int fd);
    bool drain(int fd);  // false: the socket reports an error that does not clear
    void close_socket(int fd);

    EventLoop& loop_;
    Readable on_readable_;
    size_t max_idle_;
    std::vector<Slot> slots_;  // by descriptor
    std::deque<int> idle4_;    // oldest first: reused in release order
    std::deque<int> idle6_;
    UdpPoolCounters counters_;
};

}  // namespace mg::resolver
