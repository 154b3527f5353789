// Tests for dataplane/api/channel.cc: every message type through MessageBuilder and
// parse_message, every rejection of parse_message, the size limits, make_ok and
// make_error (the socket calls: channel_socket_test.cc). No DPDK.
#include "dataplane/api/channel.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "tests/dataplane/channel_test_util.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mg::dataplane::api {
namespace {

using test::all_types;
using test::Bytes;
using test::contains;
using test::kEndType;
using test::kFirstType;
using test::length_error;
using test::parse_error;
using test::pattern;
using test::raw_message;
using test::same_bytes;

// ---------------------------------------------------------------------------
// Layout and names.

TEST(Channel, WireLayout) {
    static_assert(sizeof(HelloBody) == 8);
    static_assert(sizeof(HelloReplyBody) == 32);
    static_assert(sizeof(ErrorBody) == 8);
    static_assert(sizeof(StatsBody) == 408);
    static_assert(sizeof(PortInfo) == 176);
    static_assert(sizeof(IdleEvent) == 40);

    MessageBuilder b(MsgType::kDelLegs, 0x01020304, kFlagMore);
    b.add(LegKey{});
    const Bytes& m = b.bytes();
    ASSERT_EQ(m.size(), 16u + 24u);
    EXPECT_EQ(std::string(m.begin(), m.begin() + 4), "MGDP");
    EXPECT_EQ(m[4], kVersion & 0xff);
    EXPECT_EQ(m[5], kVersion >> 8);
    EXPECT_EQ(m[6], static_cast<uint8_t>(MsgType::kDelLegs));
    EXPECT_EQ(m[7], kFlagMore);
    EXPECT_EQ((Bytes{m.begin() + 8, m.begin() + 12}), (Bytes{4, 3, 2, 1}));  // little endian
    EXPECT_EQ((Bytes{m.begin() + 12, m.begin() + 16}), (Bytes{1, 0, 0, 0}));
}

TEST(Channel, Names) {
    std::vector<std::string> seen;
    for (MsgType t : all_types()) {
        std::string name = type_name(t);
        EXPECT_NE(name, "unknown") << int(t);
        EXPECT_EQ(std::count(seen.begin(), seen.end(), name), 0) << name;
        seen.push_back(name);
    }
    EXPECT_STREQ(type_name(MsgType::kAddLegs), "add-legs");
    EXPECT_STREQ(type_name(MsgType::kTypeEnd), "unknown");
    EXPECT_STREQ(type_name(static_cast<MsgType>(0)), "unknown");
    EXPECT_STREQ(type_name(static_cast<MsgType>(255)), "unknown");
    EXPECT_STREQ(list_name(ListId::kLan), "lan");
    EXPECT_STREQ(list_name(ListId::kClient), "client");
    EXPECT_STREQ(list_name(ListId::kNated), "nated");
    EXPECT_STREQ(list_name(ListId::kDebug), "debug");
    EXPECT_STREQ(list_name(ListId::kCount), "unknown");
}

// ---------------------------------------------------------------------------
// Round trips.

struct None {};

template <typename Body = None, typename Entry = None>
void check_round_trip(MsgType type, uint32_t seq, uint8_t flags, uint32_t n) {
    SCOPED_TRACE(std::string(type_name(type)) + " seq " + std::to_string(seq) + " n " +
                 std::to_string(n));
    MessageBuilder b(type, seq, flags);
    [[maybe_unused]] Body body{};
    if constexpr (!std::is_same_v<Body, None>) {
        body = pattern<Body>(seq);
        b.fixed(body);
    }
    std::vector<Entry> sent;
    if constexpr (!std::is_same_v<Entry, None>) {
        for (uint32_t i = 0; i < n; ++i) {
            sent.push_back(pattern<Entry>(i + 1));
            b.add(sent.back());
        }
    }
    EXPECT_EQ(b.count(), sent.size());
    EXPECT_EQ(b.bytes().size(), sizeof(Header) + fixed_size(type) + sent.size() * entry_size(type));

    auto v = parse_message(b.bytes());
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->type(), type);
    EXPECT_EQ(v->header.magic, kMagic);
    EXPECT_EQ(v->header.version, kVersion);
    EXPECT_EQ(v->header.seq, seq);
    EXPECT_EQ(v->header.flags, flags);
    EXPECT_EQ(v->header.count, sent.size());
    EXPECT_EQ(v->fixed.size(), fixed_size(type));
    EXPECT_EQ(v->entries.size(), sent.size() * entry_size(type));
    if constexpr (!std::is_same_v<Body, None>) {
        EXPECT_TRUE(same_bytes(v->template body<Body>(), body));
    }
    if constexpr (!std::is_same_v<Entry, None>) {
        for (size_t i = 0; i < sent.size(); ++i) {
            EXPECT_TRUE(same_bytes(v->template entry<Entry>(i), sent[i])) << "entry " << i;
        }
    }
}

