// The [dataplane], [[dataplane.port]] and [[relay]] sections of mediagate.toml: the
// Loader's readers for the packet side (loader_internal.h; the other sections, the
// cross-checks and the derived values are in loader.cc).
//
// Each wrong value is reported with its position and the reading goes on. What the
// checks across sections need (the [dataplane] socket's position, per-port UDP ranges,
// whether every port read cleanly, the relays' local endpoints) is recorded in the
// Loader for Loader::cross_check (loader.cc).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

#include "configs/config.h"
#include "configs/loader_internal.h"
#include "configs/values.h"

namespace mg::configs {
namespace {

constexpr std::string_view kDataplaneKeys[] = {
    "socket", "eal_args", "workers", "idle_sleep_us", "max_legs", "relatch_after_s", "port"};
constexpr std::string_view kPortKeys[] = {"name",      "role",      "device",   "addresses",
                                          "advertise", "gateway",   "gateway6", "routes",
                                          "vlan",      "udp_ports", "dscp",     "tap"};
constexpr std::string_view kRelayKeys[] = {"name",    "local_a", "peer_a",
                                           "local_b", "peer_b",  "latch"};

}  // namespace

void Loader::read_dataplane(const toml::table* t) {
    if (t == nullptr)
        return;
    const std::string where = "[dataplane]";
    check_keys(*t, where, kDataplaneKeys);
    if (auto s = get_socket(*t, where, dataplane_socket_at_))
        cfg_.dataplane.socket = *s;
    if (auto args = get_strings(*t, "eal_args", where)) {
        for (size_t i = 0; i < args->size(); ++i) {
            if ((*args)[i].value.empty())
                error((*args)[i].pos, where + " eal_args[" + std::to_string(i) +
                                          "]: an empty string is not an EAL argument");
            cfg_.dataplane.eal_args.emplace_back((*args)[i].value);
        }
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
    if (arr->size() > kMaxDataplanePorts)
        error(pos((*arr)[kMaxDataplanePorts]),
              where + " port: " + std::to_string(arr->size()) + " ports; a dataplane drives " +
                  std::to_string(kMaxDataplanePorts) + " at most");
    for (size_t i = 0; i < arr->size(); ++i)
        read_port((*arr)[i], i);
    ports_complete_ = sink_.count() == before_ports;
}

// A gateway is a neighbour the dataplane resolves with ARP / NS from the port: not
// the port's own address. It may be off the port's networks (a /32 or /128 address
// with its provider's gateway): the dataplane asks for it on the link all the same.
void Loader::check_gateway(const DataplanePort& p,
                           const lists::Address& gw,
                           const FilePos& at,
                           const std::string& label) {
    for (const IfAddress& a : p.addresses) {
        if (a.addr == gw) {
            error(at, label + ": " + lists::format_address(gw) + " is this port's own address");
            return;
        }
    }
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
        if (s->value.empty()) {
            error(s->pos, where + " device: must not be empty");
        } else if (auto [it, inserted] = port_devices_.emplace(s->value, index); !inserted) {
            error(s->pos, where + " device: " + in_quotes(s->value) + " is already port #" +
                              std::to_string(it->second + 1) + "'s (one port per DPDK device)");
        }
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
            } else if (port_addresses_.size() > kMaxDataplaneAddresses) {
                error(text.pos, label + ": more than " + std::to_string(kMaxDataplaneAddresses) +
                                    " addresses on the dataplane's ports together");
            }
            p.addresses.push_back(*a);
        }
    }
    if (auto a = get_address(*t, "advertise", where))
        p.advertise = a->value;
    if (auto a = get_address(*t, "gateway", where)) {
        if (a->value && !a->value->is_v4())
            error(a->pos, where + " gateway: expected \"\" or an IPv4 address (IPv6: gateway6)");
        else if (a->value)
            check_gateway(p, *a->value, a->pos, where + " gateway");
        p.gateway = a->value;
    }
    if (auto a = get_address(*t, "gateway6", where)) {
        if (a->value && a->value->is_v4())
            error(a->pos, where + " gateway6: expected \"\" or an IPv6 address (IPv4: gateway)");
        else if (a->value)
            check_gateway(p, *a->value, a->pos, where + " gateway6");
        p.gateway6 = a->value;
    }
    if (auto routes = get_strings(*t, "routes", where)) {
        size_t per_family[2] = {0, 0};  // IPv4, IPv6
        for (size_t i = 0; i < routes->size(); ++i) {
            auto r = parse_route((*routes)[i].value);
            if (r.ok()) {
                const bool v6 = r->find(':') != std::string::npos;
                if (++per_family[v6 ? 1 : 0] > kMaxPortRoutesPerFamily)
                    error((*routes)[i].pos, where + " routes[" + std::to_string(i) +
                                                "]: more than " +
                                                std::to_string(kMaxPortRoutesPerFamily) +
                                                (v6 ? " IPv6" : " IPv4") + " routes on one port");
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
    if (auto s = get_string(*t, "tap", where); s && !s->value.empty()) {
        auto [known, added] = port_taps_.emplace(std::string(s->value), index);
        if (!is_valid_interface_name(s->value))
            error(s->pos, where + " tap: expected \"\" or an interface name, 1 to 15 of "
                                  "A-Z a-z 0-9 _ - ., got " + in_quotes(s->value));
        else if (!added)
            error(s->pos, where + " tap: " + in_quotes(s->value) +
                              " is already the tap of port #" + std::to_string(known->second + 1));
        p.tap = s->value;
    }
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

}  // namespace mg::configs
