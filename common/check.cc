#include "common/check.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace mg {

void check_failed(const char* file, int line, const char* cond, const char* fmt, ...) {
    std::fprintf(stderr, "mediagate: fatal: %s:%d: check failed: %s: ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
    std::fflush(stderr);
    std::abort();
}

}  // namespace mg
