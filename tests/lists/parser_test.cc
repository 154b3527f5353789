// Tests for lists/parser.cc: every line form of SPEC.md §1 and every error, with the
// exact line, 1-based byte column and message.
#include "lists/parser.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lists/address.h"
#include "lists/compiler.h"

namespace mg::lists {

// gtest failure output for ListOp.
inline void PrintTo(const ListOp& op, std::ostream* os) {
    std::string first = op.family == Family::kV4 ? format_ipv4(static_cast<uint32_t>(op.first))
                                                 : format_ipv6(op.first);
    std::string last = op.family == Family::kV4 ? format_ipv4(static_cast<uint32_t>(op.last))
                                                : format_ipv6(op.last);
    *os << "{line " << op.line << (op.exclude ? " exclude " : " add ")
        << (op.family == Family::kV4 ? "v4 " : "v6 ") << first << " - " << last << "}";
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

Uint128 ip6(std::string_view text) {
    auto v = parse_ipv6(text);
    EXPECT_TRUE(v.has_value()) << "test bug: bad IPv6 literal " << text;
    return v.value_or(0);
}

ListOp op4(uint32_t first, uint32_t last, uint32_t line, bool exclude = false) {
    return ListOp{exclude, Family::kV4, first, last, line};
}

ListOp op6(Uint128 first, Uint128 last, uint32_t line, bool exclude = false) {
    return ListOp{exclude, Family::kV6, first, last, line};
}

std::vector<ListOp> ops_of(std::string_view text) {
    auto r = parse_list(text);
    EXPECT_TRUE(r.ok()) << "unexpected errors:\n" << (r.ok() ? "" : r.error().format());
    if (!r.ok())
        return {};
    return r->ops;
}

ListErrors errors_of(std::string_view text) {
    auto r = parse_list(text);
    EXPECT_FALSE(r.ok()) << "parsed without error: " << text;
    if (r.ok())
        return {};
    return r.error();
}

// The list has exactly one error, at line:column, whose message contains `fragment`.
void expect_error(std::string_view text,
                  uint32_t line,
                  uint32_t column,
                  std::string_view fragment) {
    SCOPED_TRACE(::testing::Message() << "list: \"" << text << "\"");
    ListErrors e = errors_of(text);
    ASSERT_EQ(e.total, 1u);
    ASSERT_THAT(e.errors, SizeIs(1));
    EXPECT_EQ(e.errors[0].line, line);
    EXPECT_EQ(e.errors[0].column, column);
    EXPECT_THAT(e.errors[0].message, HasSubstr(std::string(fragment)));
}

// ======================================================================= line forms

TEST(ParseListForms, SingleIpv4) {
    EXPECT_THAT(ops_of("192.0.2.7"), ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1)));
}

TEST(ParseListForms, SingleIpv6) {
    Uint128 a = ip6("2001:db8::7");
    EXPECT_THAT(ops_of("2001:db8::7"), ElementsAre(op6(a, a, 1)));
}

TEST(ParseListForms, InclusiveRange) {
    EXPECT_THAT(ops_of("192.0.2.10-192.0.2.99"),
                ElementsAre(op4(ip4(192, 0, 2, 10), ip4(192, 0, 2, 99), 1)));
    EXPECT_THAT(ops_of("2001:db8::1-2001:db8::ff"),
                ElementsAre(op6(ip6("2001:db8::1"), ip6("2001:db8::ff"), 1)));
    // Equal ends: one address.
    EXPECT_THAT(ops_of("1.2.3.4-1.2.3.4"), ElementsAre(op4(ip4(1, 2, 3, 4), ip4(1, 2, 3, 4), 1)));
    EXPECT_THAT(ops_of("0.0.0.0-255.255.255.255"), ElementsAre(op4(0, 0xffffffffu, 1)));
}