TEST(Channel, RoundTripEveryType) {
    for (uint32_t n : {0u, 1u, 3u}) {
        const std::pair<uint32_t, uint8_t> headers[] = {{0, 0}, {7, kFlagMore}, {0xfffffffe, 0x80}};
        for (auto [seq, flags] : headers) {
            check_round_trip<HelloBody>(MsgType::kHello, seq, flags, 0);
            check_round_trip<HelloReplyBody>(MsgType::kHelloReply, seq, flags, 0);
            check_round_trip(MsgType::kOk, seq, flags, 0);
            check_round_trip<ErrorBody, uint8_t>(MsgType::kError, seq, flags, n);
            check_round_trip(MsgType::kListsBegin, seq, flags, 0);
            check_round_trip<None, RangeEntry>(MsgType::kListsChunk, seq, flags, n);
            check_round_trip(MsgType::kListsCommit, seq, flags, 0);
            check_round_trip<None, LegSpec>(MsgType::kAddLegs, seq, flags, n);
            check_round_trip<None, LegKey>(MsgType::kDelLegs, seq, flags, n);
            check_round_trip<None, LegKey>(MsgType::kQueryLegs, seq, flags, n);
            check_round_trip<None, LegInfo>(MsgType::kLegs, seq, flags, n);
            check_round_trip(MsgType::kDump, seq, flags, 0);
            check_round_trip(MsgType::kStats, seq, flags, 0);
            check_round_trip<StatsBody, PortInfo>(MsgType::kStatsReply, seq, flags, n);
            check_round_trip<None, EmitEntry>(MsgType::kEmit, seq, flags, n);
            check_round_trip<None, IdleEvent>(MsgType::kIdleEvents, seq, flags, n);
        }
    }
}

TEST(Channel, SetFlagsAfterEntries) {
    MessageBuilder b(MsgType::kLegs, 9, kFlagMore);
    b.add(pattern<LegInfo>(1));
    b.set_flags(0);
    auto v = parse_message(b.bytes());
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->header.flags, 0);
    EXPECT_EQ(v->header.count, 1u);
}

TEST(Channel, FixedBodyMayBeSkippedWhenZero) {
    MessageBuilder hello(MsgType::kHello, 1);
    auto v = parse_message(hello.bytes());
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_TRUE(same_bytes(v->body<HelloBody>(), HelloBody{}));

    MessageBuilder stats(MsgType::kStatsReply, 2);
    stats.add(pattern<PortInfo>(3));
    auto s = parse_message(stats.bytes());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE(same_bytes(s->body<StatsBody>(), StatsBody{}));
    EXPECT_TRUE(same_bytes(s->entry<PortInfo>(0), pattern<PortInfo>(3)));
}

