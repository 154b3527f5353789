#include "lists/compiler.h"

#include <algorithm>
#include <queue>

namespace mg::lists {
namespace {

template <typename Key>
struct IndexedOp {
    Key first;
    Key last;
    uint32_t index;  // position in the list: a later op overrides an earlier one
    bool exclude;
};

// A point belongs to the set when the LAST operation covering it is an add. Sweep
// the elementary segments between all op boundaries, keeping the covering ops in a
// max-heap on their index (expired ones are dropped lazily). O(n log n).
template <typename Key>
std::vector<Interval<Key>> sweep(std::vector<IndexedOp<Key>>& ops) {
    std::vector<Interval<Key>> out;
    if (ops.empty())
        return out;
    std::sort(ops.begin(), ops.end(),
              [](const IndexedOp<Key>& a, const IndexedOp<Key>& b) { return a.first < b.first; });
    std::vector<Key> points;
    points.reserve(ops.size() * 2);
    for (const auto& op : ops) {
        points.push_back(op.first);
        if (op.last != static_cast<Key>(~Key{0}))
            points.push_back(op.last + 1);
    }
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());

    auto lower_index = [&](size_t a, size_t b) { return ops[a].index < ops[b].index; };
    std::priority_queue<size_t, std::vector<size_t>, decltype(lower_index)> active(lower_index);
    size_t next = 0;
    bool open = false;  // an output interval is open
    for (size_t i = 0; i < points.size(); ++i) {
        Key p = points[i];
        while (next < ops.size() && ops[next].first == p)
            active.push(next++);
        while (!active.empty() && ops[active.top()].last < p)
            active.pop();
        bool inside = !active.empty() && !ops[active.top()].exclude;
        if (inside && !open) {
            out.push_back(Interval<Key>{p, p});
            open = true;
        } else if (!inside && open) {
            out.back().last = p - 1;
            open = false;
        }
    }
    if (open)
        out.back().last = static_cast<Key>(~Key{0});
    return out;
}

template <typename Key>
bool contains_in(const std::vector<Interval<Key>>& v, Key k) {
    auto it = std::upper_bound(v.begin(), v.end(), k,
                               [](Key key, const Interval<Key>& iv) { return key < iv.first; });
    return it != v.begin() && std::prev(it)->last >= k;
}

}  // namespace

bool AddressSet::contains(const Address& a) const {
    Address n = a.is_v4() ? a : Address::v6(a.value);
    return n.is_v4() ? contains_in(v4, n.v4_value()) : contains_in(v6, n.value);
}

AddressSet compile(std::span<const ListOp> ops) {
    std::vector<IndexedOp<uint32_t>> ops4;
    std::vector<IndexedOp<Uint128>> ops6;
    ops4.reserve(ops.size());
    uint32_t index = 0;
    for (const auto& op : ops) {
        ++index;
        if (op.family == Family::kV4) {
            ops4.push_back({static_cast<uint32_t>(op.first), static_cast<uint32_t>(op.last), index,
                            op.exclude});
            continue;
        }
        // Split an IPv6 range around the IPv4-mapped block; the part inside it
        // applies to IPv4.
        if (op.first < kMappedFirst) {
            ops6.push_back({op.first, std::min(op.last, kMappedFirst - 1), index, op.exclude});
        }
        if (op.last > kMappedLast) {
            ops6.push_back({std::max(op.first, kMappedLast + 1), op.last, index, op.exclude});
        }
        if (op.first <= kMappedLast && op.last >= kMappedFirst) {
            Uint128 lo = std::max(op.first, kMappedFirst);
            Uint128 hi = std::min(op.last, kMappedLast);
            ops4.push_back(
                {static_cast<uint32_t>(lo), static_cast<uint32_t>(hi), index, op.exclude});
        }
    }
    AddressSet set;
    set.v4 = sweep(ops4);
    set.v6 = sweep(ops6);
    return set;
}

Result<AddressSet, ListErrors> compile_list(std::string_view text) {
    auto parsed = parse_list(text);
    if (!parsed.ok())
        return parsed.error();
    return compile(parsed->ops);
}

}  // namespace mg::lists
