#include "control/runtime.h"

#include <cerrno>
#include <utility>

#include <sys/socket.h>
#include <unistd.h>

namespace mg::control {

bool kernel_supports_ipv6() {
    int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    ::close(fd);
    return true;
}

Ipv6Decision decide_ipv6(std::optional<bool> forced,
                         configs::Ipv6Setting setting,
                         const std::vector<configs::HostInterface>& host,
                         bool kernel_ok) {
    if (forced)
        return {*forced, *forced ? "forced on by --IPv6 YES" : "forced off by --IPv6 NO"};
    if (setting == configs::Ipv6Setting::kYes)
        return {true, "forced on by [network] ipv6 = \"yes\""};
    if (setting == configs::Ipv6Setting::kNo)
        return {false, "forced off by [network] ipv6 = \"no\""};
    if (!kernel_ok)
        return {false, "auto: the kernel does not support IPv6 sockets"};
    for (const auto& itf : host) {
        if (!itf.loopback && !itf.address.addr.is_v4())
            return {true, "auto: the host has IPv6 address " +
                              lists::format_address(itf.address.addr) + " on " + itf.name};
    }
    return {false, "auto: no IPv6 address on a non-loopback interface"};
}

Result<std::shared_ptr<const Runtime>, configs::ConfigErrors> load_runtime(
    const std::string& config_file, const RuntimeOptions& opts) {
    configs::LoadOptions load = opts.load;
    if (!load.host_interfaces)
        load.host_interfaces = configs::read_host_interfaces();
    auto config = configs::load_config(config_file, load);
    if (!config.ok())
        return config.error();

    auto rt = std::make_shared<Runtime>();
    rt->config = std::move(*config);
    rt->ipv6 = decide_ipv6(opts.ipv6_forced, rt->config.network.ipv6, *load.host_interfaces,
                           kernel_supports_ipv6());

    std::vector<lists::NamedList> named;
    for (const auto& l : rt->config.lists)
        named.push_back({l.name, l.set});
    auto classifier = lists::Classifier::build(std::move(named));
    MG_CHECK(classifier.ok(), "the config's lists must make a classifier: %s",
             classifier.error().message.c_str());
    rt->classifier = std::move(*classifier);
    rt->nated = std::make_shared<lists::AddressList>(rt->config.list("nated").set);
    rt->debug = std::make_shared<lists::AddressList>(rt->config.list("debug").set);
    rt->dummy = lists::AddressList(rt->config.list("dummy").set);

    std::vector<resolver::ServerAddr> servers = rt->config.resolver.servers;
    if (servers.empty())
        servers = resolver::read_resolv_conf(opts.resolv_conf);
    std::vector<resolver::ServerAddr> usable;
    for (const auto& s : servers) {
        if (!rt->ipv6.on && !s.addr.is_v4()) {
            rt->notes.push_back("resolver: skipping IPv6 server " + s.to_string() +
                                " (IPv6 networking is off)");
            continue;
        }
        usable.push_back(s);
    }
    if (usable.empty()) {
        auto local = resolver::parse_server("127.0.0.1");
        MG_CHECK(local.ok(), "127.0.0.1 must parse");
        usable.push_back(*local);
        rt->notes.push_back("resolver: no usable server configured or in " + opts.resolv_conf +
                            "; using 127.0.0.1");
    }
    rt->resolver_servers = std::move(usable);
    if (!rt->config.network.server_lan_ip)
        rt->notes.push_back(
            "no Server LAN IP: no dataplane port with role \"lan\" and no host "
            "address inside LAN IPs");
    rt->loaded_at = std::chrono::system_clock::now();
    return std::shared_ptr<const Runtime>(std::move(rt));
}

}  // namespace mg::control
