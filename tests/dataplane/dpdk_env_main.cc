// Test main for the dataplane tests that need the EAL (see dpdk_env.h).
#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <gtest/gtest.h>

#include "dataplane/dataplane.h"
#include "tests/dataplane/dpdk_env.h"

#include <unistd.h>

namespace mg::dataplane::test {
namespace {

rte_mempool* g_pool = nullptr;

}  // namespace

rte_mempool* mbuf_pool() {
    return g_pool;
}

rte_mbuf* make_mbuf(const Bytes& frame, int headroom) {
    rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
    EXPECT_NE(m, nullptr);
    if (m == nullptr) {
        return nullptr;
    }
    if (headroom >= 0) {
        m->data_off = static_cast<uint16_t>(headroom);
    }
    char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
    EXPECT_NE(data, nullptr);
    if (data == nullptr) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    std::copy(frame.begin(), frame.end(), data);
    return m;
}

Bytes mbuf_bytes(const rte_mbuf* m) {
    Bytes out(rte_pktmbuf_pkt_len(m));
    const void* p = rte_pktmbuf_read(m, 0, static_cast<uint32_t>(out.size()), out.data());
    if (p != out.data()) {
        std::copy_n(static_cast<const uint8_t*>(p), out.size(), out.begin());
    }
    return out;
}

}  // namespace mg::dataplane::test

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    std::string prefix = "--file-prefix=mgtest" + std::to_string(getpid());
    std::vector<std::string> args = {
        "mg_dataplane_test",   "--no-huge", "-m", "256", "--no-pci", prefix,
        "--log-level=*:error",
        // Lcore 0 (main) and one worker lcore, floating over the machine's CPUs.
        "--lcores=(0-1)@(0-" + std::to_string(std::max(1u, std::thread::hardware_concurrency()) - 1) +
            ")"};
    std::vector<char*> argv_eal;
    for (std::string& a : args) {
        argv_eal.push_back(a.data());
    }
    const bool eal_ok = rte_eal_init(static_cast<int>(argv_eal.size()), argv_eal.data()) >= 0;
    if (eal_ok) {
        mg::dataplane::test::g_pool =
            rte_pktmbuf_pool_create("mgtest", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    }
    if (mg::dataplane::test::g_pool == nullptr) {
        std::fprintf(stderr, "EAL unavailable (%s): EAL tests are skipped\n",
                     eal_ok ? "no mbuf pool" : "rte_eal_init failed");
    }
    const int rc = RUN_ALL_TESTS();
    if (eal_ok) {
        const std::string runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        mg::dataplane::remove_eal_runtime_dir(runtime_dir);
    }
    return rc;
}
