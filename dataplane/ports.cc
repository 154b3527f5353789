// DPDK ports from [[dataplane.port]] (see ports.h). Cold path.
#include "dataplane/ports.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <net/if.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "lists/address.h"

namespace mg::dataplane {

static_assert(kMaxPorts == configs::kMaxDataplanePorts &&
                  LocalAddressTable::kMaxAddresses == configs::kMaxDataplaneAddresses &&
                  LocalAddress::kMaxRoutes == configs::kMaxPortRoutesPerFamily,
              "the config refuses what the dataplane's tables cannot hold");

namespace {

constexpr uint16_t kRxDescriptors = 1024;
constexpr uint16_t kTxDescriptors = 1024;

std::string port_label(const configs::DataplanePort& p) {
    return "[[dataplane.port]] '" + p.name + "' (device '" + p.device + "')";
}

std::string available_devices() {
    std::string out;
    uint16_t id = 0;
    RTE_ETH_FOREACH_DEV(id) {
        char name[RTE_ETH_NAME_MAX_LEN] = {};
        if (rte_eth_dev_get_name_by_port(id, name) == 0) {
            out += out.empty() ? "" : ", ";
            out += name;
        }
    }
    return out.empty() ? "none; add one with --vdev in eal_args or use a NIC bound to DPDK"
                       : out;
}

Error dpdk_error(const configs::DataplanePort& p, const char* what, int rc) {
    return make_error(ErrorCode::kIo, port_label(p) + ": " + what + ": " + rte_strerror(-rc));
}

void remove_tap(const OpenPort& o) {
    if (o.tap_device.empty()) {
        return;
    }
    rte_eth_dev_stop(o.tap_port_id);
    rte_eal_hotplug_remove("vdev", o.tap_device.c_str());  // closes it; the interface goes
}

Result<void> configure(const configs::DataplanePort& p,
                       uint16_t id,
                       unsigned queues,
                       rte_mempool* pool) {
    rte_eth_dev_info info{};
    int rc = rte_eth_dev_info_get(id, &info);
    if (rc != 0) {
        return dpdk_error(p, "device info", rc);
    }
    if (info.max_rx_queues < queues || info.max_tx_queues < queues) {
        return make_error(ErrorCode::kInvalidInput,
                          port_label(p) + ": " + std::to_string(queues) +
                              " workers need as many RX and TX queues; the device has " +
                              std::to_string(info.max_rx_queues) + " RX and " +
                              std::to_string(info.max_tx_queues) +
                              " TX (net_af_packet: add qpairs=N to its --vdev)");
    }
    rte_eth_conf conf{};
    const uint64_t rss = info.flow_type_rss_offloads &
                         (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
    if (queues > 1 && rss != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = rss;
    }
    const auto q = static_cast<uint16_t>(queues);
    rc = rte_eth_dev_configure(id, q, q, &conf);
    if (rc != 0) {
        return dpdk_error(p, "configure", rc);
    }
    uint16_t rxd = kRxDescriptors;
    uint16_t txd = kTxDescriptors;
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd);
    if (rc != 0) {
        return dpdk_error(p, "descriptors", rc);
    }
    const int socket = rte_eth_dev_socket_id(id);
    const unsigned sock = socket < 0 ? 0u : static_cast<unsigned>(socket);
    for (uint16_t i = 0; i < q; ++i) {
        rc = rte_eth_rx_queue_setup(id, i, rxd, sock, nullptr, pool);
        if (rc != 0) {
            return dpdk_error(p, "RX queue setup", rc);
        }
        rc = rte_eth_tx_queue_setup(id, i, txd, sock, nullptr);
        if (rc != 0) {
            return dpdk_error(p, "TX queue setup", rc);
        }
    }
    rc = rte_eth_dev_start(id);
    if (rc != 0) {
        return dpdk_error(p, "start", rc);
    }
    rte_eth_promiscuous_enable(id);  // not every PMD has it; frames not for us are dropped
    return {};
}

IpAddr network_of(const lists::Address& a, unsigned len_in_family) {
    IpAddr r = IpAddr::from_address(a);
    const unsigned len = a.is_v4() ? 96 + len_in_family : len_in_family;
    for (unsigned bit = len; bit < 128; ++bit) {
        r.bytes[bit / 8] = static_cast<uint8_t>(r.bytes[bit / 8] & ~(0x80u >> (bit % 8)));
    }
    return r;
}

// Creates and starts the net_tap device of a port: (vdev name, port id).
Result<std::pair<std::string, uint16_t>> open_tap(const configs::DataplanePort& p,
                                                  const rte_ether_addr& mac,
                                                  rte_mempool* pool) {
    static unsigned counter = 0;  // vdev names are per process; tests make several
    const std::string name = "net_tap_mg" + std::to_string(counter++);
    const std::string args = "iface=" + p.tap + ",mac=" + format_mac(mac);
    const std::string label = port_label(p) + ": tap '" + p.tap + "'";
    // net_tap would attach to an existing TAP of that name as one more queue (it
    // opens it multi-queue) and share the host's frames with its owner.
    if (if_nametoindex(p.tap.c_str()) != 0) {
        return make_error(ErrorCode::kInvalidInput,
                          label + ": an interface of that name exists already (another "
                                  "dataplane's TAP, or a name in use)");
    }
    int rc = rte_eal_hotplug_add("vdev", name.c_str(), args.c_str());
    if (rc != 0) {
        return make_error(ErrorCode::kIo,
                          label + ": cannot create the TAP interface: " + rte_strerror(-rc) +
                              " (needs /dev/net/tun and CAP_NET_ADMIN; is the name taken by "
                              "another interface?)");
    }
    uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0) {
        rte_eal_hotplug_remove("vdev", name.c_str());
        return make_error(ErrorCode::kIo, label + ": the TAP device did not appear");
    }
    OpenPort tap;
    tap.tap_device = name;
    tap.tap_port_id = id;
    configs::DataplanePort as_port = p;
    as_port.name = p.name + " tap";
    as_port.device = name;
    // One queue pair, the main lcore's; no RSS, no promiscuous mode needed (the
    // TAP delivers whatever the host writes), but it does no harm.
    if (auto r = configure(as_port, id, 1, pool); !r) {
        remove_tap(tap);
        return r.error();
    }
    return std::make_pair(name, id);
}

}  // namespace