TEST(ParseListForms, Prefix) {
    EXPECT_THAT(ops_of("198.51.100.0/24"),
                ElementsAre(op4(ip4(198, 51, 100, 0), ip4(198, 51, 100, 255), 1)));
    EXPECT_THAT(
        ops_of("2001:db8::/32"),
        ElementsAre(op6(ip6("2001:db8::"), ip6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1)));
    EXPECT_THAT(ops_of("1.2.3.4/32"), ElementsAre(op4(ip4(1, 2, 3, 4), ip4(1, 2, 3, 4), 1)));
    EXPECT_THAT(ops_of("0.0.0.0/1"), ElementsAre(op4(0, 0x7fffffffu, 1)));
    EXPECT_THAT(ops_of("128.0.0.0/1"), ElementsAre(op4(0x80000000u, 0xffffffffu, 1)));
    EXPECT_THAT(ops_of("::1/128"), ElementsAre(op6(1, 1, 1)));
    EXPECT_THAT(ops_of("8000::/1"), ElementsAre(op6(Uint128{1} << 127, kV6Max, 1)));
    EXPECT_THAT(ops_of("::/1"), ElementsAre(op6(0, kV6Max >> 1, 1)));
}

TEST(ParseListForms, Exclusion) {
    EXPECT_THAT(ops_of("10.0.0.0/8\n!10.1.0.0/16\n10.1.2.0/24"),
                ElementsAre(op4(ip4(10, 0, 0, 0), ip4(10, 255, 255, 255), 1),
                            op4(ip4(10, 1, 0, 0), ip4(10, 1, 255, 255), 2, true),
                            op4(ip4(10, 1, 2, 0), ip4(10, 1, 2, 255), 3)));
    EXPECT_THAT(ops_of("!192.0.2.7"),
                ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1, true)));
    EXPECT_THAT(ops_of("! 192.0.2.7"),
                ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1, true)));
    EXPECT_THAT(ops_of("  !\t1.1.1.1 - 1.1.1.9"),
                ElementsAre(op4(ip4(1, 1, 1, 1), ip4(1, 1, 1, 9), 1, true)));
    EXPECT_THAT(ops_of("!2001:db8::/32"),
                ElementsAre(op6(ip6("2001:db8::"), ip6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1,
                                true)));
}

TEST(ParseListForms, CommentsAndBlankLines) {
    auto r = parse_list(
        "; LAN networks\n"
        "\n"
        "192.0.2.7 ; office printer\n"
        "   ; indented comment\n"
        ";\n"
        "   \t  \n"
        "10.0.0.0/8;no space before the comment\n"
        "1.2.3.4-1.2.3.5 ; comment with 9.9.9.9 - ! / ; inside\n"
        "\n");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->lines, 9u);
    EXPECT_THAT(r->ops, ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 3),
                                    op4(ip4(10, 0, 0, 0), ip4(10, 255, 255, 255), 7),
                                    op4(ip4(1, 2, 3, 4), ip4(1, 2, 3, 5), 8)));
}

TEST(ParseListForms, EmptyAndCommentOnlyLists) {
    auto empty = parse_list("");
    ASSERT_TRUE(empty.ok());
    EXPECT_THAT(empty->ops, IsEmpty());
    EXPECT_EQ(empty->lines, 0u);

    auto blanks = parse_list("\n\n\n");
    ASSERT_TRUE(blanks.ok());
    EXPECT_THAT(blanks->ops, IsEmpty());
    EXPECT_EQ(blanks->lines, 3u);

    auto comments = parse_list("; a\n;b\n  ; c");
    ASSERT_TRUE(comments.ok());
    EXPECT_THAT(comments->ops, IsEmpty());
    EXPECT_EQ(comments->lines, 3u);
}

TEST(ParseListForms, LastLineWithoutNewline) {
    auto r = parse_list("1.1.1.1\n2.2.2.2");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->lines, 2u);
    EXPECT_THAT(r->ops, ElementsAre(op4(ip4(1, 1, 1, 1), ip4(1, 1, 1, 1), 1),
                                    op4(ip4(2, 2, 2, 2), ip4(2, 2, 2, 2), 2)));
}

TEST(ParseListForms, LeadingAndTrailingWhiteSpace) {
    EXPECT_THAT(ops_of("  \t192.0.2.7 \t "),
                ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1)));
    EXPECT_THAT(
        ops_of("\t2001:db8::/32\t"),
        ElementsAre(op6(ip6("2001:db8::"), ip6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1)));
}

