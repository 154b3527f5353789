// The ARP / Neighbour Discovery exception path (see exception.h). Cold path,
// main lcore.
#include "dataplane/exception.h"

#include <cstring>
#include <optional>

#include <rte_byteorder.h>

#include "dataplane/checksum_dp.h"
#include "dataplane/packet_dp.h"

namespace mg::dataplane {
namespace {

constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEthHeaderLen = 14;
constexpr uint16_t kVlanTagLen = 4;
constexpr uint16_t kArpLen = 28;
constexpr uint16_t kArpHardwareEthernet = 1;
constexpr uint16_t kArpRequest = 1;
constexpr uint16_t kArpReply = 2;
constexpr uint16_t kIpv6HeaderLen = 40;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kNdHopLimit = 255;
constexpr uint8_t kIcmpv6Ns = 135;
constexpr uint8_t kIcmpv6Na = 136;
constexpr uint16_t kNdFixedLen = 24;  // type, code, checksum, flags/reserved, target
constexpr uint16_t kNdLlaOptionLen = 8;
constexpr uint16_t kNdWithLlaLen = kNdFixedLen + kNdLlaOptionLen;
constexpr uint8_t kOptSourceLla = 1;
constexpr uint8_t kOptTargetLla = 2;
constexpr uint8_t kNaSolicited = 0x40;
constexpr uint8_t kNaOverride = 0x20;

constexpr rte_ether_addr kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

inline uint16_t load_be16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return rte_be_to_cpu_16(v);
}
inline void store_be16(uint8_t* p, uint16_t v) {
    const uint16_t be = rte_cpu_to_be_16(v);
    std::memcpy(p, &be, sizeof be);
}
inline void store_be32(uint8_t* p, uint32_t v) {
    const uint32_t be = rte_cpu_to_be_32(v);
    std::memcpy(p, &be, sizeof be);
}
inline rte_ether_addr load_mac(const uint8_t* p) {
    rte_ether_addr mac;
    std::memcpy(mac.addr_bytes, p, RTE_ETHER_ADDR_LEN);
    return mac;
}

inline ExceptionAction refuse(ExceptionCounters& c, ExceptionRefusal reason) {
    ++c.refused[static_cast<unsigned>(reason)];
    return ExceptionAction::kFree;
}

bool vlan_matches(uint16_t local_tci, uint16_t frame_tci) {
    if (local_tci == kNoVlan) {
        return frame_tci == kNoVlan || (frame_tci & 0x0fff) == 0;
    }
    return frame_tci != kNoVlan && (frame_tci & 0x0fff) == (local_tci & 0x0fff);
}

bool same_link(const LocalAddress& l, uint16_t port, uint16_t tci) {
    return l.port_id == port && vlan_matches(l.vlan_tci, tci);
}

bool is_v6_multicast(const IpAddr& a) {
    return a.bytes[0] == 0xff;
}
bool is_v6_link_local(const IpAddr& a) {
    return a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}
bool is_v6_loopback(const IpAddr& a) {
    static constexpr uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(a.bytes, kLoopback, 16) == 0;
}
// A unicast IPv4 address a host may use as its own (not 0/8, 127/8, 224/3).
bool is_v4_host(const uint8_t* v4) {
    return v4[0] != 0 && v4[0] != 127 && v4[0] < 224;
}

IpAddr solicited_node(const IpAddr& target) {
    IpAddr a;
    a.bytes[0] = 0xff;
    a.bytes[1] = 0x02;
    a.bytes[11] = 0x01;
    a.bytes[12] = 0xff;
    std::memcpy(a.bytes + 13, target.bytes + 13, 3);
    return a;
}
rte_ether_addr multicast_mac(const IpAddr& group) {
    rte_ether_addr mac{{0x33, 0x33, 0, 0, 0, 0}};
    std::memcpy(mac.addr_bytes + 2, group.bytes + 12, 4);
    return mac;
}

// True when one of our addresses on `port` sends from `mac`: our own frame.
bool own_mac(const LocalAddressTable& locals, uint16_t port, const rte_ether_addr& mac) {
    for (uint16_t i = 0; i < locals.size(); ++i) {
        if (locals.at(i).port_id == port && rte_is_same_ether_addr(&locals.at(i).mac, &mac)) {
            return true;
        }
    }
    return false;
}

// `a` is the gateway or a route's next hop of local address `l`.
bool configured_next_hop(const LocalAddress& l, const IpAddr& a) {
    if (l.gateway == a) {
        return true;
    }
    for (unsigned r = 0; r < l.route_count && r < LocalAddress::kMaxRoutes; ++r) {
        if (l.routes[r].via == a) {
            return true;
        }
    }
    return false;
}

// `a` is a configured next hop (configured_next_hop) of a local address on
// (port, tci), or, unless `configured_only`, could be one of a local address of
// its family there: on link, IPv6 link-local.
bool next_hop_here(const LocalAddressTable& locals,
                   uint16_t port,
                   uint16_t tci,
                   const IpAddr& a,
                   bool configured_only) {
    for (uint16_t i = 0; i < locals.size(); ++i) {
        const LocalAddress& l = locals.at(i);
        if (!same_link(l, port, tci) || l.addr.is_v4() != a.is_v4()) {
            continue;
        }
        if (configured_next_hop(l, a) ||
            (!configured_only && (l.on_link(a) || (!a.is_v4() && is_v6_link_local(a))))) {
            return true;
        }
    }
    return false;
}

bool plausible_neighbour(const LocalAddressTable& locals,
                         uint16_t port,
                         uint16_t tci,
                         const IpAddr& a) {
    return next_hop_here(locals, port, tci, a, false);
}

// Offers `addr` at `mac`, heard on `port`, to the table under the rules of
// exception.h: only that link's entry of the address can change.
// create_for_local: the local address an entry may be created for, or
// NeighbourTable::kUpdateOnly. may_override: false for an NA without O.
void offer(const LocalAddressTable& locals,
           NeighbourTable& table,
           uint16_t port,
           uint16_t tci,
           const IpAddr& addr,
           const rte_ether_addr& mac,
           int create_for_local,
           bool may_override,
           uint64_t now_ms,
           ExceptionCounters& c) {
    const NeighbourKey key{addr, port};
    const NeighbourEntry* e = table.find(key);
    bool allowed = false;
    if (e == nullptr) {
        allowed = create_for_local >= 0 && plausible_neighbour(locals, port, tci, addr);
    } else {
        allowed = (e->local_addr_index < locals.size() &&
                   same_link(locals.at(e->local_addr_index), port, tci)) ||
                  plausible_neighbour(locals, port, tci, addr);
        if (allowed && !may_override && e->has_mac && !rte_is_same_ether_addr(&e->mac, &mac)) {
            allowed = false;
        }
    }
    if (allowed &&
        learned(table.learn(key, mac, now_ms,
                            e == nullptr ? create_for_local : NeighbourTable::kUpdateOnly))) {
        ++c.learned;
        // A gateway or a route's next hop is in use whoever asked first: never
        // evicted for a flood's entries (neighbour.h, "Origin").
        if (next_hop_here(locals, port, tci, addr, true)) {
            table.mark_needed(key);
        }
    } else {
        ++c.not_learned;
    }
}

bool writable(const rte_mbuf* m) {
    return rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m) && m->nb_segs == 1;
}

