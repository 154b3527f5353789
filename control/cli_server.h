// CliServer: the daemon's end of the CLI socket (a Unix stream socket).
//
// Cold path, on the control process's EventLoop; no threads. Each connection
// carries one request frame and gets one reply frame (control/cli_protocol.h), then
// the daemon closes it. Replies may come later (a DNS look-up): the Reply handed to
// the handler may be called from any later loop callback; calling it after the
// client went away (or the server was destroyed) does nothing.
//
// Socket file: created with mode 0660; a missing last directory level of the path is
// created (mode 0750), as systemd's RuntimeDirectory= would. The daemon holds an exclusive lock
// on PATH.lock (common/path_lock.h) from before the checks below until it goes, so two daemons
// started at once cannot both take the path: the second one -> error. On open, an existing file at
// the path is checked: a live socket (another daemon answers) -> error, nothing touched; a stale
// socket (connection refused) -> removed and replaced; anything that is not a socket -> error. The
// file is removed on destruction only if it is still the one this server created (a newer daemon's
// socket is left alone).
//
// Limits (untrusted clients): requests over kMaxRequestBytes, more than kMaxClients
// connections at once, or a request not complete within kRequestTimeout -> the
// client gets an error reply (when it can be written) and is disconnected; a reply
// not read whole within kReplyTimeout -> disconnected. When accept() fails for want
// of descriptors or memory, the daemon stops accepting for kAcceptPause.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/path_lock.h"
#include "common/result.h"
#include "control/cli_protocol.h"
#include "control/command_output.h"
#include "resolver/event_loop.h"

#include <sys/types.h>

namespace mg::control {

class CliServer {
  public:
    static constexpr size_t kMaxClients = 64;
    static constexpr std::chrono::seconds kRequestTimeout{10};
    // A reply not read whole within this is abandoned and the client disconnected.
    static constexpr std::chrono::seconds kReplyTimeout{30};
    // accept() failing for want of resources (EMFILE, ...): listening stops this long.
    static constexpr std::chrono::milliseconds kAcceptPause{200};

    using Reply = std::function<void(CommandOutput)>;
    using Handler = std::function<void(CliRequest, Reply)>;
    using Log = std::function<void(std::string_view)>;

    // Errors: kInvalidInput (path too long, not a socket), kLimit (another daemon
    // already listens there), kIo (socket/bind/listen/chmod refused).
    static Result<std::unique_ptr<CliServer>> open(resolver::EventLoop& loop,
                                                   const std::string& path,
                                                   Handler handler,
                                                   Log log);
    ~CliServer();
    CliServer(const CliServer&) = delete;
    CliServer& operator=(const CliServer&) = delete;

    const std::string& path() const { return path_; }
    size_t client_count() const;

  private:
    struct Shared;
    struct Connection;

    CliServer(resolver::EventLoop& loop, std::string path, Handler handler, Log log);
    void on_accept();
    void pause_accepting(const std::string& why);

    resolver::EventLoop& loop_;
    std::string path_;
    int fd_ = -1;
    PathLock lock_;  // PATH.lock, held while the server lives (common/path_lock.h)
    resolver::EventLoop::TimerId accept_timer_ = 0;  // accepting again when it fires
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    std::shared_ptr<Shared> shared_;
};

}  // namespace mg::control
