#include "control/listen.h"

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mg::control {
namespace {

struct Opened {
    int fd = -1;
    uint16_t port = 0;  // the bound port
    std::string error;  // "" when fd >= 0
};

Opened open_one(int family, int type, uint16_t port, int v6only) {
    Opened o;
    const char* what = family == AF_INET ? "0.0.0.0" : "[::]";
    int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        o.error = std::string(what) + ": socket: " + std::strerror(errno);
        return o;
    }
    int one = 1;
    if (type == SOCK_STREAM)
        (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6 &&
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) {
        o.error = std::string(what) + ": IPV6_V6ONLY: " + std::strerror(errno);
        ::close(fd);
        return o;
    }
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
        auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(port);
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        len = sizeof *sa;
    } else {
        auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(port);
        sa->sin6_addr = in6addr_any;
        len = sizeof *sa;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        (type == SOCK_STREAM && ::listen(fd, 128) != 0) ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        o.error = std::string(what) + ":" + std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd);
        return o;
    }
    o.fd = fd;
    o.port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                     : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return o;
}

}  // namespace

Result<Listeners> open_listeners(const ListenOptions& opts) {
    Listeners l;
    if (!opts.ipv6_on) {
        Opened v4 = open_one(AF_INET, opts.type, opts.port, 0);
        if (v4.fd < 0)
            return make_error(ErrorCode::kIo, v4.error);
        l.fds.push_back(v4.fd);
        l.description = "0.0.0.0:" + std::to_string(v4.port) + " (IPv4 only)";
        return l;
    }
    std::string dual_error = "dual stack disabled";
    if (!opts.no_dual_stack) {
        Opened dual = open_one(AF_INET6, opts.type, opts.port, 0);
        if (dual.fd >= 0) {
            l.fds.push_back(dual.fd);
            l.dual_stack = true;
            l.description = "[::]:" + std::to_string(dual.port) + " (IPv6, IPv4-mapped)";
            return l;
        }
        dual_error = dual.error;
    }
    // Separate sockets: IPv4 first (its port, when ephemeral, is reused for IPv6).
    Opened v4 = open_one(AF_INET, opts.type, opts.port, 0);
    if (v4.fd < 0)
        return make_error(ErrorCode::kIo, v4.error + " (dual stack: " + dual_error + ")");
    Opened v6 = open_one(AF_INET6, opts.type, v4.port, 1);
    if (v6.fd < 0) {
        ::close(v4.fd);
        return make_error(ErrorCode::kIo, v6.error + " (dual stack: " + dual_error + ")");
    }
    l.fds = {v4.fd, v6.fd};
    l.description = "0.0.0.0:" + std::to_string(v4.port) + " and [::]:" + std::to_string(v6.port) +
                    " (separate sockets; dual stack: " + dual_error + ")";
    return l;
}

}  // namespace mg::control
