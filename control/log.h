// Logger: the control process's log lines on stderr.
//
// Cold path, one thread (the EventLoop's). Lines are journald-friendly: when stderr
// is connected to the journal (JOURNAL_STREAM matches stderr), each line starts with
// a syslog priority prefix "<N>" and carries no timestamp (the journal adds its
// own); otherwise "YYYY-MM-DDTHH:MM:SS.mmm LEVEL message". Never colours.
//
// Debug IPs (SPEC.md §2): about() lines concern one address; when that address is
// inside the Debug IPs list the line is written whatever the level, marked
// "[debug-ip ADDR]".
#pragma once

#include <cstdio>
#include <memory>
#include <string_view>

#include "configs/config.h"
#include "lists/address.h"
#include "lists/classifier.h"

namespace mg::control {

using configs::LogLevel;

class Logger {
  public:
    explicit Logger(LogLevel level = LogLevel::kInfo, FILE* out = stderr);

    void set_level(LogLevel level) { level_ = level; }
    LogLevel level() const { return level_; }
    void set_debug_ips(std::shared_ptr<const lists::AddressList> debug) {
        debug_ = std::move(debug);
    }

    bool enabled(LogLevel level) const { return level <= level_; }
    void log(LogLevel level, std::string_view message);
    void error(std::string_view m) { log(LogLevel::kError, m); }
    void warning(std::string_view m) { log(LogLevel::kWarning, m); }
    void info(std::string_view m) { log(LogLevel::kInfo, m); }
    void debug(std::string_view m) { log(LogLevel::kDebug, m); }

    // A line about `addr`: always written when addr is inside Debug IPs.
    void about(const lists::Address& addr, LogLevel level, std::string_view message);
    bool is_debug_ip(const lists::Address& addr) const { return debug_ && debug_->contains(addr); }

  private:
    void write(LogLevel level, std::string_view message);

    LogLevel level_;
    FILE* out_;
    bool journal_;
    std::shared_ptr<const lists::AddressList> debug_;
};

}  // namespace mg::control
