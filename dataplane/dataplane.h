// Dataplane: one running mediagate-dataplane (or an in-process test instance).
//
// Owns the DPDK ports, the relay table, the RCU snapshot, the rings between the
// workers and the main lcore, the neighbour table and the workers themselves.
// The main lcore (the thread that calls everything here) applies channel
// requests (handle_message), runs the exception path, neighbour resolution and
// the host's TAPs (poll_main) and reports idle legs (idle_events). Workers only
// poll.
//
// The host's traffic (a port with `tap`, docs/dataplane.md "The host's traffic"):
// frames a worker sorts into BurstResult::host, and ARP / ND frames the exception
// path did not answer, are written to the port's TAP unchanged; what the host
// writes to the TAP leaves through the port unchanged (worker 0 transmits it,
// like the main lcore's own frames). Both ways pass through bounded rings: a
// flood for the host is dropped and counted, and no worker waits for the host;
// frames from the host may fill half of the main lcore's ring to worker 0 at
// most, so ARP / ND answers always find room.
//
// Threads: every member is called by the main lcore; the workers run
// worker_main on their own lcores between start() and stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "common/result.h"
#include "configs/config.h"
#include "dataplane/api/channel.h"
#include "dataplane/exception.h"
#include "dataplane/neighbour.h"
#include "dataplane/ports.h"
#include "dataplane/relay_table.h"
#include "dataplane/snapshot.h"
#include "dataplane/worker_dp.h"

namespace mg::dataplane {

// A log line on stderr, journald style ("<6>dataplane: ..."). Cold.
void log_line(int priority, std::string_view message);
inline constexpr int kLogError = 3;
inline constexpr int kLogWarning = 4;
inline constexpr int kLogInfo = 6;

// Cold. Removes the EAL's runtime directory (/var/run/dpdk/<file-prefix>: config,
// mp_socket, telemetry socket), which rte_eal_cleanup() leaves behind; `dir` is
// rte_eal_get_runtime_dir() read before the cleanup. mediagate runs no secondary
// processes, so nothing else uses it.
void remove_eal_runtime_dir(const std::string& dir);

class Dataplane {
  public:
    // After rte_eal_init. Opens the configured ports, builds the first snapshot
    // (local addresses, no lists yet), the relay table and the rings. Errors name
    // the port or resource.
    static Result<std::unique_ptr<Dataplane>> create(const configs::Config& config);
    ~Dataplane();  // stops workers and ports
    Dataplane(const Dataplane&) = delete;
    Dataplane& operator=(const Dataplane&) = delete;

    // Launches one worker per configured worker on the EAL's worker lcores.
    // Error: fewer worker lcores than workers.
    Result<void> start();
    // Stops the workers (waits for them) and the ports. Idempotent.
    void stop();
    bool running() const { return running_; }

    // Announces the local addresses: gratuitous ARP and unsolicited NA.
    void announce();

    // Main lcore housekeeping; returns how much work it did (0 = idle).
    // now_ms: a monotonic clock in milliseconds.
    unsigned poll_main(uint64_t now_ms);

    // One request from the channel; appends the reply messages to `out`. Sets
    // `close` when the connection must be closed after sending (version mismatch).
    // `client` tells the connections apart (the channel's descriptor): a lists push
    // (ListsBegin .. ListsCommit) belongs to the client that began it.
    void handle_message(std::span<const uint8_t> request,
                        std::vector<std::vector<uint8_t>>& out,
                        bool& close,
                        int client = 0);
    // A client went away: a lists push it left open is abandoned.
    void client_gone(int client);
    // An open lists push that has seen no message for this long is taken over by
    // another client's ListsBegin (its client is alive but stuck).
    static constexpr uint64_t kListsPushIdleMs = 10000;
    void set_lists_push_idle_ms_for_test(uint64_t ms) { lists_push_idle_ms_ = ms; }

    // Legs silent for at least the idle threshold ([media] silence_timeout_s),
    // each reported once until it gets traffic again; empty when none. Call about
    // once a second. forget_reported(): a new control connected, report again.
    std::vector<std::vector<uint8_t>> idle_events(uint64_t now_ms);
    void forget_reported();

