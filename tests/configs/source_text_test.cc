// Tests for configs/source_text.cc: positions in the raw file and the mapping of
// positions inside a TOML string back to the file.
#include "configs/source_text.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mg::configs {
namespace {

// Maps targets in the string whose opening quote is the first `quote` in `text`.
std::vector<FilePos> map(std::string_view text,
                         std::string_view quote,
                         std::vector<StringPos> targets) {
    SourceText src(text);
    size_t value = text.find(quote);
    EXPECT_NE(value, std::string_view::npos);
    return map_string_positions(src, value, targets);
}

TEST(SourceText, Positions) {
    SourceText s(
        "ab\nc\xc3\xa9"
        "d\n\nx");
    EXPECT_EQ(s.line_count(), 4u);
    EXPECT_EQ(s.position(0), (FilePos{1, 1}));
    EXPECT_EQ(s.position(2), (FilePos{1, 3}));  // the newline
    EXPECT_EQ(s.position(3), (FilePos{2, 1}));
    EXPECT_EQ(s.position(100), (FilePos{4, 2}));  // clamped to the end
    // toml++ counts code points: 'd' is its 3rd column, the 4th byte.
    EXPECT_EQ(s.offset_of(2, 3), 6u);
    EXPECT_EQ(s.byte_position(2, 3), (FilePos{2, 4}));
    EXPECT_EQ(s.byte_position(2, 99), (FilePos{2, 5}));  // past the end: the line's end
    EXPECT_EQ(s.byte_position(9, 2), (FilePos{9, 2}));   // outside: unchanged
    EXPECT_FALSE(s.offset_of(0, 1).has_value());
    // A BOM is not a column.
    SourceText b(
        "\xef\xbb\xbf"
        "a = 1");
    EXPECT_EQ(b.byte_position(1, 3), (FilePos{1, 3}));
}

TEST(MapStringPositions, SingleLine) {
    EXPECT_EQ(map("k = \"abc\"", "\"", {{1, 1}, {1, 3}, {1, 4}, {2, 1}}),
              (std::vector<FilePos>{{1, 6}, {1, 8}, {1, 9}, {1, 5}}));
    EXPECT_EQ(map("k = 'a\\b'", "'", {{1, 2}, {1, 3}}),  // literal: no escapes
              (std::vector<FilePos>{{1, 7}, {1, 8}}));
}

TEST(MapStringPositions, Escapes) {
    // decoded "a\tb\n" + "é" (2 bytes) + "c" + "\n" + "d"
    std::string text = "k = \"a\\tb\\u00e9c\\nd\"";
    EXPECT_EQ(map(text, "\"", {{1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7}, {2, 1}}),
              (std::vector<FilePos>{{1, 7}, {1, 9}, {1, 10}, {1, 10}, {1, 16}, {1, 17}, {1, 19}}));
    EXPECT_EQ(map("k = \"\\U0001F600x\"", "\"", {{1, 5}}), (std::vector<FilePos>{{1, 16}}));
}

TEST(MapStringPositions, MultiLine) {
    // Newline after the delimiter trimmed; CRLF counts as one newline.
    std::string text = "k = \"\"\"\r\nab\r\ncd\"\"\"";
    EXPECT_EQ(map(text, "\"\"\"", {{1, 1}, {1, 3}, {2, 2}, {2, 3}}),
              (std::vector<FilePos>{{2, 1}, {2, 3}, {3, 2}, {3, 3}}));
    // No newline after the delimiter: line 1 starts right after it.
    EXPECT_EQ(map("k = '''ab\ncd'''", "'''", {{1, 1}, {2, 1}}),
              (std::vector<FilePos>{{1, 8}, {2, 1}}));
    // Up to two quotes before the closing delimiter are content.
    EXPECT_EQ(map("k = \"\"\"a\"\"\"\"\"", "\"\"\"", {{1, 2}, {1, 3}, {1, 4}}),
              (std::vector<FilePos>{{1, 9}, {1, 10}, {1, 11}}));
    // Quotes inside the string that do not close it.
    EXPECT_EQ(map("k = \"\"\"a\"\"b\"\"\"", "\"\"\"", {{1, 4}}), (std::vector<FilePos>{{1, 11}}));
}

TEST(MapStringPositions, LineEndingBackslash) {
    std::string text = "k = \"\"\"\nab \\\n  \n   cd\\\n\"\"\"";
    // decoded: "ab cd"
    EXPECT_EQ(map(text, "\"\"\"", {{1, 3}, {1, 4}, {1, 5}, {1, 6}}),
              (std::vector<FilePos>{{2, 3}, {4, 4}, {4, 5}, {5, 1}}));
}

TEST(MapStringPositions, UnsortedTargetsKeepTheirOrder) {
    EXPECT_EQ(map("k = '''\na\nb\nc'''", "'''", {{3, 1}, {1, 1}, {2, 1}}),
              (std::vector<FilePos>{{4, 1}, {2, 1}, {3, 1}}));
}

TEST(MapStringPositions, NotAString) {
    EXPECT_EQ(map("k = 12", "1", {{1, 1}}), (std::vector<FilePos>{{1, 5}}));
    // A truncated text never reads past its end.
    EXPECT_EQ(map("k = \"\"\"ab", "\"\"\"", {{1, 2}, {1, 9}, {5, 1}}),
              (std::vector<FilePos>{{1, 9}, {1, 10}, {1, 5}}));
    EXPECT_EQ(map("k = \"a\\", "\"", {{1, 2}}), (std::vector<FilePos>{{1, 7}}));
}

TEST(ReadTextFile, Errors) {
    auto missing = read_text_file("/nonexistent/x", 100);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "No such file or directory");
    auto dir = read_text_file("/", 100);
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.error().message, "not a regular file");
}

}  // namespace
}  // namespace mg::configs
