// mediagatectl: the operator's command-line tool.
//
// It carries the offline list commands and in-process DNS look-ups (--local); the
// daemon's commands come later. Exit status everywhere (DESIGN.md): 0 ok, 1 negative
// answer / invalid input content, 2 no answer, 64 usage error.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "control/ctl.h"

namespace mg::ctl {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
    return out;
}

bool read_file(const std::string& path, std::string& content, std::string& error) {
    if (path == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        content = ss.str();
        return true;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) {
        error = path + ": cannot read: " + std::strerror(errno);
        return false;
    }
    return true;
}

}  // namespace mg::ctl

namespace {

constexpr const char* kUsage =
    "usage: mediagatectl [--json] COMMAND ...\n"
    "\n"
    "Offline list commands (no daemon needed):\n"
    "  lists check FILE          validate a Network Address List\n"
    "  lists match FILE ADDR...  print 'ADDR in' or 'ADDR out' for each address\n"
    "  lists format FILE         print the list's canonical form\n"
    "FILE may be '-' for standard input.\n"
    "\n"
    "DNS look-ups (--local runs the resolver in this process; the daemon is not built\n"
    "yet, so without --local these exit 2):\n"
    "  resolve --local [OPTIONS] TYPE NAME\n"
    "      TYPE is A, AAAA, MX, SRV, NAPTR, PTR or TXT; PTR takes an IPv4 or IPv6\n"
    "      address and asks for its reverse name. Prints one record per line: RDATA\n"
    "      in presentation form and ' ttl=N'. Exit 0 answer, 1 unknown host (NXDOMAIN,\n"
    "      no such record, or a dummy IP), 2 no response or server failure.\n"
    "  rbl --local [OPTIONS] ZONE ADDR\n"
    "      asks blocklist ZONE about ADDR (RFC 5782). Listed: 'listed 127.0.0.X ttl=N'\n"
    "      per A record, then 'reason \"TEXT\" ttl=N' per TXT record of the same name,\n"
    "      exit 0. Not listed: 'not listed', exit 1. No response: exit 2.\n"
    "  OPTIONS:\n"
    "    --server ADDR[:PORT]  a DNS server ([V6]:PORT for IPv6), repeatable;\n"
    "                          default: the nameservers of /etc/resolv.conf\n"
    "    --timeout MS          first wait T in milliseconds (default 2000); resend k\n"
    "                          waits (k+1)*T\n"
    "    --retries N           resends after the first send (default 3; rbl: at most 1)\n"
    "    --dummy-ips FILE      a Network Address List: an A/AAAA answer whose first\n"
    "                          address is in it counts as unknown host\n"
    "    -v                    print the resolver's DNR log lines on stderr\n"
    "    --json                print one JSON object instead of lines\n"
    "\n"
    "Exit status: 0 ok, 1 invalid input or negative answer, 2 no answer, 64 usage error.\n";

// Commands that parse their own options (everything after the command name).
bool takes_own_options(const std::string& command) {
    return command == "resolve" || command == "rbl";
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
        } else if (!options_done && a.size() > 1 && a[0] == '-') {
            std::fprintf(stderr, "mediagatectl: unknown option '%s'\n%s", a.c_str(), kUsage);
            return kExitUsage;
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
    std::fprintf(stderr, "mediagatectl: unknown command '%s'\n%s", command.c_str(), kUsage);
    return kExitUsage;
}