std::string format_mac(const rte_ether_addr& mac) {
    char buf[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(buf, sizeof buf, &mac);
    for (char& c : buf) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return buf;
}

Result<std::vector<OpenPort>> open_ports(const configs::DataplaneSection& section,
                                         unsigned queues,
                                         rte_mempool* pool) {
    std::vector<OpenPort> out;
    for (const auto& p : section.ports) {
        uint16_t id = 0;
        if (rte_eth_dev_get_port_by_name(p.device.c_str(), &id) != 0) {
            close_ports(out);
            return make_error(ErrorCode::kNotFound, port_label(p) +
                                                        ": no such DPDK device (available: " +
                                                        available_devices() + ")");
        }
        for (const auto& o : out) {
            if (o.port_id == id) {
                close_ports(out);
                return make_error(ErrorCode::kInvalidInput,
                                  port_label(p) + ": the same device as port '" + o.config.name +
                                      "'");
            }
        }
        if (out.size() == kMaxPorts) {
            close_ports(out);
            return make_error(ErrorCode::kLimit, port_label(p) + ": at most " +
                                                     std::to_string(kMaxPorts) +
                                                     " ports");
        }
        auto r = configure(p, id, queues, pool);
        if (!r) {
            rte_eth_dev_stop(id);
            close_ports(out);
            return r.error();
        }
        OpenPort o;
        o.config = p;
        o.port_id = id;
        rte_eth_macaddr_get(id, &o.mac);
        if (!p.tap.empty()) {
            auto t = open_tap(p, o.mac, pool);
            if (!t) {
                rte_eth_dev_stop(id);
                close_ports(out);
                return t.error();
            }
            o.tap_device = t->first;
            o.tap_port_id = t->second;
        }
        out.push_back(std::move(o));
    }
    return out;
}

void close_ports(const std::vector<OpenPort>& ports) {
    for (const auto& p : ports) {
        rte_eth_dev_stop(p.port_id);
        remove_tap(p);
    }
}

Result<LocalAddressTable> build_local_addresses(const std::vector<OpenPort>& ports) {
    LocalAddressTable table;
    for (const auto& port : ports) {
        const auto& p = port.config;
        // Routes, parsed once per port: "PREFIX/LEN via ADDR" (validated by configs/).
        std::vector<Route> routes;
        for (const auto& text : p.routes) {
            const size_t slash = text.find('/');
            const size_t via = text.find(" via ");
            if (slash == std::string::npos || via == std::string::npos) {
                return make_error(ErrorCode::kInvalidInput,
                                  port_label(p) + ": route '" + text + "' does not parse");
            }
            auto prefix = lists::parse_address(text.substr(0, slash));
            auto next = lists::parse_address(text.substr(via + 5));
            const int len = std::atoi(text.substr(slash + 1, via - slash - 1).c_str());
            if (!prefix || !next) {
                return make_error(ErrorCode::kInvalidInput,
                                  port_label(p) + ": route '" + text + "' does not parse");
            }
            Route r;
            r.prefix = network_of(*prefix, static_cast<unsigned>(len));
            r.prefix_len = static_cast<uint8_t>(prefix->is_v4() ? 96 + len : len);
            r.via = IpAddr::from_address(*next);
            routes.push_back(r);
        }
        std::stable_sort(routes.begin(), routes.end(),
                         [](const Route& a, const Route& b) { return a.prefix_len > b.prefix_len; });
        for (const auto& a : p.addresses) {
            LocalAddress l;
            l.addr = IpAddr::from_address(a.addr);
            l.prefix_len = static_cast<uint8_t>(a.addr.is_v4() ? 96 + a.prefix_len : a.prefix_len);
            l.port_id = port.port_id;
            l.vlan_tci = p.vlan == 0 ? kNoVlan : p.vlan;
            l.mac = port.mac;
            const auto& gw = a.addr.is_v4() ? p.gateway : p.gateway6;
            if (gw) {
                l.gateway = IpAddr::from_address(*gw);
            }
            for (const auto& r : routes) {
                if (r.via.is_v4() != l.addr.is_v4()) {
                    continue;
                }
                if (l.route_count == LocalAddress::kMaxRoutes) {
                    return make_error(ErrorCode::kLimit,
                                      port_label(p) + ": more than " +
                                          std::to_string(LocalAddress::kMaxRoutes) +
                                          " routes of one family");
                }
                l.routes[l.route_count++] = r;
            }
            if (table.add(l) < 0) {
                return make_error(ErrorCode::kLimit,
                                  port_label(p) + ": " + a.format() +
                                      ": more than " +
                                      std::to_string(LocalAddressTable::kMaxAddresses) +
                                      " local addresses, or listed twice");
            }
        }
    }
    return table;
}

}  // namespace mg::dataplane
