#include "tests/resolver/fake_dns_server.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/check.h"
#include "lists/address.h"
#include "resolver/dns_name.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mg::resolver::testing {

namespace {

void put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}

// ip:port as a sockaddr of its family (IPv4 or IPv6 text).
socklen_t make_sockaddr(const std::string& ip, uint16_t port, sockaddr_storage& out) {
    Result<ServerAddr> addr = parse_server(ip);
    MG_CHECK(addr.ok(), "bad ip %s", ip.c_str());
    addr->port = port;
    return addr->to_sockaddr(out);
}

int bind_socket(int type, const std::string& ip, uint16_t port) {
    sockaddr_storage ss{};
    socklen_t len = make_sockaddr(ip, port, ss);
    int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    MG_CHECK(fd >= 0, "socket: %s", std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

uint16_t port_of(const sockaddr_storage& ss) {
    ServerAddr addr;
    MG_CHECK(from_sockaddr(ss, addr), "family %d", ss.ss_family);
    return addr.port;
}

uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    MG_CHECK(getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0, "getsockname");
    return port_of(ss);
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v));
}

std::vector<uint8_t> wire_name(std::string_view name) {
    Result<std::vector<uint8_t>> w = encode_name(name);
    MG_CHECK(w.ok(), "bad name");
    return std::move(w.value());
}

struct FakeRecord {
    std::vector<uint8_t> owner;  // empty: a pointer to the question
    RrType type;
    uint32_t ttl;
    std::vector<uint8_t> rdata;
    uint16_t cls = kClassIn;
};

std::vector<std::vector<uint8_t>> address_rdatas(RrType type, const FakeBehavior& b) {
    std::vector<std::vector<uint8_t>> rdatas;
    if (type == RrType::kA) {
        for (const std::string& text : b.a) {
            std::optional<uint32_t> v = lists::parse_ipv4(text);
            MG_CHECK(v.has_value(), "bad IPv4 %s", text.c_str());
            rdatas.push_back({static_cast<uint8_t>(*v >> 24), static_cast<uint8_t>(*v >> 16),
                              static_cast<uint8_t>(*v >> 8), static_cast<uint8_t>(*v)});
        }
    } else if (type == RrType::kAaaa) {
        for (const std::string& text : b.aaaa) {
            std::optional<lists::Uint128> v = lists::parse_ipv6(text);
            MG_CHECK(v.has_value(), "bad IPv6 %s", text.c_str());
            std::vector<uint8_t> bytes;
            for (int i = 15; i >= 0; --i) {
                bytes.push_back(static_cast<uint8_t>(*v >> (8 * i)));
            }
            rdatas.push_back(bytes);
        }
    }
    return rdatas;
}

const FakeCname* find_cname(const FakeBehavior& b, std::string_view owner) {
    for (const FakeCname& c : b.cnames) {
        if (names_equal(c.owner, owner)) {
            return &c;
        }
    }
    return nullptr;
}

}  // namespace

std::vector<uint8_t> build_answer(uint16_t id,
                                  std::string_view name,
                                  RrType type,
                                  uint16_t rcode,
                                  bool tc,
                                  const std::vector<std::string>& a,
                                  const std::vector<std::string>& aaaa,
                                  bool qr) {
    FakeBehavior b;
    b.rcode = rcode;
    b.a = a;
    b.aaaa = aaaa;
    return build_answer(id, name, type, b, tc, qr);
}

