#include "control/relay.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <utility>

#include "common/check.h"
#include "configs/values.h"

namespace mg::control {
namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::kInvalidInput, std::move(message));
}

bool same_key(const api::Addr& a, uint16_t ap, const api::Addr& b, uint16_t bp) {
    return ap == bp && std::memcmp(a.bytes, b.bytes, sizeof a.bytes) == 0;
}

}  // namespace

const char* to_string(OwnerKind k) {
    switch (k) {
        case OwnerKind::kCliRelay:
            return "cli";
        case OwnerKind::kConfigRelay:
            return "config";
        case OwnerKind::kNone:
            break;
    }
    return "other";
}

uint64_t OwnerTag::encode() const {
    MG_CHECK(id <= kMaxRelayId && side <= 1, "owner tag: id or side out of range");
    return (static_cast<uint64_t>(kind) << 56) | (id << 1) | side;
}

OwnerTag OwnerTag::decode(uint64_t tag) {
    OwnerTag t;
    t.kind = static_cast<OwnerKind>(tag >> 56);
    t.id = (tag >> 1) & kMaxRelayId;
    t.side = static_cast<unsigned>(tag & 1);
    return t;
}

std::string RelaySpec::describe() const {
    std::string out;
    for (size_t i = 0; i < 2; ++i) {
        out += i == 0 ? "" : " | ";
        out += local[i].format() + " <-> " + peer[i].format();
        if (latch[i])
            out += " (latch)";
    }
    return out;
}

Result<RelaySpec> make_relay_spec(const configs::Endpoint& local_a,
                                  const configs::Endpoint& peer_a,
                                  const configs::Endpoint& local_b,
                                  const configs::Endpoint& peer_b,
                                  bool latch) {
    if (local_a.is_any() || local_b.is_any())
        return invalid("a local endpoint must be an address of the dataplane, not \"any\"");
    if (local_a == local_b)
        return invalid("LOCAL_A and LOCAL_B are the same (" + local_a.format() + ")");
    for (const auto* p : {&peer_a, &peer_b}) {
        if (*p == local_a || *p == local_b)
            return invalid("peer " + p->format() + " is one of the relay's own local endpoints");
    }
    RelaySpec s;
    s.local = {local_a, local_b};
    s.peer = {peer_a, peer_b};
    s.latch = {latch || peer_a.is_any(), latch || peer_b.is_any()};
    return s;
}

RelaySpec spec_of(const configs::StaticRelay& r) {
    auto s = make_relay_spec(r.local_a, r.peer_a, r.local_b, r.peer_b, r.latch);
    MG_CHECK(s.ok(), "a loaded [[relay]] must make a relay: %s",
             s.ok() ? "" : s.error().message.c_str());
    return *s;
}

api::Addr to_wire(const lists::Address& a) {
    api::Addr w;
    lists::Uint128 v = a.is_v4() ? (lists::kMappedFirst | a.v4_value()) : a.value;
    for (int i = 15; i >= 0; --i) {
        w.bytes[i] = static_cast<uint8_t>(v & 0xff);
        v >>= 8;
    }
    return w;
}

api::Addr to_wire(const configs::Endpoint& e) {
    return e.addr ? to_wire(*e.addr) : api::Addr{};
}

configs::Endpoint endpoint_from_wire(const api::Addr& a, uint16_t port) {
    lists::Uint128 v = 0;
    for (uint8_t b : a.bytes)
        v = (v << 8) | b;
    if (v == 0)
        return configs::Endpoint{};
    return configs::Endpoint{lists::Address::v6(v), port};
}

api::LegKey leg_key(const configs::Endpoint& local) {
    MG_CHECK(!local.is_any(), "a leg key needs a local address");
    api::LegKey k;
    k.local = to_wire(local);
    k.port = local.port;
    return k;
}

std::array<api::LegKey, 2> leg_keys(const RelaySpec& s) {
    return {leg_key(s.local[0]), leg_key(s.local[1])};
}

std::array<api::LegSpec, 2> leg_specs(const Relay& r) {
    std::array<api::LegSpec, 2> legs;
    for (unsigned side = 0; side < 2; ++side) {
        api::LegSpec& l = legs[side];
        l.local = to_wire(r.spec.local[side]);
        l.local_port = r.spec.local[side].port;
        l.peer = to_wire(r.spec.peer[side]);
        l.peer_port = r.spec.peer[side].port;
        l.other_local = to_wire(r.spec.local[1 - side]);
        l.other_port = r.spec.local[1 - side].port;
        l.flags = r.spec.latch[side] ? api::kSpecLatch : 0;
        l.dscp = 0xff;  // the port's
        l.owner_tag = OwnerTag{r.kind, r.id, side}.encode();
    }
    return legs;
}

