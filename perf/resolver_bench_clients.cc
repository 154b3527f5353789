// The clients of resolver_bench (resolver_bench_clients.h): mg::resolver::Resolver on
// its own EventLoop, a c-ares channel polled by hand, getaddrinfo in a pool of worker
// threads, and the null client.
#include "perf/resolver_bench_clients.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "resolver/event_loop.h"
#include "resolver/resolver.h"
#include "resolver/servers.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <resolv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mg::perf {
namespace {

class OurClient : public Client {
  public:
    OurClient(const res::ServerAddr& server, bool cache) {
        res::ResolverConfig cfg;
        cfg.servers = {server};
        cfg.initial_timeout = std::chrono::milliseconds(kTimeoutMs);
        cfg.retries = kTries - 1;
        cfg.cache_enabled = cache;
        resolver_ = std::make_unique<res::Resolver>(loop_, cfg);
    }
    void submit(const std::string& name, uint64_t tag) override {
        ++pending_;
        resolver_->resolve(name, res::RrType::kA, [this, tag](res::ResolveResult r) {
            --pending_;
            done_(tag, r.status == res::ResolveStatus::kAnswer && !r.records.empty(), Clock::now());
        });
    }
    void poll(int wait_ms) override { loop_.run_once(std::chrono::milliseconds(wait_ms)); }
    size_t pending() const override { return pending_; }

  private:
    res::EventLoop loop_;
    std::unique_ptr<res::Resolver> resolver_;
    size_t pending_ = 0;
};

class CaresClient : public Client {
  public:
    explicit CaresClient(const res::ServerAddr& server) {
        ares_options opt{};
        opt.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
        opt.timeout = kTimeoutMs;
        opt.tries = kTries;
        opt.lookups = const_cast<char*>("b");  // DNS only, no /etc/hosts
        const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
        if (ares_init_options(&channel_, &opt, mask) != ARES_SUCCESS) {
            std::fprintf(stderr, "ares_init_options failed\n");
            std::exit(1);
        }
        const std::string csv = server.to_string();
        if (ares_set_servers_ports_csv(channel_, csv.c_str()) != ARES_SUCCESS) {
            std::fprintf(stderr, "ares_set_servers_ports_csv(%s) failed\n", csv.c_str());
            std::exit(1);
        }
    }
    ~CaresClient() override { ares_destroy(channel_); }
    void submit(const std::string& name, uint64_t tag) override {
        ++pending_;
        auto* ctx = new Ctx{this, tag};
        ares_gethostbyname(channel_, name.c_str(), AF_INET, &CaresClient::on_host, ctx);
    }
    void poll(int wait_ms) override {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        const int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
        pollfd pfds[ARES_GETSOCK_MAXNUM];
        int n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
            short ev = 0;
            if (ARES_GETSOCK_READABLE(bits, i))
                ev |= POLLIN;
            if (ARES_GETSOCK_WRITABLE(bits, i))
                ev |= POLLOUT;
            if (ev != 0)
                pfds[n++] = pollfd{socks[i], ev, 0};
        }
        timeval max{wait_ms / 1000, (wait_ms % 1000) * 1000}, tv{};
        const timeval* t = ares_timeout(channel_, &max, &tv);
        const int ms = static_cast<int>(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
        const int ready = ::poll(pfds, n, ms);
        if (ready <= 0) {
            ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // time-outs
            return;
        }
        for (int i = 0; i < n; ++i) {
            if (pfds[i].revents == 0)
                continue;
            const bool rd = (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
            const bool wr = (pfds[i].revents & POLLOUT) != 0;
            ares_process_fd(channel_, rd ? pfds[i].fd : ARES_SOCKET_BAD,
                            wr ? pfds[i].fd : ARES_SOCKET_BAD);
        }
    }
    size_t pending() const override { return pending_; }

  private:
    struct Ctx {
        CaresClient* self;
        uint64_t tag;
    };
    static void on_host(void* arg, int status, int /*timeouts*/, hostent* host) {
        std::unique_ptr<Ctx> ctx(static_cast<Ctx*>(arg));
        const bool ok = status == ARES_SUCCESS && host != nullptr && host->h_addr_list != nullptr &&
                        host->h_addr_list[0] != nullptr;
        --ctx->self->pending_;
        ctx->self->done_(ctx->tag, ok, Clock::now());
    }
    ares_channel channel_ = nullptr;
    size_t pending_ = 0;
};

// glibc: getaddrinfo (AF_INET) in a pool of worker threads (it blocks). Each worker
// points its thread's resolver state (_res) at the bench server after res_init():
// glibc keeps a _res that was changed after initialisation instead of reloading
// /etc/resolv.conf, which has no port syntax. An answer counts only if it is a
// 10.77/16 address, i.e. really from the bench zone.
class GlibcClient : public Client {
  public:
    explicit GlibcClient(const res::ServerAddr& server) {
        sockaddr_storage ss{};
        server.to_sockaddr(ss);
        std::memcpy(&server_, &ss, sizeof server_);
        efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        for (int i = 0; i < kGlibcThreads; ++i)
            workers_.emplace_back([this] { work(); });
        std::unique_lock lock(mu_);
        ready_cv_.wait(lock, [this] { return ready_ == kGlibcThreads; });
    }
    ~GlibcClient() override {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
            queue_.clear();
        }
        cv_.notify_all();
        for (auto& t : workers_)
            t.join();
        close(efd_);
    }
    void submit(const std::string& name, uint64_t tag) override {
        ++pending_;
        {
            std::lock_guard lock(mu_);
            queue_.push_back(Job{name, tag});
        }
        cv_.notify_one();
    }
    void poll(int wait_ms) override {
        pollfd p{efd_, POLLIN, 0};
        if (::poll(&p, 1, wait_ms) <= 0)
            return;
        uint64_t v;
        if (read(efd_, &v, sizeof v) < 0)
            return;
        std::vector<Result> got;
        {
            std::lock_guard lock(mu_);
            got.swap(results_);
        }
        for (const auto& r : got) {
            --pending_;
            done_(r.tag, r.ok, r.at);
        }
    }
    size_t pending() const override { return pending_; }

