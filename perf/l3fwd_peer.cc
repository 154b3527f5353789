// The l3fwd-style and MAC-swap peers of the dataplane benchmark (see
// l3fwd_peer.h). Hot path: the forward_burst() members and mac_swap_burst().
#include "perf/l3fwd_peer.h"

#include <cstring>
#include <unordered_set>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

namespace mg::perf {
namespace {

constexpr uint16_t kEthLen = 14;
constexpr uint16_t kIpv4Len = 20;
constexpr uint16_t kIpv6Len = 40;

// Unique object names (DPDK derives memzone names from them).
std::string next_name(const char* stem) {
    static unsigned counter = 0;
    return std::string(stem) + std::to_string(counter++);
}

int socket() {
    return static_cast<int>(rte_socket_id());
}

// RFC 1624 eqn. 3 on host-order values: the checksum `hc` after a 16-bit word
// of the summed data changed from `m` to `m2`.
inline uint16_t csum_update16(uint16_t hc, uint16_t m, uint16_t m2) {
    uint32_t sum = static_cast<uint16_t>(~hc);
    sum += static_cast<uint16_t>(~m);
    sum += m2;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// The RFC 1812 checks l3fwd makes before routing an IPv4 packet (section 5.2.2:
// length, version, IHL, total length), plus a TTL that survives the decrement
// (it would send ICMP Time Exceeded; here the packet is dropped).
inline bool ipv4_routable(const rte_ipv4_hdr* ip, uint32_t l3_len) {
    if (l3_len < kIpv4Len || (ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0x0f) < 5) {
        return false;
    }
    const uint16_t total = rte_be_to_cpu_16(ip->total_length);
    return total >= (ip->version_ihl & 0x0f) * 4u && total <= l3_len && ip->time_to_live > 1;
}

inline bool ipv6_routable(const rte_ipv6_hdr* ip, uint32_t l3_len) {
    return l3_len >= kIpv6Len && (rte_be_to_cpu_32(ip->vtc_flow) >> 28) == 6 &&
           rte_be_to_cpu_16(ip->payload_len) <= l3_len - kIpv6Len && ip->hop_limits > 1;
}

inline void rewrite_l2(rte_mbuf* m, rte_ether_hdr* eth, const PortMacs& macs, uint16_t port) {
    rte_ether_addr_copy(&macs.next_hop[port], &eth->dst_addr);
    rte_ether_addr_copy(&macs.ours[port], &eth->src_addr);
    m->port = port;
}

// Bytes of the DPDK heap in use on our socket.
size_t heap_bytes() {
    rte_malloc_socket_stats stats{};
    return rte_malloc_get_socket_stats(socket(), &stats) == 0 ? stats.heap_allocsz_bytes : 0;
}

}  // namespace

// ---- IPv4 ----------------------------------------------------------------------

L3fwd4::L3fwd4(rte_lpm* lpm, const PortMacs& macs, uint32_t tbl8s, std::string config)
    : lpm_(lpm), macs_(macs), tbl8s_(tbl8s), config_(std::move(config)) {}

L3fwd4::~L3fwd4() {
    rte_lpm_free(lpm_);
}

std::unique_ptr<L3fwd4> L3fwd4::create(std::span<const Route4> routes,
                                       const PortMacs& macs,
                                       Fill fill,
                                       std::string& error) {
    // One tbl8 group per /24 holding a longer route, as rte_lpm_add uses them.
    std::unordered_set<uint32_t> tbl8_blocks;
    for (const Route4& r : routes) {
        if (r.len == 0 || r.len > 32 || r.port >= kPeerPorts) {
            error = "invalid route";
            return nullptr;
        }
        if (fill == Fill::kDirectTbl24 && r.len != 24) {
            error = "a direct tbl24 fill takes /24 routes only";
            return nullptr;
        }
        if (r.len > 24) {
            tbl8_blocks.insert(r.prefix >> 8);
        }
    }
    rte_lpm_config cfg{};
    cfg.max_rules = fill == Fill::kAdd ? static_cast<uint32_t>(routes.size()) : 1;
    cfg.number_tbl8s = std::max<uint32_t>(static_cast<uint32_t>(tbl8_blocks.size()), 256);
    const size_t heap_before = heap_bytes();
    rte_lpm* lpm = rte_lpm_create(next_name("mgdpl").c_str(), socket(), &cfg);
    if (lpm == nullptr) {
        error = std::string("rte_lpm_create: ") + rte_strerror(rte_errno);
        return nullptr;
    }
    if (fill == Fill::kAdd) {
        for (const Route4& r : routes) {
            const int rc = rte_lpm_add(lpm, r.prefix, r.len, r.port);
            if (rc < 0) {
                rte_lpm_free(lpm);
                error = std::string("rte_lpm_add: ") + rte_strerror(-rc);
                return nullptr;
            }
        }
    } else {
        for (const Route4& r : routes) {
            rte_lpm_tbl_entry e{};
            e.next_hop = r.port;
            e.valid = 1;
            e.valid_group = 0;
            e.depth = 24;
            lpm->tbl24[r.prefix >> 8] = e;
        }
    }
    const size_t bytes = heap_bytes() - heap_before;
    std::string config = "rte_lpm, " + std::to_string(routes.size()) + " routes (" +
                         (fill == Fill::kAdd ? "rte_lpm_add" : "tbl24 written directly") +
                         "), max_rules " + std::to_string(cfg.max_rules) + ", number_tbl8s " +
                         std::to_string(cfg.number_tbl8s) + ", " + std::to_string(bytes / 1048576) +
                         " MiB";
    return std::unique_ptr<L3fwd4>(new L3fwd4(lpm, macs, cfg.number_tbl8s, std::move(config)));
}

PeerBurst L3fwd4::forward_burst(rte_mbuf* const* pkts, uint16_t n) const {
    PeerBurst r;
    uint32_t dst[kPeerMaxBurst];
    uint32_t hop[kPeerMaxBurst];
    bool ok[kPeerMaxBurst];

    for (uint16_t i = 0; i < n; ++i) {
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    }
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* m = pkts[i];
        const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
        const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(eth + 1);
        ok[i] = m->data_len >= kEthLen &&
                eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
                ipv4_routable(ip, m->data_len - kEthLen);
        dst[i] = ok[i] ? rte_be_to_cpu_32(ip->dst_addr) : 0;
    }
    rte_lpm_lookup_bulk(lpm_, dst, hop, n);
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        if (!ok[i] || (hop[i] & RTE_LPM_LOOKUP_SUCCESS) == 0) {
            r.drop[r.drop_count++] = m;
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
        // TTL is the high byte of the (TTL, protocol) word.
        const uint16_t before = static_cast<uint16_t>(ip->time_to_live << 8 | ip->next_proto_id);
        --ip->time_to_live;
        ip->hdr_checksum = rte_cpu_to_be_16(
            csum_update16(rte_be_to_cpu_16(ip->hdr_checksum), before, before - 0x0100));
        rewrite_l2(m, eth, macs_, static_cast<uint16_t>(hop[i] & 0x00ffffff));
        r.tx[r.tx_count++] = m;
    }
    return r;
}

int L3fwd4::lookup(uint32_t dst) const {
    uint32_t hop = 0;
    return rte_lpm_lookup(lpm_, dst, &hop) == 0 ? static_cast<int>(hop) : -1;
}

bool L3fwd4::same_lookup_tables(const L3fwd4& other) const {
    return tbl8s_ == other.tbl8s_ &&
           std::memcmp(lpm_->tbl24, other.lpm_->tbl24, sizeof lpm_->tbl24) == 0 &&
           std::memcmp(
               lpm_->tbl8, other.lpm_->tbl8,
               size_t{tbl8s_} * RTE_LPM_TBL8_GROUP_NUM_ENTRIES * sizeof(rte_lpm_tbl_entry)) == 0;
}

// ---- IPv6 ----------------------------------------------------------------------

L3fwd6::L3fwd6(rte_lpm6* lpm, const PortMacs& macs, std::string config)
    : lpm_(lpm), macs_(macs), config_(std::move(config)) {}

L3fwd6::~L3fwd6() {
    rte_lpm6_free(lpm_);
}

namespace {

struct Block6 {
    uint8_t len;
    uint8_t bytes[16];
    friend bool operator==(const Block6& a, const Block6& b) {
        return a.len == b.len && std::memcmp(a.bytes, b.bytes, 16) == 0;
    }
};
struct Block6Hash {
    size_t operator()(const Block6& b) const {
        uint64_t lo, hi;
        std::memcpy(&hi, b.bytes, 8);
        std::memcpy(&lo, b.bytes + 8, 8);
        return std::hash<uint64_t>{}(hi * 0x9e3779b97f4a7c15ull ^ lo ^ b.len);
    }
};

}  // namespace

std::unique_ptr<L3fwd6> L3fwd6::create(std::span<const Route6> routes,
                                       const PortMacs& macs,
                                       std::string& error) {
    // rte_lpm6 takes one tbl8 group per distinct byte-aligned ancestor (/24, /32,
    // ...) of a longer route (what its simulate_add counts).
    std::unordered_set<Block6, Block6Hash> groups;
    for (const Route6& r : routes) {
        if (r.len == 0 || r.len > 128 || r.port >= kPeerPorts) {
            error = "invalid route";
            return nullptr;
        }
        for (unsigned l = 24; l < r.len; l += 8) {
            Block6 b{static_cast<uint8_t>(l), {}};
            std::memcpy(b.bytes, r.prefix, l / 8);
            groups.insert(b);
        }
    }
    rte_lpm6_config cfg{};
    cfg.max_rules = static_cast<uint32_t>(routes.size());
    cfg.number_tbl8s = static_cast<uint32_t>(groups.size()) + 16;
    const size_t heap_before = heap_bytes();
    rte_lpm6* lpm = rte_lpm6_create(next_name("mgdpl6").c_str(), socket(), &cfg);
    if (lpm == nullptr) {
        error = std::string("rte_lpm6_create: ") + rte_strerror(rte_errno);
        return nullptr;
    }
    for (const Route6& r : routes) {
        uint8_t prefix[16];
        std::memcpy(prefix, r.prefix, 16);
        const int rc = rte_lpm6_add(lpm, prefix, r.len, r.port);
        if (rc < 0) {
            rte_lpm6_free(lpm);
            error = std::string("rte_lpm6_add: ") + rte_strerror(-rc);
            return nullptr;
        }
    }
    const size_t bytes = heap_bytes() - heap_before;
    std::string config =
        "rte_lpm6, " + std::to_string(routes.size()) + " routes (rte_lpm6_add), number_tbl8s " +
        std::to_string(cfg.number_tbl8s) + ", " + std::to_string(bytes / 1048576) + " MiB";
    return std::unique_ptr<L3fwd6>(new L3fwd6(lpm, macs, std::move(config)));
}

PeerBurst L3fwd6::forward_burst(rte_mbuf* const* pkts, uint16_t n) const {
    PeerBurst r;
    uint8_t dst[kPeerMaxBurst][RTE_LPM6_IPV6_ADDR_SIZE];
    int32_t hop[kPeerMaxBurst];
    bool ok[kPeerMaxBurst];

    for (uint16_t i = 0; i < n; ++i) {
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    }
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* m = pkts[i];
        const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
        const auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(eth + 1);
        ok[i] = m->data_len >= kEthLen &&
                eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
                ipv6_routable(ip, m->data_len - kEthLen);
        if (ok[i]) {
            std::memcpy(dst[i], ip->dst_addr, RTE_LPM6_IPV6_ADDR_SIZE);
        } else {
            std::memset(dst[i], 0, RTE_LPM6_IPV6_ADDR_SIZE);
        }
    }
    rte_lpm6_lookup_bulk_func(lpm_, dst, hop, n);
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        if (!ok[i] || hop[i] < 0) {
            r.drop[r.drop_count++] = m;
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        auto* ip = reinterpret_cast<rte_ipv6_hdr*>(eth + 1);
        --ip->hop_limits;
        rewrite_l2(m, eth, macs_, static_cast<uint16_t>(hop[i]));
        r.tx[r.tx_count++] = m;
    }
    return r;
}

int L3fwd6::lookup(const uint8_t* dst) const {
    uint8_t ip[16];
    std::memcpy(ip, dst, 16);
    uint32_t hop = 0;
    return rte_lpm6_lookup(lpm_, ip, &hop) == 0 ? static_cast<int>(hop) : -1;
}

// ---- MAC swap ------------------------------------------------------------------

PeerBurst mac_swap_burst(rte_mbuf* const* pkts, uint16_t n) {
    PeerBurst r;
    for (uint16_t i = 0; i < n; ++i) {
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    }
    for (uint16_t i = 0; i < n; ++i) {
        auto* eth = rte_pktmbuf_mtod(pkts[i], rte_ether_hdr*);
        const rte_ether_addr was_dst = eth->dst_addr;
        rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
        rte_ether_addr_copy(&was_dst, &eth->src_addr);
        r.tx[r.tx_count++] = pkts[i];
    }
    return r;
}

}  // namespace mg::perf
