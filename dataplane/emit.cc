// Frames the main lcore originates (see emit.h). Cold path.
#include "dataplane/emit.h"

#include <cstring>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

namespace mg::dataplane {

rte_mbuf* build_udp(rte_mempool* pool,
                    const LocalAddress& from,
                    uint16_t src_port,
                    const IpAddr& peer,
                    uint16_t dst_port,
                    const rte_ether_addr& dst_mac,
                    std::span<const uint8_t> payload) {
    const bool v4 = from.addr.is_v4();
    const bool tagged = from.vlan_tci != kNoVlan;
    const size_t l2 = sizeof(rte_ether_hdr) + (tagged ? sizeof(rte_vlan_hdr) : 0);
    const size_t l3 = v4 ? sizeof(rte_ipv4_hdr) : sizeof(rte_ipv6_hdr);
    const size_t udp_len = sizeof(rte_udp_hdr) + payload.size();
    const size_t total = l2 + l3 + udp_len;
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) {
        return nullptr;
    }
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    std::memset(p, 0, l2 + l3 + sizeof(rte_udp_hdr));
    auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
    rte_ether_addr_copy(&dst_mac, &eth->dst_addr);
    rte_ether_addr_copy(&from.mac, &eth->src_addr);
    const uint16_t l3_type = v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
    if (tagged) {
        eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
        auto* vlan = reinterpret_cast<rte_vlan_hdr*>(eth + 1);
        vlan->vlan_tci = rte_cpu_to_be_16(from.vlan_tci);
        vlan->eth_proto = rte_cpu_to_be_16(l3_type);
    } else {
        eth->ether_type = rte_cpu_to_be_16(l3_type);
    }
    auto* udp = reinterpret_cast<rte_udp_hdr*>(p + l2 + l3);
    udp->src_port = rte_cpu_to_be_16(src_port);
    udp->dst_port = rte_cpu_to_be_16(dst_port);
    udp->dgram_len = rte_cpu_to_be_16(static_cast<uint16_t>(udp_len));
    std::memcpy(udp + 1, payload.data(), payload.size());
    if (v4) {
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p + l2);
        ip->version_ihl = 0x45;
        ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(l3 + udp_len));
        ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
        ip->time_to_live = 64;
        ip->next_proto_id = IPPROTO_UDP;
        std::memcpy(&ip->src_addr, from.addr.v4_wire(), 4);
        std::memcpy(&ip->dst_addr, peer.v4_wire(), 4);
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
    } else {
        auto* ip = reinterpret_cast<rte_ipv6_hdr*>(p + l2);
        ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
        ip->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(udp_len));
        ip->proto = IPPROTO_UDP;
        ip->hop_limits = 64;
        std::memcpy(ip->src_addr, from.addr.bytes, 16);
        std::memcpy(ip->dst_addr, peer.bytes, 16);
        udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
    }
    m->port = from.port_id;
    m->l2_len = static_cast<uint8_t>(l2);
    m->l3_len = static_cast<uint16_t>(l3);
    return m;
}

}  // namespace mg::dataplane
