// Dataplane: the channel requests (see dataplane.h, dataplane/api/channel.h).
// Cold path, main lcore. Every request is validated whole before anything is
// applied; an Error reply means nothing changed.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <unordered_set>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dataplane/dataplane.h"
#include "dataplane/emit.h"
#include "lists/printer.h"

namespace mg::dataplane {
namespace {

using api::ErrorKind;
using api::MessageBuilder;
using api::MsgType;

constexpr uint32_t kNoEntry = UINT32_MAX;
constexpr size_t kMaxListRanges = 4u * 1024 * 1024;  // over all lists of one push

IpAddr to_ip(const api::Addr& a) {
    return IpAddr::from_v6_wire(a.bytes);
}
api::Addr to_addr(const IpAddr& a) {
    api::Addr r;
    std::memcpy(r.bytes, a.bytes, sizeof r.bytes);
    return r;
}
std::string show(const IpAddr& a) {
    return lists::format_address(a.to_address());
}
std::string show_key(const IpAddr& a, uint16_t port) {
    return a.is_v4() ? show(a) + ":" + std::to_string(port)
                     : "[" + show(a) + "]:" + std::to_string(port);
}
uint32_t key_of(uint16_t local_index, uint16_t port) {
    return (static_cast<uint32_t>(local_index) << 16) | port;
}

void reply_error(std::vector<std::vector<uint8_t>>& out,
                 uint32_t seq,
                 ErrorKind kind,
                 uint32_t entry,
                 const std::string& text) {
    out.push_back(api::make_error(seq, kind, entry, text));
}

void reply_ok(std::vector<std::vector<uint8_t>>& out, uint32_t seq, uint32_t count) {
    out.push_back(api::make_ok(seq, count));
}

// An IPv4-mapped range converted to the lists' IPv4 interval, or IPv6.
bool add_range(lists::AddressSet& set, const IpAddr& first, const IpAddr& last) {
    const lists::Address a = first.to_address();
    const lists::Address b = last.to_address();
    if (a.is_v4() != b.is_v4()) {
        return false;
    }
    if (a.is_v4()) {
        const uint32_t lo = a.v4_value();
        const uint32_t hi = b.v4_value();
        if (lo > hi || (!set.v4.empty() && set.v4.back().last >= lo)) {
            return false;
        }
        set.v4.push_back({lo, hi});
    } else {
        if (a.value > b.value || (!set.v6.empty() && set.v6.back().last >= a.value)) {
            return false;
        }
        set.v6.push_back({a.value, b.value});
    }
    return true;
}

}  // namespace

void Dataplane::handle_message(std::span<const uint8_t> request,
                               std::vector<std::vector<uint8_t>>& out,
                               bool& close,
                               int client) {
    close = false;
    auto parsed = api::parse_message(request);
    if (!parsed) {
        uint32_t seq = 0;
        if (request.size() >= sizeof(api::Header)) {
            std::memcpy(&seq, request.data() + 8, sizeof seq);
        }
        const bool version = parsed.error().message.rfind("version", 0) == 0;
        reply_error(out, seq, version ? ErrorKind::kVersionMismatch : ErrorKind::kBadMessage,
                    kNoEntry, "dataplane: " + parsed.error().message);
        close = version;
        return;
    }
    const api::MessageView& m = *parsed;
    switch (m.type()) {
        case MsgType::kHello: on_hello(m, out, close); return;
        case MsgType::kListsBegin:
        case MsgType::kListsChunk:
        case MsgType::kListsCommit:
            on_lists(m, out, client);
            return;
        case MsgType::kAddLegs: on_add_legs(m, out); return;
        case MsgType::kDelLegs: on_del_legs(m, out); return;
        case MsgType::kQueryLegs: on_query_legs(m, out); return;
        case MsgType::kDump: on_dump(m, out); return;
        case MsgType::kStats: on_stats(m, out); return;
        case MsgType::kEmit: on_emit(m, out); return;
        default: break;
    }
    reply_error(out, m.header.seq, ErrorKind::kBadMessage, kNoEntry,
                std::string("dataplane: '") + api::type_name(m.type()) +
                    "' is not a request the dataplane takes");
}

void Dataplane::on_hello(const api::MessageView& m,
                         std::vector<std::vector<uint8_t>>& out,
                         bool& close) {
    close = false;
    api::HelloReplyBody r;
    r.instance = instance_;
    r.pid = static_cast<uint32_t>(getpid());
    r.workers = static_cast<uint32_t>(workers_.size());
    r.ports = static_cast<uint32_t>(ports_.size());
    r.max_legs = relays_.max_legs();
    r.legs = static_cast<uint32_t>(relays_.size());
    r.lists_generation = lists_generation_;
    MessageBuilder b(MsgType::kHelloReply, m.header.seq);
    b.fixed(r);
    out.push_back(b.bytes());
}

void Dataplane::abandon_lists() {
    lists_open_ = false;
    lists_client_ = -1;
    staging_.clear();
    staging_.shrink_to_fit();
    staging_ranges_ = 0;
}

void Dataplane::client_gone(int client) {
    if (lists_open_ && lists_client_ == client) {
        abandon_lists();
        log_line(kLogWarning, "channel: a lists push was abandoned (its client went away)");
    }
}

void Dataplane::on_lists(const api::MessageView& m,
                         std::vector<std::vector<uint8_t>>& out,
                         int client) {
    const uint32_t seq = m.header.seq;
    const auto n_lists = static_cast<size_t>(api::ListId::kCount);
    const uint64_t now = rte_rdtsc();
    if (m.type() == MsgType::kListsBegin) {
        if (lists_open_ && lists_client_ != client) {
            if (tsc_to_ms(now - lists_touched_tsc_) < lists_push_idle_ms_) {
                reply_error(out, seq, ErrorKind::kBusy, kNoEntry,
                            "dataplane: another client is pushing lists");
                return;
            }
            log_line(kLogWarning, "channel: a lists push silent for " +
                                      std::to_string(lists_push_idle_ms_) +
                                      " ms was abandoned for another client's");
        }
        staging_.assign(n_lists, lists::AddressSet{});
        staging_ranges_ = 0;
        lists_open_ = true;
        lists_client_ = client;
        lists_touched_tsc_ = now;
        reply_ok(out, seq, 0);
        return;
    }
    if (!lists_open_ || lists_client_ != client) {
        reply_error(out, seq, ErrorKind::kBusy, kNoEntry,
                    std::string("dataplane: ") + api::type_name(m.type()) +
                        " without lists-begin");
        return;
    }
    if (m.type() == MsgType::kListsChunk) {
        if (staging_ranges_ + m.header.count > kMaxListRanges) {
            abandon_lists();
            reply_error(out, seq, ErrorKind::kLimit, kNoEntry,
                        "dataplane: lists over " + std::to_string(kMaxListRanges) +
                            " ranges; the push is abandoned");
            return;
        }
        // Appended in place; a bad range abandons the whole push (the published
        // lists stay as they are), so nothing needs undoing.
        for (uint32_t i = 0; i < m.header.count; ++i) {
            const auto e = m.entry<api::RangeEntry>(i);
            std::string why;
            if (e.list >= n_lists) {
                why = "unknown list " + std::to_string(e.list);
            } else if (!add_range(staging_[e.list], to_ip(e.first), to_ip(e.last))) {
                why = std::string("list ") + api::list_name(static_cast<api::ListId>(e.list)) +
                      " (" + show(to_ip(e.first)) + "-" + show(to_ip(e.last)) +
                      "): mixed families, reversed, or not after the previous range";
            }
            if (!why.empty()) {
                abandon_lists();
                reply_error(out, seq, ErrorKind::kInvalid, i,
                            "dataplane: range " + std::to_string(i) + ": " + why +
                                "; the push is abandoned");
                return;
            }
        }
        staging_ranges_ += m.header.count;
        lists_touched_tsc_ = now;
        reply_ok(out, seq, m.header.count);
        return;
    }
    // Commit: compile and publish.
    std::vector<lists::NamedList> named;
    for (size_t i = 0; i < n_lists; ++i) {
        named.push_back({api::list_name(static_cast<api::ListId>(i)), staging_[i]});
    }
    auto classifier = lists::Classifier::build(std::move(named));
    if (!classifier) {
        abandon_lists();
        reply_error(out, seq, ErrorKind::kInvalid, kNoEntry,
                    "dataplane: lists: " + classifier.error().message);
        return;
    }
    auto next = std::make_unique<Snapshot>(snapshot_.latest());
    next->lists = std::move(*classifier);
    next->debug_mask = 1u << static_cast<unsigned>(api::ListId::kDebug);
    next->lists_generation = ++lists_generation_;
    for (size_t i = 0; i < n_lists; ++i) {
        list_ranges_[i] = static_cast<uint32_t>(staging_[i].v4.size() + staging_[i].v6.size());
    }
    abandon_lists();  // done with the push
    publish(std::move(next));
    log_line(kLogInfo, "lists published (generation " + std::to_string(lists_generation_) +
                           ": lan " + std::to_string(list_ranges_[0]) + ", client " +
                           std::to_string(list_ranges_[1]) + ", nated " +
                           std::to_string(list_ranges_[2]) + ", debug " +
                           std::to_string(list_ranges_[3]) + " ranges)");
    remark_debug_legs();
    reply_ok(out, seq, 0);
}

void Dataplane::remark_debug_legs() {
    // publish() waited for a grace period: every worker latches with these lists now.
    const Snapshot& snap = snapshot_.latest();
    const auto debug = [&snap](const IpAddr& a) -> uint8_t {
        return !a.is_unspecified() && (snap.lists.classify(a.to_address()) & snap.debug_mask) != 0
                   ? kLegDebug
                   : 0;
    };
    struct Change {
        uint16_t local_addr_index;
        uint16_t port;
        uint8_t flags;
    };
    std::vector<Change> changes;
    relays_.for_each([&](const Leg& leg) {
        const uint8_t flags = static_cast<uint8_t>((leg.flags & ~kLegDebug) | debug(leg.peer));
        IpAddr learned;
        uint16_t learned_port = 0;
        uint8_t learned_flags = 0;
        const LearnedRead r = read_learned(leg, learned, learned_port, learned_flags);
        // A leg being latched right now may change either way: remark() judges it.
        if (flags != leg.flags || r == LearnedRead::kChanging ||
            (r == LearnedRead::kRead && debug(learned) != (learned_flags & kLegDebug))) {
            changes.push_back({leg.local_addr_index, leg.local_port, flags});
        }
    });
    if (changes.empty()) {
        return;
    }
    size_t busy = 0;
    for (const Change& c : changes) {
        auto done = relays_.remark(c.local_addr_index, c.port, c.flags, debug);
        if (!done.ok()) {
            MG_CHECK(done.error().code == ErrorCode::kLimit, "dataplane: remarking a leg: %s",
                     done.error().message.c_str());
            ++busy;
        }
    }
    urcu_qsbr_synchronize_rcu();
    relays_.reclaim_retired();
    log_line(kLogInfo, "lists: the Debug mark of " + std::to_string(changes.size() - busy) +
                           " leg(s) changed" +
                           (busy == 0 ? std::string()
                                      : " (" + std::to_string(busy) +
                                            " being latched kept theirs until the next push)"));
}

void Dataplane::on_add_legs(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out) {
    const uint32_t seq = m.header.seq;
    const Snapshot& snap = snapshot_.latest();
    const uint32_t n = m.header.count;
    if (relays_.size() + n > relays_.max_legs()) {
        reply_error(out, seq, ErrorKind::kLimit, kNoEntry,
                    "dataplane: " + std::to_string(n) + " more legs would exceed max_legs = " +
                        std::to_string(relays_.max_legs()) + " (" +
                        std::to_string(relays_.size()) + " in use)");
        return;
    }
    std::vector<Leg> legs;
    std::unordered_set<uint32_t> batch;
    legs.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
        const auto s = m.entry<api::LegSpec>(i);
        const std::string where = "dataplane: leg " + std::to_string(i) + " (" +
                                  show_key(to_ip(s.local), s.local_port) + ")";
        auto refuse = [&](ErrorKind kind, const std::string& why) {
            reply_error(out, seq, kind, i, where + ": " + why);
        };
        const int local = snap.locals.find(to_ip(s.local));
        if (local < 0) {
            return refuse(ErrorKind::kInvalid, "not an address of this dataplane");
        }
        if (s.local_port == 0) {
            return refuse(ErrorKind::kInvalid, "port 0");
        }
        const configs::PortRange range =
            ports_[local_port_index_[static_cast<size_t>(local)]].config.udp_ports.value_or(
                config_.media.udp_ports);
        if (s.local_port < range.first || s.local_port > range.last) {
            return refuse(ErrorKind::kInvalid,
                          "port outside the media UDP ports " + range.format());
        }
        const int other = snap.locals.find(to_ip(s.other_local));
        if (other < 0 || s.other_port == 0) {
            return refuse(ErrorKind::kInvalid, "the other leg " +
                                                   show_key(to_ip(s.other_local), s.other_port) +
                                                   " is not on this dataplane");
        }
        const IpAddr peer = to_ip(s.peer);
        const bool latch = (s.flags & api::kSpecLatch) != 0;
        if (!latch && (peer.is_unspecified() || s.peer_port == 0)) {
            return refuse(ErrorKind::kInvalid, "a peer of 'any' needs latching");
        }
        if ((s.flags & ~api::kSpecLatch) != 0 || (s.dscp > 63 && s.dscp != 0xff)) {
            return refuse(ErrorKind::kInvalid, "unknown flags or a DSCP over 63");
        }
        const uint32_t key = key_of(static_cast<uint16_t>(local), s.local_port);
        if (relays_.find(static_cast<uint16_t>(local), s.local_port) != nullptr ||
            !batch.insert(key).second) {
            return refuse(ErrorKind::kInvalid, "the port already has a leg");
        }
        Leg leg;
        leg.peer = peer;
        leg.owner_tag = s.owner_tag;
        leg.local_addr_index = static_cast<uint16_t>(local);
        leg.local_port = s.local_port;
        leg.peer_port = s.peer_port;
        leg.other_addr_index = static_cast<uint16_t>(other);
        leg.other_port = s.other_port;
        leg.flags = latch ? kLegLatch : 0;
        if (!peer.is_unspecified() &&
            (snap.lists.classify(peer.to_address()) & snap.debug_mask) != 0) {
            leg.flags |= kLegDebug;
        }
        if (peer.is_v4() != to_ip(s.other_local).is_v4()) {
            leg.flags |= kLegFamilyBridge;
        }
        leg.dscp = s.dscp != 0xff
                       ? s.dscp
                       : ports_[local_port_index_[static_cast<size_t>(local)]].config.dscp;
        legs.push_back(leg);
    }
    const uint32_t now_ticks = idle_ticks(rte_rdtsc());
    for (Leg& leg : legs) {
        leg.idle_mark = now_ticks;  // a leg that never receives is silent from now
        MG_CHECK(relays_.add(leg).ok(), "dataplane: a validated leg was refused");
    }
    reply_ok(out, seq, n);
}

