// Leg: one relay port of a call, as the workers see it.
//
// A leg is found by (local address index, UDP port) in the RelayTable. Packets
// arriving on a leg come from its peer and are sent out from the other leg's
// local address and port to the other leg's peer.
//
// Ownership (DESIGN.md "The packet path"): the fields marked "control" are set
// before the leg is published and never change afterwards; a change is a new Leg
// published in its place. Workers write only the learned peer (latch_state,
// latch_seq, learned_port, learned_flags, learned_peer) and the counters, always
// through __atomic builtins:
// - latching is claimed with a compare-exchange on latch_state, so two workers
//   can never both latch one leg; the learned peer is read only after
//   latch_state == kLatched is seen with acquire ordering, and a reader checks
//   afterwards that latch_state and latch_seq did not change (re-latching after
//   relatch_after_s rewrites the learned peer of a latched leg);
// - `in` is written by the worker that receives the leg's packets and `out` by
//   the worker that receives the other leg's packets. RSS keeps one source on
//   one queue, so each counter has one writer (relaxed load + store); readers
//   use relaxed loads and may see a packet count one burst ahead of bytes.
// `idle_mark` belongs to the main lcore (the RelayTable's owner), which reports
// idle legs; workers never touch it.
//
// Size and layout: 112 bytes, kept in the RelayTable's slabs at that stride (no
// allocator header), so a leg with its slot costs 120 bytes (relay_table.h). A
// slab puts legs at 0, 16, 32 or 48 bytes into a cache line; the fields a packet
// arriving on the leg touches (bytes 0..71, kInSpan) and those a packet leaving
// from it touches (32..100, kOutSpan) each lie in two cache lines at any of these.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/ip_addr.h"

namespace mg::dataplane {

struct LegCounters {
    uint64_t packets = 0;
    uint64_t bytes = 0;     // UDP payload bytes
    uint64_t last_tsc = 0;  // rte_rdtsc() of the last packet, 0 = never
};

enum LegFlags : uint8_t {
    kLegLatch = 1 << 0,         // learn the peer from the first media packet
    kLegDebug = 1 << 1,         // peer is in the Debug list (counted apart, later)
    kLegFamilyBridge = 1 << 2,  // legs of the pair differ in family (informative:
                                // forwarding bridges whenever the families differ)
};

enum LatchState : uint8_t {
    kNotLatched = 0,
    kLatching = 1,  // claimed by one worker, learned peer being written
    kLatched = 2,
};

inline constexpr uint8_t kKeepDscp = 0xff;

// idle_mark: bit 31 set = reported idle, at the time in bits 0..30 (quarter
// seconds since the dataplane started: 17 years); clear = not reported, and a leg
// that never received counts its silence from the time in bits 0..30 (when it was
// added, rounded down: such a leg may be reported up to 1/4 s early).
inline constexpr uint32_t kIdleReported = 0x80000000u;
inline constexpr uint32_t kIdleTicksPerSecond = 4;

struct alignas(16) Leg {
    // --- a packet arriving on this leg: bytes 0..71 ---
    LegCounters in;                 // workers: received from the peer and accepted
    uint16_t other_addr_index = 0;  // control: the other leg of the pair, by key: either
    uint16_t other_port = 0;        // leg can be replaced without touching the other
    uint32_t idle_mark = 0;         // main lcore: see kIdleReported

    // --- both: bytes 32..71 ---
    IpAddr peer;                        // control: signalled peer; :: = unknown ("any")
    IpAddr learned_peer;                // workers: valid when kLatched
    uint16_t peer_port = 0;             // control: host order; 0 = unknown
    uint16_t learned_port = 0;          // workers: host order, valid when kLatched
    uint8_t flags = 0;                  // control: LegFlags
    uint8_t latch_state = kNotLatched;  // workers: LatchState
    uint8_t latch_seq = 0;      // workers: +1 per (re-)latch; readers check it did not change
    uint8_t learned_flags = 0;  // workers: kLegDebug when the learned peer is a Debug IP

    // --- a packet leaving from this leg: bytes 32..100 ---
    LegCounters out;                // workers: relayed to the peer (sent from this leg)
    uint16_t local_addr_index = 0;  // control: index into the LocalAddressTable
    uint16_t local_port = 0;        // control: host order
    uint8_t dscp = kKeepDscp;       // control: DSCP set on packets sent from this leg

    uint64_t owner_tag = 0;  // control: opaque to the dataplane (call-id, tag, media)
};

// What forward_burst prefetches of a leg, by the role it plays for a packet.
struct LegSpan {
    unsigned first;
    unsigned last;
};
inline constexpr LegSpan kInSpan{0, 71};
inline constexpr LegSpan kOutSpan{32, 100};

// What a latched leg learned, read so that a concurrent re-latch is never seen half
// written: kLatched, then the fields, then latch_state and latch_seq unchanged.
enum class LearnedRead : uint8_t { kNotLatched, kRead, kChanging };
inline LearnedRead read_learned(const Leg& leg, IpAddr& peer, uint16_t& port, uint8_t& flags) {
    if (__atomic_load_n(&leg.latch_state, __ATOMIC_ACQUIRE) != kLatched) {
        return LearnedRead::kNotLatched;
    }
    const uint8_t seq = __atomic_load_n(&leg.latch_seq, __ATOMIC_RELAXED);
    peer = leg.learned_peer;
    port = leg.learned_port;
    flags = leg.learned_flags;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&leg.latch_state, __ATOMIC_RELAXED) == kLatched &&
                   __atomic_load_n(&leg.latch_seq, __ATOMIC_RELAXED) == seq
               ? LearnedRead::kRead
               : LearnedRead::kChanging;
}

// The budget for a leg's dataplane memory, slot included (relay_table.h).
inline constexpr unsigned kMaxLegBytes = 128;
static_assert(sizeof(Leg) == 112, "the slabs' stride; a leg and its slot within kMaxLegBytes");
static_assert(offsetof(Leg, in) == kInSpan.first && offsetof(Leg, learned_flags) == kInSpan.last,
              "kInSpan");
static_assert(offsetof(Leg, peer) == kOutSpan.first && offsetof(Leg, dscp) == kOutSpan.last,
              "kOutSpan");
// Spans of at most 80 bytes starting on a 16-byte boundary stay within two lines.
static_assert(kInSpan.first % 16 == 0 && kInSpan.last - kInSpan.first < 80, "kInSpan");
static_assert(kOutSpan.first % 16 == 0 && kOutSpan.last - kOutSpan.first < 80, "kOutSpan");

}  // namespace mg::dataplane
