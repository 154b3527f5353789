#include "configs/source_text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mg::configs {
namespace {

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

uint32_t clamp32(size_t v) {
    return static_cast<uint32_t>(std::min<size_t>(v, UINT32_MAX));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The number of UTF-8 bytes of the code point written as `digits` hex digits at s.
size_t utf8_length_of_escape(std::string_view s) {
    uint32_t cp = 0;
    for (char c : s) {
        int v = hex_value(c);
        if (v < 0)
            return 1;
        cp = (cp << 4) | static_cast<uint32_t>(v);
    }
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

// Walks a TOML string's raw text, producing decoded bytes and newlines together with
// the offset of the raw text they come from, and resolves the sorted targets.
class StringWalker {
  public:
    StringWalker(const SourceText& src,
                 size_t value,
                 std::span<const StringPos> targets,
                 std::vector<FilePos>& out)
        : src_(src), s_(src.text()), pos_(value), value_(value), targets_(targets), out_(out) {
        order_.resize(targets.size());
        std::iota(order_.begin(), order_.end(), size_t{0});
        std::stable_sort(order_.begin(), order_.end(),
                         [&](size_t a, size_t b) { return key(targets_[a]) < key(targets_[b]); });
    }

    void run() {
        if (!open())
            return finish(false);
        while (next_ < order_.size() && pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == quote_) {
                size_t q = 0;
                while (pos_ + q < s_.size() && s_[pos_ + q] == quote_)
                    ++q;
                if (!multi_line_)
                    return finish(true);
                if (q >= 3) {
                    // Up to two quotes right before the closing delimiter are content.
                    for (size_t i = 0; i < q - 3 && i < 2; ++i)
                        emit(1, 1);
                    return finish(true);
                }
                for (size_t i = 0; i < q; ++i)
                    emit(1, 1);
                continue;
            }
            if (c == '\n') {
                if (!multi_line_)
                    return finish(true);
                newline(1);
                continue;
            }
            if (c == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n' && multi_line_) {
                newline(2);
                continue;
            }
            if (c == '\\' && basic_) {
                escape();
                continue;
            }
            emit(1, 1);
        }
        finish(true);
    }

  private:
    static std::pair<uint32_t, uint32_t> key(const StringPos& p) {
        return {p.line, std::max<uint32_t>(p.column, 1)};
    }

    bool open() {
        std::string_view rest = s_.substr(std::min(pos_, s_.size()));
        if (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
            multi_line_ = true;
            pos_ += 3;
        } else if (rest.starts_with("\"") || rest.starts_with("'")) {
            pos_ += 1;
        } else {
            return false;
        }
        quote_ = rest[0];
        basic_ = quote_ == '"';
        if (multi_line_) {
            if (s_.substr(pos_).starts_with("\n"))
                pos_ += 1;
            else if (s_.substr(pos_).starts_with("\r\n"))
                pos_ += 2;
        }
        return true;
    }

    // `decoded` bytes of the current line come from the `raw` bytes at pos_.
    void emit(size_t decoded, size_t raw) {
        while (next_ < order_.size()) {
            auto [l, c] = key(targets_[order_[next_]]);
            if (l > line_ || (l == line_ && c >= column_ + decoded))
                break;
            resolve(src_.position(pos_));
        }
        column_ += decoded;
        pos_ += raw;
    }

    void newline(size_t raw) {
        while (next_ < order_.size() && key(targets_[order_[next_]]).first <= line_)
            resolve(src_.position(pos_));
        ++line_;
        column_ = 1;
        pos_ += raw;
    }

    void escape() {
        char e = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        switch (e) {
            case 'n':
                newline(2);
                return;
            case 'u':
                emit(utf8_length_of_escape(s_.substr(pos_ + 2, 4)), 6);
                return;
            case 'U':
                emit(utf8_length_of_escape(s_.substr(pos_ + 2, 8)), 10);
                return;
            case 'x':  // TOML 1.1 (toml++ unreleased features)
                emit(1, 4);
                return;
            case ' ':
            case '\t':
            case '\r':
            case '\n':
                if (multi_line_) {
                    // Line-ending backslash: it and all white space after it vanish.
                    ++pos_;
                    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                                s_[pos_] == '\r' || s_[pos_] == '\n'))
                        ++pos_;
                    return;
                }
                emit(1, 1);
                return;
            default:  // \b \t \f \r \" \\ \e: one byte
                emit(1, 2);
                return;
        }
    }

