// configs/ internals: the values the loader derives when the file leaves them out
// (SPEC.md §2-3): LAN IPs, Server LAN IP, the default NATed IPs. No toml++ here.
//
// Cold path, pure functions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "configs/config.h"

namespace mg::configs {

// The networks (address/prefix masked) of the addresses of the ports whose role is
// "lan". Empty without such ports.
lists::AddressSet lan_from_ports(std::span<const DataplanePort> ports);

// The networks of the host's addresses, leaving out loopback interfaces and IPv6
// link-local addresses (fe80::/10: every link has the same fe80::/64, so it says
// nothing about which peers are local; NATed IPs covers it by default). IPv4
// link-local (169.254.0.0/16) is kept: an unmanaged LAN may really use it.
lists::AddressSet lan_from_host(std::span<const HostInterface> ifs);

// The first address of the first port whose role is "lan".
std::optional<lists::Address> server_lan_ip_from_ports(std::span<const DataplanePort> ports);

// The first address of a non-loopback interface that is inside `lan`.
std::optional<lists::Address> server_lan_ip_from_host(std::span<const HostInterface> ifs,
                                                      const lists::AddressSet& lan);

// Whether `a` is one of the ports' addresses (any role).
bool owned_by_a_port(std::span<const DataplanePort> ports, const lists::Address& a);

// Why `local` cannot be a static relay's local endpoint on these ports: its address
// is no port's, or its port is outside that port's UDP range (udp_ports, else
// `media_udp`). nullopt when it can.
std::optional<std::string> check_relay_local(std::span<const DataplanePort> ports,
                                             const PortRange& media_udp,
                                             const Endpoint& local);

// NATed IPs when the file does not set them (SPEC.md §2).
inline constexpr std::string_view kDefaultNatedIps =
    "10.0.0.0/8\n172.16.0.0/12\n192.168.0.0/16\n100.64.0.0/10\nfc00::/7\nfe80::/10\n";
lists::AddressSet default_nated_ips();

}  // namespace mg::configs
