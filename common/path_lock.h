// PathLock: "one daemon per socket path", race free.
//
// Two daemons started at once on the same socket path could both find a stale
// socket file, both remove it and both bind: the first one's socket would then have
// no name left and it would run unreachable. Holding an exclusive lock beside the
// socket (flock(2) on PATH.lock) from before the stale check until exit closes that
// window. The kernel drops the lock when the holder's descriptor closes, at exit
// or crash included, so a lock file left on disk is never stale; it is not removed.
//
// Cold path, not thread-safe. Movable, not copyable.
#pragma once

#include <string>

#include "common/result.h"

namespace mg {

class PathLock {
  public:
    // Locks `path` + ".lock" (created 0600 if missing). kLimit when another process
    // (or another PathLock of this one) holds it; kIo when it cannot be opened.
    static Result<PathLock> acquire(const std::string& path);

    PathLock() = default;
    PathLock(PathLock&& other) noexcept;
    PathLock& operator=(PathLock&& other) noexcept;
    PathLock(const PathLock&) = delete;
    PathLock& operator=(const PathLock&) = delete;
    ~PathLock();

    bool held() const { return fd_ >= 0; }
    const std::string& file() const { return file_; }

  private:
    PathLock(int fd, std::string file) : fd_(fd), file_(std::move(file)) {}

    int fd_ = -1;
    std::string file_;
};

}  // namespace mg
