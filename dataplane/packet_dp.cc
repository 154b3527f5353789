// Frame parsing (see packet_dp.h). Hot path.
#include "dataplane/packet_dp.h"

#include <cstring>

#include <rte_ip.h>

#include "dataplane/api/channel.h"
#include "dataplane/wire_dp.h"

namespace mg::dataplane {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint16_t kEthHeaderLen = 14;
constexpr uint16_t kVlanTagLen = 4;
constexpr uint16_t kArpLen = 28;  // Ethernet/IPv4 ARP
constexpr uint16_t kIpv4HeaderLen = 20;
constexpr uint16_t kIpv6HeaderLen = 40;
constexpr uint16_t kUdpHeaderLen = 8;
constexpr uint16_t kNdMinLen = 24;  // ICMPv6 header + reserved + target address
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kIcmpv6NeighbourSolicitation = 135;
constexpr uint8_t kIcmpv6NeighbourAdvertisement = 136;

// The helpers below fill `p` in place (no ParsedPacket copies per packet: g++
// copies the 64-byte struct with `rep movs`, which cost half of the parse).
inline void drop(ParsedPacket& p, DropReason reason) {
    p.kind = PacketKind::kDrop;
    p.drop = reason;
}

// IPv6 next-header values that are extension headers (RFC 8200 §4, IANA list).
inline bool is_ipv6_extension(uint8_t next) {
    switch (next) {
        case 0:    // Hop-by-Hop Options
        case 43:   // Routing
        case 44:   // Fragment
        case 50:   // ESP
        case 51:   // AH
        case 60:   // Destination Options
        case 135:  // Mobility
        case 139:  // HIP
        case 140:  // Shim6
        case 253:  // experimental
        case 254:  // experimental
            return true;
        default:
            return false;
    }
}

// The parse is instantiated per L3 offset (14 bytes, or 18 behind an 802.1Q
// tag) so that every header offset is a constant: with a run-time offset g++
// keeps both sets of offsets live and spills them, a third of the parse's
// instructions.

// The UDP header at kL4, `ip_payload` bytes of IP payload announced.
template <uint16_t kL4>
inline void parse_udp(ParsedPacket& p,
                      const uint8_t* data,
                      uint32_t seg_len,
                      uint32_t ip_payload) {
    if (uint32_t{kL4} + kUdpHeaderLen > seg_len || ip_payload < kUdpHeaderLen) {
        return drop(p, DropReason::kBadUdpLength);
    }
    const uint8_t* udp = data + kL4;
    const uint16_t udp_len = load_be16(udp + 4);
    if (udp_len != ip_payload) {
        return drop(p, DropReason::kBadUdpLength);
    }
    if (!p.is_v4 && load_be16(udp + 6) == 0) {
        return drop(p, DropReason::kBadUdpChecksum);
    }
    p.src_port = load_be16(udp);
    p.dst_port = load_be16(udp + 2);
    p.payload_offset = kL4 + kUdpHeaderLen;
    p.payload_length = static_cast<uint16_t>(udp_len - kUdpHeaderLen);
    p.kind = PacketKind::kUdp;
}

// The IPv4 header of `ihl_bytes` (a multiple of 4) sums to 0xffff. Summed as
// 32-bit words into 64 bits, then folded: the same result as summing 16-bit
// words, in a quarter of the additions.
inline uint64_t sum_words32(const uint8_t* p, uint16_t bytes) {
    uint64_t sum = 0;
    for (uint16_t i = 0; i < bytes; i += 4) {
        uint32_t w;
        std::memcpy(&w, p + i, sizeof w);
        sum += w;
    }
    return sum;
}

inline bool ipv4_header_sum_ok(const uint8_t* ip, uint16_t ihl_bytes) {
    // A header without options, nearly every one, with a constant length: the
    // loop unrolls.
    uint64_t sum = ihl_bytes == kIpv4HeaderLen ? sum_words32(ip, kIpv4HeaderLen)
                                               : sum_words32(ip, ihl_bytes);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

// The header checksum as the NIC reported it (RTE_MBUF_F_RX_IP_CKSUM_*): GOOD is
// trusted, BAD dropped, anything else (UNKNOWN, NONE: no offload, as on
// net_af_packet or net_ring) verified here.
inline bool ipv4_checksum_ok(uint64_t ol_flags, const uint8_t* ip, uint16_t ihl_bytes) {
    const uint64_t nic = ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (nic == RTE_MBUF_F_RX_IP_CKSUM_GOOD) {
        return true;
    }
    return nic != RTE_MBUF_F_RX_IP_CKSUM_BAD && ipv4_header_sum_ok(ip, ihl_bytes);
}

template <uint16_t kL3>
inline void parse_ipv4(ParsedPacket& p,
                       const uint8_t* data,
                       uint32_t seg_len,
                       uint32_t pkt_len,
                       uint64_t ol_flags) {
    if (uint32_t{kL3} + kIpv4HeaderLen > seg_len) {
        return drop(p, DropReason::kTruncatedIpv4);
    }
    const uint8_t* ip = data + kL3;
    if ((ip[0] >> 4) != 4) {
        return drop(p, DropReason::kBadIpv4Version);
    }
    const uint16_t ihl_bytes = static_cast<uint16_t>((ip[0] & 0x0f) * 4);
    if (ihl_bytes < kIpv4HeaderLen) {
        return drop(p, DropReason::kBadIpv4Ihl);
    }
    if (uint32_t{kL3} + ihl_bytes > seg_len) {
        return drop(p, DropReason::kTruncatedIpv4);
    }
    const uint16_t total = load_be16(ip + 2);
    if (total < ihl_bytes || uint32_t{kL3} + total > pkt_len) {
        return drop(p, DropReason::kBadIpv4Length);
    }
    if (!ipv4_checksum_ok(ol_flags, ip, ihl_bytes)) {
        return drop(p, DropReason::kBadIpv4Checksum);
    }
    if ((load_be16(ip + 6) & 0x3fff) != 0) {
        return drop(p, DropReason::kIpv4Fragment);
    }
    if (ihl_bytes != kIpv4HeaderLen) {
        return drop(p, DropReason::kIpv4Options);
    }
    p.is_v4 = true;
    p.ttl = ip[8];
    p.src = IpAddr::from_v4_wire(ip + 12);
    p.dst = IpAddr::from_v4_wire(ip + 16);
    p.l4_offset = kL3 + kIpv4HeaderLen;
    if (ip[9] != kProtoUdp) {
        return drop(p, DropReason::kNotUdp);
    }
    return parse_udp<kL3 + kIpv4HeaderLen>(p, data, seg_len, total - kIpv4HeaderLen);
}

template <uint16_t kL3>
inline void parse_ipv6(ParsedPacket& p,
                       const uint8_t* data,
                       uint32_t seg_len,
                       uint32_t pkt_len) {
    constexpr uint16_t kL4 = kL3 + kIpv6HeaderLen;
    if (uint32_t{kL4} > seg_len) {
        return drop(p, DropReason::kTruncatedIpv6);
    }
    const uint8_t* ip = data + kL3;
    const uint16_t payload = load_be16(ip + 4);
    if ((ip[0] >> 4) != 6 || payload == 0 || uint32_t{kL4} + payload > pkt_len) {
        return drop(p, DropReason::kBadIpv6Header);
    }
    p.is_v4 = false;
    p.ttl = ip[7];
    p.src = IpAddr::from_v6_wire(ip + 8);
    p.dst = IpAddr::from_v6_wire(ip + 24);
    p.l4_offset = kL4;
    const uint8_t next = ip[6];
    if (next == kProtoUdp) {
        return parse_udp<kL4>(p, data, seg_len, payload);
    }
    if (next == kProtoIcmpv6) {
        if (uint32_t{kL4} + 1 > seg_len) {
            return drop(p, DropReason::kBadNeighbourDiscovery);
        }
        const uint8_t type = data[kL4];
        if (type != kIcmpv6NeighbourSolicitation && type != kIcmpv6NeighbourAdvertisement) {
            return drop(p, DropReason::kNotUdp);
        }
        if (payload < kNdMinLen || uint32_t{kL4} + kNdMinLen > seg_len) {
            return drop(p, DropReason::kBadNeighbourDiscovery);
        }
        p.kind = type == kIcmpv6NeighbourSolicitation ? PacketKind::kNeighbourSolicitation
                                                      : PacketKind::kNeighbourAdvertisement;
        return;
    }
    if (is_ipv6_extension(next)) {
        return drop(p, DropReason::kIpv6ExtensionHeader);
    }
    return drop(p, DropReason::kNotUdp);
}

// Everything from the L3 header on, at the constant offset kL3.
template <uint16_t kL3>
inline void parse_l3(ParsedPacket& p,
                     const rte_mbuf* m,
                     const uint8_t* data,
                     uint32_t seg_len,
                     uint16_t ether_type) {
    p.l3_offset = kL3;
    const uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
    switch (ether_type) {
        case kEtherTypeIpv4:
            return parse_ipv4<kL3>(p, data, seg_len, pkt_len, m->ol_flags);
        case kEtherTypeIpv6:
            return parse_ipv6<kL3>(p, data, seg_len, pkt_len);
        case kEtherTypeArp: {
            const uint8_t* arp = data + kL3;
            if (uint32_t{kL3} + kArpLen > seg_len || load_be16(arp) != 1 ||
                load_be16(arp + 2) != kEtherTypeIpv4 || arp[4] != 6 || arp[5] != 4) {
                return drop(p, DropReason::kBadArp);
            }
            p.kind = PacketKind::kArp;
            return;
        }
        default:
            return drop(p, DropReason::kUnsupportedEthertype);
    }
}

}  // namespace

// Returned in place: the caller's object (forward_burst's scratch array) is
// built here directly, no 64-byte copy (g++ copies with `rep movs`).
ParsedPacket parse_packet(const rte_mbuf* m) {
    ParsedPacket p;
    const uint8_t* data = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint32_t seg_len = rte_pktmbuf_data_len(m);
    if (seg_len < kEthHeaderLen) {
        drop(p, DropReason::kTruncatedEthernet);
        return p;
    }
    const uint16_t ether_type = load_be16(data + 12);
    if (ether_type != kEtherTypeVlan) {
        parse_l3<kEthHeaderLen>(p, m, data, seg_len, ether_type);
        return p;
    }
    if (seg_len < uint32_t{kEthHeaderLen} + kVlanTagLen) {
        drop(p, DropReason::kTruncatedEthernet);
        return p;
    }
    p.vlan_tci = load_be16(data + 14);
    parse_l3<kEthHeaderLen + kVlanTagLen>(p, m, data, seg_len, load_be16(data + 16));
    return p;
}

static_assert(kDropReasonCount == api::kDropReasonNameCount,
              "api::kDropReasonNames names every DropReason, in order");

const char* drop_reason_name(DropReason reason) {
    const auto i = static_cast<unsigned>(reason);
    return i < kDropReasonCount ? api::kDropReasonNames[i] : "unknown";
}

}  // namespace mg::dataplane