TEST(ParseListForms, CrlfLineEnds) {
    auto r = parse_list("192.0.2.7\r\n10.0.0.0/8 ; c\r\n\r\n; x\r\n1.2.3.4 - 1.2.3.5\r\n");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->lines, 5u);
    EXPECT_THAT(r->ops, ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1),
                                    op4(ip4(10, 0, 0, 0), ip4(10, 255, 255, 255), 2),
                                    op4(ip4(1, 2, 3, 4), ip4(1, 2, 3, 5), 5)));
    // The column of an error on a CRLF line is unaffected by the '\r'.
    expect_error("1.1.1.1\r\n1.2.3.4 x\r\n", 2, 9, "expected '-', '/', ';' or the end of the line");
}

TEST(ParseListForms, WhiteSpaceAroundDashAndSlash) {
    std::vector<ListOp> range{op4(ip4(1, 2, 3, 4), ip4(1, 2, 3, 9), 1)};
    EXPECT_EQ(ops_of("1.2.3.4 - 1.2.3.9"), range);
    EXPECT_EQ(ops_of("1.2.3.4-  1.2.3.9"), range);
    EXPECT_EQ(ops_of("1.2.3.4\t-\t1.2.3.9"), range);
    std::vector<ListOp> prefix{op4(ip4(10, 0, 0, 0), ip4(10, 255, 255, 255), 1)};
    EXPECT_EQ(ops_of("10.0.0.0 / 8"), prefix);
    EXPECT_EQ(ops_of("10.0.0.0/ 8"), prefix);
    EXPECT_EQ(ops_of("10.0.0.0 /8"), prefix);
    EXPECT_THAT(
        ops_of("2001:db8:: / 32 ; c"),
        ElementsAre(op6(ip6("2001:db8::"), ip6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1)));
    EXPECT_THAT(ops_of("::1 - ::ff"), ElementsAre(op6(1, 0xff, 1)));
}

TEST(ParseListForms, MappedIpv6IsIpv4) {
    EXPECT_THAT(ops_of("::ffff:192.0.2.7"),
                ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1)));
    EXPECT_THAT(ops_of("0:0:0:0:0:FFFF:c000:0207"),
                ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1)));
    EXPECT_THAT(ops_of("!::ffff:192.0.2.7"),
                ElementsAre(op4(ip4(192, 0, 2, 7), ip4(192, 0, 2, 7), 1, true)));
    EXPECT_THAT(ops_of("::ffff:192.0.2.0-::ffff:192.0.2.255"),
                ElementsAre(op4(ip4(192, 0, 2, 0), ip4(192, 0, 2, 255), 1)));
    // One end written as IPv4, the other as mapped IPv6: both are IPv4.
    EXPECT_THAT(ops_of("192.0.2.1-::ffff:192.0.2.9"),
                ElementsAre(op4(ip4(192, 0, 2, 1), ip4(192, 0, 2, 9), 1)));
    EXPECT_THAT(ops_of("::ffff:192.0.2.1 - 192.0.2.9"),
                ElementsAre(op4(ip4(192, 0, 2, 1), ip4(192, 0, 2, 9), 1)));
}

TEST(ParseListForms, MappedPrefixIsTheIpv4Prefix) {
    EXPECT_THAT(ops_of("::ffff:10.0.0.0/104"),
                ElementsAre(op4(ip4(10, 0, 0, 0), ip4(10, 255, 255, 255), 1)));
    EXPECT_EQ(ops_of("::ffff:10.0.0.0/104"), ops_of("10.0.0.0/8"));
    EXPECT_EQ(ops_of("::ffff:192.0.2.0/120"), ops_of("192.0.2.0/24"));
    EXPECT_EQ(ops_of("::ffff:192.0.2.7/128"), ops_of("192.0.2.7"));
    EXPECT_EQ(ops_of("::ffff:0.0.0.0/97"), ops_of("0.0.0.0/1"));
    EXPECT_EQ(ops_of("::ffff:128.0.0.0 / 97"), ops_of("128.0.0.0/1"));
    EXPECT_EQ(ops_of("::ffff:a00:0/104"), ops_of("10.0.0.0/8"));
}

TEST(ParseListForms, Ipv6RangeOverTheMappedBlockStaysOneIpv6Op) {
    // The compiler splits it; the parser reports what the line says.
    EXPECT_THAT(ops_of("::-::1:0:0:0"), ElementsAre(op6(0, kMappedLast + 1, 1)));
    EXPECT_THAT(ops_of("::/64"), ElementsAre(op6(0, (Uint128{1} << 64) - 1, 1)));
}

