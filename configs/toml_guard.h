// configs/ internals: a guard in front of toml++ 3.3 (Debian's libtomlplusplus3).
//
// toml++ 3.3 has defects on some input: its parser hands characters to routines that
// assume they cannot occur there, which is undefined behaviour in release builds and
// an assertion failure in debug ones (found by tests/fuzz/config_fuzz.cc; upstream
// marzer/tomlplusplus#294 and #301 for the first two):
//  - a table header whose "[" or "[[" is followed by neither a key, "]" nor the end
//    ("[&", "[\n", "[[[a]]]");
//  - an array holding "}" where a value should start ("a = [1, }]");
//  - a date followed by a space and a single digit ("a = 1979-05-27 7");
//  - a non-ASCII character where it tests for white space: outside strings and
//    comments (a number or date is read up to the next value terminator, so a quote
//    there does not start a string: "a = 0\"é\""), right after a backslash in a """ string, and
//    first after a line-ending backslash in a """ string (its Unicode white-space table reaches
//    __builtin_unreachable for U+00A1..U+0499 and a few other ranges).
// find_toml_trap() lexes the text the way TOML does (strings, comments, table headers,
// nested arrays and inline tables) and returns the first such place; the loader
// reports it as a syntax error and never calls toml++ on that text. It also refuses
// any other byte TOML never allows outside strings and comments (control characters,
// non-ASCII). Everything it refuses is invalid TOML, except the last case above
// (valid TOML, refused with a message saying how to write it instead).
//
// Cold path; no toml++ types.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mg::configs {

struct TomlTrap {
    size_t offset;  // of the offending byte
    std::string message;
};

std::optional<TomlTrap> find_toml_trap(std::string_view text);

}  // namespace mg::configs
