// resolver_bench: our stub resolver (mg::resolver::Resolver) against c-ares and glibc's
// getaddrinfo, all asking the same local dnsmasq (DESIGN.md "Measuring").
//
//   resolver_bench [--json] [--smoke] [--profile CLIENT]
//
// The benchmark starts its own dnsmasq on a random 127.0.0.X and high port, serving
// kZoneNames A names hN.bench.test from local data, and kills it on exit. Each client
// (resolver_bench_clients.h) is driven in-process by one thread at a fixed offered rate
// (open loop: queries go out on schedule whether or not earlier ones were answered).
// Per client it prints the process CPU time per answered query, p50/p99 latency (send
// to callback), failures, and the highest offered rate that stays clean. perf/README.md
// explains and records the figures.
// Missed targets are reported, never fatal; the exit code is non-zero only when dnsmasq
// cannot be started or a client answers nothing at all.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "perf/resolver_bench_clients.h"
#include "resolver/event_loop.h"
#include "resolver/resolver.h"
#include "resolver/servers.h"

#include <ares.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mg::perf {
namespace {

constexpr int kZoneNames = 1000;
constexpr double kBlowUpP99Ms = 100.0;
constexpr int kSteps = 11;   // max-rate search: 1000 q/s x1.5 per step (to 57665), 1 s each
constexpr int kRepeats = 3;  // fixed-rate runs per client; the median is reported

// ---------------------------------------------------------------------------------
// dnsmasq, started and killed by us.

pid_t g_dnsmasq_pid = -1;
std::string g_tmp_dir;

void stop_dnsmasq() {
    if (g_dnsmasq_pid > 0) {
        kill(g_dnsmasq_pid, SIGKILL);
        waitpid(g_dnsmasq_pid, nullptr, 0);
        g_dnsmasq_pid = -1;
    }
    if (!g_tmp_dir.empty()) {
        std::remove((g_tmp_dir + "/zone.conf").c_str());
        std::remove((g_tmp_dir + "/dnsmasq.log").c_str());
        rmdir(g_tmp_dir.c_str());
        g_tmp_dir.clear();
    }
}

void on_signal(int sig) {
    if (g_dnsmasq_pid > 0)
        kill(g_dnsmasq_pid, SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

std::string zone_name(int i) {
    return "h" + std::to_string(i) + ".bench.test";
}

bool write_zone(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr)
        return false;
    std::fprintf(f, "local=/bench.test/\nlocal-ttl=300\n");
    for (int i = 0; i < kZoneNames; ++i)
        std::fprintf(f, "host-record=%s,10.77.%d.%d\n", zone_name(i).c_str(), i / 250, i % 250 + 1);
    return std::fclose(f) == 0;
}

// One A query for h0.bench.test with our resolver, 100 ms, no resend.
bool server_answers(const res::ServerAddr& server) {
    res::EventLoop loop;
    res::ResolverConfig cfg;
    cfg.servers = {server};
    cfg.initial_timeout = std::chrono::milliseconds(100);
    cfg.retries = 0;
    cfg.cache_enabled = false;
    res::Resolver r(loop, cfg);
    bool done = false, ok = false;
    r.resolve(zone_name(0), res::RrType::kA, [&](res::ResolveResult result) {
        done = true;
        ok = result.status == res::ResolveStatus::kAnswer;
    });
    loop.run_until([&] { return done; }, Clock::now() + std::chrono::seconds(1));
    return ok;
}

// Starts dnsmasq on a random loopback address and port; tries again when the port is
// taken. Returns false (with the log on stderr) when it never answers.
bool start_dnsmasq(res::ServerAddr& out) {
    char tmpl[] = "/tmp/mg_resolver_bench.XXXXXX";
    if (mkdtemp(tmpl) == nullptr)
        return false;
    g_tmp_dir = tmpl;
    const std::string conf = g_tmp_dir + "/zone.conf", log = g_tmp_dir + "/dnsmasq.log";
    if (!write_zone(conf))
        return false;
    const char* bin = access("/usr/sbin/dnsmasq", X_OK) == 0 ? "/usr/sbin/dnsmasq" : "dnsmasq";
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 8; ++attempt) {
        const std::string ip = "127.0.0." + std::to_string(20 + rng() % 200);
        const int port = 30000 + static_cast<int>(rng() % 20000);
        const std::string args[] = {
            bin,
            "--no-daemon",
            "--no-resolv",
            "--no-hosts",
            "--conf-file=" + conf,
            "--port=" + std::to_string(port),
            "--listen-address=" + ip,
            "--bind-interfaces",
            "--pid-file=",
            "--log-facility=-",
            "--dns-forward-max=10000",
        };
        const pid_t parent = getpid();
        const pid_t pid = fork();
        if (pid < 0)
            return false;
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the benchmark
            if (getppid() != parent)
                _exit(127);
            FILE* lf = std::freopen(log.c_str(), "w", stdout);
            if (lf != nullptr)
                dup2(fileno(lf), 2);
            std::vector<char*> argv;
            for (const auto& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execvp(argv[0], argv.data());
            _exit(127);
        }
        g_dnsmasq_pid = pid;
        auto server = res::parse_server(ip + ":" + std::to_string(port));
        if (!server)
            return false;
        for (int i = 0; i < 50; ++i) {
            if (waitpid(pid, nullptr, WNOHANG) != 0) {
                g_dnsmasq_pid = -1;
                break;
            }
            if (server_answers(*server)) {
                out = *server;
                return true;
            }
            usleep(100000);
        }
        if (g_dnsmasq_pid > 0) {
            kill(g_dnsmasq_pid, SIGKILL);
            waitpid(g_dnsmasq_pid, nullptr, 0);
            g_dnsmasq_pid = -1;
        }
    }
    if (FILE* f = std::fopen(log.c_str(), "r")) {
        char line[512];
        while (std::fgets(line, sizeof line, f) != nullptr)
            std::fputs(line, stderr);
        std::fclose(f);
    }
    return false;
}

// ---------------------------------------------------------------------------------
// Driver: one run at a fixed offered rate.

struct RunResult {
    double rate = 0;
    uint64_t offered = 0, answered = 0, failures = 0;
    double cpu_us_per_query = 0, p50_ms = 0, p99_ms = 0;
    double issue_lag_ms = 0;  // how late the last query went out against its schedule
    bool clean() const {
        return offered > 0 && failures == 0 && p99_ms <= kBlowUpP99Ms && issue_lag_ms <= 100;
    }
};

double process_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

const std::vector<int>& name_order() {
    static const std::vector<int> order = [] {
        std::mt19937_64 rng(20240607);
        std::vector<int> v(8192);
        for (auto& x : v)
            x = static_cast<int>(rng() % kZoneNames);
        return v;
    }();
    return order;
}

double percentile(std::vector<double>& sorted, double p) {
    if (sorted.empty())
        return 0;
    const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
    return sorted[i];
}

RunResult drive(Kind kind, const res::ServerAddr& server, double rate, double seconds) {
    RunResult out;
    std::thread th([&] {
        auto client = make_client(kind, server);
        const uint64_t total = static_cast<uint64_t>(rate * seconds);
        std::vector<std::string> names(kZoneNames);
        for (int i = 0; i < kZoneNames; ++i)
            names[i] = zone_name(i);
        const auto& order = name_order();
        std::vector<Clock::time_point> sent(total);
        std::vector<double> lat_ms;
        lat_ms.reserve(total);
        uint64_t answered = 0, failed = 0;
        client->done_ = [&](uint64_t tag, bool ok, Clock::time_point at) {
            if (!ok) {
                ++failed;
                return;
            }
            ++answered;
            lat_ms.push_back(std::chrono::duration<double, std::milli>(at - sent[tag]).count());
        };
        const double cpu0 = process_cpu_s();
        const auto t0 = Clock::now();
        const auto interval = std::chrono::duration<double>(1.0 / rate);
        uint64_t next = 0;
        double lag_ms = 0;
        // Queries that have not completed 4 s after the last send are failures.
        const auto hard_end = t0 + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds + 4.0));
        for (;;) {
            auto now = Clock::now();
            while (next < total) {
                const auto due =
                    t0 + std::chrono::duration_cast<Clock::duration>(interval * double(next));
                if (due > now)
                    break;
                lag_ms = std::chrono::duration<double, std::milli>(now - due).count();
                sent[next] = Clock::now();
                client->submit(names[order[next % order.size()]], next);
                ++next;
            }
            if (next == total && client->pending() == 0)
                break;
            if (now >= hard_end)
                break;
            int wait_ms = 100;
            if (next < total) {
                const auto due =
                    t0 + std::chrono::duration_cast<Clock::duration>(interval * double(next));
                const double ms = std::chrono::duration<double, std::milli>(due - now).count();
                wait_ms = std::max(1, static_cast<int>(ms + 0.999));  // never spin
            }
            client->poll(wait_ms);
        }
        const double cpu = process_cpu_s() - cpu0;
        out.rate = rate;
        out.offered = total;
        out.answered = answered;
        out.failures = total - answered;
        (void)failed;
        out.issue_lag_ms = lag_ms;
        out.cpu_us_per_query = answered > 0 ? cpu * 1e6 / static_cast<double>(answered) : 0;
        std::sort(lat_ms.begin(), lat_ms.end());
        out.p50_ms = percentile(lat_ms, 0.50);
        out.p99_ms = percentile(lat_ms, 0.99);
        client.reset();  // a glibc pool joins its threads here, outside the measurement
    });
    th.join();
    return out;
}

