// load_config / parse_config: reads mediagate.toml with toml++ and validates it.
//
// This is the only file that includes toml++. toml++ is used with exceptions on
// (TOML_EXCEPTIONS=1, its default, and the only ABI Debian's libtomlplusplus exports);
// its one exception, toml::parse_error, is caught here and becomes a ConfigError.
//
// Order of work: parse the TOML, read every section (each wrong value is reported
// and the reading goes on), cross-check, then derive what the file leaves out. Any
// error: no Config.
#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <utility>

#include <toml++/toml.h>

#include "configs/config.h"
#include "configs/derive.h"
#include "configs/error_sink.h"
#include "configs/source_text.h"
#include "configs/toml_guard.h"
#include "configs/values.h"

namespace mg::configs {
namespace {

constexpr size_t kMaxConfigBytes = size_t{256} << 20;
constexpr size_t kMaxListFileBytes = size_t{1} << 30;

constexpr std::string_view kTopKeys[] = {"network", "media",     "resolver",
                                          "control", "dataplane", "relay"};
constexpr std::string_view kNetworkKeys[] = {
    "ipv6",           "server_lan_ip", "wan_ip",          "lan_ips",
    "lan_ips_file",   "client_ips",    "client_ips_file", "nated_ips",
    "nated_ips_file", "debug_ips",     "debug_ips_file"};
constexpr std::string_view kMediaKeys[] = {"udp_ports", "tcp_ports", "keepalive_interval_s",
                                           "silence_timeout_s"};
constexpr std::string_view kResolverKeys[] = {"servers", "initial_timeout_ms", "retries",
                                              "dummy_ips", "dummy_ips_file"};
constexpr std::string_view kControlKeys[] = {"socket", "log_level"};
constexpr std::string_view kDataplaneKeys[] = {"socket", "eal_args", "workers", "idle_sleep_us",
                                               "max_legs", "relatch_after_s", "port"};
constexpr std::string_view kPortKeys[] = {"name",      "role",      "device",   "addresses",
                                          "advertise", "gateway",   "gateway6", "routes",
                                          "vlan",      "udp_ports", "dscp"};
constexpr std::string_view kRelayKeys[] = {"name",    "local_a", "peer_a",
                                           "local_b", "peer_b",  "latch"};

// The lists in Config::lists order, and the section that holds each.
struct ListInfo {
    const char* name;
    const char* key;
};
constexpr std::array<ListInfo, 5> kLists = {{{"lan", "lan_ips"},
                                             {"client", "client_ips"},
                                             {"nated", "nated_ips"},
                                             {"debug", "debug_ips"},
                                             {"dummy", "dummy_ips"}}};

const char* type_name(toml::node_type t) {
    switch (t) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

template <typename T>
struct At {
    T value;
    FilePos pos;
};

bool before(FilePos a, FilePos b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
}

class Loader {
  public:
    Loader(std::string_view text, const std::string& file, const LoadOptions& opts)
        : src_(text), file_(file), opts_(opts), sink_(file) {}

    Result<Config, ConfigErrors> run() {
        // Input toml++ 3.3 would misparse is refused before it sees it.
        if (auto trap = find_toml_trap(src_.text())) {
            sink_.add(src_.position(trap->offset), std::move(trap->message));
            return std::move(sink_).finish();
        }
        toml::table top;
        try {
            top = toml::parse(src_.text(), std::string_view(file_));
        } catch (const toml::parse_error& e) {
            sink_.add(pos(e.source()), std::string(e.description()));
            return std::move(sink_).finish();
        }
        cfg_.file = file_;
        check_keys(top, "", kTopKeys);
        read_network(get_table(top, "network"));
        read_media(get_table(top, "media"));
        read_resolver(get_table(top, "resolver"));
        read_control(get_table(top, "control"));
        read_dataplane(get_table(top, "dataplane"));
        read_relays(top.get("relay"));
        cross_check();
        if (!sink_.empty())
            return std::move(sink_).finish();
        derive();
        return std::move(cfg_);
    }

  private:
    FilePos pos(const toml::source_region& r) const {
        return src_.byte_position(r.begin.line, r.begin.column);
    }
    FilePos pos(const toml::node& n) const { return pos(n.source()); }
    void error(FilePos at, std::string message) { sink_.add(at, std::move(message)); }
    void expected(const std::string& label, std::string_view what, const toml::node& n) {
        error(pos(n), label + ": expected " + std::string(what) + ", got " + type_name(n.type()));
    }

    static std::string label_of(const std::string& where, std::string_view key) {
        return where.empty() ? std::string(key) : where + " " + std::string(key);
    }

    // Unknown keys are errors at the key, with a "did you mean" for a near miss.
    void check_keys(const toml::table& t,
                    const std::string& where,
                    std::span<const std::string_view> allowed) {
        for (auto&& [k, v] : t) {
            std::string_view key = k.str();
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end())
                continue;
            std::string msg = (where.empty() ? "" : where + " ") + "unknown key " + in_quotes(key);
            std::string_view near = closest_key(key, allowed);
            if (!near.empty())
                msg += " (did you mean " + in_quotes(near) + "?)";
            else if (where.empty())
                msg +=
                    " (the sections are [network], [media], [resolver], [control], [dataplane], "
                    "[[relay]])";
            error(pos(k.source()), std::move(msg));
        }
    }

    // A section; nullptr when absent or not a table (reported).
    const toml::table* get_table(const toml::table& t, std::string_view key) {
        const toml::node* n = t.get(key);
        if (n == nullptr)
            return nullptr;
        if (const auto* tbl = n->as_table())
            return tbl;
        expected("[" + std::string(key) + "]", "a table", *n);
        return nullptr;
    }

    // nullopt when absent or wrong (reported).
    std::optional<int64_t> get_int(const toml::table& t,
                                   std::string_view key,
                                   const std::string& where,
                                   int64_t min,
                                   int64_t max) {
        const toml::node* n = t.get(key);
        if (n == nullptr)
            return std::nullopt;
        std::string label = label_of(where, key);
        std::string what = "an integer " + std::to_string(min) + ".." + std::to_string(max);
        const auto* v = n->as_integer();
        if (v == nullptr) {
            expected(label, what, *n);
            return std::nullopt;
        }
        if (v->get() < min || v->get() > max) {
            error(pos(*n), label + ": expected " + what + ", got " + std::to_string(v->get()));
            return std::nullopt;
        }
        return v->get();
    }

    std::optional<bool> get_bool(const toml::table& t,
                                 std::string_view key,
                                 const std::string& where) {
        const toml::node* n = t.get(key);
        if (n == nullptr)
            return std::nullopt;
        if (const auto* v = n->as_boolean())
            return v->get();
        expected(label_of(where, key), "a boolean", *n);
        return std::nullopt;
    }

    std::optional<At<std::string_view>> get_string(const toml::table& t,
                                                   std::string_view key,
                                                   const std::string& where) {
        const toml::node* n = t.get(key);
        if (n == nullptr)
            return std::nullopt;
        const auto* v = n->as_string();
        if (v == nullptr) {
            expected(label_of(where, key), "a string", *n);
            return std::nullopt;
        }
        return At<std::string_view>{v->get(), pos(*n)};
    }

    // An array of strings; nullopt when absent or wrong (each wrong element reported).
    std::optional<std::vector<At<std::string_view>>> get_strings(const toml::table& t,
                                                                 std::string_view key,
                                                                 const std::string& where) {
        const toml::node* n = t.get(key);
        if (n == nullptr)
            return std::nullopt;
        std::string label = label_of(where, key);
        const auto* arr = n->as_array();
        if (arr == nullptr) {
            expected(label, "an array of strings", *n);
            return std::nullopt;
        }
        std::vector<At<std::string_view>> out;
        bool ok = true;
        for (size_t i = 0; i < arr->size(); ++i) {
            const toml::node& e = (*arr)[i];
            if (const auto* s = e.as_string()) {
                out.push_back({s->get(), pos(e)});
            } else {
                expected(label + "[" + std::to_string(i) + "]", "a string", e);
                ok = false;
            }
        }
        if (!ok)
            return std::nullopt;
        return out;
    }

    // One of `choices`; nullopt when absent or wrong (reported).
    std::optional<size_t> get_choice(const toml::table& t,
                                     std::string_view key,
                                     const std::string& where,
                                     std::span<const std::string_view> choices) {
        auto s = get_string(t, key, where);
        if (!s)
            return std::nullopt;
        for (size_t i = 0; i < choices.size(); ++i) {
            if (s->value == choices[i])
                return i;
        }
        std::string list;
        for (size_t i = 0; i < choices.size(); ++i)
            list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + in_quotes(choices[i]);
        error(s->pos, label_of(where, key) + ": expected " + list + ", got " + in_quotes(s->value));
        return std::nullopt;
    }

    // "" (no address) or an address; nullopt when absent or wrong (reported).
    std::optional<At<std::optional<lists::Address>>> get_address(const toml::table& t,
                                                                 std::string_view key,
                                                                 const std::string& where) {
        auto s = get_string(t, key, where);
        if (!s)
            return std::nullopt;
        if (s->value.empty())
            return At<std::optional<lists::Address>>{std::nullopt, s->pos};
        auto a = lists::parse_address(s->value);
        if (!a) {
            error(s->pos, label_of(where, key) +
                              ": expected \"\" or an IPv4 or IPv6 address, got " +
                              in_quotes(s->value));
            return std::nullopt;
        }
        return At<std::optional<lists::Address>>{*a, s->pos};
    }

    std::optional<PortRange> get_port_range(const toml::table& t,
                                            std::string_view key,
                                            const std::string& where,
                                            bool udp) {
        auto s = get_string(t, key, where);
        if (!s)
            return std::nullopt;
        std::string label = label_of(where, key);
        auto r = parse_port_range(s->value);
        if (!r.ok()) {
            error(s->pos, label + ": " + r.error().message);
            return std::nullopt;
        }
        if (udp) {
            if (auto why = check_udp_pairs(*r)) {
                error(s->pos, label + ": " + *why);
                return std::nullopt;
            }
        }
        return *r;
    }

    std::optional<std::string> get_socket(const toml::table& t,
                                          const std::string& where,
                                          std::optional<FilePos>& at) {
        auto s = get_string(t, "socket", where);
        if (!s)
            return std::nullopt;
        if (auto why = check_socket_path(s->value)) {
            error(s->pos, where + " socket: " + *why);
            return std::nullopt;
        }
        at = s->pos;
        return std::string(s->value);
    }

    void read_list(const toml::table& t, const std::string& where, size_t index);
    void read_network(const toml::table* t);
    void read_media(const toml::table* t);
    void read_resolver(const toml::table* t);
    void read_control(const toml::table* t);
    void read_dataplane(const toml::table* t);
    void read_port(const toml::node& n, size_t index);
    void read_relays(const toml::node* n);
    void read_relay(const toml::node& n, size_t index);
    void cross_check();
    void derive();

    SourceText src_;
    std::string file_;
    const LoadOptions& opts_;
    ErrorSink sink_;
    Config cfg_;

    std::array<std::optional<ConfiguredList>, kLists.size()> lists_;
    std::optional<At<lists::Address>> server_lan_ip_;  // explicit, not "auto"
    bool media_udp_valid_ = true;
    bool ports_complete_ = true;
    std::optional<FilePos> control_socket_at_;
    std::optional<FilePos> dataplane_socket_at_;
    struct PortUdp {
        size_t port;
        PortRange range;
        FilePos pos;
    };
    std::vector<PortUdp> port_udp_;
    std::map<std::string, size_t, std::less<>> port_names_;
    std::map<std::pair<int, lists::Uint128>, size_t> port_addresses_;
    struct PortNetwork {
        IfAddress address;
        size_t port;
    };
    std::vector<PortNetwork> port_networks_;
    // Records `a` of port `index`; the first address of another port whose network
    // overlaps a's ("port #N 192.0.2.1/24"), if any.
    std::optional<std::string> overlapping_port(const IfAddress& a, size_t index) {
        std::optional<std::string> found;
        for (const auto& n : port_networks_) {
            if (n.port != index && n.address.addr.is_v4() == a.addr.is_v4() &&
                !(n.address.network_last().value < a.network_first().value) &&
                !(a.network_last().value < n.address.network_first().value)) {
                found = "port #" + std::to_string(n.port + 1) + " " + n.address.format();
                break;
            }
        }
        port_networks_.push_back({a, index});
        return found;
    }
    std::map<std::string, size_t, std::less<>> relay_names_;
    struct RelayLocal {  // a [[relay]]'s local_a or local_b
        Endpoint endpoint;
        FilePos pos;
        std::string label;  // "[[relay]] #1 local_a"
    };
    std::vector<RelayLocal> relay_locals_;
};

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
        if (auto a = lists::parse_address(s->value)) {
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
            if (s.ok()) {
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

void Loader::read_dataplane(const toml::table* t) {
    if (t == nullptr)
        return;
    const std::string where = "[dataplane]";
    check_keys(*t, where, kDataplaneKeys);
    if (auto s = get_socket(*t, where, dataplane_socket_at_))
        cfg_.dataplane.socket = *s;
    if (auto args = get_strings(*t, "eal_args", where)) {
        for (const auto& a : *args)
            cfg_.dataplane.eal_args.emplace_back(a.value);
    }
    if (auto v = get_int(*t, "workers", where, 1, 64))
        cfg_.dataplane.workers = static_cast<unsigned>(*v);
    if (auto v = get_int(*t, "idle_sleep_us", where, 0, 100000))
        cfg_.dataplane.idle_sleep_us = static_cast<unsigned>(*v);
    if (auto v = get_int(*t, "max_legs", where, 2, 16777216))
        cfg_.dataplane.max_legs = static_cast<uint32_t>(*v);
    if (auto v = get_int(*t, "relatch_after_s", where, 0, 86400))
        cfg_.dataplane.relatch_after_s = static_cast<uint32_t>(*v);
    const toml::node* ports = t->get("port");
    if (ports == nullptr)
        return;
    const auto* arr = ports->as_array();
    if (arr == nullptr) {
        expected(where + " port", "an array of tables ([[dataplane.port]])", *ports);
        ports_complete_ = false;
        return;
    }
    size_t before_ports = sink_.count();
    for (size_t i = 0; i < arr->size(); ++i)
        read_port((*arr)[i], i);
    ports_complete_ = sink_.count() == before_ports;
}

void Loader::read_port(const toml::node& n, size_t index) {
    std::string where = "[[dataplane.port]] #" + std::to_string(index + 1);
    const auto* t = n.as_table();
    if (t == nullptr) {
        expected(where, "a table", n);
        return;
    }
    check_keys(*t, where, kPortKeys);
    for (std::string_view key : {"name", "role", "device", "addresses"}) {
        if (!t->contains(key))
            error(pos(n), where + ": missing required key " + in_quotes(key));
    }
    DataplanePort p;
    if (auto s = get_string(*t, "name", where)) {
        auto known = port_names_.find(s->value);
        if (!is_valid_port_name(s->value)) {
            error(s->pos,
                  where + " name: expected 1 to 32 of A-Z a-z 0-9 _ -, got " + in_quotes(s->value));
        } else if (known != port_names_.end()) {
            error(s->pos, where + " name: " + in_quotes(s->value) +
                              " is already the name of port #" + std::to_string(known->second + 1));
        } else {
            port_names_.emplace(std::string(s->value), index);
        }
        p.name = s->value;
    }
    static constexpr std::string_view kRoles[] = {"lan", "wan"};
    if (auto c = get_choice(*t, "role", where, kRoles))
        p.role = kRoles[*c];
    if (auto s = get_string(*t, "device", where)) {
        if (s->value.empty())
            error(s->pos, where + " device: must not be empty");
        p.device = s->value;
    }
    if (auto addrs = get_strings(*t, "addresses", where)) {
        if (addrs->empty())
            error(pos(*t->get("addresses")), where + " addresses: needs at least one address");
        for (size_t i = 0; i < addrs->size(); ++i) {
            const auto& text = (*addrs)[i];
            std::string label = where + " addresses[" + std::to_string(i) + "]";
            auto a = parse_if_address(text.value);
            if (!a.ok()) {
                error(text.pos, label + ": " + a.error().message);
                continue;
            }
            auto key = std::make_pair(static_cast<int>(a->addr.family), a->addr.value);
            auto [it, inserted] = port_addresses_.emplace(key, index);
            if (!inserted && it->second == index) {
                error(text.pos, label + ": " + lists::format_address(a->addr) +
                                    " is listed twice on this port");
            } else if (!inserted) {
                error(text.pos, label + ": " + lists::format_address(a->addr) +
                                    " is already an address of port #" +
                                    std::to_string(it->second + 1));
            } else if (auto other = overlapping_port(*a, index)) {
                error(text.pos, label + ": " + a->format() + " overlaps " + *other +
                                    ": a peer would be on link on two ports");
            }
            p.addresses.push_back(*a);
        }
    }
    if (auto a = get_address(*t, "advertise", where))
        p.advertise = a->value;
    if (auto a = get_address(*t, "gateway", where)) {
        if (a->value && !a->value->is_v4())
            error(a->pos, where + " gateway: expected \"\" or an IPv4 address (IPv6: gateway6)");
        p.gateway = a->value;
    }
    if (auto a = get_address(*t, "gateway6", where)) {
        if (a->value && a->value->is_v4())
            error(a->pos, where + " gateway6: expected \"\" or an IPv6 address (IPv4: gateway)");
        p.gateway6 = a->value;
    }
    if (auto routes = get_strings(*t, "routes", where)) {
        for (size_t i = 0; i < routes->size(); ++i) {
            auto r = parse_route((*routes)[i].value);
            if (r.ok()) {
                p.routes.push_back(*r);
            } else {
                error((*routes)[i].pos,
                      where + " routes[" + std::to_string(i) + "]: " + r.error().message);
            }
        }
    }
    if (auto v = get_int(*t, "vlan", where, 0, 4094))
        p.vlan = static_cast<uint16_t>(*v);
    if (auto s = get_string(*t, "udp_ports", where); s && !s->value.empty()) {
        if (auto r = get_port_range(*t, "udp_ports", where, true)) {
            p.udp_ports = *r;
            port_udp_.push_back(PortUdp{index, *r, s->pos});
        }
    }
    if (auto v = get_int(*t, "dscp", where, 0, 63))
        p.dscp = static_cast<uint8_t>(*v);
    cfg_.dataplane.ports.push_back(std::move(p));
}

void Loader::read_relays(const toml::node* n) {
    const auto* arr = n != nullptr ? n->as_array() : nullptr;
    if (n != nullptr && arr == nullptr)
        expected("relay", "an array of tables ([[relay]])", *n);
    for (size_t i = 0; arr != nullptr && i < arr->size(); ++i)
        read_relay((*arr)[i], i);
}

void Loader::read_relay(const toml::node& n, size_t index) {
    std::string where = "[[relay]] #" + std::to_string(index + 1);
    const auto* t = n.as_table();
    if (t == nullptr) {
        expected(where, "a table", n);
        return;
    }
    check_keys(*t, where, kRelayKeys);
    for (std::string_view key : {"name", "local_a", "peer_a", "local_b", "peer_b"}) {
        if (!t->contains(key))
            error(pos(n), where + ": missing required key " + in_quotes(key));
    }
    StaticRelay r;
    if (auto s = get_string(*t, "name", where)) {
        auto [known, added] = relay_names_.emplace(std::string(s->value), index);
        if (!is_valid_port_name(s->value))
            error(s->pos,
                  where + " name: expected 1 to 32 of A-Z a-z 0-9 _ -, got " + in_quotes(s->value));
        else if (!added)
            error(s->pos, where + " name: " + in_quotes(s->value) +
                              " is already the name of [[relay]] #" +
                              std::to_string(known->second + 1));
        r.name = s->value;
    }
    auto endpoint = [&](std::string_view key, bool local, Endpoint& out) {
        auto s = get_string(*t, key, where);
        if (!s)
            return;
        auto e = parse_endpoint(s->value, !local);
        if (!e.ok()) {
            error(s->pos, label_of(where, key) + ": " + e.error().message);
            return;
        }
        std::string label = label_of(where, key);
        if (!local && (*e == r.local_a || *e == r.local_b)) {
            error(s->pos, label + ": " + e->format() + " is a local endpoint of this relay");
            return;
        }
        out = *e;
        if (!local)
            return;
        for (const auto& other : relay_locals_) {
            if (other.endpoint == *e) {
                error(s->pos, label + ": " + e->format() + " is already " + other.label);
                return;
            }
        }
        relay_locals_.push_back({*e, s->pos, std::move(label)});
    };
    endpoint("local_a", true, r.local_a);
    endpoint("local_b", true, r.local_b);
    endpoint("peer_a", false, r.peer_a);  // after the locals: it must be none of them
    endpoint("peer_b", false, r.peer_b);
    if (auto b = get_bool(*t, "latch", where))
        r.latch = *b;
    cfg_.relays.push_back(std::move(r));
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
    if (cfg_.control.socket == cfg_.dataplane.socket) {
        if (dataplane_socket_at_) {
            error(*dataplane_socket_at_, "[dataplane] socket: the same path as [control] socket");
        } else if (control_socket_at_) {
            error(*control_socket_at_, "[control] socket: the same path as [dataplane] socket");
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

}  // namespace

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
