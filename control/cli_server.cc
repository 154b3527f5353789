#include "control/cli_server.h"

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace mg::control {

struct CliServer::Connection {
    int fd = -1;
    FrameReader reader{kMaxRequestBytes};
    std::string out;          // the encoded reply
    size_t sent = 0;          // bytes of `out` written so far
    bool dispatched = false;  // the request went to the handler
    bool replied = false;
    resolver::EventLoop::TimerId timer = 0;
};

struct CliServer::Shared {
    resolver::EventLoop& loop;
    Handler handler;
    Log log;
    std::unordered_map<int, std::shared_ptr<Connection>> conns;

    Shared(resolver::EventLoop& l, Handler h, Log lg)
        : loop(l), handler(std::move(h)), log(std::move(lg)) {}
    ~Shared() {
        for (auto& [fd, c] : conns) {
            loop.remove_fd(fd);
            loop.cancel_timer(c->timer);
            ::close(fd);
        }
    }

    void close_conn(int fd) {
        auto it = conns.find(fd);
        if (it == conns.end())
            return;
        loop.remove_fd(fd);
        loop.cancel_timer(it->second->timer);
        ::close(fd);
        conns.erase(it);
    }

    // Writes what it can; closes the connection once the reply is out (or the
    // client is gone).
    void flush(const std::shared_ptr<Connection>& c) {
        while (c->sent < c->out.size()) {
            ssize_t n =
                ::send(c->fd, c->out.data() + c->sent, c->out.size() - c->sent, MSG_NOSIGNAL);
            if (n > 0) {
                c->sent += static_cast<size_t>(n);
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                (void)loop.modify_fd(c->fd, EPOLLOUT);
                return;
            } else {
                break;  // the client went away; nothing more to do for it
            }
        }
        close_conn(c->fd);
    }

    void reply(const std::shared_ptr<Connection>& c, const CommandOutput& out) {
        if (c->replied)
            return;
        c->replied = true;
        loop.cancel_timer(c->timer);
        c->out = encode_reply(out);
        c->sent = 0;
        // A client that does not read its reply must not keep its slot and the
        // reply's memory: it has kReplyTimeout to take it all.
        std::weak_ptr<Connection> weak = c;
        c->timer = loop.add_timer_after(CliServer::kReplyTimeout, [this, weak] {
            auto conn = weak.lock();
            if (!conn)
                return;
            conn->timer = 0;
            if (log)
                log("control socket: a client did not read its reply (" +
                    std::to_string(conn->out.size() - conn->sent) + " of " +
                    std::to_string(conn->out.size()) + " bytes left) within " +
                    std::to_string(CliServer::kReplyTimeout.count()) + " s; disconnected");
            close_conn(conn->fd);
        });
        flush(c);
    }

    void on_event(int fd, uint32_t events) {
        auto it = conns.find(fd);
        if (it == conns.end())
            return;
        std::shared_ptr<Connection> c = it->second;
        if (c->replied) {
            if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                flush(c);
            return;
        }
        if (c->dispatched) {
            // Waiting for the handler: only a hang-up or error can be reported here.
            close_conn(fd);
            return;
        }
        char buf[16384];
        for (;;) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n > 0) {
                if (auto r = c->reader.append({buf, static_cast<size_t>(n)}); !r.ok()) {
                    reply(c, CommandOutput::fail(kExitUsage, "mediagatectl: request refused: " +
                                                                 r.error().message));
                    return;
                }
                if (c->reader.payload())
                    break;  // a whole request: stop reading (bytes after it in this read
                            // are refused below; later ones are never read)
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            // EOF or error before a whole request: the client gave up.
            if (!c->reader.payload()) {
                close_conn(fd);
                return;
            }
            break;
        }
        auto payload = c->reader.payload();
        if (!payload)
            return;
        if (c->reader.trailing() != 0) {
            reply(c, CommandOutput::fail(kExitUsage,
                                         "mediagatectl: request refused: bytes after the request"));
            return;
        }
        auto req = decode_request(*payload);
        if (!req.ok()) {
            reply(c, CommandOutput::fail(kExitUsage,
                                         "mediagatectl: request refused: " + req.error().message));
            return;
        }
        // Stop reading: one request per connection. Keep EPOLLRDHUP off; a client
        // that leaves early is noticed when the reply cannot be written.
        (void)loop.modify_fd(fd, 0);
        c->dispatched = true;
        loop.cancel_timer(c->timer);
        c->timer = 0;
        std::weak_ptr<Connection> weak = c;
        Shared* self = this;
        // `self` outlives every live Connection (it owns them); the weak pointer
        // expires when the connection is closed or the server destroyed.
        handler(std::move(*req), [weak, self](CommandOutput out) {
            if (auto conn = weak.lock())
                self->reply(conn, out);
        });
    }
};

CliServer::CliServer(resolver::EventLoop& loop, std::string path, Handler handler, Log log)
    : loop_(loop),
      path_(std::move(path)),
      shared_(std::make_shared<Shared>(loop, std::move(handler), std::move(log))) {}

