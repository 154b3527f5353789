// Snapshot: everything a worker reads besides the relay table, immutable and
// published by pointer (DESIGN.md "The packet path", CONVENTIONS.md "Hot path").
//
// The main lcore builds a new Snapshot for every change (lists, neighbours,
// settings), publishes it with rcu_assign_pointer and frees the old one after an
// RCU grace period (liburcu QSBR). Workers call current() once per poll loop and
// report a quiescent state (urcu_qsbr_quiescent_state) at the end of each loop, so
// a replacement never stops them and no packet is lost.
//
// Threads: SnapshotPublisher::publish/synchronize are called by the main lcore
// only (one writer), which is not an RCU reader. current() is hot, called by
// registered worker threads.
#pragma once

#include <cstdint>
#include <memory>

#include <urcu/urcu-qsbr.h>

#include "dataplane/local_addresses.h"
#include "dataplane/neighbour_map.h"
#include "lists/classifier.h"

namespace mg::dataplane {

struct Snapshot {
    LocalAddressTable locals;
    NeighbourMap neighbours;
    lists::Classifier lists;     // one bit per api::ListId (lan, client, nated, debug)
    uint32_t debug_mask = 0;     // the Debug list's bit in `lists`
    uint32_t lists_generation = 0;
    uint64_t relatch_after_tsc = 0;

    // What is derived from the fields above, recomputed by SnapshotPublisher
    // for every snapshot it publishes (so it can never be stale).
    void derive() { locals.cache_gateway_macs(neighbours); }
};

class SnapshotPublisher {
  public:
    explicit SnapshotPublisher(std::unique_ptr<Snapshot> first) : current_(first.release()) {
        current_->derive();
    }
    ~SnapshotPublisher() { delete current_; }  // no worker may be running
    SnapshotPublisher(const SnapshotPublisher&) = delete;
    SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

    // Hot, workers (registered RCU readers, online).
    const Snapshot* current() const { return rcu_dereference(current_); }

    // Main lcore. What the workers see now (the writer needs no RCU protection).
    const Snapshot& latest() const { return *current_; }

    // Main lcore. Publishes `next`, waits for a grace period (every online worker
    // passed a quiescent state; offline ones are skipped) and frees the old one.
    void publish(std::unique_ptr<Snapshot> next) {
        next->derive();
        Snapshot* old = current_;
        rcu_assign_pointer(current_, next.release());
        urcu_qsbr_synchronize_rcu();
        delete old;
    }

  private:
    Snapshot* current_;
};

}  // namespace mg::dataplane
