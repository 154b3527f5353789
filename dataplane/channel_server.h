// ChannelServer: the dataplane's end of the control channel (a Unix
// SOCK_SEQPACKET socket, dataplane/api/channel.h), driving a Dataplane.
//
// Cold path, main lcore, one thread: run_once() waits up to a timeout for
// connections, requests and signals, answers requests through
// Dataplane::handle_message, does the main lcore's housekeeping
// (Dataplane::poll_main) and, once a second, sends idle events to every
// connected client. Up to kMaxClients clients (control, and tools); a client
// that sends garbage gets an Error reply, one with another version is closed.
// Replies are sent with a 2 s send time-out: a client that stops reading is
// dropped rather than stalling the dataplane.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/path_lock.h"
#include "common/result.h"
#include "dataplane/dataplane.h"

namespace mg::dataplane {

class ChannelServer {
  public:
    static constexpr size_t kMaxClients = 8;

    // Listens at `path` (see api::listen_channel), holding PATH.lock
    // (common/path_lock.h) until destroyed so that two dataplanes started at once
    // cannot both take the path. signal_fd: a signalfd whose readiness means
    // "stop" (or -1).
    static Result<std::unique_ptr<ChannelServer>> open(Dataplane& dp,
                                                       const std::string& path,
                                                       int signal_fd);
    ~ChannelServer();  // closes the clients, removes the socket file
    ChannelServer(const ChannelServer&) = delete;
    ChannelServer& operator=(const ChannelServer&) = delete;

    // One round; false once a stop signal arrived.
    bool run_once(int timeout_ms);
    size_t clients() const { return clients_.size(); }

  private:
    ChannelServer(Dataplane& dp, std::string path, int listen_fd, int epoll_fd, int signal_fd);
    void accept_client();
    void serve(int fd);
    void drop(int fd, const std::string& why);
    void send_to(int fd, const std::vector<std::vector<uint8_t>>& messages);
    void queue_idle_events(const std::vector<std::vector<uint8_t>>& messages);
    void flush_idle_events();

    Dataplane& dp_;
    std::string path_;
    int listen_fd_;
    int epoll_fd_;
    int signal_fd_;
    PathLock lock_;
    std::vector<int> clients_;
    std::vector<uint8_t> buf_;
    uint64_t last_idle_ms_ = 0;
    // Idle-event messages a client's socket has not taken yet, by client.
    std::map<int, std::deque<std::vector<uint8_t>>> idle_backlog_;
    // The most messages one client may have waiting: every leg reported twice
    // (silent, active, silent again), so a live client is never dropped for a
    // burst; one that reads nothing is.
    size_t max_idle_backlog_;
};

// A monotonic clock in milliseconds.
uint64_t monotonic_ms();

}  // namespace mg::dataplane
