// Tests for resolver/dns_message.cc and resolver/dns_name.cc: query building, parsing
// of every supported type, RFC 9267 hardening (compression, bounds, lying counts,
// truncation), presentation formatting, reverse and RBL names.
//
// Messages are built byte by byte with the small Wire helper below, independently of
// the code under test.
#include "resolver/dns_message.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace mg::resolver {
namespace {

using Bytes = std::vector<uint8_t>;

class Wire {
  public:
    Wire& u8(unsigned v) {
        b_.push_back(static_cast<uint8_t>(v));
        return *this;
    }
    Wire& u16(unsigned v) { return u8(v >> 8).u8(v & 0xff); }
    Wire& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
    Wire& raw(std::initializer_list<unsigned> bytes) {
        for (unsigned v : bytes)
            u8(v);
        return *this;
    }
    Wire& text(std::string_view s) {
        for (char c : s)
            u8(static_cast<uint8_t>(c));
        return *this;
    }
    Wire& label(std::string_view s) { return u8(static_cast<unsigned>(s.size())).text(s); }
    // "mail.example.com" as labels and the root byte; "" is the root alone.
    Wire& name(std::string_view dotted) {
        while (!dotted.empty()) {
            const size_t dot = dotted.find('.');
            label(dotted.substr(0, dot));
            dotted = dot == std::string_view::npos ? "" : dotted.substr(dot + 1);
        }
        return u8(0);
    }
    Wire& ptr(size_t offset) { return u16(0xc000 | static_cast<unsigned>(offset)); }
    Wire& cstr(std::string_view s) { return label(s); }
    // TYPE, CLASS, TTL and a RDLENGTH that end_rr() fills in.
    Wire& rr(unsigned type, uint32_t ttl = 300, unsigned cls = 1) {
        u16(type).u16(cls).u32(ttl);
        rdlength_at_ = b_.size();
        return u16(0);
    }
    Wire& end_rr() {
        set16(rdlength_at_, static_cast<unsigned>(b_.size() - rdlength_at_ - 2));
        return *this;
    }
    void set16(size_t off, unsigned v) {
        b_[off] = static_cast<uint8_t>(v >> 8);
        b_[off + 1] = static_cast<uint8_t>(v);
    }
    size_t size() const { return b_.size(); }
    size_t rdlength_at() const { return rdlength_at_; }
    const Bytes& bytes() const { return b_; }

  private:
    Bytes b_;
    size_t rdlength_at_ = 0;
};

constexpr size_t kQname = 12;  // the question name "example.com." starts here
constexpr unsigned kNoError = 0x8180;

// Header and one question "example.com." of type qtype, class IN.
Wire response(
    unsigned qtype, unsigned an, unsigned ns = 0, unsigned ar = 0, unsigned flags = kNoError) {
    Wire w;
    w.u16(0x1234).u16(flags).u16(1).u16(an).u16(ns).u16(ar);
    w.name("example.com").u16(qtype).u16(1);
    return w;
}

Message parse_ok(const Wire& w) {
    auto m = parse_message(w.bytes());
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? *m : Message{};
}

// The error message of a parse that must fail ("" and a test failure otherwise).
std::string parse_error(const Wire& w) {
    auto m = parse_message(w.bytes());
    EXPECT_FALSE(m.ok());
    if (m.ok())
        return "";
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidInput);
    return m.error().message;
}

// One answer of `type` whose RDATA `fill` writes, owner pointing at the question.
template <typename Fill>
Wire one_answer(unsigned type, Fill fill) {
    Wire w = response(type, 1);
    w.ptr(kQname).rr(type);
    fill(w);
    w.end_rr();
    return w;
}

#define EXPECT_HAS(haystack, needle) \
    EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

// ------------------------------------------------------------------ query building

TEST(BuildQuery, ByteExactWithEdns) {
    auto q = build_query(0xbeef, "www.example.com", RrType::kA);
    ASSERT_TRUE(q.ok()) << q.error().message;
    const Bytes want = {
        0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // header
        3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',
        3,    'c',  'o',  'm',  0,    0x00, 0x01, 0x00, 0x01,              // A IN
        0x00, 0x00, 0x29, 0x04, 0xd0, 0,    0,    0,    0,    0x00, 0x00,  // OPT, 1232, no options
    };
    EXPECT_EQ(*q, want);
}

