#include "lists/parser.h"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace mg::lists {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// An address token runs up to white space or the next separator, so that an error
// quotes the whole bad word.
bool is_token_char(char c) {
    return !is_space(c) && c != '-' && c != '/';
}

std::string quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.append(1, '\'').append(s).append(1, '\'');
    return out;
}

// Parses one line (comment already cut off). Fills `op` or returns an error with a
// 0-based column.
struct LineError {
    size_t column;
    std::string message;
};

class LineParser {
  public:
    explicit LineParser(std::string_view line) : s_(line) {}

    // nullopt: blank line. Otherwise an op or an error.
    std::optional<LineError> parse(bool& has_op, ListOp& op) {
        has_op = false;
        skip_space();
        if (pos_ == s_.size())
            return std::nullopt;
        op.exclude = false;
        if (s_[pos_] == '!') {
            op.exclude = true;
            ++pos_;
            skip_space();
            if (pos_ == s_.size())
                return LineError{pos_, "'!' must be followed by an address, range or prefix"};
        }
        size_t first_col = pos_;
        std::string_view first_text = token();
        if (first_text.empty())
            return unexpected("an address");
        std::optional<Uint128> raw6;
        auto first = parse_token(first_text, first_col, raw6);
        if (!first.ok())
            return first.error();
        skip_space();
        if (pos_ == s_.size()) {
            set(op, *first, *first);
            has_op = true;
            return std::nullopt;
        }
        if (s_[pos_] == '-') {
            ++pos_;
            skip_space();
            size_t last_col = pos_;
            std::string_view last_text = token();
            if (last_text.empty())
                return unexpected("the last address of the range");
            std::optional<Uint128> unused;
            auto last = parse_token(last_text, last_col, unused);
            if (!last.ok())
                return last.error();
            if (first->family != last->family) {
                return LineError{first_col,
                                 "range ends are of different families (" +
                                     family_name(first->family) + " " + quote(first_text) + ", " +
                                     family_name(last->family) + " " + quote(last_text) + ")"};
            }
            if (first->value > last->value) {
                return LineError{first_col, "range first end " + quote(first_text) +
                                                " is greater than its last end " +
                                                quote(last_text)};
            }
            if (auto tail = trailing())
                return tail;
            set(op, *first, *last);
            has_op = true;
            return std::nullopt;
        }
        if (s_[pos_] == '/') {
            ++pos_;
            skip_space();
            size_t len_col = pos_;
            size_t digits_start = pos_;
            unsigned long len = 0;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9' &&
                   pos_ - digits_start < 4) {
                len = len * 10 + static_cast<unsigned long>(s_[pos_] - '0');
                ++pos_;
            }
            if (pos_ == digits_start)
                return unexpected("a prefix length");
            if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
                return LineError{
                    len_col, "prefix length " + quote(s_.substr(len_col, 8)) + "... is too long"};
            }
            unsigned max = first->is_v4() ? 32 : 128;
            unsigned min = 1;
            unsigned shift = 0;  // IPv4-mapped text: /97../128 means IPv4 /1../32
            if (raw6 && first->is_v4()) {
                max = 128;
                min = 97;
                shift = 96;
            }
            if (len == 0) {
                return LineError{len_col,
                                 "prefix length /0 is not allowed; write a range for everything"};
            }
            if (len < min || len > max) {
                return LineError{len_col, "prefix length " + std::to_string(len) +
                                              " out of range " + std::to_string(min) + ".." +
                                              std::to_string(max) +
                                              (shift ? " for an IPv4-mapped address" : "")};
            }
            unsigned bits = static_cast<unsigned>(len) - shift;
            unsigned width = first->is_v4() ? 32 : 128;
            Uint128 host_mask = bits >= width ? Uint128{0} : (Uint128{1} << (width - bits)) - 1;
            if (first->value & host_mask) {
                return LineError{first_col, "address " + quote(first_text) +
                                                " has bits set after the first " +
                                                std::to_string(len) + " (host bits must be zero)"};
            }
            if (auto tail = trailing())
                return tail;
            set(op, *first, Address{first->family, first->value | host_mask});
            has_op = true;
            return std::nullopt;
        }
        return unexpected("'-', '/', ';' or the end of the line");
    }

  private:
    static std::string family_name(Family f) { return f == Family::kV4 ? "IPv4" : "IPv6"; }

    static void set(ListOp& op, const Address& first, const Address& last) {
        op.family = first.family;
        op.first = first.value;
        op.last = last.value;
    }

    Result<Address, LineError> parse_token(std::string_view text,
                                           size_t col,
                                           std::optional<Uint128>& raw6) {
        if (text.find(':') != std::string_view::npos) {
            raw6 = parse_ipv6(text);
            if (!raw6)
                return LineError{col, "invalid IPv6 address " + quote(text)};
            return Address::v6(*raw6);
        }
        auto v4 = parse_ipv4(text);
        if (!v4)
            return LineError{col, "invalid IPv4 address " + quote(text)};
        return Address::v4(*v4);
    }

    std::optional<LineError> trailing() {
        skip_space();
        if (pos_ == s_.size())
            return std::nullopt;
        return unexpected("the end of the line");
    }

    LineError unexpected(const std::string& what) {
        if (pos_ == s_.size())
            return LineError{pos_, "expected " + what + " before the end of the line"};
        size_t end = pos_;
        while (end < s_.size() && !is_space(s_[end]) && end - pos_ < 24)
            ++end;
        return LineError{pos_,
                         "expected " + what + ", found " + quote(s_.substr(pos_, end - pos_))};
    }

    std::string_view token() {
        size_t start = pos_;
        while (pos_ < s_.size() && is_token_char(s_[pos_]))
            ++pos_;
        return s_.substr(start, pos_ - start);
    }

    void skip_space() {
        while (pos_ < s_.size() && is_space(s_[pos_]))
            ++pos_;
    }

    std::string_view s_;
    size_t pos_ = 0;
};

}  // namespace

