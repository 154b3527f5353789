// mediagatectl: the operator's command-line tool.
//
// Offline commands (lists check|match|format, resolve/rbl --local) run in this
// process; everything else is one request to mediagate-control over its CLI socket.
// Exit status everywhere (DESIGN.md): 0 ok, 1 negative answer / invalid input
// content, 2 no answer (daemon unreachable, DNS time-out), 64 usage error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "configs/source_text.h"
#include "configs/values.h"
#include "control/ctl.h"

namespace mg::ctl {

namespace {

// Reads `fd` to its end, at most configs::kMaxListFileBytes.
bool read_bounded(int fd, const std::string& name, std::string& content, std::string& error) {
    auto text = configs::read_all(fd, configs::kMaxListFileBytes);
    if (!text.ok()) {
        error = name + (text.error().code == ErrorCode::kLimit ? ": " : ": cannot read: ") +
                text.error().message;
        return false;
    }
    content = std::move(*text);
    return true;
}

}  // namespace

// A list file: a regular file, a pipe (`<(command)`, a FIFO) or "-" for standard
// input, of at most configs::kMaxListFileBytes. Directories, devices and read
// errors are an error message, never an exception.
bool read_file(const std::string& path, std::string& content, std::string& error) {
    if (path == "-")
        return read_bounded(STDIN_FILENO, "standard input", content, error);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error = path + ": cannot open: " + std::strerror(errno);
            return false;
        }
        const bool ok = read_bounded(fd, path, content, error);
        ::close(fd);
        return ok;
    }
    auto text = configs::read_text_file(path, configs::kMaxListFileBytes);
    if (!text.ok()) {
        error = path + (text.error().code == ErrorCode::kNotFound ? ": cannot open: "
                                                                  : ": cannot read: ") +
                text.error().message;
        return false;
    }
    content = std::move(*text);
    return true;
}

}  // namespace mg::ctl