  private:
    struct Job {
        std::string name;
        uint64_t tag;
    };
    struct Result {
        uint64_t tag;
        bool ok;
        Clock::time_point at;
    };
    void work() {
        res_init();
        _res.nsaddr_list[0] = server_;
        _res.nscount = 1;
        _res.retrans = kTimeoutMs / 1000;
        _res.retry = kTries;
        _res.options &= ~static_cast<unsigned long>(RES_ROTATE);
        {
            std::lock_guard lock(mu_);
            ++ready_;
        }
        ready_cv_.notify_all();
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
                if (stop_)
                    return;
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            addrinfo hints{};
            hints.ai_family = AF_INET;
            hints.ai_socktype = SOCK_DGRAM;
            addrinfo* ai = nullptr;
            bool ok = getaddrinfo(job.name.c_str(), nullptr, &hints, &ai) == 0 && ai != nullptr;
            if (ok) {
                const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
                ok = (ntohl(sin->sin_addr.s_addr) >> 16) == ((10u << 8) | 77u);
            }
            if (ai != nullptr)
                freeaddrinfo(ai);
            const auto at = Clock::now();
            {
                std::lock_guard lock(mu_);
                results_.push_back(Result{job.tag, ok, at});
            }
            const uint64_t one = 1;
            if (write(efd_, &one, sizeof one) < 0) {
                // eventfd overflow is impossible here; nothing to do
            }
        }
    }
    sockaddr_in server_{};
    int efd_ = -1;
    std::mutex mu_;
    std::condition_variable cv_, ready_cv_;
    std::deque<Job> queue_;
    std::vector<Result> results_;
    std::vector<std::thread> workers_;
    int ready_ = 0;
    bool stop_ = false;
    size_t pending_ = 0;
};