TEST(BuildQuery, ByteExactWithoutEdnsOrRd) {
    auto q = build_query(7, "_sip._udp.example.com.", RrType::kSrv, false, 0);
    ASSERT_TRUE(q.ok());
    Wire w;
    w.u16(7).u16(0).u16(1).u16(0).u16(0).u16(0).name("_sip._udp.example.com").u16(33).u16(1);
    EXPECT_EQ(*q, w.bytes());
}

TEST(BuildQuery, TrailingDotRootAndEscapes) {
    EXPECT_EQ(*build_query(1, "example.com", RrType::kMx),
              *build_query(1, "example.com.", RrType::kMx));
    auto root = build_query(1, ".", RrType::kNs, true, 0);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(root->size(), 12u + 1 + 4);
    EXPECT_EQ((*root)[12], 0);
    auto esc = encode_name("a\\.b\\032.c");
    ASSERT_TRUE(esc.ok());
    EXPECT_EQ(*esc, (Bytes{4, 'a', '.', 'b', ' ', 1, 'c', 0}));
}

TEST(BuildQuery, NameValidation) {
    const std::string l63(63, 'a'), l61(61, 'd');
    EXPECT_TRUE(build_query(1, l63 + ".com", RrType::kA).ok());
    EXPECT_TRUE(build_query(1, l63 + "." + l63 + "." + l63 + "." + l61, RrType::kA).ok());  // 255
    struct Case {
        std::string name;
        const char* error;
    };
    const Case cases[] = {
        {"", "empty name"},
        {"a..b", "empty label at position 2"},
        {".a", "empty label at position 0"},
        {"..", "empty label at position 0"},
        {"a b", "character 0x20 at position 1"},
        {"caf\xc3\xa9", "character 0xc3 at position 3"},
        {std::string(64, 'a'), "longer than 63 bytes"},
        {l63 + "." + l63 + "." + l63 + "." + l61 + "d", "longer than 255 bytes"},
        {"a\\", "dangling backslash"},
        {"a\\25", "needs three digits"},
        {"a\\256", "above 255"},
    };
    for (const Case& c : cases) {
        auto q = build_query(1, c.name, RrType::kA);
        ASSERT_FALSE(q.ok()) << c.name;
        EXPECT_EQ(q.error().code, ErrorCode::kInvalidInput);
        EXPECT_HAS(q.error().message, c.error);
    }
    EXPECT_HAS(build_query(1, "a.b", RrType::kOpt).error().message, "OPT is not a query type");
    EXPECT_HAS(build_query(1, "a.b", RrType::kA, true, 511).error().message, "below 512");
    EXPECT_TRUE(build_query(1, "a.b", RrType::kA, true, 512).ok());
}

// ------------------------------------------------------------------ parsing by type

TEST(Parse, HeaderFlags) {
    Wire w;
    w.u16(0xabcd).u16(0x95a5).u16(0).u16(0).u16(0).u16(0);  // QR, opcode 2, AA RD RA AD, rc 5
    auto h = parse_ok(w).header;
    EXPECT_EQ(h.id, 0xabcd);
    EXPECT_TRUE(h.qr && h.aa && h.rd && h.ra && h.ad);
    EXPECT_FALSE(h.tc || h.cd);
    EXPECT_EQ(h.opcode, 2);
    EXPECT_EQ(h.rcode, kRcodeRefused);
}

TEST(Parse, A) {
    Message m = parse_ok(one_answer(1, [](Wire& w) { w.raw({192, 0, 2, 1}); }));
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0].name, "example.com.");
    ASSERT_EQ(m.answers.size(), 1u);
    const Record& r = m.answers[0];
    EXPECT_EQ(r.name, "example.com.");
    EXPECT_EQ(r.type, RrType::kA);
    EXPECT_EQ(r.ttl, 300u);
    EXPECT_EQ(std::get<AData>(r.data).addr, (std::array<uint8_t, 4>{192, 0, 2, 1}));
    EXPECT_EQ(format_rdata(r), "192.0.2.1");
    EXPECT_EQ(format_record(r), "example.com. 300 IN A 192.0.2.1");
    EXPECT_FALSE(m.edns.has_value());
}

TEST(Parse, Aaaa) {
    Message m = parse_ok(one_answer(28, [](Wire& w) {
        w.raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    }));
    ASSERT_EQ(m.answers.size(), 1u);
    EXPECT_EQ(std::get<AaaaData>(m.answers[0].data).addr[1], 0x01);
    EXPECT_EQ(format_rdata(m.answers[0]), "2001:db8::1");
}

