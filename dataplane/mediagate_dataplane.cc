// mediagate-dataplane: the DPDK poll-mode relay (DESIGN.md "Processes").
//
//   mediagate-dataplane [--config FILE] [--socket PATH]
//   mediagate-dataplane --check-config FILE
//
// Reads the [dataplane] section (and [media]) of the shared TOML file, starts the
// EAL with its eal_args, opens the ports, launches the workers, announces the
// local addresses and serves the control channel on the main lcore. SIGTERM and
// SIGINT stop polling, release the ports and exit 0. Runs in the foreground
// (systemd Type=simple); logs go to stderr, journald style.
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>

#include "configs/config.h"
#include "configs/values.h"
#include "dataplane/channel_server.h"
#include "dataplane/dataplane.h"

namespace {

using namespace mg::dataplane;

constexpr const char* kDefaultConfig = "/etc/mediagate/mediagate.toml";
constexpr const char* kUsage =
    "usage: mediagate-dataplane [--config FILE] [--socket PATH]\n"
    "       mediagate-dataplane --check-config FILE\n"
    "\n"
    "  --config FILE        the TOML configuration (default /etc/mediagate/mediagate.toml);\n"
    "                       [dataplane] eal_args are passed to DPDK's EAL\n"
    "  --check-config FILE  validate FILE and exit: 0 valid, 1 invalid\n"
    "  --socket PATH        serve the channel on PATH instead of [dataplane] socket\n"
    "  --version            print the version\n"
    "\n"
    "Without -l, -c or --lcores in eal_args, lcores 0..workers float over the\n"
    "machine's CPUs (lcore 0 is the main lcore, the others are workers).\n"
    "Signals: SIGTERM and SIGINT stop the dataplane cleanly.\n"
    "Exit status: 0 clean stop, 1 configuration or start-up error, 64 usage error.\n";

struct Args {
    std::string config = kDefaultConfig;
    std::optional<std::string> check;
    std::string socket;
};

int usage_error(const std::string& why) {
    std::fprintf(stderr, "mediagate-dataplane: %s\n%s", why.c_str(), kUsage);
    return 64;
}

std::optional<mg::configs::Config> load(const std::string& file) {
    auto cfg = mg::configs::load_config(file);
    if (!cfg) {
        std::fprintf(stderr, "%s\n", cfg.error().format().c_str());
        return std::nullopt;
    }
    return std::move(*cfg);
}

bool has_lcore_option(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "-l" || a == "-c" || a.rfind("--lcores", 0) == 0 || a.rfind("-l", 0) == 0 ||
            a.rfind("-c", 0) == 0) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> eal_arguments(const mg::configs::Config& cfg) {
    std::vector<std::string> args{"mediagate-dataplane"};
    args.insert(args.end(), cfg.dataplane.eal_args.begin(), cfg.dataplane.eal_args.end());
    if (!has_lcore_option(cfg.dataplane.eal_args)) {
        const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
        args.push_back("--lcores=(0-" + std::to_string(cfg.dataplane.workers) + ")@(0-" +
                       std::to_string(cpus - 1) + ")");
    }
    return args;
}

void make_parent_dir(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) {
        return;
    }
    const std::string dir = path.substr(0, slash);
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0 && ::mkdir(dir.c_str(), 0750) == 0) {
        log_line(kLogInfo, "created " + dir);
    }
}

// The config, loaded and with something to relay on; nullopt (reported) if not.
std::optional<mg::configs::Config> load_runnable(const std::string& path) {
    auto cfg = load(path);
    if (cfg && cfg->dataplane.ports.empty()) {
        std::fprintf(stderr, "%s: [dataplane] has no [[dataplane.port]]: nothing to relay on\n",
                     path.c_str());
        return std::nullopt;
    }
    return cfg;
}

int run(const Args& args) {
    auto cfg = load_runnable(args.config);
    if (!cfg) {
        return 1;
    }
    // Signals are blocked before the EAL starts its threads, which inherit the mask.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    const int sfd = signalfd(-1, &set, SFD_CLOEXEC);

    std::vector<std::string> eal = eal_arguments(*cfg);
    std::vector<char*> argv;
    for (auto& a : eal) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(eal.size()), argv.data()) < 0) {
        std::fprintf(stderr, "mediagate-dataplane: EAL initialisation failed: %s (eal_args in %s)\n",
                     rte_strerror(rte_errno), args.config.c_str());
        return 1;
    }
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    int status = 0;
    {
        auto dp = Dataplane::create(*cfg);
        if (!dp) {
            std::fprintf(stderr, "mediagate-dataplane: %s\n", dp.error().message.c_str());
            rte_eal_cleanup();
            remove_eal_runtime_dir(runtime_dir);
            return 1;
        }
        const std::string path = args.socket.empty() ? cfg->dataplane.socket : args.socket;
        make_parent_dir(path);
        auto server = ChannelServer::open(**dp, path, sfd);
        if (!server) {
            std::fprintf(stderr, "mediagate-dataplane: %s\n", server.error().message.c_str());
            (*dp)->stop();
            rte_eal_cleanup();
            remove_eal_runtime_dir(runtime_dir);
            return 1;
        }
        auto started = (*dp)->start();
        if (!started) {
            std::fprintf(stderr, "mediagate-dataplane: %s\n", started.error().message.c_str());
            status = 1;
        } else {
            for (const auto& p : (*dp)->ports()) {
                log_line(kLogInfo, "port " + p.config.name + " (" + p.config.role + "): device " +
                                       p.config.device + ", MAC " + format_mac(p.mac));
            }
            (*dp)->announce();
            log_line(kLogInfo, "ready: channel at " + path);
            while ((*server)->run_once(1)) {
            }
        }
        (*dp)->stop();
    }
    rte_eal_cleanup();
    remove_eal_runtime_dir(runtime_dir);
    log_line(kLogInfo, "stopped");
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    // --help and --version answer once every argument has been checked.
    bool help = false, version = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](const char* name) -> std::optional<std::string> {
            if (i + 1 >= argc) {
                return std::nullopt;
            }
            (void)name;
            return std::string(argv[++i]);
        };
        if (a == "--config") {
            auto v = value("--config");
            if (!v) return usage_error("--config needs a FILE");
            args.config = *v;
        } else if (a == "--check-config") {
            auto v = value("--check-config");
            if (!v) return usage_error("--check-config needs a FILE");
            args.check = *v;
        } else if (a == "--socket") {
            auto v = value("--socket");
            if (!v || v->empty() || (*v)[0] != '/') return usage_error("--socket needs an absolute PATH");
            args.socket = *v;
        } else if (a == "--version") {
            version = true;
        } else if (a == "--help" || a == "-h") {
            help = true;
        } else {
            return usage_error("unknown argument " + mg::configs::in_quotes(a, '\''));
        }
    }
    if (help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (version) {
        std::printf("mediagate-dataplane 0.1.0\n");
        return 0;
    }
    if (args.check) {
        auto cfg = load_runnable(*args.check);
        if (!cfg) {
            return 1;
        }
        std::printf("%s: valid (%zu dataplane port(s), %u worker(s))\n", args.check->c_str(),
                    cfg->dataplane.ports.size(), cfg->dataplane.workers);
        return 0;
    }
    return run(args);
}
