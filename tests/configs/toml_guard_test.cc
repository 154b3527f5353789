// Tests for configs/toml_guard.cc: input toml++ 3.3 would misparse is found before it
// sees it, and valid TOML passes.
#include "configs/toml_guard.h"

#include <gtest/gtest.h>

namespace mg::configs {
namespace {

std::optional<size_t> trap_at(std::string_view text) {
    auto t = find_toml_trap(text);
    return t ? std::optional<size_t>(t->offset) : std::nullopt;
}

TEST(FindTomlTrap, ValidTomlPasses) {
    for (const char* ok :
         {"", "[a]", "[[a]]", "[ a ]", "[[ 'a' ]]", "[\"a\"]", "[\"\xc3\xa9\"]", "a = [\n[1]\n]",
          "a = \"\"\"\n[&\n}\n\xe2\x80\xa8\"\"\"", "a = '[&}'\n", "# [& \x01 \xc3\xa9\n",
          "a = { b = [1, {c = 2}] }\n[x]", "a = '''\n''''\n[b]", "a = \"\\\"\"\n[b]",
          "\xef\xbb\xbf[a]", "[a] # [&\n[b]", "a = [ # }\n 1, # x\n]\n[b]", "\"\xc3\xa9\" = 1\n",
          "d = 1979-05-27 07:32:00Z\n"})
        EXPECT_FALSE(find_toml_trap(ok).has_value()) << ok;
}

TEST(FindTomlTrap, FindsWhatTomlxxWouldMisparse) {
    EXPECT_EQ(trap_at("[&"), 1u);
    EXPECT_EQ(trap_at("[\n"), 1u);
    EXPECT_EQ(trap_at("[\r\n"), 1u);
    EXPECT_EQ(trap_at("[[&]]"), 2u);
    EXPECT_EQ(trap_at("[[ [a]]]"), 3u);
    EXPECT_EQ(trap_at("[[[1]]]"), 2u);
    EXPECT_FALSE(trap_at("[ [a]]").has_value());  // toml++ reports this one itself
    EXPECT_EQ(trap_at("a = [1]\n  [ ?]"), 12u);
    EXPECT_EQ(trap_at("a = \"\"\"x\"\"\"\"\n[=]"), 14u);
    EXPECT_EQ(trap_at("a = [}]"), 5u);
    EXPECT_EQ(trap_at("a = [1, # c\n}]"), 12u);
    EXPECT_EQ(trap_at("a = [{b = [1]}, }]"), 16u);
    EXPECT_EQ(trap_at("a = [\xe2\x80\xa8]"), 5u);
    EXPECT_EQ(trap_at("a = [\xc2\x85]"), 5u);
    EXPECT_EQ(trap_at("a = 1\x18"), 5u);
    EXPECT_EQ(trap_at("a = 1979-05-27 7\n"), 16u);
    EXPECT_EQ(trap_at("a = [1616-06-0= 3]"), 17u);
    EXPECT_EQ(trap_at("a = 1_979-05-27 7"), 17u);
    EXPECT_FALSE(
        trap_at("a = 1979-05-27 07:32:00\nb = 1979-05-27 # 7\nc = [1979-05-27 ]").has_value());
    auto t = find_toml_trap("a = [}]");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->message, "Error while parsing array: expected a value, ',' or ']', saw '}'");
}

TEST(FindTomlTrap, NonAsciiWhereTomlxxTestsForWhiteSpace) {
    EXPECT_EQ(trap_at("[a.\xce\x8f]"), 3u);
    EXPECT_EQ(trap_at("[a]\xce\x8f"), 3u);
    EXPECT_EQ(trap_at("[\"a\" \xce\x8f]"), 5u);
    EXPECT_EQ(trap_at("a = \"\"\"\\\xce\x8f\"\"\""), 8u);
    EXPECT_EQ(trap_at("a = \"\"\"\\ \xce\x8f\"\"\""), 9u);
    // toml++ reads a number or date up to a value terminator, through quotes.
    EXPECT_EQ(trap_at("net= 0\"\xcc\xa7.=\"\nd,= [{"), 7u);
    EXPECT_EQ(trap_at("a = [1, 2\"\xcc\xa7\"]"), 10u);
    EXPECT_EQ(trap_at("a = { b = true\"\xcc\xa7\" }"), 15u);
    EXPECT_EQ(trap_at("a = 1979-05-27 07\"\xce\x8f\""), 18u);
    EXPECT_EQ(trap_at("a = [1 \"\xce\x8f\"]"), 8u);
    // Valid TOML, but refused: toml++ 3.3 would reach __builtin_unreachable.
    EXPECT_EQ(trap_at("a = \"\"\"x\\\n  \xce\x8f\"\"\""), 12u);
    // Fine: inside strings and comments, and after an escape in a one-line string.
    for (const char* ok :
         {"[\"\xce\x8f\"]", "a.\"\xce\x8f\" = 1", "a = \"\"\"\xce\x8f\\n\"\"\"",
          "a = \"\\\xce\x8f\"", "a = \"\"\"x\\\n  y\xce\x8f\"\"\"", "[a] # \xce\x8f",
          "a = [\"\xce\x8f\", '\xce\x8f', {b = \"\xce\x8f\"}]", "a.\"\xce\x8f\".c = 1"})
        EXPECT_FALSE(find_toml_trap(ok).has_value()) << ok;
}

}  // namespace
}  // namespace mg::configs
