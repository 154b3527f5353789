#include "resolver/resolver.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/check.h"
#include "resolver/dns_name.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mg::resolver {

namespace {

constexpr size_t kRandomPoolSize = 512;
constexpr size_t kUdpBufferSize = kMaxMessageSize + 1;  // one more: oversize is detected
constexpr int kMaxReadsPerWakeup = 64;  // datagrams read per readable event of one query
constexpr size_t kTcpReadChunk = 4096;

std::string errno_text() {
    return std::strerror(errno);
}

// A non-blocking TCP socket of `family`. -1 on failure (errno set).
int open_tcp_socket(int family) {
    return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

}  // namespace

const char* to_string(ResolveStatus status) {
    switch (status) {
        case ResolveStatus::kAnswer:
            return "answer";
        case ResolveStatus::kUnknownHost:
            return "unknown host";
        case ResolveStatus::kNoResponse:
            return "no response";
        case ResolveStatus::kServerFailure:
            return "server failure";
    }
    return "?";
}

struct Resolver::Query {
    uint64_t key = 0;
    uint16_t id = 0;
    std::string asked_name;  // as the caller gave it
    std::string name;        // asked now: asked_name, or a CNAME target
    std::string merge_key;   // empty: not in merge_index_
    std::vector<Callback> merged;
    std::vector<std::string> cname_seen;  // lower_name() of every name asked or met (from
                                          // the first CNAME on)
    int cname_hops = 0;
    std::vector<Record> chain;          // the CNAMEs followed, from the name asked on
    int prior_attempts = 0;             // sends of earlier hops
    std::optional<uint32_t> cache_ttl;  // set: store the outcome for this long
    bool from_cache = false;
    RrType type = RrType::kA;
    bool rbl = false;
    Callback cb;
    std::vector<uint8_t> wire;  // the query message
    int attempt = 0;            // UDP sends made
    ServerAddr server;          // the server of the current attempt
    int udp4 = -1;
    int udp6 = -1;
    EventLoop::TimerId timer = 0;
    // TCP fallback (after a TC answer), to tcp_server.
    int tcp_fd = -1;
    ServerAddr tcp_server;
    bool tcp_connected = false;
    std::vector<uint8_t> tcp_out;  // length prefix + query
    size_t tcp_written = 0;
    std::vector<uint8_t> tcp_in;
    bool via_tcp = false;
};

namespace {

CacheConfig cache_config(const ResolverConfig& c) {
    CacheConfig cc;
    cc.max_entries = c.cache_max_entries;
    cc.max_ttl = c.cache_max_ttl;
    cc.max_negative_ttl = c.cache_max_negative_ttl;
    return cc;
}

}  // namespace

Resolver::Resolver(EventLoop& loop, ResolverConfig config)
    : loop_(loop),
      config_(std::move(config)),
      cache_(cache_config(config_), config_.cache_clock ? config_.cache_clock : Cache::Clock::now),
      udp_pool_(
          loop_,
          [this](uint64_t key, int fd) { on_udp_readable(key, fd); },
          config_.udp_pool_max_idle) {
    if (config_.servers.empty()) {
        config_.servers.push_back(ServerAddr{lists::Address::v4(0x7f000001), kDnsPort});
    }
    config_.retries = std::max(config_.retries, 0);
    if (config_.initial_timeout < std::chrono::milliseconds(1)) {
        config_.initial_timeout = std::chrono::milliseconds(1);
    }
}

Resolver::~Resolver() {
    for (auto& [key, q] : queries_) {
        if (q->timer != 0) {
            loop_.cancel_timer(q->timer);
        }
        close_sockets(*q);
    }
}

void Resolver::resolve(std::string name, RrType type, Callback cb) {
    start(std::move(name), type, false, std::move(cb));
}

void Resolver::rbl(const lists::Address& addr, std::string_view zone, Callback cb) {
    start(rbl_name(addr, zone), RrType::kA, true, std::move(cb));
}

void Resolver::resolve_rbl(std::string name, Callback cb) {
    start(std::move(name), RrType::kA, true, std::move(cb));
}

void Resolver::rbl_reason(std::string name, Callback cb) {
    start(std::move(name), RrType::kTxt, true, std::move(cb));
}

uint16_t Resolver::random_id() {
    if (random_used_ + 2 > random_pool_.size()) {
        random_pool_.resize(kRandomPoolSize);
        size_t got = 0;
        while (got < random_pool_.size()) {
            ssize_t n = getrandom(random_pool_.data() + got, random_pool_.size() - got, 0);
            MG_CHECK(n > 0 || errno == EINTR, "getrandom: %s", std::strerror(errno));
            if (n > 0) {
                got += static_cast<size_t>(n);
            }
        }
        random_used_ = 0;
    }
    uint16_t id =
        static_cast<uint16_t>(random_pool_[random_used_] << 8 | random_pool_[random_used_ + 1]);
    random_used_ += 2;
    return id;
}

// The servers of attempts 1..attempt: round robin from the first, so a prefix of the list.
bool Resolver::sent_to(const Query& q, const ServerAddr& from) const {
    size_t n = std::min(static_cast<size_t>(q.attempt), config_.servers.size());
    return std::find(config_.servers.begin(), config_.servers.begin() + static_cast<ptrdiff_t>(n),
                     from) != config_.servers.begin() + static_cast<ptrdiff_t>(n);
}

int Resolver::max_sends(const Query& q) const {
    return q.rbl ? 2 : config_.retries + 1;
}

std::chrono::milliseconds Resolver::wait_for(const Query& q) const {
    return q.rbl ? config_.initial_timeout : config_.initial_timeout * q.attempt;
}

void Resolver::log(const Query& q,
                   std::string_view event,
                   const ServerAddr& server,
                   std::string_view extra) {
    if (!config_.log) {
        return;
    }
    std::string line = "DNR ";
    line += event;
    line += " id=" + std::to_string(q.id);
    line += " name=" + q.name;
    line += " type=" + format_rr_type(q.type);
    line += " server=" + server.to_string();
    line += " attempt=" + std::to_string(q.attempt) + "/" + std::to_string(max_sends(q));
    line += " wait=" + std::to_string(wait_for(q).count()) + "ms";
    if (q.rbl) {
        line += " rbl";
    }
    if (!extra.empty()) {
        line += " ";
        line += extra;
    }
    config_.log(line);
}

void Resolver::start(std::string name, RrType type, bool rbl, Callback cb) {
    ++counters_.queries;
    std::string merge_key;
    std::optional<CachedResult> hit;
    if (config_.cache_enabled) {
        hit = cache_.get(name, type);
        if (!hit) {
            merge_key = std::string(rbl ? "r " : "q ") +
                        std::to_string(static_cast<uint16_t>(type)) + " " + lower_name(name);
            if (auto it = merge_index_.find(merge_key); it != merge_index_.end()) {
                ++counters_.merged;
                queries_.at(it->second)->merged.push_back(std::move(cb));
                return;
            }
            ++counters_.cache_misses;
        } else {
            ++counters_.cache_hits;
        }
    }

    auto owned = std::make_unique<Query>();
    Query& q = *owned;
    q.key = next_key_++;
    q.id = random_id();
    q.asked_name = name;
    q.name = std::move(name);
    q.type = type;
    q.rbl = rbl;
    q.cb = std::move(cb);
    queries_.emplace(q.key, std::move(owned));

    if (hit) {
        q.from_cache = true;
        ResolveResult result;
        result.status = hit->negative ? ResolveStatus::kUnknownHost : ResolveStatus::kAnswer;
        result.message = cached_message(q.asked_name, type, *hit);
        result.records = std::move(hit->records);
        result.detail = "cache";
        complete_later(q, std::move(result));
        return;
    }
    if (!merge_key.empty()) {
        q.merge_key = merge_key;
        merge_index_.emplace(std::move(merge_key), q.key);
    }

    Result<std::vector<uint8_t>> wire = build_query(q.id, q.name, q.type);
    if (!wire) {
        ResolveResult result;
        result.status = ResolveStatus::kUnknownHost;
        result.detail = "invalid query: " + wire.error().message;
        complete_later(q, std::move(result));
        return;
    }
    q.wire = std::move(wire.value());
    send_attempt(q);
}

// Completed from the loop, so the callback never runs inside resolve().
void Resolver::complete_later(Query& q, ResolveResult result) {
    uint64_t key = q.key;
    q.timer = loop_.add_timer_after(
        std::chrono::milliseconds(0),
        [this, key, result = std::move(result)]() mutable { finish(key, std::move(result)); });
}

void Resolver::send_attempt(Query& q) {
    ++q.attempt;
    q.server = config_.servers[static_cast<size_t>(q.attempt - 1) % config_.servers.size()];
    ++counters_.sent;
    if (q.attempt > 1) {
        ++counters_.resent;
    }
    log(q, q.attempt == 1 ? "send" : "resend", q.server);

    int& fd = q.server.family() == AF_INET ? q.udp4 : q.udp6;
    if (fd < 0) {
        fd = udp_pool_.acquire(q.server.family(), q.key);
        if (fd < 0) {
            log(q, "socket-failed", q.server, errno_text());
        }
    }
    if (fd >= 0) {
        sockaddr_storage to{};
        socklen_t len = q.server.to_sockaddr(to);
        ssize_t n = sendto(fd, q.wire.data(), q.wire.size(), MSG_NOSIGNAL,
                           reinterpret_cast<sockaddr*>(&to), len);
        if (n < 0) {
            log(q, "send-failed", q.server, errno_text());  // the wait still runs
        }
    }
    uint64_t key = q.key;
    q.timer = loop_.add_timer_after(wait_for(q), [this, key] { on_timeout(key); });
}

void Resolver::advance(Query& q) {
    if (q.attempt < max_sends(q)) {
        send_attempt(q);
        return;
    }
    log(q, "no-response", q.server);
    ResolveResult result;
    result.status = ResolveStatus::kNoResponse;
    result.detail = "no response after " + std::to_string(q.attempt) + " sends";
    finish(q.key, std::move(result));
}

void Resolver::on_timeout(uint64_t key) {
    auto it = queries_.find(key);
    if (it == queries_.end()) {
        return;
    }
    Query& q = *it->second;
    q.timer = 0;
    if (q.tcp_fd >= 0) {
        log(q, "tcp-timeout", q.tcp_server);
        close_tcp(q);
    }
    advance(q);
}

void Resolver::on_udp_readable(uint64_t key, int fd) {
    std::vector<uint8_t>& buffer = udp_buffer_;
    buffer.resize(kUdpBufferSize);
    // A bounded number per call: a flood of forged datagrams on one query's socket
    // must not keep the loop from its timers and other sockets. The loop is level
    // triggered, so what is left is read on its next pass.
    for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
        auto it = queries_.find(key);
        if (it == queries_.end() || (it->second->udp4 != fd && it->second->udp6 != fd)) {
            return;  // finished, or moved to a CNAME target, by the previous datagram
        }
        sockaddr_storage from{};
        socklen_t from_len = sizeof(from);
        ssize_t n = recvfrom(fd, buffer.data(), buffer.size(), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) {
            return;  // EAGAIN, or an error the socket reports: keep waiting
        }
        ServerAddr source;
        if (!from_sockaddr(from, source)) {
            ++counters_.rejected.bad_source;
            continue;
        }
        on_udp_answer(*it->second, std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)),
                      source);
    }
}

