// Crafting frames byte by byte for the dataplane tests, with checksums from a
// deliberately naive reference (one big-endian word at a time), independent of
// the code under test and of DPDK.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mg::dataplane::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

// RFC 1071 one's complement sum of big-endian 16-bit words (odd byte padded).
uint16_t ref_sum(const Bytes& data);
// ~ref_sum: what a checksum field holds (host order).
uint16_t ref_checksum(const Bytes& data);

// 4 or 16 bytes of an address in text form (lists::parse_address rules; an
// IPv4-mapped text is taken as IPv6 here on purpose: the builder is literal).
Bytes ip_bytes(const std::string& text);

struct UdpFrame {
    Mac dst_mac{0x02, 0, 0, 0, 0, 0x01};
    Mac src_mac{0x02, 0, 0, 0, 0, 0x10};
    std::optional<uint16_t> vlan_tci;
    std::string src_ip = "192.0.2.10";  // family of the frame = family of src_ip
    std::string dst_ip = "192.0.2.1";
    uint16_t src_port = 4000;
    uint16_t dst_port = 30000;
    Bytes payload{0x80, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef};
    uint8_t ttl = 64;
    uint8_t tclass = 0;           // IPv4 TOS / IPv6 traffic class
    uint16_t ipv4_id = 0;         // IPv4 only
    uint16_t ipv4_frag = 0x4000;  // IPv4 flags + fragment offset (DF)
    bool zero_udp_checksum = false;
    size_t pad_to = 0;  // Ethernet padding: frame grown with zeros to this size
};

// Ethernet (+ 802.1Q) + IPv4 or IPv6 + UDP, checksums by the reference.
Bytes build_udp(const UdpFrame& f);

// Offsets into a frame built without / with a VLAN tag.
inline size_t l3_offset(const UdpFrame& f) {
    return f.vlan_tci ? 18 : 14;
}

Bytes ethernet(const Mac& dst,
               const Mac& src,
               uint16_t ether_type,
               const Bytes& l3,
               std::optional<uint16_t> vlan_tci = std::nullopt);
// An IPv4 header (IHL 5 unless options given) with the reference checksum + l4.
Bytes ipv4(const std::string& src,
           const std::string& dst,
           uint8_t proto,
           const Bytes& l4,
           uint8_t ttl = 64,
           const Bytes& options = {});
Bytes ipv6(const std::string& src,
           const std::string& dst,
           uint8_t next_header,
           const Bytes& l4,
           uint8_t hop_limit = 64);
// ARP request (Ethernet/IPv4): who has target_ip, tell sender_ip.
Bytes arp_request(const Mac& sender_mac,
                  const std::string& sender_ip,
                  const std::string& target_ip);
// ICMPv6 NS (type 135) or NA (136) for target, checksum by the reference.
Bytes neighbour_message(uint8_t type,
                        const std::string& src,
                        const std::string& dst,
                        const std::string& target);

// Any Ethernet/IPv4 ARP packet (28 bytes; htype 1, ptype 0x0800, 6/4).
Bytes arp(uint16_t op,
          const Mac& sender_mac,
          const std::string& sender_ip,
          const Mac& target_mac,
          const std::string& target_ip);

// An IPv6 packet carrying an NS / NA, every field settable (for malformed ones).
struct NdMessage {
    uint8_t type = 135;
    uint8_t code = 0;
    uint8_t flags = 0;  // first byte after the checksum: R 0x80, S 0x40, O 0x20
    std::string src = "2001:db8:1::10";
    std::string dst = "ff02::1:ff00:1";
    std::string target = "2001:db8:1::1";
    Bytes options;  // appended after the target, as given
    uint8_t hop_limit = 255;
    int16_t checksum_delta = 0;  // added to the reference checksum (0 = correct)
};
Bytes nd_packet(const NdMessage& m);
// A link-layer address option (type 1 source, 2 target), 8 bytes.
Bytes lla_option(uint8_t type, const Mac& mac);
// The solicited-node multicast group of an IPv6 address (text form).
std::string solicited_node(const std::string& target);
// 33:33 + the group's last 4 bytes.
Mac ipv6_multicast_mac(const std::string& group);

// Verifies the ICMPv6 checksum of the IPv6 packet at l3 (no extension headers).
bool icmpv6_checksum_ok(const Bytes& frame, size_t l3);

// Verifies an IPv4 header checksum at l3, and the UDP checksum of the IPv4 or
// IPv6 datagram at l3 (a zero IPv4 UDP checksum verifies), with the reference.
bool ipv4_header_ok(const Bytes& frame, size_t l3);
bool udp_checksum_ok(const Bytes& frame, size_t l3);

}  // namespace mg::dataplane::test
