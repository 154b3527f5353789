#include "control/dataplane_commands.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "control/commands.h"
#include "control/json.h"

namespace mg::control {
namespace {

CommandOutput usage(const std::string& why) {
    return CommandOutput::fail(kExitUsage, "mediagatectl: " + why + " (see mediagatectl --help)");
}

// kIo (not connected, no answer, connection lost): exit 2; a refusal: exit 1.
CommandOutput failure(const std::string& command, const Error& e) {
    return CommandOutput::fail(e.code == ErrorCode::kIo ? kExitNoAnswer : kExitNegative,
                               "mediagatectl: " + command + ": " + e.message);
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

// A fixed-size text field from the dataplane: up to its first NUL, control bytes
// replaced.
template <size_t N>
std::string field(const char (&text)[N]) {
    std::string out;
    for (size_t i = 0; i < N && text[i] != '\0'; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : text[i];
    }
    return out;
}

std::string mac_text(const uint8_t (&mac)[6]) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return buf;
}

uint64_t dropped(const api::StatsBody& s) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < std::min<uint32_t>(s.drop_reasons, api::kMaxDropReasons); ++i)
        sum += s.drops[i];
    return sum;
}

// The name of drops[i] (api::kDropReasonNames; a reason this control does not
// know by name is shown by its number).
std::string drop_name(uint32_t i) {
    return i < api::kDropReasonNameCount ? api::kDropReasonNames[i]
                                         : "reason_" + std::to_string(i);
}

// "not_for_us 12, unknown_port 3": the reasons that dropped something.
std::string drops_text(const api::StatsBody& s) {
    std::string out;
    for (uint32_t i = 0; i < std::min<uint32_t>(s.drop_reasons, api::kMaxDropReasons); ++i) {
        if (s.drops[i] != 0)
            out += (out.empty() ? "" : ", ") + drop_name(i) + " " + std::to_string(s.drops[i]);
    }
    return out.empty() ? "none" : out;
}

std::string idle_text(uint64_t ms) {
    if (ms == UINT64_MAX)
        return "never";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
    return buf;
}

// The peer a leg sends to: the learned one once latched.
std::string peer_text(const RelayView& v, unsigned side, bool& learned) {
    if (v.has_legs && v.legs[side].latched) {
        learned = true;
        return endpoint_from_wire(v.legs[side].learned_peer, v.legs[side].learned_port).format() +
               "*";
    }
    return v.relay.spec.peer[side].format();
}

const char* state_of(const RelayView& v) {
    return v.relay.installed ? "active" : v.relay.error.empty() ? "pending" : "refused";
}

std::string counters_json(const api::DirectionCounters& c) {
    JsonObject o;
    o.unum("packets", c.packets).unum("bytes", c.bytes);
    if (c.idle_ms == UINT64_MAX)
        o.null("idle_ms");
    else
        o.unum("idle_ms", c.idle_ms);
    return o.done();
}

std::string leg_json(const RelayView& v, unsigned side) {
    const RelaySpec& s = v.relay.spec;
    JsonObject o;
    o.str("local", s.local[side].format())
        .str("peer", s.peer[side].format())
        .boolean("latch", s.latch[side]);
    const api::LegInfo& l = v.legs[side];
    o.boolean("latched", v.has_legs && l.latched != 0);
    if (v.has_legs && l.latched)
        o.str("learned_peer", endpoint_from_wire(l.learned_peer, l.learned_port).format());
    else
        o.null("learned_peer");
    if (v.has_legs)
        o.raw("in", counters_json(l.in)).raw("out", counters_json(l.out));
    else
        o.null("in").null("out");
    return o.done();
}

std::string spec_json(const RelaySpec& s, unsigned side) {
    return JsonObject()
        .str("local", s.local[side].format())
        .str("peer", s.peer[side].format())
        .boolean("latch", s.latch[side])
        .done();
}

}  // namespace

void run_relay_command(DataplaneLink& link,
                       std::span<const std::string> words,
                       bool json,
                       std::function<void(CommandOutput)> reply) {
    auto cmd = parse_relay_words(words);
    if (!cmd.ok())
        return reply(usage(cmd.error().message));
    switch (cmd->verb) {
        case RelayCommand::Verb::kAdd:
            return link.add_relay(cmd->spec, [reply, spec = cmd->spec, json](Result<uint64_t> r) {
                reply(relay_add_output(r, spec, json));
            });
        case RelayCommand::Verb::kDel:
            return link.del_relay(cmd->id, [reply, id = cmd->id, json](Result<bool> r) {
                reply(relay_del_output(r, id, json));
            });
        case RelayCommand::Verb::kList:
            return link.list_relays([reply, json](Result<std::vector<RelayView>> r) {
                reply(relay_list_output(r, json));
            });
    }
}

