#include "resolver/dns_name.h"

#include <cstdio>

namespace mg::resolver {
namespace {

constexpr bool is_plain(uint8_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

constexpr uint8_t ascii_lower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

void append_decimal_escape(std::string& out, uint8_t c) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
    out += buf;
}

void append_label(std::string& out, const uint8_t* label, size_t len) {
    // Most labels are letters, digits, '-' and '_' only: appended at once.
    size_t plain = 0;
    while (plain < len && is_plain(label[plain]))
        ++plain;
    out.append(reinterpret_cast<const char*>(label), plain);
    for (size_t i = plain; i < len; ++i) {
        uint8_t c = label[i];
        if (is_plain(c)) {
            out += static_cast<char>(c);
        } else if (c == '.' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else {
            append_decimal_escape(out, c);
        }
    }
}

// Names in error messages: enough to recognise them, not enough to flood a log.
constexpr size_t kMaxQuoted = 100;

char hex_digit(unsigned v) {
    return "0123456789abcdef"[v & 0xf];
}

std::string nibbles(const uint8_t (&addr)[16]) {
    std::string out;
    out.reserve(64);
    for (int i = 15; i >= 0; --i) {
        out += hex_digit(addr[i]);
        out += '.';
        out += hex_digit(addr[i] >> 4);
        out += '.';
    }
    return out;
}

std::string dotted_reverse_v4(uint32_t a) {
    return std::to_string(a & 0xff) + '.' + std::to_string((a >> 8) & 0xff) + '.' +
           std::to_string((a >> 16) & 0xff) + '.' + std::to_string(a >> 24) + '.';
}

}  // namespace

std::string quote_char_string(std::string_view bytes, size_t max_shown) {
    std::string out = "\"";
    for (size_t i = 0; i < bytes.size() && i < max_shown; ++i) {
        const auto c = static_cast<uint8_t>(bytes[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            append_decimal_escape(out, c);
        }
    }
    out += '"';
    if (bytes.size() > max_shown)
        out += "...";
    return out;
}

Result<WireName> read_name(std::span<const uint8_t> message, size_t offset, size_t limit) {
    MG_CHECK(offset <= limit && limit <= message.size(),
             "read_name: offset %zu, limit %zu, size %zu", offset, limit, message.size());
    const size_t size = message.size();
    auto fail = [&](const std::string& what) {
        return make_error(ErrorCode::kInvalidInput,
                          "name at offset " + std::to_string(offset) + ": " + what);
    };
    auto where = [&](size_t bound) {
        return std::string(bound == size ? "message" : "RDATA") + " (ends at offset " +
               std::to_string(bound) + ")";
    };

    WireName out;
    size_t pos = offset;
    size_t run_start = offset;  // start of the label run being read
    size_t bound = limit;       // in place: `limit`; after a jump: the message end
    size_t wire_length = 1;     // the root byte
    int hops = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= bound) {
            return fail("runs past the end of the " + where(bound));
        }
        const uint8_t len = message[pos];
        switch (len & 0xc0) {
            case 0x00: {
                if (len == 0) {
                    if (!jumped)
                        out.end = pos + 1;
                    out.wire_length = wire_length;
                    if (out.text.empty())
                        out.text = ".";
                    return out;
                }
                if (len > bound - pos - 1) {
                    return fail("label of " + std::to_string(len) + " bytes at offset " +
                                std::to_string(pos) + " runs past the end of the " + where(bound));
                }
                wire_length += 1 + len;
                if (wire_length > kMaxNameWireLength) {
                    return fail("longer than " + std::to_string(kMaxNameWireLength) +
                                " bytes in wire form");
                }
                append_label(out.text, &message[pos + 1], len);
                out.text += '.';
                pos += 1 + len;
                break;
            }
            case 0xc0: {
                if (bound - pos < 2) {
                    return fail("compression pointer at offset " + std::to_string(pos) +
                                " is cut off by the end of the " + where(bound));
                }
                const size_t target = (static_cast<size_t>(len & 0x3f) << 8) | message[pos + 1];
                auto ptr = [&] {  // built only for an error
                    return "compression pointer at offset " + std::to_string(pos) + " to offset " +
                           std::to_string(target);
                };
                if (target >= size) {
                    return fail(ptr() + " points past the end of the message (size " +
                                std::to_string(size) + ")");
                }
                if (target >= run_start) {
                    return fail(ptr() + " does not point backwards (before offset " +
                                std::to_string(run_start) + ")");
                }
                if (target < kHeaderSize)
                    return fail(ptr() + " points into the header");
                if (++hops > kMaxPointerHops) {
                    return fail("more than " + std::to_string(kMaxPointerHops) +
                                " compression pointers");
                }
                if (!jumped)
                    out.end = pos + 2;
                jumped = true;
                run_start = target;
                pos = target;
                bound = size;
                break;
            }
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(len & 0xc0));
                return fail(std::string("label type ") + buf + " at offset " + std::to_string(pos) +
                            " is not supported");
            }
        }
    }
}

