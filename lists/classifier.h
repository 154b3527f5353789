// Compiled lists ready for lookups: one list (AddressList) or several at once
// (Classifier, one bitmask answer per address).
//
// Both are immutable after construction and safe to share between threads; the
// dataplane publishes them inside its RCU snapshot. lookup/classify are hot-path
// calls (no allocation, no locks); building is cold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lists/compiler.h"
#include "lists/lookup_table.h"

namespace mg::lists {

class AddressList {
  public:
    AddressList() = default;  // the empty list
    explicit AddressList(AddressSet set);

    bool contains(const Address& a) const {
        return a.is_v4() ? contains_v4(a.v4_value()) : contains_v6(a.value);
    }
    bool contains_v4(uint32_t a) const { return t4_.lookup(a) != 0; }
    // IPv4-mapped addresses are looked up as IPv4.
    bool contains_v6(Uint128 a) const {
        return is_v4_mapped(a) ? contains_v4(static_cast<uint32_t>(a)) : t6_.lookup(a) != 0;
    }
    // out[i] = 1 if keys[i] is in the list, else 0.
    void contains_v4_batch(const uint32_t* keys, uint32_t* out, size_t n) const {
        t4_.lookup_batch(keys, out, n);
    }
    void contains_v6_batch(const Uint128* keys, uint32_t* out, size_t n) const;

    const AddressSet& set() const { return set_; }
    size_t memory_bytes() const { return t4_.memory_bytes() + t6_.memory_bytes(); }

  private:
    AddressSet set_;
    RangeTable4 t4_;
    RangeTable6 t6_;
};

struct NamedList {
    std::string name;
    AddressSet set;
};

class Classifier {
  public:
    static constexpr size_t kMaxLists = 32;

    Classifier() = default;  // no lists: every address classifies to 0

    // Bit i of a classification is lists[i]. Errors: more than kMaxLists lists, an
    // empty or repeated name.
    static Result<Classifier> build(std::vector<NamedList> lists);

    uint32_t classify(const Address& a) const {
        return a.is_v4() ? classify_v4(a.v4_value()) : classify_v6(a.value);
    }
    uint32_t classify_v4(uint32_t a) const { return t4_.lookup(a); }
    uint32_t classify_v6(Uint128 a) const {
        return is_v4_mapped(a) ? t4_.lookup(static_cast<uint32_t>(a)) : t6_.lookup(a);
    }
    void classify_v4_batch(const uint32_t* keys, uint32_t* masks, size_t n) const {
        t4_.lookup_batch(keys, masks, n);
    }
    void classify_v6_batch(const Uint128* keys, uint32_t* masks, size_t n) const;

    // The bit of a list, by name.
    std::optional<unsigned> bit(std::string_view name) const;
    // Names of the lists whose bits are set in `mask`, in list order.
    std::vector<std::string> names_of(uint32_t mask) const;
    const std::vector<NamedList>& lists() const { return lists_; }
    size_t memory_bytes() const { return t4_.memory_bytes() + t6_.memory_bytes(); }

  private:
    std::vector<NamedList> lists_;
    RangeTable4 t4_;
    RangeTable6 t6_;
};

}  // namespace mg::lists