    void resolve(FilePos p) { out_[order_[next_++]] = p; }

    // Targets on the last decoded line map to the end of the string; any beyond it to
    // the opening quote.
    void finish(bool opened) {
        while (next_ < order_.size()) {
            bool on_last = opened && key(targets_[order_[next_]]).first <= line_;
            resolve(src_.position(on_last ? pos_ : value_));
        }
    }

    const SourceText& src_;
    std::string_view s_;
    size_t pos_;
    size_t value_;
    std::span<const StringPos> targets_;
    std::vector<FilePos>& out_;
    std::vector<size_t> order_;
    size_t next_ = 0;
    char quote_ = '"';
    bool basic_ = true;
    bool multi_line_ = false;
    uint32_t line_ = 1;
    size_t column_ = 1;
};

}  // namespace

SourceText::SourceText(std::string_view text) : text_(text) {
    line_starts_.push_back(text.starts_with("\xef\xbb\xbf") ? 3 : 0);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n')
            line_starts_.push_back(i + 1);
    }
}

std::optional<size_t> SourceText::offset_of(uint32_t line, uint32_t cp_column) const {
    if (line == 0 || line > line_starts_.size())
        return std::nullopt;
    size_t i = line_starts_[line - 1];
    uint32_t col = 1;
    if (memo_line_ == line && memo_column_ <= cp_column && memo_column_ != 0) {
        i = memo_offset_;
        col = memo_column_;
    }
    for (; i < text_.size() && text_[i] != '\n'; ++i) {
        if (is_continuation(text_[i]))
            continue;
        if (col >= cp_column)
            break;
        ++col;
    }
    memo_line_ = line;
    memo_column_ = col;
    memo_offset_ = i;
    return i;
}

FilePos SourceText::byte_position(uint32_t line, uint32_t cp_column) const {
    auto off = offset_of(line, cp_column);
    if (!off)
        return FilePos{line, cp_column};
    return position(*off);
}

FilePos SourceText::position(size_t offset) const {
    offset = std::min(offset, text_.size());
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    size_t line = it == line_starts_.begin() ? 1 : static_cast<size_t>(it - line_starts_.begin());
    size_t start = line_starts_[line - 1];
    size_t column = offset >= start ? offset - start + 1 : 1;
    return FilePos{clamp32(line), clamp32(column)};
}

std::vector<FilePos> map_string_positions(const SourceText& src,
                                          size_t value,
                                          std::span<const StringPos> targets) {
    std::vector<FilePos> out(targets.size());
    StringWalker(src, value, targets, out).run();
    return out;
}

namespace {
Error larger_than(size_t max_bytes) {
    return make_error(ErrorCode::kLimit, "larger than " + std::to_string(max_bytes) + " bytes");
}
}  // namespace

Result<std::string> read_all(int fd, size_t max_bytes, size_t size_hint) {
    std::string text;
    text.reserve(std::min(size_hint, max_bytes));
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return make_error(ErrorCode::kIo, std::strerror(errno));
        }
        if (n == 0)
            return text;
        if (text.size() + static_cast<size_t>(n) > max_bytes)
            return larger_than(max_bytes);
        text.append(buf, static_cast<size_t>(n));
    }
}

Result<std::string> read_text_file(const std::string& path, size_t max_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return make_error(ErrorCode::kNotFound, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(ErrorCode::kIo, "not a regular file");
    }
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
        ::close(fd);
        return larger_than(max_bytes);
    }
    auto text = read_all(fd, max_bytes, static_cast<size_t>(st.st_size));
    ::close(fd);
    return text;
}

}  // namespace mg::configs
