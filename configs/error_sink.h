// configs/ internals: collects a load's errors, then orders and caps them.
//
// Cold path, one per load_config/parse_config call.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "configs/config.h"
#include "configs/source_text.h"

namespace mg::configs {

class ErrorSink {
  public:
    explicit ErrorSink(std::string file) : file_(std::move(file)) {}

    // An error at `at` in the config file.
    void add(FilePos at, std::string message);
    // An error in another file (a *_file list), ordered as if it were at `anchor` in
    // the config file.
    void add_elsewhere(std::string file, FilePos at, FilePos anchor, std::string message);
    // Errors found but not reported individually (a list's unreported errors).
    void add_unreported(size_t n) { unreported_ += n; }

    bool empty() const { return added_ == 0 && unreported_ == 0; }
    // Errors added so far (to tell whether a part of the file had any).
    size_t count() const { return added_; }

    // The first kMaxReportedErrors in file order (stable for errors at the same place),
    // and the count of all.
    ConfigErrors finish() &&;

  private:
    struct Entry {
        FilePos anchor;
        size_t seq;
        ConfigError error;
    };
    static bool earlier(const Entry& a, const Entry& b);
    void keep(Entry e);

    std::string file_;
    // Only the kMaxReportedErrors earliest, as a max-heap: a huge broken file costs
    // no memory per error.
    std::vector<Entry> kept_;
    size_t added_ = 0;
    size_t unreported_ = 0;
};

}  // namespace mg::configs