    // TSC cycles as milliseconds, without overflow (x * 1000 first would wrap
    // after 2^64 / 1000 cycles: 71 days at 3 GHz).
    static uint64_t tsc_to_ms(uint64_t tsc);
    // Counters summed over the workers and the main lcore.
    api::StatsBody stats() const;
    uint64_t instance() const { return instance_; }
    const std::vector<OpenPort>& ports() const { return ports_; }
    const RelayTable& relays() const { return relays_; }
    const Snapshot& snapshot() const { return snapshot_.latest(); }
    // For tests: the workers (not launched) to call worker_poll_once by hand.
    std::vector<Worker>& workers_for_test() { return workers_; }
    rte_mempool* pool() const { return pool_; }

  private:
    Dataplane(const configs::Config& config,
              std::vector<OpenPort> ports,
              LocalAddressTable locals,
              rte_mempool* pool);

    // Requests (dataplane_channel.cc).
    void on_hello(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out, bool& close);
    void on_lists(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out, int client);
    void abandon_lists();
    // After new lists are published: every leg whose signalled or learned peer went
    // into or out of the Debug list is published anew with its mark changed
    // (RelayTable::remark: latch, counters and idle state kept). Logged when any did.
    void remark_debug_legs();
    void on_add_legs(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out);
    void on_del_legs(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out);
    void on_query_legs(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out);
    void on_dump(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out);
    void on_stats(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out);
    void on_emit(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out);
    api::LegInfo leg_info(const Leg& leg, uint64_t now_tsc) const;

    // Main lcore (dataplane.cc).
    void publish(std::unique_ptr<Snapshot> next);
    void republish_neighbours();
    unsigned drain_exceptions(uint64_t now_ms);
    unsigned drain_misses(uint64_t now_ms);
    unsigned drain_host();  // host_ring_ -> the TAPs
    unsigned poll_taps();   // the TAPs -> their ports
    // Writes a frame that arrived on m->port to that port's TAP, or frees it
    // (no TAP, or the TAP refused it: counted).
    void to_host(rte_mbuf* m);
    // An ARP request / NS for `next_hop` from local address `local_index`, when the
    // neighbour table says so: for a miss (the entry is needed from then on), or
    // a `reprobe` that expire() asked for (the entry keeps its origin).
    void solicit(const IpAddr& next_hop, uint16_t local_index, uint64_t now_ms, bool reprobe);
    // Queues a frame built on the main lcore (or read from a TAP) for worker 0 to
    // transmit; a full ring frees it and counts it in `dropped` (main_tx_dropped_
    // when not given).
    bool send_from_main(rte_mbuf* m, uint64_t* dropped = nullptr);
    uint64_t ms_to_tsc(uint64_t ms) const;
    // Leg::idle_mark's time: quarter seconds since the start, rounded down.
    uint32_t idle_ticks(uint64_t tsc) const;

    configs::Config config_;
    std::vector<OpenPort> ports_;
    std::vector<size_t> local_port_index_;  // local address index -> index in ports_
    rte_mempool* pool_;
    RelayTable relays_;
    SnapshotPublisher snapshot_;
    NeighbourTable neighbours_;
    uint64_t neighbour_generation_ = 0;
    ExceptionCounters exception_counters_;
    std::vector<Worker> workers_;
    rte_ring* exception_ring_ = nullptr;  // shared by the workers: multi-producer
    rte_ring* miss_ring_ = nullptr;
    rte_ring* main_tx_ring_ = nullptr;
    HostPorts host_ports_;                 // read by the workers: set before they start
    rte_ring* host_ring_ = nullptr;        // workers -> main; nullptr without TAPs
    uint64_t to_host_ = 0;                 // frames written to a TAP
    uint64_t from_host_ = 0;               // frames read from a TAP, sent on the port
    uint64_t host_dropped_ = 0;            // a TAP refused a frame
    std::atomic<bool> stop_{false};
    bool running_ = false;
    bool ports_open_ = true;
    uint64_t instance_ = 0;
    uint64_t started_tsc_ = 0;
    uint64_t main_tx_dropped_ = 0;
    uint64_t emitted_ = 0;
    uint64_t last_age_ms_ = 0;

    // Lists being received (ListsBegin .. ListsCommit).
    bool lists_open_ = false;
    int lists_client_ = -1;  // the client whose push is open
    uint64_t lists_touched_tsc_ = 0;  // its last message
    uint64_t lists_push_idle_ms_ = kListsPushIdleMs;
    std::vector<lists::AddressSet> staging_;
    size_t staging_ranges_ = 0;
    uint32_t lists_generation_ = 0;
    uint32_t list_ranges_[4] = {};
};

}  // namespace mg::dataplane
