// PathLock: one holder per path, across processes too; released when the holder
// goes (destroyed, moved from, or the process dies); errors name the file.
#include "common/path_lock.h"

#include <cstdlib>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mg {
namespace {

class PathLockTest : public testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mg-path-lock-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/control.sock";
    }
    void TearDown() override {
        ::unlink((path_ + ".lock").c_str());
        ::rmdir(dir_.c_str());
    }

    // Whether a child process can take the lock (flock locks belong to the open
    // file description, so a fork's fresh acquire() is a real second holder).
    bool child_can_lock() const {
        const pid_t pid = ::fork();
        if (pid == 0) {
            auto lock = PathLock::acquire(path_);
            ::_exit(lock.ok() ? 0 : (lock.error().code == ErrorCode::kLimit ? 1 : 2));
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status));
        EXPECT_NE(WEXITSTATUS(status), 2);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

    std::string dir_;
    std::string path_;
};

TEST_F(PathLockTest, SecondHolderIsRefusedUntilTheFirstGoes) {
    {
        auto first = PathLock::acquire(path_);
        ASSERT_TRUE(first.ok()) << first.error().message;
        EXPECT_TRUE(first->held());
        EXPECT_EQ(first->file(), path_ + ".lock");
        struct stat st {};
        ASSERT_EQ(::stat(first->file().c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);

        auto second = PathLock::acquire(path_);
        ASSERT_FALSE(second.ok());
        EXPECT_EQ(second.error().code, ErrorCode::kLimit);
        EXPECT_NE(second.error().message.find(path_ + ".lock"), std::string::npos)
            << second.error().message;
        EXPECT_FALSE(child_can_lock());
    }
    // Released on destruction; the file stays (it is never stale).
    EXPECT_EQ(::access((path_ + ".lock").c_str(), F_OK), 0);
    EXPECT_TRUE(child_can_lock());
    EXPECT_TRUE(PathLock::acquire(path_).ok());
}

TEST_F(PathLockTest, MovingKeepsOneHolder) {
    auto lock = PathLock::acquire(path_);
    ASSERT_TRUE(lock.ok());
    PathLock moved = std::move(*lock);
    EXPECT_TRUE(moved.held());
    EXPECT_FALSE(lock->held());  // NOLINT(bugprone-use-after-move): checked on purpose
    EXPECT_FALSE(child_can_lock());
    PathLock assigned;
    EXPECT_FALSE(assigned.held());
    assigned = std::move(moved);
    EXPECT_TRUE(assigned.held());
    EXPECT_FALSE(child_can_lock());
    assigned = PathLock();  // releases
    EXPECT_TRUE(child_can_lock());
}

TEST_F(PathLockTest, AHolderThatDiedLeavesNoLock) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        auto lock = PathLock::acquire(path_);
        ::_exit(lock.ok() ? 0 : 1);  // exits holding it: the kernel releases it
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_TRUE(PathLock::acquire(path_).ok());
}

TEST_F(PathLockTest, UnusableDirectoryIsAnIoErrorNamingTheFile) {
    auto lock = PathLock::acquire(dir_ + "/missing/control.sock");
    ASSERT_FALSE(lock.ok());
    EXPECT_EQ(lock.error().code, ErrorCode::kIo);
    EXPECT_NE(lock.error().message.find(dir_ + "/missing/control.sock.lock"), std::string::npos)
        << lock.error().message;
}

TEST_F(PathLockTest, ASymlinkIsNotFollowed) {
    const std::string target = dir_ + "/elsewhere";
    ASSERT_EQ(::symlink(target.c_str(), (path_ + ".lock").c_str()), 0);
    auto lock = PathLock::acquire(path_);
    EXPECT_FALSE(lock.ok());
    EXPECT_NE(::access(target.c_str(), F_OK), 0);  // nothing created through the link
}

}  // namespace
}  // namespace mg
