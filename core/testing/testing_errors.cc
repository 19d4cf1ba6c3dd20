/*
 * The `testing` set, errors part: C++ exceptions of every kind thrown by
 * "user code", for the frontends' error tests (tests/test_error_hardening.py).
 *
 *   testing.throw_cpp(which, message)   throws the exception named `which`
 *   testing.call_rethrow(f, *args)      calls f inside C++ frames that own
 *                                       resources and catch-and-rethrow
 *   testing.ErrorThrower(mode)          constructor throws when mode < 0;
 *                                       method fail(which, message)
 *   testing.throw_error(err)            throws the ffi.Error object `err` itself
 *   testing.make_error(kind, message)   returns a new ffi.Error (not raised)
 *   testing.sleep_ms(ms, fd)            a long C++ call (Ctrl-C tests): writes
 *                                       "started\n" to fd (if >= 0), sleeps,
 *                                       returns the number of calls finished
 */
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <tvm_ffi_hpy/ffi.h>

namespace tvm_ffi_hpy {
namespace testing {
namespace {

/* Not derived from std::exception: what a library might throw. */
struct CustomPlainError {
  std::string text;
};

/* Derived from std::exception with its own what(). */
class CustomStdError : public std::exception {
 public:
  explicit CustomStdError(std::string text) : text_("CustomStdError: " + std::move(text)) {}
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;
};

enum class Color { kRed };

[[noreturn]] void ThrowCpp(const std::string& which, const std::string& message) {
  if (which == "runtime_error") throw std::runtime_error(message);
  if (which == "logic_error") throw std::logic_error(message);
  if (which == "out_of_range") throw std::out_of_range(message);
  if (which == "invalid_argument") throw std::invalid_argument(message);
  if (which == "overflow_error") throw std::overflow_error(message);
  if (which == "system_error") throw std::system_error(std::make_error_code(std::errc::io_error), message);
  if (which == "bad_alloc") throw std::bad_alloc();
  if (which == "custom_std") throw CustomStdError(message);
  if (which == "custom_plain") throw CustomPlainError{message};
  if (which == "int") throw 42;
  if (which == "enum") throw Color::kRed;
  if (which == "c_string") {
    static thread_local std::string text;  // outlives the throw
    text = message;
    throw text.c_str();
  }
  if (which == "std_string") throw message;
  if (which == "error") TVM_FFI_HPY_THROW(ValueError) << message;
  if (which == "nested") {
    try {
      throw std::runtime_error("inner: " + message);
    } catch (...) {
      std::throw_with_nested(std::logic_error("outer: " + message));
    }
  }
  throw Error("ValueError", "testing.throw_cpp: unknown exception name `" + which + "`");
}

/* Counts live Guard objects: the tests check that unwinding through C++
 * frames ran their destructors. */
int64_t g_live_guards = 0;
struct Guard {
  Guard() { ++g_live_guards; }
  ~Guard() { --g_live_guards; }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
};

class ErrorThrowerObj : public Object {
 public:
  int64_t mode;
  explicit ErrorThrowerObj(int64_t mode) : mode(mode) {
    if (mode < 0) throw std::runtime_error("ErrorThrower: mode must be >= 0, got " + std::to_string(mode));
  }
  int64_t Fail(const std::string& which, const std::string& message) const {
    ThrowCpp(which, message);
  }
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("testing.ErrorThrower", ErrorThrowerObj, Object)
};

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  namespace refl = ::tvm_ffi_hpy::refl;
  refl::ObjectDef<ErrorThrowerObj>("Throws C++ exceptions on request.")
      .def(refl::init<ErrorThrowerObj, int64_t>())
      .def_ro("mode", &ErrorThrowerObj::mode, "the constructor's argument")
      .def("fail", &ErrorThrowerObj::Fail, "throws the C++ exception named `which`");

  refl::GlobalDef()
      .def("testing.throw_cpp",
           [](const std::string& which, const std::string& message) { ThrowCpp(which, message); })
      .def_packed("testing.throw_error",
                  [](const AnyView* args, int32_t num_args, Any*) {
                    const Object* err = num_args == 1 ? args[0].object() : nullptr;
                    if (err == nullptr || err->type_index() != kTVMFFIError) {
                      TVM_FFI_HPY_THROW(TypeError) << "testing.throw_error expects one Error";
                    }
                    throw Error(ObjectRef(ObjectPtr<Object>::NewRef(const_cast<Object*>(err))));
                  })
      .def("testing.make_error",
           [](const std::string& kind, const std::string& message) {
             return Error(kind, message).object();
           })
      .def("testing.live_guards", []() { return g_live_guards; })
      .def("testing.sleep_ms",
           [](int64_t ms, int64_t fd) -> int64_t {
             static std::atomic<int64_t> finished{0};
             if (ms < 0 || ms > 600000) TVM_FFI_HPY_THROW(ValueError) << "ms out of range: " << ms;
             if (fd >= 0) {
               static const char kStarted[] = "started\n";
               if (::write(int(fd), kStarted, sizeof(kStarted) - 1) < 0) {
                 TVM_FFI_HPY_THROW(OSError) << "cannot write to fd " << fd;
               }
             }
             std::this_thread::sleep_for(std::chrono::milliseconds(ms));
             return ++finished;
           })
      .def_packed("testing.call_rethrow",
                  [](const AnyView* args, int32_t num_args, Any* rv) {
                    if (num_args < 1) {
                      TVM_FFI_HPY_THROW(TypeError) << "testing.call_rethrow expects (f, *args)";
                    }
                    Guard outer;
                    auto owned = std::make_unique<Guard>();
                    Function f = args[0].cast<Function>();
                    try {
                      Guard inner;
                      f.CallPacked(args + 1, num_args - 1, rv);
                    } catch (const Error&) {
                      throw;  // the same Error object: the Python exception stays itself
                    }
                  });
}

}  // namespace testing
}  // namespace tvm_ffi_hpy