TEST(Parse, CnameChainWithCompression) {
    Wire w = response(1, 3);
    w.ptr(kQname).rr(5);
    const size_t alias_at = w.size();
    w.label("alias").ptr(kQname).end_rr();  // alias.example.com.
    w.ptr(alias_at).rr(5);
    const size_t real_at = w.size();
    w.name("real.example.net").end_rr();
    w.ptr(real_at).rr(1, 60).raw({192, 0, 2, 7}).end_rr();
    Message m = parse_ok(w);
    ASSERT_EQ(m.answers.size(), 3u);
    EXPECT_EQ(format_record(m.answers[0]), "example.com. 300 IN CNAME alias.example.com.");
    EXPECT_EQ(format_record(m.answers[1]), "alias.example.com. 300 IN CNAME real.example.net.");
    EXPECT_EQ(format_record(m.answers[2]), "real.example.net. 60 IN A 192.0.2.7");
}

TEST(Parse, NsAndPtr) {
    Message ns = parse_ok(one_answer(2, [](Wire& w) { w.label("ns1").ptr(kQname); }));
    EXPECT_EQ(std::get<NameData>(ns.answers.at(0).data).name, "ns1.example.com.");
    Message ptr = parse_ok(one_answer(12, [](Wire& w) { w.name("host.example.org"); }));
    EXPECT_EQ(format_record(ptr.answers.at(0)), "example.com. 300 IN PTR host.example.org.");
}

TEST(Parse, Mx) {
    Message m = parse_ok(one_answer(15, [](Wire& w) { w.u16(10).label("mail").ptr(kQname); }));
    const auto& mx = std::get<MxData>(m.answers.at(0).data);
    EXPECT_EQ(mx.preference, 10);
    EXPECT_EQ(mx.exchange, "mail.example.com.");
    EXPECT_EQ(format_rdata(m.answers[0]), "10 mail.example.com.");
}

TEST(Parse, Srv) {
    Message m = parse_ok(
        one_answer(33, [](Wire& w) { w.u16(0).u16(5).u16(5060).name("sip.example.com"); }));
    const auto& srv = std::get<SrvData>(m.answers.at(0).data);
    EXPECT_EQ(srv.port, 5060);
    EXPECT_EQ(format_rdata(m.answers[0]), "0 5 5060 sip.example.com.");
}

TEST(Parse, Naptr) {
    Message m = parse_ok(one_answer(35, [](Wire& w) {
        w.u16(100).u16(10).cstr("S").cstr("SIP+D2U").cstr("").name("_sip._udp.example.com");
    }));
    const auto& n = std::get<NaptrData>(m.answers.at(0).data);
    EXPECT_EQ(n.services, "SIP+D2U");
    EXPECT_EQ(n.replacement, "_sip._udp.example.com.");
    EXPECT_EQ(format_rdata(m.answers[0]), "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.");
}

TEST(Parse, TxtWithEscapes) {
    Message m = parse_ok(one_answer(16, [](Wire& w) {
        w.cstr("v=spf1 -all").cstr("say \"hi\" \\").cstr(std::string_view("\x01\xff\n", 3));
    }));
    const auto& t = std::get<TxtData>(m.answers.at(0).data);
    ASSERT_EQ(t.strings.size(), 3u);
    EXPECT_EQ(t.strings[1], "say \"hi\" \\");
    EXPECT_EQ(format_rdata(m.answers[0]),
              "\"v=spf1 -all\" \"say \\\"hi\\\" \\\\\" \"\\001\\255\\010\"");
}

TEST(Parse, SoaNegativeAnswer) {
    Wire w = response(1, 0, 1, 0, 0x8183);  // NXDOMAIN
    w.ptr(kQname).rr(6, 3600).label("ns1").ptr(kQname).label("hostmaster").ptr(kQname);
    w.u32(2024010101).u32(7200).u32(3600).u32(1209600).u32(300).end_rr();
    Message m = parse_ok(w);
    EXPECT_EQ(m.header.rcode, kRcodeNxDomain);
    EXPECT_TRUE(m.answers.empty());
    ASSERT_EQ(m.authorities.size(), 1u);
    const auto& soa = std::get<SoaData>(m.authorities[0].data);
    EXPECT_EQ(soa.minimum, 300u);
    EXPECT_EQ(format_rdata(m.authorities[0]),
              "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300");
}

