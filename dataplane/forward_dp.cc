// Burst relaying (see forward_dp.h). Hot path.
#include "dataplane/forward_dp.h"

#include <cstring>
#include <new>

#include <rte_prefetch.h>

#include "common/check.h"
#include "dataplane/checksum_dp.h"
#include "dataplane/wire_dp.h"

namespace mg::dataplane {
namespace {

constexpr uint16_t kEthHeaderLen = 14;
constexpr uint16_t kVlanTagLen = 4;
constexpr uint16_t kIpv4HeaderLen = 20;
constexpr uint16_t kIpv6HeaderLen = 40;
constexpr uint16_t kUdpHeaderLen = 8;
constexpr uint8_t kProtoUdp = 17;
constexpr DropReason kRelayed = DropReason::kCount;  // "no drop"

inline void count(LegCounters& c, uint16_t bytes, uint64_t now_tsc) {
    __atomic_store_n(&c.packets, __atomic_load_n(&c.packets, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&c.bytes, __atomic_load_n(&c.bytes, __ATOMIC_RELAXED) + bytes,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&c.last_tsc, now_tsc, __ATOMIC_RELAXED);
}

// The parse guarantees the headers in the first segment, not the payload: a
// frame may be split right after its UDP header (found by the packet fuzzer,
// which read a stale byte of the first segment's tailroom here).
inline bool payload_may_latch(const ParsedPacket& p, const rte_mbuf* m) {
    if (p.payload_length == 0) {
        return false;
    }
    uint8_t copy;
    const auto* first =
        static_cast<const uint8_t*>(rte_pktmbuf_read(m, p.payload_offset, 1, &copy));
    return first != nullptr && may_latch(*first);
}

// Claims the leg (from `from_state`) and writes its learned peer. Once per latch,
// so the list lookup for the Debug class is not per packet.
inline DropReason latch(const ForwardContext& ctx,
                        Leg& leg,
                        const ParsedPacket& p,
                        uint8_t from_state,
                        uint64_t now_tsc) {
    uint8_t expected = from_state;
    if (!__atomic_compare_exchange_n(&leg.latch_state, &expected, kLatching, false,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        return DropReason::kLatchRejected;  // another worker is latching it right now
    }
    __atomic_store_n(&leg.latch_seq, static_cast<uint8_t>(leg.latch_seq + 1), __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    leg.learned_peer = p.src;
    leg.learned_port = p.src_port;
    uint8_t flags = 0;
    if (ctx.lists != nullptr && (ctx.lists->classify(p.src.to_address()) & ctx.debug_mask) != 0) {
        flags = kLegDebug;
    }
    leg.learned_flags = flags;
    // The silence before a re-latch counts from the latch.
    __atomic_store_n(&leg.in.last_tsc, now_tsc, __ATOMIC_RELAXED);
    __atomic_store_n(&leg.latch_state, kLatched, __ATOMIC_RELEASE);
    return kRelayed;
}

// Accepts or refuses the source of a packet arriving on `leg`, latching it when
// the leg latches and has not yet (or may re-latch after relatch_after_tsc).
inline DropReason check_source(const ForwardContext& ctx,
                               Leg& leg,
                               const ParsedPacket& p,
                               const rte_mbuf* m,
                               uint64_t now_tsc) {
    const uint8_t state = __atomic_load_n(&leg.latch_state, __ATOMIC_ACQUIRE);
    if (state == kLatched) {
        if (p.src == leg.learned_peer && p.src_port == leg.learned_port) {
            return kRelayed;
        }
        const uint64_t last = __atomic_load_n(&leg.in.last_tsc, __ATOMIC_RELAXED);
        if (ctx.relatch_after_tsc == 0 || now_tsc - last < ctx.relatch_after_tsc ||
            !payload_may_latch(p, m)) {
            return DropReason::kLatchRejected;
        }
        return latch(ctx, leg, p, kLatched, now_tsc);
    }
    if ((leg.flags & kLegLatch) == 0) {
        return p.src == leg.peer && p.src_port == leg.peer_port ? kRelayed
                                                                : DropReason::kUnexpectedSource;
    }
    if (state != kNotLatched) {
        return DropReason::kLatchRejected;  // another worker is latching it right now
    }
    if (!payload_may_latch(p, m)) {
        return DropReason::kLatchNotMedia;
    }
    return latch(ctx, leg, p, kNotLatched, now_tsc);
}

// Where packets sent from `leg` go: its learned peer when latched (read so that
// a concurrent re-latch is never seen half written), else its signalled peer.
// False when there is no peer yet.
inline bool destination(const Leg& leg, IpAddr& peer, uint16_t& port, uint8_t& flags) {
    switch (read_learned(leg, peer, port, flags)) {
        case LearnedRead::kRead:
            return port != 0;
        case LearnedRead::kChanging:
            return false;  // being re-latched this very moment: drop this one
        case LearnedRead::kNotLatched:
            break;
    }
    peer = leg.peer;
    port = leg.peer_port;
    flags = 0;
    return port != 0 && !peer.is_unspecified();
}

inline uint8_t traffic_class_out(uint8_t received, uint8_t dscp) {
    return dscp == kKeepDscp ? received : static_cast<uint8_t>((dscp << 2) | (received & 0x03));
}

inline void write_v4_header(uint8_t* ip,
                            uint8_t tclass,
                            uint16_t udp_len,
                            uint8_t ttl,
                            const IpAddr& src,
                            const IpAddr& dst) {
    ip[0] = 0x45;
    ip[1] = tclass;
    store_be16(ip + 2, static_cast<uint16_t>(kIpv4HeaderLen + udp_len));
    store_be16(ip + 4, 0);       // identification
    store_be16(ip + 6, 0x4000);  // DF, no fragment offset
    ip[8] = ttl;
    ip[9] = kProtoUdp;
    store16(ip + 10, 0);
    std::memcpy(ip + 12, src.v4_wire(), 4);
    std::memcpy(ip + 16, dst.v4_wire(), 4);
    store16(ip + 10, static_cast<uint16_t>(~csum_bytes(ip, kIpv4HeaderLen)));
}

inline void write_v6_header(uint8_t* ip,
                            uint8_t tclass,
                            uint16_t udp_len,
                            uint8_t hop_limit,
                            const IpAddr& src,
                            const IpAddr& dst) {
    ip[0] = static_cast<uint8_t>(0x60 | (tclass >> 4));
    ip[1] = static_cast<uint8_t>(tclass << 4);
    ip[2] = 0;
    ip[3] = 0;
    store_be16(ip + 4, udp_len);
    ip[6] = kProtoUdp;
    ip[7] = hop_limit;
    std::memcpy(ip + 8, src.bytes, 16);
    std::memcpy(ip + 24, dst.bytes, 16);
}

// The whole UDP checksum of an IPv6 datagram whose checksum field is 0.
inline uint16_t udp6_checksum(
    const rte_mbuf* m, uint16_t l4_offset, uint16_t udp_len, const IpAddr& src, const IpAddr& dst) {
    uint16_t data_sum = 0;
    if (rte_raw_cksum_mbuf(m, l4_offset, udp_len, &data_sum) != 0) {
        return 0xffff;  // cannot happen: the parse checked the length
    }
    uint32_t acc = data_sum;
    acc += csum_bytes(src.bytes, 16);
    acc += csum_bytes(dst.bytes, 16);
    acc += swap_to_be16(udp_len);
    acc += swap_to_be16(kProtoUdp);
    const uint16_t c = static_cast<uint16_t>(~csum_fold(acc));
    return c == 0 ? 0xffff : c;
}

// Rewrites a packet that arrived on `in` from an accepted source towards the
// peer of `out`.
//
// Every checksum change is summed from values (the received words, the local
// address's precomputed sum, the new ports) rather than by reading back what
// was just stored: a narrower load after a store stalls store forwarding.
inline DropReason rewrite(rte_mbuf* m,
                          const ParsedPacket& p,
                          const Leg& out,
                          const LocalAddress& from,
                          const IpAddr& peer,
                          uint16_t peer_port,
                          const rte_ether_addr& dst_mac) {
    const bool out_v4 = from.v4;
    if (peer.is_v4() != out_v4) {
        return DropReason::kPeerUnknown;  // control paired a peer with the wrong family
    }
    const uint16_t udp_len = static_cast<uint16_t>(kUdpHeaderLen + p.payload_length);
    const uint32_t frame_end = static_cast<uint32_t>(p.l4_offset) + udp_len;
    if (rte_pktmbuf_pkt_len(m) > frame_end &&
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_pkt_len(m) - frame_end)) != 0) {
        return DropReason::kNoHeadroom;  // padding split over segments: never in practice
    }

    // Everything still needed from the received IP header, before it moves.
    const uint8_t* old_ip = rte_pktmbuf_mtod_offset(m, const uint8_t*, p.l3_offset);
    const uint8_t old_tclass =
        p.is_v4 ? old_ip[1] : static_cast<uint8_t>((old_ip[0] << 4) | (old_ip[1] >> 4));
    const uint32_t old_addr_sum =
        csum_addr_words(p.src, p.is_v4) + csum_addr_words(p.dst, p.is_v4);
    const uint32_t new_addr_sum = uint32_t{from.addr_sum} + csum_addr_words(peer, out_v4);

    // The UDP header stays where it is; L2 + L3 in front of it change size.
    const uint16_t l2_len = from.vlan_tci == kNoVlan ? kEthHeaderLen : kEthHeaderLen + kVlanTagLen;
    const uint16_t l3_len = out_v4 ? kIpv4HeaderLen : kIpv6HeaderLen;
    const int grow = l2_len + l3_len - p.l4_offset;
    if (grow > 0) {
        if (rte_pktmbuf_prepend(m, static_cast<uint16_t>(grow)) == nullptr) {
            return DropReason::kNoHeadroom;
        }
    } else if (grow < 0) {
        rte_pktmbuf_adj(m, static_cast<uint16_t>(-grow));
    }
    uint8_t* eth = rte_pktmbuf_mtod(m, uint8_t*);
    uint8_t* ip = eth + l2_len;
    uint8_t* udp = ip + l3_len;

    const uint8_t tclass = traffic_class_out(old_tclass, out.dscp);
    const uint8_t ttl = static_cast<uint8_t>(p.ttl - 1);
    if (p.is_v4 == out_v4 && out_v4) {
        // Words 0 (version, IHL, TOS), 4 (TTL, protocol), 6..9 (addresses) change.
        // The new words as a 16-bit load would see them in memory (no bytes
        // stored and loaded back: that too stalls store forwarding).
        const uint16_t word0 = swap_to_be16(static_cast<uint16_t>((ip[0] << 8) | tclass));
        const uint16_t word4 = swap_to_be16(static_cast<uint16_t>((ttl << 8) | ip[9]));
        const uint32_t before = uint32_t{load16(ip)} + load16(ip + 8) + old_addr_sum;
        const uint32_t after = uint32_t{word0} + word4 + new_addr_sum;
        const uint16_t old_csum = load16(ip + 10);
        ip[1] = tclass;
        ip[8] = ttl;
        std::memcpy(ip + 12, from.addr.v4_wire(), 4);
        std::memcpy(ip + 16, peer.v4_wire(), 4);
        store16(ip + 10, csum_update(old_csum, before, after));
    } else if (p.is_v4 == out_v4) {
        ip[0] = static_cast<uint8_t>(0x60 | (tclass >> 4));
        ip[1] = static_cast<uint8_t>((tclass << 4) | (ip[1] & 0x0f));
        ip[7] = ttl;
        std::memcpy(ip + 8, from.addr.bytes, 16);
        std::memcpy(ip + 24, peer.bytes, 16);
    } else if (out_v4) {
        write_v4_header(ip, tclass, udp_len, ttl, from.addr, peer);
    } else {
        write_v6_header(ip, tclass, udp_len, ttl, from.addr, peer);
    }

    // UDP: ports, then the checksum over the pseudo-header change. The IPv4 and
    // IPv6 pseudo-headers differ only in the addresses as far as the sum goes
    // (length and protocol add up the same), so one update serves all four
    // family pairs.
    uint32_t old_ports;
    std::memcpy(&old_ports, udp, sizeof old_ports);
    const uint16_t new_src_port = swap_to_be16(out.local_port);
    const uint16_t new_dst_port = swap_to_be16(peer_port);
    store16(udp, new_src_port);
    store16(udp + 2, new_dst_port);
    const uint16_t old_csum = load16(udp + 6);
    if (old_csum != 0) {
        const uint32_t before = old_addr_sum + csum_word32(old_ports);
        const uint32_t after = new_addr_sum + new_src_port + new_dst_port;
        const uint16_t c = csum_update(old_csum, before, after);
        store16(udp + 6, c == 0 ? 0xffff : c);
    } else if (!out_v4) {
        const uint16_t l4_offset = static_cast<uint16_t>(l2_len + l3_len);
        store16(udp + 6, udp6_checksum(m, l4_offset, udp_len, from.addr, peer));
    }  // else: IPv4 to IPv4 without checksum stays without

    // L2.
    std::memcpy(eth, dst_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    std::memcpy(eth + 6, from.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    const uint16_t ether_type = out_v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
    if (from.vlan_tci == kNoVlan) {
        store_be16(eth + 12, ether_type);
    } else {
        store_be16(eth + 12, RTE_ETHER_TYPE_VLAN);
        store_be16(eth + 14, from.vlan_tci);
        store_be16(eth + 16, ether_type);
    }
    m->port = from.port_id;
    return kRelayed;
}

// A burst's scratch array, uninitialised storage: a stage creates element i
// (placement new into slot(i)) before a later stage reads it with [i]. (An array
// of T would run T's default member initialisers: 2 KiB of stores per burst,
// whatever its size.)
template <typename T>
class BurstArray {
  public:
    void* slot(uint16_t i) { return storage_ + size_t{i} * sizeof(T); }
    T& operator[](uint16_t i) { return *static_cast<T*>(slot(i)); }

  private:
    alignas(T) unsigned char storage_[sizeof(T) * kMaxBurst];
};

// The two cache lines of a leg that a packet touches in one role (leg.h).
inline void prefetch_leg(const Leg* leg, LegSpan span) {
    const auto* p = reinterpret_cast<const char*>(leg);
    rte_prefetch0(p + span.first);
    rte_prefetch0(p + span.last);
}

// Remembers a next hop without a MAC once per burst and local address (the same
// address may be a different neighbour on another port).
inline void note_miss(BurstResult& r, const IpAddr& next_hop, uint16_t local_addr_index) {
    for (uint16_t i = 0; i < r.miss_count; ++i) {
        if (r.miss[i].next_hop == next_hop && r.miss[i].local_addr_index == local_addr_index) {
            return;
        }
    }
    r.miss[r.miss_count++] = NeighbourMiss{next_hop, local_addr_index};
}

// Where a packet accepted on its leg goes; planned for the whole burst before
// any packet is rewritten (the lookups of different packets then overlap).
// Created by plan_relay(), each field written before it is read.
struct Plan {
    IpAddr peer;
    const LocalAddress* from;
    const rte_ether_addr* mac;
    uint16_t peer_port;
    uint8_t peer_flags;
};

// For one UDP packet whose leg was found: accepts its source (latching), finds
// the other leg's peer and the next hop's MAC.
inline DropReason plan_relay(const ForwardContext& ctx,
                             BurstResult& r,
                             const rte_mbuf* m,
                             const ParsedPacket& p,
                             Leg& in,
                             const Leg* out,
                             uint64_t now_tsc,
                             void* plan_slot) {
    const DropReason source = check_source(ctx, in, p, m, now_tsc);
    if (source != kRelayed) {
        return source;
    }
    // Counted here, not after the rewrite: `in` counts what the peer sent and
    // the leg accepted (leg.h), and a later packet of the same burst from a
    // stranger must see this one's time when it asks whether the peer went
    // silent (re-latching).
    count(in.in, p.payload_length, now_tsc);
    if (out == nullptr || out->local_addr_index >= ctx.locals->size()) {
        return DropReason::kPeerUnknown;
    }
    Plan& plan = *::new (plan_slot) Plan;
    if (!destination(*out, plan.peer, plan.peer_port, plan.peer_flags)) {
        return DropReason::kPeerUnknown;
    }
    plan.from = &ctx.locals->at(out->local_addr_index);
    const IpAddr* next_hop = nullptr;
    plan.mac = plan.from->next_hop_mac(plan.peer, *ctx.neighbours, next_hop);
    if (plan.mac == nullptr) {
        note_miss(r, *next_hop, out->local_addr_index);
        return DropReason::kNoNeighbour;
    }
    return kRelayed;
}

// Rewrites a planned packet and counts it on the leg it leaves from.
inline DropReason relay(WorkerCounters& counters,
                        rte_mbuf* m,
                        const ParsedPacket& p,
                        Leg& in,
                        Leg& out,
                        const Plan& plan,
                        uint64_t now_tsc) {
    const DropReason result =
        rewrite(m, p, out, *plan.from, plan.peer, plan.peer_port, *plan.mac);
    if (result == kRelayed) {
        count(out.out, p.payload_length, now_tsc);
        if (((in.flags | in.learned_flags | out.flags | plan.peer_flags) & kLegDebug) != 0) {
            ++counters.debug;
        }
    }
    return result;
}

}  // namespace

BurstResult forward_burst(const ForwardContext& ctx,
                          WorkerCounters& counters,
                          rte_mbuf* const* pkts,
                          uint16_t n,
                          uint64_t now_tsc) {
    MG_ASSERT(n <= kMaxBurst);
    BurstResult r;
    BurstArray<ParsedPacket> parsed;
    Leg* legs[kMaxBurst];
    Leg* outs[kMaxBurst];
    uint16_t locals[kMaxBurst];

    // Stage 1: bring every packet's headers in.
    for (uint16_t i = 0; i < n; ++i) {
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    }
    // Stage 2: parse, find the leg, bring it in.
    for (uint16_t i = 0; i < n; ++i) {
        ::new (parsed.slot(i)) ParsedPacket(parse_packet(pkts[i]));
        legs[i] = nullptr;
        if (parsed[i].kind != PacketKind::kUdp) {
            continue;
        }
        const int local = ctx.locals->find(parsed[i].dst);
        if (local < 0) {
            parsed[i].kind = PacketKind::kDrop;
            parsed[i].drop = DropReason::kNotForUs;
            continue;
        }
        locals[i] = static_cast<uint16_t>(local);
        ctx.relays->prefetch_slot(locals[i], parsed[i].dst_port);
    }
    // Stage 2b: find the legs (slots now in cache), bring them in.
    for (uint16_t i = 0; i < n; ++i) {
        if (parsed[i].kind != PacketKind::kUdp) {
            continue;
        }
        legs[i] = ctx.relays->find(locals[i], parsed[i].dst_port);
        if (legs[i] == nullptr || parsed[i].ttl <= 1) {
            // Media whose TTL runs out is the relay's to drop; UDP for no leg
            // may be the host's, whatever its TTL.
            parsed[i].kind = PacketKind::kDrop;
            parsed[i].drop = legs[i] == nullptr ? DropReason::kUnknownPort
                                                : DropReason::kTtlExhausted;
            legs[i] = nullptr;
            continue;
        }
        prefetch_leg(legs[i], kInSpan);
    }
    // Stage 2c: the other legs' slots.
    for (uint16_t i = 0; i < n; ++i) {
        if (legs[i] != nullptr) {
            ctx.relays->prefetch_slot(legs[i]->other_addr_index, legs[i]->other_port);
        }
    }
    // Stage 2d: the other legs.
    for (uint16_t i = 0; i < n; ++i) {
        outs[i] = legs[i] != nullptr
                      ? ctx.relays->find(legs[i]->other_addr_index, legs[i]->other_port)
                      : nullptr;
        if (outs[i] != nullptr) {
            prefetch_leg(outs[i], kOutSpan);
        }
    }
    // Stage 3: accept (latch), plan where each packet goes.
    BurstArray<Plan> plans;
    DropReason reasons[kMaxBurst];
    for (uint16_t i = 0; i < n; ++i) {
        reasons[i] = parsed[i].kind == PacketKind::kUdp
                         ? plan_relay(ctx, r, pkts[i], parsed[i], *legs[i], outs[i], now_tsc,
                                      plans.slot(i))
                         : parsed[i].drop;
    }
    // Stage 4: rewrite, sort into tx / exception / host / drop.
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        DropReason reason = reasons[i];
        switch (parsed[i].kind) {
            case PacketKind::kUdp:
                if (reason == kRelayed) {
                    reason = relay(counters, m, parsed[i], *legs[i], *outs[i], plans[i], now_tsc);
                }
                break;
            case PacketKind::kArp:
            case PacketKind::kNeighbourSolicitation:
            case PacketKind::kNeighbourAdvertisement:
                r.exception[r.exception_count++] = m;
                continue;
            case PacketKind::kDrop:
                break;
        }
        if (reason == kRelayed) {
            r.tx[r.tx_count++] = m;
        } else if (ctx.host != nullptr && for_host(reason) && host_takes(*ctx.host, m)) {
            r.host[r.host_count++] = m;
        } else {
            r.drop_reason[r.drop_count] = reason;
            r.drop[r.drop_count++] = m;
            ++counters.drops[static_cast<unsigned>(reason)];
        }
    }
    counters.rx += n;
    counters.relayed += r.tx_count;
    counters.exception += r.exception_count;
    counters.to_host += r.host_count;
    return r;
}

}  // namespace mg::dataplane
