// The dataplane's end of the control channel (see channel_server.h). Cold path.
#include "dataplane/channel_server.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mg::dataplane {

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

Result<std::unique_ptr<ChannelServer>> ChannelServer::open(Dataplane& dp,
                                                           const std::string& path,
                                                           int signal_fd) {
    // Held from before listen_channel's stale check until the server goes: two
    // dataplanes started at once cannot both take the socket file's name.
    auto lock = PathLock::acquire(path);
    if (!lock) {
        if (lock.error().code == ErrorCode::kLimit) {
            return make_error(
                ErrorCode::kInvalidInput,
                path + ": another dataplane is listening there (" + lock.error().message + ")");
        }
        return lock.error();
    }
    auto fd = api::listen_channel(path);
    if (!fd) {
        return fd.error();
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        ::close(*fd);
        return make_error(ErrorCode::kIo, std::string("epoll: ") + std::strerror(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = *fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, *fd, &ev);
    if (signal_fd >= 0) {
        ev.data.fd = signal_fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, signal_fd, &ev);
    }
    auto server = std::unique_ptr<ChannelServer>(new ChannelServer(dp, path, *fd, ep, signal_fd));
    server->lock_ = std::move(*lock);
    return server;
}

ChannelServer::ChannelServer(
    Dataplane& dp, std::string path, int listen_fd, int epoll_fd, int signal_fd)
    : dp_(dp),
      path_(std::move(path)),
      listen_fd_(listen_fd),
      epoll_fd_(epoll_fd),
      signal_fd_(signal_fd),
      max_idle_backlog_(2 * (dp.relays().max_legs() /
                                 api::MessageBuilder::max_entries(api::MsgType::kIdleEvents) +
                             1)) {}

ChannelServer::~ChannelServer() {
    for (int fd : clients_) {
        ::close(fd);
    }
    ::close(listen_fd_);
    ::close(epoll_fd_);
    ::unlink(path_.c_str());
}

void ChannelServer::accept_client() {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (clients_.size() == kMaxClients) {
        auto e = api::make_error(0, api::ErrorKind::kLimit, UINT32_MAX,
                                 "dataplane: already " + std::to_string(kMaxClients) +
                                     " clients connected");
        (void)api::send_message(fd, e);
        ::close(fd);
        log_line(kLogWarning, "channel: a client was refused (too many clients)");
        return;
    }
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    clients_.push_back(fd);
    dp_.forget_reported();
    log_line(kLogInfo, "channel: client connected (" + std::to_string(clients_.size()) + " now)");
}

void ChannelServer::drop(int fd, const std::string& why) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    clients_.erase(std::remove(clients_.begin(), clients_.end(), fd), clients_.end());
    log_line(kLogInfo, "channel: client disconnected (" + why + ")");
    idle_backlog_.erase(fd);
    dp_.client_gone(fd);
}

// Idle events go out without waiting: a client that does not read must not hold up
// the main lcore (ARP, ND, the host's TAP traffic) as a blocking send would, for up
// to SO_SNDTIMEO per message. What a full socket does not take waits in the
// client's backlog, in order, and goes out as the client reads; a client whose
// backlog passes max_idle_backlog_ messages is not reading at all and is dropped (a
// client that connects again has every silence reported again).
void ChannelServer::queue_idle_events(const std::vector<std::vector<uint8_t>>& messages) {
    if (messages.empty()) {
        return;
    }
    for (int fd : std::vector<int>(clients_)) {
        auto& backlog = idle_backlog_[fd];
        if (backlog.size() + messages.size() > max_idle_backlog_) {
            drop(fd, "not reading its idle events (" + std::to_string(backlog.size()) +
                         " messages waiting)");
            continue;
        }
        backlog.insert(backlog.end(), messages.begin(), messages.end());
    }
}

void ChannelServer::flush_idle_events() {
    for (auto it = idle_backlog_.begin(); it != idle_backlog_.end();) {
        const int fd = it->first;
        auto& backlog = it->second;
        std::string failed;
        while (!backlog.empty()) {
            auto sent = api::try_send_message(fd, backlog.front());
            if (!sent) {
                failed = sent.error().message;
                break;
            }
            if (!*sent) {
                break;  // full: the rest on a later round
            }
            backlog.pop_front();
        }
        ++it;
        if (!failed.empty()) {
            drop(fd, failed);  // erases fd's backlog; `it` is already past it
        }
    }
}

void ChannelServer::send_to(int fd, const std::vector<std::vector<uint8_t>>& messages) {
    for (const auto& m : messages) {
        auto r = api::send_message(fd, m);
        if (!r) {
            drop(fd, r.error().message);
            return;
        }
    }
}

void ChannelServer::serve(int fd) {
    auto r = api::recv_message(fd, buf_);
    if (!r) {
        // An oversized datagram: say so and go on; anything else: drop the client.
        if (r.error().code == ErrorCode::kInvalidInput) {
            send_to(fd, {api::make_error(0, api::ErrorKind::kBadMessage, UINT32_MAX,
                                         r.error().message)});
        } else {
            drop(fd, r.error().message);
        }
        return;
    }
    if (!*r) {
        drop(fd, "closed by the client");
        return;
    }
    std::vector<std::vector<uint8_t>> out;
    bool close = false;
    dp_.handle_message(buf_, out, close, fd);
    send_to(fd, out);
    if (close && std::find(clients_.begin(), clients_.end(), fd) != clients_.end()) {
        drop(fd, "version mismatch");
    }
}

bool ChannelServer::run_once(int timeout_ms) {
    epoll_event events[16];
    const int n = epoll_wait(epoll_fd_, events, 16, timeout_ms);
    bool keep_going = true;
    for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) {
            accept_client();
        } else if (fd == signal_fd_) {
            signalfd_siginfo si{};
            if (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
                log_line(kLogInfo, std::string("received ") + strsignal(static_cast<int>(si.ssi_signo)) +
                                       ", stopping");
            }
            keep_going = false;
        } else if (std::find(clients_.begin(), clients_.end(), fd) != clients_.end()) {
            serve(fd);
        }
    }
    const uint64_t now = monotonic_ms();
    dp_.poll_main(now);
    flush_idle_events();
    if (now - last_idle_ms_ >= 1000) {
        last_idle_ms_ = now;
        if (!clients_.empty()) {
            queue_idle_events(dp_.idle_events(now));
        }
    }
    return keep_going;
}

}  // namespace mg::dataplane