DumpScan scan_dump(std::span<const api::LegInfo> legs) {
    DumpScan scan;
    // (kind, id) -> the legs found for each side.
    std::map<std::pair<uint8_t, uint64_t>, std::array<std::vector<const api::LegSpec*>, 2>> found;
    for (const auto& info : legs) {
        OwnerTag t = OwnerTag::decode(info.spec.owner_tag);
        if (!t.is_relay()) {
            ++scan.foreign;
            continue;
        }
        scan.max_id = std::max(scan.max_id, t.id);
        found[{static_cast<uint8_t>(t.kind), t.id}][t.side].push_back(&info.spec);
    }
    auto key_of = [](const api::LegSpec& l) {
        api::LegKey k;
        k.local = l.local;
        k.port = l.local_port;
        return k;
    };
    for (const auto& [kid, sides] : found) {
        const auto& [kind, id] = kid;
        bool paired = id != 0 && sides[0].size() == 1 && sides[1].size() == 1;
        if (paired) {
            const api::LegSpec& a = *sides[0][0];
            const api::LegSpec& b = *sides[1][0];
            paired = same_key(a.other_local, a.other_port, b.local, b.local_port) &&
                     same_key(b.other_local, b.other_port, a.local, a.local_port);
            DumpedRelay r;
            r.id = id;
            r.kind = static_cast<OwnerKind>(kind);
            for (unsigned side = 0; side < 2 && paired; ++side) {
                const api::LegSpec& l = side == 0 ? a : b;
                r.spec.local[side] = endpoint_from_wire(l.local, l.local_port);
                r.spec.peer[side] = endpoint_from_wire(l.peer, l.peer_port);
                r.spec.latch[side] = (l.flags & api::kSpecLatch) != 0;
                paired = !r.spec.local[side].is_any() && r.spec.local[side].port != 0;
            }
            if (paired) {
                scan.relays.push_back(std::move(r));
                continue;
            }
        }
        for (const auto& side : sides) {
            for (const auto* l : side)
                scan.stray.push_back(key_of(*l));
        }
    }
    std::sort(scan.relays.begin(), scan.relays.end(),
              [](const DumpedRelay& x, const DumpedRelay& y) { return x.id < y.id; });
    return scan;
}

std::optional<uint64_t> parse_relay_id(std::string_view text) {
    if (text.empty() || text.size() > 20 || text.front() == '0')
        return std::nullopt;
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || v == 0 || v > kMaxRelayId)
        return std::nullopt;
    return v;
}

Result<RelayCommand> parse_relay_words(std::span<const std::string> w) {
    constexpr const char* kWant =
        "want 'relay add LOCAL_A PEER_A LOCAL_B PEER_B [--latch]', 'relay del ID' or "
        "'relay list'";
    if (w.empty())
        return invalid(kWant);
    RelayCommand cmd;
    if (w[0] == "list") {
        if (w.size() != 1)
            return invalid("relay list takes no arguments");
        return cmd;
    }
    if (w[0] == "del") {
        if (w.size() != 2)
            return invalid("want 'relay del ID'");
        auto id = parse_relay_id(w[1]);
        if (!id)
            return invalid("relay del: bad relay id " + configs::in_quotes(w[1], '\'') +
                           " (a number, 1 or more)");
        cmd.verb = RelayCommand::Verb::kDel;
        cmd.id = *id;
        return cmd;
    }
    if (w[0] != "add")
        return invalid("unknown relay command " + configs::in_quotes(w[0], '\'') + "; " + kWant);
    std::vector<std::string> args;
    bool latch = false;
    for (size_t i = 1; i < w.size(); ++i) {
        if (w[i] == "--latch")
            latch = true;
        else if (w[i].size() > 1 && w[i][0] == '-')
            return invalid("relay add: unknown option " + configs::in_quotes(w[i], '\''));
        else
            args.push_back(w[i]);
    }
    if (args.size() != 4)
        return invalid("want 'relay add LOCAL_A PEER_A LOCAL_B PEER_B [--latch]'");
    static constexpr const char* kNames[] = {"LOCAL_A", "PEER_A", "LOCAL_B", "PEER_B"};
    std::array<configs::Endpoint, 4> e;
    for (size_t i = 0; i < 4; ++i) {
        auto parsed = configs::parse_endpoint(args[i], i % 2 == 1);
        if (!parsed.ok())
            return invalid(std::string("relay add: ") + kNames[i] + ": " + parsed.error().message);
        e[i] = *parsed;
    }
    auto spec = make_relay_spec(e[0], e[1], e[2], e[3], latch);
    if (!spec.ok())
        return invalid("relay add: " + spec.error().message);
    cmd.verb = RelayCommand::Verb::kAdd;
    cmd.spec = *spec;
    return cmd;
}

}  // namespace mg::control