TEST(ParseListForms, LineNumbersCountEveryLine) {
    auto ops = ops_of("\n;c\n1.1.1.1\n\n\n!1.1.1.1\n  \n::1\n");
    EXPECT_THAT(ops, ElementsAre(op4(ip4(1, 1, 1, 1), ip4(1, 1, 1, 1), 3),
                                 op4(ip4(1, 1, 1, 1), ip4(1, 1, 1, 1), 6, true), op6(1, 1, 8)));
}

TEST(ParseListForms, VerticalTabAndFormFeedAreWhiteSpace) {
    EXPECT_THAT(ops_of("\v1.2.3.4\f"), ElementsAre(op4(ip4(1, 2, 3, 4), ip4(1, 2, 3, 4), 1)));
}

TEST(ParseListForms, LineOfExactlyMaxLengthIsAccepted) {
    std::string line = "1.2.3.4 ;";
    line.resize(kMaxLineLength, 'x');
    auto r = parse_list(line + "\n5.6.7.8\n");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_THAT(r->ops, SizeIs(2));
}

// The same list with CRLF line ends parses the same: a line of exactly kMaxLineLength
// bytes is accepted whatever ends it.
TEST(ParseListForms, CrlfLineOfExactlyMaxLengthIsAccepted) {
    std::string line = "1.2.3.4 ;";
    line.resize(kMaxLineLength, 'x');
    auto lf = parse_list(line + "\n5.6.7.8\n");
    ASSERT_TRUE(lf.ok());
    auto crlf = parse_list(line + "\r\n5.6.7.8\r\n");
    ASSERT_TRUE(crlf.ok()) << crlf.error().errors.at(0).message;
    EXPECT_EQ(crlf->ops, lf->ops);
}

// ======================================================================= errors

TEST(ParseListErrors, MixedFamilyRange) {
    expect_error("192.0.2.1-2001:db8::1", 1, 1, "range ends are of different families");
    expect_error("192.0.2.1-2001:db8::1", 1, 1, "(IPv4 '192.0.2.1', IPv6 '2001:db8::1')");
    expect_error("  2001:db8::1 - 192.0.2.1", 1, 3, "(IPv6 '2001:db8::1', IPv4 '192.0.2.1')");
    expect_error("!::1-1.2.3.4", 1, 2, "different families");
    // A mapped end is IPv4, so it cannot end a plain IPv6 range.
    expect_error("::1-::ffff:1.2.3.4", 1, 1, "different families");
}

TEST(ParseListErrors, ReversedRange) {
    expect_error("192.0.2.99-192.0.2.10", 1, 1,
                 "range first end '192.0.2.99' is greater than its last end '192.0.2.10'");
    expect_error("1.1.1.1\n   2001:db8::9 - 2001:db8::1", 2, 4, "is greater than its last end");
    expect_error("! 1.2.3.5-1.2.3.4", 1, 3, "is greater than");
    expect_error("::ffff:1.2.3.5-1.2.3.4", 1, 1, "is greater than");
}

TEST(ParseListErrors, PrefixLengthOutOfBounds) {
    expect_error("192.0.2.0/33", 1, 11, "prefix length 33 out of range 1..32");
    expect_error("2001:db8::/129", 1, 12, "prefix length 129 out of range 1..128");
    expect_error("10.0.0.0 / 1000", 1, 12, "prefix length 1000 out of range 1..32");
    expect_error("1.2.3.4/12345", 1, 9, "prefix length '12345'... is too long");
}

TEST(ParseListErrors, MappedPrefixOf96OrLess) {
    expect_error("::ffff:10.0.0.0/96", 1, 17,
                 "prefix length 96 out of range 97..128 for an IPv4-mapped address");
    expect_error("::ffff:0.0.0.0/8", 1, 16, "out of range 97..128 for an IPv4-mapped address");
    expect_error("::ffff:0:0/96", 1, 12, "out of range 97..128");
    expect_error("::ffff:10.0.0.0/129", 1, 17, "out of range 97..128");
}