TEST(Channel, ErrorText) {
    Bytes m = make_error(42, ErrorKind::kNotFound, 3, "no leg 192.0.2.1:4000");
    auto v = parse_message(m);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->type(), MsgType::kError);
    EXPECT_EQ(v->header.seq, 42u);
    EXPECT_EQ(v->header.count, 21u);
    EXPECT_EQ(v->body<ErrorBody>().kind, static_cast<uint32_t>(ErrorKind::kNotFound));
    EXPECT_EQ(v->body<ErrorBody>().entry, 3u);
    EXPECT_EQ(v->text(), "no leg 192.0.2.1:4000");
    EXPECT_EQ(v->entry<char>(0), 'n');
    EXPECT_EQ(v->entry<uint8_t>(20), '0');

    Bytes empty_msg = make_error(1, ErrorKind::kBusy, UINT32_MAX, "");
    auto empty = parse_message(empty_msg);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->header.count, 0u);
    EXPECT_EQ(empty->text(), "");
    EXPECT_EQ(empty->body<ErrorBody>().entry, UINT32_MAX);

    MessageBuilder b(MsgType::kError, 5);
    b.fixed(ErrorBody{1, 2});
    const std::string part1 = "bad ", part2 = "message";
    b.add_bytes({reinterpret_cast<const uint8_t*>(part1.data()), part1.size()});
    b.add_bytes({reinterpret_cast<const uint8_t*>(part2.data()), part2.size()});
    b.add_bytes({});
    auto joined = parse_message(b.bytes());
    ASSERT_TRUE(joined.ok());
    EXPECT_EQ(joined->text(), "bad message");
    EXPECT_EQ(joined->header.count, 11u);
}

TEST(Channel, ErrorTextTruncation) {
    const size_t room = kMaxMessage - sizeof(Header) - sizeof(ErrorBody);
    ASSERT_EQ(room, MessageBuilder::max_entries(MsgType::kError));

    std::string exact(room, 'x');
    Bytes m = make_error(1, ErrorKind::kInvalid, 0, exact);
    EXPECT_EQ(m.size(), kMaxMessage);
    auto v = parse_message(m);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->text(), exact);

    std::string longer(room + 5000, 'y');
    longer[room - 1] = 'z';
    m = make_error(2, ErrorKind::kInvalid, 7, longer);
    EXPECT_EQ(m.size(), kMaxMessage);
    v = parse_message(m);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->header.count, room);
    EXPECT_EQ(v->text(), std::string_view(longer).substr(0, room));
    EXPECT_EQ(v->body<ErrorBody>().entry, 7u);

    // A multi-byte character across the limit is left out whole.
    for (size_t before : {1u, 2u, 3u}) {
        std::string text(room - before, 'a');
        text += "\xf0\x9f\x98\x80";  // U+1F600, 4 bytes
        text += "tail";
        v = parse_message(m = make_error(3, ErrorKind::kInvalid, 0, text));
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->text(), std::string(room - before, 'a')) << before;
    }
    std::string two(room - 1, 'a');
    two += "\xc3\xa9";  // U+00E9, 2 bytes
    v = parse_message(m = make_error(3, ErrorKind::kInvalid, 0, two));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->text(), std::string(room - 1, 'a'));
    // Ending exactly at the limit, the character stays.
    std::string fits(room - 2, 'a');
    fits += "\xc3\xa9";
    v = parse_message(m = make_error(3, ErrorKind::kInvalid, 0, fits + "b"));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->text(), fits);
}

TEST(Channel, OkCarriesTheAppliedCount) {
    Bytes ok = make_ok(11, 250);
    EXPECT_EQ(ok.size(), sizeof(Header));
    auto v = parse_message(ok);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->type(), MsgType::kOk);
    EXPECT_EQ(v->header.seq, 11u);
    EXPECT_EQ(v->header.count, 250u);
    EXPECT_TRUE(v->entries.empty());
    EXPECT_TRUE(v->fixed.empty());
    Bytes ok0 = make_ok(12, 0);
    auto zero = parse_message(ok0);
    ASSERT_TRUE(zero.ok());
    EXPECT_EQ(zero->header.count, 0u);
    Bytes ok_max = make_ok(13, UINT32_MAX);
    auto most = parse_message(ok_max);
    ASSERT_TRUE(most.ok());
    EXPECT_EQ(most->header.count, UINT32_MAX);
    // Still no bytes after the header.
    EXPECT_EQ(parse_error(raw_message(static_cast<uint8_t>(MsgType::kOk), 1, 1)),
              length_error(MsgType::kOk, 17, 1));
}

// ---------------------------------------------------------------------------
// Rejections.

