// Parsing one received frame (Ethernet, 802.1Q, ARP, IPv4, IPv6, ICMPv6 ND, UDP).
//
// Hot path: called by a worker lcore for every received packet. It reads the
// mbuf, never writes it, never allocates and never fails other than by naming a
// DropReason. The headers up to the end of the UDP header (or of the ARP / ND
// fixed part) must be in the first segment; a frame whose headers are split
// across segments is dropped as truncated (no PMD used by mediagate splits them).
//
// What a parse does not check: the TTL / hop limit (forward_burst refuses media
// whose TTL runs out once it knows the packet is for a leg: the host's own
// TTL-1 UDP, LLMNR for one, is not media), the destination MAC (a PMD in promiscuous mode
// may deliver frames for others; those fail the address lookup as kNotForUs),
// the UDP checksum (verifying it costs a pass over the payload; the receiver
// checks it end to end, and the relay updates it incrementally so a bad one
// stays bad), ARP / ND contents beyond their fixed part (the exception path
// validates them).
#pragma once

#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/ip_addr.h"

namespace mg::dataplane {

// Why a packet was dropped; one counter per reason per worker. The order is the
// channel's (api::kDropReasonNames names them, in this order).
enum class DropReason : uint8_t {
    kTruncatedEthernet,      // shorter than an Ethernet (or 802.1Q) header
    kUnsupportedEthertype,   // neither IPv4, IPv6 nor ARP (QinQ included)
    kBadArp,                 // truncated, or not Ethernet/IPv4 ARP
    kTruncatedIpv4,          // shorter than the IPv4 header it announces
    kBadIpv4Version,         // version field is not 4
    kBadIpv4Ihl,             // IHL below 5
    kBadIpv4Length,          // total length below IHL*4 or beyond the frame
    kBadIpv4Checksum,        // header checksum does not verify
    kIpv4Fragment,           // MF set or a fragment offset
    kIpv4Options,            // IHL above 5
    kTruncatedIpv6,          // shorter than the 40-byte IPv6 header
    kBadIpv6Header,          // version not 6, payload length 0 or beyond the frame
    kIpv6ExtensionHeader,    // any extension header before the upper layer
    kTtlExhausted,           // for a leg, but TTL / hop limit would reach 0 when relayed
    kNotUdp,                 // ICMP, TCP, ICMPv6 other than NS/NA, ...
    kBadUdpLength,           // truncated UDP header, or its length disagrees with IP
    kBadUdpChecksum,         // IPv6 UDP with checksum 0 (not allowed, RFC 8200)
    kBadNeighbourDiscovery,  // ICMPv6 NS / NA too short
    kNotForUs,               // destination is not one of our local addresses
    kUnknownPort,            // no leg at (local address, destination port)
    kUnexpectedSource,       // a non-latching leg got a packet not from its peer
    kLatchNotMedia,          // first packet on a latching leg is not RTP/RTCP/STUN/DTLS
    kLatchRejected,          // a latched leg got a packet from another source
    kPeerUnknown,            // the other leg is gone or has no peer yet
    kNoNeighbour,            // no MAC known for the next hop
    kNoHeadroom,             // the mbuf cannot grow for a larger header
    kCount
};

inline constexpr unsigned kDropReasonCount = static_cast<unsigned>(DropReason::kCount);

// A short stable name per reason (counters, logs); cold path.
const char* drop_reason_name(DropReason reason);

enum class PacketKind : uint8_t {
    kDrop,                    // see ParsedPacket::drop
    kUdp,                     // IPv4 or IPv6 UDP, candidate for relaying
    kArp,                     // for the exception path
    kNeighbourSolicitation,   // ICMPv6 type 135, for the exception path
    kNeighbourAdvertisement,  // ICMPv6 type 136, for the exception path
};

inline constexpr uint16_t kNoVlan = 0xffff;  // ParsedPacket::vlan_tci without a tag

struct ParsedPacket {
    PacketKind kind = PacketKind::kDrop;
    DropReason drop = DropReason::kCount;  // meaningful when kind == kDrop
    bool is_v4 = false;                    // family of the IP header
    uint8_t ttl = 0;                       // TTL / hop limit as received
    uint16_t vlan_tci = kNoVlan;           // 802.1Q TCI (PCP, DEI, VID), host order
    uint16_t l3_offset = 0;                // start of ARP / IPv4 / IPv6
    uint16_t l4_offset = 0;                // start of UDP / ICMPv6
    uint16_t payload_offset = 0;           // first byte after the UDP header
    uint16_t payload_length = 0;           // UDP payload bytes
    uint16_t src_port = 0;                 // host order
    uint16_t dst_port = 0;                 // host order
    IpAddr src;
    IpAddr dst;
};

// Packet handling starts here: every frame a worker receives goes through this
// first (docs/packet-walk.md). The result is built in the caller's object (return
// value optimisation): forward_burst creates it in its scratch array, no copy.
ParsedPacket parse_packet(const rte_mbuf* m);

}  // namespace mg::dataplane