TEST(ParseListErrors, ZeroPrefix) {
    expect_error("0.0.0.0/0", 1, 9, "prefix length /0 is not allowed; write a range");
    expect_error("::/0", 1, 4, "/0 is not allowed");
    expect_error("10.0.0.0 / 0", 1, 12, "/0 is not allowed");
    expect_error("::ffff:0.0.0.0/0", 1, 16, "/0 is not allowed");
}

TEST(ParseListErrors, HostBitsSet) {
    expect_error("192.0.2.1/24", 1, 1,
                 "address '192.0.2.1' has bits set after the first 24 (host bits must be zero)");
    expect_error("  2001:db8::1/64", 1, 3, "has bits set after the first 64");
    expect_error("::ffff:10.0.0.1/104", 1, 1, "has bits set after the first 104");
    expect_error("192.0.0.0/1", 1, 1, "has bits set after the first 1 ");
    expect_error("!10.0.0.1/31", 1, 2, "host bits must be zero");
}

TEST(ParseListErrors, GarbageText) {
    expect_error("hello", 1, 1, "invalid IPv4 address 'hello'");
    expect_error("  foo:bar", 1, 3, "invalid IPv6 address 'foo:bar'");
    expect_error("1.2.3", 1, 1, "invalid IPv4 address '1.2.3'");
    expect_error("01.2.3.4", 1, 1, "invalid IPv4 address '01.2.3.4'");
    expect_error("fe80::1%eth0", 1, 1, "invalid IPv6 address 'fe80::1%eth0'");
    expect_error("1.2.3.4-1.2.3.x", 1, 9, "invalid IPv4 address '1.2.3.x'");
    expect_error("1.2.3.4 - ::g", 1, 11, "invalid IPv6 address '::g'");
    expect_error("1.2.3.4!", 1, 1, "invalid IPv4 address '1.2.3.4!'");
    expect_error("!!1.2.3.4", 1, 2, "invalid IPv4 address '!1.2.3.4'");
    expect_error("-1.2.3.4", 1, 1, "expected an address, found '-1.2.3.4'");
    expect_error("  /24", 1, 3, "expected an address, found '/24'");
    expect_error("1.2.3.4-", 1, 9, "expected the last address of the range before the end");
    expect_error("1.2.3.4 - ; c", 1, 11, "expected the last address of the range before the end");
    expect_error("1.2.3.4--1.2.3.5", 1, 9,
                 "expected the last address of the range, found '-1.2.3.5'");
    expect_error("1.2.3.4/", 1, 9, "expected a prefix length before the end of the line");
    expect_error("1.2.3.4/x", 1, 9, "expected a prefix length, found 'x'");
    expect_error("1.2.3.4//24", 1, 9, "expected a prefix length, found '/24'");
    expect_error("1.2.3.4/-8", 1, 9, "expected a prefix length, found '-8'");
}

TEST(ParseListErrors, JunkAfterAnEntry) {
    expect_error("1.2.3.4 5.6.7.8", 1, 9,
                 "expected '-', '/', ';' or the end of the line, found '5.6.7.8'");
    expect_error("1.2.3.4 # not a comment", 1, 9, "found '#'");
    expect_error("1.2.3.4-1.2.3.5 x", 1, 17, "expected the end of the line, found 'x'");
    expect_error("1.2.3.4-1.2.3.5-1.2.3.6", 1, 16,
                 "expected the end of the line, found '-1.2.3.6'");
    expect_error("10.0.0.0/8 x", 1, 12, "expected the end of the line, found 'x'");
    expect_error("10.0.0.0/8x", 1, 11, "expected the end of the line, found 'x'");
    expect_error("10.0.0.0/8/8", 1, 11, "expected the end of the line, found '/8'");
    expect_error("::1/128 ::2", 1, 9, "expected the end of the line, found '::2'");
    expect_error("1.2.3.4-1.2.3.5/32", 1, 16, "expected the end of the line, found '/32'");
}

TEST(ParseListErrors, ExclusionWithNothingAfter) {
    expect_error("!", 1, 2, "'!' must be followed by an address, range or prefix");
    expect_error("1.1.1.1\n  !   ; nothing", 2, 7, "'!' must be followed by");
    expect_error("!\r\n", 1, 2, "'!' must be followed by");
    expect_error("!;", 1, 2, "'!' must be followed by");
}

