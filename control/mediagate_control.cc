// mediagate-control: the control daemon (DESIGN.md "Processes").
//
//   mediagate-control [--config FILE] [--IPv6 YES|NO] [--foreground] [--socket PATH]
//                     [--dataplane-socket PATH]
//   mediagate-control --check-config FILE
//
// One EventLoop drives the CLI socket, the dataplane channel, signals (signalfd) and
// timers. SIGHUP
// reloads the config (everything or nothing); SIGTERM/SIGINT stop cleanly (the
// socket file is removed). Without --foreground the process detaches and the
// parent exits only once the daemon is listening (0) or has failed (1, with the
// reason), so init scripts see start-up errors.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "configs/values.h"
#include "control/daemon.h"

#include <fcntl.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace {

using namespace mg::control;

constexpr const char* kDefaultConfig = "/etc/mediagate/mediagate.toml";

constexpr const char* kUsage =
    "usage: mediagate-control [--config FILE] [--IPv6 YES|NO] [--foreground] [--socket PATH]\n"
    "                         [--dataplane-socket PATH]\n"
    "       mediagate-control --check-config FILE\n"
    "\n"
    "  --config FILE        the TOML configuration (default /etc/mediagate/mediagate.toml)\n"
    "  --check-config FILE  validate FILE completely and exit: 0 valid, 1 invalid\n"
    "  --IPv6 YES|NO        force IPv6 networking on or off (wins over [network] ipv6)\n"
    "  --foreground         stay in the foreground (for systemd and terminals)\n"
    "  --socket PATH        listen on PATH instead of the config's [control] socket\n"
    "  --dataplane-socket PATH\n"
    "                       connect to the dataplane on PATH instead of the config's\n"
    "                       [dataplane] socket\n"
    "  --version            print the version\n"
    "\n"
    "Signals: SIGHUP reloads the config; SIGTERM and SIGINT stop the daemon.\n"
    "Exit status: 0 clean stop, 1 configuration or start-up error, 64 usage error.\n";

struct Args {
    std::string config = kDefaultConfig;
    std::optional<std::string> check;
    std::optional<bool> ipv6;
    bool foreground = false;
    std::string socket;
    std::string dataplane_socket;
};

int usage_error(const std::string& why) {
    std::fprintf(stderr, "mediagate-control: %s\n%s", why.c_str(), kUsage);
    return 64;
}

std::optional<bool> parse_yes_no(std::string v) {
    for (auto& c : v)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (v == "YES")
        return true;
    if (v == "NO")
        return false;
    return std::nullopt;
}

int check_config(const Args& a) {
    RuntimeOptions opts;
    opts.ipv6_forced = a.ipv6;
    auto rt = load_runtime(*a.check, opts);
    if (!rt.ok()) {
        std::fputs(rt.error().format().c_str(), stderr);
        std::fprintf(stderr, "mediagate-control: %s: configuration is invalid\n", a.check->c_str());
        return 1;
    }
    const auto& cfg = (*rt)->config;
    for (const auto& n : (*rt)->notes)
        std::printf("note: %s\n", n.c_str());
    std::printf("%s: configuration OK (", a.check->c_str());
    for (size_t i = 0; i < cfg.lists.size(); ++i)
        std::printf("%s%s %zu", i ? ", " : "", cfg.lists[i].name.c_str(),
                    cfg.lists[i].set.interval_count());
    std::printf("; %zu dataplane ports, %zu static relays)\n", cfg.dataplane.ports.size(),
                cfg.relays.size());
    return 0;
}

// Blocks the signals we take through signalfd; returns the signalfd.
int open_signal_fd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0)
        return -1;
    return ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

// Tells the waiting parent how the start went (no-op in the foreground).
void notify_parent(int fd, const std::string& message) {
    if (fd < 0)
        return;
    (void)::write(fd, message.data(), message.size());
    ::close(fd);
}