TEST(Parse, OptWithExtendedRcode) {
    Wire w = response(1, 0, 0, 1, 0x8180);
    w.u8(0).rr(41, (1u << 24) | 0x8000, 1232).u16(10).u16(2).raw({0xab, 0xcd}).end_rr();
    Message m = parse_ok(w);
    ASSERT_TRUE(m.edns.has_value());
    EXPECT_EQ(m.edns->udp_size, 1232);
    EXPECT_EQ(m.edns->ext_rcode, 1);
    EXPECT_TRUE(m.edns->dnssec_ok);
    EXPECT_EQ(m.header.rcode, kRcodeBadVers);
    ASSERT_EQ(m.additionals.size(), 1u);
    EXPECT_EQ(format_record(m.additionals[0]),
              ". OPT udp=1232 version=0 ext-rcode=1 do=1 options=000a0002abcd");
}

TEST(Parse, UnknownTypeKeptRaw) {
    Message m = parse_ok(one_answer(99, [](Wire& w) { w.raw({0x0a, 0x0b, 0x0c}); }));
    EXPECT_EQ(std::get<RawData>(m.answers.at(0).data).bytes, (Bytes{0x0a, 0x0b, 0x0c}));
    EXPECT_EQ(format_record(m.answers[0]), "example.com. 300 IN TYPE99 \\# 3 0a0b0c");
    Message empty = parse_ok(one_answer(99, [](Wire&) {}));
    EXPECT_EQ(format_rdata(empty.answers.at(0)), "\\# 0");
}

TEST(Parse, TtlWithTopBitReadsAsZero) {
    Wire w = response(1, 1);
    w.ptr(kQname).rr(1, 0x80000001).raw({1, 2, 3, 4}).end_rr();
    EXPECT_EQ(parse_ok(w).answers.at(0).ttl, 0u);
}

TEST(Parse, OddBytesInNamesAreEscaped) {
    Wire w = response(1, 1);
    w.label("a.b").label(" ").label("\xff").label("\\").label("X_y-9").ptr(kQname);
    w.rr(1).raw({1, 2, 3, 4}).end_rr();
    Message m = parse_ok(w);
    EXPECT_EQ(m.answers.at(0).name, "a\\.b.\\032.\\255.\\\\.X_y-9.example.com.");
    auto back = encode_name(m.answers[0].name);  // the escaped text encodes back
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->size(), 4u + 2 + 2 + 2 + 6 + 13);
}

TEST(Parse, TcMessageStopsAfterQuestion) {
    Wire w = response(1, 5, 0, 0, 0x8380);
    w.raw({0xde, 0xad});  // the records are cut off: not read
    auto m = parse_message(w.bytes());
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE(m->header.tc);
    EXPECT_EQ(m->header.ancount, 5);
    EXPECT_TRUE(m->answers.empty());
    EXPECT_TRUE(question_matches(*m, "example.com", RrType::kA));
    EXPECT_FALSE(parse_message(one_answer(1,
                                          [](Wire& x) {
                                              x.raw({1, 2, 3, 4});
                                          })
                                   .bytes())
                     ->header.tc);
}

// ------------------------------------------------------------------ hardening

TEST(Harden, ShortAndOversizedDatagrams) {
    EXPECT_HAS(parse_message(Bytes{}).error().message, "empty message");
    EXPECT_HAS(parse_message(Bytes(11, 0)).error().message, "shorter than the 12-byte header");
    EXPECT_HAS(parse_header(Bytes(5, 0)).error().message, "shorter than the 12-byte header");
    auto big = parse_message(Bytes(65536, 0));
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, ErrorCode::kLimit);
    EXPECT_TRUE(parse_message(Bytes(12, 0)).ok());  // header only, all counts 0
}

TEST(Harden, ForwardSelfAndOutOfRangePointers) {
    Wire fwd = response(1, 1);
    fwd.ptr(fwd.size() + 12).rr(1).raw({1, 2, 3, 4}).end_rr();
    EXPECT_HAS(parse_error(fwd), "does not point backwards");

    Wire self = response(1, 1);
    self.ptr(self.size()).rr(1).raw({1, 2, 3, 4}).end_rr();
    EXPECT_HAS(parse_error(self),
               "answer 1: owner name at offset 29: compression pointer at "
               "offset 29 to offset 29 does not point backwards");

    Wire past = response(1, 1);
    past.ptr(0x3fff).rr(1).raw({1, 2, 3, 4}).end_rr();
    EXPECT_HAS(parse_error(past), "points past the end of the message");

    Wire header = response(1, 1);
    header.ptr(4).rr(1).raw({1, 2, 3, 4}).end_rr();
    EXPECT_HAS(parse_error(header), "points into the header");

    Wire q;  // the question itself may not point anywhere: nothing is before it
    q.u16(1).u16(0).u16(1).u16(0).u16(0).u16(0).ptr(12).u16(1).u16(1);
    EXPECT_HAS(parse_error(q), "question 1: name at offset 12");
}

