// Frames the main lcore originates: UDP datagrams for the channel's Emit request
// (NAT keepalives sent by control from a relay port).
//
// Cold path, main lcore. Allocates from `pool`; nullptr when the pool is empty.
#pragma once

#include <cstdint>
#include <span>

#include <rte_mbuf.h>

#include "dataplane/local_addresses.h"

namespace mg::dataplane {

// Ethernet (with the local address's 802.1Q tag, if any) + IPv4 or IPv6 + UDP
// from from.addr:src_port to peer:dst_port, UDP checksum computed, TTL / hop
// limit 64. m->port is from.port_id. `peer` must be of from.addr's family.
rte_mbuf* build_udp(rte_mempool* pool,
                    const LocalAddress& from,
                    uint16_t src_port,
                    const IpAddr& peer,
                    uint16_t dst_port,
                    const rte_ether_addr& dst_mac,
                    std::span<const uint8_t> payload);

}  // namespace mg::dataplane
