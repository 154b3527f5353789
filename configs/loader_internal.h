// configs/ internals: the Loader behind load_config / parse_config, shared by
// loader.cc ([network], [media], [resolver], [control], the cross-checks and the
// derived values) and loader_dataplane.cc ([dataplane], [[dataplane.port]], [[relay]]).
//
// One Loader per load: it reads the parsed TOML section by section into a Config,
// reporting each wrong value to its ErrorSink and reading on. Includes toml++: only the
// two loader files include this header, so nothing else in configs/ sees toml++.
// Cold path.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "configs/config.h"
#include "configs/error_sink.h"
#include "configs/source_text.h"
#include "configs/toml_guard.h"
#include "configs/values.h"

namespace mg::configs {

// The sections (Loader::run checks the top level against these).
inline constexpr std::string_view kTopKeys[] = {"network", "media",     "resolver",
                                                "control", "dataplane", "relay"};

// The lists in Config::lists order, and the section that holds each.
struct ListInfo {
    const char* name;
    const char* key;
};
inline constexpr std::array<ListInfo, 5> kLists = {{{"lan", "lan_ips"},
                                                    {"client", "client_ips"},
                                                    {"nated", "nated_ips"},
                                                    {"debug", "debug_ips"},
                                                    {"dummy", "dummy_ips"}}};

inline const char* type_name(toml::node_type t) {
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
        if (!is_unicast(*a)) {
            error(s->pos, label_of(where, key) + ": " + in_quotes(s->value) +
                              " is not a unicast address");
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

    // In loader.cc:
    void read_list(const toml::table& t, const std::string& where, size_t index);
    void read_network(const toml::table* t);
    void read_media(const toml::table* t);
    void read_resolver(const toml::table* t);
    void read_control(const toml::table* t);
    // In loader_dataplane.cc:
    void read_dataplane(const toml::table* t);
    void read_port(const toml::node& n, size_t index);
    void check_gateway(const DataplanePort& p,
                       const lists::Address& gw,
                       const FilePos& at,
                       const std::string& label);
    void read_relays(const toml::node* n);
    void read_relay(const toml::node& n, size_t index);
    // In loader.cc:
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
    std::map<std::string, size_t, std::less<>> port_taps_;
    std::map<std::string, size_t, std::less<>> port_devices_;
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

}  // namespace mg::configs
