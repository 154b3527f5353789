// EventLoop: one epoll instance plus a timer heap, run by a single thread.
//
// Cold path (the control process's main thread; the resolver runs on it, other
// control-plane work may share it later). Not thread-safe: every call, callbacks
// included, happens on the thread that runs the loop. No threads are started.
//
// File descriptors: add_fd() registers a callback for epoll events; the caller keeps
// owning the descriptor and must remove_fd() it before closing it. A callback may add,
// modify or remove any descriptor (its own included) and add or cancel timers; an
// event for a descriptor removed earlier in the same batch is not delivered.
//
// Timers: one-shot, steady_clock, ordered by (deadline, creation order). They fire no
// earlier than their deadline (epoll's millisecond time-out is rounded up). Cancelling
// an unknown or already fired timer is a no-op.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include "common/result.h"

#include <sys/epoll.h>

namespace mg::resolver {

class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;
    using FdCallback = std::function<void(uint32_t events)>;  // EPOLLIN, EPOLLOUT, ...
    using TimerCallback = std::function<void()>;
    using TimerId = uint64_t;  // never 0

    EventLoop();  // MG_CHECK: epoll_create1 must succeed
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Errors (kIo): epoll_ctl refused (e.g. the fd is already registered).
    Result<void> add_fd(int fd, uint32_t events, FdCallback cb);
    Result<void> modify_fd(int fd, uint32_t events);
    void remove_fd(int fd);  // unknown fds are ignored

    TimerId add_timer(Clock::time_point deadline, TimerCallback cb);
    TimerId add_timer_after(Clock::duration delay, TimerCallback cb) {
        return add_timer(Clock::now() + delay, std::move(cb));
    }
    void cancel_timer(TimerId id);

    // Runs due timers, waits at most `max_wait` (less when a timer is due sooner) for fd
    // events, dispatches them, then runs timers that became due. Returns the number of
    // callbacks run.
    size_t run_once(std::chrono::milliseconds max_wait);
    // run_once() until pred() is true or `deadline` passes. Returns pred()'s last value.
    bool run_until(const std::function<bool()>& pred, Clock::time_point deadline);

    size_t fd_count() const { return fds_.size(); }
    size_t timer_count() const { return timers_.size(); }
    // Complete sweeps: run_once() calls whose epoll_wait returned (not EINTR) and
    // reported every ready descriptor (fewer events than it asked for), and that
    // have dispatched them all. A level-triggered descriptor that is readable when such a sweep starts
    // has had its callback run by the time the count goes up.
    uint64_t sweeps() const { return sweeps_; }

  private:
    struct FdEntry {
        uint32_t generation;
        FdCallback cb;
    };
    struct HeapItem {
        Clock::time_point deadline;
        TimerId id;
        bool operator>(const HeapItem& o) const {
            return deadline != o.deadline ? deadline > o.deadline : id > o.id;
        }
    };

    size_t run_due_timers();

    int epfd_ = -1;
    uint32_t next_generation_ = 1;
    std::unordered_map<int, std::shared_ptr<FdEntry>> fds_;
    uint64_t sweeps_ = 0;
    TimerId next_timer_ = 1;
    std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<HeapItem>> heap_;
    std::unordered_map<TimerId, TimerCallback> timers_;  // live timers; heap entries are lazy
};

}  // namespace mg::resolver
