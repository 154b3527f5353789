// Resolver: the asynchronous query engine of the DNS stub resolver (SPEC.md §5).
//
// Cold path. Runs on one EventLoop (the control process's main thread): every call
// and every callback happens on the loop's thread; no threads, no blocking calls.
// Thousands of queries may be in flight; each one has a UDP socket of its own (per
// address family) with a fresh kernel-random source port, and a random 16-bit id
// (getrandom). The sockets come from a UdpPool (udp_pool.h): a socket is reused by
// later queries only after it gave its port back and its queue was drained, so nothing
// sent to one query's port ever reaches another query; a CNAME hop counts as a new
// query. Idle pooled sockets stay open (at most udp_pool_max_idle per family).
//
// Schedule: send 1 waits T; each resend waits one T more (T, 2T, 3T, ...), `retries`
// resends after the first send; resend k goes to server (k mod servers), round robin.
// After the last wait: kNoResponse. RBL queries: at most two sends, both waiting T.
//
// An answer is accepted only if its source address and port are those of a server
// this query has sent to, its id is ours, QR is set, it parses, and it echoes our
// question (name, type, class IN); anything else (zero-length datagrams and garbage
// included) is dropped, counted in Counters::rejected, and the query keeps waiting.
// A UDP answer with TC set is asked again over TCP to the same server; the TCP
// exchange gets a fresh wait as long as the current attempt's; if it fails (refused,
// closed, bad answer, time-out) the schedule carries on with the next send.
//
// Outcome: NOERROR with at least one record of the asked type owned by the asked name
// (or by the end of its CNAME chain; records of other owners are ignored) -> kAnswer,
// unless the first A/AAAA record's address is inside `dummy_ips` -> kUnknownHost. NXDOMAIN, or
// NOERROR without records of the asked type (NODATA) -> kUnknownHost. Any other
// RCODE -> kServerFailure (not retried on another server).
//
// CNAME: a NOERROR answer without records of the asked type, but with a CNAME for
// the asked name, is followed through the answer's CNAME chain: if the answer also
// holds records of the asked type (for the chain's end), those are the outcome;
// otherwise a new query (fresh id and socket, the same schedule from its start) asks
// for the chain's end, as part of the same resolve. At most kMaxCnameHops CNAMEs in
// all; a name met twice -> kServerFailure "CNAME loop", more hops -> kServerFailure
// "CNAME chain too long". result.name stays as asked, result.records are of the asked
// type, result.attempts counts the sends of every hop.
//
// Cache (cache_enabled; see cache.h): kAnswer and NXDOMAIN/NODATA outcomes are
// stored (positive: min TTL of the records; negative: of the SOA in the authority
// section, none -> not stored), under the name asked and under every CNAME target met
// on the way, each with the CNAMEs from there on and for the smallest TTL of the
// outcome and of those CNAMEs. kNoResponse, kServerFailure, dummy-IP results and
// invalid names are never stored. A hit completes from the loop with status and
// records (TTLs lowered by the age), attempts 0, detail "cache", a default server, and
// as message the one cached_message() builds: id 0, the question as asked, the CNAMEs
// and records as answers, a negative entry's SOA as authority (RCODE NXDOMAIN or
// NOERROR). CNAME hops are always asked on the wire, even when their target is in the
// cache. Also with cache_enabled, a query identical to
// one in flight (name case-insensitively, type, RBL or not) is merged into it: no
// sends of its own, its callback gets a copy of the same result. With cache_enabled
// false every resolve() sends on its own, as before.
//
// Logging: every send, resend, TCP switch, dummy-IP hit and failure is one line
// starting "DNR " with id, name, type, server, attempt and wait.
//
// The callback runs exactly once per query (not after the Resolver is destroyed; a
// destroyed Resolver drops its pending queries silently). It may start new queries;
// it must not destroy the Resolver.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lists/classifier.h"
#include "resolver/cache.h"
#include "resolver/dns_message.h"
#include "resolver/event_loop.h"
#include "resolver/servers.h"
#include "resolver/udp_pool.h"