void Resolver::on_udp_answer(Query& q, std::span<const uint8_t> wire, const ServerAddr& from) {
    if (!sent_to(q, from)) {
        ++counters_.rejected.bad_source;
        return;
    }
    Result<Header> header = parse_header(wire);
    if (!header) {
        ++counters_.rejected.malformed;
        return;
    }
    if (header->id != q.id) {
        ++counters_.rejected.bad_id;
        return;
    }
    if (!header->qr) {
        ++counters_.rejected.malformed;
        return;
    }
    Result<Message> msg = parse_message(wire);
    if (!msg) {
        ++counters_.rejected.malformed;
        return;
    }
    if (!question_matches(*msg, q.name, q.type)) {
        ++counters_.rejected.bad_question;
        return;
    }
    if (msg->header.tc) {
        if (q.tcp_fd < 0) {
            start_tcp(q, from);
        }
        return;
    }
    on_message(q, std::move(msg.value()), from, false);
}

void Resolver::start_tcp(Query& q, const ServerAddr& server) {
    ++counters_.tcp_fallbacks;
    if (q.timer != 0) {
        loop_.cancel_timer(q.timer);
        q.timer = 0;
    }
    q.tcp_server = server;
    log(q, "tcp", server, "truncated UDP answer, asking over TCP");
    // The TCP exchange gets a fresh wait as long as the current attempt's.
    uint64_t key = q.key;
    q.timer = loop_.add_timer_after(wait_for(q), [this, key] { on_timeout(key); });

    q.tcp_fd = open_tcp_socket(server.family());
    if (q.tcp_fd < 0) {
        tcp_failed(q, "socket: " + errno_text());
        return;
    }
    sockaddr_storage to{};
    socklen_t len = server.to_sockaddr(to);
    if (connect(q.tcp_fd, reinterpret_cast<sockaddr*>(&to), len) != 0 && errno != EINPROGRESS) {
        tcp_failed(q, "connect: " + errno_text());
        return;
    }
    q.tcp_connected = false;
    q.tcp_out.clear();
    q.tcp_out.push_back(static_cast<uint8_t>(q.wire.size() >> 8));
    q.tcp_out.push_back(static_cast<uint8_t>(q.wire.size()));
    q.tcp_out.insert(q.tcp_out.end(), q.wire.begin(), q.wire.end());
    q.tcp_written = 0;
    q.tcp_in.clear();
    Result<void> added = loop_.add_fd(q.tcp_fd, EPOLLOUT,
                                      [this, key](uint32_t events) { on_tcp_event(key, events); });
    MG_CHECK(added.ok(), "%s", added.ok() ? "" : added.error().message.c_str());
}

