// Network Address List parser (SPEC.md §1).
//
// Turns list text into the ordered add/exclude operations it describes. Cold path,
// control process and offline tools only. Untrusted input: every malformed line is
// reported with its line and column, and a list with any error yields no operations
// at all (the caller keeps what it had).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lists/address.h"

namespace mg::lists {

// Longest accepted line, comment included (ours): a valid line needs < 100 bytes;
// anything much longer is a pasted blob, not a list line.
inline constexpr size_t kMaxLineLength = 1024;
// Longest accepted list (ours): 100x the 100k-line lists we design for, and far
// below what the lookup table's 30-bit indexes could hold.
inline constexpr size_t kMaxListLines = 10'000'000;
// How many errors one parse reports in full; the rest are only counted.
inline constexpr size_t kMaxReportedErrors = 20;

// One operation: add (or exclude) the inclusive range [first, last] of one family.
// IPv4 values use the low 32 bits. IPv4-mapped IPv6 text has already become IPv4.
struct ListOp {
    bool exclude = false;
    Family family = Family::kV4;
    Uint128 first = 0;
    Uint128 last = 0;
    uint32_t line = 0;  // 1-based line in the list text

    friend bool operator==(const ListOp&, const ListOp&) = default;
};

struct ParsedList {
    std::vector<ListOp> ops;
    uint32_t lines = 0;  // lines read, comments and blanks included
};

struct ListError {
    uint32_t line = 0;    // 1-based
    uint32_t column = 0;  // 1-based byte column in the original line
    std::string message;
    std::string text;  // the offending line (cut to kMaxLineLength bytes)

    // "LINE:COL: message: \"text\"" ; with a source name: "SOURCE:LINE:COL: ...".
    std::string format(std::string_view source = {}) const;
};

struct ListErrors {
    std::vector<ListError> errors;  // the first kMaxReportedErrors, in line order
    size_t total = 0;               // all errors found

    // One line per reported error, plus a last line counting the unreported ones.
    std::string format(std::string_view source = {}) const;
};

Result<ParsedList, ListErrors> parse_list(std::string_view text);

}  // namespace mg::lists