CommandOutput relay_add_output(const Result<uint64_t>& r, const RelaySpec& spec, bool json) {
    if (!r.ok())
        return failure("relay add", r.error());
    if (!json)
        return CommandOutput::ok(std::to_string(*r) + "\n");
    return CommandOutput::ok(JsonObject()
                                 .unum("id", *r)
                                 .raw("a", spec_json(spec, 0))
                                 .raw("b", spec_json(spec, 1))
                                 .done() +
                             "\n");
}

CommandOutput relay_del_output(const Result<bool>& r, uint64_t id, bool json) {
    if (!r.ok())
        return failure("relay del", r.error());
    if (json)
        return CommandOutput::ok(JsonObject().unum("deleted", id).done() + "\n");
    return CommandOutput::ok("deleted relay " + std::to_string(id) + "\n");
}

CommandOutput relay_list_output(const Result<std::vector<RelayView>>& r, bool json) {
    if (!r.ok())
        return failure("relay list", r.error());
    if (json) {
        JsonArray arr;
        for (const auto& v : *r) {
            arr.raw(JsonObject()
                        .unum("id", v.relay.id)
                        .str("name", v.relay.name)
                        .str("origin", to_string(v.relay.kind))
                        .str("state", state_of(v))
                        .str("error", v.relay.error)
                        .raw("a", leg_json(v, 0))
                        .raw("b", leg_json(v, 1))
                        .done());
        }
        return CommandOutput::ok(JsonObject().raw("relays", arr.done()).done() + "\n");
    }
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "STATE", "LOCAL_A", "PEER_A",
                                                "LOCAL_B", "PEER_B", "A_IN", "A_OUT", "B_IN",
                                                "B_OUT", "IDLE"}};
    bool learned = false;
    std::string notes;
    auto pb = [](const api::DirectionCounters& c) {
        return std::to_string(c.packets) + "/" + std::to_string(c.bytes);
    };
    for (const auto& v : *r) {
        const RelaySpec& s = v.relay.spec;
        std::vector<std::string> row{std::to_string(v.relay.id),
                                     v.relay.name.empty() ? "-" : v.relay.name,
                                     state_of(v),
                                     s.local[0].format(),
                                     peer_text(v, 0, learned),
                                     s.local[1].format(),
                                     peer_text(v, 1, learned)};
        if (v.has_legs) {
            row.insert(row.end(),
                       {pb(v.legs[0].in), pb(v.legs[0].out), pb(v.legs[1].in), pb(v.legs[1].out),
                        idle_text(std::min(v.legs[0].in.idle_ms, v.legs[1].in.idle_ms))});
        } else {
            row.insert(row.end(), {"-", "-", "-", "-", "-"});
        }
        rows.push_back(std::move(row));
        if (!v.relay.error.empty())
            notes += "relay " + std::to_string(v.relay.id) + ": " + v.relay.error + "\n";
    }
    std::string out = format_table(rows);
    if (learned)
        out += "* learned by latching\n";
    out += notes;
    return CommandOutput::ok(out);
}

