// relay_load: the traffic source and sink of perf/relay_peer_bench.sh, which relays
// the same RTP-like stream through mediagate and through rtpengine (DESIGN.md
// "Measuring": rtpengine is the peer for relaying).
//
//   relay_load --tx-netns NS --src ADDR:PORT --dests FILE --rx-netns NS --rx ADDR:PORT
//              [--rate PPS] [--seconds S] [--size BYTES] [--cpu N] [--relay-pid PID]
//
// One UDP socket in network namespace --tx-netns, bound to --src, sends to the
// destinations listed in --dests (one ADDR:PORT per line: the relay's ports, one per
// call) in turn, --rate packets per second (0: as fast as it can) for --seconds. One
// UDP socket in --rx-netns, bound to --rx, counts what arrives (only datagrams of this
// run: RTP version 2, a marker and this run's nonce in the payload) until 0.3 s after
// the last send. Both threads run on CPU --cpu. --relay-pid: the relay's process CPU
// time (all its threads, from schedstat).
// Prints one line of key=value pairs: sent (datagrams the kernel took), received,
// send_errors, send_s (first to last send), window_s and relay_cpu_s (the relay's
// CPU from the first send to 20 ms after the last). Bounded: at most 60 s, 100 M datagrams.
// IPv4 only (both relays are set up with IPv4 legs).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace {

constexpr double kMaxSeconds = 60.0;
constexpr std::uint64_t kMaxDatagrams = 100'000'000;
constexpr unsigned kBatch = 64;
constexpr std::size_t kMaxSize = 1400;
constexpr char kMarker[] = "mgrelayload";
constexpr double kDrainSeconds = 0.3;  // the sink keeps counting this long after the last send
// The relay's CPU is read this long after the last send (what was in flight is
// relayed by then; a longer window would charge an idle relay's polling or sleep).
constexpr double kSettleSeconds = 0.02;

struct Options {
    std::string tx_netns, rx_netns, dests_file;
    sockaddr_in src{}, rx{};
    double rate = 0, seconds = 2;
    std::size_t size = 172;  // G.711 20 ms: 12 bytes RTP header, 160 bytes audio
    int cpu = -1;
    long relay_pid = -1;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "relay_load: %s\n(see the comment at the top of perf/relay_load.cc)\n",
                 why.c_str());
    std::exit(64);
}

// A failure at run time (not the caller's arguments): exit 1.
[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "relay_load: %s\n", why.c_str());
    std::exit(1);
}

bool parse_endpoint(const std::string& text, sockaddr_in& out) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
        return false;
    out = {};
    out.sin_family = AF_INET;
    char* end = nullptr;
    errno = 0;
    unsigned long port = std::strtoul(text.c_str() + colon + 1, &end, 10);
    if (errno || *end != '\0' || port == 0 || port > 65535 || end == text.c_str() + colon + 1) {
        return false;
    }
    out.sin_port = htons(static_cast<std::uint16_t>(port));
    return inet_pton(AF_INET, text.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

double parse_number(const std::string& flag, const char* text, double lo, double hi) {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text, &end);
    if (errno || end == text || *end != '\0' || !(v >= lo && v <= hi)) {
        usage(flag + ": '" + text + "' is not a number in [" + std::to_string(lo) + ", " +
              std::to_string(hi) + "]");
    }
    return v;
}

double parse_whole(const std::string& flag, const char* text, double lo, double hi) {
    const double v = parse_number(flag, text, lo, hi);
    if (v != static_cast<double>(static_cast<long long>(v))) {
        usage(flag + ": '" + text + "' is not a whole number");
    }
    return v;
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (i + 1 >= argc)
            usage(flag + " needs a value");
        const char* v = argv[++i];
        if (flag == "--tx-netns")
            o.tx_netns = v;
        else if (flag == "--rx-netns")
            o.rx_netns = v;
        else if (flag == "--dests")
            o.dests_file = v;
        else if (flag == "--src" || flag == "--rx") {
            if (!parse_endpoint(v, flag == "--src" ? o.src : o.rx)) {
                usage(flag + ": '" + v + "' is not IPV4:PORT");
            }
        } else if (flag == "--rate")
            o.rate = parse_number(flag, v, 0, 1e8);
        else if (flag == "--seconds")
            o.seconds = parse_number(flag, v, 0.1, kMaxSeconds);
        else if (flag == "--size")
            o.size = static_cast<std::size_t>(parse_whole(flag, v, 32, kMaxSize));
        else if (flag == "--cpu")
            o.cpu = static_cast<int>(parse_whole(flag, v, 0, 1023));
        else if (flag == "--relay-pid")
            o.relay_pid = static_cast<long>(parse_whole(flag, v, 1, 4194304));
        else
            usage("unknown option " + flag);
    }
    if (o.tx_netns.empty() || o.rx_netns.empty() || o.dests_file.empty() || o.src.sin_port == 0 ||
        o.rx.sin_port == 0) {
        usage("--tx-netns, --src, --dests, --rx-netns and --rx are required");
    }
    return o;
}

