// load_config / parse_config: reads mediagate.toml with toml++ and validates it.
//
// The Loader (loader_internal.h) reads the file section by section; this file holds
// [network], [media], [resolver] and [control], the cross-checks and the derived
// values, loader_dataplane.cc holds [dataplane], [[dataplane.port]] and [[relay]].
//
// These two files are the only ones that include toml++ (through loader_internal.h).
// toml++ is used with exceptions on (TOML_EXCEPTIONS=1, its default, and the only ABI
// Debian's libtomlplusplus exports); its one exception, toml::parse_error, is caught
// here (Loader::run) and becomes a ConfigError.
//
// Order of work: parse the TOML, read every section (each wrong value is reported
// and the reading goes on), cross-check, then derive what the file leaves out. Any
// error: no Config.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "configs/config.h"
#include "configs/derive.h"
#include "configs/loader_internal.h"
#include "configs/source_text.h"
#include "configs/values.h"

namespace mg::configs {
namespace {

constexpr size_t kMaxConfigBytes = size_t{256} << 20;

constexpr std::string_view kNetworkKeys[] = {
    "ipv6",           "server_lan_ip", "wan_ip",          "lan_ips",
    "lan_ips_file",   "client_ips",    "client_ips_file", "nated_ips",
    "nated_ips_file", "debug_ips",     "debug_ips_file"};
constexpr std::string_view kMediaKeys[] = {"udp_ports", "tcp_ports", "keepalive_interval_s",
                                           "silence_timeout_s"};
constexpr std::string_view kResolverKeys[] = {"servers", "initial_timeout_ms", "retries",
                                              "dummy_ips", "dummy_ips_file"};
constexpr std::string_view kControlKeys[] = {"socket", "log_level"};

bool before(FilePos a, FilePos b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
}

}  // namespace

void Loader::read_list(const toml::table& t, const std::string& where, size_t index) {
    const ListInfo& info = kLists[index];
    std::string key = info.key;
    std::string file_key = key + "_file";
    auto inline_it = t.find(key);
    auto file_it = t.find(file_key);
    if (inline_it != t.end() && file_it != t.end()) {
        FilePos a = pos(inline_it->first.source());
        FilePos b = pos(file_it->first.source());
        bool file_later = before(a, b);
        error(file_later ? b : a, label_of(where, file_later ? file_key : key) + ": set either " +
                                      key + " or " + file_key + ", not both");
        return;
    }
    if (inline_it != t.end()) {
        const toml::node& n = inline_it->second;
        std::string label = label_of(where, key);
        const auto* s = n.as_string();
        if (s == nullptr) {
            expected(label, "a string (a Network Address List)", n);
            return;
        }
        auto set = lists::compile_list(s->get());
        if (set.ok()) {
            lists_[index] = ConfiguredList{info.name, Origin::kConfig, "", std::move(*set)};
            return;
        }
        // Each list error goes to the file position its text came from.
        const auto& errs = set.error();
        std::vector<StringPos> targets;
        for (const auto& e : errs.errors)
            targets.push_back(StringPos{e.line, e.column});
        auto value = src_.offset_of(n.source().begin.line, n.source().begin.column);
        std::vector<FilePos> at = value ? map_string_positions(src_, *value, targets)
                                        : std::vector<FilePos>(targets.size(), pos(n));
        for (size_t i = 0; i < errs.errors.size(); ++i) {
            const auto& e = errs.errors[i];
            error(at[i], label + ": " + e.message + ": \"" + e.text + "\"");
        }
        sink_.add_unreported(errs.total - errs.errors.size());
        return;
    }
    if (file_it != t.end()) {
        const toml::node& n = file_it->second;
        std::string label = label_of(where, file_key);
        const auto* s = n.as_string();
        if (s == nullptr) {
            expected(label, "a string (a file name)", n);
            return;
        }
        const std::string& name = s->get();
        if (name.empty() || name.find('\0') != std::string::npos) {
            error(pos(n), label + ": expected a file name, got " + in_quotes(name));
            return;
        }
        std::filesystem::path path(name);
        if (path.is_relative())
            path = std::filesystem::path(file_).parent_path() / path;
        std::string path_text = path.string();
        auto text = read_text_file(path_text, kMaxListFileBytes);
        if (!text.ok()) {
            error(pos(n),
                  label + ": cannot read " + in_quotes(path_text) + ": " + text.error().message);
            return;
        }
        auto set = lists::compile_list(*text);
        if (set.ok()) {
            lists_[index] = ConfiguredList{info.name, Origin::kConfig, path_text, std::move(*set)};
            return;
        }
        // Reported in the list file, ordered at the *_file key's value.
        const auto& errs = set.error();
        for (const auto& e : errs.errors) {
            sink_.add_elsewhere(path_text, FilePos{e.line, e.column}, pos(n),
                                label + ": " + e.message + ": \"" + e.text + "\"");
        }
        sink_.add_unreported(errs.total - errs.errors.size());
    }
}

void Loader::read_network(const toml::table* t) {
    if (t == nullptr)
        return;
    const std::string where = "[network]";
    check_keys(*t, where, kNetworkKeys);
    static constexpr std::string_view kIpv6[] = {"auto", "yes", "no"};
    if (auto c = get_choice(*t, "ipv6", where, kIpv6))
        cfg_.network.ipv6 = static_cast<Ipv6Setting>(*c);
    if (auto s = get_string(*t, "server_lan_ip", where); s && s->value != "auto") {
        if (auto a = lists::parse_address(s->value); a && !is_unicast(*a)) {
            error(s->pos, where + " server_lan_ip: " + in_quotes(s->value) +
                              " is not a unicast address");
        } else if (a) {
            server_lan_ip_ = At<lists::Address>{*a, s->pos};
        } else {
            error(s->pos, where +
                              " server_lan_ip: expected \"auto\" or an IPv4 or IPv6 address, got " +
                              in_quotes(s->value));
        }
    }
    if (auto w = get_address(*t, "wan_ip", where))
        cfg_.network.wan_ip = w->value;
    for (size_t i = 0; i < 4; ++i)
        read_list(*t, where, i);
}

void Loader::read_media(const toml::table* t) {
    if (t == nullptr)
        return;
    const std::string where = "[media]";
    check_keys(*t, where, kMediaKeys);
    size_t before_udp = sink_.count();
    if (auto r = get_port_range(*t, "udp_ports", where, true))
        cfg_.media.udp_ports = *r;
    media_udp_valid_ = sink_.count() == before_udp;
    if (auto r = get_port_range(*t, "tcp_ports", where, false))
        cfg_.media.tcp_ports = *r;
    if (auto v = get_int(*t, "keepalive_interval_s", where, 1, 3600))
        cfg_.media.keepalive_interval_s = static_cast<uint32_t>(*v);
    if (auto v = get_int(*t, "silence_timeout_s", where, 1, 86400))
        cfg_.media.silence_timeout_s = static_cast<uint32_t>(*v);
}

void Loader::read_resolver(const toml::table* t) {
    if (t == nullptr)
        return;
    const std::string where = "[resolver]";
    check_keys(*t, where, kResolverKeys);
    if (auto servers = get_strings(*t, "servers", where)) {
        for (size_t i = 0; i < servers->size(); ++i) {
            auto s = resolver::parse_server((*servers)[i].value);
            if (s.ok() && !is_unicast(s->addr)) {
                error((*servers)[i].pos, where + " servers[" + std::to_string(i) + "]: " +
                                             in_quotes((*servers)[i].value) +
                                             " is not a unicast address");
            } else if (s.ok()) {
                cfg_.resolver.servers.push_back(*s);
            } else {
                error((*servers)[i].pos,
                      where + " servers[" + std::to_string(i) + "]: " + s.error().message);
            }
        }
    }
    if (auto v = get_int(*t, "initial_timeout_ms", where, 1, 60000))
        cfg_.resolver.initial_timeout_ms = static_cast<uint32_t>(*v);
    if (auto v = get_int(*t, "retries", where, 0, 10))
        cfg_.resolver.retries = static_cast<uint32_t>(*v);
    read_list(*t, where, 4);
}

void Loader::read_control(const toml::table* t) {
    if (t == nullptr)
        return;
    const std::string where = "[control]";
    check_keys(*t, where, kControlKeys);
    if (auto s = get_socket(*t, where, control_socket_at_))
        cfg_.control.socket = *s;
    static constexpr std::string_view kLevels[] = {"error", "warning", "info", "debug"};
    if (auto c = get_choice(*t, "log_level", where, kLevels))
        cfg_.control.log_level = static_cast<LogLevel>(*c);
}

void Loader::cross_check() {
    // With ports configured, a relay's local endpoints must be theirs (derive.h).
    const auto& dp_ports = cfg_.dataplane.ports;
    for (const auto& l : relay_locals_) {
        if (dp_ports.empty() || !ports_complete_ || !media_udp_valid_)
            break;
        if (auto why = check_relay_local(dp_ports, cfg_.media.udp_ports, l.endpoint))
            error(l.pos, l.label + ": " + *why);
    }
    if (same_socket_path(cfg_.control.socket, cfg_.dataplane.socket)) {
        if (dataplane_socket_at_) {
            error(*dataplane_socket_at_, "[dataplane] socket: the same path as [control] socket " +
                                             in_quotes(cfg_.control.socket));
        } else if (control_socket_at_) {
            error(*control_socket_at_, "[control] socket: the same path as [dataplane] socket " +
                                           in_quotes(cfg_.dataplane.socket));
        }
    }
    if (media_udp_valid_) {
        const PortRange& media = cfg_.media.udp_ports;
        for (const auto& u : port_udp_) {
            if (u.range.first < media.first || u.range.last > media.last) {
                error(u.pos, "[[dataplane.port]] #" + std::to_string(u.port + 1) +
                                 " udp_ports: " + u.range.format() +
                                 " is not inside [media] udp_ports " + media.format());
            }
        }
    }
    const auto& ports = cfg_.dataplane.ports;
    if (server_lan_ip_ && !ports.empty() && ports_complete_ &&
        !owned_by_a_port(ports, server_lan_ip_->value)) {
        error(server_lan_ip_->pos,
              "[network] server_lan_ip: " + lists::format_address(server_lan_ip_->value) +
                  " is not an address of any [[dataplane.port]]");
    }
}

void Loader::derive() {
    const auto& ports = cfg_.dataplane.ports;
    std::optional<std::vector<HostInterface>> host;
    auto host_interfaces = [&]() -> const std::vector<HostInterface>& {
        if (!host)
            host = opts_.host_interfaces ? *opts_.host_interfaces : read_host_interfaces();
        return *host;
    };
    if (!lists_[0]) {
        if (!ports.empty())
            lists_[0] = ConfiguredList{"lan", Origin::kDataplanePorts, "", lan_from_ports(ports)};
        else
            lists_[0] = ConfiguredList{"lan", Origin::kHostInterfaces, "",
                                       lan_from_host(host_interfaces())};
    }
    if (!lists_[2])
        lists_[2] = ConfiguredList{"nated", Origin::kDefault, "", default_nated_ips()};
    for (size_t i = 0; i < kLists.size(); ++i) {
        if (!lists_[i])
            lists_[i] = ConfiguredList{kLists[i].name, Origin::kDefault, "", {}};
        cfg_.lists.push_back(std::move(*lists_[i]));
    }
    auto& net = cfg_.network;
    if (server_lan_ip_) {
        net.server_lan_ip = server_lan_ip_->value;
        net.server_lan_ip_origin = Origin::kConfig;
    } else if (!ports.empty()) {
        net.server_lan_ip = server_lan_ip_from_ports(ports);
        net.server_lan_ip_origin = net.server_lan_ip ? Origin::kDataplanePorts : Origin::kNone;
    } else {
        net.server_lan_ip = server_lan_ip_from_host(host_interfaces(), cfg_.list("lan").set);
        net.server_lan_ip_origin = net.server_lan_ip ? Origin::kHostInterfaces : Origin::kNone;
    }
}

Result<Config, ConfigErrors> parse_config(std::string_view text,
                                          const std::string& file,
                                          const LoadOptions& opts) {
    return Loader(text, file, opts).run();
}

Result<Config, ConfigErrors> load_config(const std::string& file, const LoadOptions& opts) {
    auto text = read_text_file(file, kMaxConfigBytes);
    if (!text.ok()) {
        ConfigErrors errs;
        errs.errors.push_back(ConfigError{file, 0, 0, "cannot open: " + text.error().message});
        errs.total = 1;
        return errs;
    }
    return parse_config(*text, file, opts);
}

}  // namespace mg::configs