void Dataplane::on_del_legs(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out) {
    const uint32_t seq = m.header.seq;
    const Snapshot& snap = snapshot_.latest();
    std::vector<std::pair<uint16_t, uint16_t>> keys;
    std::unordered_set<uint32_t> batch;
    for (uint32_t i = 0; i < m.header.count; ++i) {
        const auto k = m.entry<api::LegKey>(i);
        const int local = snap.locals.find(to_ip(k.local));
        if (local < 0 || relays_.find(static_cast<uint16_t>(local), k.port) == nullptr ||
            !batch.insert(key_of(static_cast<uint16_t>(local), k.port)).second) {
            reply_error(out, seq, ErrorKind::kNotFound, i,
                        "dataplane: leg " + std::to_string(i) + " (" +
                            show_key(to_ip(k.local), k.port) + "): no such leg");
            return;
        }
        keys.emplace_back(static_cast<uint16_t>(local), k.port);
    }
    for (const auto& [local, port] : keys) {
        MG_CHECK(relays_.remove(local, port).ok(), "dataplane: a validated leg is gone");
    }
    urcu_qsbr_synchronize_rcu();
    relays_.reclaim_retired();
    reply_ok(out, seq, static_cast<uint32_t>(keys.size()));
}

api::LegInfo Dataplane::leg_info(const Leg& leg, uint64_t now_tsc) const {
    const Snapshot& snap = snapshot_.latest();
    api::LegInfo info;
    info.spec.local = to_addr(snap.locals.at(leg.local_addr_index).addr);
    info.spec.peer = to_addr(leg.peer);
    info.spec.other_local = to_addr(snap.locals.at(leg.other_addr_index).addr);
    info.spec.local_port = leg.local_port;
    info.spec.peer_port = leg.peer_port;
    info.spec.other_port = leg.other_port;
    info.spec.flags = (leg.flags & kLegLatch) != 0 ? api::kSpecLatch : 0;
    info.spec.dscp = leg.dscp;
    info.spec.owner_tag = leg.owner_tag;
    // A re-latch may be writing the learned peer right now: read again until a
    // whole one is seen (a re-latch is a handful of stores; a few tries suffice).
    IpAddr learned;
    uint16_t learned_port = 0;
    uint8_t learned_flags = 0;
    LearnedRead read = LearnedRead::kChanging;
    for (int tries = 0; tries < 1000 && read == LearnedRead::kChanging; ++tries) {
        read = read_learned(leg, learned, learned_port, learned_flags);
    }
    if (read == LearnedRead::kRead) {
        info.latched = 1;
        info.learned_peer = to_addr(learned);
        info.learned_port = learned_port;
    }
    auto direction = [&](const LegCounters& c) {
        api::DirectionCounters d;
        d.packets = __atomic_load_n(&c.packets, __ATOMIC_RELAXED);
        d.bytes = __atomic_load_n(&c.bytes, __ATOMIC_RELAXED);
        const uint64_t last = __atomic_load_n(&c.last_tsc, __ATOMIC_RELAXED);
        d.idle_ms = last == 0 ? UINT64_MAX : tsc_to_ms(now_tsc - std::min(now_tsc, last));
        return d;
    };
    info.in = direction(leg.in);
    info.out = direction(leg.out);
    return info;
}

