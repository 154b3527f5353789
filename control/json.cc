#include "control/json.h"

#include <cstdio>

namespace mg::control {

std::string json_string(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
    return out;
}

void JsonObject::key(std::string_view k) {
    if (body_.size() > 1)
        body_ += ',';
    body_ += json_string(k);
    body_ += ':';
}

JsonObject& JsonObject::str(std::string_view k, std::string_view value) {
    key(k);
    body_ += json_string(value);
    return *this;
}

JsonObject& JsonObject::num(std::string_view k, int64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::unum(std::string_view k, uint64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::boolean(std::string_view k, bool value) {
    key(k);
    body_ += value ? "true" : "false";
    return *this;
}

JsonObject& JsonObject::null(std::string_view k) {
    key(k);
    body_ += "null";
    return *this;
}

JsonObject& JsonObject::raw(std::string_view k, std::string_view json) {
    key(k);
    body_ += json;
    return *this;
}

void JsonArray::next() {
    if (body_.size() > 1)
        body_ += ',';
}

JsonArray& JsonArray::str(std::string_view value) {
    next();
    body_ += json_string(value);
    return *this;
}

JsonArray& JsonArray::raw(std::string_view json) {
    next();
    body_ += json;
    return *this;
}

}  // namespace mg::control
