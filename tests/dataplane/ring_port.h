// net_ring ports for in-process Dataplane tests: the test enqueues frames on the
// port's RX ring and dequeues what the Dataplane transmitted from its TX ring.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include <rte_eth_ring.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tests/dataplane/dpdk_env.h"
#include "tests/dataplane/frame_builder.h"

namespace mg::dataplane::test {

struct RingPort {
    rte_ring* rx = nullptr;  // we enqueue, the PMD's RX reads
    rte_ring* tx = nullptr;  // the PMD's TX writes, we dequeue
    uint16_t port_id = 0;
};

// Creates the device "net_ring_" + name (its name in a config's `device`).
inline bool make_ring_port(const char* name, RingPort& p) {
    const std::string base(name);
    p.rx = rte_ring_create((base + "_rx").c_str(), 4096, SOCKET_ID_ANY, 0);
    p.tx = rte_ring_create((base + "_tx").c_str(), 4096, SOCKET_ID_ANY, 0);
    if (p.rx == nullptr || p.tx == nullptr) {
        return false;
    }
    const int id = rte_eth_from_rings(name, &p.rx, 1, &p.tx, 1, SOCKET_ID_ANY);
    if (id < 0) {
        return false;
    }
    p.port_id = static_cast<uint16_t>(id);
    return true;
}

inline void drain(rte_ring* r) {
    void* m = nullptr;
    while (rte_ring_dequeue(r, &m) == 0) {
        rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
}

inline bool inject(RingPort& p, const Bytes& frame) {
    rte_mbuf* m = make_mbuf(frame);
    return m != nullptr && rte_ring_enqueue(p.rx, m) == 0;
}

// Everything the port transmitted since the last call, oldest first.
inline std::vector<Bytes> sent(RingPort& p) {
    std::vector<Bytes> out;
    void* m = nullptr;
    while (rte_ring_dequeue(p.tx, &m) == 0) {
        out.push_back(mbuf_bytes(static_cast<rte_mbuf*>(m)));
        rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
    return out;
}

inline Mac mac_of(const rte_ether_addr& a) {
    Mac m;
    std::memcpy(m.data(), a.addr_bytes, 6);
    return m;
}

}  // namespace mg::dataplane::test