// The socket floor: the least a client that gives every query a fresh random source
// port can do per query through the socket API, one system call per operation. A
// pooled, never-bound socket (already registered with epoll) sends a prebuilt query
// (its first sendto() autobinds it to a random port), waits in epoll_wait, reads the
// answer, checks id, QR and a non-empty answer section, and gives the port back with
// connect(AF_UNSPEC), as ours does. No parsing, timers, resends, source check or log:
// no resolver that meets the rules can spend less CPU per query this way, so
// floor / c-ares bounds what any such resolver can reach against c-ares here.
class FloorClient : public Client {
  public:
    explicit FloorClient(const res::ServerAddr& server) {
        server_len_ = server.to_sockaddr(server_);
        family_ = server.family();
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) {
            std::perror("epoll_create1");
            std::exit(1);
        }
    }
    ~FloorClient() override {
        for (const Slot& s : slots_)
            ::close(s.fd);
        ::close(epoll_);
    }
    void submit(const std::string& name, uint64_t tag) override {
        size_t i;
        if (!free_.empty()) {
            i = free_.back();
            free_.pop_back();
        } else {
            i = slots_.size();
            const int fd = ::socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u64 = i;
            if (fd < 0 || ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
                std::perror("floor socket");
                std::exit(1);
            }
            slots_.push_back(Slot{fd, 0, 0});
        }
        Slot& s = slots_[i];
        s.tag = tag;
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 7;
        rng_ ^= rng_ << 17;
        s.id = static_cast<uint16_t>(rng_);
        uint8_t q[300];
        const size_t n = build_query(name, s.id, q);
        ++pending_;
        if (::sendto(s.fd, q, n, 0, reinterpret_cast<const sockaddr*>(&server_), server_len_) !=
            static_cast<ssize_t>(n))
            finish(i, false);
    }
    void poll(int wait_ms) override {
        epoll_event evs[64];
        const int n = ::epoll_wait(epoll_, evs, 64, wait_ms);
        for (int k = 0; k < n; ++k) {
            const size_t i = evs[k].data.u64;
            uint8_t buf[1500];
            const ssize_t got = ::recv(slots_[i].fd, buf, sizeof buf, 0);
            if (got < 12 || slots_[i].tag == kIdle)
                continue;
            const bool id_ok = ((buf[0] << 8) | buf[1]) == slots_[i].id && (buf[2] & 0x80) != 0;
            if (id_ok)
                finish(i, ((buf[6] << 8) | buf[7]) > 0);
        }
    }
    size_t pending() const override { return pending_; }

  private:
    static constexpr uint64_t kIdle = ~uint64_t{0};
    struct Slot {
        int fd;
        uint16_t id;
        uint64_t tag;
    };
    // A query for `name` IN A, RD set, no EDNS.
    static size_t build_query(const std::string& name, uint16_t id, uint8_t* q) {
        const uint8_t header[12] = {uint8_t(id >> 8), uint8_t(id), 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        std::memcpy(q, header, sizeof header);
        size_t n = sizeof header;
        size_t start = 0;
        while (start <= name.size() && n < 280) {
            size_t dot = name.find('.', start);
            if (dot == std::string::npos)
                dot = name.size();
            const size_t len = std::min<size_t>(dot - start, 63);
            if (len > 0) {
                q[n++] = static_cast<uint8_t>(len);
                std::memcpy(q + n, name.data() + start, len);
                n += len;
            }
            start = dot + 1;
        }
        const uint8_t tail[5] = {0, 0, 1, 0, 1};  // root, type A, class IN
        std::memcpy(q + n, tail, sizeof tail);
        return n + sizeof tail;
    }
    void finish(size_t i, bool ok) {
        Slot& s = slots_[i];
        const uint64_t tag = s.tag;
        s.tag = kIdle;
        sockaddr unspec{};
        unspec.sa_family = AF_UNSPEC;
        ::connect(s.fd, &unspec, sizeof unspec);  // gives the port back
        free_.push_back(i);
        --pending_;
        done_(tag, ok, Clock::now());
    }
    sockaddr_storage server_{};
    socklen_t server_len_ = 0;
    int family_ = AF_INET;
    int epoll_ = -1;
    std::vector<Slot> slots_;
    std::vector<size_t> free_;
    uint64_t rng_ = 0x9e3779b97f4a7c15ull;
    size_t pending_ = 0;
};

// No resolver at all: every query completes inside submit(). Its CPU per query is the
// driver's own share (schedule, wake-ups, latency bookkeeping), part of every row.
class NullClient : public Client {
  public:
    void submit(const std::string& /*name*/, uint64_t tag) override {
        done_(tag, true, Clock::now());
    }
    void poll(int wait_ms) override { ::poll(nullptr, 0, wait_ms); }
    size_t pending() const override { return 0; }
};

}  // namespace

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::kOurs:
            return "mediagate";
        case Kind::kOursCache:
            return "mediagate-cache";
        case Kind::kCares:
            return "c-ares";
        case Kind::kGlibc:
            return "getaddrinfo";
        case Kind::kDriver:
            return "driver-only";
        case Kind::kFloor:
            return "socket-floor";
    }
    return "?";
}

std::unique_ptr<Client> make_client(Kind k, const res::ServerAddr& server) {
    switch (k) {
        case Kind::kOurs:
            return std::make_unique<OurClient>(server, false);
        case Kind::kOursCache:
            return std::make_unique<OurClient>(server, true);
        case Kind::kCares:
            return std::make_unique<CaresClient>(server);
        case Kind::kGlibc:
            return std::make_unique<GlibcClient>(server);
        case Kind::kDriver:
            return std::make_unique<NullClient>();
        case Kind::kFloor:
            return std::make_unique<FloorClient>(server);
    }
    return nullptr;
}

}  // namespace mg::perf
