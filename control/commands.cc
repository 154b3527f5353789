#include "control/commands.h"

#include <algorithm>
#include <ctime>

#include "configs/values.h"
#include "control/dataplane_commands.h"
#include "control/json.h"
#include "control/nat.h"
#include "lists/lists.h"

namespace mg::control {
namespace {

std::string origin_text(const configs::ConfiguredList& l) {
    std::string s = configs::to_string(l.origin);
    if (!l.file.empty())
        s += " (" + l.file + ")";
    return s;
}

std::string iso_time(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string duration_text(std::chrono::seconds s) {
    long total = static_cast<long>(s.count());
    char buf[48];
    std::snprintf(buf, sizeof buf, "%ldd %02ld:%02ld:%02ld", total / 86400, total / 3600 % 24,
                  total / 60 % 60, total % 60);
    return buf;
}

std::string opt_address(const std::optional<lists::Address>& a) {
    return a ? lists::format_address(*a) : std::string("none");
}

std::string servers_text(const std::vector<resolver::ServerAddr>& servers) {
    std::string out;
    for (const auto& s : servers)
        out += (out.empty() ? "" : " ") + s.to_string();
    return out;
}

CommandOutput bad_address(const char* command, const char* what, const std::string& text) {
    return CommandOutput::fail(kExitNegative, std::string("mediagatectl: ") + command +
                                                  ": invalid " + what + "address " +
                                                  configs::in_quotes(text, '\''));
}

}  // namespace

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& row : rows) {
        if (width.size() < row.size())
            width.resize(row.size(), 0);
        for (size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size())
                line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + "\n";
    }
    return out;
}

CommandOutput status_command(const Runtime& rt, const DaemonFacts& f, bool json) {
    const auto& cfg = rt.config;
    const auto& net = cfg.network;
    const auto& rc = f.resolver_counters;
    if (json) {
        JsonArray lists;
        for (const auto& l : cfg.lists) {
            lists.raw(JsonObject()
                          .str("name", l.name)
                          .unum("entries", l.set.interval_count())
                          .unum("ipv4_ranges", l.set.v4.size())
                          .unum("ipv6_ranges", l.set.v6.size())
                          .str("source", configs::to_string(l.origin))
                          .str("file", l.file)
                          .done());
        }
        JsonArray servers;
        for (const auto& s : rt.resolver_servers)
            servers.str(s.to_string());
        JsonObject sli;
        if (net.server_lan_ip)
            sli.str("address", lists::format_address(*net.server_lan_ip));
        else
            sli.null("address");
        sli.str("source", configs::to_string(net.server_lan_ip_origin));
        JsonObject status;
        status.str("version", f.version)
            .num("pid", f.pid)
            .num("uptime_s", f.uptime.count())
            .raw("config", JsonObject()
                               .str("file", cfg.file)
                               .str("loaded_at", iso_time(rt.loaded_at))
                               .unum("reloads", f.reloads)
                               .str("last_reload_error", f.last_reload_error)
                               .done())
            .raw("ipv6",
                 JsonObject().boolean("on", rt.ipv6.on).str("reason", rt.ipv6.reason).done())
            .raw("server_lan_ip", sli.done());
        if (net.wan_ip)
            status.str("wan_ip", lists::format_address(*net.wan_ip));
        else
            status.null("wan_ip");
        status.raw("lists", lists.done())
            .raw("resolver", JsonObject()
                                 .raw("servers", servers.done())
                                 .unum("initial_timeout_ms", cfg.resolver.initial_timeout_ms)
                                 .unum("retries", cfg.resolver.retries)
                                 .unum("cache_entries", f.resolver_cache_entries)
                                 .unum("queries", rc.queries)
                                 .unum("answers", rc.answers)
                                 .unum("unknown_host", rc.unknown_host)
                                 .unum("timeouts", rc.timeouts)
                                 .unum("server_failures", rc.server_failures)
                                 .unum("rejected", rc.rejected.total())
                                 .unum("cache_hits", rc.cache_hits)
                                 .done())
            .raw("control", JsonObject()
                                .str("socket", f.socket)
                                .str("log_level", configs::to_string(cfg.control.log_level))
                                .done())
            .raw("media", JsonObject()
                              .str("udp_ports", cfg.media.udp_ports.format())
                              .str("tcp_ports", cfg.media.tcp_ports.format())
                              .unum("keepalive_interval_s", cfg.media.keepalive_interval_s)
                              .unum("silence_timeout_s", cfg.media.silence_timeout_s)
                              .done())
            .raw("dataplane", dataplane_status_json(f.dataplane));
        return CommandOutput::ok(status.done() + "\n");
    }

    std::string reload_text = std::to_string(f.reloads) + " reloads";
    if (!f.last_reload_error.empty())
        reload_text += ", last reload FAILED";
    std::string sli =
        opt_address(net.server_lan_ip) + " (" + configs::to_string(net.server_lan_ip_origin) + ")";
    std::string out = format_table({
        {"version", f.version + ", pid " + std::to_string(f.pid)},
        {"uptime", duration_text(f.uptime)},
        {"config", cfg.file + " (loaded " + iso_time(rt.loaded_at) + ", " + reload_text + ")"},
        {"ipv6", std::string(rt.ipv6.on ? "on" : "off") + " (" + rt.ipv6.reason + ")"},
        {"server_lan_ip", sli},
        {"wan_ip", opt_address(net.wan_ip)},
        {"socket", f.socket},
        {"log_level", configs::to_string(cfg.control.log_level)},
        {"udp_ports", cfg.media.udp_ports.format()},
        {"tcp_ports", cfg.media.tcp_ports.format()},
        {"resolver", servers_text(rt.resolver_servers) +
                         " (T=" + std::to_string(cfg.resolver.initial_timeout_ms) +
                         " ms, retries=" + std::to_string(cfg.resolver.retries) + ")"},
        {"dns queries", std::to_string(rc.queries) + " (" + std::to_string(rc.answers) +
                            " answered, " + std::to_string(rc.timeouts) + " timed out, " +
                            std::to_string(rc.cache_hits) + " from cache, " +
                            std::to_string(rc.rejected.total()) + " answers rejected)"},
    });
    if (!f.last_reload_error.empty())
        out += "last reload error:\n" + f.last_reload_error;
    std::vector<std::vector<std::string>> rows{{"LIST", "ENTRIES", "IPV4", "IPV6", "SOURCE"}};
    for (const auto& l : cfg.lists) {
        rows.push_back({l.name, std::to_string(l.set.interval_count()),
                        std::to_string(l.set.v4.size()), std::to_string(l.set.v6.size()),
                        origin_text(l)});
    }
    out += "\n" + format_table(rows);
    out += dataplane_status_text(f.dataplane);
    return CommandOutput::ok(out);
}