struct ClientReport {
    Kind kind;
    RunResult fixed;
    std::vector<RunResult> steps;
    double max_clean_rate = 0;
};

struct Options {
    bool json = false;
    bool smoke = false;
    std::string profile;  // --profile CLIENT: only that client, at the fixed rate, 10 s
};

// The median of each figure over the repeats (each figure on its own).
RunResult median_run(std::vector<RunResult> runs) {
    auto med = [&](auto field) {
        std::vector<double> v;
        for (const auto& r : runs)
            v.push_back(static_cast<double>(r.*field));
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    RunResult out = runs.front();
    out.cpu_us_per_query = med(&RunResult::cpu_us_per_query);
    out.p50_ms = med(&RunResult::p50_ms);
    out.p99_ms = med(&RunResult::p99_ms);
    out.issue_lag_ms = med(&RunResult::issue_lag_ms);
    out.offered = out.answered = out.failures = 0;
    for (const auto& r : runs) {  // counts: summed over the repeats
        out.offered += r.offered;
        out.answered += r.answered;
        out.failures += r.failures;
    }
    return out;
}

// Fixed-rate runs, kRepeats rounds with the clients interleaved (so that a burst of
// other load on the machine hits all of them alike), then each client's rate ladder.
std::vector<ClientReport> bench_all(const res::ServerAddr& server, const Options& opt) {
    const double fixed_rate = opt.smoke ? 200 : 2000, fixed_s = opt.smoke ? 0.3 : 3.0;
    const int repeats = opt.smoke ? 1 : kRepeats;
    std::vector<std::vector<RunResult>> fixed(std::size(kKinds));
    for (int round = 0; round < repeats; ++round)
        for (size_t i = 0; i < std::size(kKinds); ++i)
            fixed[i].push_back(drive(kKinds[i], server, fixed_rate, fixed_s));
    std::vector<ClientReport> reps;
    for (size_t i = 0; i < std::size(kKinds); ++i) {
        ClientReport rep{kKinds[i], median_run(fixed[i]), {}, 0};
        const int steps = opt.smoke ? 2 : kSteps;
        double rate = opt.smoke ? 200 : 1000;
        for (int s = 0; s < steps; ++s, rate *= 1.5) {
            RunResult r = drive(kKinds[i], server, rate, opt.smoke ? 0.2 : 1.0);
            rep.steps.push_back(r);
            if (!r.clean())
                break;
            rep.max_clean_rate = rate;
        }
        reps.push_back(rep);
    }
    return reps;
}

std::string step_list(const ClientReport& r) {
    std::string s;
    char buf[128];
    for (const auto& st : r.steps) {
        if (st.clean())
            std::snprintf(buf, sizeof buf, "%s%.0f", s.empty() ? "" : " ", st.rate);
        else
            std::snprintf(buf, sizeof buf, "%s%.0f(x: %llu failed, p99 %.1f ms, lag %.0f ms)",
                          s.empty() ? "" : " ", st.rate, (unsigned long long)st.failures, st.p99_ms,
                          st.issue_lag_ms);
        s += buf;
    }
    return s;
}

// Every step was clean: the true maximum is higher than the ladder reached.
bool capped(const ClientReport& r) {
    return !r.steps.empty() && r.steps.back().clean();
}

double ratio(double a, double b) {
    return b > 0 ? a / b : 0;
}

}  // namespace
}  // namespace mg::perf