std::vector<sockaddr_in> read_dests(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        usage("--dests: cannot read " + path);
    std::vector<sockaddr_in> dests;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty())
            continue;
        sockaddr_in a{};
        if (!parse_endpoint(line, a))
            usage(path + ":" + std::to_string(n) + ": not IPV4:PORT");
        dests.push_back(a);
    }
    if (dests.empty())
        usage(path + ": no destinations");
    return dests;
}

// A UDP socket created inside network namespace NAME (/run/netns/NAME), bound to
// `bind_to`; the calling thread returns to its own namespace.
int socket_in(const std::string& name, const sockaddr_in& bind_to) {
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
        fail("cannot enter network namespace " + name + ": " + std::strerror(errno));
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int big = 64 << 20;
    bool ok = fd >= 0 &&
              bind(fd, reinterpret_cast<const sockaddr*>(&bind_to), sizeof bind_to) == 0 &&
              (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) == 0 ||
               setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big) == 0);
    int saved = errno;
    if (setns(self, CLONE_NEWNET) != 0)
        fail("cannot return to the own network namespace");
    close(self);
    close(target);
    if (!ok)
        fail("socket in " + name + ": " + std::strerror(saved));
    return fd;
}

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void pin(int cpu) {
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        fail("cannot pin to CPU " + std::to_string(cpu));
}

// Seconds of CPU that PID's threads ran: the sum of the first field of
// /proc/PID/task/*/schedstat (the scheduler's run time in ns, exact; utime and stime
// are sampled at timer ticks, which miscounts a thread that sleeps in short slices).
double process_cpu_s(long pid) {
    if (pid < 0)
        return 0;
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = opendir(tasks.c_str());
    if (dir == nullptr)
        return -1;
    unsigned long long ns = 0;
    int threads = 0;
    while (const dirent* e = readdir(dir)) {
        if (e->d_name[0] == '.')
            continue;
        std::ifstream in(tasks + "/" + e->d_name + "/schedstat");
        unsigned long long run = 0;
        if (in >> run) {
            ns += run;
            ++threads;
        }
    }
    closedir(dir);
    return threads > 0 ? static_cast<double>(ns) * 1e-9 : -1;
}

// Tells this run's datagrams from any other's: kMarker, then 4 bytes of nonce.
std::uint32_t g_nonce = 0;

void fill_rtp(unsigned char* p, std::size_t size, std::uint32_t seq, std::uint32_t ssrc) {
    p[0] = 0x80;  // version 2
    p[1] = 0;     // PCMU
    p[2] = static_cast<unsigned char>(seq >> 8);
    p[3] = static_cast<unsigned char>(seq);
    std::uint32_t ts = htonl(seq * 160), ss = htonl(ssrc);
    std::memcpy(p + 4, &ts, 4);
    std::memcpy(p + 8, &ss, 4);
    std::memset(p + 12, 0xff, size - 12);
    std::memcpy(p + 12, kMarker, sizeof kMarker - 1);
    std::memcpy(p + 12 + sizeof kMarker - 1, &g_nonce, sizeof g_nonce);
}

struct SendResult {
    std::uint64_t sent = 0, errors = 0;
};