CommandOutput lists_show_command(const Runtime& rt, const std::string& name, bool json) {
    const configs::ConfiguredList* found = nullptr;
    std::string names;
    for (const auto& l : rt.config.lists) {
        names += (names.empty() ? "" : ", ") + l.name;
        if (l.name == name)
            found = &l;
    }
    if (found == nullptr)
        return CommandOutput::fail(kExitNegative, "mediagatectl: lists show: unknown list " +
                                                      configs::in_quotes(name, '\'') +
                                                      " (lists: " + names + ")");
    std::vector<std::string> lines = lists::canonical_lines(found->set);
    if (json) {
        JsonArray arr;
        for (const auto& l : lines)
            arr.str(l);
        return CommandOutput::ok(JsonObject()
                                     .str("list", found->name)
                                     .str("source", configs::to_string(found->origin))
                                     .str("file", found->file)
                                     .unum("entries", lines.size())
                                     .raw("lines", arr.done())
                                     .done() +
                                 "\n");
    }
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return CommandOutput::ok(out);
}

CommandOutput lists_test_command(const Runtime& rt, const std::string& text, bool json) {
    auto addr = lists::parse_address(text);
    if (!addr)
        return bad_address("lists test", "", text);
    std::vector<std::string> names = rt.classifier.names_of(rt.classifier.classify(*addr));
    CommandOutput out;
    out.exit_code = names.empty() ? kExitNegative : kExitOk;
    if (json) {
        JsonArray arr;
        for (const auto& n : names)
            arr.str(n);
        out.out = JsonObject()
                      .str("address", lists::format_address(*addr))
                      .raw("lists", arr.done())
                      .done() +
                  "\n";
    } else {
        std::string joined;
        for (const auto& n : names)
            joined += (joined.empty() ? "" : " ") + n;
        out.out = lists::format_address(*addr) + ": " + (joined.empty() ? "none" : joined) + "\n";
    }
    return out;
}

CommandOutput nat_test_command(const Runtime& rt,
                               const std::string& claimed_text,
                               const std::string& source_text,
                               bool json) {
    auto claimed = lists::parse_address(claimed_text);
    if (!claimed)
        return bad_address("nat-test", "CLAIMED ", claimed_text);
    auto source = lists::parse_address(source_text);
    if (!source)
        return bad_address("nat-test", "SOURCE ", source_text);
    NatVerdict v = nat_test(*claimed, *source, *rt.nated);
    CommandOutput out;
    out.exit_code = v.behind_nat ? kExitOk : kExitNegative;
    const char* verdict = v.behind_nat ? "behind-nat" : "not-behind-nat";
    if (json) {
        out.out = JsonObject()
                      .str("claimed", lists::format_address(*claimed))
                      .str("source", lists::format_address(*source))
                      .str("verdict", verdict)
                      .str("rule", to_string(v.rule))
                      .str("reason", v.reason)
                      .done() +
                  "\n";
    } else {
        out.out = std::string(verdict) + ": " + v.reason + "\n";
    }
    return out;
}

}  // namespace mg::control