int run(const Args& a, int parent_fd) {
    std::signal(SIGPIPE, SIG_IGN);
    int sfd = open_signal_fd();
    if (sfd < 0) {
        std::string why = std::string("signalfd: ") + std::strerror(errno);
        notify_parent(parent_fd, why);
        std::fprintf(stderr, "mediagate-control: %s\n", why.c_str());
        return 1;
    }
    mg::resolver::EventLoop loop;
    Logger log;
    DaemonOptions opts;
    opts.config_file = a.config;
    opts.runtime.ipv6_forced = a.ipv6;
    opts.socket_override = a.socket;
    opts.dataplane_socket_override = a.dataplane_socket;
    auto daemon = Daemon::start(loop, log, opts);
    if (!daemon.ok()) {
        std::string why = daemon.error().message;
        while (!why.empty() && why.back() == '\n')
            why.pop_back();
        notify_parent(parent_fd, why);
        if (parent_fd < 0)
            std::fprintf(stderr, "mediagate-control: %s\n", why.c_str());
        ::close(sfd);
        return 1;
    }
    Daemon& d = **daemon;
    auto added = loop.add_fd(sfd, EPOLLIN, [&](uint32_t) {
        signalfd_siginfo si{};
        while (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
            if (si.ssi_signo == SIGHUP) {
                (void)d.reload("SIGHUP");
            } else {
                log.info(std::string("stopping on ") + ::strsignal(static_cast<int>(si.ssi_signo)));
                d.request_stop();
            }
        }
    });
    MG_CHECK(added.ok(), "signalfd must register with the loop");
    notify_parent(parent_fd, "OK");
    while (!d.stop_requested())
        loop.run_once(std::chrono::milliseconds(1000));
    loop.remove_fd(sfd);
    ::close(sfd);
    daemon->reset();
    log.info("stopped");
    return 0;
}

// Forks; the parent waits for the child's verdict and exits with it.
int detach_and_run(const Args& a) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        std::fprintf(stderr, "mediagate-control: pipe: %s\n", std::strerror(errno));
        return 1;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        std::fprintf(stderr, "mediagate-control: fork: %s\n", std::strerror(errno));
        return 1;
    }
    if (pid > 0) {
        ::close(fds[1]);
        std::string verdict;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
            if (n > 0)
                verdict.append(buf, static_cast<size_t>(n));
        }
        if (verdict == "OK")
            return 0;
        std::fprintf(stderr, "mediagate-control: %s\n",
                     verdict.empty() ? "the daemon exited during start-up" : verdict.c_str());
        return 1;
    }
    ::close(fds[0]);
    ::setsid();
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        ::dup2(devnull, STDIN_FILENO);
        ::close(devnull);
    }
    return run(a, fds[1]);
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    // --help and --version answer once every argument has been checked.
    bool help = false, version = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&](const char* name) -> std::optional<std::string> {
            if (i + 1 >= argc)
                return std::nullopt;
            (void)name;
            return std::string(argv[++i]);
        };
        if (arg == "-h" || arg == "--help") {
            help = true;
        } else if (arg == "--version") {
            version = true;
        } else if (arg == "--foreground") {
            a.foreground = true;
        } else if (arg == "--config" || arg == "--check-config" || arg == "--socket" ||
                   arg == "--dataplane-socket" || arg == "--IPv6") {
            auto v = value(arg.c_str());
            if (!v || v->empty())
                return usage_error("option " + arg + " needs a value");
            if (arg == "--config") {
                a.config = *v;
            } else if (arg == "--check-config") {
                a.check = *v;
            } else if (arg == "--socket") {
                if (auto why = mg::configs::check_socket_path(*v))
                    return usage_error("--socket: " + *why);
                a.socket = *v;
            } else if (arg == "--dataplane-socket") {
                if (auto why = mg::configs::check_socket_path(*v))
                    return usage_error("--dataplane-socket: " + *why);
                a.dataplane_socket = *v;
            } else {
                a.ipv6 = parse_yes_no(*v);
                if (!a.ipv6)
                    return usage_error("--IPv6 wants YES or NO, not " +
                                       mg::configs::in_quotes(*v, '\''));
            }
        } else {
            return usage_error("unknown argument " + mg::configs::in_quotes(arg, '\''));
        }
    }
    if (help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (version) {
        std::printf("mediagate-control 0.1.0\n");
        return 0;
    }
    if (a.check)
        return check_config(a);
    return a.foreground ? run(a, -1) : detach_and_run(a);
}