std::string dataplane_status_text(const DataplaneFacts& f) {
    std::vector<std::vector<std::string>> kv;
    std::string relays = std::to_string(f.relays) + " static (" + std::to_string(f.config_relays) +
                         " from the config, " + std::to_string(f.relays_refused) +
                         " not in the dataplane)";
    if (!f.hello) {
        kv.push_back({"dataplane", f.state == "disconnected"
                                       ? "not connected (" + f.error + ")"
                                       : "not connected yet (" + f.state + ", " + f.socket + ")"});
        kv.push_back({"relays", relays});
        return "\n" + format_table(kv);
    }
    const api::HelloReplyBody& h = *f.hello;
    kv.push_back({"dataplane", f.state + ", " + f.socket + " (pid " + std::to_string(h.pid) +
                                   ", instance " + hex(h.instance) + ")"});
    if (!f.stats) {
        kv.push_back(
            {"stats", f.error.empty() ? "not available yet" : "not available (" + f.error + ")"});
        kv.push_back({"relays", relays});
        return "\n" + format_table(kv);
    }
    const api::StatsBody& s = *f.stats;
    kv.push_back({"workers", std::to_string(s.workers)});
    kv.push_back({"legs", std::to_string(s.legs) + " of " + std::to_string(s.max_legs)});
    kv.push_back({"lists", "generation " + std::to_string(s.lists_generation) + " (lan " +
                               std::to_string(s.list_ranges[0]) + ", client " +
                               std::to_string(s.list_ranges[1]) + ", nated " +
                               std::to_string(s.list_ranges[2]) + ", debug " +
                               std::to_string(s.list_ranges[3]) + " ranges)"});
    kv.push_back({"packets", "rx " + std::to_string(s.rx) + ", tx " + std::to_string(s.tx) +
                                 ", relayed " + std::to_string(s.relayed) + ", dropped " +
                                 std::to_string(dropped(s)) + ", tx dropped " +
                                 std::to_string(s.tx_dropped) + ", exception " +
                                 std::to_string(s.exception)});
    kv.push_back({"drops", drops_text(s)});
    kv.push_back({"host", "TAPs: to host " + std::to_string(s.to_host) + ", from host " +
                                     std::to_string(s.from_host) + ", dropped " +
                                     std::to_string(s.host_dropped)});
    kv.push_back({"relays", relays});
    std::string out = "\n" + format_table(kv);
    std::vector<std::vector<std::string>> ports{
        {"PORT", "DEVICE", "ROLE", "MAC", "LINK", "RX", "TX", "RX_MISSED", "TX_ERRORS", "TAP"}};
    for (const auto& p : f.ports) {
        const std::string tap = field(p.tap);
        ports.push_back({field(p.name), field(p.device), field(p.role), mac_text(p.mac),
                         p.link_up ? "up" : "down", std::to_string(p.rx), std::to_string(p.tx),
                         std::to_string(p.rx_missed), std::to_string(p.tx_errors),
                         tap.empty() ? "-"
                                     : tap + " (to host " + std::to_string(p.tap_tx) +
                                           ", from host " + std::to_string(p.tap_rx) + ")"});
    }
    return out + "\n" + format_table(ports);
}

std::string dataplane_status_json(const DataplaneFacts& f) {
    JsonObject o;
    o.str("socket", f.socket)
        .str("state", f.state)
        .boolean("connected", f.hello.has_value())
        .str("error", f.error)
        .raw("relays", JsonObject()
                           .unum("total", f.relays)
                           .unum("config", f.config_relays)
                           .unum("not_in_dataplane", f.relays_refused)
                           .done());
    if (!f.hello)
        return o.done();
    const api::HelloReplyBody& h = *f.hello;
    o.str("instance", hex(h.instance)).unum("pid", h.pid);
    if (!f.stats)
        return o.done();
    const api::StatsBody& s = *f.stats;
    JsonObject drops;
    for (uint32_t i = 0; i < std::min<uint32_t>(s.drop_reasons, api::kMaxDropReasons); ++i)
        drops.unum(drop_name(i), s.drops[i]);
    JsonArray ports;
    for (const auto& p : f.ports) {
        ports.raw(JsonObject()
                      .str("name", field(p.name))
                      .str("device", field(p.device))
                      .str("role", field(p.role))
                      .str("mac", mac_text(p.mac))
                      .boolean("link_up", p.link_up != 0)
                      .unum("rx", p.rx)
                      .unum("tx", p.tx)
                      .unum("rx_missed", p.rx_missed)
                      .unum("tx_errors", p.tx_errors)
                      .str("tap", field(p.tap))
                      .unum("tap_to_host", p.tap_tx)
                      .unum("tap_from_host", p.tap_rx)
                      .done());
    }
    o.unum("uptime_ms", s.uptime_ms)
        .unum("workers", s.workers)
        .unum("legs", s.legs)
        .unum("max_legs", s.max_legs)
        .unum("lists_generation", s.lists_generation)
        .raw("list_ranges", JsonObject()
                                .unum("lan", s.list_ranges[0])
                                .unum("client", s.list_ranges[1])
                                .unum("nated", s.list_ranges[2])
                                .unum("debug", s.list_ranges[3])
                                .done())
        .unum("rx", s.rx)
        .unum("tx", s.tx)
        .unum("relayed", s.relayed)
        .unum("dropped", dropped(s))
        .raw("drops", drops.done())
        .unum("tx_dropped", s.tx_dropped)
        .unum("exception", s.exception)
        .unum("debug_packets", s.debug_packets)
        .unum("arp_replies", s.arp_replies)
        .unum("nd_replies", s.nd_replies)
        .unum("neighbours", s.neighbours)
        .raw("host", JsonObject()
                         .unum("to_host", s.to_host)
                         .unum("from_host", s.from_host)
                         .unum("dropped", s.host_dropped)
                         .done())
        .raw("ports", ports.done());
    return o.done();
}

}  // namespace mg::control
