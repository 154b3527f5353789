// Cache: the resolver's answer cache (positive and negative, RFC 1035 §7.4 / RFC 2308).
//
// Cold path, single thread (the resolver's EventLoop thread); not thread-safe. Owned by
// a Resolver; usable on its own (tests inject the clock).
//
// Keys are (name, type). Names are compared per lower_name(): ASCII letters lower-cased
// and a trailing dot dropped (escapes are not decoded, so "a\.b" and "a\046b" are two
// keys; both forms are rare and the cost is only a miss).
//
// What is stored: a positive outcome (the answer's records of the asked type) or a
// negative one (NXDOMAIN / NODATA, with the SOA its TTL came from), and the CNAME
// records that lead from the key's name to the records' owner, if any. TTLs:
//  - positive: the smallest TTL of the records (positive_ttl());
//  - negative: min(SOA TTL, SOA MINIMUM) of the first SOA in the authority section
//    (negative_ttl(), RFC 2308 §5); no SOA there -> the negative answer is not cached;
//  - capped at max_ttl / max_negative_ttl; a TTL of 0 is not stored;
//  - every stored record's TTL is capped at the entry's, and lowered by the age on get().
// cached_message() turns an entry back into a DNS message for callers that want one.
// The caller decides what must never be stored: the Resolver does not cache
// kNoResponse, kServerFailure or dummy-IP outcomes.
//
// Bounded: at most max_entries entries; inserting into a full cache evicts the least
// recently used entry (a get() hit or a put() makes an entry most recently used).
// Expired entries are dropped when met by get() or evicted by LRU; there is no sweep.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resolver/dns_message.h"

namespace mg::resolver {

struct CacheConfig {
    size_t max_entries = 10000;         // 0 counts as 1
    uint32_t max_ttl = 86400;           // seconds; positive answers
    uint32_t max_negative_ttl = 10800;  // seconds; RFC 2308 §5 suggests 1 to 3 hours
};

struct CachedResult {
    bool negative = false;            // NXDOMAIN or NODATA
    uint16_t rcode = kRcodeNoError;   // kRcodeNxDomain for NXDOMAIN, else NOERROR
    std::vector<Record> chain;        // CNAMEs from the key's name on, in chain order
    std::vector<Record> records;      // positive: the records of the asked type
    std::vector<Record> authorities;  // negative: the SOA the TTL came from (if kept)
    std::string detail;               // as stored: "NXDOMAIN", "NODATA", ...
    uint32_t ttl = 0;                 // seconds left (get()) or stored (put())
};

struct CacheCounters {
    uint64_t inserted = 0;
    uint64_t evicted = 0;  // LRU evictions at the bound
    uint64_t expired = 0;  // entries found expired by get()
};

// "Example.COM." -> "example.com"; "." stays ".".
std::string lower_name(std::string_view name);

// The answer a cache entry stands for, as a message: header id 0 (nothing was sent),
// QR, RD and RA set, the entry's RCODE; one question (name, type, IN); answers = the
// CNAME chain then the records; authorities = the SOA of a negative entry. TTLs as in
// `result` (get() has lowered them by the age).
Message cached_message(std::string_view name, RrType type, const CachedResult& result);

class Cache {
  public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;

    explicit Cache(CacheConfig config = {}, Now now = Clock::now);

    // The smallest TTL among `records`; nullopt when there are none.
    static std::optional<uint32_t> positive_ttl(std::span<const Record> records);
    // min(TTL, MINIMUM) of the first SOA record in `authorities`; nullopt without one.
    static std::optional<uint32_t> negative_ttl(std::span<const Record> authorities);
    // That first SOA record; null without one.
    static const Record* negative_soa(std::span<const Record> authorities);

    // Stores a positive answer for its positive_ttl(). False when not stored (no
    // records, TTL 0).
    bool put_answer(std::string_view name, RrType type, std::vector<Record> records);
    // Stores a negative answer for the negative_ttl() of `authorities`, keeping that
    // SOA. False when not stored (no SOA, TTL 0).
    bool put_negative(std::string_view name,
                      RrType type,
                      std::string detail,
                      std::span<const Record> authorities,
                      uint16_t rcode = kRcodeNxDomain);
    // Stores `result` for `ttl` seconds (capped; 0 -> not stored). result.ttl is ignored.
    bool put(std::string_view name, RrType type, CachedResult result, uint32_t ttl);

    // A live entry, with result.ttl and every record's TTL lowered by the entry's age
    // (whole seconds, rounded down). nullopt on a miss or an expired entry.
    std::optional<CachedResult> get(std::string_view name, RrType type);

    size_t size() const { return index_.size(); }
    const CacheConfig& config() const { return config_; }
    const CacheCounters& counters() const { return counters_; }
    void clear();

  private:
    struct Entry {
        std::string key;
        CachedResult result;
        Clock::time_point stored;
        Clock::time_point expires;
    };

    static std::string make_key(std::string_view name, RrType type);

    CacheConfig config_;
    Now now_;
    CacheCounters counters_;
    std::list<Entry> lru_;  // front: most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace mg::resolver
