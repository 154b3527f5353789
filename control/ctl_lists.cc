// mediagatectl lists check|match|format: the offline list tool; lists show|test ask
// the daemon about its compiled lists.
#include <cstdio>
#include <string>
#include <vector>

#include "configs/values.h"
#include "control/ctl.h"
#include "lists/lists.h"

namespace mg::ctl {
namespace {

using lists::AddressSet;

constexpr const char* kListsUsage =
    "usage: mediagatectl [--json] lists check FILE\n"
    "       mediagatectl [--json] lists match FILE ADDR...\n"
    "       mediagatectl [--json] lists format FILE\n"
    "       mediagatectl [--json] [--socket PATH] lists show NAME\n"
    "       mediagatectl [--json] [--socket PATH] lists test ADDR\n";

int usage(const std::string& why) {
    std::fprintf(stderr, "mediagatectl: %s\n%s", why.c_str(), kListsUsage);
    return kExitUsage;
}

std::string json_errors(const std::string& file, const lists::ListErrors& errs) {
    std::string out = "{\"file\":" + json_string(file) + ",\"ok\":false,\"errors\":[";
    for (size_t i = 0; i < errs.errors.size(); ++i) {
        const auto& e = errs.errors[i];
        if (i)
            out += ',';
        out += "{\"line\":" + std::to_string(e.line) + ",\"column\":" + std::to_string(e.column) +
               ",\"message\":" + json_string(e.message) + ",\"text\":" + json_string(e.text) + "}";
    }
    out += "],\"error_count\":" + std::to_string(errs.total) + "}\n";
    return out;
}

// Reads and compiles FILE; on failure prints the errors and returns false.
bool load(const Options& opts, const std::string& file, AddressSet& set, uint32_t& lines) {
    std::string text, error;
    if (!read_file(file, text, error)) {
        if (opts.json) {
            std::printf(
                "{\"file\":%s,\"ok\":false,\"errors\":[{\"message\":%s}],\"error_count\":1}\n",
                json_string(file).c_str(), json_string(error).c_str());
        } else {
            std::fprintf(stderr, "mediagatectl: %s\n", error.c_str());
        }
        return false;
    }
    auto parsed = lists::parse_list(text);
    if (!parsed.ok()) {
        if (opts.json) {
            std::fputs(json_errors(file, parsed.error()).c_str(), stdout);
        } else {
            std::fputs(parsed.error().format(file).c_str(), stderr);
        }
        return false;
    }
    lines = parsed->lines;
    set = lists::compile(parsed->ops);
    return true;
}

int check(const Options& opts, const std::string& file) {
    AddressSet set;
    uint32_t lines = 0;
    if (!load(opts, file, set, lines))
        return kExitNegative;
    if (opts.json) {
        std::printf(
            "{\"file\":%s,\"ok\":true,\"lines\":%u,\"ipv4_ranges\":%zu,\"ipv6_ranges\":%zu}\n",
            json_string(file).c_str(), lines, set.v4.size(), set.v6.size());
    } else {
        std::printf("%s: ok: %u lines, %zu IPv4 and %zu IPv6 ranges after exclusions\n",
                    file.c_str(), lines, set.v4.size(), set.v6.size());
    }
    return kExitOk;
}

int match(const Options& opts, const std::string& file, const std::vector<std::string>& addrs) {
    // Every address is validated before anything is printed.
    std::vector<lists::Address> parsed;
    for (const auto& a : addrs) {
        auto addr = lists::parse_address(a);
        if (!addr) {
            if (opts.json) {
                std::printf("{\"ok\":false,\"errors\":[{\"message\":%s}]}\n",
                            json_string("invalid address " + configs::in_quotes(a, '\'')).c_str());
            } else {
                std::fprintf(stderr, "mediagatectl: invalid address %s\n",
                             configs::in_quotes(a, '\'').c_str());
            }
            return kExitNegative;
        }
        parsed.push_back(*addr);
    }
    AddressSet set;
    uint32_t lines = 0;
    if (!load(opts, file, set, lines))
        return kExitNegative;
    lists::AddressList list(std::move(set));
    std::string out =
        opts.json ? "{\"file\":" + json_string(file) + ",\"ok\":true,\"results\":[" : "";
    for (size_t i = 0; i < addrs.size(); ++i) {
        bool in = list.contains(parsed[i]);
        if (opts.json) {
            if (i)
                out += ',';
            out += "{\"address\":" + json_string(addrs[i]) + ",\"in\":" + (in ? "true" : "false") +
                   "}";
        } else {
            out += addrs[i] + (in ? " in\n" : " out\n");
        }
    }
    if (opts.json)
        out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return kExitOk;
}

int format(const Options& opts, const std::string& file) {
    AddressSet set;
    uint32_t lines = 0;
    if (!load(opts, file, set, lines))
        return kExitNegative;
    if (!opts.json) {
        std::fputs(lists::format_list(set).c_str(), stdout);
        return kExitOk;
    }
    std::string out = "{\"file\":" + json_string(file) + ",\"ok\":true,\"lines\":[";
    auto canon = lists::canonical_lines(set);
    for (size_t i = 0; i < canon.size(); ++i) {
        if (i)
            out += ',';
        out += json_string(canon[i]);
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return kExitOk;
}

}  // namespace

int run_lists(const Options& opts, const std::vector<std::string>& args) {
    if (args.empty())
        return usage("lists: missing subcommand");
    const std::string& sub = args[0];
    if (sub == "check" || sub == "format") {
        if (args.size() != 2)
            return usage("lists " + sub + ": expected exactly one FILE");
        return sub == "check" ? check(opts, args[1]) : format(opts, args[1]);
    }
    if (sub == "match") {
        if (args.size() < 3)
            return usage("lists match: expected FILE and at least one ADDR");
        return match(opts, args[1], std::vector<std::string>(args.begin() + 2, args.end()));
    }
    if (sub == "show" || sub == "test") {
        if (args.size() != 2)
            return usage("lists " + sub + ": expected exactly one " +
                         (sub == "show" ? "NAME" : "ADDR"));
        return run_remote(opts, {"lists", sub, args[1]});
    }
    return usage("lists: unknown subcommand " + configs::in_quotes(sub, '\''));
}

}  // namespace mg::ctl
