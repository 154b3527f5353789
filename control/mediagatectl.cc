// mediagatectl: the operator's command-line tool.
//
// This first version carries the offline list commands (no daemon needed). Exit
// status everywhere (DESIGN.md): 0 ok, 1 negative answer / invalid input content,
// 2 no answer, 64 usage error.
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
    "Exit status: 0 ok, 1 invalid input or negative answer, 2 no answer, 64 usage error.\n";

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
    std::fprintf(stderr, "mediagatectl: unknown command '%s'\n%s", command.c_str(), kUsage);
    return kExitUsage;
}
