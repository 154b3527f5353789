// mediagatectl's client side of the CLI socket: one request, one reply.
//
// Every failure is one line on stderr and exit 2 ("no answer"): the daemon is not
// running, access is refused, it closes the connection, or it does not answer in
// time. A reply that cannot be decoded (another release) is exit 2 as well.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "control/cli_protocol.h"
#include "control/ctl.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace mg::ctl {
namespace {

using Clock = std::chrono::steady_clock;

int fail(const std::string& why) {
    std::fprintf(stderr, "mediagatectl: %s\n", why.c_str());
    return kExitNoAnswer;
}

std::chrono::seconds default_wait(const std::vector<std::string>& words) {
    // A look-up may run the resolver's whole schedule (T, 2T, ... and CNAME hops).
    if (!words.empty() && (words[0] == "resolve" || words[0] == "rbl"))
        return std::chrono::seconds(120);
    return std::chrono::seconds(10);
}

// Waits for `events` on fd until the deadline. False on time-out.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{fd, events, 0};
        int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60000)));
        if (rc > 0)
            return true;
        if (rc < 0 && errno != EINTR)
            return true;  // let the following call report the error
    }
}

}  // namespace

int print_output(const control::CommandOutput& out) {
    std::fwrite(out.out.data(), 1, out.out.size(), stdout);
    std::fflush(stdout);
    std::fwrite(out.err.data(), 1, out.err.size(), stderr);
    return out.exit_code;
}

int run_remote(const Options& opts, const std::vector<std::string>& words) {
    const std::string& path = opts.socket;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) {
        std::fprintf(stderr, "mediagatectl: bad --socket '%s': empty or longer than %zu bytes\n",
                     path.c_str(), sizeof sa.sun_path - 1);
        return kExitUsage;
    }
    std::memcpy(sa.sun_path, path.data(), path.size());
    auto wait = opts.wait ? *opts.wait : default_wait(words);
    auto deadline = Clock::now() + wait;

    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return fail(std::string("socket: ") + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};

    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        int err = errno;
        if (err == ENOENT)
            return fail("the control daemon is not running (no socket at " + path + ")");
        if (err == ECONNREFUSED)
            return fail("the control daemon is not running (nobody listens on " + path + ")");
        if (err == EACCES || err == EPERM)
            return fail("permission denied on " + path +
                        " (run as root or as a member of the socket's group)");
        if (err == EAGAIN)
            return fail("the control daemon is not accepting connections on " + path +
                        " (backlog full; is it stuck?)");
        return fail("cannot connect to " + path + ": " + std::strerror(err));
    }

    control::CliRequest req;
    req.json = opts.json;
    req.words = words;
    std::string frame = control::encode_request(req);
    size_t sent = 0;
    while (sent < frame.size()) {
        ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_for(fd, POLLOUT, deadline))
                return fail("the control daemon did not take the request within " +
                            std::to_string(wait.count()) + " s (is it stuck?)");
        } else {
            return fail("the control daemon closed the connection (" +
                        std::string(std::strerror(errno)) + ")");
        }
    }

    control::FrameReader reader(control::kMaxReplyBytes);
    char buf[65536];
    while (!reader.payload()) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (auto r = reader.append({buf, static_cast<size_t>(n)}); !r.ok())
                return fail("bad reply from the control daemon: " + r.error().message);
        } else if (n == 0) {
            return fail("the control daemon closed the connection before replying");
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_for(fd, POLLIN, deadline))
                return fail("no reply from the control daemon within " +
                            std::to_string(wait.count()) + " s (is it stuck? see --wait)");
        } else {
            return fail("reading the reply: " + std::string(std::strerror(errno)));
        }
    }
    if (reader.trailing() != 0)
        return fail("bad reply from the control daemon: " + std::to_string(reader.trailing()) +
                    " bytes after the reply");
    auto out = control::decode_reply(*reader.payload());
    if (!out.ok())
        return fail("bad reply from the control daemon: " + out.error().message);
    return print_output(*out);
}

}  // namespace mg::ctl
