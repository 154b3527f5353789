// A small JSON writer for mediagatectl's and the daemon's --json output.
//
// Cold path. Output only: the control process never parses JSON. Strings are
// escaped per RFC 8259 (control characters as \u00XX); well-formed UTF-8 passes
// through, any other byte becomes U+FFFD, so the output is always valid UTF-8. Keys are written in
// the order they are added, which keeps the documented output stable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mg::control {

// A JSON string literal, quotes included.
std::string json_string(std::string_view s);

class JsonObject {
  public:
    JsonObject& str(std::string_view key, std::string_view value);
    JsonObject& num(std::string_view key, int64_t value);
    JsonObject& unum(std::string_view key, uint64_t value);
    JsonObject& boolean(std::string_view key, bool value);
    JsonObject& null(std::string_view key);
    // `json` must already be valid JSON (an object, an array, ...).
    JsonObject& raw(std::string_view key, std::string_view json);
    std::string done() const { return body_ + "}"; }

  private:
    void key(std::string_view k);
    std::string body_ = "{";
};

class JsonArray {
  public:
    JsonArray& str(std::string_view value);
    JsonArray& raw(std::string_view json);
    std::string done() const { return body_ + "]"; }

  private:
    void next();
    std::string body_ = "[";
};

}  // namespace mg::control