TEST(Channel, RejectsShortHeader) {
    EXPECT_EQ(parse_error(Bytes{}), "message of 0 bytes is shorter than the 16-byte header");
    Bytes valid = MessageBuilder(MsgType::kOk, 1).bytes();
    for (size_t n = 1; n < sizeof(Header); ++n) {
        EXPECT_EQ(parse_error(Bytes(valid.begin(), valid.begin() + n)),
                  "message of " + std::to_string(n) + " bytes is shorter than the 16-byte header");
    }
}

TEST(Channel, RejectsMessagesOverTheLimit) {
    // Well formed except for its size: one byte of text too many.
    const uint32_t text = static_cast<uint32_t>(MessageBuilder::max_entries(MsgType::kError));
    const uint8_t error = static_cast<uint8_t>(MsgType::kError);
    EXPECT_TRUE(parse_message(raw_message(error, text, sizeof(ErrorBody) + text)).ok());
    EXPECT_EQ(parse_error(raw_message(error, text + 1, sizeof(ErrorBody) + text + 1)),
              "message of 65537 bytes is over the 65536-byte limit");
    const uint8_t emit = static_cast<uint8_t>(MsgType::kEmit);
    EXPECT_EQ(parse_error(raw_message(emit, 256, 256 * sizeof(EmitEntry))),
              "message of 65552 bytes is over the 65536-byte limit");
}

TEST(Channel, RejectsBadMagic) {
    for (uint32_t magic : {0u, 0x4d474450u, kMagic ^ 1u, 0xffffffffu}) {
        EXPECT_EQ(parse_error(raw_message(3, 0, 0, kVersion, magic)),
                  "not a dataplane channel message (bad magic)");
    }
}

TEST(Channel, RejectsOtherVersions) {
    for (uint16_t version :
         {uint16_t(0), uint16_t(kVersion + 1), uint16_t(0x0100), uint16_t(0xffff)}) {
        auto v = parse_message(
            raw_message(static_cast<uint8_t>(MsgType::kHello), 0, sizeof(HelloBody), version));
        ASSERT_FALSE(v.ok());
        EXPECT_EQ(v.error().code, ErrorCode::kInvalidInput);
        EXPECT_EQ(v.error().message.rfind("version", 0), 0u) << v.error().message;
        EXPECT_TRUE(contains(v.error().message, "version " + std::to_string(version)))
            << v.error().message;
    }
    // The version is checked before the type and the length.
    auto v = parse_message(raw_message(0, 99, 3, kVersion + 1));
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().message.rfind("version", 0), 0u) << v.error().message;
}

TEST(Channel, RejectsUnknownTypes) {
    for (unsigned t : {0u, unsigned(kEndType), 200u, 255u}) {
        EXPECT_EQ(parse_error(raw_message(static_cast<uint8_t>(t), 0, 0)),
                  "unknown message type " + std::to_string(t));
    }
}

TEST(Channel, RejectsLengthNotMatchingCount) {
    for (MsgType t : all_types()) {
        SCOPED_TRACE(type_name(t));
        const uint8_t type = static_cast<uint8_t>(t);
        const size_t f = fixed_size(t), e = entry_size(t);
        const uint32_t count = e != 0 ? 2 : 0;
        const size_t payload = f + count * e;
        ASSERT_TRUE(parse_message(raw_message(type, count, payload)).ok());

        EXPECT_EQ(parse_error(raw_message(type, count, payload + 1)),
                  length_error(t, 16 + payload + 1, count));
        if (payload > 0) {
            EXPECT_EQ(parse_error(raw_message(type, count, payload - 1)),
                      length_error(t, 16 + payload - 1, count));
        }
        if (f > 0) {
            EXPECT_EQ(parse_error(raw_message(type, 0, 0)), length_error(t, 16, 0));
            EXPECT_EQ(parse_error(raw_message(type, count, count * e)),
                      length_error(t, 16 + count * e, count));
        }
        if (e > 0) {
            EXPECT_EQ(parse_error(raw_message(type, count + 1, payload)),
                      length_error(t, 16 + payload, count + 1));
            EXPECT_EQ(parse_error(raw_message(type, count - 1, payload)),
                      length_error(t, 16 + payload, count - 1));
        }
        if (e > 1) {  // a partial entry
            EXPECT_EQ(parse_error(raw_message(type, count, payload + e / 2)),
                      length_error(t, 16 + payload + e / 2, count));
        }
    }
}

