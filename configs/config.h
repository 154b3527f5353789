// configs/: the one schema of mediagate.toml, its loader and its validation.
//
// Cold path, used by mediagate-control, mediagatectl (--config) and, later,
// mediagate-dataplane, so every key is defined once, here. Untrusted input: every
// error is reported as "FILE:LINE:COL: message" with LINE/COL in the TOML file (an
// error inside a list is mapped from the list's own line into the file), unknown
// keys are errors, and a file with any error yields no Config at all, so a caller
// that already runs with a Config keeps it unchanged (validate fully, then swap).
//
// A loaded Config is complete: defaults filled in, every list parsed and compiled,
// LAN IPs and Server LAN IP derived (SPEC.md §2-3). It is immutable afterwards and
// may be shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lists/address.h"
#include "lists/compiler.h"
#include "resolver/servers.h"

namespace mg::configs {

// One error, positioned in the TOML file (1-based line and byte column; 0 = unknown).
struct ConfigError {
    std::string file;
    uint32_t line = 0;
    uint32_t column = 0;
    std::string message;

    // "FILE:LINE:COL: message" (":LINE:COL" left out when unknown).
    std::string format() const;
};

struct ConfigErrors {
    std::vector<ConfigError> errors;  // in file order; at most kMaxReportedErrors
    size_t total = 0;                 // all errors found
    // One line per error, plus a line counting the unreported ones.
    std::string format() const;
};

inline constexpr size_t kMaxReportedErrors = 20;

// An address with its prefix length ("192.0.2.1/24"): interface and port addresses.
struct IfAddress {
    lists::Address addr;
    unsigned prefix_len = 0;  // 0..32 / 0..128
    // The network it belongs to, as an inclusive range of `addr`'s family.
    lists::Address network_first() const;
    lists::Address network_last() const;
    std::string format() const;  // "192.0.2.1/24", "2001:db8::1/64"
};

// The host's interfaces as the loader sees them (getifaddrs in production, injected
// by tests). Only addresses of family AF_INET/AF_INET6 are listed.
struct HostInterface {
    std::string name;
    IfAddress address;
    bool loopback = false;
};
std::vector<HostInterface> read_host_interfaces();

struct PortRange {
    uint16_t first = 0;
    uint16_t last = 0;  // inclusive
    size_t size() const { return static_cast<size_t>(last) - first + 1; }
    std::string format() const;  // "10000-29999"
};

enum class Ipv6Setting { kAuto, kYes, kNo };
const char* to_string(Ipv6Setting s);  // "auto" | "yes" | "no"

enum class LogLevel { kError, kWarning, kInfo, kDebug };
const char* to_string(LogLevel l);  // "error" | "warning" | "info" | "debug"

// Where a list or a derived value came from, for `status` and logs.
enum class Origin {
    kConfig,           // set in the file (inline or *_file)
    kDefault,          // a built-in default (NATed IPs, empty lists)
    kDataplanePorts,   // derived from [[dataplane.port]] with role = "lan"
    kHostInterfaces,   // derived from the host's interfaces
    kNone,             // could not be derived (Server LAN IP only)
};
const char* to_string(Origin o);  // "config" | "default" | "dataplane ports" | ...

// One of the named lists: lan, client, nated, debug, dummy.
struct ConfiguredList {
    std::string name;      // "lan", "client", "nated", "debug", "dummy"
    Origin origin = Origin::kDefault;
    std::string file;      // the *_file path when read from a file, else empty
    lists::AddressSet set;  // compiled
};

// What one dataplane can drive; the loader refuses more (file:line:col), and the
// dataplane's own tables are sized by them (static_asserts in dataplane/).
inline constexpr size_t kMaxDataplanePorts = 16;
inline constexpr size_t kMaxDataplaneAddresses = 64;  // all ports together
inline constexpr size_t kMaxPortRoutesPerFamily = 8;

struct DataplanePort {
    std::string name;
    std::string role;    // "lan" | "wan"
    std::string device;  // DPDK device name or PCI address
    std::vector<IfAddress> addresses;
    std::optional<lists::Address> advertise;  // "" -> nullopt
    std::optional<lists::Address> gateway;
    std::optional<lists::Address> gateway6;
    std::vector<std::string> routes;  // "PREFIX via ADDR", validated
    uint16_t vlan = 0;                // 0 = untagged; 1..4094
    std::optional<PortRange> udp_ports;  // narrows [media] udp_ports
    uint8_t dscp = 46;                   // 0..63
    std::string tap;  // "" = none; else the TAP interface (Linux name) that gets the
                      // frames the relay does not take (the host's own traffic)
};

// A UDP endpoint: an address and a port, or "any" (a peer not known in advance,
// learned by latching).
struct Endpoint {
    std::optional<lists::Address> addr;  // nullopt: "any"
    uint16_t port = 0;                   // 1..65535; 0 with "any"

