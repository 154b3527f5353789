// RelayTable: every leg, found by (local address index, UDP port).
//
// Direct-indexed, not hashed: per local address 256 blocks of 256 ports; a block
// (256 pointers, 2 KiB) is allocated the first time one of its ports gets a leg
// and lives as long as the table, so a lookup is two dependent loads.
//
// Memory: legs live in slabs of kLegsPerSlab at sizeof(Leg) stride (no allocator
// header per leg); a freed leg goes on a free list for the next add, slabs stay
// until the table goes. With a block's ports in use, a leg costs sizeof(Leg) + 8
// (its slot) = 120 bytes; bytes() tells what the table holds.
//
// Threads: find() is the hot-path call of every worker lcore (no locks, no
// allocation). Every other member is cold and is called by one control-facing
// lcore only (a single writer). A change publishes a new Leg pointer with
// __atomic_store_n(..., __ATOMIC_RELEASE); the Leg it replaces is retired, not
// freed. Until the RCU snapshot lands (DESIGN.md "Snapshot"), the owner calls
// reclaim_retired() once every worker has passed a quiescent state since the
// change; with liburcu QSBR that becomes synchronize_rcu() + reclaim.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/result.h"
#include "dataplane/leg.h"

namespace mg::dataplane {

class RelayTable {
  public:
    static constexpr uint32_t kPortsPerBlock = 256;
    static constexpr uint32_t kBlocksPerAddress = 65536 / kPortsPerBlock;

    // local_addresses: how many local address indexes exist (LocalAddressTable
    // size); max_legs: the configured bound on published legs.
    RelayTable(uint16_t local_addresses, uint32_t max_legs);
    ~RelayTable();  // frees everything; no worker may be running
    RelayTable(const RelayTable&) = delete;
    RelayTable& operator=(const RelayTable&) = delete;

    // Hot. The leg at (local_addr_index, port), or nullptr.
    Leg* find(uint16_t local_addr_index, uint16_t port) const {
        if (local_addr_index >= local_addresses_) {
            return nullptr;
        }
        const Block* block = __atomic_load_n(
            &blocks_[static_cast<size_t>(local_addr_index) * kBlocksPerAddress + (port >> 8)],
            __ATOMIC_ACQUIRE);
        if (block == nullptr) {
            return nullptr;
        }
        return __atomic_load_n(&block->legs[port & 0xff], __ATOMIC_ACQUIRE);
    }

    // Hot. Prefetches the slot find(local_addr_index, port) reads.
    void prefetch_slot(uint16_t local_addr_index, uint16_t port) const {
        if (local_addr_index >= local_addresses_) {
            return;
        }
        const Block* block =
            blocks_[static_cast<size_t>(local_addr_index) * kBlocksPerAddress + (port >> 8)];
        if (block != nullptr) {
            __builtin_prefetch(&block->legs[port & 0xff]);
        }
    }

    // Cold. Publishes a copy of `leg` at its (local_addr_index, local_port); the
    // worker-written fields are reset. Errors: kInvalidInput (index out of range,
    // port 0, slot taken), kLimit (max_legs reached).
    Result<void> add(const Leg& leg);
    // Cold. Publishes a copy of `leg` in place of the leg at the same key, keeping
    // its counters (increments landing on the old leg during the swap are lost)
    // and idle_mark but not its latch: latching starts over ("re-latch by control"). Error:
    // kNotFound.
    Result<void> replace(const Leg& leg);
    // Cold. Publishes a copy of the leg at the key with control's `flags` and the
    // learned peer's debug mark judged by `learned_debug(peer)` (kLegDebug or 0),
    // keeping everything else: its latch (the learned peer as it stands when copied),
    // counters and idle_mark, as replace() does. A worker latching the old leg while
    // it is copied loses that latch: the copy latches again on the next packet (a
    // latched copy's silence is the old peer's). Errors: kNotFound; kLimit when every
    // one of the copy's tries saw a worker re-latch the leg (nothing changed).
    Result<void> remark(uint16_t local_addr_index,
                        uint16_t port,
                        uint8_t flags,
                        const std::function<uint8_t(const IpAddr&)>& learned_debug);
    // Cold. Unpublishes the leg at the key. Error: kNotFound.
    Result<void> remove(uint16_t local_addr_index, uint16_t port);

    // Cold, owner only. Calls fn(const Leg&) for every published leg, in key order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        visit(*this, fn);
    }
    // Cold, owner only: the same with fn(Leg&), for the owner's own fields
    // (idle_mark); a worker-written or immutable field must not be written.
    template <typename Fn>
    void for_each_owned(Fn&& fn) {
        visit(*this, fn);
    }

    size_t size() const { return size_; }
    uint32_t max_legs() const { return max_legs_; }
    size_t retired() const { return retired_.size(); }
    // Bytes the table holds: slabs, blocks and the block index.
    size_t bytes() const;
    // Cold. Frees the retired legs: only after every worker has passed a
    // quiescent state since they were retired.
    void reclaim_retired();

    static constexpr uint32_t kLegsPerSlab = 1024;  // 112 KiB

  private:
    // Publishes `copy` in slot `s` with the current leg's counters and idle_mark,
    // and retires the current leg.
    void publish_in_place(Leg** s, const Leg& copy);
    struct Block {
        Leg* legs[kPortsPerBlock] = {};
    };
    template <typename Table, typename Fn>
    static void visit(Table& table, Fn& fn) {
        const size_t blocks = static_cast<size_t>(table.local_addresses_) * kBlocksPerAddress;
        for (size_t b = 0; b < blocks; ++b) {
            Block* block = table.blocks_[b];
            if (block == nullptr) {
                continue;
            }
            for (Leg* leg : block->legs) {
                if (leg != nullptr) {
                    fn(*leg);
                }
            }
        }
    }
    Leg** slot(uint16_t local_addr_index, uint16_t port, bool create);
    // A leg from the free list (a new slab when it is empty), a copy of `leg`.
    Leg* allocate(const Leg& leg);
    void release(Leg* leg);  // back on the free list

    uint16_t local_addresses_;
    uint32_t max_legs_;
    size_t size_ = 0;
    Block** blocks_;  // local_addresses_ * kBlocksPerAddress, published by pointer
    size_t block_count_ = 0;
    std::vector<Leg*> slabs_;  // each kLegsPerSlab legs, 64-byte aligned
    Leg* free_ = nullptr;      // linked through the first bytes of the free legs
    std::vector<Leg*> retired_;
};

}  // namespace mg::dataplane