TEST(ParseListErrors, OverLongLine) {
    std::string line = "1.2.3.4 ;";
    line.resize(kMaxLineLength + 1, 'x');
    ListErrors e = errors_of("1.1.1.1\n" + line + "\n2.2.2.2\n");
    ASSERT_EQ(e.total, 1u);
    ASSERT_THAT(e.errors, SizeIs(1));
    EXPECT_EQ(e.errors[0].line, 2u);
    EXPECT_EQ(e.errors[0].column, kMaxLineLength + 1);
    EXPECT_THAT(e.errors[0].message, HasSubstr("line is longer than 1024 bytes"));
    // The quoted text is cut to kMaxLineLength bytes.
    EXPECT_EQ(e.errors[0].text.size(), kMaxLineLength);
    EXPECT_EQ(e.errors[0].text, line.substr(0, kMaxLineLength));

    // Much longer: the same single error, still cut.
    std::string huge(100000, '1');
    ListErrors h = errors_of(huge);
    ASSERT_EQ(h.total, 1u);
    EXPECT_EQ(h.errors[0].column, kMaxLineLength + 1);
    EXPECT_EQ(h.errors[0].text.size(), kMaxLineLength);
}

TEST(ParseListErrors, ControlBytes) {
    expect_error("1.2.3.4\x01", 1, 8, "unexpected byte 0x01");
    expect_error("1.1.1.1\n\x1b[31m1.2.3.4", 2, 1, "unexpected byte 0x1b");
    expect_error(std::string_view("1.2.3.4 ;\0x", 11), 1, 10, "unexpected byte 0x00");
    expect_error("1.2.3.4 ; del \x7f", 1, 15, "unexpected byte 0x7f");
    expect_error("1.2.3.4\x08", 1, 8, "unexpected byte 0x08");
    // Even in a comment line.
    expect_error("; \x07 bell", 1, 3, "unexpected byte 0x07");
}

TEST(ParseListErrors, NonAsciiBytes) {
    expect_error("1.2.3.4 ; caf\xc3\xa9", 1, 14, "unexpected byte 0xc3");
    expect_error(
        "\xef\xbb\xbf"
        "1.2.3.4",
        1, 1, "unexpected byte 0xef");  // UTF-8 BOM
    expect_error("1.2.3.4\xa0", 1, 8, "unexpected byte 0xa0");
    expect_error("1.2.3.4-1.2.3.\xd9\xa5", 1, 15, "unexpected byte 0xd9");
}

// The column names the FIRST offending byte of the line, whichever kind it is.
TEST(ParseListErrors, FirstOffendingByteIsReported) {
    expect_error("\x01 \xc3\xa9", 1, 1, "unexpected byte 0x01");
    // A non-ASCII byte before a control byte: the non-ASCII byte is the first one.
    expect_error("1.2.3.4 ; caf\xc3\xa9 \x01", 1, 14, "unexpected byte 0xc3");
}

// A CRLF line end is not part of the line: the quoted text must not carry the '\r',
// which would send the terminal's cursor back over the "LINE:COL" it follows.
TEST(ParseListErrors, QuotedTextOfACrlfLineHasNoCarriageReturn) {
    ListErrors e = errors_of("1.1.1.1\r\nbad entry\r\n");
    ASSERT_THAT(e.errors, SizeIs(1));
    EXPECT_EQ(e.errors[0].line, 2u);
    EXPECT_EQ(e.errors[0].text, "bad entry");
    EXPECT_EQ(e.format(), "2:1: invalid IPv4 address 'bad': \"bad entry\"\n");
}

TEST(ParseListErrors, AllErrorsAreReportedInLineOrder) {
    ListErrors e = errors_of(
        "10.0.0.0/8\n"
        "bad\n"
        "1.2.3.4/33\n"
        "; fine\n"
        "2.2.2.2-1.1.1.1\n"
        "3.3.3.3\n"
        "!\n");
    EXPECT_EQ(e.total, 4u);
    ASSERT_THAT(e.errors, SizeIs(4));
    EXPECT_EQ(e.errors[0].line, 2u);
    EXPECT_EQ(e.errors[0].column, 1u);
    EXPECT_THAT(e.errors[0].message, HasSubstr("invalid IPv4 address 'bad'"));
    EXPECT_EQ(e.errors[0].text, "bad");
    EXPECT_EQ(e.errors[1].line, 3u);
    EXPECT_EQ(e.errors[1].column, 9u);
    EXPECT_THAT(e.errors[1].message, HasSubstr("out of range"));
    EXPECT_EQ(e.errors[2].line, 5u);
    EXPECT_EQ(e.errors[2].column, 1u);
    EXPECT_THAT(e.errors[2].message, HasSubstr("greater than"));
    EXPECT_EQ(e.errors[3].line, 7u);
    EXPECT_EQ(e.errors[3].column, 2u);
    EXPECT_THAT(e.errors[3].message, HasSubstr("'!' must be followed"));
}