TEST(Harden, PointerLoopRefused) {
    // Raw RDATA holds two pointers at A and B = A + 2 that point at each other; the next
    // owner jumps to B, B jumps back to A (allowed), A points forward to B (refused).
    Wire w = response(1, 2);
    w.ptr(kQname).rr(99);
    const size_t a = w.size();
    w.ptr(a + 2).ptr(a).end_rr();
    w.ptr(a + 2).rr(1).raw({1, 2, 3, 4}).end_rr();
    const std::string e = parse_error(w);
    EXPECT_HAS(e, "answer 2: owner name");
    EXPECT_HAS(e, "to offset " + std::to_string(a + 2) + " does not point backwards");
}

// An owner name reached through `pointers` compression pointers: raw RDATA holds
// pointers - 1 pointers, each pointing at the previous one (the first at the
// question), and the next owner points at the last.
Wire pointer_chain(int pointers) {
    Wire w = response(1, 2);
    w.ptr(kQname).rr(99);
    size_t prev = kQname;
    for (int i = 0; i < pointers - 1; ++i) {
        const size_t here = w.size();
        w.ptr(prev);
        prev = here;
    }
    w.end_rr();
    w.ptr(prev).rr(1).raw({1, 2, 3, 4}).end_rr();
    return w;
}

TEST(Harden, PointerHopCap) {
    Message ok = parse_ok(pointer_chain(kMaxPointerHops));
    EXPECT_EQ(ok.answers.at(1).name, "example.com.");
    EXPECT_HAS(parse_error(pointer_chain(kMaxPointerHops + 1)),
               "more than 16 compression pointers");
}

TEST(Harden, LabelTypes01And10Refused) {
    for (unsigned type : {0x40u, 0x80u}) {
        Wire w = response(1, 1);
        w.u8(type | 1).u8('x').u8(0).rr(1).raw({1, 2, 3, 4}).end_rr();
        char want[16];
        std::snprintf(want, sizeof want, "label type 0x%02x", type);
        EXPECT_HAS(parse_error(w), want);
    }
}

TEST(Harden, DecodedNameLengthCap) {
    // The question holds 3 labels of 63 (193 wire bytes); an owner adds one label.
    const std::string l63(63, 'q');
    auto with_label = [&](size_t n) {
        Wire w;
        w.u16(1).u16(0x8180).u16(1).u16(1).u16(0).u16(0);
        w.name(l63 + "." + l63 + "." + l63).u16(1).u16(1);
        w.label(std::string(n, 'x')).ptr(kQname).rr(1).raw({1, 2, 3, 4}).end_rr();
        return w;
    };
    EXPECT_EQ(encode_name(parse_ok(with_label(61)).answers.at(0).name)->size(), 255u);
    EXPECT_HAS(parse_error(with_label(62)), "longer than 255 bytes in wire form");
}

TEST(Harden, NamesInRdataEndInsideRdata) {
    // CNAME "alias" + pointer, RDLENGTH one short: the pointer is cut by the RDATA end
    // although the message holds its second byte.
    Wire cut = response(1, 1);
    cut.ptr(kQname).rr(5).label("alias").ptr(kQname).end_rr();
    cut.set16(cut.rdlength_at(), 7);
    cut.u8(0);  // keep the message long enough for the old RDLENGTH
    EXPECT_HAS(parse_error(cut), "is cut off by the end of the RDATA");

    Wire label = response(1, 1);
    label.ptr(kQname).rr(5).label("alias").ptr(kQname).end_rr();
    label.set16(label.rdlength_at(), 3);
    EXPECT_HAS(parse_error(label), "label of 5 bytes at offset");

    Wire extra = one_answer(5, [](Wire& w) { w.label("alias").ptr(kQname).u8(0); });
    EXPECT_HAS(parse_error(extra), "CNAME RDATA: 1 unexpected bytes");
}