std::string ListError::format(std::string_view source) const {
    std::string out;
    if (!source.empty()) {
        out += source;
        out += ':';
    }
    out +=
        std::to_string(line) + ":" + std::to_string(column) + ": " + message + ": \"" + text + "\"";
    return out;
}

std::string ListErrors::format(std::string_view source) const {
    std::string out;
    for (const auto& e : errors) {
        out += e.format(source);
        out += '\n';
    }
    if (total > errors.size()) {
        if (!source.empty()) {
            out += source;
            out += ": ";
        }
        out += std::to_string(total - errors.size()) + " more error(s) not shown\n";
    }
    return out;
}

Result<ParsedList, ListErrors> parse_list(std::string_view text) {
    ParsedList parsed;
    ListErrors errors;
    auto report = [&](uint32_t line, size_t col, std::string message, std::string_view line_text) {
        ++errors.total;
        if (errors.errors.size() < kMaxReportedErrors) {
            errors.errors.push_back(ListError{line, static_cast<uint32_t>(col + 1),
                                              std::move(message),
                                              std::string(line_text.substr(0, kMaxLineLength))});
        }
    };
    parsed.ops.reserve(std::min(
        static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1, kMaxListLines));
    size_t pos = 0;
    uint32_t line_no = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos)
            eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);  // CRLF files
        if (line_no > kMaxListLines) {
            report(line_no, 0, "list is longer than " + std::to_string(kMaxListLines) + " lines",
                   line);
            break;
        }
        if (line.size() > kMaxLineLength) {
            report(line_no, kMaxLineLength,
                   "line is longer than " + std::to_string(kMaxLineLength) + " bytes", line);
            continue;
        }
        // Control characters and non-ASCII bytes are never part of a list line, not
        // even in a comment (they hide text in terminals).
        size_t bad = std::string_view::npos;
        size_t semi = std::string_view::npos;
        for (size_t i = 0; i < line.size(); ++i) {
            auto c = static_cast<unsigned char>(line[i]);
            if (c == ';' && semi == std::string_view::npos)
                semi = i;
            if ((c < 0x20 && !is_space(static_cast<char>(c))) || c >= 0x7f) {
                bad = i;
                break;
            }
        }
        if (bad != std::string_view::npos) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(line[bad]));
            report(line_no, bad, std::string("unexpected byte ") + hex, line);
            continue;
        }
        std::string_view body = semi == std::string_view::npos ? line : line.substr(0, semi);
        ListOp op;
        bool has_op = false;
        LineParser p(body);
        if (auto err = p.parse(has_op, op)) {
            report(line_no, err->column, std::move(err->message), line);
            continue;
        }
        if (has_op) {
            op.line = line_no;
            parsed.ops.push_back(op);
        }
    }
    parsed.lines = line_no;
    if (errors.total > 0)
        return errors;
    return parsed;
}

}  // namespace mg::lists