std::vector<uint8_t> build_answer(
    uint16_t id, std::string_view name, RrType type, const FakeBehavior& b, bool tc, bool qr) {
    std::vector<FakeRecord> answers;
    std::vector<FakeRecord> authorities;
    if (!tc && (b.rcode == kRcodeNoError || b.rcode == kRcodeNxDomain)) {
        for (const FakeBehavior::Extra& e : b.extra_answers) {
            answers.push_back({{}, e.type, b.ttl, e.rdata, e.cls});
        }
        std::string current(name);
        bool at_question = true;
        for (int links = 0; links < 20; ++links) {
            const FakeCname* c = find_cname(b, current);
            if (c == nullptr) {
                break;
            }
            answers.push_back({at_question ? std::vector<uint8_t>{} : wire_name(current),
                               RrType::kCname, b.cname_ttl.value_or(b.ttl), wire_name(c->target)});
            current = c->target;
            at_question = false;
            if (!b.cname_chain_in_answer) {
                break;
            }
        }
        bool ends_here = find_cname(b, current) == nullptr;
        if (b.rcode == kRcodeNoError && ends_here && (at_question || b.cname_chain_in_answer)) {
            for (auto& rdata : address_rdatas(type, b)) {
                answers.push_back({at_question ? std::vector<uint8_t>{} : wire_name(current), type,
                                   b.ttl, std::move(rdata)});
            }
        }
        bool has_type = std::any_of(answers.begin(), answers.end(),
                                    [&](const FakeRecord& r) { return r.type == type; });
        if (b.soa && !has_type && (b.rcode == kRcodeNxDomain || answers.empty())) {
            std::vector<uint8_t> rdata = wire_name("ns.example.");
            std::vector<uint8_t> rname = wire_name("hostmaster.example.");
            rdata.insert(rdata.end(), rname.begin(), rname.end());
            for (uint32_t v : {1u, 7200u, 900u, 1209600u, b.soa->minimum}) {
                put32(rdata, v);
            }
            authorities.push_back({{}, RrType::kSoa, b.soa->ttl, std::move(rdata)});
        }
    }
    std::vector<uint8_t> out;
    put16(out, id);
    uint16_t flags = 0x0100 | 0x0080 | (b.rcode & 0xf);  // RD, RA
    if (qr) {
        flags |= 0x8000;
    }
    if (tc) {
        flags |= 0x0200;
    }
    put16(out, flags);
    put16(out, 1);
    put16(out, static_cast<uint16_t>(answers.size()));
    put16(out, static_cast<uint16_t>(authorities.size()));
    put16(out, 0);
    std::vector<uint8_t> qname = wire_name(name);
    out.insert(out.end(), qname.begin(), qname.end());
    put16(out, static_cast<uint16_t>(type));
    put16(out, kClassIn);
    for (const auto* section : {&answers, &authorities}) {
        for (const FakeRecord& r : *section) {
            if (r.owner.empty()) {
                put16(out, 0xc00c);
            } else {
                out.insert(out.end(), r.owner.begin(), r.owner.end());
            }
            put16(out, static_cast<uint16_t>(r.type));
            put16(out, r.cls);
            put32(out, r.ttl);
            put16(out, static_cast<uint16_t>(r.rdata.size()));
            out.insert(out.end(), r.rdata.begin(), r.rdata.end());
        }
    }
    return out;
}