TEST(Harden, FixedSizeRdata) {
    for (unsigned n : {0u, 3u, 5u}) {
        Wire w = one_answer(1, [&](Wire& x) { x.text(std::string(n, 'a')); });
        EXPECT_HAS(parse_error(w), "A RDATA: RDLENGTH " + std::to_string(n));
    }
    for (unsigned n : {15u, 17u}) {
        Wire w = one_answer(28, [&](Wire& x) { x.text(std::string(n, 'a')); });
        EXPECT_HAS(parse_error(w), "exactly 16 expected");
    }
    EXPECT_HAS(parse_error(one_answer(15, [](Wire& w) { w.u8(0); })),
               "MX RDATA: preference needs 2 bytes");
    EXPECT_HAS(parse_error(one_answer(15, [](Wire& w) { w.u16(10); })), "MX RDATA: exchange name");
    EXPECT_HAS(parse_error(one_answer(15, [](Wire& w) { w.u16(1).u8(0).u8(0); })),
               "MX RDATA: 1 unexpected bytes");
    EXPECT_HAS(parse_error(one_answer(33, [](Wire& w) { w.u16(0).u16(5).u8(1); })),
               "SRV RDATA: port needs 2 bytes");
}

TEST(Harden, SoaFixedFieldsExact) {
    auto soa = [](size_t fixed) {
        return one_answer(6, [&](Wire& w) {
            w.u8(0).u8(0);
            for (size_t i = 0; i < fixed; ++i)
                w.u8(1);
        });
    };
    parse_ok(soa(20));
    EXPECT_HAS(parse_error(soa(19)), "SOA RDATA: MINIMUM needs 4 bytes");
    EXPECT_HAS(parse_error(soa(3)), "SOA RDATA: SERIAL needs 4 bytes");
    EXPECT_HAS(parse_error(soa(21)), "SOA RDATA: 1 unexpected bytes");
}

TEST(Harden, CharacterStringsInsideRdata) {
    EXPECT_HAS(parse_error(one_answer(16,
                                      [](Wire& w) {
                                          w.raw({5, 'a', 'b'});
                                      })),
               "TXT RDATA: string character-string of 5 bytes");
    EXPECT_HAS(parse_error(one_answer(16, [](Wire&) {})), "TXT RDATA: empty");
    Wire naptr =
        one_answer(35, [](Wire& w) { w.u16(100).u16(10).cstr("S").u8(200).text("SIP").u8(0); });
    EXPECT_HAS(parse_error(naptr), "NAPTR RDATA: services character-string of 200 bytes");
    Wire no_name = one_answer(35, [](Wire& w) { w.u16(100).u16(10).cstr("S").cstr("").cstr(""); });
    EXPECT_HAS(parse_error(no_name), "NAPTR RDATA: replacement name");
}

TEST(Harden, RdlengthPastMessageEnd) {
    Wire w = response(1, 1);
    w.ptr(kQname).rr(1).raw({1, 2});
    w.set16(w.rdlength_at(), 12);
    EXPECT_EQ(parse_error(w),
              "answer 1: RDLENGTH 12 runs past the end of the message (offset 41, size 43)");
    Wire fixed = response(1, 1);
    fixed.ptr(kQname).u16(1).u16(1).u8(0);
    EXPECT_HAS(parse_error(fixed), "answer 1: TYPE, CLASS, TTL and RDLENGTH need 10 bytes, 5 left");
}

TEST(Harden, OptPlacement) {
    Wire in_answer = response(1, 1);
    in_answer.u8(0).rr(41, 0, 1232).end_rr();
    EXPECT_HAS(parse_error(in_answer), "answer 1: OPT record outside the additional section");

    Wire two = response(1, 0, 0, 2);
    two.u8(0).rr(41, 0, 1232).end_rr().u8(0).rr(41, 0, 1232).end_rr();
    EXPECT_HAS(parse_error(two), "additional 2: second OPT record");

    Wire owner = response(1, 0, 0, 1);
    owner.ptr(kQname).rr(41, 0, 1232).end_rr();
    EXPECT_HAS(parse_error(owner), "OPT record owned by example.com., not by the root");

    Wire option = response(1, 0, 0, 1);
    option.u8(0).rr(41, 0, 1232).u16(10).u16(8).raw({1, 2}).end_rr();
    EXPECT_HAS(parse_error(option), "OPT RDATA: option data needs 8 bytes");
}

