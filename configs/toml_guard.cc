#include "configs/toml_guard.h"

#include <cstdio>
#include <string>
#include <vector>

namespace mg::configs {
namespace {

bool is_key_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '"' || c == '\'';
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

bool is_ascii(char c) {
    return static_cast<unsigned char>(c) < 0x80;
}

// Outside strings and comments TOML allows printable ASCII, tab, CR and LF only.
bool allowed_outside_strings(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 0x20 && u < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

class Guard {
  public:
    explicit Guard(std::string_view s) : s_(s) {}

    std::optional<TomlTrap> run() {
        i_ = s_.starts_with("\xef\xbb\xbf") ? 3 : 0;
        bool line_start = true;
        while (i_ < s_.size() && !trap_) {
            char c = s_[i_];
            if (c == '\n') {
                if (open_.empty()) {
                    line_start = true;
                    value_start_ = false;
                }
                after_value_ = false;
                ++i_;
            } else if (is_blank(c) || c == '\r') {
                ++i_;
            } else if (c == '#') {
                skip_comment();
            } else if (!allowed_outside_strings(c)) {
                outside_strings(i_);
            } else if (line_start && open_.empty() && c == '[') {
                header();
                line_start = false;
            } else {
                line_start = false;
                significant(c);
            }
        }
        return std::move(trap_);
    }

  private:
    std::string shown(size_t at) const {
        auto c = static_cast<unsigned char>(s_[at]);
        char buf[8];
        std::snprintf(buf, sizeof buf, c >= 0x21 && c < 0x7f ? "'%c'" : "0x%02x", c);
        return buf;
    }

    void report(size_t at, std::string message) {
        if (!trap_)
            trap_ = TomlTrap{at, std::move(message)};
    }

    void outside_strings(size_t at) {
        report(at, "unexpected byte " + shown(at) +
                       " outside a string or comment (TOML allows only printable ASCII there)");
    }

    void skip_comment() {
        while (i_ < s_.size() && s_[i_] != '\n')
            ++i_;
    }

    // "[" or "[[" first on a line, outside values: a table header.
    void header() {
        size_t j = i_ + 1;
        bool blank = false;
        for (; j < s_.size() && is_blank(s_[j]); ++j)
            blank = true;
        bool reported_by_toml = false;  // "[ [": toml++ refuses it before reading a key
        if (j < s_.size() && s_[j] == '[') {
            reported_by_toml = blank;
            for (++j; j < s_.size() && is_blank(s_[j]);)
                ++j;
        }
        if (!reported_by_toml && j < s_.size() && s_[j] != ']' && !is_key_start(s_[j])) {
            report(j,
                   "Error while parsing table header: expected a bare key or a quoted key, "
                   "saw " +
                       shown(j));
            return;
        }
        // The rest of the line: the key (bare words, single-line strings, dots), the
        // closing brackets and a comment.
        i_ = j;
        while (i_ < s_.size() && s_[i_] != '\n' && !trap_) {
            char c = s_[i_];
            if (c == '#') {
                skip_comment();
            } else if (c == '"' || c == '\'') {
                string();
            } else if (!allowed_outside_strings(c)) {
                outside_strings(i_);
            } else {
                ++i_;
            }
        }
    }

    // A character outside strings, comments and headers.
    void significant(char c) {
        bool start = value_start_;
        bool after = after_value_;
        value_start_ = false;
        after_value_ = false;
        if (c == '}' && !open_.empty() && open_.back() == '[') {
            report(i_, "Error while parsing array: expected a value, ',' or ']', saw '}'");
            return;
        }
        if (after && c != ',' && c != ']' && c != '}') {
            // More on a value's line: the time of a date-time ("1979-05-27 07:32:00"),
            // or junk that toml++ may read as part of the value.
            if (one_digit_after_date())
                report(i_ + 1, "Error while parsing date-time: expected HH:MM:SS after the date");
            value_token();
            return;
        }
        if (c == '"' || c == '\'') {
            string();
            return;
        }
        if (c == '[' || c == '{') {
            open_.push_back(c);
            value_start_ = c == '[';  // an array's first element
            ++i_;
            return;
        }
        if (c == ']' || c == '}') {
            if (!open_.empty())
                open_.pop_back();
            ++i_;
            return;
        }
        if (c == '=' || (c == ',' && !open_.empty() && open_.back() == '[')) {
            value_start_ = true;
            ++i_;
            return;
        }
        if (start && c != ',') {
            value_token();
            return;
        }
        ++i_;  // a bare key, '.', ',' between key-value pairs, or junk toml++ refuses
    }

    // toml++ reads "DATE D" (a date-like value, one space, one digit) as the start of a
    // date-time and scans on from the character after the digit, assuming it is not a
    // value terminator ("a = 1979-05-27 7"). True at such a digit (s_[i_]).
    bool one_digit_after_date() const {
        if (token_end_ + 1 != i_ || s_[token_end_] != ' ' || s_[i_] < '0' || s_[i_] > '9')
            return false;
        std::string t;
        for (size_t k = token_start_; k < token_end_ && t.size() <= 10; ++k) {
            if (s_[k] != '_')
                t += s_[k];
        }
        bool date_like = t.size() == 10 && t[4] == '-' && t[7] == '-' &&
                         ((t[0] >= '0' && t[0] <= '9') || t[0] == '+' || t[0] == '-');
        if (!date_like)
            return false;
        char next = i_ + 1 < s_.size() ? s_[i_ + 1] : '\n';
        return is_blank(next) || next == '\r' || next == '\n' || next == ',' || next == ']' ||
               next == '}' || next == '#';
    }

    // A number, date, time, boolean, inf or nan: toml++ reads it up to the next value
    // terminator and tests every character on the way (a quote included).
    void value_token() {
        token_start_ = i_;
        while (i_ < s_.size() && !trap_ && !is_blank(s_[i_]) && s_[i_] != '\r' && s_[i_] != '\n' &&
               s_[i_] != ',' && s_[i_] != ']' && s_[i_] != '}' && s_[i_] != '#') {
            if (!allowed_outside_strings(s_[i_]))
                outside_strings(i_);
            ++i_;
        }
        token_end_ = i_;
        after_value_ = true;
    }

    // The TOML string starting at s_[i_] (a quote): basic or literal, single or
    // multi-line. An unterminated single-line string ends at its line's end.
    void string() {
        char q = s_[i_];
        bool basic = q == '"';
        std::string_view triple = basic ? "\"\"\"" : "'''";
        if (!s_.substr(i_).starts_with(triple)) {
            ++i_;
            while (i_ < s_.size() && s_[i_] != '\n') {
                if (basic && s_[i_] == '\\') {
                    i_ += 2;
                    continue;
                }
                if (s_[i_++] == q)
                    return;
            }
            return;
        }
        i_ += 3;
        while (i_ < s_.size() && !trap_) {
            if (basic && s_[i_] == '\\') {
                multi_line_escape();
            } else if (s_.substr(i_).starts_with(triple)) {
                // Up to two more quotes belong to the content.
                size_t run = 0;
                while (i_ + run < s_.size() && s_[i_ + run] == q && run < 5)
                    ++run;
                i_ += run;
                return;
            } else {
                ++i_;
            }
        }
    }

    // A backslash inside a """ string: an escape or a line-ending backslash.
    void multi_line_escape() {
        size_t j = i_ + 1;
        if (j < s_.size() && !is_ascii(s_[j])) {
            report(j,
                   "Error while parsing string: invalid escape sequence '\\' followed by "
                   "byte " +
                       shown(j));
            return;
        }
        if (j < s_.size() && (is_blank(s_[j]) || s_[j] == '\r' || s_[j] == '\n')) {
            while (j < s_.size() && (is_blank(s_[j]) || s_[j] == '\r' || s_[j] == '\n'))
                ++j;
            if (j < s_.size() && !is_ascii(s_[j])) {
                report(j,
                       "Error while parsing string: a non-ASCII character right after a "
                       "line-ending backslash is not supported (toml++ 3.3 defect); write it "
                       "as a \\u escape");
                return;
            }
            i_ = j;
            return;
        }
        i_ += 2;
    }

    std::string_view s_;
    size_t i_ = 0;
    std::vector<char> open_;    // the '[' (array) and '{' (inline table) of values
    bool value_start_ = false;  // after '=', or where an array expects an element
    bool after_value_ = false;  // on the line of a value token, after it
    size_t token_start_ = 0;    // the last value token
    size_t token_end_ = 0;
    std::optional<TomlTrap> trap_;
};

}  // namespace

std::optional<TomlTrap> find_toml_trap(std::string_view text) {
    return Guard(text).run();
}

}  // namespace mg::configs
