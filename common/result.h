// Result<T>: the control path's typed result (CONVENTIONS.md "Errors").
//
// A Result holds either a value or an Error. An Error carries a code and a human
// message that already names the context (file:line:col for config and lists, the
// offending text for other input). Cold path only: never used per packet.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "common/check.h"

namespace mg {

enum class ErrorCode {
    kInvalidInput,  // the content is wrong (list, config, address, request)
    kNotFound,      // a file, a name, a call that does not exist
    kIo,            // the operating system refused (open, read, socket)
    kLimit,         // a configured or built-in bound was exceeded
    kInternal,      // a bug: should never be seen by an operator
};

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;
};

inline Error make_error(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

// E is the error type: Error by default; a module may use a structured one (the
// list parser returns every error with its line and column).
template <typename T, typename E = Error>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT implicit
    Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        MG_CHECK(ok(), "Result::value() on an error");
        return std::get<0>(v_);
    }
    const T& value() const& {
        MG_CHECK(ok(), "Result::value() on an error");
        return std::get<0>(v_);
    }
    T&& value() && {
        MG_CHECK(ok(), "Result::value() on an error");
        return std::get<0>(std::move(v_));
    }
    const E& error() const {
        MG_CHECK(!ok(), "Result::error() on a value");
        return std::get<1>(v_);
    }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

  private:
    std::variant<T, E> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void, Error> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT implicit

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        MG_CHECK(!ok_, "Result::error() on a value");
        return error_;
    }

  private:
    Error error_;
    bool ok_ = true;
};

}  // namespace mg