void Resolver::on_tcp_event(uint64_t key, uint32_t events) {
    auto it = queries_.find(key);
    if (it == queries_.end() || it->second->tcp_fd < 0) {
        return;
    }
    Query& q = *it->second;
    if (!q.tcp_connected) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(q.tcp_fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            tcp_failed(q, std::string("connect: ") + std::strerror(err != 0 ? err : errno));
            return;
        }
        if ((events & EPOLLOUT) == 0) {
            return;
        }
        q.tcp_connected = true;
    }
    if (q.tcp_written < q.tcp_out.size()) {
        while (q.tcp_written < q.tcp_out.size()) {
            ssize_t n = send(q.tcp_fd, q.tcp_out.data() + q.tcp_written,
                             q.tcp_out.size() - q.tcp_written, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    return;  // wait for EPOLLOUT again
                }
                tcp_failed(q, "send: " + errno_text());
                return;
            }
            q.tcp_written += static_cast<size_t>(n);
        }
        Result<void> mod = loop_.modify_fd(q.tcp_fd, EPOLLIN | EPOLLRDHUP);
        MG_CHECK(mod.ok(), "%s", mod.ok() ? "" : mod.error().message.c_str());
        return;
    }
    // Reading: a 2-byte length, then that many bytes, in as many pieces as they come.
    uint8_t chunk[kTcpReadChunk];
    for (;;) {
        ssize_t n = recv(q.tcp_fd, chunk, sizeof(chunk), 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return;
            }
            tcp_failed(q, "recv: " + errno_text());
            return;
        }
        if (n == 0) {
            tcp_failed(q, "connection closed after " + std::to_string(q.tcp_in.size()) + " bytes");
            return;
        }
        q.tcp_in.insert(q.tcp_in.end(), chunk, chunk + n);
        if (q.tcp_in.size() < 2) {
            continue;
        }
        size_t length = static_cast<size_t>(q.tcp_in[0]) << 8 | q.tcp_in[1];
        if (length < kHeaderSize) {
            ++counters_.rejected.malformed;
            tcp_failed(q, "answer length " + std::to_string(length) + " is too short");
            return;
        }
        if (q.tcp_in.size() < 2 + length) {
            continue;
        }
        std::span<const uint8_t> wire(q.tcp_in.data() + 2, length);
        Result<Message> msg = parse_message(wire);
        if (!msg || !msg->header.qr || msg->header.tc) {
            ++counters_.rejected.malformed;
            tcp_failed(q, msg ? "QR clear or TC set" : msg.error().message);
            return;
        }
        if (msg->header.id != q.id) {
            ++counters_.rejected.bad_id;
            tcp_failed(q, "wrong id");
            return;
        }
        if (!question_matches(*msg, q.name, q.type)) {
            ++counters_.rejected.bad_question;
            tcp_failed(q, "wrong question");
            return;
        }
        ServerAddr server = q.tcp_server;
        close_tcp(q);
        q.via_tcp = true;
        on_message(q, std::move(msg.value()), server, true);
        return;
    }
}