    bool is_any() const { return !addr.has_value(); }
    // "192.0.2.1:20000", "[2001:db8::1]:20000" or "any".
    std::string format() const;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// "ADDR:PORT" or "[IPV6]:PORT" (decimal port 1..65535), or "any" when allow_any. The
// address must be unicast (not unspecified, multicast or 255.255.255.255); an
// IPv4-mapped IPv6 address is the IPv4 address it maps (SPEC.md §1). Shared by the
// [[relay]] tables and `mediagatectl relay add`. The error message quotes the text.
Result<Endpoint> parse_endpoint(std::string_view text, bool allow_any);

// A static relay from a [[relay]] table: two legs on dataplane addresses, each
// relaying what its peer sends to the other leg's peer. A peer of "any" is learned
// by latching (its leg latches even without `latch`); `latch` makes both legs latch.
struct StaticRelay {
    std::string name;  // unique, [A-Za-z0-9_-]{1,32}
    Endpoint local_a;  // an address of the dataplane and a port of its media UDP range
    Endpoint peer_a;
    Endpoint local_b;
    Endpoint peer_b;
    bool latch = false;
};

struct DataplaneSection {
    std::string socket = "/run/mediagate/dataplane.sock";
    std::vector<std::string> eal_args;
    unsigned workers = 1;
    unsigned idle_sleep_us = 50;
    uint32_t max_legs = 100000;      // relay legs the dataplane accepts (2 per relay)
    uint32_t relatch_after_s = 10;   // a latched leg may re-latch after this silence; 0 = never
    std::vector<DataplanePort> ports;
};

struct Config {
    std::string file;  // as given to load_config ("" for parse_config without name)

    struct Network {
        Ipv6Setting ipv6 = Ipv6Setting::kAuto;
        std::optional<lists::Address> server_lan_ip;  // derived when "auto"; nullopt: none
        Origin server_lan_ip_origin = Origin::kNone;  // kConfig, kDataplanePorts, ...
        std::optional<lists::Address> wan_ip;         // "" -> nullopt
    } network;

    // In this order: lan, client, nated, debug, dummy (dummy comes from [resolver]).
    std::vector<ConfiguredList> lists;
    const ConfiguredList& list(std::string_view name) const;  // MG_CHECK: known name

    struct Media {
        PortRange udp_ports{10000, 29999};
        PortRange tcp_ports{30000, 30999};
        uint32_t keepalive_interval_s = 20;
        uint32_t silence_timeout_s = 60;
    } media;

    struct Resolver {
        std::vector<resolver::ServerAddr> servers;  // empty: /etc/resolv.conf, then 127.0.0.1
        uint32_t initial_timeout_ms = 2000;
        uint32_t retries = 3;
    } resolver;

    struct Control {
        std::string socket = "/run/mediagate/control.sock";
        LogLevel log_level = LogLevel::kInfo;
    } control;

    DataplaneSection dataplane;

    // [[relay]] tables, in file order (read by mediagate-control).
    std::vector<StaticRelay> relays;
};

struct LoadOptions {
    // The host's interfaces for LAN IPs / Server LAN IP derivation; nullopt: read them
    // with read_host_interfaces().
    std::optional<std::vector<HostInterface>> host_interfaces;
};

// Reads and validates FILE. Relative *_file paths are relative to FILE's directory.
// An unreadable FILE is one error "FILE: cannot open: reason".
Result<Config, ConfigErrors> load_config(const std::string& file, const LoadOptions& opts = {});
// Same, from text; `file` names it in messages and anchors relative *_file paths
// (its directory; the current directory when it has none).
Result<Config, ConfigErrors> parse_config(std::string_view text,
                                          const std::string& file,
                                          const LoadOptions& opts = {});

}  // namespace mg::configs
