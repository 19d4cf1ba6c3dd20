/*
 * tvm_ffi_hpy/error.h -- the one way to fail.
 *
 * In C++ code a failure is an exception; at every ABI boundary (a safe_call,
 * a field getter/setter, a creator) it becomes "return -1 with an Error in
 * the thread's slot", and a C++ caller that sees -1 throws that same Error
 * back (kind, message, backtrace and payload preserved).
 *
 *   throw Error("ValueError", "bad value");
 *   TVM_FFI_HPY_THROW(ValueError) << "bad value " << x;
 *   TVM_FFI_HPY_CHECK(x > 0, ValueError) << "x must be positive, got " << x;
 *
 * Mapping at a boundary (details::SetRaisedFromCurrentException):
 *   Error -> its own kind; std::bad_alloc -> MemoryError;
 *   std::out_of_range -> IndexError; std::invalid_argument -> ValueError;
 *   other std::exception -> RuntimeError (what(), then the messages of
 *   nested exceptions); a thrown const char* or std::string -> RuntimeError
 *   with that text; anything else -> RuntimeError "unknown C++ exception of
 *   type T" (T demangled where the C++ runtime tells it).
 */
#ifndef TVM_FFI_HPY_ERROR_H_
#define TVM_FFI_HPY_ERROR_H_

#include <tvm_ffi_hpy/object.h>

#include <cstdlib>
#include <exception>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <typeinfo>
#if defined(__has_include)
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define TVM_FFI_HPY_HAVE_CXXABI 1
#endif
#endif
#ifndef TVM_FFI_HPY_HAVE_CXXABI
#define TVM_FFI_HPY_HAVE_CXXABI 0
#endif

namespace tvm_ffi_hpy {

/* A C++ exception that carries an ffi.Error object. */
class Error : public std::exception {
 public:
  Error(std::string_view kind, std::string_view message, std::string_view backtrace = {})
      : Error(kind, message, backtrace, nullptr) {}
  /* An error raised from `cause` (its cause_chain; Python sees __cause__). */
  Error(std::string_view kind, std::string_view message, const Error& cause)
      : Error(kind, message, {}, cause.raw()) {}
  /* Wraps an existing ffi.Error object (kTVMFFIError). */
  explicit Error(ObjectRef error_object) : obj_(std::move(error_object)) { FormatWhat(); }

  std::string_view kind() const noexcept { return details::ToStringView(cell()->kind); }
  std::string_view message() const noexcept { return details::ToStringView(cell()->message); }
  std::string_view backtrace() const noexcept {
    return details::ToStringView(cell()->backtrace);
  }
  /* The error this one was raised from, if any. */
  std::optional<Error> cause() const {
    TVMFFIObject* c = static_cast<TVMFFIObject*>(cell()->cause_chain);
    if (c == nullptr) return std::nullopt;
    return Error(ObjectRef(ObjectPtr<Object>::NewRef(details::ObjectUnsafe::FromHeader(c))));
  }
  /* "Kind: message" */
  const char* what() const noexcept override { return what_.c_str(); }

  const ObjectRef& object() const noexcept { return obj_; }
  /* Borrowed handle of the error object. */
  TVMFFIObject* raw() const noexcept { return details::HeaderOf(obj_.get()); }

  /* The frontend payload (None when unset); defined in any.h. */
  Any payload() const;
  void set_payload(const AnyView& value) const;

 private:
  Error(std::string_view kind, std::string_view message, std::string_view backtrace,
        TVMFFIObjectHandle cause) {
    TVMFFIByteArray k = details::ToByteArray(kind), m = details::ToByteArray(message),
                    b = details::ToByteArray(backtrace);
    TVMFFIObjectHandle handle = nullptr;
    if (TVMFFIErrorCreateWithCauseAndExtraContext(&k, &m, &b, cause, nullptr, &handle) != 0) {
      TVMFFIObjectHandle dropped = nullptr;
      TVMFFIErrorMoveFromRaised(&dropped);
      if (dropped) TVMFFIObjectDecRef(dropped);
      throw std::bad_alloc();
    }
    obj_ = ObjectRef(ObjectPtr<Object>::Steal(details::ObjectUnsafe::FromHeader(handle)));
    FormatWhat();
  }
  const TVMFFIErrorCell* cell() const noexcept { return TVMFFIErrorGetCellPtr(raw()); }
  void FormatWhat() {
    what_.assign(kind());
    what_ += ": ";
    what_ += message();
  }
  ObjectRef obj_;
  std::string what_;
};

namespace details {

/* The error the last failed C call raised (TVMFFIErrorMoveFromRaised), taken. */
inline Error TakeRaised() {
  TVMFFIObjectHandle handle = nullptr;
  TVMFFIErrorMoveFromRaised(&handle);
  if (handle == nullptr) {
    return Error("RuntimeError", "a call failed (-1) without raising an error");
  }
  return Error(ObjectRef(ObjectPtr<Object>::Steal(ObjectUnsafe::FromHeader(handle))));
}

[[noreturn]] inline void ThrowRaised() { throw TakeRaised(); }

/* Collects the message of TVM_FFI_HPY_THROW. */
class ErrorBuilder {
 public:
  ErrorBuilder(const char* kind, const char* file, int line, const char* func)
      : kind_(kind), file_(file), line_(line), func_(func) {}
  template <typename T>
  ErrorBuilder& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  [[noreturn]] void Throw() const {
    const TVMFFIByteArray* bt = TVMFFIBacktrace(file_, line_, func_, 0);
    throw Error(kind_, stream_.str(), bt ? ToStringView(*bt) : std::string_view());
  }