// Sum of the ICMPv6 message `icmp` (len bytes) with the pseudo-header of the
// IPv6 header `ip` (RFC 8200 §8.1); 0xffff when a stored checksum verifies.
uint16_t icmpv6_sum(const uint8_t* ip, const uint8_t* icmp, uint16_t len) {
    uint8_t pseudo[40] = {};
    std::memcpy(pseudo, ip + 8, 32);
    store_be32(pseudo + 32, len);
    pseudo[39] = kProtoIcmpv6;
    return csum_fold(uint32_t{csum_bytes(pseudo, sizeof pseudo)} + csum_bytes(icmp, len));
}

// Ethernet header of a new or rewritten frame: destination, our source MAC and,
// when the frame has a tag, the local address's TCI (a priority tag is kept).
void write_ethernet(uint8_t* eth, const rte_ether_addr& dst, const LocalAddress& l, bool tagged) {
    std::memcpy(eth, dst.addr_bytes, RTE_ETHER_ADDR_LEN);
    std::memcpy(eth + 6, l.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    if (tagged && l.vlan_tci != kNoVlan) {
        store_be16(eth + 14, l.vlan_tci);
    }
}

void write_arp(uint8_t* arp,
               uint16_t op,
               const rte_ether_addr& sha,
               const uint8_t* spa,
               const rte_ether_addr& tha,
               const uint8_t* tpa) {
    store_be16(arp, kArpHardwareEthernet);
    store_be16(arp + 2, kEtherTypeIpv4);
    arp[4] = RTE_ETHER_ADDR_LEN;
    arp[5] = 4;
    store_be16(arp + 6, op);
    std::memcpy(arp + 8, sha.addr_bytes, RTE_ETHER_ADDR_LEN);
    std::memcpy(arp + 14, spa, 4);
    std::memcpy(arp + 18, tha.addr_bytes, RTE_ETHER_ADDR_LEN);
    std::memcpy(arp + 24, tpa, 4);
}

// IPv6 header + NS / NA with one link-layer option (kNdWithLlaLen bytes),
// checksum included. `ip` has room for kIpv6HeaderLen + kNdWithLlaLen bytes.
void write_nd(uint8_t* ip,
              const IpAddr& src,
              const IpAddr& dst,
              uint8_t type,
              uint8_t flags,
              const IpAddr& target,
              uint8_t option,
              const rte_ether_addr& mac) {
    store_be32(ip, 0x60000000);
    store_be16(ip + 4, kNdWithLlaLen);
    ip[6] = kProtoIcmpv6;
    ip[7] = kNdHopLimit;
    std::memcpy(ip + 8, src.bytes, 16);
    std::memcpy(ip + 24, dst.bytes, 16);
    uint8_t* icmp = ip + kIpv6HeaderLen;
    std::memset(icmp, 0, kNdWithLlaLen);
    icmp[0] = type;
    icmp[4] = flags;
    std::memcpy(icmp + 8, target.bytes, 16);
    icmp[24] = option;
    icmp[25] = 1;  // in units of 8 bytes
    std::memcpy(icmp + 26, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    const uint16_t csum = static_cast<uint16_t>(~icmpv6_sum(ip, icmp, kNdWithLlaLen));
    std::memcpy(icmp + 2, &csum, sizeof csum);
}

// Makes `m` exactly `len` bytes long (one segment). False, unchanged, when it
// cannot grow that far.
bool set_length(rte_mbuf* m, uint32_t len) {
    const uint32_t have = rte_pktmbuf_data_len(m);
    if (have < len) {
        return rte_pktmbuf_append(m, static_cast<uint16_t>(len - have)) != nullptr;
    }
    return rte_pktmbuf_trim(m, static_cast<uint16_t>(have - len)) == 0;
}

// Whether a request for local address `li` (-1: not ours) that came in on
// `port` with `tci` may be answered in place, the mbuf cut to `reply_length`;
// the refusal otherwise.
std::optional<ExceptionRefusal> answerable(const LocalAddressTable& locals,
                                           int li,
                                           uint16_t port,
                                           uint16_t tci,
                                           rte_mbuf* m,
                                           uint32_t reply_length) {
    if (li < 0) {
        return ExceptionRefusal::kNotOurs;
    }
    const LocalAddress& l = locals.at(static_cast<uint16_t>(li));
    if (l.port_id != port) {
        return ExceptionRefusal::kWrongPort;
    }
    if (!vlan_matches(l.vlan_tci, tci)) {
        return ExceptionRefusal::kVlanMismatch;
    }
    if (!writable(m) || !set_length(m, reply_length)) {
        return ExceptionRefusal::kNotWritable;
    }
    return std::nullopt;
}

ExceptionAction handle_arp(rte_mbuf* m,
                           const ParsedPacket& p,
                           const LocalAddressTable& locals,
                           NeighbourTable& table,
                           uint64_t now_ms,
                           ExceptionCounters& c) {
    uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
    if (uint32_t{p.l3_offset} + kArpLen > rte_pktmbuf_data_len(m)) {
        return refuse(c, rte_pktmbuf_pkt_len(m) >= uint32_t{p.l3_offset} + kArpLen
                             ? ExceptionRefusal::kSegmented
                             : ExceptionRefusal::kTruncated);
    }
    uint8_t* arp = data + p.l3_offset;
    if (load_be16(arp) != kArpHardwareEthernet || load_be16(arp + 2) != kEtherTypeIpv4 ||
        arp[4] != RTE_ETHER_ADDR_LEN || arp[5] != 4) {
        return refuse(c, ExceptionRefusal::kBadArpFormat);
    }
    const uint16_t op = load_be16(arp + 6);
    if (op != kArpRequest && op != kArpReply) {
        return refuse(c, ExceptionRefusal::kBadArpOpcode);
    }
    const uint16_t port = m->port;
    const uint16_t tci = p.vlan_tci;
    const rte_ether_addr eth_dst = load_mac(data);
    const rte_ether_addr eth_src = load_mac(data + 6);
    const rte_ether_addr sha = load_mac(arp + 8);
    uint8_t spa[4];
    std::memcpy(spa, arp + 14, 4);
    const bool spa_zero = spa[0] == 0 && spa[1] == 0 && spa[2] == 0 && spa[3] == 0;
    if (!rte_is_valid_assigned_ether_addr(&eth_src) || !rte_is_valid_assigned_ether_addr(&sha) ||
        (spa_zero ? op != kArpRequest : !is_v4_host(spa))) {
        return refuse(c, ExceptionRefusal::kBadSenderAddress);
    }
    if (own_mac(locals, port, eth_src) || own_mac(locals, port, sha)) {
        return refuse(c, ExceptionRefusal::kLoopedBack);
    }
    const IpAddr sender = IpAddr::from_v4_wire(spa);
    const IpAddr target = IpAddr::from_v4_wire(arp + 24);
    if (!spa_zero && locals.find(sender) >= 0) {
        return refuse(c, ExceptionRefusal::kAddressConflict);
    }
    const bool gratuitous = !spa_zero && sender == target;
    const int li = op == kArpRequest && !gratuitous ? locals.find(target) : -1;
    const bool ours_here = li >= 0 && same_link(locals.at(static_cast<uint16_t>(li)), port, tci);
    if (ours_here && !rte_is_broadcast_ether_addr(&eth_dst) &&
        !rte_is_same_ether_addr(&eth_dst, &locals.at(static_cast<uint16_t>(li)).mac)) {
        return refuse(c, ExceptionRefusal::kBadDestination);
    }

    // Valid: learn, then answer.
    if (!spa_zero) {
        offer(locals, table, port, tci, sender, sha, ours_here ? li : NeighbourTable::kUpdateOnly,
              true, now_ms, c);
    }
    if (op == kArpReply || gratuitous) {
        ++c.consumed;
        return ExceptionAction::kFree;
    }
    if (auto why = answerable(locals, li, port, tci, m, uint32_t{p.l3_offset} + kArpLen)) {
        return refuse(c, *why);
    }
    const LocalAddress& l = locals.at(static_cast<uint16_t>(li));
    write_ethernet(data, sha, l, tci != kNoVlan);
    write_arp(arp, kArpReply, l.mac, l.addr.v4_wire(), sha, spa);
    m->ol_flags = 0;
    ++c.arp_replies;
    return ExceptionAction::kTransmit;
}

ExceptionAction handle_nd(rte_mbuf* m,
                          const ParsedPacket& p,
                          const LocalAddressTable& locals,
                          NeighbourTable& table,
                          uint64_t now_ms,
                          ExceptionCounters& c) {
    uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
    const uint8_t* ip = data + p.l3_offset;
    const uint16_t len = load_be16(ip + 4);  // no extension headers: the ICMPv6 length
    const uint32_t end = uint32_t{p.l4_offset} + len;
    if (end > rte_pktmbuf_pkt_len(m) || len < kNdFixedLen) {
        return refuse(c, ExceptionRefusal::kTruncated);
    }
    if (end > rte_pktmbuf_data_len(m)) {
        return refuse(c, ExceptionRefusal::kSegmented);
    }
    if (ip[6] != kProtoIcmpv6) {
        return refuse(c, ExceptionRefusal::kNotArpOrNd);
    }
    if (ip[7] != kNdHopLimit) {
        return refuse(c, ExceptionRefusal::kBadHopLimit);
    }
    const uint8_t* icmp = data + p.l4_offset;
    if (icmpv6_sum(ip, icmp, len) != 0xffff) {
        return refuse(c, ExceptionRefusal::kBadChecksum);
    }
    const uint8_t type = icmp[0];
    if (icmp[1] != 0) {
        return refuse(c, ExceptionRefusal::kBadCode);
    }
    const IpAddr target = IpAddr::from_v6_wire(icmp + 8);
    if (target.is_unspecified() || is_v6_multicast(target) || target.is_v4()) {
        return refuse(c, ExceptionRefusal::kBadTarget);
    }
    // Options: each at least 8 bytes, inside the message (RFC 4861 §4.6).
    const uint8_t want = type == kIcmpv6Ns ? kOptSourceLla : kOptTargetLla;
    const uint8_t* lla = nullptr;
    for (uint32_t off = kNdFixedLen; off < len;) {
        if (len - off < 2) {
            return refuse(c, ExceptionRefusal::kBadOption);
        }
        const uint32_t opt_len = uint32_t{icmp[off + 1]} * 8;
        if (opt_len == 0 || opt_len > len - off) {
            return refuse(c, ExceptionRefusal::kBadOption);
        }
        if (icmp[off] == want) {
            if (opt_len != kNdLlaOptionLen || lla != nullptr) {
                return refuse(c, ExceptionRefusal::kBadOption);
            }
            lla = icmp + off + 2;
        }
        off += opt_len;
    }
    rte_ether_addr lla_mac{};
    if (lla != nullptr) {
        lla_mac = load_mac(lla);
        if (!rte_is_valid_assigned_ether_addr(&lla_mac)) {
            return refuse(c, ExceptionRefusal::kBadOption);
        }
    }
    const uint16_t port = m->port;
    const uint16_t tci = p.vlan_tci;
    const IpAddr src = IpAddr::from_v6_wire(ip + 8);
    const IpAddr dst = IpAddr::from_v6_wire(ip + 24);
    const rte_ether_addr eth_dst = load_mac(data);
    const rte_ether_addr eth_src = load_mac(data + 6);
    if (is_v6_multicast(src) || src.is_v4() || is_v6_loopback(src) ||
        !rte_is_valid_assigned_ether_addr(&eth_src)) {
        return refuse(c, ExceptionRefusal::kBadSenderAddress);
    }
    const rte_ether_addr group_mac = multicast_mac(dst);
    if (dst.is_unspecified() || dst.is_v4() ||
        (is_v6_multicast(dst) && !rte_is_same_ether_addr(&eth_dst, &group_mac))) {
        return refuse(c, ExceptionRefusal::kBadDestination);
    }
    if (own_mac(locals, port, eth_src) || (lla != nullptr && own_mac(locals, port, lla_mac))) {
        return refuse(c, ExceptionRefusal::kLoopedBack);
    }
    if (locals.find(src) >= 0) {
        return refuse(c, ExceptionRefusal::kAddressConflict);
    }

    if (type == kIcmpv6Na) {
        const uint8_t flags = icmp[4];
        if (src.is_unspecified()) {
            return refuse(c, ExceptionRefusal::kBadSenderAddress);
        }
        if (is_v6_multicast(dst) && (flags & kNaSolicited) != 0) {
            return refuse(c, ExceptionRefusal::kBadDestination);
        }
        if (locals.find(target) >= 0) {
            return refuse(c, ExceptionRefusal::kAddressConflict);
        }
        if (lla != nullptr) {
            offer(locals, table, port, tci, target, lla_mac, NeighbourTable::kUpdateOnly,
                  (flags & kNaOverride) != 0, now_ms, c);
        }
        ++c.consumed;
        return ExceptionAction::kFree;
    }

    // Neighbour Solicitation (RFC 4861 §7.1.1, §7.2.3).
    const bool dad = src.is_unspecified();
    const IpAddr group = solicited_node(target);
    if (!(dst == group || (!dad && dst == target))) {
        return refuse(c, ExceptionRefusal::kBadDestination);
    }
    if (dad && lla != nullptr) {
        return refuse(c, ExceptionRefusal::kBadOption);
    }
    const int li = locals.find(target);
    const bool ours_here = li >= 0 && same_link(locals.at(static_cast<uint16_t>(li)), port, tci);
    if (ours_here && !is_v6_multicast(dst) &&
        !rte_is_same_ether_addr(&eth_dst, &locals.at(static_cast<uint16_t>(li)).mac)) {
        return refuse(c, ExceptionRefusal::kBadDestination);
    }
    if (!dad && lla != nullptr) {
        offer(locals, table, port, tci, src, lla_mac, ours_here ? li : NeighbourTable::kUpdateOnly,
              true, now_ms, c);
    }
    if (auto why = answerable(locals, li, port, tci, m, uint32_t{p.l4_offset} + kNdWithLlaLen)) {
        return refuse(c, *why);
    }
    const LocalAddress& l = locals.at(static_cast<uint16_t>(li));
    // Solicited NA (§7.2.4): to the soliciter, or to all-nodes for a DAD probe
    // (then not Solicited); Override set, our MAC in the target option.
    IpAddr reply_dst;
    rte_ether_addr reply_mac;
    uint8_t flags = kNaOverride;
    if (dad) {
        reply_dst = IpAddr::from_v6_wire(kAllNodes);
        reply_mac = multicast_mac(reply_dst);
    } else {
        reply_dst = src;
        reply_mac = lla != nullptr ? lla_mac : eth_src;
        flags |= kNaSolicited;
    }
    data = rte_pktmbuf_mtod(m, uint8_t*);
    write_ethernet(data, reply_mac, l, tci != kNoVlan);
    write_nd(data + p.l3_offset, l.addr, reply_dst, kIcmpv6Na, flags, l.addr, kOptTargetLla, l.mac);
    m->ol_flags = 0;
    ++c.nd_replies;
    return ExceptionAction::kTransmit;
}

// A new single-segment frame: Ethernet header (+ tag) written, `l3_len` bytes
// after it for the caller; *l3 points there. nullptr when the pool is empty.
rte_mbuf* new_frame(rte_mempool* pool,
                    const LocalAddress& l,
                    const rte_ether_addr& dst,
                    uint16_t ether_type,
                    uint16_t l3_len,
                    uint8_t** l3) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) {
        return nullptr;
    }
    const bool tagged = l.vlan_tci != kNoVlan;
    const uint16_t l2 = tagged ? kEthHeaderLen + kVlanTagLen : kEthHeaderLen;
    auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, l2 + l3_len));
    if (d == nullptr) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    if (tagged) {
        store_be16(d + 12, kEtherTypeVlan);
    }
    write_ethernet(d, dst, l, tagged);
    store_be16(d + l2 - 2, ether_type);
    m->port = l.port_id;
    *l3 = d + l2;
    return m;
}

