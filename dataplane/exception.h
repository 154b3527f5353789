// The exception path: ARP and IPv6 Neighbour Discovery on the main lcore.
//
// Workers hand ARP, NS and NA frames over (forward_burst's
// BurstResult::exception); the main lcore calls handle_exception() for each.
// It validates the frame fully (RFC 826, RFC 4861 §7.1), learns the sender's
// MAC into the NeighbourTable and, for an ARP request or NS asking for one of
// our local addresses on the port and VLAN the frame came in on, rewrites the
// mbuf in place into the answer. The builders make the frames the main lcore
// originates: announcements at start and solicitations for next hops.
//
// Cold path, main lcore only. Every frame ends in exactly one of
// ExceptionCounters' arp_replies, nd_replies, consumed or refused[reason];
// learned / not_learned count sender MACs offered to the table.
//
// Who may write the table (defence against a neighbour filling or poisoning it):
// - an ARP request or NS for our address, whose sender is on link for (or the
//   gateway / a route's next hop of) a local address on the same port and VLAN,
//   creates or refreshes the sender's entry (RFC 826: "if I am the target");
// - everything else (ARP replies, gratuitous ARP, requests for others, NA) only
//   refreshes an existing entry of that port (entries are per link: what a host
//   on one port says never touches another port's entry of the same address),
//   and only one resolved on the same VLAN (or whose sender is plausible there as
//   above). An NA without the
//   Override flag does not replace a MAC already known (RFC 4861 §7.2.5).
// - nobody may claim one of our own addresses (counted as kAddressConflict, or
//   kLoopedBack when it carries our own MAC); an IPv4-mapped address in ND is
//   refused, so ND can never write an IPv4 neighbour.
//
// VLAN: a local address with vlan_tci kNoVlan accepts untagged frames (and
// priority tags, VID 0); one with a tag accepts frames with the same VID,
// whatever their PCP/DEI. A reply keeps the frame's tag presence and carries the
// local address's TCI when it has one.
#pragma once

#include <cstdint>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dataplane/ip_addr.h"
#include "dataplane/local_addresses.h"
#include "dataplane/neighbour.h"

namespace mg::dataplane {

enum class ExceptionAction : uint8_t {
    kTransmit,  // the mbuf now holds the reply: send it on m->port
    kFree,      // handled or refused: free the mbuf
};

// Why a frame got no answer; one counter per reason.
enum class ExceptionRefusal : uint8_t {
    kNotArpOrNd,        // parse_packet does not see ARP, NS or NA
    kTruncated,         // shorter than its headers, or an ND message beyond the frame
    kSegmented,         // headers or ND message not in the first segment
    kBadArpFormat,      // hardware type not Ethernet, protocol not IPv4, lengths not 6/4
    kBadArpOpcode,      // neither request (1) nor reply (2)
    kBadSenderAddress,  // sender MAC zero/multicast, sender IP multicast/broadcast/mapped
    kBadHopLimit,       // ND with a hop limit other than 255
    kBadChecksum,       // ICMPv6 checksum does not verify
    kBadCode,           // ICMPv6 code not 0
    kBadTarget,         // ND target multicast, unspecified or IPv4-mapped
    kBadOption,         // ND option of length 0, past the end, bad link-layer option
    kBadDestination,    // destination IP / MAC not consistent with the message
    kAddressConflict,   // someone else claims one of our addresses
    kLoopedBack,        // our own announcement came back
    kNotOurs,           // a request for an address that is not ours
    kWrongPort,         // ours, but it lives on another DPDK port
    kVlanMismatch,      // ours, but the frame's VLAN is not the address's
    kNotWritable,       // shared / indirect mbuf, or no room for the reply
    kCount
};

inline constexpr unsigned kExceptionRefusalCount = static_cast<unsigned>(ExceptionRefusal::kCount);

// A short stable name per reason (counters, logs).
const char* exception_refusal_name(ExceptionRefusal reason);

struct ExceptionCounters {
    uint64_t arp_replies = 0;  // ARP requests answered
    uint64_t nd_replies = 0;   // NS answered with an NA
    uint64_t consumed = 0;     // valid, nothing to answer (ARP replies, NA, gratuitous ARP)
    uint64_t learned = 0;      // sender MACs the table took (created, updated, confirmed)
    uint64_t not_learned = 0;  // sender MACs offered but not taken (see above; table full)
    uint64_t refused[kExceptionRefusalCount] = {};

    uint64_t refused_count(ExceptionRefusal r) const { return refused[static_cast<unsigned>(r)]; }
    uint64_t total_refused() const {
        uint64_t sum = 0;
        for (uint64_t r : refused) {
            sum += r;
        }
        return sum;
    }
};

// Handles one frame a worker passed on (m->port = the port it arrived on).
// kTransmit: `m` was rewritten into an ARP reply or solicited NA (padding
// trimmed, ol_flags cleared) for the caller to send on m->port. kFree: the
// caller frees `m`. Never frees or keeps `m` itself.
ExceptionAction handle_exception(rte_mbuf* m,
                                 const LocalAddressTable& locals,
                                 NeighbourTable& neighbours,
                                 uint64_t now_ms,
                                 ExceptionCounters& counters);

// Frames originated by the main lcore, from `pool`, with the source MAC and
// 802.1Q tag of `local` and m->port = local.port_id. nullptr when the pool is
// empty or the families do not fit (ARP needs IPv4 addresses, ND IPv6 ones).
// No Ethernet padding is added (the NIC pads short frames).

// ARP request, broadcast: who has `target`, tell local.addr.
rte_mbuf* build_arp_request(rte_mempool* pool, const LocalAddress& local, const IpAddr& target);
// Gratuitous ARP (RFC 5227 announcement): broadcast request with sender and
// target IP both local.addr, target MAC zero.
rte_mbuf* build_gratuitous_arp(rte_mempool* pool, const LocalAddress& local);
// NS for `target` to its solicited-node multicast address (ff02::1:ffXX:XXXX,
// MAC 33:33:ff:XX:XX:XX), hop limit 255, source link-layer option.
rte_mbuf* build_neighbour_solicitation(rte_mempool* pool,
                                       const LocalAddress& local,
                                       const IpAddr& target);
// Unsolicited NA for local.addr to all-nodes (ff02::1, MAC 33:33:00:00:00:01),
// Override flag set, target link-layer option.
rte_mbuf* build_unsolicited_na(rte_mempool* pool, const LocalAddress& local);

}  // namespace mg::dataplane
