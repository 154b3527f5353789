#include "resolver/cache.h"

#include <algorithm>
#include <variant>

namespace mg::resolver {

std::string lower_name(std::string_view name) {
    // A name ending in an escaped dot ("a\.") keeps it.
    if (name.size() > 1 && name.back() == '.' && name[name.size() - 2] != '\\') {
        name.remove_suffix(1);
    }
    std::string out(name);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

Message cached_message(std::string_view name, RrType type, const CachedResult& result) {
    Message m;
    m.header.qr = true;
    m.header.rd = true;
    m.header.ra = true;
    m.header.rcode = result.rcode;
    m.questions.push_back(Question{std::string(name), type, kClassIn});
    m.answers.reserve(result.chain.size() + result.records.size());
    m.answers.insert(m.answers.end(), result.chain.begin(), result.chain.end());
    m.answers.insert(m.answers.end(), result.records.begin(), result.records.end());
    m.authorities = result.authorities;
    m.header.qdcount = 1;
    m.header.ancount = static_cast<uint16_t>(m.answers.size());
    m.header.nscount = static_cast<uint16_t>(m.authorities.size());
    return m;
}

Cache::Cache(CacheConfig config, Now now) : config_(config), now_(std::move(now)) {
    config_.max_entries = std::max<size_t>(config_.max_entries, 1);
    if (!now_) {
        now_ = Clock::now;
    }
}

std::string Cache::make_key(std::string_view name, RrType type) {
    // The type first: a number and a space cannot be confused with any name.
    return std::to_string(static_cast<uint16_t>(type)) + " " + lower_name(name);
}

std::optional<uint32_t> Cache::positive_ttl(std::span<const Record> records) {
    std::optional<uint32_t> ttl;
    for (const Record& r : records) {
        ttl = std::min(ttl.value_or(r.ttl), r.ttl);
    }
    return ttl;
}

const Record* Cache::negative_soa(std::span<const Record> authorities) {
    for (const Record& r : authorities) {
        if (r.type == RrType::kSoa && r.cls == kClassIn &&
            std::holds_alternative<SoaData>(r.data)) {
            return &r;
        }
    }
    return nullptr;
}

std::optional<uint32_t> Cache::negative_ttl(std::span<const Record> authorities) {
    const Record* soa = negative_soa(authorities);
    if (soa == nullptr) {
        return std::nullopt;
    }
    return std::min(soa->ttl, std::get<SoaData>(soa->data).minimum);
}

bool Cache::put_answer(std::string_view name, RrType type, std::vector<Record> records) {
    std::optional<uint32_t> ttl = positive_ttl(records);
    if (!ttl) {
        return false;
    }
    CachedResult result;
    result.records = std::move(records);
    return put(name, type, std::move(result), *ttl);
}

bool Cache::put_negative(std::string_view name,
                         RrType type,
                         std::string detail,
                         std::span<const Record> authorities,
                         uint16_t rcode) {
    std::optional<uint32_t> ttl = negative_ttl(authorities);
    if (!ttl) {
        return false;
    }
    CachedResult result;
    result.negative = true;
    result.rcode = rcode;
    result.authorities.push_back(*negative_soa(authorities));
    result.detail = std::move(detail);
    return put(name, type, std::move(result), *ttl);
}

bool Cache::put(std::string_view name, RrType type, CachedResult result, uint32_t ttl) {
    ttl = std::min(ttl, result.negative ? config_.max_negative_ttl : config_.max_ttl);
    if (ttl == 0) {
        return false;
    }
    result.ttl = ttl;
    if (result.negative) {
        result.records.clear();
    } else {
        result.rcode = kRcodeNoError;
        result.authorities.clear();
    }
    for (auto* records : {&result.chain, &result.records, &result.authorities}) {
        for (Record& r : *records) {
            r.ttl = std::min(r.ttl, ttl);
        }
    }
    std::string key = make_key(name, type);
    Clock::time_point now = now_();
    if (auto it = index_.find(key); it != index_.end()) {
        lru_.erase(it->second);
        index_.erase(it);
    }
    while (index_.size() >= config_.max_entries) {
        index_.erase(lru_.back().key);
        lru_.pop_back();
        ++counters_.evicted;
    }
    lru_.push_front(Entry{key, std::move(result), now, now + std::chrono::seconds(ttl)});
    index_.emplace(std::move(key), lru_.begin());
    ++counters_.inserted;
    return true;
}

std::optional<CachedResult> Cache::get(std::string_view name, RrType type) {
    auto it = index_.find(make_key(name, type));
    if (it == index_.end()) {
        return std::nullopt;
    }
    Clock::time_point now = now_();
    auto entry = it->second;
    if (now >= entry->expires) {
        lru_.erase(entry);
        index_.erase(it);
        ++counters_.expired;
        return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, entry);
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - entry->stored).count();
    uint32_t aged = age <= 0 ? 0 : static_cast<uint32_t>(std::min<int64_t>(age, UINT32_MAX));
    CachedResult out = entry->result;
    out.ttl = out.ttl > aged ? out.ttl - aged : 0;
    for (auto* records : {&out.chain, &out.records, &out.authorities}) {
        for (Record& r : *records) {
            r.ttl = r.ttl > aged ? r.ttl - aged : 0;
        }
    }
    return out;
}

void Cache::clear() {
    index_.clear();
    lru_.clear();
}

}  // namespace mg::resolver