FakeDnsServer::FakeDnsServer(EventLoop& loop,
                             int index,
                             std::string ip,
                             std::vector<FakeQuery>* shared_log)
    : loop_(loop), index_(index), shared_log_(shared_log) {
    // UDP on port 0, then TCP on the same port (retry a few times if it is taken).
    for (int tries = 0; tries < 20 && tcp_ < 0; ++tries) {
        if (udp_ >= 0) {
            close(udp_);
        }
        udp_ = bind_socket(SOCK_DGRAM, ip, 0);
        MG_CHECK(udp_ >= 0, "bind udp %s: %s", ip.c_str(), std::strerror(errno));
        tcp_ = bind_socket(SOCK_STREAM, ip, local_port(udp_));
    }
    MG_CHECK(tcp_ >= 0, "no common UDP/TCP port");
    // Room for a burst of hundreds of queries sent before the loop runs.
    int rcvbuf = 4 << 20;
    setsockopt(udp_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    MG_CHECK(listen(tcp_, 64) == 0, "listen");
    uint16_t port = local_port(udp_);
    addr_ = ServerAddr{*lists::parse_address(ip), port};
    other_port_ = bind_socket(SOCK_DGRAM, ip, 0);
    if (addr_.addr.is_v4()) {  // IPv6 has a single loopback address: no kWrongSourceAddr
        std::string other_ip = ip == "127.0.0.2" ? "127.0.0.3" : "127.0.0.2";
        other_addr_ = bind_socket(SOCK_DGRAM, other_ip, port);
        if (other_addr_ < 0) {
            other_addr_ = bind_socket(SOCK_DGRAM, other_ip, 0);
        }
        MG_CHECK(other_addr_ >= 0, "forgery socket");
    }
    MG_CHECK(other_port_ >= 0, "forgery socket");
    MG_CHECK(loop_.add_fd(udp_, EPOLLIN, [this](uint32_t) { on_udp(); }).ok(), "add udp");
    MG_CHECK(loop_.add_fd(tcp_, EPOLLIN, [this](uint32_t) { on_accept(); }).ok(), "add tcp");
}

FakeDnsServer::~FakeDnsServer() {
    for (EventLoop::TimerId t : timers_) {
        loop_.cancel_timer(t);
    }
    while (!conns_.empty()) {
        close_conn(conns_.begin()->first);
    }
    loop_.remove_fd(udp_);
    loop_.remove_fd(tcp_);
    for (int fd : {udp_, tcp_, other_port_, other_addr_}) {
        if (fd >= 0) {
            close(fd);
        }
    }
}

size_t FakeDnsServer::udp_queries() const {
    size_t n = 0;
    for (const FakeQuery& q : queries_) {
        n += q.tcp ? 0 : 1;
    }
    return n;
}

size_t FakeDnsServer::tcp_queries() const {
    return queries_.size() - udp_queries();
}

void FakeDnsServer::record(const Message* query, bool tcp, uint16_t source_port) {
    FakeQuery fq;
    fq.at = EventLoop::Clock::now();
    fq.server = index_;
    fq.tcp = tcp;
    fq.source_port = source_port;
    if (query != nullptr) {
        fq.id = query->header.id;
        if (!query->questions.empty()) {
            fq.name = query->questions[0].name;
            fq.type = query->questions[0].type;
        }
    }
    queries_.push_back(fq);
    if (shared_log_ != nullptr) {
        shared_log_->push_back(fq);
    }
}

void FakeDnsServer::send_udp(int fd,
                             const std::vector<uint8_t>& bytes,
                             const sockaddr_storage& to,
                             socklen_t len) {
    sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), len);
}

void FakeDnsServer::on_udp() {
    std::vector<uint8_t> buf(65536);
    for (;;) {
        sockaddr_storage from{};
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(udp_, buf.data(), buf.size(), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) {
            return;
        }
        Result<Message> query = parse_message(std::span<const uint8_t>(buf.data(), size_t(n)));
        uint16_t source_port = port_of(from);
        record(query ? &query.value() : nullptr, false, source_port);
        if (!query || query->questions.empty()) {
            continue;
        }
        ++udp_seen_;
        if (behavior_.drop_all || udp_seen_ <= behavior_.drop_first) {
            continue;
        }
        const Question& q = query->questions[0];
        uint16_t id = query->header.id;
        const FakeBehavior& b = behavior_;
        std::vector<uint8_t> good = build_answer(id, q.name, q.type, b, b.truncate_udp);
        for (Forgery f : b.forgeries) {
            switch (f) {
                case Forgery::kWrongId:
                    send_udp(udp_,
                             build_answer(static_cast<uint16_t>(id + 1), q.name, q.type, b.rcode,
                                          false, b.a, b.aaaa),
                             from, len);
                    break;
                case Forgery::kWrongQuestion:
                    send_udp(udp_,
                             build_answer(id, "evil.example.", q.type, b.rcode, false, b.a, b.aaaa),
                             from, len);
                    break;
                case Forgery::kWrongType:
                    send_udp(
                        udp_,
                        build_answer(id, q.name, q.type == RrType::kA ? RrType::kAaaa : RrType::kA,
                                     b.rcode, false, b.a, b.aaaa),
                        from, len);
                    break;
                case Forgery::kWrongSourcePort:
                    send_udp(other_port_, good, from, len);
                    break;
                case Forgery::kWrongSourceAddr:
                    MG_CHECK(other_addr_ >= 0, "kWrongSourceAddr needs an IPv4 server");
                    send_udp(other_addr_, good, from, len);
                    break;
                case Forgery::kGarbage: {
                    std::vector<uint8_t> junk(40);
                    for (size_t i = 0; i < junk.size(); ++i) {
                        junk[i] = static_cast<uint8_t>(i * 37 + 11);
                    }
                    junk[0] = static_cast<uint8_t>(id >> 8);  // even the id matches
                    junk[1] = static_cast<uint8_t>(id);
                    junk[2] = 0x81;
                    send_udp(udp_, junk, from, len);
                    break;
                }
                case Forgery::kShort:
                    send_udp(udp_, {good[0], good[1], 0x81, 0x80, 0}, from, len);
                    break;
                case Forgery::kZeroLength:
                    send_udp(udp_, {}, from, len);
                    break;
                case Forgery::kNotResponse:
                    send_udp(udp_,
                             build_answer(id, q.name, q.type, b.rcode, false, b.a, b.aaaa, false),
                             from, len);
                    break;
            }
        }
        std::vector<uint8_t> reply = b.raw ? *b.raw : good;
        auto delay = b.delay;
        if (!b.forgeries.empty() && delay < std::chrono::milliseconds(10)) {
            delay = std::chrono::milliseconds(10);  // let the forgeries be read first
        }
        const int copies = 1 + b.duplicates;
        if (delay.count() == 0) {
            for (int i = 0; i < copies; ++i) {
                send_udp(udp_, reply, from, len);
            }
        } else {
            timers_.push_back(loop_.add_timer_after(delay, [this, reply, from, len, copies] {
                for (int i = 0; i < copies; ++i) {
                    send_udp(udp_, reply, from, len);
                }
            }));
        }
    }
}

