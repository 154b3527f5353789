// RelayTable (see relay_table.h). Cold path except the inline find().
#include "dataplane/relay_table.h"

#include <cstring>
#include <new>
#include <string>

namespace mg::dataplane {
namespace {

std::string key_text(uint16_t local_addr_index, uint16_t port) {
    return "local address #" + std::to_string(local_addr_index) + " port " + std::to_string(port);
}

// `leg` without what the workers write.
Leg fresh(const Leg& leg) {
    Leg copy = leg;
    copy.latch_state = kNotLatched;
    copy.learned_port = 0;
    copy.learned_peer = IpAddr{};
    copy.in = LegCounters{};
    copy.out = LegCounters{};
    return copy;
}

constexpr std::align_val_t kSlabAlign{64};

}  // namespace

Leg* RelayTable::allocate(const Leg& leg) {
    if (free_ == nullptr) {
        auto* slab = static_cast<Leg*>(::operator new(sizeof(Leg) * kLegsPerSlab, kSlabAlign));
        slabs_.push_back(slab);
        for (uint32_t i = kLegsPerSlab; i-- > 0;) {
            release(slab + i);
        }
    }
    Leg* l = free_;
    std::memcpy(&free_, static_cast<const void*>(l), sizeof free_);
    return new (l) Leg(leg);
}

void RelayTable::release(Leg* leg) {
    std::memcpy(static_cast<void*>(leg), &free_, sizeof free_);
    free_ = leg;
}

size_t RelayTable::bytes() const {
    return slabs_.size() * kLegsPerSlab * sizeof(Leg) + block_count_ * sizeof(Block) +
           static_cast<size_t>(local_addresses_) * kBlocksPerAddress * sizeof(Block*);
}

RelayTable::RelayTable(uint16_t local_addresses, uint32_t max_legs)
    : local_addresses_(local_addresses),
      max_legs_(max_legs),
      blocks_(new Block*[static_cast<size_t>(local_addresses) * kBlocksPerAddress]()) {}

RelayTable::~RelayTable() {
    const size_t n = static_cast<size_t>(local_addresses_) * kBlocksPerAddress;
    for (size_t i = 0; i < n; ++i) {
        delete blocks_[i];  // the legs are in the slabs
    }
    delete[] blocks_;
    for (Leg* slab : slabs_) {
        ::operator delete(slab, kSlabAlign);
    }
}

Leg** RelayTable::slot(uint16_t local_addr_index, uint16_t port, bool create) {
    Block** b = &blocks_[static_cast<size_t>(local_addr_index) * kBlocksPerAddress + (port >> 8)];
    if (*b == nullptr) {
        if (!create) {
            return nullptr;
        }
        __atomic_store_n(b, new Block(), __ATOMIC_RELEASE);
        ++block_count_;
    }
    return &(*b)->legs[port & 0xff];
}

Result<void> RelayTable::add(const Leg& leg) {
    if (leg.local_addr_index >= local_addresses_) {
        return make_error(ErrorCode::kInvalidInput,
                          "no " + key_text(leg.local_addr_index, leg.local_port) + " (only " +
                              std::to_string(local_addresses_) + " local addresses)");
    }
    if (leg.local_port == 0) {
        return make_error(ErrorCode::kInvalidInput, "a leg cannot use UDP port 0");
    }
    if (size_ >= max_legs_) {
        return make_error(ErrorCode::kLimit,
                          "the relay table is full (max_legs = " + std::to_string(max_legs_) + ")");
    }
    Leg** s = slot(leg.local_addr_index, leg.local_port, true);
    if (*s != nullptr) {
        return make_error(ErrorCode::kInvalidInput,
                          key_text(leg.local_addr_index, leg.local_port) + " already has a leg");
    }
    __atomic_store_n(s, allocate(fresh(leg)), __ATOMIC_RELEASE);
    ++size_;
    return {};
}

Result<void> RelayTable::replace(const Leg& leg) {
    Leg** s = leg.local_addr_index < local_addresses_
                  ? slot(leg.local_addr_index, leg.local_port, false)
                  : nullptr;
    if (s == nullptr || *s == nullptr) {
        return make_error(ErrorCode::kNotFound,
                          "no leg at " + key_text(leg.local_addr_index, leg.local_port));
    }
    Leg copy = fresh(leg);
    publish_in_place(s, copy);
    return {};
}

Result<void> RelayTable::remark(uint16_t local_addr_index,
                                uint16_t port,
                                uint8_t flags,
                                const std::function<uint8_t(const IpAddr&)>& learned_debug) {
    Leg** s = local_addr_index < local_addresses_ ? slot(local_addr_index, port, false) : nullptr;
    if (s == nullptr || *s == nullptr) {
        return make_error(ErrorCode::kNotFound, "no leg at " + key_text(local_addr_index, port));
    }
    const Leg& old = **s;
    // Control's fields never change once published: read as they are; the workers'
    // are not copied but read below (the latch whole, with read_learned: a worker
    // holds kLatching for a few stores only) or by publish_in_place (counters).
    Leg copy;
    copy.other_addr_index = old.other_addr_index;
    copy.other_port = old.other_port;
    copy.peer = old.peer;
    copy.peer_port = old.peer_port;
    copy.flags = flags;
    copy.local_addr_index = old.local_addr_index;
    copy.local_port = old.local_port;
    copy.dscp = old.dscp;
    copy.owner_tag = old.owner_tag;
    IpAddr learned;
    uint16_t learned_port = 0;
    uint8_t learned_flags = 0;
    constexpr int kTries = 1000;
    LearnedRead r = LearnedRead::kChanging;
    for (int i = 0; i < kTries && r == LearnedRead::kChanging; ++i) {
        r = read_learned(old, learned, learned_port, learned_flags);
    }
    if (r == LearnedRead::kChanging) {
        return make_error(ErrorCode::kLimit,
                          "leg at " + key_text(local_addr_index, port) + " kept latching");
    }
    if (r == LearnedRead::kRead) {
        copy.latch_state = kLatched;
        copy.latch_seq = __atomic_load_n(&old.latch_seq, __ATOMIC_RELAXED);
        copy.learned_peer = learned;
        copy.learned_port = learned_port;
        copy.learned_flags = learned_debug(learned);
    }
    publish_in_place(s, copy);
    return {};
}

void RelayTable::publish_in_place(Leg** s, const Leg& copy) {
    Leg* old = *s;
    Leg* next = allocate(copy);
    next->idle_mark = old->idle_mark;  // the same leg to whoever reports idle ones
    next->in = LegCounters{__atomic_load_n(&old->in.packets, __ATOMIC_RELAXED),
                           __atomic_load_n(&old->in.bytes, __ATOMIC_RELAXED),
                           __atomic_load_n(&old->in.last_tsc, __ATOMIC_RELAXED)};
    next->out = LegCounters{__atomic_load_n(&old->out.packets, __ATOMIC_RELAXED),
                            __atomic_load_n(&old->out.bytes, __ATOMIC_RELAXED),
                            __atomic_load_n(&old->out.last_tsc, __ATOMIC_RELAXED)};
    __atomic_store_n(s, next, __ATOMIC_RELEASE);
    retired_.push_back(old);
}

Result<void> RelayTable::remove(uint16_t local_addr_index, uint16_t port) {
    Leg** s = local_addr_index < local_addresses_ ? slot(local_addr_index, port, false) : nullptr;
    if (s == nullptr || *s == nullptr) {
        return make_error(ErrorCode::kNotFound, "no leg at " + key_text(local_addr_index, port));
    }
    Leg* old = *s;
    __atomic_store_n(s, static_cast<Leg*>(nullptr), __ATOMIC_RELEASE);
    retired_.push_back(old);
    --size_;
    return {};
}

void RelayTable::reclaim_retired() {
    for (Leg* leg : retired_) {
        release(leg);
    }
    retired_.clear();
}

}  // namespace mg::dataplane