void Resolver::tcp_failed(Query& q, const std::string& why) {
    log(q, "tcp-failed", q.tcp_server, why);
    close_tcp(q);
    if (q.timer != 0) {
        loop_.cancel_timer(q.timer);
        q.timer = 0;
    }
    advance(q);
}

void Resolver::on_message(Query& q, Message msg, const ServerAddr& from, bool tcp) {
    ResolveResult result;
    result.server = from;
    result.via_tcp = tcp;
    const uint16_t rcode = msg.header.rcode;
    if (rcode != kRcodeNoError && rcode != kRcodeNxDomain) {
        result.status = ResolveStatus::kServerFailure;
        result.detail = "RCODE " + std::to_string(rcode);
        log(q, "server-failure", from, result.detail);
        result.message = std::move(msg);
        finish(q.key, std::move(result));
        return;
    }
    // Follow the answer's CNAME chain from the name asked to its end. An NXDOMAIN
    // may carry one too: the name that does not exist is then the chain's end
    // (RFC 6604), and the chain's CNAMEs bound how long the asked name is cached.
    std::string end = q.name;
    auto owned_by = [&](const Record& r, RrType type, std::string_view owner) {
        return r.type == type && r.cls == kClassIn && names_equal(r.name, owner);
    };
    while (q.type != RrType::kCname &&
           std::none_of(msg.answers.begin(), msg.answers.end(),
                        [&](const Record& r) { return owned_by(r, q.type, end); })) {
        auto cname = std::find_if(msg.answers.begin(), msg.answers.end(), [&](const Record& r) {
            return owned_by(r, RrType::kCname, end);
        });
        if (cname == msg.answers.end()) {
            break;
        }
        const std::string& target = std::get<NameData>(cname->data).name;
        if (q.cname_seen.empty()) {
            q.cname_seen.push_back(lower_name(q.asked_name));
        }
        std::string key = lower_name(target);
        const char* failure = nullptr;
        if (std::find(q.cname_seen.begin(), q.cname_seen.end(), key) != q.cname_seen.end()) {
            failure = "CNAME loop";
        } else if (++q.cname_hops > kMaxCnameHops) {
            failure = "CNAME chain too long";
        }
        if (failure != nullptr) {
            result.status = ResolveStatus::kServerFailure;
            result.detail = failure;
            log(q, "server-failure", from, result.detail + " at " + target);
            result.message = std::move(msg);
            finish(q.key, std::move(result));
            return;
        }
        q.cname_seen.push_back(std::move(key));
        q.chain.push_back(*cname);
        end = target;
    }
    if (rcode == kRcodeNxDomain) {
        result.status = ResolveStatus::kUnknownHost;
        result.detail = "NXDOMAIN";
        q.cache_ttl = Cache::negative_ttl(msg.authorities);
    } else {
        for (const Record& r : msg.answers) {
            if (owned_by(r, q.type, end)) {
                result.records.push_back(r);
            }
        }
        if (result.records.empty() && end != q.name) {
            next_hop(q, std::move(end), from);
            return;
        }
        if (result.records.empty()) {
            result.status = ResolveStatus::kUnknownHost;
            result.detail = "NODATA";
            q.cache_ttl = Cache::negative_ttl(msg.authorities);
        } else {
            result.status = ResolveStatus::kAnswer;
            q.cache_ttl = Cache::positive_ttl(result.records);
            check_dummy_ip(q, result, from);
        }
    }
    result.message = std::move(msg);
    finish(q.key, std::move(result));
}