Result<std::vector<uint8_t>> encode_name(std::string_view text) {
    auto fail = [&](const std::string& what) {
        return make_error(ErrorCode::kInvalidInput,
                          "name " + quote_char_string(text, kMaxQuoted) + ": " + what);
    };
    if (text.empty())
        return fail("empty name");
    if (text == ".")
        return std::vector<uint8_t>{0};

    std::vector<uint8_t> wire;
    wire.reserve(text.size() < kMaxNameWireLength ? text.size() + 2 : kMaxNameWireLength);
    size_t label_start = 0;
    wire.push_back(0);  // length of the current label, filled in when it ends
    size_t i = 0;
    while (i < text.size()) {
        const size_t at = i;
        const auto c = static_cast<uint8_t>(text[i]);
        if (c == '.') {
            const size_t label_len = wire.size() - label_start - 1;
            if (label_len == 0)
                return fail("empty label at position " + std::to_string(at));
            wire[label_start] = static_cast<uint8_t>(label_len);
            label_start = wire.size();
            wire.push_back(0);
            ++i;
            continue;
        }
        uint8_t byte = c;
        if (c == '\\') {
            if (i + 1 >= text.size())
                return fail("dangling backslash at the end");
            const auto e = static_cast<uint8_t>(text[i + 1]);
            if (e >= '0' && e <= '9') {
                unsigned value = 0;
                for (size_t k = 1; k <= 3; ++k) {
                    if (i + k >= text.size() || text[i + k] < '0' || text[i + k] > '9') {
                        return fail("\\DDD escape at position " + std::to_string(at) +
                                    " needs three digits");
                    }
                    value = value * 10 + static_cast<unsigned>(text[i + k] - '0');
                }
                if (value > 255) {
                    return fail("escape \\" + std::to_string(value) + " at position " +
                                std::to_string(at) + " is above 255");
                }
                byte = static_cast<uint8_t>(value);
                i += 4;
            } else if (e < 0x21 || e > 0x7e) {
                return fail("bad escape at position " + std::to_string(at));
            } else {
                byte = e;
                i += 2;
            }
        } else if (c < 0x21 || c > 0x7e) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(c));
            return fail(std::string("character ") + buf + " at position " + std::to_string(at) +
                        " must be written as \\DDD");
        } else {
            ++i;
        }
        if (wire.size() - label_start > kMaxLabelLength) {
            return fail("label at position " + std::to_string(at) + " is longer than " +
                        std::to_string(kMaxLabelLength) + " bytes");
        }
        wire.push_back(byte);
        if (wire.size() + 1 > kMaxNameWireLength) {
            return fail("longer than " + std::to_string(kMaxNameWireLength) +
                        " bytes in wire form");
        }
    }
    const size_t last_len = wire.size() - label_start - 1;
    if (last_len != 0) {  // no trailing dot: close the last label, add the root
        wire[label_start] = static_cast<uint8_t>(last_len);
        wire.push_back(0);
    }
    return wire;
}

namespace {

// encode_name() would accept `text`, which has no backslash (one character, one byte).
bool plain_name_valid(std::string_view text) {
    if (text == ".")
        return true;
    size_t wire_length = 1;  // the root byte
    size_t label = 0;
    for (char ch : text) {
        const auto c = static_cast<uint8_t>(ch);
        if (c == '.') {
            if (label == 0)
                return false;
            wire_length += 1 + label;
            label = 0;
        } else if (c < 0x21 || c > 0x7e || ++label > kMaxLabelLength) {
            return false;
        }
    }
    if (label != 0)
        wire_length += 1 + label;
    return !text.empty() && wire_length <= kMaxNameWireLength;
}

}  // namespace

bool names_equal(std::string_view a, std::string_view b) {
    // Fast path (no allocation) for names without escapes: a character is a byte and a
    // dot ends a label, so the names are equal exactly when the texts are, up to ASCII
    // case and one trailing dot.
    if (a.find('\\') == std::string_view::npos && b.find('\\') == std::string_view::npos) {
        auto strip = [](std::string_view s) {
            if (s.size() > 1 && s.back() == '.')
                s.remove_suffix(1);
            return s;
        };
        const std::string_view x = strip(a), y = strip(b);
        if (x.size() != y.size())
            return false;
        for (size_t i = 0; i < x.size(); ++i) {
            if (ascii_lower(static_cast<uint8_t>(x[i])) != ascii_lower(static_cast<uint8_t>(y[i])))
                return false;
        }
        // Equal up to ASCII case and one trailing dot. Of the same size, a and b are the
        // same bytes case aside: both valid names or neither. Otherwise the longer is the
        // shorter plus a dot, which is valid exactly when the shorter is and does not
        // already end in a dot ("a." and "a.." / "." and "..").
        const std::string_view shorter = a.size() <= b.size() ? a : b;
        return plain_name_valid(shorter) && (a.size() == b.size() || shorter.back() != '.');
    }
    auto wa = encode_name(a);
    auto wb = encode_name(b);
    if (!wa.ok() || !wb.ok() || wa->size() != wb->size())
        return false;
    // Length bytes are <= 63, below 'A', so lowering every byte only touches letters.
    for (size_t i = 0; i < wa->size(); ++i) {
        if (ascii_lower((*wa)[i]) != ascii_lower((*wb)[i]))
            return false;
    }
    return true;
}

std::string reverse_name_v4(uint32_t host_order_addr) {
    return dotted_reverse_v4(host_order_addr) + "in-addr.arpa";
}

std::string reverse_name_v6(const uint8_t (&addr)[16]) {
    return nibbles(addr) + "ip6.arpa";
}

std::string rbl_name(const lists::Address& addr, std::string_view zone) {
    if (!zone.empty() && zone.back() == '.')
        zone.remove_suffix(1);
    std::string out;
    if (addr.is_v4()) {
        out = dotted_reverse_v4(addr.v4_value());
    } else {
        uint8_t bytes[16];
        for (int i = 0; i < 16; ++i) {
            bytes[i] = static_cast<uint8_t>(addr.value >> (8 * (15 - i)));
        }
        out = nibbles(bytes);
    }
    if (zone.empty()) {
        out.pop_back();  // no zone: drop the separator dot
    } else {
        out += zone;
    }
    return out;
}

}  // namespace mg::resolver
