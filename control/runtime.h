// Runtime: everything the control daemon derives from one loaded config, built in
// full before it is used, then swapped in as one immutable value (reload is atomic:
// a config that fails anywhere never becomes a Runtime).
//
// Cold path, the control process's loop thread. A Runtime is shared read-only via
// shared_ptr<const Runtime>; callbacks that run after a reload keep the Runtime
// they started with.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "configs/config.h"
#include "lists/classifier.h"
#include "resolver/servers.h"

namespace mg::control {

// IPv6 networking (SPEC.md §6).
struct Ipv6Decision {
    bool on = false;
    std::string reason;  // e.g. "auto: the host has IPv6 address 2001:db8::1 on eth0"
};

// `forced` is the command line (--IPv6 YES|NO), which wins over the config's
// [network] ipv6; "auto" turns IPv6 on when the kernel supports IPv6 sockets and a
// non-loopback interface has an IPv6 address (ours: ::1 alone does not count,
// a host with only loopback IPv6 cannot talk IPv6 to anyone).
Ipv6Decision decide_ipv6(std::optional<bool> forced,
                         configs::Ipv6Setting setting,
                         const std::vector<configs::HostInterface>& host,
                         bool kernel_supports_ipv6);
bool kernel_supports_ipv6();  // socket(AF_INET6, ...) works

struct Runtime {
    configs::Config config;
    Ipv6Decision ipv6;
    // Bits in list order: lan, client, nated, debug, dummy (configs::Config::lists).
    lists::Classifier classifier;
    std::shared_ptr<const lists::AddressList> nated;
    std::shared_ptr<const lists::AddressList> debug;
    lists::AddressList dummy;
    // The resolver's servers after defaults (resolv.conf, then 127.0.0.1) and the
    // IPv6 decision (IPv6 servers are dropped when IPv6 is off).
    std::vector<resolver::ServerAddr> resolver_servers;
    std::vector<std::string> notes;  // warnings found while deriving, for the log
    std::chrono::system_clock::time_point loaded_at;
};

struct RuntimeOptions {
    std::optional<bool> ipv6_forced;
    configs::LoadOptions load;
    std::string resolv_conf = "/etc/resolv.conf";
};

Result<std::shared_ptr<const Runtime>, configs::ConfigErrors> load_runtime(
    const std::string& config_file, const RuntimeOptions& opts);

}  // namespace mg::control