void Dataplane::on_query_legs(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out) {
    const uint32_t seq = m.header.seq;
    const Snapshot& snap = snapshot_.latest();
    if (m.header.count > MessageBuilder::max_entries(MsgType::kLegs)) {
        reply_error(out, seq, ErrorKind::kLimit, kNoEntry,
                    "dataplane: at most " +
                        std::to_string(MessageBuilder::max_entries(MsgType::kLegs)) +
                        " legs per query");
        return;
    }
    const uint64_t now = rte_rdtsc();
    MessageBuilder b(MsgType::kLegs, seq);
    for (uint32_t i = 0; i < m.header.count; ++i) {
        const auto k = m.entry<api::LegKey>(i);
        const int local = snap.locals.find(to_ip(k.local));
        const Leg* leg =
            local < 0 ? nullptr : relays_.find(static_cast<uint16_t>(local), k.port);
        if (leg == nullptr) {
            reply_error(out, seq, ErrorKind::kNotFound, i,
                        "dataplane: leg " + std::to_string(i) + " (" +
                            show_key(to_ip(k.local), k.port) + "): no such leg");
            return;
        }
        b.add(leg_info(*leg, now));
    }
    out.push_back(b.bytes());
}

void Dataplane::on_dump(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out) {
    const uint32_t seq = m.header.seq;
    const size_t per = MessageBuilder::max_entries(MsgType::kLegs);
    const uint64_t now = rte_rdtsc();
    std::vector<MessageBuilder> chunks;
    chunks.emplace_back(MsgType::kLegs, seq);
    relays_.for_each([&](const Leg& leg) {
        if (chunks.back().count() == per) {
            chunks.back().set_flags(api::kFlagMore);
            chunks.emplace_back(MsgType::kLegs, seq);
        }
        chunks.back().add(leg_info(leg, now));
    });
    for (const auto& c : chunks) {
        out.push_back(c.bytes());
    }
}