TEST(Channel, RejectsEntriesOnTypesWithoutThem) {
    int tested = 0;
    for (MsgType t : all_types()) {
        if (entry_size(t) != 0 || t == MsgType::kOk) {
            continue;
        }
        SCOPED_TRACE(type_name(t));
        ++tested;
        const uint8_t type = static_cast<uint8_t>(t);
        const size_t f = fixed_size(t);
        EXPECT_EQ(parse_error(raw_message(type, 1, f)), length_error(t, 16 + f, 1));
        EXPECT_EQ(parse_error(raw_message(type, UINT32_MAX, f)),
                  length_error(t, 16 + f, UINT32_MAX));
        EXPECT_EQ(parse_error(raw_message(type, 1, f + 1)), length_error(t, 16 + f + 1, 1));
    }
    EXPECT_EQ(tested, 6);  // hello, hello-reply, lists-begin, lists-commit, dump, stats
}

TEST(Channel, RejectsCountsWhoseSizeOverflows) {
    for (MsgType t : all_types()) {
        const size_t f = fixed_size(t), e = entry_size(t);
        if (e == 0) {
            continue;
        }
        SCOPED_TRACE(type_name(t));
        const uint8_t type = static_cast<uint8_t>(t);
        EXPECT_EQ(parse_error(raw_message(type, UINT32_MAX, f)),
                  length_error(t, 16 + f, UINT32_MAX));
        EXPECT_EQ(parse_error(raw_message(type, UINT32_MAX, f + e)),
                  length_error(t, 16 + f + e, UINT32_MAX));
        // A count whose count x entry wraps a 32-bit size to exactly the bytes present:
        // (count - 1) x e is a multiple of 2^32.
        uint64_t step = (uint64_t{1} << 32) / (e & -e);  // 2^32 / (largest power of 2 in e)
        if (step < UINT32_MAX) {
            uint32_t count = static_cast<uint32_t>(step + 1);
            ASSERT_EQ(static_cast<uint32_t>(count * e), e);
            EXPECT_EQ(parse_error(raw_message(type, count, f + e)),
                      length_error(t, 16 + f + e, count));
            // ... and to zero bytes of entries.
            EXPECT_EQ(parse_error(raw_message(type, static_cast<uint32_t>(step), f)),
                      length_error(t, 16 + f, static_cast<uint32_t>(step)));
        }
    }
}

// ---------------------------------------------------------------------------
// Size limits and builder misuse.

template <typename Body, typename Entry>
void fill_to_max(MsgType type) {
    SCOPED_TRACE(type_name(type));
    const size_t max = MessageBuilder::max_entries(type);
    ASSERT_GT(max, 0u);
    MessageBuilder b(type, 1);
    if constexpr (!std::is_same_v<Body, None>) {
        b.fixed(pattern<Body>(1));
    }
    for (size_t i = 0; i < max; ++i) {
        b.add(pattern<Entry>(static_cast<unsigned>(i)));
    }
    EXPECT_LE(b.bytes().size(), kMaxMessage);
    EXPECT_GT(b.bytes().size() + sizeof(Entry), kMaxMessage);
    auto v = parse_message(b.bytes());
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->header.count, max);
    EXPECT_TRUE(same_bytes(v->template entry<Entry>(max - 1),
                           pattern<Entry>(static_cast<unsigned>(max - 1))));
    EXPECT_DEATH(b.add(pattern<Entry>(0)), "over kMaxMessage");
}

