#include "common/path_lock.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace mg {

Result<PathLock> PathLock::acquire(const std::string& path) {
    std::string file = path + ".lock";
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return make_error(ErrorCode::kIo,
                          "cannot open the lock file " + file + ": " + std::strerror(errno));
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        if (err == EINTR)
            continue;
        ::close(fd);
        if (err == EWOULDBLOCK)
            return make_error(ErrorCode::kLimit, file + " is held by another process");
        return make_error(ErrorCode::kIo, "cannot lock " + file + ": " + std::strerror(err));
    }
    return PathLock(fd, std::move(file));
}

PathLock::PathLock(PathLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), file_(std::move(other.file_)) {}

PathLock& PathLock::operator=(PathLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        file_ = std::move(other.file_);
    }
    return *this;
}

PathLock::~PathLock() {
    if (fd_ >= 0)
        ::close(fd_);
}

}  // namespace mg
