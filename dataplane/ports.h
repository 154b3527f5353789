// DPDK ports and the local addresses on them, from [[dataplane.port]].
//
// Cold, main lcore, after rte_eal_init. open_ports finds each configured device
// (a PCI address or a vdev name given with --vdev in eal_args, or a port created
// in-process such as rte_eth_from_rings), configures `queues` RX and TX queues
// (RSS over IP/UDP when queues > 1 and the device has it), starts it in
// promiscuous mode and reads its MAC. A port with `tap` also gets a net_tap device
// created here: the Linux interface of that name, with the port's MAC, one RX and
// one TX queue (the main lcore's: the host's traffic never touches a worker's
// queues). Any failure closes what was opened and names the port and the reason.
// build_local_addresses turns the ports' addresses, gateways and routes into the
// LocalAddressTable the workers read.
#pragma once

#include <string>
#include <vector>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "common/result.h"
#include "configs/config.h"
#include "dataplane/local_addresses.h"
#include "dataplane/worker_dp.h"

namespace mg::dataplane {

struct OpenPort {
    configs::DataplanePort config;
    uint16_t port_id = 0;
    rte_ether_addr mac{};
    std::string tap_device;   // the net_tap vdev's name; "" = no TAP
    uint16_t tap_port_id = 0;  // valid with tap_device
};

Result<std::vector<OpenPort>> open_ports(const configs::DataplaneSection& section,
                                         unsigned queues,
                                         rte_mempool* pool);
// Stops the ports and removes their TAPs (SIGTERM path, and tests).
void close_ports(const std::vector<OpenPort>& ports);

// One LocalAddress per configured address: on-link prefix, VLAN, MAC, gateway
// (gateway for IPv4 addresses, gateway6 for IPv6) and the port's routes of the
// address's family, longest prefix first. Errors: more than the table holds, more
// routes than LocalAddress::kMaxRoutes, a route that does not parse.
Result<LocalAddressTable> build_local_addresses(const std::vector<OpenPort>& ports);

// "02:00:00:00:00:01"
std::string format_mac(const rte_ether_addr& mac);

}  // namespace mg::dataplane