// Dummy IPs (SPEC.md §5): an A / AAAA answer whose first address (of the records
// answering the question, not of whatever else the answer section holds) is in the
// list means "unknown host", never cached.
void Resolver::check_dummy_ip(Query& q, ResolveResult& result, const ServerAddr& from) {
    std::optional<lists::Address> first;
    const RData& data = result.records.front().data;
    if (const auto* a = std::get_if<AData>(&data)) {
        first = lists::Address::v4(static_cast<uint32_t>(a->addr[0]) << 24 |
                                   static_cast<uint32_t>(a->addr[1]) << 16 |
                                   static_cast<uint32_t>(a->addr[2]) << 8 | a->addr[3]);
    } else if (const auto* a6 = std::get_if<AaaaData>(&data)) {
        lists::Uint128 v = 0;
        for (uint8_t b : a6->addr) {
            v = v << 8 | b;
        }
        first = lists::Address::v6(v);
    }
    if (!first || !config_.dummy_ips.contains(*first)) {
        return;
    }
    ++counters_.dummy_hits;
    result.status = ResolveStatus::kUnknownHost;
    result.detail = "dummy IP " + lists::format_address(*first);
    q.cache_ttl.reset();  // never cached
    log(q, "dummy-ip", from, lists::format_address(*first));
}

