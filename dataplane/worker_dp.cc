// The worker poll loop (see worker_dp.h). Hot path.
#include "dataplane/worker_dp.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <unistd.h>

namespace mg::dataplane {
namespace {

// Hands mbufs to the main lcore; what the ring refuses is freed and counted.
inline void to_main(rte_ring* ring, rte_mbuf** pkts, uint16_t n, uint64_t& dropped) {
    const unsigned queued =
        rte_ring_enqueue_burst(ring, reinterpret_cast<void* const*>(pkts), n, nullptr);
    if (queued < n) {
        dropped += n - queued;
        rte_pktmbuf_free_bulk(pkts + queued, n - queued);
    }
}

// Sends pkts on (port, queue); what the queue refuses is freed and counted.
inline void transmit(Worker& w, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    uint16_t sent = 0;
    for (unsigned attempt = 0; sent < n && attempt < 4; ++attempt) {
        sent += rte_eth_tx_burst(port, static_cast<uint16_t>(w.index), pkts + sent,
                                 static_cast<uint16_t>(n - sent));
    }
    if (sent < n) {
        w.stats.tx_dropped += n - sent;
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
}

// Sends each packet on its m->port, grouping consecutive runs per port.
inline void transmit_by_port(Worker& w, rte_mbuf** pkts, uint16_t n) {
    uint16_t start = 0;
    while (start < n) {
        const uint16_t port = pkts[start]->port;
        uint16_t end = start + 1;
        while (end < n && pkts[end]->port == port) {
            ++end;
        }
        transmit(w, port, pkts + start, static_cast<uint16_t>(end - start));
        start = end;
    }
}

inline void handle_burst(Worker& w, const ForwardContext& ctx, rte_mbuf** pkts, uint16_t n) {
    BurstResult r = forward_burst(ctx, w.stats.forward, pkts, n, rte_rdtsc());
    if (r.tx_count != 0) {
        transmit_by_port(w, r.tx, r.tx_count);
    }
    if (r.exception_count != 0) {
        to_main(w.exception_ring, r.exception, r.exception_count, w.stats.exception_dropped);
    }
    if (r.host_count != 0) {
        to_main(w.host_ring, r.host, r.host_count, w.stats.host_dropped);
    }
    if (r.miss_count != 0) {
        MissElem elems[kMaxBurst];
        for (uint16_t i = 0; i < r.miss_count; ++i) {
            elems[i].miss = r.miss[i];
        }
        // A full ring loses only a resolution hint; the next packet repeats it.
        rte_ring_enqueue_burst_elem(w.miss_ring, elems, sizeof(MissElem), r.miss_count,
                                       nullptr);
    }
    if (r.drop_count != 0) {
        rte_pktmbuf_free_bulk(r.drop, r.drop_count);
    }
}

}  // namespace

unsigned worker_poll_once(Worker& w, const Snapshot& snap) {
    ForwardContext ctx;
    ctx.relays = w.relays;
    ctx.locals = &snap.locals;
    ctx.neighbours = &snap.neighbours;
    ctx.lists = &snap.lists;
    ctx.debug_mask = snap.debug_mask;
    ctx.relatch_after_tsc = snap.relatch_after_tsc;
    ctx.host = w.host;

    unsigned received = 0;
    rte_mbuf* pkts[kMaxBurst];
    for (unsigned p = 0; p < w.port_count; ++p) {
        const uint16_t n =
            rte_eth_rx_burst(w.ports[p], static_cast<uint16_t>(w.index), pkts, w.burst);
        if (n != 0) {
            // Not every PMD stamps the input port (net_ring does not); the
            // exception path answers on it.
            for (uint16_t i = 0; i < n; ++i) {
                pkts[i]->port = w.ports[p];
            }
            handle_burst(w, ctx, pkts, n);
            received += n;
        }
    }
    if (w.main_tx_ring != nullptr) {
        const unsigned n = rte_ring_dequeue_burst(
            w.main_tx_ring, reinterpret_cast<void**>(pkts), kMaxBurst, nullptr);
        if (n != 0) {
            transmit_by_port(w, pkts, static_cast<uint16_t>(n));
        }
    }
    ++w.stats.loops;
    return received;
}

int worker_main(void* arg) {
    Worker& w = *static_cast<Worker*>(arg);
    urcu_qsbr_register_thread();
    unsigned empty = 0;
    while (!w.stop->load(std::memory_order_relaxed)) {
        const Snapshot* snap = w.snapshot->current();
        const unsigned received = worker_poll_once(w, *snap);
        urcu_qsbr_quiescent_state();
        if (received != 0) {
            empty = 0;
        } else if (++empty >= kEmptyPollsBeforeSleep && w.idle_sleep_us != 0) {
            urcu_qsbr_thread_offline();
            usleep(w.idle_sleep_us);
            urcu_qsbr_thread_online();
            ++w.stats.sleeps;
        }
    }
    urcu_qsbr_unregister_thread();
    return 0;
}

}  // namespace mg::dataplane
