// Worker lcores: the poll loop around forward_burst (DESIGN.md "The packet path").
//
// Each worker polls its RX queue (queue index = worker index) on every port,
// relays with forward_burst and transmits on its own TX queue of the egress port.
// What it cannot handle goes to the main lcore through single-producer rings:
// ARP / NS / NA frames (exception_ring), next hops without a MAC (miss_ring) and,
// on ports with a TAP, the host's frames (host_ring).
// Worker 0 also transmits what the main lcore queued on main_tx_ring (ARP and ND
// replies, solicitations, emitted keepalives), so ports need no extra TX queue.
//
// RCU: a worker registers itself with liburcu QSBR, reads the Snapshot once per
// loop and reports a quiescent state at the end of each loop. After
// kEmptyPollsBeforeSleep empty loops it goes offline, sleeps idle_sleep_us and
// comes back online (idle_sleep_us = 0: pure busy polling).
//
// Threads: worker_main runs on its lcore; everything in Worker but the counters
// is set up before launch and only read. The counters are written by the worker
// only and read by the main lcore with relaxed loads (summed on read).
#pragma once

#include <atomic>
#include <cstdint>

#include <rte_ring.h>

#include "dataplane/forward_dp.h"
#include "dataplane/relay_table.h"
#include "dataplane/snapshot.h"

namespace mg::dataplane {

inline constexpr unsigned kMaxPorts = 16;  // DPDK ports one dataplane drives
inline constexpr unsigned kEmptyPollsBeforeSleep = 64;

// An element of miss_ring (rte_ring elements are multiples of 4 bytes).
struct alignas(4) MissElem {
    NeighbourMiss miss;
    uint16_t pad = 0;
};
static_assert(sizeof(MissElem) % 4 == 0);

struct alignas(64) WorkerStats {
    WorkerCounters forward;
    uint64_t tx_dropped = 0;         // the TX queue was full
    uint64_t exception_dropped = 0;  // exception_ring was full
    uint64_t host_dropped = 0;       // host_ring was full
    uint64_t loops = 0;
    uint64_t sleeps = 0;
};

struct Worker {
    unsigned index = 0;  // also the RX and TX queue index on every port
    uint16_t ports[kMaxPorts] = {};
    unsigned port_count = 0;
    const RelayTable* relays = nullptr;
    const SnapshotPublisher* snapshot = nullptr;
    rte_ring* exception_ring = nullptr;  // worker -> main, mbufs
    rte_ring* miss_ring = nullptr;       // worker -> main, MissElem
    rte_ring* main_tx_ring = nullptr;    // main -> worker 0, mbufs (nullptr elsewhere)
    const HostPorts* host = nullptr;     // ports with a TAP; nullptr = none
    rte_ring* host_ring = nullptr;       // worker -> main, mbufs for a TAP (with host)
    unsigned idle_sleep_us = 50;
    uint16_t burst = kMaxBurst;  // RX burst size (tests use 1 to interleave the main lcore)
    const std::atomic<bool>* stop = nullptr;
    WorkerStats stats;
};

// The lcore entry point (rte_eal_remote_launch); arg is a Worker*. Returns 0
// when *stop becomes true.
int worker_main(void* arg);

// Hot, exposed for tests: one poll of every port; returns the packets received.
unsigned worker_poll_once(Worker& w, const Snapshot& snap);

}  // namespace mg::dataplane