int main(int argc, char** argv) {
    using namespace mg::perf;
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--json") {
            opt.json = true;
        } else if (a == "--smoke") {
            opt.smoke = true;
        } else if (a == "--profile" && i + 1 < argc) {
            opt.profile = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: resolver_bench [--json] [--smoke] [--profile CLIENT]\n"
                         "  --json     one JSON object on stdout instead of the tables\n"
                         "  --smoke    short runs (< 10 s): builds, runs, every client answers\n"
                         "  --profile  one client (mediagate, c-ares, ...) at 2000 q/s for 10 s,\n"
                         "             for perf record; no comparison\n");
            return 64;
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    std::atexit(stop_dnsmasq);
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        std::fprintf(stderr, "ares_library_init failed\n");
        return 1;
    }
    res::ServerAddr server;
    if (!start_dnsmasq(server)) {
        std::fprintf(stderr,
                     "resolver_bench: dnsmasq did not start (apt-get install "
                     "dnsmasq-base)\n");
        return 1;
    }
    if (!opt.profile.empty()) {
        for (Kind k : kKinds) {
            if (opt.profile == kind_name(k)) {
                const RunResult r = drive(k, server, 2000, 10.0);
                std::printf("%s: %.2f us/q, p50 %.3f ms, p99 %.3f ms, %llu answered\n",
                            kind_name(k), r.cpu_us_per_query, r.p50_ms, r.p99_ms,
                            (unsigned long long)r.answered);
                return 0;
            }
        }
        std::fprintf(stderr, "resolver_bench: unknown client %s\n", opt.profile.c_str());
        return 64;
    }
    if (!opt.json)
        std::printf("dnsmasq on %s, %d A names; c-ares %s; timeout %d ms, %d sends per query%s\n",
                    server.to_string().c_str(), kZoneNames, ares_version(nullptr), kTimeoutMs,
                    kTries, opt.smoke ? "  [--smoke: short runs]" : "");
    const std::vector<ClientReport> reps = bench_all(server, opt);
    stop_dnsmasq();
    ares_library_cleanup();

    auto find = [&](Kind k) -> const ClientReport& {
        for (const auto& r : reps)
            if (r.kind == k)
                return r;
        return reps.front();
    };
    const auto& ours = find(Kind::kOurs);
    const auto& cares = find(Kind::kCares);
    const auto& glibc = find(Kind::kGlibc);
    const double cpu_ratio = ratio(ours.fixed.cpu_us_per_query, cares.fixed.cpu_us_per_query);
    const double p99_ratio = ratio(ours.fixed.p99_ms, cares.fixed.p99_ms);
    const double glibc_cpu_ratio = ratio(ours.fixed.cpu_us_per_query, glibc.fixed.cpu_us_per_query);
    const double drv = find(Kind::kDriver).fixed.cpu_us_per_query;
    const double net_cpu_ratio =
        ratio(ours.fixed.cpu_us_per_query - drv, cares.fixed.cpu_us_per_query - drv);
    const double floor_ratio =
        ratio(find(Kind::kFloor).fixed.cpu_us_per_query, cares.fixed.cpu_us_per_query);
    const bool cpu_met = cares.fixed.answered > 0 && cpu_ratio <= 0.66;
    const bool p99_met = cares.fixed.answered > 0 && p99_ratio <= 1.0;
    const double fixed_rate = opt.smoke ? 200 : 2000;

    if (opt.json) {
        std::printf(
            "{\"server\": \"%s\", \"zone_names\": %d, \"cares_version\": \"%s\", "
            "\"smoke\": %s, \"fixed_rate\": %.0f, \"glibc_method\": \"getaddrinfo, "
            "%d threads, per-thread _res\", \"clients\": [",
            server.to_string().c_str(), kZoneNames, ares_version(nullptr),
            opt.smoke ? "true" : "false", fixed_rate, kGlibcThreads);
        for (size_t i = 0; i < reps.size(); ++i) {
            const auto& r = reps[i];
            std::printf(
                "%s{\"name\": \"%s\", \"cpu_us_per_query\": %.2f, \"p50_ms\": %.3f, "
                "\"p99_ms\": %.3f, \"answered\": %llu, \"failures\": %llu, "
                "\"max_clean_rate\": %.0f, \"max_rate_capped\": %s, \"steps\": [",
                i ? ", " : "", kind_name(r.kind), r.fixed.cpu_us_per_query, r.fixed.p50_ms,
                r.fixed.p99_ms, (unsigned long long)r.fixed.answered,
                (unsigned long long)r.fixed.failures, r.max_clean_rate,
                capped(r) ? "true" : "false");
            for (size_t j = 0; j < r.steps.size(); ++j) {
                const auto& s = r.steps[j];
                std::printf(
                    "%s{\"rate\": %.0f, \"failures\": %llu, \"p99_ms\": %.3f, "
                    "\"cpu_us_per_query\": %.2f, \"clean\": %s}",
                    j ? ", " : "", s.rate, (unsigned long long)s.failures, s.p99_ms,
                    s.cpu_us_per_query, s.clean() ? "true" : "false");
            }
            std::printf("]}");
        }
        std::printf(
            "], \"cpu_ratio_vs_cares\": %.3f, \"p99_ratio_vs_cares\": %.3f, "
            "\"cpu_ratio_vs_getaddrinfo\": %.3f, \"cpu_ratio_vs_cares_net_of_driver\": %.3f, "
            "\"socket_floor_cpu_ratio_vs_cares\": %.3f, "
            "\"target_cpu_met\": %s, \"target_p99_met\": %s}\n",
            cpu_ratio, p99_ratio, glibc_cpu_ratio, net_cpu_ratio, floor_ratio,
            cpu_met ? "true" : "false", p99_met ? "true" : "false");
    } else {
        std::printf(
            "\nfixed offered rate %.0f q/s for %.1f s; max clean rate: x1.5 steps, %.1f s each "
            "(x = failures, p99 > %.0f ms or sends fell behind)\n",
            fixed_rate, opt.smoke ? 0.3 : 3.0, opt.smoke ? 0.2 : 1.0, kBlowUpP99Ms);
        std::printf("%-16s %10s %9s %9s %9s %9s %12s  %s\n", "client", "CPU us/q", "p50 ms",
                    "p99 ms", "answered", "failures", "max q/s", "steps");
        for (const auto& r : reps) {
            char max[32];
            std::snprintf(max, sizeof max, "%s%.0f", capped(r) ? ">=" : "", r.max_clean_rate);
            std::printf("%-16s %10.2f %9.3f %9.3f %9llu %9llu %12s  %s\n", kind_name(r.kind),
                        r.fixed.cpu_us_per_query, r.fixed.p50_ms, r.fixed.p99_ms,
                        (unsigned long long)r.fixed.answered, (unsigned long long)r.fixed.failures,
                        max, step_list(r).c_str());
        }
        std::printf(
            "(fixed-rate figures: median of %d interleaved runs; answered/failures: summed.\n"
            " getaddrinfo: glibc, %d worker threads, each with _res pointed at the bench server.\n"
            " mediagate-cache: cache on, for reference. driver-only: no resolver, the driver's\n"
            " own CPU per query, included in every row. socket-floor: no resolver, only the\n"
            " system calls of a fresh random port per query (send, wait, receive, release),\n"
            " the least any client with that rule spends this way. >=: the last step was\n"
            " still clean.)\n\n",
            opt.smoke ? 1 : kRepeats, kGlibcThreads);
        std::printf("mediagate/c-ares CPU per query: %.2fx\n", cpu_ratio);
        std::printf("mediagate/c-ares p99 ratio: %.2fx\n", p99_ratio);
        std::printf("mediagate/c-ares CPU per query, driver-only subtracted: %.2fx\n",
                    net_cpu_ratio);
        std::printf("mediagate/getaddrinfo CPU per query: %.2fx\n", glibc_cpu_ratio);
        std::printf("mediagate/c-ares max clean rate: %.2fx\n",
                    ratio(ours.max_clean_rate, cares.max_clean_rate));
        std::printf(
            "socket-floor/c-ares CPU per query: %.2fx (the system calls alone: a resolver "
            "making them cannot go below this)\n",
            floor_ratio);
        std::printf("target CPU per query <= 0.66x c-ares: %s\n", cpu_met ? "MET" : "MISSED");
        std::printf("target p99 no worse than c-ares: %s\n", p99_met ? "MET" : "MISSED");
    }
    for (const auto& r : reps) {
        if (r.fixed.answered == 0) {
            std::fprintf(stderr, "resolver_bench: %s answered nothing\n", kind_name(r.kind));
            return 1;
        }
    }
    return 0;
}