void Dataplane::on_stats(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out) {
    MessageBuilder b(MsgType::kStatsReply, m.header.seq);
    b.fixed(stats());
    for (const auto& p : ports_) {
        api::PortInfo info;
        std::snprintf(info.name, sizeof info.name, "%s", p.config.name.c_str());
        std::snprintf(info.device, sizeof info.device, "%s", p.config.device.c_str());
        std::snprintf(info.role, sizeof info.role, "%s", p.config.role.c_str());
        std::memcpy(info.mac, p.mac.addr_bytes, sizeof info.mac);
        rte_eth_link link{};
        if (rte_eth_link_get_nowait(p.port_id, &link) == 0) {
            info.link_up = link.link_status == RTE_ETH_LINK_UP ? 1 : 0;
        }
        rte_eth_stats st{};
        if (rte_eth_stats_get(p.port_id, &st) == 0) {
            info.rx = st.ipackets;
            info.tx = st.opackets;
            info.rx_missed = st.imissed;
            info.tx_errors = st.oerrors;
        }
        if (!p.tap_device.empty()) {
            std::snprintf(info.tap, sizeof info.tap, "%s", p.config.tap.c_str());
            rte_eth_stats tap{};
            if (rte_eth_stats_get(p.tap_port_id, &tap) == 0) {
                info.tap_rx = tap.ipackets;
                info.tap_tx = tap.opackets;
            }
        }
        b.add(info);
    }
    out.push_back(b.bytes());
}