namespace {

constexpr const char* kUsage =
    "usage: mediagatectl [--json] [--socket PATH] [--wait SECONDS] COMMAND ...\n"
    "\n"
    "Daemon commands (ask mediagate-control over its socket):\n"
    "  status                    uptime, config, IPv6 mode, addresses, lists, resolver,\n"
    "                            the dataplane (state, ports, workers, counters)\n"
    "  lists show NAME           canonical form of a compiled list: lan, client, nated,\n"
    "                            debug or dummy\n"
    "  lists test ADDR           the lists that contain ADDR (exit 1 when none)\n"
    "  nat-test CLAIMED SOURCE   'behind-nat' (exit 0) or 'not-behind-nat' (exit 1) with\n"
    "                            the reason (SPEC.md section 4)\n"
    "  resolve TYPE NAME         a DNS look-up through the daemon's resolver\n"
    "  rbl ZONE ADDR             a DNS blocklist check through the daemon's resolver\n"
    "  reload                    re-read the config; a bad one changes nothing (exit 1)\n"
    "  relay add LOCAL_A PEER_A LOCAL_B PEER_B [--latch]\n"
    "                            a static relay between two dataplane endpoints; prints\n"
    "                            its id. LOCAL is ADDR:PORT of the dataplane ([V6]:PORT\n"
    "                            for IPv6); PEER is ADDR:PORT or 'any' (learnt by\n"
    "                            latching, as all peers are with --latch)\n"
    "  relay del ID              delete a relay added with 'relay add' (exit 1: no such id)\n"
    "  relay list                relays with their peers, counters and idle time\n"
    "\n"
    "Offline list commands (no daemon needed):\n"
    "  lists check FILE          validate a Network Address List\n"
    "  lists match FILE ADDR...  print 'ADDR in' or 'ADDR out' for each address\n"
    "  lists format FILE         print the list's canonical form\n"
    "FILE may be '-' for standard input.\n"
    "\n"
    "DNS look-ups in this process:\n"
    "  resolve --local [OPTIONS] TYPE NAME\n"
    "      TYPE is A, AAAA, MX, SRV, NAPTR, PTR or TXT; PTR takes an IPv4 or IPv6\n"
    "      address and asks for its reverse name. Prints one record per line: RDATA\n"
    "      in presentation form and ' ttl=N'. Exit 0 answer, 1 unknown host (NXDOMAIN,\n"
    "      no such record, or a dummy IP), 2 no response or server failure.\n"
    "  rbl --local [OPTIONS] ZONE ADDR\n"
    "      asks blocklist ZONE about ADDR (RFC 5782). Listed: 'listed 127.0.0.X ttl=N'\n"
    "      per A record, then 'reason \"TEXT\" ttl=N' per TXT record of the same name,\n"
    "      exit 0. Not listed: 'not listed', exit 1. No response: exit 2.\n"
    "  OPTIONS (--local only):\n"
    "    --config FILE         take servers, time-out, retries and dummy IPs from the\n"
    "                          [resolver] section of a mediagate.toml\n"
    "    --server ADDR[:PORT]  a DNS server ([V6]:PORT for IPv6), repeatable;\n"
    "                          default: the nameservers of /etc/resolv.conf\n"
    "    --timeout MS          first wait T in milliseconds (default 2000); resend k\n"
    "                          waits (k+1)*T\n"
    "    --retries N           resends after the first send (default 3; rbl: not used, 2 sends)\n"
    "    --dummy-ips FILE      a Network Address List: an A/AAAA answer whose first\n"
    "                          address is in it counts as unknown host\n"
    "    -v                    print the resolver's DNR log lines on stderr\n"
    "  Options given on the command line win over --config.\n"
    "\n"
    "Global options:\n"
    "  --json            print one JSON object (docs/cli.md has the shapes)\n"
    "  --socket PATH     the daemon's socket (default /run/mediagate/control.sock)\n"
    "  --wait SECONDS    how long to wait for the daemon's reply (default 10; resolve\n"
    "                    and rbl 120)\n"
    "\n"
    "Exit status: 0 ok, 1 invalid input or negative answer, 2 no answer (daemon or\n"
    "dataplane not reachable), 64 usage error.\n";

// Commands that parse their own options (everything after the command name).
bool takes_own_options(const std::string& command) {
    return command == "resolve" || command == "rbl" || command == "relay";
}

int usage_error(const std::string& why) {
    std::fprintf(stderr, "mediagatectl: %s (see mediagatectl --help)\n", why.c_str());
    return mg::ctl::kExitUsage;
}

// A whole number of seconds, 1..86400.
bool parse_seconds(const std::string& s, long& out) {
    if (s.empty() || s.size() > 5)
        return false;
    long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return v >= 1 && v <= 86400;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace mg::ctl;
    Options opts;
    std::vector<std::string> args;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (!options_done && a == "--") {
            options_done = true;
        } else if (!options_done && a == "--json") {
            opts.json = true;
        } else if (!options_done && (a == "-h" || a == "--help")) {
            std::fputs(kUsage, stdout);
            return kExitOk;
        } else if (!options_done && (a == "--socket" || a == "--wait")) {
            if (i + 1 >= argc)
                return usage_error("option " + mg::configs::in_quotes(a, '\'') + " needs a value");
            std::string v = argv[++i];
            if (a == "--socket") {
                if (v.empty())
                    return usage_error("--socket needs a path");
                opts.socket = v;
            } else {
                long s = 0;
                if (!parse_seconds(v, s))
                    return usage_error("bad --wait " + mg::configs::in_quotes(v, '\'') +
                                       ": want seconds, 1..86400");
                opts.wait = std::chrono::seconds(s);
            }
        } else if (!options_done && a.size() > 1 && a[0] == '-') {
            return usage_error("unknown option " + mg::configs::in_quotes(a, '\''));
        } else {
            args.push_back(a);
            if (args.size() == 1 && takes_own_options(a)) {
                for (int j = i + 1; j < argc; ++j)
                    args.emplace_back(argv[j]);
                break;
            }
        }
    }
    if (args.empty()) {
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
    std::string command = args.front();
    args.erase(args.begin());
    if (command == "lists")
        return run_lists(opts, args);
    if (command == "resolve")
        return run_resolve(opts, args);
    if (command == "rbl")
        return run_rbl(opts, args);
    if (command == "relay")
        return run_relay(opts, args);
    if (command == "status" || command == "reload") {
        if (!args.empty())
            return usage_error(command + " takes no arguments");
        return run_remote(opts, {command});
    }
    if (command == "nat-test") {
        if (args.size() != 2)
            return usage_error("want 'nat-test CLAIMED SOURCE'");
        return run_remote(opts, {command, args[0], args[1]});
    }
    return usage_error("unknown command " + mg::configs::in_quotes(command, '\''));
}