TEST(ParseListErrors, ReportedErrorsAreCappedAndTotalCountsAll) {
    std::string text = "1.1.1.1\n";
    const size_t bad_lines = kMaxReportedErrors + 7;
    for (size_t i = 0; i < bad_lines; ++i)
        text += "x" + std::to_string(i) + "\n1.1.1.2\n";
    ListErrors e = errors_of(text);
    EXPECT_EQ(e.total, bad_lines);
    ASSERT_THAT(e.errors, SizeIs(kMaxReportedErrors));
    for (size_t i = 0; i < kMaxReportedErrors; ++i) {
        EXPECT_EQ(e.errors[i].line, 2 + 2 * i);
        EXPECT_EQ(e.errors[i].text, "x" + std::to_string(i));
    }
    std::string formatted = e.format("lan.txt");
    EXPECT_THAT(formatted, HasSubstr("lan.txt: 7 more error(s) not shown\n"));
    EXPECT_THAT(formatted, StartsWith("lan.txt:2:1: invalid IPv4 address 'x0': \"x0\"\n"));
    size_t lines = 0;
    for (char c : formatted)
        lines += c == '\n';
    EXPECT_EQ(lines, kMaxReportedErrors + 1);

    EXPECT_THAT(e.format(), HasSubstr("\n7 more error(s) not shown\n"));
}

TEST(ParseListErrors, AnyErrorRejectsTheWholeList) {
    auto r = parse_list("10.0.0.0/8\n192.168.0.0/16\n2001:db8::/32\n1.2.3.4/33\n172.16.0.0/12\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().total, 1u);
    auto c = compile_list("10.0.0.0/8\n1.2.3.4/33\n");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().errors.at(0).line, 2u);
}

TEST(ListErrorFormat, LineColMessageAndQuotedText) {
    ListError e{3, 7, "invalid IPv4 address 'x'", "  x"};
    EXPECT_EQ(e.format(), "3:7: invalid IPv4 address 'x': \"  x\"");
    EXPECT_EQ(e.format("configs/lan.list"),
              "configs/lan.list:3:7: invalid IPv4 address 'x': \"  x\"");
}

TEST(ListErrorFormat, FromAParse) {
    auto r = parse_list("1.1.1.1\n  10.0.0.0/33 ; lab\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().format("nat"),
              "nat:2:12: prefix length 33 out of range 1..32: \"  10.0.0.0/33 ; lab\"\n");
    EXPECT_EQ(r.error().errors[0].format(),
              "2:12: prefix length 33 out of range 1..32: \"  10.0.0.0/33 ; lab\"");
}

TEST(ListErrorFormat, EmptyErrorsFormatToNothing) {
    EXPECT_EQ(ListErrors{}.format(), "");
    EXPECT_EQ(ListErrors{}.format("src"), "");
}

}  // namespace
}  // namespace mg::lists

namespace mg::lists {
namespace {

TEST(ParseListLimits, ListLongerThanTheLimitIsRejected) {
    // kMaxListLines comment lines pass; one more line is an error naming that line.
    std::string text(kMaxListLines, '\n');
    EXPECT_TRUE(parse_list(text).ok());
    text += "192.0.2.1\n";
    auto r = parse_list(text);
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.error().errors.size(), 1u);
    EXPECT_EQ(r.error().errors[0].line, kMaxListLines + 1);
    EXPECT_EQ(r.error().errors[0].column, 1u);
    EXPECT_NE(r.error().errors[0].message.find("longer than 10000000 lines"), std::string::npos);
}

}  // namespace
}  // namespace mg::lists
