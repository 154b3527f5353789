// configs/ internals: validation of the text values of mediagate.toml (port ranges,
// interface addresses, routes, names, socket paths). No toml++ here.
//
// Cold path. Every function takes untrusted text and returns an error message (without
// the key's name, which the loader puts in front) instead of failing.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "configs/config.h"

namespace mg::configs {

// `s` in quotes (double unless `quote` says otherwise) for a message, cut after 64
// bytes or fewer, never inside a UTF-8 character ("..."): input echoed in an error
// stays one readable line.
std::string in_quotes(std::string_view s, char quote = '"');

// "FIRST-LAST": decimal ports 1..65535, FIRST <= LAST, no white space.
Result<PortRange> parse_port_range(std::string_view text);

// A UDP range holds RTP/RTCP pairs: an even first port and at least two ports.
// nullopt when it does, else the reason.
std::optional<std::string> check_udp_pairs(const PortRange& r);

// An interface address "ADDR/LEN": LEN 1..32 (IPv4) or 1..128 (IPv6), host bits
// allowed; a unicast address (not unspecified, not multicast); no IPv4-mapped IPv6.
Result<IfAddress> parse_if_address(std::string_view text);

// "PREFIX/LEN via ADDR" (white space between the three words): a prefix with zero host
// bits (LEN 0 allowed: a default route) and a next hop of the same family. Returns the
// canonical text ("198.51.100.0/24 via 192.0.2.254").
Result<std::string> parse_route(std::string_view text);

// Not unspecified, multicast or the IPv4 limited broadcast 255.255.255.255: an
// address a host can have and be sent to.
bool is_unicast(const lists::Address& a);

// [A-Za-z0-9_-]{1,32}.
bool is_valid_port_name(std::string_view name);
// A Linux network interface name: 1 to 15 of A-Z a-z 0-9 _ - . (not "." or "..").
bool is_valid_interface_name(std::string_view name);

// A Unix socket path: non-empty, absolute, shorter than sun_path (108 bytes), no NUL.
// nullopt when valid, else the reason.
std::optional<std::string> check_socket_path(std::string_view path);

// Whether two socket paths name the same file: compared after resolving ".", "..",
// repeated slashes and the symbolic links of the part of the path that exists.
bool same_socket_path(const std::string& a, const std::string& b);

// The allowed key closest to `key` by edit distance (at most 2 edits), for "did you
// mean" (on a tie, the one sharing the longer beginning); empty when none is close.
std::string_view closest_key(std::string_view key, std::span<const std::string_view> allowed);

}  // namespace mg::configs
