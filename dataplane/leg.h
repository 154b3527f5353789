// Leg: one relay port of a call, as the workers see it.
//
// A leg is found by (local address index, UDP port) in the RelayTable. Packets
// arriving on a leg come from its peer and are sent out from the other leg's
// local address and port to the other leg's peer.
//
// Ownership (DESIGN.md "The packet path"): the fields above `latch_state` are set
// by control before the leg is published and never change afterwards; a change
// is a new Leg published in its place. Workers write only the learned peer
// (latch_state, learned_port, learned_peer) and the counters, always through
// __atomic builtins:
// - latching is claimed with a compare-exchange on latch_state, so two workers
//   can never both latch one leg; the learned peer is read only after
//   latch_state == kLatched is seen with acquire ordering, and a reader checks
//   afterwards that latch_state and latch_seq did not change (re-latching after
//   relatch_after_s rewrites the learned peer of a latched leg);
// - `in` is written by the worker that receives the leg's packets and `out` by
//   the worker that receives the other leg's packets. RSS keeps one source on
//   one queue, so each counter has one writer (relaxed load + store); readers
//   use relaxed loads and may see a packet count one burst ahead of bytes.
#pragma once

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

struct alignas(64) Leg {
    // --- set by control; immutable once published ---
    IpAddr peer;                    // signalled peer; :: = unknown ("any")
    uint64_t owner_tag = 0;         // opaque to the dataplane (call-id, tag, media)
    uint16_t local_addr_index = 0;  // index into the LocalAddressTable
    uint16_t local_port = 0;        // host order
    uint16_t peer_port = 0;         // host order; 0 = unknown
    uint16_t other_addr_index = 0;  // the other leg of the pair, by key: either leg
    uint16_t other_port = 0;        // can be replaced without touching the other
    uint8_t flags = 0;              // LegFlags
    uint8_t dscp = kKeepDscp;       // DSCP set on packets sent from this leg

    // --- written by workers ---
    uint8_t latch_state = kNotLatched;  // LatchState
    uint8_t latch_seq = 0;      // +1 per (re-)latch: readers check it did not change
    uint16_t learned_port = 0;  // host order, valid when kLatched
    uint8_t learned_flags = 0;  // kLegDebug when the learned peer is a Debug IP
    IpAddr learned_peer;        // valid when kLatched
    LegCounters in;             // received from the peer and accepted
    LegCounters out;            // relayed to the peer (sent from this leg)
};

inline constexpr unsigned kMaxLegBytes = 128;
static_assert(sizeof(Leg) <= kMaxLegBytes, "a leg must fit in two cache lines");

}  // namespace mg::dataplane