rte_mbuf* build_arp(rte_mempool* pool, const LocalAddress& l, const IpAddr& target) {
    if (!l.addr.is_v4() || !target.is_v4()) {
        return nullptr;
    }
    uint8_t* arp = nullptr;
    rte_mbuf* m = new_frame(pool, l, kBroadcastMac, kEtherTypeArp, kArpLen, &arp);
    if (m != nullptr) {
        write_arp(arp, kArpRequest, l.mac, l.addr.v4_wire(), rte_ether_addr{}, target.v4_wire());
    }
    return m;
}

rte_mbuf* build_nd(rte_mempool* pool,
                   const LocalAddress& l,
                   const IpAddr& dst,
                   uint8_t type,
                   uint8_t flags,
                   const IpAddr& target,
                   uint8_t option) {
    if (l.addr.is_v4() || target.is_v4()) {
        return nullptr;
    }
    uint8_t* ip = nullptr;
    rte_mbuf* m =
        new_frame(pool, l, multicast_mac(dst), kEtherTypeIpv6, kIpv6HeaderLen + kNdWithLlaLen, &ip);
    if (m != nullptr) {
        write_nd(ip, l.addr, dst, type, flags, target, option, l.mac);
    }
    return m;
}

}  // namespace

const char* exception_refusal_name(ExceptionRefusal reason) {
    switch (reason) {
        case ExceptionRefusal::kNotArpOrNd:
            return "not_arp_or_nd";
        case ExceptionRefusal::kTruncated:
            return "truncated";
        case ExceptionRefusal::kSegmented:
            return "segmented";
        case ExceptionRefusal::kBadArpFormat:
            return "bad_arp_format";
        case ExceptionRefusal::kBadArpOpcode:
            return "bad_arp_opcode";
        case ExceptionRefusal::kBadSenderAddress:
            return "bad_sender_address";
        case ExceptionRefusal::kBadHopLimit:
            return "bad_hop_limit";
        case ExceptionRefusal::kBadChecksum:
            return "bad_checksum";
        case ExceptionRefusal::kBadCode:
            return "bad_code";
        case ExceptionRefusal::kBadTarget:
            return "bad_target";
        case ExceptionRefusal::kBadOption:
            return "bad_option";
        case ExceptionRefusal::kBadDestination:
            return "bad_destination";
        case ExceptionRefusal::kAddressConflict:
            return "address_conflict";
        case ExceptionRefusal::kLoopedBack:
            return "looped_back";
        case ExceptionRefusal::kNotOurs:
            return "not_ours";
        case ExceptionRefusal::kWrongPort:
            return "wrong_port";
        case ExceptionRefusal::kVlanMismatch:
            return "vlan_mismatch";
        case ExceptionRefusal::kNotWritable:
            return "not_writable";
        case ExceptionRefusal::kCount:
            break;
    }
    return "?";
}