TEST(ChannelDeathTest, MaxEntriesFitAndOneMoreDoesNot) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    for (MsgType t : all_types()) {
        const size_t e = entry_size(t);
        const size_t max = MessageBuilder::max_entries(t);
        if (e == 0) {
            EXPECT_EQ(max, 0u) << type_name(t);
            continue;
        }
        EXPECT_LE(sizeof(Header) + fixed_size(t) + max * e, kMaxMessage) << type_name(t);
        EXPECT_GT(sizeof(Header) + fixed_size(t) + (max + 1) * e, kMaxMessage) << type_name(t);
    }
    EXPECT_EQ(MessageBuilder::max_entries(MsgType::kError), 65512u);
    EXPECT_EQ(MessageBuilder::max_entries(MsgType::kListsChunk), 1638u);
    EXPECT_EQ(MessageBuilder::max_entries(MsgType::kAddLegs), 1023u);
    EXPECT_EQ(MessageBuilder::max_entries(MsgType::kStatsReply), 369u);
    EXPECT_EQ(MessageBuilder::max_entries(MsgType::kEmit), 255u);
    EXPECT_EQ(MessageBuilder::max_entries(MsgType::kTypeEnd), 0u);

    fill_to_max<ErrorBody, uint8_t>(MsgType::kError);
    fill_to_max<None, RangeEntry>(MsgType::kListsChunk);
    fill_to_max<None, LegSpec>(MsgType::kAddLegs);
    fill_to_max<None, LegKey>(MsgType::kDelLegs);
    fill_to_max<None, LegKey>(MsgType::kQueryLegs);
    fill_to_max<None, LegInfo>(MsgType::kLegs);
    fill_to_max<StatsBody, PortInfo>(MsgType::kStatsReply);
    fill_to_max<None, EmitEntry>(MsgType::kEmit);
    fill_to_max<None, IdleEvent>(MsgType::kIdleEvents);

    MessageBuilder text(MsgType::kError, 1);
    const Bytes too_long(MessageBuilder::max_entries(MsgType::kError) + 1, 'a');
    EXPECT_DEATH(text.add_bytes(too_long), "over kMaxMessage");
}

TEST(ChannelDeathTest, BuilderMisuse) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH((void)MessageBuilder(MsgType::kTypeEnd, 1), "unknown type");
    EXPECT_DEATH((void)MessageBuilder(static_cast<MsgType>(0), 1), "unknown type");
    {
        MessageBuilder b(MsgType::kHello, 1);
        EXPECT_DEATH(b.fixed(ErrorBody{}).fixed(ErrorBody{}), "set twice");
        EXPECT_DEATH(b.fixed(HelloReplyBody{}), "size mismatch");
        EXPECT_DEATH(b.add(LegKey{}), "entry size mismatch");
        EXPECT_DEATH(b.add_bytes({}), "without byte entries");
    }
    {
        MessageBuilder b(MsgType::kStatsReply, 1);
        b.add(PortInfo{});
        EXPECT_DEATH(b.fixed(StatsBody{}), "after entries");
    }
    {
        MessageBuilder b(MsgType::kDump, 1);
        EXPECT_DEATH(b.fixed(HelloBody{}), "size mismatch");
    }
}

TEST(ChannelDeathTest, AccessorsCheckTheirType) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    MessageBuilder b(MsgType::kDelLegs, 1);
    b.add(pattern<LegKey>(1)).add(pattern<LegKey>(2));
    auto v = parse_message(b.bytes());
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(same_bytes(v->entry<LegKey>(1), pattern<LegKey>(2)));
    EXPECT_DEATH((void)v->entry<LegKey>(2), "entry out of range");
    EXPECT_DEATH((void)v->entry<LegSpec>(0), "entry out of range");
    EXPECT_DEATH((void)v->body<HelloBody>(), "fixed body size mismatch");
    // An index so large that (i + 1) * sizeof(T) wraps around.
    EXPECT_DEATH((void)v->entry<LegKey>(SIZE_MAX), "entry out of range");
    EXPECT_DEATH((void)v->entry<LegKey>(SIZE_MAX / sizeof(LegKey)), "entry out of range");

    MessageBuilder hb(MsgType::kHello, 1);
    hb.fixed(HelloBody{1, 2});
    auto hello = parse_message(hb.bytes());
    ASSERT_TRUE(hello.ok());
    EXPECT_EQ(hello->body<HelloBody>().pid, 1u);
    EXPECT_DEATH((void)hello->body<HelloReplyBody>(), "fixed body size mismatch");
    EXPECT_DEATH((void)hello->entry<uint8_t>(0), "entry out of range");
}

}  // namespace
}  // namespace mg::dataplane::api
