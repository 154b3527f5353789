#include "resolver/event_loop.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/check.h"

#include <unistd.h>

namespace mg::resolver {

namespace {

uint64_t pack(int fd, uint32_t generation) {
    return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}

}  // namespace

EventLoop::EventLoop() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
    MG_CHECK(epfd_ >= 0, "epoll_create1: %s", std::strerror(errno));
}

EventLoop::~EventLoop() {
    close(epfd_);
}

Result<void> EventLoop::add_fd(int fd, uint32_t events, FdCallback cb) {
    uint32_t generation = next_generation_++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = pack(fd, generation);
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        return make_error(ErrorCode::kIo,
                          "epoll_ctl(ADD, fd " + std::to_string(fd) + "): " + std::strerror(errno));
    }
    fds_[fd] = std::make_shared<FdEntry>(FdEntry{generation, std::move(cb)});
    return {};
}

Result<void> EventLoop::modify_fd(int fd, uint32_t events) {
    auto it = fds_.find(fd);
    if (it == fds_.end()) {
        return make_error(ErrorCode::kNotFound,
                          "modify_fd: fd " + std::to_string(fd) + " is not registered");
    }
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = pack(fd, it->second->generation);
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
        return make_error(ErrorCode::kIo,
                          "epoll_ctl(MOD, fd " + std::to_string(fd) + "): " + std::strerror(errno));
    }
    return {};
}

void EventLoop::remove_fd(int fd) {
    auto it = fds_.find(fd);
    if (it == fds_.end()) {
        return;
    }
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    fds_.erase(it);
}

EventLoop::TimerId EventLoop::add_timer(Clock::time_point deadline, TimerCallback cb) {
    TimerId id = next_timer_++;
    heap_.push(HeapItem{deadline, id});
    timers_.emplace(id, std::move(cb));
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    timers_.erase(id);  // the heap entry is skipped when it surfaces
}

size_t EventLoop::run_due_timers() {
    size_t ran = 0;
    Clock::time_point now = Clock::now();
    while (!heap_.empty() && heap_.top().deadline <= now) {
        TimerId id = heap_.top().id;
        heap_.pop();
        auto it = timers_.find(id);
        if (it == timers_.end()) {
            continue;  // cancelled
        }
        TimerCallback cb = std::move(it->second);
        timers_.erase(it);
        cb();
        ++ran;
    }
    // Drop cancelled entries from the top so the next wait is computed correctly.
    while (!heap_.empty() && !timers_.contains(heap_.top().id)) {
        heap_.pop();
    }
    return ran;
}

size_t EventLoop::run_once(std::chrono::milliseconds max_wait) {
    size_t ran = run_due_timers();
    auto wait = std::max(max_wait, std::chrono::milliseconds(0));
    if (ran > 0) {
        wait = std::chrono::milliseconds(0);  // let the caller re-check its predicate
    } else if (!heap_.empty()) {
        auto until = heap_.top().deadline - Clock::now();
        // Round up: a timer must never fire early.
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(until);
        wait = std::clamp(ms, std::chrono::milliseconds(0), wait);
    }
    std::array<epoll_event, 256> events;
    int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()),
                       static_cast<int>(wait.count()));
    const bool polled = n >= 0;  // EINTR: nothing was polled, not a sweep
    if (n < 0) {
        MG_CHECK(errno == EINTR, "epoll_wait: %s", std::strerror(errno));
        n = 0;
    }
    for (int i = 0; i < n; ++i) {
        int fd = static_cast<int>(static_cast<uint32_t>(events[i].data.u64));
        uint32_t generation = static_cast<uint32_t>(events[i].data.u64 >> 32);
        auto it = fds_.find(fd);
        if (it == fds_.end() || it->second->generation != generation) {
            continue;  // removed (and maybe re-added) by an earlier callback of this batch
        }
        std::shared_ptr<FdEntry> entry = it->second;  // survives remove_fd() inside cb
        entry->cb(events[i].events);
        ++ran;
    }
    if (polled && n < static_cast<int>(events.size())) {
        ++sweeps_;
    }
    ran += run_due_timers();
    return ran;
}

bool EventLoop::run_until(const std::function<bool()>& pred, Clock::time_point deadline) {
    while (!pred()) {
        auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero()) {
            return pred();
        }
        run_once(std::chrono::ceil<std::chrono::milliseconds>(left));
    }
    return true;
}

}  // namespace mg::resolver