 private:
  const char* kind_;
  const char* file_;
  int line_;
  const char* func_;
  std::ostringstream stream_;
};

/* `Thrower{} & builder << a << b`: `&` binds after every `<<`. */
struct ErrorThrower {
  [[noreturn]] void operator&(const ErrorBuilder& builder) const { builder.Throw(); }
};

/* what(), followed by the messages of the exceptions nested in it
 * (std::throw_with_nested), innermost last. */
inline std::string DescribeStdException(const std::exception& e) {
  std::string text = e.what();
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    text += " (caused by: " + DescribeStdException(inner) + ")";
  } catch (...) {
    text += " (caused by: an exception of another type)";
  }
  return text;
}

/* An exception of a type that carries no message: name the type. */
inline std::string DescribeUnknownException() {
  std::string text = "unknown C++ exception";
#if TVM_FFI_HPY_HAVE_CXXABI
  if (const std::type_info* type = abi::__cxa_current_exception_type()) {
    int status = -1;
    char* name = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
    text += " of type ";
    text += (status == 0 && name) ? name : type->name();
    std::free(name);
  }
#endif
  return text;
}

/* Turns the exception being handled into the thread's raised error; returns
 * -1 so a catch block can `return SetRaisedFromCurrentException();`. */
inline int SetRaisedFromCurrentException() noexcept {
  try {
    try {
      throw;
    } catch (const Error& e) {
      TVMFFIErrorSetRaised(e.raw());
    } catch (const std::bad_alloc&) {
      TVMFFIErrorSetRaisedFromCStr("MemoryError", "out of memory (std::bad_alloc)");
    } catch (const std::out_of_range& e) {
      TVMFFIErrorSetRaisedFromCStr("IndexError", e.what());
    } catch (const std::invalid_argument& e) {
      TVMFFIErrorSetRaisedFromCStr("ValueError", e.what());
    } catch (const std::exception& e) {
      TVMFFIErrorSetRaisedFromCStr("RuntimeError", DescribeStdException(e).c_str());
    } catch (const char* text) {
      TVMFFIErrorSetRaisedFromCStr("RuntimeError", text);
    } catch (const std::string& text) {
      TVMFFIErrorSetRaisedFromCStr("RuntimeError", text.c_str());
    } catch (...) {
      TVMFFIErrorSetRaisedFromCStr("RuntimeError", DescribeUnknownException().c_str());
    }
  } catch (...) {
    // Recording the error failed (out of memory); the slot stays as it is.
  }
  return -1;
}

}  // namespace details
}  // namespace tvm_ffi_hpy

#define TVM_FFI_HPY_THROW(Kind)              \
  ::tvm_ffi_hpy::details::ErrorThrower{} &   \
      ::tvm_ffi_hpy::details::ErrorBuilder(#Kind, __FILE__, __LINE__, __func__)

#define TVM_FFI_HPY_CHECK(cond, Kind) \
  if (TVM_FFI_HPY_LIKELY(cond)) {     \
  } else                              \
    TVM_FFI_HPY_THROW(Kind)

/* Internal invariants (apache tvm-ffi's TVM_FFI_ICHECK family): a failed
 * check throws InternalError "Check failed: (cond) is false: <streamed text>".
 *   TVM_FFI_HPY_ICHECK(n > 0) << "n must be positive";
 * The binary forms evaluate each operand once on success, again for the
 * message on failure (operands must be printable with <<). */
#define TVM_FFI_HPY_ICHECK(cond)   \
  TVM_FFI_HPY_CHECK(cond, InternalError) << "Check failed: (" #cond ") is false: "
#define TVM_FFI_HPY_ICHECK_BINARY_(x, y, op)                                                  \
  if (TVM_FFI_HPY_LIKELY((x)op(y))) {                                                         \
  } else                                                                                      \
    TVM_FFI_HPY_THROW(InternalError) << "Check failed: " #x " " #op " " #y " (" << (x) << " vs. " \
                                     << (y) << "): "
#define TVM_FFI_HPY_ICHECK_EQ(x, y) TVM_FFI_HPY_ICHECK_BINARY_(x, y, ==)
#define TVM_FFI_HPY_ICHECK_NE(x, y) TVM_FFI_HPY_ICHECK_BINARY_(x, y, !=)
#define TVM_FFI_HPY_ICHECK_LT(x, y) TVM_FFI_HPY_ICHECK_BINARY_(x, y, <)
#define TVM_FFI_HPY_ICHECK_LE(x, y) TVM_FFI_HPY_ICHECK_BINARY_(x, y, <=)
#define TVM_FFI_HPY_ICHECK_GT(x, y) TVM_FFI_HPY_ICHECK_BINARY_(x, y, >)
#define TVM_FFI_HPY_ICHECK_GE(x, y) TVM_FFI_HPY_ICHECK_BINARY_(x, y, >=)
#define TVM_FFI_HPY_ICHECK_NOTNULL(x)                                              \
  ([&](auto&& tvm_ffi_hpy_ptr_) -> decltype(auto) {                                 \
    TVM_FFI_HPY_ICHECK(tvm_ffi_hpy_ptr_ != nullptr) << #x " must not be null";     \
    return std::forward<decltype(tvm_ffi_hpy_ptr_)>(tvm_ffi_hpy_ptr_);             \
  }(x))

/* Body of every function exposed through the C ABI:
 *   int F(...) { TVM_FFI_HPY_SAFE_CALL_BEGIN(); ...; TVM_FFI_HPY_SAFE_CALL_END(); } */
#define TVM_FFI_HPY_SAFE_CALL_BEGIN() try {
#define TVM_FFI_HPY_SAFE_CALL_END()                                  \
  }                                                                  \
  catch (...) {                                                      \
    return ::tvm_ffi_hpy::details::SetRaisedFromCurrentException();  \
  }                                                                  \
  return 0

#endif  // TVM_FFI_HPY_ERROR_H_