TEST(Harden, CountsThatLie) {
    Wire an = one_answer(1, [](Wire& w) { w.raw({1, 2, 3, 4}); });
    an.set16(6, 65535);
    EXPECT_EQ(parse_error(an), "answer 2: missing, the message ends at offset 45 (ANCOUNT 65535)");
    Wire qd = one_answer(1, [](Wire& w) { w.raw({1, 2, 3, 4}); });
    qd.set16(4, 65535);  // the answer is read as question 2, then question 3 is missing
    EXPECT_FALSE(parse_message(qd.bytes()).ok());
    Wire ns = response(1, 0, 65535);
    EXPECT_HAS(parse_error(ns), "authority 1: missing");
    Wire ar = one_answer(1, [](Wire& w) { w.raw({1, 2, 3, 4}); });
    ar.set16(10, 3);
    EXPECT_HAS(parse_error(ar), "additional 1: missing, the message ends at offset 45 (ARCOUNT 3)");
    Wire fewer = one_answer(1, [](Wire& w) { w.raw({1, 2, 3, 4}); });
    fewer.set16(6, 0);  // the record is now trailing data
    EXPECT_EQ(parse_error(fewer),
              "16 bytes of trailing data after the last record "
              "(offset 29, size 45)");
}

// A valid answer with several sections and types, used for truncation and mutation.
Wire rich_answer() {
    Wire w = response(1, 3, 1, 1);
    w.ptr(kQname).rr(5);
    const size_t alias = w.size();
    w.label("alias").ptr(kQname).end_rr();
    w.ptr(alias).rr(1).raw({192, 0, 2, 1}).end_rr();
    w.ptr(alias).rr(16).cstr("hello").cstr("").end_rr();
    w.ptr(kQname).rr(6).label("ns").ptr(kQname).u8(0);
    w.u32(1).u32(2).u32(3).u32(4).u32(5).end_rr();
    w.u8(0).rr(41, 0, 4096).end_rr();
    return w;
}

TEST(Harden, TruncatedAtEveryOffset) {
    const Bytes full = rich_answer().bytes();
    ASSERT_TRUE(parse_message(full).ok());
    for (size_t n = 0; n < full.size(); ++n) {
        auto m = parse_message(std::span<const uint8_t>(full.data(), n));
        EXPECT_FALSE(m.ok()) << "prefix of " << n << " bytes parsed";
        if (!m.ok()) {
            EXPECT_FALSE(m.error().message.empty());
        }
    }
    Bytes longer = full;
    longer.push_back(0);
    EXPECT_HAS(parse_message(longer).error().message, "1 bytes of trailing data");
}

TEST(Harden, EverySingleByteMutationIsHandled) {
    const Bytes full = rich_answer().bytes();
    int parsed = 0;
    for (size_t i = 0; i < full.size(); ++i) {
        for (unsigned v : {0x00u, 0x01u, 0x3fu, 0x40u, 0x80u, 0xc0u, 0xffu}) {
            Bytes b = full;
            b[i] = static_cast<uint8_t>(v);
            auto m = parse_message(b);
            if (!m.ok())
                continue;
            ++parsed;
            for (const auto* s : {&m->answers, &m->authorities, &m->additionals}) {
                for (const auto& r : *s)
                    EXPECT_FALSE(format_record(r).empty());
            }
        }
    }
    EXPECT_GT(parsed, 0);
}

// ------------------------------------------------------------------ matching, names

TEST(QuestionMatches, CaseInsensitiveAndExact) {
    Message m = parse_ok(one_answer(1, [](Wire& w) { w.raw({1, 2, 3, 4}); }));
    EXPECT_TRUE(question_matches(m, "example.com", RrType::kA));
    EXPECT_TRUE(question_matches(m, "EXAMPLE.Com.", RrType::kA));
    EXPECT_TRUE(question_matches(m, "\\101xample.com", RrType::kA));  // \101 is 'e'
    EXPECT_FALSE(question_matches(m, "example.org", RrType::kA));
    EXPECT_FALSE(question_matches(m, "www.example.com", RrType::kA));
    EXPECT_FALSE(question_matches(m, "example.com", RrType::kAaaa));
    EXPECT_FALSE(question_matches(m, "example.com", RrType::kA, 3));
    EXPECT_FALSE(question_matches(m, "exa mple.com", RrType::kA));
    m.questions.push_back(m.questions[0]);
    EXPECT_FALSE(question_matches(m, "example.com", RrType::kA));  // exactly one question
    EXPECT_FALSE(names_equal("a\\200", "a\\232"));                 // only ASCII letters fold
}

