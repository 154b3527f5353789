// configs/ internals: the raw text of a config file and positions inside it.
//
// toml++ reports positions as (line, code point column); errors are reported as byte
// columns, and an error inside a list held by a TOML string is mapped back from the
// list's own line/column to the file by re-reading the string's raw text here.
// Cold path; no toml++ types (this header is included by tests and the fuzz target).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mg::configs {

// A 1-based line and byte column in a file (0 = unknown).
struct FilePos {
    uint32_t line = 0;
    uint32_t column = 0;
    friend bool operator==(const FilePos&, const FilePos&) = default;
};

// A view of a file's text with an index of its lines. The text must outlive it.
// Not thread-safe (one per load).
class SourceText {
  public:
    explicit SourceText(std::string_view text);

    std::string_view text() const { return text_; }
    size_t line_count() const { return line_starts_.size(); }

    // The offset of toml++'s (line, code point column); a column past the end of the
    // line gives the line's end. nullopt when the line is outside the text or 0.
    std::optional<size_t> offset_of(uint32_t line, uint32_t cp_column) const;
    // The byte position of toml++'s (line, code point column); unchanged when the line
    // is outside the text.
    FilePos byte_position(uint32_t line, uint32_t cp_column) const;
    // The position of a byte offset (clamped to the end of the text).
    FilePos position(size_t offset) const;

  private:
    std::string_view text_;
    std::vector<size_t> line_starts_;  // offset of each line's first byte (after a BOM)
    // The last offset_of answer: positions are mostly asked in file order, so a long
    // line is not re-counted from its start for each value on it.
    mutable uint32_t memo_line_ = 0;
    mutable uint32_t memo_column_ = 0;
    mutable size_t memo_offset_ = 0;
};

// A position inside the decoded value of a TOML string, as the list parser reports it
// (1-based line of the decoded text, 1-based byte column in that line).
struct StringPos {
    uint32_t line = 0;
    uint32_t column = 0;
};

// Maps positions inside a TOML string value back to the file. `value` is the offset of
// the string's opening quote (basic "..." or literal '...', single or multi-line). The
// raw text is decoded the way TOML does (the newline right after an opening """ or '''
// is trimmed, escapes, CRLF read as LF, line-ending backslashes), so each decoded byte
// maps exactly to the file byte it came from; a byte produced by an escape maps to the
// escape's backslash, and a column past the end of a decoded line maps to the newline
// (or closing quote) that ends it. A position the string does not reach maps to the
// quote at `value`. Returns one FilePos per target, in the targets' order.
std::vector<FilePos> map_string_positions(const SourceText& src,
                                          size_t value,
                                          std::span<const StringPos> targets);

// Reads a whole regular file of at most max_bytes (directories, devices and FIFOs are
// refused). The error message is the reason only ("No such file or directory", "not a
// regular file", "larger than N bytes").
Result<std::string> read_text_file(const std::string& path, size_t max_bytes);
// Reads `fd` to its end, at most max_bytes (size_hint: bytes to reserve). The error
// message is the reason only (strerror, "larger than N bytes").
Result<std::string> read_all(int fd, size_t max_bytes, size_t size_hint = 0);

// The largest Network Address List file read (the config's list files,
// mediagatectl's `lists` commands and --dummy-ips).
inline constexpr size_t kMaxListFileBytes = size_t{1} << 30;

}  // namespace mg::configs
