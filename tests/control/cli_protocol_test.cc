#include "control/cli_protocol.h"

#include <gtest/gtest.h>

#include "control/json.h"

namespace mg::control {
namespace {

std::string_view payload_of(const std::string& frame) {
    return std::string_view(frame).substr(4);
}

TEST(CliProtocol, RequestRoundTrip) {
    CliRequest req{true, {"lists", "show", "lan"}};
    auto back = decode_request(payload_of(encode_request(req)));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(back->json);
    EXPECT_EQ(back->words, req.words);
}

TEST(CliProtocol, EmptyWordsSurvive) {
    CliRequest req{false, {"resolve", "", "x"}};
    auto back = decode_request(payload_of(encode_request(req)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->words, req.words);
}

TEST(CliProtocol, ReplyRoundTrip) {
    CommandOutput out{kExitNoAnswer, std::string("out\0put\n", 8), "err\n"};
    auto back = decode_reply(payload_of(encode_reply(out)));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->exit_code, kExitNoAnswer);
    EXPECT_EQ(back->out, out.out);
    EXPECT_EQ(back->err, out.err);
}

TEST(CliProtocol, RejectsOtherReleasesAndGarbage) {
    for (std::string_view bad :
         {std::string_view(""), std::string_view("MGCTL2\0t", 8), std::string_view("hello"),
          std::string_view("MGCTL1\0x", 8), std::string_view("MGCTL1\0tstatus", 14)}) {
        auto r = decode_request(bad);
        EXPECT_FALSE(r.ok()) << bad;
    }
    auto wrong = decode_request(std::string_view("MGCTL9\0tstatus\0", 15));
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message.find("same release"), std::string::npos);
    // A reply whose stdout length points past its end.
    std::string reply = encode_reply({0, "abc", ""});
    reply[4 + 7 + 1 + 3] = 100;
    EXPECT_FALSE(decode_reply(payload_of(reply)).ok());
    EXPECT_FALSE(decode_reply(std::string_view("MGCTL1\0\0", 8)).ok());
    // An exit status mediagatectl never gives (DESIGN.md: 0, 1, 2, 64).
    for (int code : {3, 63, 65, 200, 255}) {
        auto r = decode_reply(payload_of(encode_reply({code, "out", ""})));
        ASSERT_FALSE(r.ok()) << code;
        EXPECT_NE(r.error().message.find("exit status " + std::to_string(code)), std::string::npos);
    }
    for (int code : {0, 1, 2, 64})
        EXPECT_TRUE(decode_reply(payload_of(encode_reply({code, "", ""}))).ok()) << code;
}

TEST(CliProtocol, TooManyWords) {
    CliRequest req{false, std::vector<std::string>(kMaxRequestWords + 1, "w")};
    EXPECT_FALSE(decode_request(payload_of(encode_request(req))).ok());
}

// --json output is valid UTF-8 whatever it quotes: control characters escaped,
// UTF-8 kept, anything else (Latin-1, a cut sequence, overlong forms, surrogates)
// replaced by U+FFFD.
TEST(Json, StringsAreValidUtf8Json) {
    EXPECT_EQ(json_string("a\"b\\c\n\x01\x7f"), "\"a\\\"b\\\\c\\n\\u0001\\u007f\"");
    EXPECT_EQ(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
              "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    EXPECT_EQ(json_string("caf\xe9"), "\"caf\\ufffd\"");                             // Latin-1
    EXPECT_EQ(json_string("\xc3"), "\"\\ufffd\"");                                   // cut
    EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");                        // overlong '/'
    EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");             // surrogate
    EXPECT_EQ(json_string("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
}

TEST(FrameReader, ByteByByte) {
    std::string frame = encode_request({false, {"status"}});
    FrameReader r(kMaxRequestBytes);
    for (size_t i = 0; i < frame.size(); ++i) {
        EXPECT_FALSE(r.payload().has_value()) << i;
        ASSERT_TRUE(r.append(frame.substr(i, 1)).ok());
    }
    ASSERT_TRUE(r.payload().has_value());
    EXPECT_EQ(*r.payload(), payload_of(frame));
    EXPECT_EQ(r.trailing(), 0u);
    ASSERT_TRUE(r.append("x").ok());
    EXPECT_EQ(r.trailing(), 1u);
}

TEST(FrameReader, RefusesOversizedFrames) {
    FrameReader r(16);
    EXPECT_FALSE(r.append(std::string("\0\0\0\x11", 4)).ok());
    FrameReader ok(16);
    EXPECT_TRUE(ok.append(std::string("\0\0\0\x10", 4)).ok());
}

}  // namespace
}  // namespace mg::control