void Resolver::next_hop(Query& q, std::string target, const ServerAddr& from) {
    if (q.timer != 0) {
        loop_.cancel_timer(q.timer);
        q.timer = 0;
    }
    close_sockets(q);
    ++counters_.cname_hops;
    log(q, "cname", from, "-> " + target);
    q.prior_attempts += q.attempt;
    q.attempt = 0;
    q.via_tcp = false;
    q.name = std::move(target);
    q.id = random_id();
    Result<std::vector<uint8_t>> wire = build_query(q.id, q.name, q.type);
    if (!wire) {
        ResolveResult result;
        result.status = ResolveStatus::kServerFailure;
        result.detail = "CNAME target: " + wire.error().message;
        finish(q.key, std::move(result));
        return;
    }
    q.wire = std::move(wire.value());
    send_attempt(q);
}

void Resolver::close_tcp(Query& q) {
    if (q.tcp_fd >= 0) {
        loop_.remove_fd(q.tcp_fd);
        close(q.tcp_fd);
        q.tcp_fd = -1;
    }
}

void Resolver::close_sockets(Query& q) {
    for (int* fd : {&q.udp4, &q.udp6}) {
        if (*fd >= 0) {
            udp_pool_.release(*fd);
            *fd = -1;
        }
    }
    close_tcp(q);
}

// The outcome goes into the cache under the name asked and under every CNAME target
// met on the way: each name with the rest of the chain from there, for the smallest
// TTL of the outcome and of those CNAMEs.
void Resolver::store(const Query& q, const ResolveResult& result) {
    CachedResult entry;
    entry.negative = result.status != ResolveStatus::kAnswer;
    entry.detail = result.detail;
    if (entry.negative) {
        entry.rcode = result.message.header.rcode;
        if (const Record* soa = Cache::negative_soa(result.message.authorities)) {
            entry.authorities.push_back(*soa);
        }
    } else {
        entry.records = result.records;
    }
    uint32_t ttl = *q.cache_ttl;
    for (size_t i = q.chain.size() + 1; i-- > 0;) {
        if (i < q.chain.size()) {
            ttl = std::min(ttl, q.chain[i].ttl);
        }
        const std::string& name =
            i == 0 ? q.asked_name : std::get<NameData>(q.chain[i - 1].data).name;
        entry.chain.assign(q.chain.begin() + static_cast<ptrdiff_t>(i), q.chain.end());
        cache_.put(name, q.type, entry, ttl);
    }
}

void Resolver::finish(uint64_t key, ResolveResult result) {
    auto it = queries_.find(key);
    if (it == queries_.end()) {
        return;
    }
    std::unique_ptr<Query> q = std::move(it->second);
    queries_.erase(it);
    if (!q->merge_key.empty()) {
        merge_index_.erase(q->merge_key);
    }
    if (q->timer != 0) {
        loop_.cancel_timer(q->timer);
    }
    close_sockets(*q);
    result.name = q->asked_name;
    result.type = q->type;
    result.attempts = q->prior_attempts + q->attempt;
    bool cacheable =
        result.status == ResolveStatus::kAnswer || result.status == ResolveStatus::kUnknownHost;
    if (config_.cache_enabled && !q->from_cache && cacheable && q->cache_ttl) {
        store(*q, result);
    }
    if (result.status == ResolveStatus::kNoResponse) {
        result.server = q->server;  // the server asked last
    }
    switch (result.status) {
        case ResolveStatus::kAnswer:
            ++counters_.answers;
            break;
        case ResolveStatus::kUnknownHost:
            ++counters_.unknown_host;
            break;
        case ResolveStatus::kNoResponse:
            ++counters_.timeouts;
            break;
        case ResolveStatus::kServerFailure:
            ++counters_.server_failures;
            break;
    }
    // The first caller first, then the merged ones in order; the last one gets the
    // result itself, the others copies. Callbacks may start queries (queries_ and
    // merge_index_ no longer hold this one).
    if (q->merged.empty()) {
        if (q->cb) {
            q->cb(std::move(result));
        }
        return;
    }
    if (q->cb) {
        q->cb(result);
    }
    for (size_t i = 0; i < q->merged.size(); ++i) {
        if (!q->merged[i]) {
            continue;
        }
        if (i + 1 == q->merged.size()) {
            q->merged[i](std::move(result));
        } else {
            q->merged[i](result);
        }
    }
}

}  // namespace mg::resolver
