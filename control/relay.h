// Static relays: what control keeps of them, their legs on the dataplane channel,
// the owner tags that let a restarted control rebuild them from the dataplane's
// dump, and the words of `mediagatectl relay ...`.
//
// Cold path, pure functions (no I/O), shared by mediagate-control and mediagatectl.
// A relay is two legs that name each other: leg A (local A, peer A, other = B) and
// leg B (local B, peer B, other = A); what peer A sends to local A goes out of
// local B to peer B, and back. A peer of "any" is learned by latching.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "configs/config.h"
#include "dataplane/api/channel.h"

namespace mg::control {

namespace api = dataplane::api;

// The owner tag of a leg (api::LegSpec::owner_tag). Its layout is defined here and
// nowhere else:
//   bits 63..56  kind (OwnerKind)
//   bits 55..1   relay id, 1..kMaxRelayId, assigned by control, increasing
//   bit  0       side: 0 = leg A, 1 = leg B
// Kinds this release does not know (calls, later) are left alone by everything here.
enum class OwnerKind : uint8_t {
    kNone = 0,
    kCliRelay = 1,     // a static relay added with `mediagatectl relay add`
    kConfigRelay = 2,  // a static relay from a [[relay]] table
};
const char* to_string(OwnerKind k);  // "cli", "config", "other"

inline constexpr uint64_t kMaxRelayId = (uint64_t{1} << 55) - 1;

struct OwnerTag {
    OwnerKind kind = OwnerKind::kNone;  // as found (any byte value)
    uint64_t id = 0;
    unsigned side = 0;

    uint64_t encode() const;  // MG_CHECK: id <= kMaxRelayId, side <= 1
    static OwnerTag decode(uint64_t tag);
    bool is_relay() const {
        return kind == OwnerKind::kCliRelay || kind == OwnerKind::kConfigRelay;
    }
};

// What a relay is, independent of its id: sides 0 (A) and 1 (B).
struct RelaySpec {
    std::array<configs::Endpoint, 2> local;
    std::array<configs::Endpoint, 2> peer;
    std::array<bool, 2> latch{};  // per leg: `--latch` / latch = true, or its peer is any

    // "192.0.2.1:20000 <-> 198.51.100.7:5004 | 203.0.113.1:20000 <-> any (latch)"
    std::string describe() const;
    friend bool operator==(const RelaySpec&, const RelaySpec&) = default;
};

// Validates and builds a spec: locals are addresses (not "any") and differ from
// each other; a peer is not one of the relay's own locals. Errors: kInvalidInput.
Result<RelaySpec> make_relay_spec(const configs::Endpoint& local_a,
                                  const configs::Endpoint& peer_a,
                                  const configs::Endpoint& local_b,
                                  const configs::Endpoint& peer_b,
                                  bool latch);
// A [[relay]] table's spec (the loader validated it; MG_CHECK).
RelaySpec spec_of(const configs::StaticRelay& r);

struct Relay {
    uint64_t id = 0;
    OwnerKind kind = OwnerKind::kCliRelay;
    std::string name;  // config relays: the [[relay]] name; "" for CLI relays
    RelaySpec spec;
    bool installed = false;  // its legs are in the connected dataplane (as far as we know)
    std::string error;       // why the dataplane refused it the last time; "" = none
};

// Addresses in wire form: IPv4 as ::ffff:a.b.c.d; "any" is all zero.
api::Addr to_wire(const lists::Address& a);
api::Addr to_wire(const configs::Endpoint& e);
configs::Endpoint endpoint_from_wire(const api::Addr& a, uint16_t port);

api::LegKey leg_key(const configs::Endpoint& local);  // MG_CHECK: not "any"
std::array<api::LegKey, 2> leg_keys(const RelaySpec& s);
// Both legs, for one AddLegs message (the dataplane applies it all or nothing).
std::array<api::LegSpec, 2> leg_specs(const Relay& r);

// The static relays found in a dump (or any list of legs).
struct DumpedRelay {
    uint64_t id = 0;
    OwnerKind kind = OwnerKind::kCliRelay;
    RelaySpec spec;
};
struct DumpScan {
    std::vector<DumpedRelay> relays;  // both legs present and naming each other, by id
    std::vector<api::LegKey> stray;   // relay legs that do not make a relay: to delete
    size_t foreign = 0;               // legs of other owners (left alone)
    uint64_t max_id = 0;              // the highest relay id in any relay tag
};
DumpScan scan_dump(std::span<const api::LegInfo> legs);

// `relay ...` words after "relay" (the daemon receives them without --json):
//   add LOCAL_A PEER_A LOCAL_B PEER_B [--latch]
//   del ID
//   list
// Any error is a usage error; its message has no "mediagatectl: " prefix.
struct RelayCommand {
    enum class Verb { kAdd, kDel, kList };
    Verb verb = Verb::kList;
    RelaySpec spec;   // kAdd
    uint64_t id = 0;  // kDel
};
Result<RelayCommand> parse_relay_words(std::span<const std::string> words);
// A decimal relay id 1..kMaxRelayId (digits only, no leading zero).
std::optional<uint64_t> parse_relay_id(std::string_view text);

}  // namespace mg::control