SendResult send_loop(int fd, const std::vector<sockaddr_in>& dests, const Options& o) {
    SendResult r;
    std::vector<unsigned char> buf(kBatch * o.size);
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> msgs(kBatch);
    std::vector<sockaddr_in> to(kBatch);
    const double start = now_s(), end = start + o.seconds;
    for (;;) {
        double t = now_s();
        if (t >= end || r.sent >= kMaxDatagrams)
            break;
        std::uint64_t due =
            o.rate > 0 ? static_cast<std::uint64_t>((t - start) * o.rate) + 1 : r.sent + kBatch;
        if (due <= r.sent) {
            timespec pause{0, 200'000};  // 0.2 ms: the fixed rate goes out in small bursts
            nanosleep(&pause, nullptr);
            continue;
        }
        unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(due - r.sent, kBatch));
        for (unsigned i = 0; i < n; ++i) {
            const std::size_t d = static_cast<std::size_t>((r.sent + i) % dests.size());
            unsigned char* p = buf.data() + i * o.size;
            fill_rtp(p, o.size, static_cast<std::uint32_t>(r.sent + i),
                     static_cast<std::uint32_t>(d + 1));
            to[i] = dests[d];
            iov[i] = {p, o.size};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_name = &to[i];
            msgs[i].msg_hdr.msg_namelen = sizeof to[i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int sent = sendmmsg(fd, msgs.data(), n, 0);
        if (sent < 0) {
            // Not sent, not counted: the same datagrams are tried again (ENOBUFS).
            ++r.errors;
            timespec pause{0, 50'000};
            nanosleep(&pause, nullptr);
            continue;
        }
        r.sent += static_cast<unsigned>(sent);
    }
    return r;
}

void receive_loop(int fd,
                  std::size_t size,
                  const std::atomic<bool>& stop,
                  std::atomic<std::uint64_t>& received) {
    timeval tv{0, 50'000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::vector<unsigned char> buf(kBatch * 2048);
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> msgs(kBatch);
    while (!stop.load(std::memory_order_relaxed)) {
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = {buf.data() + i * 2048, 2048};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs.data(), kBatch, 0, nullptr);
        std::uint64_t ours = 0;
        for (int i = 0; i < n; ++i) {
            const unsigned char* p = buf.data() + static_cast<std::size_t>(i) * 2048;
            if (msgs[i].msg_len == size && p[0] == 0x80 &&
                std::memcmp(p + 12, kMarker, sizeof kMarker - 1) == 0 &&
                std::memcmp(p + 12 + sizeof kMarker - 1, &g_nonce, sizeof g_nonce) == 0) {
                ++ours;
            }
        }
        received.fetch_add(ours, std::memory_order_relaxed);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse_args(argc, argv);
    g_nonce = static_cast<std::uint32_t>(getpid()) ^ static_cast<std::uint32_t>(now_s() * 1e6);
    std::vector<sockaddr_in> dests = read_dests(o.dests_file);
    int tx = socket_in(o.tx_netns, o.src);
    int rx = socket_in(o.rx_netns, o.rx);
    pin(o.cpu);

    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> received{0};
    std::thread sink(receive_loop, rx, o.size, std::cref(stop), std::ref(received));

    double relay0 = process_cpu_s(o.relay_pid), t0 = now_s();
    SendResult s = send_loop(tx, dests, o);
    double send_end = now_s();
    timespec settle{0, static_cast<long>(kSettleSeconds * 1e9)};
    nanosleep(&settle, nullptr);
    double relay1 = process_cpu_s(o.relay_pid), t1 = now_s();
    timespec drain{0, static_cast<long>((kDrainSeconds - kSettleSeconds) * 1e9)};
    nanosleep(&drain, nullptr);
    if (o.relay_pid > 0 && (relay0 < 0 || relay1 < 0)) {
        fail("cannot read the CPU time of process " + std::to_string(o.relay_pid) +
             " (did it exit?)");
    }
    stop = true;
    sink.join();
    close(tx);
    close(rx);

    std::printf(
        "sent=%llu received=%llu send_errors=%llu send_s=%.4f window_s=%.4f "
        "relay_cpu_s=%.4f\n",
        static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(received.load()),
        static_cast<unsigned long long>(s.errors), send_end - t0, t1 - t0,
        o.relay_pid > 0 ? relay1 - relay0 : -1.0);
    return 0;
}
