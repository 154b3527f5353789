#include "lists/classifier.h"

#include <algorithm>
#include <set>

namespace mg::lists {
namespace {

// Merges the intervals of several sets (set i contributes bit i) into segments
// with a bitmask each, and builds the table. Bits toggle at interval ends: the
// intervals of one set are disjoint, so XOR tracks membership exactly.
template <typename Key>
RangeTable<Key> build_table(const std::vector<const std::vector<Interval<Key>>*>& sets) {
    struct Event {
        Key point;
        uint32_t bit;
    };
    std::vector<Event> events;
    for (size_t i = 0; i < sets.size(); ++i) {
        uint32_t bit = uint32_t{1} << i;
        for (const auto& iv : *sets[i]) {
            events.push_back({iv.first, bit});
            if (iv.last != static_cast<Key>(~Key{0}))
                events.push_back({iv.last + 1, bit});
        }
    }
    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.point < b.point; });
    std::vector<Key> starts{0};
    std::vector<uint32_t> values{0};
    uint32_t mask = 0;
    for (size_t i = 0; i < events.size();) {
        Key p = events[i].point;
        while (i < events.size() && events[i].point == p)
            mask ^= events[i++].bit;
        if (mask == values.back())
            continue;
        if (p == 0) {
            values[0] = mask;  // the first segment always starts at 0
        } else {
            starts.push_back(p);
            values.push_back(mask);
        }
    }
    return RangeTable<Key>::build(starts, values);
}

// IPv4-mapped keys are answered by the IPv4 table; the IPv6 table never holds them.
void fix_mapped(const RangeTable4& t4, const Uint128* keys, uint32_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (is_v4_mapped(keys[i]))
            out[i] = t4.lookup(static_cast<uint32_t>(keys[i]));
    }
}

}  // namespace

AddressList::AddressList(AddressSet set)
    : set_(std::move(set)),
      t4_(build_table<uint32_t>({&set_.v4})),
      t6_(build_table<Uint128>({&set_.v6})) {}

void AddressList::contains_v6_batch(const Uint128* keys, uint32_t* out, size_t n) const {
    t6_.lookup_batch(keys, out, n);
    fix_mapped(t4_, keys, out, n);
}

Result<Classifier> Classifier::build(std::vector<NamedList> lists) {
    if (lists.size() > kMaxLists) {
        return make_error(ErrorCode::kLimit, "a classifier holds at most " +
                                                 std::to_string(kMaxLists) + " lists, got " +
                                                 std::to_string(lists.size()));
    }
    std::set<std::string_view> seen;
    for (const auto& l : lists) {
        if (l.name.empty())
            return make_error(ErrorCode::kInvalidInput, "a list has no name");
        if (!seen.insert(l.name).second) {
            return make_error(ErrorCode::kInvalidInput, "list name '" + l.name + "' is repeated");
        }
    }
    Classifier c;
    c.lists_ = std::move(lists);
    std::vector<const std::vector<Interval4>*> v4;
    std::vector<const std::vector<Interval6>*> v6;
    for (const auto& l : c.lists_) {
        v4.push_back(&l.set.v4);
        v6.push_back(&l.set.v6);
    }
    c.t4_ = build_table<uint32_t>(v4);
    c.t6_ = build_table<Uint128>(v6);
    return c;
}

void Classifier::classify_v6_batch(const Uint128* keys, uint32_t* masks, size_t n) const {
    t6_.lookup_batch(keys, masks, n);
    fix_mapped(t4_, keys, masks, n);
}

std::optional<unsigned> Classifier::bit(std::string_view name) const {
    for (size_t i = 0; i < lists_.size(); ++i) {
        if (lists_[i].name == name)
            return static_cast<unsigned>(i);
    }
    return std::nullopt;
}

std::vector<std::string> Classifier::names_of(uint32_t mask) const {
    std::vector<std::string> out;
    for (size_t i = 0; i < lists_.size(); ++i) {
        if (mask & (uint32_t{1} << i))
            out.push_back(lists_[i].name);
    }
    return out;
}

}  // namespace mg::lists
