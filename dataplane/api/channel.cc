// The dataplane channel: message validation, building and the socket calls.
#include "dataplane/api/channel.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace mg::dataplane::api {
namespace {

struct TypeInfo {
    const char* name;
    size_t fixed;
    size_t entry;
};

TypeInfo info(MsgType t) {
    switch (t) {
        case MsgType::kHello: return {"hello", sizeof(HelloBody), 0};
        case MsgType::kHelloReply: return {"hello-reply", sizeof(HelloReplyBody), 0};
        case MsgType::kOk: return {"ok", 0, 0};
        case MsgType::kError: return {"error", sizeof(ErrorBody), 1};
        case MsgType::kListsBegin: return {"lists-begin", 0, 0};
        case MsgType::kListsChunk: return {"lists-chunk", 0, sizeof(RangeEntry)};
        case MsgType::kListsCommit: return {"lists-commit", 0, 0};
        case MsgType::kAddLegs: return {"add-legs", 0, sizeof(LegSpec)};
        case MsgType::kDelLegs: return {"del-legs", 0, sizeof(LegKey)};
        case MsgType::kQueryLegs: return {"query-legs", 0, sizeof(LegKey)};
        case MsgType::kLegs: return {"legs", 0, sizeof(LegInfo)};
        case MsgType::kDump: return {"dump", 0, 0};
        case MsgType::kStats: return {"stats", 0, 0};
        case MsgType::kStatsReply: return {"stats-reply", sizeof(StatsBody), sizeof(PortInfo)};
        case MsgType::kEmit: return {"emit", 0, sizeof(EmitEntry)};
        case MsgType::kIdleEvents: return {"idle-events", 0, sizeof(IdleEvent)};
        case MsgType::kTypeEnd: break;
    }
    return {"unknown", 0, 0};
}

bool known(uint8_t type) {
    return type >= static_cast<uint8_t>(MsgType::kHello) &&
           type < static_cast<uint8_t>(MsgType::kTypeEnd);
}

Error io_error(const std::string& what) {
    return make_error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

Result<sockaddr_un> socket_address(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) {
        return make_error(ErrorCode::kInvalidInput,
                          "dataplane socket path '" + path + "': empty or longer than " +
                              std::to_string(sizeof sa.sun_path - 1) + " bytes");
    }
    // A NUL would make the kernel and lstat()/unlink() see different names (and a
    // leading one an abstract socket).
    if (path.find('\0') != std::string::npos) {
        return make_error(ErrorCode::kInvalidInput, "dataplane socket path contains a NUL byte");
    }
    std::memcpy(sa.sun_path, path.data(), path.size());
    return sa;
}

}  // namespace

const char* type_name(MsgType t) {
    return info(t).name;
}

size_t fixed_size(MsgType type) {
    return info(type).fixed;
}

size_t entry_size(MsgType type) {
    return info(type).entry;
}

const char* list_name(ListId id) {
    switch (id) {
        case ListId::kLan: return "lan";
        case ListId::kClient: return "client";
        case ListId::kNated: return "nated";
        case ListId::kDebug: return "debug";
        case ListId::kCount: break;
    }
    return "unknown";
}