void Dataplane::on_emit(const api::MessageView& m, std::vector<std::vector<uint8_t>>& out) {
    const uint32_t seq = m.header.seq;
    const Snapshot& snap = snapshot_.latest();
    // Validate all first.
    for (uint32_t i = 0; i < m.header.count; ++i) {
        const auto e = m.entry<api::EmitEntry>(i);
        const IpAddr local = to_ip(e.local);
        const IpAddr peer = to_ip(e.peer);
        std::string why;
        if (snap.locals.find(local) < 0) {
            why = "not an address of this dataplane";
        } else if (e.local_port == 0 || e.peer_port == 0 || peer.is_unspecified()) {
            why = "port 0 or no peer";
        } else if (e.length == 0 || e.length > api::EmitEntry::kMaxPayload) {
            why = "payload length " + std::to_string(e.length) + " (1.." +
                  std::to_string(api::EmitEntry::kMaxPayload) + ")";
        } else if (local.is_v4() != peer.is_v4()) {
            why = "local address and peer differ in family";
        }
        if (!why.empty()) {
            reply_error(out, seq, ErrorKind::kInvalid, i,
                        "dataplane: emit " + std::to_string(i) + " (" +
                            show_key(local, e.local_port) + " -> " +
                            show_key(peer, e.peer_port) + "): " + why);
            return;
        }
    }
    uint32_t sent = 0;
    for (uint32_t i = 0; i < m.header.count; ++i) {
        const auto e = m.entry<api::EmitEntry>(i);
        const IpAddr peer = to_ip(e.peer);
        const LocalAddress& from = snap.locals.at(static_cast<uint16_t>(snap.locals.find(to_ip(e.local))));
        const IpAddr& hop = from.next_hop(peer);
        const rte_ether_addr* mac = snap.neighbours.find(hop, from.port_id);
        if (mac == nullptr) {
            solicit(hop, static_cast<uint16_t>(snap.locals.find(from.addr)), last_age_ms_, false);
            continue;  // counted as not sent; the next keepalive finds the MAC
        }
        rte_mbuf* frame = build_udp(pool_, from, e.local_port, peer, e.peer_port, *mac,
                                    std::span<const uint8_t>(e.payload, e.length));
        if (frame != nullptr && send_from_main(frame)) {
            ++sent;
        }
    }
    emitted_ += sent;
    reply_ok(out, seq, sent);
}

}  // namespace mg::dataplane
