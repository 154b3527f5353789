// Invariant checks (CONVENTIONS.md "Errors").
//
// MG_CHECK(cond, fmt, ...): always on; a broken invariant is fatal and prints the
// file, line, condition and a printf-style message, then aborts.
// MG_ASSERT(cond): debug builds only (compiled out under NDEBUG).
// Neither is for validating input: untrusted input gets a Result error instead.
#pragma once

namespace mg {

[[noreturn]] void check_failed(const char* file, int line, const char* cond, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

}  // namespace mg

#define MG_CHECK(cond, ...)                                             \
    do {                                                                \
        if (__builtin_expect(!(cond), 0)) {                             \
            ::mg::check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__); \
        }                                                               \
    } while (0)

#ifdef NDEBUG
#define MG_ASSERT(cond) \
    do {                \
    } while (0 && (cond))
#else
#define MG_ASSERT(cond) MG_CHECK(cond, "assertion failed")
#endif