// names_equal() has a fast path for names without escapes; it must agree with the
// definition: both encode, and the wire forms are equal up to ASCII case.
TEST(NamesEqual, AgreesWithTheWireFormDefinition) {
    auto reference = [](std::string_view a, std::string_view b) {
        auto wa = encode_name(a);
        auto wb = encode_name(b);
        if (!wa.ok() || !wb.ok() || wa->size() != wb->size())
            return false;
        for (size_t i = 0; i < wa->size(); ++i) {
            auto lower = [](uint8_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
            if (lower((*wa)[i]) != lower((*wb)[i]))
                return false;
        }
        return true;
    };
    const std::string long_label(63, 'x');
    const std::vector<std::string> names = {
        "",
        ".",
        "..",
        "a",
        "a.",
        "A.",
        "a..",
        "A..",
        "a...",
        "...",
        ".a",
        ".a.",
        "a.b",
        "a.b.",
        "A.B",
        "a..b",
        "ab",
        "a.c",
        "a b",
        "\\097",
        "\\065.",
        "a\\.b",
        "a.b\\.",
        long_label,
        long_label + "y",
        long_label + "." + long_label + "." + long_label + "." + long_label,
        long_label + "." + long_label + "." + long_label + "." + long_label.substr(0, 61),
        long_label + "." + long_label + "." + long_label + "." + long_label.substr(0, 61) + ".",
        std::string("a\x7f", 2),
        "-_.",
        "\"",
        "*.example"};
    for (const std::string& a : names) {
        for (const std::string& b : names) {
            EXPECT_EQ(names_equal(a, b), reference(a, b)) << "'" << a << "' vs '" << b << "'";
        }
    }
}

TEST(RrTypeNames, FormatAndParse) {
    for (RrType t :
         {RrType::kA, RrType::kNs, RrType::kCname, RrType::kSoa, RrType::kPtr, RrType::kMx,
          RrType::kTxt, RrType::kAaaa, RrType::kSrv, RrType::kNaptr, RrType::kOpt}) {
        auto back = parse_rr_type(format_rr_type(t));
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, t);
    }
    EXPECT_EQ(format_rr_type(RrType::kAaaa), "AAAA");
    EXPECT_EQ(format_rr_type(static_cast<RrType>(65)), "TYPE65");
    EXPECT_EQ(*parse_rr_type("naptr"), RrType::kNaptr);
    EXPECT_EQ(static_cast<uint16_t>(*parse_rr_type("type65535")), 65535);
    EXPECT_FALSE(parse_rr_type("TYPE65536").ok());
    EXPECT_FALSE(parse_rr_type("TYPE").ok());
    EXPECT_HAS(parse_rr_type("BOGUS").error().message, "unknown record type \"BOGUS\"");
}

TEST(ReverseNames, V4AndV6) {
    EXPECT_EQ(reverse_name_v4(0xc0000201), "1.2.0.192.in-addr.arpa");
    EXPECT_EQ(reverse_name_v4(0x0a000000), "0.0.0.10.in-addr.arpa");
    // RFC 3596 §2.5: 4321:0:1:2:3:4:567:89ab
    const uint8_t a[16] = {0x43, 0x21, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0x05, 0x67, 0x89, 0xab};
    EXPECT_EQ(reverse_name_v6(a),
              "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
    EXPECT_TRUE(build_query(1, reverse_name_v6(a), RrType::kPtr).ok());
}

TEST(ReverseNames, Rbl) {
    // RFC 5782 §2.1 and §2.4 examples.
    EXPECT_EQ(rbl_name(lists::Address::v4(0xc0000263), "bad.example.com"),
              "99.2.0.192.bad.example.com");
    EXPECT_EQ(rbl_name(lists::Address::v4(0x7f000002), "zen.spamhaus.org."),
              "2.0.0.127.zen.spamhaus.org");
    lists::Uint128 v6 = 0;
    for (unsigned g : {0x2001u, 0xdb8u, 1u, 2u, 3u, 4u, 0x567u, 0x89abu})
        v6 = (v6 << 16) | g;
    EXPECT_EQ(rbl_name(lists::Address::v6(v6), "bad.example.com"),
              "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bad.example.com");
    EXPECT_EQ(rbl_name(lists::Address::v4(0x01020304), ""), "4.3.2.1");
}

}  // namespace
}  // namespace mg::resolver