void FakeDnsServer::on_accept() {
    for (;;) {
        int fd = accept4(tcp_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        conns_[fd] = TcpConn{};
        MG_CHECK(loop_.add_fd(fd, EPOLLIN, [this, fd](uint32_t) { on_tcp(fd); }).ok(), "add");
    }
}

void FakeDnsServer::close_conn(int fd) {
    loop_.remove_fd(fd);
    close(fd);
    conns_.erase(fd);
}

void FakeDnsServer::on_tcp(int fd) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) {
        return;
    }
    uint8_t chunk[4096];
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            close_conn(fd);
            return;
        }
        if (n < 0) {
            break;
        }
        it->second.in.insert(it->second.in.end(), chunk, chunk + n);
    }
    std::vector<uint8_t>& in = it->second.in;
    if (in.size() < 2) {
        return;
    }
    size_t length = size_t(in[0]) << 8 | in[1];
    if (in.size() < 2 + length) {
        return;
    }
    Result<Message> query = parse_message(std::span<const uint8_t>(in.data() + 2, length));
    record(query ? &query.value() : nullptr, true, 0);
    if (!query || query->questions.empty() || behavior_.tcp_close_without_answer) {
        close_conn(fd);
        return;
    }
    const Question& q = query->questions[0];
    std::vector<uint8_t> body = build_answer(query->header.id, q.name, q.type, behavior_, false);
    std::vector<uint8_t> framed;
    put16(framed, static_cast<uint16_t>(body.size()));
    framed.insert(framed.end(), body.begin(), body.end());
    in.clear();
    if (!behavior_.split_tcp) {
        send(fd, framed.data(), framed.size(), MSG_NOSIGNAL);
        return;
    }
    // Three pieces: 1 byte (half the length prefix), 6 more, then the rest.
    auto pieces = std::make_shared<std::vector<std::vector<uint8_t>>>();
    pieces->push_back({framed.begin(), framed.begin() + 1});
    pieces->push_back({framed.begin() + 1, framed.begin() + 7});
    pieces->push_back({framed.begin() + 7, framed.end()});
    for (size_t i = 0; i < pieces->size(); ++i) {
        timers_.push_back(loop_.add_timer_after(
            std::chrono::milliseconds(10 * static_cast<int>(i)), [this, fd, pieces, i] {
                if (conns_.contains(fd)) {
                    send(fd, (*pieces)[i].data(), (*pieces)[i].size(), MSG_NOSIGNAL);
                }
            }));
    }
}

}  // namespace mg::resolver::testing
