#include "resolver/udp_pool.h"

#include <cerrno>
#include <cstring>

#include "common/check.h"

#include <sys/socket.h>
#include <unistd.h>

namespace mg::resolver {

namespace {

// More stale datagrams than this on one socket: close it rather than keep reading.
constexpr int kMaxDrain = 1024;

}  // namespace

UdpPool::UdpPool(EventLoop& loop, Readable on_readable, size_t max_idle)
    : loop_(loop), on_readable_(std::move(on_readable)), max_idle_(max_idle) {}

UdpPool::~UdpPool() {
    for (size_t fd = 0; fd < slots_.size(); ++fd) {
        if (slots_[fd].open) {
            loop_.remove_fd(static_cast<int>(fd));
            close(static_cast<int>(fd));
        }
    }
}

int UdpPool::acquire(int family, uint64_t owner) {
    std::deque<int>& idle = family == AF_INET ? idle4_ : idle6_;
    while (!idle.empty()) {
        int fd = idle.front();
        idle.pop_front();
        Slot& slot = slots_[static_cast<size_t>(fd)];
        // The sweep counted next after the release may have polled before it (the
        // release ran in its callbacks, the owner's answer read and more queued);
        // the one after that started later.
        const bool swept =
            slot.released_sweep != kDirty && loop_.sweeps() >= slot.released_sweep + 2;
        if (swept || drain(fd)) {
            counters_.drain_skipped += swept ? 1 : 0;
            slot.owner = owner;
            ++counters_.reused;
            return fd;
        }
        close_socket(fd);
    }
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    Result<void> added = loop_.add_fd(fd, EPOLLIN, [this, fd](uint32_t) { on_event(fd); });
    MG_CHECK(added.ok(), "%s", added.ok() ? "" : added.error().message.c_str());
    if (slots_.size() <= static_cast<size_t>(fd)) {
        slots_.resize(static_cast<size_t>(fd) + 1);
    }
    slots_[static_cast<size_t>(fd)] = Slot{true, family, owner};
    ++counters_.opened;
    return fd;
}

void UdpPool::release(int fd) {
    Slot& slot = slots_.at(static_cast<size_t>(fd));
    MG_CHECK(slot.open && slot.owner != 0, "UdpPool::release: fd %d is not in use", fd);
    slot.owner = 0;
    slot.released_sweep = loop_.sweeps();
    std::deque<int>& idle = slot.family == AF_INET ? idle4_ : idle6_;
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    if (idle.size() >= max_idle_ || connect(fd, &unspec, sizeof(unspec)) != 0) {
        close_socket(fd);
        return;
    }
    idle.push_back(fd);
}

void UdpPool::on_event(int fd) {
    const Slot& slot = slots_[static_cast<size_t>(fd)];
    if (slot.owner != 0) {
        on_readable_(slot.owner, fd);
    } else if (!drain(fd)) {  // queued before the disconnect
        slots_[static_cast<size_t>(fd)].released_sweep = kDirty;  // acquire() tries again
    }
}

bool UdpPool::drain(int fd) {
    for (int i = 0; i < kMaxDrain; ++i) {
        uint8_t byte;
        ssize_t n = recv(fd, &byte, sizeof(byte), MSG_DONTWAIT);  // drops the whole datagram
        if (n >= 0) {
            ++counters_.drained;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return true;
        }
        // Other errors (a pending socket error, EINTR) are cleared by the read: go on.
    }
    return false;
}

void UdpPool::close_socket(int fd) {
    loop_.remove_fd(fd);
    close(fd);
    slots_[static_cast<size_t>(fd)] = Slot{};
    ++counters_.closed;
}

}  // namespace mg::resolver