Result<MessageView> parse_message(std::span<const uint8_t> bytes) {
    if (bytes.size() < sizeof(Header)) {
        return make_error(ErrorCode::kInvalidInput,
                          "message of " + std::to_string(bytes.size()) +
                              " bytes is shorter than the 16-byte header");
    }
    if (bytes.size() > kMaxMessage) {  // the builder cannot make it, recv_message refuses it
        return make_error(ErrorCode::kInvalidInput,
                          "message of " + std::to_string(bytes.size()) + " bytes is over the " +
                              std::to_string(kMaxMessage) + "-byte limit");
    }
    MessageView v;
    std::memcpy(&v.header, bytes.data(), sizeof(Header));
    if (v.header.magic != kMagic) {
        return make_error(ErrorCode::kInvalidInput, "not a dataplane channel message (bad magic)");
    }
    if (v.header.version != kVersion) {
        return make_error(ErrorCode::kInvalidInput,
                          "version mismatch: message has version " +
                              std::to_string(v.header.version) + ", this side speaks " +
                              std::to_string(kVersion));
    }
    if (!known(v.header.type)) {
        return make_error(ErrorCode::kInvalidInput,
                          "unknown message type " + std::to_string(v.header.type));
    }
    TypeInfo ti = info(v.type());
    // Compared by division, so no count can overflow the arithmetic (on any size_t).
    size_t rest = bytes.size() - sizeof(Header);
    bool length_ok = rest >= ti.fixed &&
                     (ti.entry == 0 ? rest == ti.fixed &&
                                          (v.header.count == 0 || v.type() == MsgType::kOk)
                                    : (rest - ti.fixed) % ti.entry == 0 &&
                                          (rest - ti.fixed) / ti.entry == v.header.count);
    if (!length_ok) {
        return make_error(ErrorCode::kInvalidInput,
                          std::string(ti.name) + ": " + std::to_string(bytes.size()) +
                              " bytes, expected 16 + " + std::to_string(ti.fixed) + " + " +
                              std::to_string(ti.entry) + " x " + std::to_string(v.header.count));
    }
    v.fixed = bytes.subspan(sizeof(Header), ti.fixed);
    v.entries = bytes.subspan(sizeof(Header) + ti.fixed);
    return v;
}

MessageBuilder::MessageBuilder(MsgType type, uint32_t seq, uint8_t flags) {
    MG_CHECK(known(static_cast<uint8_t>(type)), "channel: building an unknown type");
    Header h;
    h.type = static_cast<uint8_t>(type);
    h.flags = flags;
    h.seq = seq;
    buf_.reserve(sizeof(Header) + info(type).fixed);
    append(&h, sizeof h);
    // Zeroed until fixed() overwrites it; messages whose body is all zero may skip it.
    buf_.resize(sizeof(Header) + info(type).fixed, 0);
}

MessageBuilder& MessageBuilder::add_bytes(std::span<const uint8_t> bytes) {
    MsgType type = static_cast<MsgType>(buf_[6]);
    MG_CHECK(entry_size(type) == 1, "channel: add_bytes on a type without byte entries");
    append(bytes.data(), bytes.size());
    Header h;
    std::memcpy(&h, buf_.data(), sizeof h);
    h.count += static_cast<uint32_t>(bytes.size());
    std::memcpy(buf_.data(), &h, sizeof h);
    return *this;
}

void MessageBuilder::set_flags(uint8_t flags) {
    buf_[7] = flags;
}

uint32_t MessageBuilder::count() const {
    Header h;
    std::memcpy(&h, buf_.data(), sizeof h);
    return h.count;
}

size_t MessageBuilder::max_entries(MsgType type) {
    TypeInfo ti = info(type);
    if (ti.entry == 0) {
        return 0;
    }
    return (kMaxMessage - sizeof(Header) - ti.fixed) / ti.entry;
}

void MessageBuilder::append(const void* p, size_t n) {
    MG_CHECK(buf_.size() + n <= kMaxMessage, "channel: message over kMaxMessage");
    const auto* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
}

std::vector<uint8_t> make_ok(uint32_t seq, uint32_t applied) {
    MessageBuilder b(MsgType::kOk, seq);
    std::vector<uint8_t> bytes = b.bytes();
    Header h;
    std::memcpy(&h, bytes.data(), sizeof h);
    h.count = applied;
    std::memcpy(bytes.data(), &h, sizeof h);
    return bytes;
}