namespace mg::resolver {

struct ResolverConfig {
    std::vector<ServerAddr> servers;  // empty: 127.0.0.1:53
    std::chrono::milliseconds initial_timeout{2000};
    int retries = 3;  // resends after the first send; negative counts as 0
    lists::AddressList dummy_ips;
    std::function<void(std::string_view)> log;  // null: no logging
    bool cache_enabled = true;                  // also merges identical queries in flight
    size_t cache_max_entries = 10000;
    uint32_t cache_max_ttl = 86400;           // seconds
    uint32_t cache_max_negative_ttl = 10800;  // seconds
    Cache::Now cache_clock;                   // null: steady_clock::now (tests inject)
    size_t udp_pool_max_idle = 128;  // idle UDP sockets kept per address family (udp_pool.h)
};

inline constexpr int kMaxCnameHops = 8;

enum class ResolveStatus {
    kAnswer,
    kUnknownHost,  // NXDOMAIN, NODATA, or a dummy IP
    kNoResponse,   // every wait ran out (or no socket could be opened)
    kServerFailure,
};
const char* to_string(ResolveStatus status);

struct ResolveResult {
    ResolveStatus status = ResolveStatus::kNoResponse;
    std::string name;  // as asked
    RrType type = RrType::kA;
    Message message;              // the accepted answer (empty header for kNoResponse)
    std::vector<Record> records;  // the answer section's records of the asked type
    ServerAddr server;            // the server that answered (or was asked last)
    int attempts = 0;             // sends made (UDP), 1-based
    bool via_tcp = false;
    std::string detail;  // a short reason for logs: "NXDOMAIN", "dummy IP 192.0.2.1", ...
};

struct RejectCounters {
    uint64_t bad_id = 0;
    uint64_t bad_question = 0;
    uint64_t bad_source = 0;
    uint64_t malformed = 0;  // empty, short, unparsable, QR clear
    uint64_t total() const { return bad_id + bad_question + bad_source + malformed; }
};

struct ResolverCounters {
    uint64_t queries = 0;
    uint64_t sent = 0;    // UDP sends, first and resends
    uint64_t resent = 0;  // UDP resends only
    uint64_t tcp_fallbacks = 0;
    RejectCounters rejected;
    uint64_t dummy_hits = 0;
    uint64_t timeouts = 0;  // queries that ended kNoResponse
    uint64_t answers = 0;
    uint64_t unknown_host = 0;
    uint64_t server_failures = 0;
    uint64_t cache_hits = 0;
    uint64_t cache_misses = 0;  // lookups that missed and started a query of their own
    uint64_t merged = 0;        // resolve() calls attached to an identical query in flight
    uint64_t cname_hops = 0;    // follow-up queries sent for a CNAME target
};

class Resolver {
  public:
    using Callback = std::function<void(ResolveResult)>;

    Resolver(EventLoop& loop, ResolverConfig config);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // Starts a query; `cb` runs later from the loop, never from inside this call (an
    // invalid name, too, completes from the loop, with kUnknownHost).
    void resolve(std::string name, RrType type, Callback cb);
    // A DNS blocklist query: type A for rbl_name(addr, zone), at most two sends.
    void rbl(const lists::Address& addr, std::string_view zone, Callback cb);
    // Same, for a name already in RBL form.
    void resolve_rbl(std::string name, Callback cb);
    // The reason a listed address is listed: TXT for a name in RBL form, on the same
    // schedule (at most two sends).
    void rbl_reason(std::string name, Callback cb);

    const ResolverCounters& counters() const { return counters_; }
    // Queries not completed yet, cache hits waiting for the loop included; callers
    // merged into another query are not counted.
    size_t in_flight() const { return queries_.size(); }
    const Cache& cache() const { return cache_; }
    const std::vector<ServerAddr>& servers() const { return config_.servers; }
    const UdpPool& udp_pool() const { return udp_pool_; }

  private:
    struct Query;

    void start(std::string name, RrType type, bool rbl, Callback cb);
    void send_attempt(Query& q);
    void on_timeout(uint64_t key);
    void on_udp_readable(uint64_t key, int fd);
    void on_udp_answer(Query& q, std::span<const uint8_t> wire, const ServerAddr& from);
    void start_tcp(Query& q, const ServerAddr& server);
    void on_tcp_event(uint64_t key, uint32_t events);
    void tcp_failed(Query& q, const std::string& why);
    void close_tcp(Query& q);
    void advance(Query& q);
    void on_message(Query& q, Message msg, const ServerAddr& from, bool tcp);
    void check_dummy_ip(Query& q, ResolveResult& result, const ServerAddr& from);
    void next_hop(Query& q, std::string target, const ServerAddr& from);
    void complete_later(Query& q, ResolveResult result);
    void finish(uint64_t key, ResolveResult result);
    void store(const Query& q, const ResolveResult& result);
    void close_sockets(Query& q);
    void log(const Query& q,
             std::string_view event,
             const ServerAddr& server,
             std::string_view extra = {});
    std::chrono::milliseconds wait_for(const Query& q) const;
    int max_sends(const Query& q) const;
    bool sent_to(const Query& q, const ServerAddr& from) const;
    uint16_t random_id();

    EventLoop& loop_;
    ResolverConfig config_;
    ResolverCounters counters_;
    uint64_t next_key_ = 1;
    std::unordered_map<uint64_t, std::unique_ptr<Query>> queries_;
    std::unordered_map<std::string, uint64_t> merge_index_;  // merge key -> query key
    Cache cache_;
    UdpPool udp_pool_;
    std::vector<uint8_t> udp_buffer_;  // one receive buffer for every query's socket
    std::vector<uint8_t> random_pool_;
    size_t random_used_ = 0;
};

}  // namespace mg::resolver