Result<std::unique_ptr<CliServer>> CliServer::open(resolver::EventLoop& loop,
                                                   const std::string& path,
                                                   Handler handler,
                                                   Log log) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path)
        return make_error(ErrorCode::kInvalidInput,
                          "control socket path '" + path + "' is empty or longer than " +
                              std::to_string(sizeof sa.sun_path - 1) + " bytes");
    std::memcpy(sa.sun_path, path.data(), path.size());

    // The runtime directory (/run/mediagate) is made by systemd; by hand it may be
    // missing: create the last level only (its parent must exist).
    if (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
        std::string dir = path.substr(0, slash);
        if (::mkdir(dir.c_str(), 0750) == 0 && log)
            log("created the runtime directory " + dir);
    }
    // Held from before the stale check until the server goes: two daemons started
    // at once cannot both take the socket file's name.
    auto lock = PathLock::acquire(path);
    if (!lock.ok()) {
        if (lock.error().code == ErrorCode::kLimit)
            return make_error(ErrorCode::kLimit,
                              "another mediagate-control is already running on " + path + " (" +
                                  lock.error().message + "); not starting a second one");
        return lock.error();
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return make_error(ErrorCode::kInvalidInput,
                              path + " exists and is not a socket; not touching it");
        // Non-blocking: a daemon that is there but hung (its backlog full) is an
        // error now, not a start that hangs too.
        int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (probe < 0)
            return make_error(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
        int rc = ::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        int err = errno;
        ::close(probe);
        if (rc == 0)
            return make_error(ErrorCode::kLimit,
                              "another mediagate-control is already running on " + path +
                                  "; not starting a second one");
        if (err == EAGAIN)
            return make_error(ErrorCode::kLimit,
                              "a mediagate-control on " + path +
                                  " is not accepting connections (hung?); not starting a second "
                                  "one");
        if (err != ECONNREFUSED)
            return make_error(ErrorCode::kIo, "cannot check the existing socket " + path + ": " +
                                                  std::strerror(err));
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            return make_error(ErrorCode::kIo, "cannot remove the stale socket " + path + ": " +
                                                  std::strerror(errno));
        if (log)
            log("removed the stale control socket " + path);
    }

    std::unique_ptr<CliServer> server(
        new CliServer(loop, path, std::move(handler), std::move(log)));
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return make_error(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
    // The socket file gets 0660 from the start: no window in which others may connect.
    mode_t old_mask = ::umask(0117);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    int err = errno;
    ::umask(old_mask);
    if (rc != 0) {
        ::close(fd);
        if (err == EADDRINUSE)
            return make_error(ErrorCode::kLimit,
                              "another mediagate-control is already running on " + path +
                                  "; not starting a second one");
        return make_error(ErrorCode::kIo, "bind " + path + ": " + std::strerror(err));
    }
    if (::chmod(path.c_str(), 0660) != 0 || ::listen(fd, 64) != 0 ||
        ::stat(path.c_str(), &st) != 0) {
        err = errno;
        ::close(fd);
        ::unlink(path.c_str());
        return make_error(ErrorCode::kIo, "control socket " + path + ": " + std::strerror(err));
    }
    server->fd_ = fd;
    server->lock_ = std::move(*lock);
    server->dev_ = st.st_dev;
    server->ino_ = st.st_ino;
    CliServer* self = server.get();
    if (auto r = loop.add_fd(fd, EPOLLIN, [self](uint32_t) { self->on_accept(); }); !r.ok()) {
        ::close(fd);
        server->fd_ = -1;
        ::unlink(path.c_str());
        return r.error();
    }
    return server;
}

void CliServer::pause_accepting(const std::string& why) {
    if (accept_timer_ != 0)
        return;
    if (shared_->log)
        shared_->log("control socket accept: " + why + "; not accepting for " +
                     std::to_string(kAcceptPause.count()) + " ms");
    (void)loop_.modify_fd(fd_, 0);
    accept_timer_ = loop_.add_timer_after(kAcceptPause, [this] {
        accept_timer_ = 0;
        (void)loop_.modify_fd(fd_, EPOLLIN);
    });
}

CliServer::~CliServer() {
    loop_.cancel_timer(accept_timer_);
    shared_.reset();  // closes the connections
    if (fd_ < 0)
        return;
    loop_.remove_fd(fd_);
    ::close(fd_);
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
        ::unlink(path_.c_str());
}

size_t CliServer::client_count() const {
    return shared_->conns.size();
}

void CliServer::on_accept() {
    for (;;) {
        int cfd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            // EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays queued and
            // the socket readable, so the level-triggered loop would call again at
            // once, forever. Stop listening for a while instead.
            pause_accepting(std::strerror(errno));
            return;
        }
        auto c = std::make_shared<Connection>();
        c->fd = cfd;
        Shared* sh = shared_.get();
        if (sh->conns.size() >= kMaxClients) {
            std::string busy = encode_reply(CommandOutput::fail(
                kExitNoAnswer, "mediagatectl: the daemon is busy (" + std::to_string(kMaxClients) +
                                   " clients); try again"));
            (void)::send(cfd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            ::close(cfd);
            continue;
        }
        if (!loop_.add_fd(cfd, EPOLLIN, [sh, cfd](uint32_t ev) { sh->on_event(cfd, ev); }).ok()) {
            ::close(cfd);
            continue;
        }
        c->timer = loop_.add_timer_after(kRequestTimeout, [sh, cfd] {
            auto it = sh->conns.find(cfd);
            if (it == sh->conns.end())
                return;
            it->second->timer = 0;
            sh->reply(it->second,
                      CommandOutput::fail(kExitUsage,
                                          "mediagatectl: request refused: not complete within " +
                                              std::to_string(kRequestTimeout.count()) + " s"));
        });
        sh->conns.emplace(cfd, std::move(c));
    }
}

}  // namespace mg::control
