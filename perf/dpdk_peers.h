// The DPDK peers of the lists benchmark: rte_fib (DIR24_8) and rte_lpm for IPv4,
// rte_fib6 (TRIE) and rte_lpm6 for IPv6, each filled with the CIDR prefixes of a
// compiled list (next hop 1; the default, 0, means "not in the list").
//
// Single-threaded, benchmark-only code; nothing outside perf/ includes DPDK.
// Every peer answers 0/1 for a key, like AddressList::contains_*, so that the
// benchmark can compare answers and sums directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lists/address.h"
#include "perf/list_gen.h"

namespace mg::perf {

inline constexpr size_t kBurst = 32;  // keys per batched call: the dataplane burst size

// ---- EAL -------------------------------------------------------------------------

struct EalOptions {
    bool allow_hugepages = true;   // use hugepages when the machine has enough free
    bool avx512 = false;           // let DPDK pick its AVX-512 lookups (default: off)
    int no_huge_megabytes = 3072;  // DPDK memory (-m) when running without hugepages
};

struct EalInfo {
    bool hugepages = false;
    std::string memory;  // how DPDK memory was set up, for the report
    std::string args;    // the EAL command line used
    std::string version;
};

// Initialises the EAL once for the process (lcore 0, no PCI, private file prefix,
// in-memory) and exits with a message when it cannot.
EalInfo init_eal(const char* argv0, const EalOptions& options);
void cleanup_eal();
// Removes the EAL's (empty) runtime directory, for exits that skip cleanup_eal().
void remove_eal_runtime_dir();

// ---- keys ------------------------------------------------------------------------

// Lookup keys in the forms the structures take: host order for ours and the IPv4
// peers, network-order byte arrays for the IPv6 peers (converted before timing).
struct Keys4 {
    std::vector<uint32_t> host;
    size_t size() const { return host.size(); }
};

struct Keys6 {
    explicit Keys6(std::vector<lists::Uint128> keys);
    std::vector<lists::Uint128> host;
    std::unique_ptr<uint8_t[][16]> net;
    size_t size() const { return host.size(); }
};

// ---- peers -----------------------------------------------------------------------

// One built peer. The run_* functions make one pass over all keys (the count must
// be a multiple of kBurst) and return the number of keys found in the list.
template <typename KeySet>
class Peer {
  public:
    virtual ~Peer() = default;
    virtual uint64_t run_single(const KeySet& keys) const = 0;
    virtual uint64_t run_batch(const KeySet& keys) const = 0;
    // out[i] = 0/1 answer for keys[i] (batched calls).
    virtual void answers(const KeySet& keys, uint8_t* out) const = 0;
};

using Peer4 = Peer<Keys4>;
using Peer6 = Peer<Keys6>;

enum class PeerKind { kRteFib, kRteLpm, kRteFib6, kRteLpm6 };
const char* peer_name(PeerKind kind);

template <typename KeySet>
struct PeerBuild {
    std::unique_ptr<Peer<KeySet>> peer;  // null: the peer cannot hold the list
    std::string error;                   // why not
    std::string config;                  // what was created (nh size, tbl8 groups, ...)
    double build_ms = 0;                 // create + add every prefix
    size_t bytes = 0;                    // DPDK heap bytes held by the structure
};

// Creates and fills a peer from the prefixes (host order, ascending). Sizes the
// tables to what the list needs; never crashes on a list a peer cannot hold.
PeerBuild<Keys4> build_peer4(PeerKind kind, std::span<const Prefix4> prefixes);
PeerBuild<Keys6> build_peer6(PeerKind kind, std::span<const Prefix6> prefixes);

}  // namespace mg::perf