ExceptionAction handle_exception(rte_mbuf* m,
                                 const LocalAddressTable& locals,
                                 NeighbourTable& neighbours,
                                 uint64_t now_ms,
                                 ExceptionCounters& counters) {
    const ParsedPacket p = parse_packet(m);
    switch (p.kind) {
        case PacketKind::kArp:
            return handle_arp(m, p, locals, neighbours, now_ms, counters);
        case PacketKind::kNeighbourSolicitation:
        case PacketKind::kNeighbourAdvertisement:
            return handle_nd(m, p, locals, neighbours, now_ms, counters);
        case PacketKind::kUdp:
            return refuse(counters, ExceptionRefusal::kNotArpOrNd);
        case PacketKind::kDrop:
            break;
    }
    switch (p.drop) {
        case DropReason::kTruncatedEthernet:
        case DropReason::kTruncatedIpv6:
        case DropReason::kBadNeighbourDiscovery:
            return refuse(counters, ExceptionRefusal::kTruncated);
        case DropReason::kBadArp: {
            const uint32_t need = uint32_t{p.l3_offset} + kArpLen;
            if (need > rte_pktmbuf_pkt_len(m)) {
                return refuse(counters, ExceptionRefusal::kTruncated);
            }
            if (need > rte_pktmbuf_data_len(m)) {
                return refuse(counters, ExceptionRefusal::kSegmented);
            }
            return refuse(counters, ExceptionRefusal::kBadArpFormat);
        }
        case DropReason::kBadIpv6Header: {
            // Version 6 with a payload beyond the frame: truncated; else not ND.
            const uint8_t* ip = rte_pktmbuf_mtod_offset(m, const uint8_t*, p.l3_offset);
            const bool truncated = (ip[0] >> 4) == 6 && load_be16(ip + 4) != 0;
            return refuse(counters,
                          truncated ? ExceptionRefusal::kTruncated : ExceptionRefusal::kNotArpOrNd);
        }
        default:
            return refuse(counters, ExceptionRefusal::kNotArpOrNd);
    }
}

rte_mbuf* build_arp_request(rte_mempool* pool, const LocalAddress& local, const IpAddr& target) {
    return build_arp(pool, local, target);
}

rte_mbuf* build_gratuitous_arp(rte_mempool* pool, const LocalAddress& local) {
    return build_arp(pool, local, local.addr);
}

rte_mbuf* build_neighbour_solicitation(rte_mempool* pool,
                                       const LocalAddress& local,
                                       const IpAddr& target) {
    if (target.is_unspecified() || is_v6_multicast(target)) {
        return nullptr;
    }
    return build_nd(pool, local, solicited_node(target), kIcmpv6Ns, 0, target, kOptSourceLla);
}

rte_mbuf* build_unsolicited_na(rte_mempool* pool, const LocalAddress& local) {
    return build_nd(pool, local, IpAddr::from_v6_wire(kAllNodes), kIcmpv6Na, kNaOverride,
                    local.addr, kOptTargetLla);
}

}  // namespace mg::dataplane
