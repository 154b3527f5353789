// The EAL for the dataplane tests: dpdk_env_main.cc initialises it once
// (--no-huge, no PCI, a private file prefix) and makes one mbuf pool. Tests
// that need mbufs call MG_REQUIRE_EAL() first and are skipped when the machine
// cannot start the EAL.
#pragma once

#include <rte_mbuf.h>

#include <gtest/gtest.h>

#include "tests/dataplane/frame_builder.h"

namespace mg::dataplane::test {

rte_mempool* mbuf_pool();  // nullptr when the EAL did not start

// A single-segment mbuf holding `frame` (with `headroom` bytes in front; -1 =
// the pool's default), or a test failure.
rte_mbuf* make_mbuf(const Bytes& frame, int headroom = -1);
// The bytes of a (possibly segmented) mbuf.
Bytes mbuf_bytes(const rte_mbuf* m);

}  // namespace mg::dataplane::test

#define MG_REQUIRE_EAL()                                                    \
    do {                                                                    \
        if (::mg::dataplane::test::mbuf_pool() == nullptr) {                \
            GTEST_SKIP() << "the DPDK EAL could not start on this machine"; \
        }                                                                   \
    } while (0)
