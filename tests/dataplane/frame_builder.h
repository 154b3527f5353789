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

// Verifies an IPv4 header checksum at l3, and the UDP checksum of the IPv4 or
// IPv6 datagram at l3 (a zero IPv4 UDP checksum verifies), with the reference.
bool ipv4_header_ok(const Bytes& frame, size_t l3);
bool udp_checksum_ok(const Bytes& frame, size_t l3);

}  // namespace mg::dataplane::test
