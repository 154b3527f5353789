// Dataplane: life cycle and the main lcore's housekeeping (see dataplane.h).
// Cold path.
#include "dataplane/dataplane.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/random.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

namespace mg::dataplane {
namespace {

constexpr unsigned kRingSize = 4096;
constexpr size_t kNeighbourEntries = 4096;
constexpr uint64_t kAgeEveryMs = 1000;

std::string unique_name(const char* what) {
    static unsigned counter = 0;
    return "mg_" + std::string(what) + "_" + std::to_string(getpid() % 100000) + "_" +
           std::to_string(counter++);
}

uint64_t random_instance() {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v) || v == 0) {
        v = rte_rdtsc() | 1;
    }
    return v;
}

// The packet pool, one per process: a stopped port may still hold mbufs in its
// queues (released only when the port is closed), so a pool is never freed; a
// later Dataplane in the same process (tests) reuses it when it is big enough.
Result<rte_mempool*> packet_pool(unsigned mbufs) {
    static rte_mempool* pool = nullptr;
    if (pool != nullptr && pool->size >= mbufs) {
        return pool;
    }
    rte_mempool* p = rte_pktmbuf_pool_create(unique_name("pool").c_str(), mbufs, 256, 0,
                                             RTE_MBUF_DEFAULT_BUF_SIZE,
                                             static_cast<int>(rte_socket_id()));
    if (p == nullptr) {
        return make_error(ErrorCode::kIo, "dataplane: cannot create a pool of " +
                                              std::to_string(mbufs) +
                                              " mbufs: " + rte_strerror(rte_errno) +
                                              " (EAL memory: -m, or hugepages)");
    }
    pool = p;
    return p;
}

}  // namespace

