#include "control/log.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

#include <sys/stat.h>

namespace mg::control {
namespace {

// systemd sets JOURNAL_STREAM=DEV:INODE for the stream it connected; it only
// counts when our stream is still that one (not redirected by a shell).
bool connected_to_journal(FILE* out) {
    const char* env = std::getenv("JOURNAL_STREAM");
    if (env == nullptr)
        return false;
    struct stat st {};
    if (::fstat(::fileno(out), &st) != 0)
        return false;
    std::string expected = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    return expected == env;
}

int syslog_priority(LogLevel level) {
    switch (level) {
        case LogLevel::kError:
            return 3;
        case LogLevel::kWarning:
            return 4;
        case LogLevel::kInfo:
            return 6;
        case LogLevel::kDebug:
            return 7;
    }
    return 6;
}

}  // namespace

Logger::Logger(LogLevel level, FILE* out)
    : level_(level), out_(out), journal_(connected_to_journal(out)) {}

void Logger::log(LogLevel level, std::string_view message) {
    if (enabled(level))
        write(level, message);
}

void Logger::about(const lists::Address& addr, LogLevel level, std::string_view message) {
    if (is_debug_ip(addr)) {
        std::string line = "[debug-ip " + lists::format_address(addr) + "] ";
        line += message;
        write(level, line);
    } else if (enabled(level)) {
        write(level, message);
    }
}

// Control characters written as \xNN: a newline from untrusted text (a CLI
// argument, a DNS name, a list line) would otherwise start a line of its own,
// which journald reads as a new entry with whatever <N> priority it begins with.
static std::string printable(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    for (char ch : message) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

void Logger::write(LogLevel level, std::string_view raw) {
    const bool clean = std::none_of(raw.begin(), raw.end(), [](char ch) {
        return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
    });
    const std::string escaped = clean ? std::string() : printable(raw);
    const std::string_view message = clean ? raw : std::string_view(escaped);
    if (journal_) {
        std::fprintf(out_, "<%d>%.*s\n", syslog_priority(level), static_cast<int>(message.size()),
                     message.data());
    } else {
        auto now = std::chrono::system_clock::now();
        std::time_t t = std::chrono::system_clock::to_time_t(now);
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
        std::tm tm{};
        ::localtime_r(&t, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        std::fprintf(out_, "%s.%03d %-7s %.*s\n", stamp, static_cast<int>(ms.count()),
                     configs::to_string(level), static_cast<int>(message.size()), message.data());
    }
    std::fflush(out_);
}

}  // namespace mg::control
