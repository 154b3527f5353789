// control/relay.cc: owner tags, specs and their legs, the dump scan, and the words
// of `mediagatectl relay ...` (usage errors are found here, before any daemon).
#include "control/relay.h"

#include <gtest/gtest.h>

namespace mg::control {
namespace {

configs::Endpoint ep(const char* text) {
    auto e = configs::parse_endpoint(text, true);
    EXPECT_TRUE(e.ok()) << text;
    return e.ok() ? *e : configs::Endpoint{};
}

Result<RelayCommand> words(std::vector<std::string> w) {
    return parse_relay_words(w);
}

std::string usage_of(std::vector<std::string> w) {
    auto r = parse_relay_words(w);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message;
}

TEST(OwnerTag, LayoutIsKindIdSide) {
    OwnerTag t{OwnerKind::kCliRelay, 5, 1};
    EXPECT_EQ(t.encode(), (uint64_t{1} << 56) | (5u << 1) | 1u);
    OwnerTag c{OwnerKind::kConfigRelay, kMaxRelayId, 0};
    EXPECT_EQ(c.encode(), (uint64_t{2} << 56) | (kMaxRelayId << 1));
    OwnerTag back = OwnerTag::decode(c.encode());
    EXPECT_EQ(back.kind, OwnerKind::kConfigRelay);
    EXPECT_EQ(back.id, kMaxRelayId);
    EXPECT_EQ(back.side, 0u);
    EXPECT_TRUE(back.is_relay());
    OwnerTag call = OwnerTag::decode(uint64_t{7} << 56 | 99);
    EXPECT_FALSE(call.is_relay());
    EXPECT_FALSE(OwnerTag::decode(0).is_relay());
    EXPECT_STREQ(to_string(OwnerKind::kCliRelay), "cli");
    EXPECT_STREQ(to_string(OwnerKind::kConfigRelay), "config");
}

TEST(Relay, WireAddresses) {
    api::Addr a = to_wire(*lists::parse_address("192.0.2.1"));
    const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    EXPECT_EQ(std::memcmp(a.bytes, mapped, 16), 0);
    api::Addr b = to_wire(*lists::parse_address("2001:db8::7"));
    EXPECT_EQ(b.bytes[0], 0x20);
    EXPECT_EQ(b.bytes[1], 0x01);
    EXPECT_EQ(b.bytes[15], 0x07);
    EXPECT_EQ(endpoint_from_wire(a, 5).format(), "192.0.2.1:5");
    EXPECT_EQ(endpoint_from_wire(b, 6).format(), "[2001:db8::7]:6");
    api::Addr zero = to_wire(configs::Endpoint{});
    EXPECT_EQ(zero.bytes[10], 0);
    EXPECT_TRUE(endpoint_from_wire(zero, 0).is_any());
}

TEST(Relay, SpecAndLegs) {
    auto s = make_relay_spec(ep("192.0.2.1:20000"), ep("198.51.100.7:5004"),
                             ep("[2001:db8::1]:20002"), ep("any"), false);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_FALSE(s->latch[0]);
    EXPECT_TRUE(s->latch[1]);  // a peer of any latches its leg
    EXPECT_EQ(s->describe(),
              "192.0.2.1:20000 <-> 198.51.100.7:5004 | [2001:db8::1]:20002 <-> any (latch)");
    Relay r;
    r.id = 9;
    r.kind = OwnerKind::kCliRelay;
    r.spec = *s;
    auto legs = leg_specs(r);
    EXPECT_EQ(legs[0].local_port, 20000u);
    EXPECT_EQ(legs[0].peer_port, 5004u);
    EXPECT_EQ(legs[0].other_port, 20002u);
    EXPECT_EQ(std::memcmp(legs[0].other_local.bytes, legs[1].local.bytes, 16), 0);
    EXPECT_EQ(std::memcmp(legs[1].other_local.bytes, legs[0].local.bytes, 16), 0);
    EXPECT_EQ(legs[0].flags, 0);
    EXPECT_EQ(legs[1].flags, api::kSpecLatch);
    EXPECT_EQ(legs[1].peer_port, 0u);
    EXPECT_EQ(legs[0].dscp, 0xff);
    EXPECT_EQ(legs[0].owner_tag, (OwnerTag{OwnerKind::kCliRelay, 9, 0}.encode()));
    EXPECT_EQ(legs[1].owner_tag, (OwnerTag{OwnerKind::kCliRelay, 9, 1}.encode()));
    auto keys = leg_keys(*s);
    EXPECT_EQ(keys[1].port, 20002u);

    auto all = make_relay_spec(ep("192.0.2.1:1"), ep("192.0.2.9:1"), ep("192.0.2.1:2"),
                               ep("192.0.2.9:2"), true);
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(all->latch[0] && all->latch[1]);

    EXPECT_FALSE(
        make_relay_spec(ep("192.0.2.1:1"), ep("any"), ep("192.0.2.1:1"), ep("any"), false).ok());
    EXPECT_FALSE(make_relay_spec(ep("any"), ep("any"), ep("192.0.2.1:1"), ep("any"), false).ok());
    EXPECT_FALSE(
        make_relay_spec(ep("192.0.2.1:1"), ep("192.0.2.1:2"), ep("192.0.2.1:2"), ep("any"), false)
            .ok());
}

api::LegInfo info_of(const api::LegSpec& s) {
    api::LegInfo i;
    i.spec = s;
    return i;
}

TEST(Relay, DumpScanRebuildsPairsAndFindsStrays) {
    auto spec = make_relay_spec(ep("192.0.2.1:20000"), ep("198.51.100.7:5004"),
                                ep("192.0.2.1:20002"), ep("any"), true);
    ASSERT_TRUE(spec.ok());
    Relay a{7, OwnerKind::kCliRelay, "", *spec, false, ""};
    auto spec2 =
        make_relay_spec(ep("192.0.2.1:20004"), ep("any"), ep("192.0.2.1:20006"), ep("any"), false);
    Relay b{3, OwnerKind::kConfigRelay, "trunk", *spec2, false, ""};
    auto la = leg_specs(a);
    auto lb = leg_specs(b);
    std::vector<api::LegInfo> legs{info_of(la[1]), info_of(lb[0]), info_of(la[0]), info_of(lb[1])};
    // A lone leg of relay 40, and a leg of another owner.
    auto spec3 =
        make_relay_spec(ep("192.0.2.1:20008"), ep("any"), ep("192.0.2.1:20010"), ep("any"), false);
    Relay c{40, OwnerKind::kCliRelay, "", *spec3, false, ""};
    legs.push_back(info_of(leg_specs(c)[0]));
    api::LegSpec call = leg_specs(c)[1];
    call.owner_tag = uint64_t{9} << 56 | 77;
    legs.push_back(info_of(call));

    DumpScan s = scan_dump(legs);
    ASSERT_EQ(s.relays.size(), 2u);
    EXPECT_EQ(s.relays[0].id, 3u);
    EXPECT_EQ(s.relays[0].kind, OwnerKind::kConfigRelay);
    EXPECT_EQ(s.relays[0].spec, *spec2);
    EXPECT_EQ(s.relays[1].id, 7u);
    EXPECT_EQ(s.relays[1].spec, *spec);
    ASSERT_EQ(s.stray.size(), 1u);
    EXPECT_EQ(s.stray[0].port, 20008u);
    EXPECT_EQ(s.foreign, 1u);
    EXPECT_EQ(s.max_id, 40u);

    // Two legs that do not name each other are strays too.
    auto lx = leg_specs(a);
    lx[1].other_port = 1;
    DumpScan bad = scan_dump(std::vector<api::LegInfo>{info_of(lx[0]), info_of(lx[1])});
    EXPECT_TRUE(bad.relays.empty());
    EXPECT_EQ(bad.stray.size(), 2u);
}

TEST(RelayWords, Good) {
    auto add = words({"add", "192.0.2.1:20000", "any", "[2001:db8::1]:20000", "198.51.100.7:5004"});
    ASSERT_TRUE(add.ok()) << add.error().message;
    EXPECT_EQ(add->verb, RelayCommand::Verb::kAdd);
    EXPECT_TRUE(add->spec.latch[0]);
    EXPECT_FALSE(add->spec.latch[1]);
    auto latch =
        words({"add", "--latch", "192.0.2.1:20000", "any", "192.0.2.1:20002", "198.51.100.7:5004"});
    ASSERT_TRUE(latch.ok());
    EXPECT_TRUE(latch->spec.latch[1]);
    auto del = words({"del", "42"});
    ASSERT_TRUE(del.ok());
    EXPECT_EQ(del->verb, RelayCommand::Verb::kDel);
    EXPECT_EQ(del->id, 42u);
    auto list = words({"list"});
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list->verb, RelayCommand::Verb::kList);
    EXPECT_EQ(parse_relay_id("36028797018963967"), kMaxRelayId);
}

TEST(RelayWords, UsageErrors) {
    EXPECT_EQ(usage_of({}),
              "want 'relay add LOCAL_A PEER_A LOCAL_B PEER_B [--latch]', "
              "'relay del ID' or 'relay list'");
    EXPECT_EQ(usage_of({"show"}).rfind("unknown relay command 'show'; want", 0), 0u);
    EXPECT_EQ(usage_of({"list", "x"}), "relay list takes no arguments");
    EXPECT_EQ(usage_of({"del"}), "want 'relay del ID'");
    EXPECT_EQ(usage_of({"del", "1", "2"}), "want 'relay del ID'");
    for (const char* id :
         {"0", "-1", "+1", "01", "1x", "x", "", "36028797018963968", "99999999999999999999999"})
        EXPECT_EQ(usage_of({"del", id}).rfind("relay del: bad relay id", 0), 0u) << id;
    EXPECT_EQ(usage_of({"add", "192.0.2.1:1", "any", "192.0.2.1:2"}),
              "want 'relay add LOCAL_A PEER_A LOCAL_B PEER_B [--latch]'");
    EXPECT_EQ(usage_of({"add", "192.0.2.1:1", "any", "192.0.2.1:2", "any", "any"}),
              "want 'relay add LOCAL_A PEER_A LOCAL_B PEER_B [--latch]'");
    EXPECT_EQ(usage_of({"add", "--latched", "192.0.2.1:1", "any", "192.0.2.1:2", "any"}),
              "relay add: unknown option '--latched'");
    // Long words are echoed cut, marked, and never inside a UTF-8 character (found by
    // tests/fuzz/cli_fuzz.cc: errors go out in --json).
    const std::string verb = std::string(63, 'u') + "\xc3\xa9tail";  // é across byte 64
    EXPECT_EQ(
        usage_of({verb}).rfind("unknown relay command '" + std::string(63, 'u') + "...'; want", 0),
        0u);
    EXPECT_EQ(usage_of({"del", std::string(100, '9')}),
              "relay del: bad relay id '" + std::string(64, '9') + "...' (a number, 1 or more)");
    EXPECT_EQ(usage_of({"add", "--" + std::string(100, 'x')}),
              "relay add: unknown option '--" + std::string(62, 'x') + "...'");
    EXPECT_EQ(usage_of({"add", "any", "any", "192.0.2.1:2", "any"}),
              "relay add: LOCAL_A: \"any\" is not allowed here (a local address of the dataplane "
              "is needed)");
    EXPECT_EQ(usage_of({"add", "192.0.2.1:1", "198.51.100.1", "192.0.2.1:2", "any"}),
              "relay add: PEER_A: expected ADDR:PORT, [IPV6]:PORT or \"any\", got "
              "\"198.51.100.1\"");
    EXPECT_EQ(usage_of({"add", "192.0.2.1:1", "any", "2001:db8::1:2", "any"}),
              "relay add: LOCAL_B: an IPv6 address needs brackets, [ADDR]:PORT, in "
              "\"2001:db8::1:2\"");
    EXPECT_EQ(usage_of({"add", "192.0.2.1:1", "any", "192.0.2.1:2", "198.51.100.1:65536"}),
              "relay add: PEER_B: port \"65536\" is not in 1..65535 (\"198.51.100.1:65536\")");
    EXPECT_EQ(usage_of({"add", "192.0.2.1:1", "any", "192.0.2.1:1", "any"}),
              "relay add: LOCAL_A and LOCAL_B are the same (192.0.2.1:1)");
    EXPECT_EQ(usage_of({"add", "192.0.2.1:1", "192.0.2.1:2", "192.0.2.1:2", "any"}),
              "relay add: peer 192.0.2.1:2 is one of the relay's own local endpoints");
    // Hostile text is cut, never a crash.
    EXPECT_LT(usage_of({std::string(100000, 'x')}).size(), 300u);
}

}  // namespace
}  // namespace mg::control
