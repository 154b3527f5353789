#include "configs/derive.h"

#include <vector>

#include "common/check.h"

namespace mg::configs {
namespace {

lists::ListOp network_op(const IfAddress& a) {
    lists::ListOp op;
    op.family = a.addr.family;
    op.first = a.network_first().value;
    op.last = a.network_last().value;
    return op;
}

bool is_v6_link_local(const lists::Address& a) {
    return !a.is_v4() && (a.value >> 118) == (lists::Uint128{0xfe80} >> 6);
}

}  // namespace

lists::AddressSet lan_from_ports(std::span<const DataplanePort> ports) {
    std::vector<lists::ListOp> ops;
    for (const auto& p : ports) {
        if (p.role != "lan")
            continue;
        for (const auto& a : p.addresses)
            ops.push_back(network_op(a));
    }
    return lists::compile(ops);
}

lists::AddressSet lan_from_host(std::span<const HostInterface> ifs) {
    std::vector<lists::ListOp> ops;
    for (const auto& i : ifs) {
        if (i.loopback || is_v6_link_local(i.address.addr))
            continue;
        ops.push_back(network_op(i.address));
    }
    return lists::compile(ops);
}

std::optional<lists::Address> server_lan_ip_from_ports(std::span<const DataplanePort> ports) {
    for (const auto& p : ports) {
        if (p.role == "lan" && !p.addresses.empty())
            return p.addresses.front().addr;
    }
    return std::nullopt;
}

std::optional<lists::Address> server_lan_ip_from_host(std::span<const HostInterface> ifs,
                                                      const lists::AddressSet& lan) {
    for (const auto& i : ifs) {
        if (!i.loopback && lan.contains(i.address.addr))
            return i.address.addr;
    }
    return std::nullopt;
}

bool owned_by_a_port(std::span<const DataplanePort> ports, const lists::Address& a) {
    for (const auto& p : ports) {
        for (const auto& own : p.addresses) {
            if (own.addr == a)
                return true;
        }
    }
    return false;
}

std::optional<std::string> check_relay_local(std::span<const DataplanePort> ports,
                                             const PortRange& media_udp,
                                             const Endpoint& local) {
    if (!local.addr)
        return std::string("\"any\" is not a local endpoint");
    for (const auto& p : ports) {
        for (const auto& own : p.addresses) {
            if (own.addr != *local.addr)
                continue;
            PortRange range = p.udp_ports.value_or(media_udp);
            if (local.port < range.first || local.port > range.last)
                return "port " + std::to_string(local.port) +
                       " is outside the UDP ports of [[dataplane.port]] \"" + p.name + "\" (" +
                       range.format() + ")";
            return std::nullopt;
        }
    }
    return lists::format_address(*local.addr) + " is not an address of any [[dataplane.port]]";
}

lists::AddressSet default_nated_ips() {
    auto set = lists::compile_list(kDefaultNatedIps);
    MG_CHECK(set.ok(), "the built-in NATed IPs do not parse");
    return *set;
}

}  // namespace mg::configs