std::vector<uint8_t> make_error(uint32_t seq, ErrorKind kind, uint32_t entry, std::string_view text) {
    ErrorBody body;
    body.kind = static_cast<uint32_t>(kind);
    body.entry = entry;
    size_t room = kMaxMessage - sizeof(Header) - sizeof(ErrorBody);
    std::string_view t = text.substr(0, room);
    // Do not cut a UTF-8 sequence: when the first byte left out continues one,
    // leave out that sequence's start too (at most 3 bytes back).
    if (t.size() < text.size()) {
        size_t n = t.size();
        for (int k = 0; k < 3 && (static_cast<uint8_t>(text[n]) & 0xc0) == 0x80; ++k) {
            --n;
        }
        t = t.substr(0, n);
    }
    MessageBuilder b(MsgType::kError, seq);
    b.fixed(body);
    b.add_bytes({reinterpret_cast<const uint8_t*>(t.data()), t.size()});
    return b.bytes();
}

Result<void> send_message(int fd, std::span<const uint8_t> bytes) {
    for (;;) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(bytes.size())) {
            return {};
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n >= 0) {
            errno = EMSGSIZE;
        }
        return io_error("dataplane channel: send");
    }
}

Result<bool> try_send_message(int fd, std::span<const uint8_t> bytes) {
    for (;;) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == static_cast<ssize_t>(bytes.size())) {
            return true;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return false;
        }
        if (n >= 0) {
            errno = EMSGSIZE;
        }
        return io_error("dataplane channel: send");
    }
}

Result<bool> recv_message(int fd, std::vector<uint8_t>& buf) {
    buf.resize(kMaxMessage + 1);  // one more, so an oversized datagram shows as such
    for (;;) {
        ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_TRUNC);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            buf.clear();
            return io_error("dataplane channel: receive");
        }
        if (static_cast<size_t>(n) > kMaxMessage) {
            buf.clear();
            return make_error(ErrorCode::kInvalidInput,
                              "dataplane channel: datagram of " + std::to_string(n) +
                                  " bytes is over the " + std::to_string(kMaxMessage) +
                                  "-byte limit");
        }
        buf.resize(static_cast<size_t>(n));
        return n > 0;
    }
}

Result<int> listen_channel(const std::string& path) {
    auto sa = socket_address(path);
    if (!sa) {
        return sa.error();
    }
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return make_error(ErrorCode::kInvalidInput,
                              path + ": exists and is not a socket; not replacing it");
        }
        // Non-blocking: a dataplane that is there but wedged (backlog full) is an
        // error now, not a start that hangs.
        auto probe = connect_channel(path, true);
        if (probe) {
            ::close(*probe);
            return make_error(ErrorCode::kInvalidInput,
                              path + ": another dataplane is listening there");
        }
        if (probe.error().code != ErrorCode::kNotFound) {
            return probe.error();  // e.g. EACCES: cannot tell whether it is stale
        }
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {  // stale
            return io_error(path + ": removing the stale socket");
        }
    }
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return io_error("dataplane channel: socket");
    }
    mode_t old = ::umask(0117);
    int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*sa), sizeof(sockaddr_un));
    ::umask(old);
    if (rc != 0 || ::listen(fd, 8) != 0) {
        Error e = io_error(path);
        ::close(fd);
        return e;
    }
    ::chmod(path.c_str(), 0660);
    return fd;
}

Result<int> connect_channel(const std::string& path, bool nonblocking) {
    auto sa = socket_address(path);
    if (!sa) {
        return sa.error();
    }
    const int type = SOCK_SEQPACKET | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    int fd = ::socket(AF_UNIX, type, 0);
    if (fd < 0) {
        return io_error("dataplane channel: socket");
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&*sa), sizeof(sockaddr_un)) != 0) {
        int err = errno;
        ::close(fd);
        errno = err;
        if (err == ENOENT || err == ECONNREFUSED) {
            return make_error(ErrorCode::kNotFound,
                              path + ": no dataplane is listening (" + std::strerror(err) + ")");
        }
        if (err == EAGAIN) {
            return make_error(ErrorCode::kIo,
                              path + ": the dataplane is not accepting connections (backlog full)");
        }
        return io_error(path);
    }
    return fd;
}

}  // namespace mg::dataplane::api