void remove_eal_runtime_dir(const std::string& dir) {
    if (dir.empty() || dir == "/") {
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

void log_line(int priority, std::string_view message) {
    std::fprintf(stderr, "<%d>dataplane: %.*s\n", priority, static_cast<int>(message.size()),
                 message.data());
    std::fflush(stderr);
}

Result<std::unique_ptr<Dataplane>> Dataplane::create(const configs::Config& config) {
    const auto& section = config.dataplane;
    if (section.ports.size() > kMaxPorts) {
        return make_error(ErrorCode::kLimit, "[dataplane] at most " + std::to_string(kMaxPorts) +
                                                 " ports");
    }
    const unsigned workers = section.workers;
    size_t taps = 0;
    for (const auto& p : section.ports) {
        taps += p.tap.empty() ? 0 : 1;
    }
    // RX and TX descriptors of every queue (a TAP has one pair), a burst in flight
    // per worker, the rings.
    const unsigned mbufs = static_cast<unsigned>(std::max<size_t>(
        8191, (section.ports.size() * workers + taps) * 2048 + 4 * kRingSize + 1024));
    auto pooled = packet_pool(mbufs);
    if (!pooled) {
        return pooled.error();
    }
    rte_mempool* pool = *pooled;
    auto ports = open_ports(section, workers, pool);
    if (!ports) {
        return ports.error();
    }
    auto locals = build_local_addresses(*ports);
    if (!locals) {
        close_ports(*ports);
        return locals.error();
    }
    std::unique_ptr<Dataplane> dp(new Dataplane(config, std::move(*ports), *locals, pool));
    dp->exception_ring_ = rte_ring_create(unique_name("exc").c_str(), kRingSize,
                                          static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
    dp->miss_ring_ = rte_ring_create_elem(unique_name("miss").c_str(), sizeof(MissElem),
                                          kRingSize, static_cast<int>(rte_socket_id()),
                                          RING_F_SC_DEQ);
    dp->main_tx_ring_ = rte_ring_create(unique_name("tx").c_str(), kRingSize,
                                        static_cast<int>(rte_socket_id()),
                                        RING_F_SP_ENQ | RING_F_SC_DEQ);
    for (const auto& p : dp->ports_) {
        if (!p.tap_device.empty()) {
            dp->host_ports_.mask |= uint64_t{1} << p.port_id;
            dp->host_ports_.mac[p.port_id] = p.mac;
            dp->host_ports_.tap[p.port_id] = p.tap_port_id;
        }
    }
    if (taps != 0) {
        dp->host_ring_ = rte_ring_create(unique_name("host").c_str(), kRingSize,
                                         static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
    }
    if (dp->exception_ring_ == nullptr || dp->miss_ring_ == nullptr ||
        dp->main_tx_ring_ == nullptr || (taps != 0 && dp->host_ring_ == nullptr)) {
        return make_error(ErrorCode::kIo,
                          std::string("dataplane: cannot create rings: ") + rte_strerror(rte_errno));
    }
    dp->workers_.resize(workers);
    for (unsigned i = 0; i < workers; ++i) {
        Worker& w = dp->workers_[i];
        w.index = i;
        for (const auto& p : dp->ports_) {
            w.ports[w.port_count++] = p.port_id;
        }
        w.relays = &dp->relays_;
        w.snapshot = &dp->snapshot_;
        w.exception_ring = dp->exception_ring_;
        w.miss_ring = dp->miss_ring_;
        w.main_tx_ring = i == 0 ? dp->main_tx_ring_ : nullptr;
        w.host = taps != 0 ? &dp->host_ports_ : nullptr;
        w.host_ring = dp->host_ring_;
        w.idle_sleep_us = section.idle_sleep_us;
        w.stop = &dp->stop_;
    }
    return dp;
}

Dataplane::Dataplane(const configs::Config& config,
                     std::vector<OpenPort> ports,
                     LocalAddressTable locals,
                     rte_mempool* pool)
    : config_(config),
      ports_(std::move(ports)),
      pool_(pool),
      relays_(std::max<uint16_t>(locals.size(), 1), config.dataplane.max_legs),
      snapshot_([&] {
          auto s = std::make_unique<Snapshot>();
          s->locals = locals;
          s->relatch_after_tsc = config.dataplane.relatch_after_s * rte_get_tsc_hz();
          return s;
      }()),
      neighbours_(kNeighbourEntries),
      instance_(random_instance()),
      started_tsc_(rte_rdtsc()) {
    for (uint16_t i = 0; i < locals.size(); ++i) {
        for (size_t p = 0; p < ports_.size(); ++p) {
            if (ports_[p].port_id == locals.at(i).port_id) {
                local_port_index_.push_back(p);
                break;
            }
        }
    }
}

Dataplane::~Dataplane() {
    stop();
    auto drain = [](rte_ring* r) {
        if (r == nullptr) {
            return;
        }
        void* m = nullptr;
        while (rte_ring_dequeue(r, &m) == 0) {
            rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
        }
        rte_ring_free(r);
    };
    drain(exception_ring_);
    drain(main_tx_ring_);
    drain(host_ring_);
    rte_ring_free(miss_ring_);
}

Result<void> Dataplane::start() {
    if (running_) {
        return {};
    }
    std::vector<unsigned> lcores;
    unsigned lcore = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        lcores.push_back(lcore);
    }
    if (lcores.size() < workers_.size()) {
        return make_error(ErrorCode::kInvalidInput,
                          "[dataplane] workers = " + std::to_string(workers_.size()) +
                              " needs as many worker lcores besides the main one; the EAL has " +
                              std::to_string(lcores.size()) + " (eal_args -l / --lcores)");
    }
    stop_.store(false);
    for (size_t i = 0; i < workers_.size(); ++i) {
        const int rc = rte_eal_remote_launch(worker_main, &workers_[i], lcores[i]);
        if (rc != 0) {
            stop_.store(true);
            rte_eal_mp_wait_lcore();
            return make_error(ErrorCode::kIo, "dataplane: cannot launch worker " +
                                                  std::to_string(i) + " on lcore " +
                                                  std::to_string(lcores[i]));
        }
    }
    running_ = true;
    log_line(kLogInfo, "started: " + std::to_string(workers_.size()) + " worker(s), " +
                           std::to_string(ports_.size()) + " port(s), max_legs " +
                           std::to_string(relays_.max_legs()));
    return {};
}

void Dataplane::stop() {
    if (running_) {
        stop_.store(true);
        rte_eal_mp_wait_lcore();
        running_ = false;
    }
    if (ports_open_) {
        close_ports(ports_);
        ports_open_ = false;
    }
}

uint64_t Dataplane::ms_to_tsc(uint64_t ms) const {
    return ms * (rte_get_tsc_hz() / 1000);
}

uint64_t Dataplane::tsc_to_ms(uint64_t tsc) {
    const uint64_t hz = rte_get_tsc_hz();
    return tsc / hz * 1000 + tsc % hz * 1000 / hz;
}

uint32_t Dataplane::idle_ticks(uint64_t tsc) const {
    const uint64_t elapsed = tsc - std::min(tsc, started_tsc_);
    const uint64_t ticks = elapsed / (rte_get_tsc_hz() / kIdleTicksPerSecond);
    return static_cast<uint32_t>(std::min<uint64_t>(ticks, ~kIdleReported));
}

void Dataplane::publish(std::unique_ptr<Snapshot> next) {
    snapshot_.publish(std::move(next));
}

void Dataplane::republish_neighbours() {
    if (neighbours_.generation() == neighbour_generation_) {
        return;
    }
    neighbour_generation_ = neighbours_.generation();
    auto next = std::make_unique<Snapshot>(snapshot_.latest());
    next->neighbours = neighbours_.freeze();
    publish(std::move(next));
}

bool Dataplane::send_from_main(rte_mbuf* m, uint64_t* dropped) {
    // Tests without launched workers: transmit directly on worker 0's queue.
    const bool queued = running_ ? rte_ring_enqueue(main_tx_ring_, m) == 0
                                 : rte_eth_tx_burst(m->port, 0, &m, 1) == 1;
    if (!queued) {
        ++*(dropped != nullptr ? dropped : &main_tx_dropped_);
        rte_pktmbuf_free(m);
    }
    return queued;
}

void Dataplane::announce() {
    const Snapshot& snap = snapshot_.latest();
    for (uint16_t i = 0; i < snap.locals.size(); ++i) {
        const LocalAddress& l = snap.locals.at(i);
        rte_mbuf* m = l.addr.is_v4() ? build_gratuitous_arp(pool_, l) : build_unsolicited_na(pool_, l);
        if (m != nullptr) {
            send_from_main(m);
        }
    }
}

void Dataplane::solicit(const IpAddr& next_hop,
                        uint16_t local_index,
                        uint64_t now_ms,
                        bool reprobe) {
    const Snapshot& snap = snapshot_.latest();
    if (local_index >= snap.locals.size()) {
        return;
    }
    // Solicited on the link of the local address it is sent from.
    const LocalAddress& l = snap.locals.at(local_index);
    const NeighbourKey key{next_hop, l.port_id};
    if (!(reprobe ? neighbours_.reprobe(key, local_index, now_ms)
                  : neighbours_.request(key, local_index, now_ms))) {
        return;
    }
    rte_mbuf* m = next_hop.is_v4() ? build_arp_request(pool_, l, next_hop)
                                   : build_neighbour_solicitation(pool_, l, next_hop);
    if (m != nullptr) {
        send_from_main(m);
    }
}

unsigned Dataplane::drain_exceptions(uint64_t now_ms) {
    void* pkts[kMaxBurst];
    const unsigned n = rte_ring_dequeue_burst(exception_ring_, pkts, kMaxBurst, nullptr);
    const Snapshot& snap = snapshot_.latest();
    for (unsigned i = 0; i < n; ++i) {
        auto* m = static_cast<rte_mbuf*>(pkts[i]);
        const uint64_t refused = exception_counters_.total_refused();
        const uint64_t not_ours = exception_counters_.refused_count(ExceptionRefusal::kNotOurs);
        if (handle_exception(m, snap.locals, neighbours_, now_ms, exception_counters_) ==
            ExceptionAction::kTransmit) {
            send_from_main(m);
            continue;
        }
        // Not answered here. The host's, on a port with a TAP and for its MAC or a
        // group: what was valid (replies to the host's own requests, gratuitous
        // ARP, NA) and requests for an address that is not the dataplane's (the
        // host may own it); never what was refused as malformed, conflicting or
        // looped back.
        const bool valid = exception_counters_.total_refused() == refused;
        const bool for_another =
            exception_counters_.refused_count(ExceptionRefusal::kNotOurs) != not_ours;
        if ((valid || for_another) && host_takes(host_ports_, m)) {
            to_host(m);
        } else {
            rte_pktmbuf_free(m);
        }
    }
    return n;
}

void Dataplane::to_host(rte_mbuf* m) {
    if (host_ports_.has(m->port)) {
        if (rte_eth_tx_burst(host_ports_.tap[m->port], 0, &m, 1) == 1) {
            ++to_host_;
            return;
        }
        ++host_dropped_;
    }
    rte_pktmbuf_free(m);
}

unsigned Dataplane::drain_host() {
    if (host_ring_ == nullptr) {
        return 0;
    }
    void* pkts[kMaxBurst];
    const unsigned n = rte_ring_dequeue_burst(host_ring_, pkts, kMaxBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) {
        to_host(static_cast<rte_mbuf*>(pkts[i]));
    }
    return n;
}

unsigned Dataplane::poll_taps() {
    // The host's frames share main_tx_ring_ with the ARP / ND answers and
    // solicitations: they may fill half of it at most. The rest waits in the
    // TAP's own queue (the kernel's, which drops and counts when it is full).
    const unsigned free_slots = rte_ring_free_count(main_tx_ring_);
    unsigned room = free_slots > kRingSize / 2 ? free_slots - kRingSize / 2 : 0;
    unsigned work = 0;
    for (const auto& p : ports_) {
        if (p.tap_device.empty() || room == 0) {
            continue;
        }
        rte_mbuf* pkts[kMaxBurst];
        const uint16_t n = rte_eth_rx_burst(p.tap_port_id, 0, pkts,
                                            static_cast<uint16_t>(std::min(room, unsigned{kMaxBurst})));
        for (uint16_t i = 0; i < n; ++i) {
            pkts[i]->port = p.port_id;
            pkts[i]->ol_flags = 0;  // the TAP's RX flags mean nothing to the NIC
            if (send_from_main(pkts[i], &host_dropped_)) {
                ++from_host_;
            }
        }
        room -= n;
        work += n;
    }
    return work;
}

unsigned Dataplane::drain_misses(uint64_t now_ms) {
    MissElem elems[kMaxBurst];
    const unsigned n =
        rte_ring_dequeue_burst_elem(miss_ring_, elems, sizeof(MissElem), kMaxBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) {
        solicit(elems[i].miss.next_hop, elems[i].miss.local_addr_index, now_ms, false);
    }
    return n;
}

unsigned Dataplane::poll_main(uint64_t now_ms) {
    unsigned work = drain_exceptions(now_ms) + drain_misses(now_ms) + drain_host() + poll_taps();
    if (now_ms - last_age_ms_ >= kAgeEveryMs) {
        last_age_ms_ = now_ms;
        for (const auto& probe : neighbours_.expire(now_ms)) {
            solicit(probe.next_hop, probe.local_addr_index, now_ms, true);
        }
    }
    republish_neighbours();
    return work;
}

std::vector<std::vector<uint8_t>> Dataplane::idle_events(uint64_t now_ms) {
    (void)now_ms;
    std::vector<std::vector<uint8_t>> out;
    const uint32_t threshold_s = config_.media.silence_timeout_s;
    if (threshold_s == 0) {
        return out;
    }
    const uint64_t now = rte_rdtsc();
    const uint64_t threshold = ms_to_tsc(uint64_t{threshold_s} * 1000);
    const Snapshot& snap = snapshot_.latest();
    const size_t per = api::MessageBuilder::max_entries(api::MsgType::kIdleEvents);
    api::MessageBuilder b(api::MsgType::kIdleEvents, 0);
    const uint64_t tick = rte_get_tsc_hz() / kIdleTicksPerSecond;
    const uint32_t now_ticks = idle_ticks(now);
    relays_.for_each_owned([&](Leg& leg) {
        const uint64_t last = __atomic_load_n(&leg.in.last_tsc, __ATOMIC_RELAXED);
        const bool reported = (leg.idle_mark & kIdleReported) != 0;
        const uint32_t mark = leg.idle_mark & ~kIdleReported;
        if (last == 0 && reported) {
            return;  // never received anything, and said so
        }
        // A leg that never received counts from when it was added.
        const uint64_t since = last != 0 ? last : started_tsc_ + mark * tick;
        if (now - std::min(now, since) < threshold) {
            // Active: its next silence gets reported. Written only when it changes
            // (the line is the one the workers count `in` on), and never for a leg
            // that has not received yet: its mark is when it was added.
            if (last != 0 && leg.idle_mark != 0) {
                leg.idle_mark = 0;
            }
            return;
        }
        // A silence is reported once. A packet after the report (even one no scan
        // saw as activity) starts a new silence: the report came at least a
        // second (4 ticks) after the packet before it, so in ticks that packet is
        // earlier than the mark and any later one is not.
        if (reported && idle_ticks(last) < mark) {
            return;
        }
        leg.idle_mark = kIdleReported | now_ticks;
        api::IdleEvent e;
        std::memcpy(e.key.local.bytes, snap.locals.at(leg.local_addr_index).addr.bytes, 16);
        e.key.port = leg.local_port;
        e.owner_tag = leg.owner_tag;
        e.idle_ms = tsc_to_ms(now - std::min(now, since));
        b.add(e);
        if (b.count() == per) {
            out.push_back(b.bytes());
            b = api::MessageBuilder(api::MsgType::kIdleEvents, 0);
        }
    });
    if (b.count() != 0) {
        out.push_back(b.bytes());
    }
    return out;
}

void Dataplane::forget_reported() {
    // Every silence is reported again; one that never received counts from the
    // start (its time of adding is gone), so it is reported at the next scan.
    relays_.for_each_owned([](Leg& leg) {
        if ((leg.idle_mark & kIdleReported) != 0) {
            leg.idle_mark = 0;
        }
    });
}

api::StatsBody Dataplane::stats() const {
    api::StatsBody s;
    s.instance = instance_;
    s.uptime_ms = tsc_to_ms(rte_rdtsc() - started_tsc_);
    for (const Worker& w : workers_) {
        const WorkerCounters& c = w.stats.forward;
        s.rx += __atomic_load_n(&c.rx, __ATOMIC_RELAXED);
        s.relayed += __atomic_load_n(&c.relayed, __ATOMIC_RELAXED);
        s.exception += __atomic_load_n(&c.exception, __ATOMIC_RELAXED);
        s.debug_packets += __atomic_load_n(&c.debug, __ATOMIC_RELAXED);
        s.tx_dropped += __atomic_load_n(&w.stats.tx_dropped, __ATOMIC_RELAXED) +
                        __atomic_load_n(&w.stats.exception_dropped, __ATOMIC_RELAXED);
        s.host_dropped += __atomic_load_n(&w.stats.host_dropped, __ATOMIC_RELAXED);
        for (unsigned r = 0; r < kDropReasonCount && r < api::kMaxDropReasons; ++r) {
            s.drops[r] += __atomic_load_n(&c.drops[r], __ATOMIC_RELAXED);
        }
    }
    s.tx = s.relayed - std::min(s.relayed, s.tx_dropped) + exception_counters_.arp_replies +
           exception_counters_.nd_replies + emitted_;
    s.tx_dropped += main_tx_dropped_;
    s.tx += from_host_;
    s.to_host = to_host_;
    s.from_host = from_host_;
    s.host_dropped += host_dropped_;
    s.arp_replies = exception_counters_.arp_replies;
    s.nd_replies = exception_counters_.nd_replies;
    s.neighbours = neighbours_.size();
    s.drop_reasons = kDropReasonCount;
    s.workers = static_cast<uint32_t>(workers_.size());
    s.legs = static_cast<uint32_t>(relays_.size());
    s.max_legs = relays_.max_legs();
    s.lists_generation = lists_generation_;
    for (size_t i = 0; i < 4; ++i) {
        s.list_ranges[i] = list_ranges_[i];
    }
    return s;
}

}  // namespace mg::dataplane
