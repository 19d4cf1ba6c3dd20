/* Helpers shared by the tests: raw C-ABI values and calls. */
#ifndef TVM_FFI_HPY_TESTS_TEST_UTIL_H_
#define TVM_FFI_HPY_TESTS_TEST_UTIL_H_

#include <tvm_ffi_hpy/ffi.h>

#include <cstring>
#include <string>
#include <vector>

#include "harness.h"

namespace test_util {

inline TVMFFIAny Int(int64_t v) {
  TVMFFIAny a{};
  a.type_index = kTVMFFIInt;
  a.v_int64 = v;
  return a;
}
inline TVMFFIAny Float(double v) {
  TVMFFIAny a{};
  a.type_index = kTVMFFIFloat;
  a.v_float64 = v;
  return a;
}
inline TVMFFIAny RawStr(const char* s) {
  TVMFFIAny a{};
  a.type_index = kTVMFFIRawStr;
  a.v_c_str = s;
  return a;
}
inline TVMFFIAny ObjView(TVMFFIObjectHandle h) {
  TVMFFIAny a{};
  a.type_index = static_cast<TVMFFIObject*>(h)->type_index;
  a.v_obj = static_cast<TVMFFIObject*>(h);
  return a;
}
inline TVMFFIAny None() {
  TVMFFIAny a{};
  a.type_index = kTVMFFINone;
  return a;
}

/* The global function `name` (owned handle), or nullptr. */
inline TVMFFIObjectHandle GetGlobal(const char* name) {
  TVMFFIByteArray n{name, std::strlen(name)};
  TVMFFIObjectHandle f = nullptr;
  if (TVMFFIFunctionGetGlobal(&n, &f) != 0) return nullptr;
  return f;
}

/* Calls global `name` through the C ABI only.  Returns the status; on -1
 * *err_kind / *err_msg receive the error (which is released). */
struct CallResult {
  int status = 0;
  TVMFFIAny value{};  // owned when status == 0; release with Release()
  std::string kind, message;
  void Release() {
    if (status == 0 && value.type_index >= kTVMFFIStaticObjectBegin) {
      TVMFFIObjectDecRef(value.v_obj);
    }
    value.type_index = kTVMFFINone;
  }
};

inline CallResult CallC(TVMFFIObjectHandle f, std::vector<TVMFFIAny> args) {
  CallResult r;
  r.value.type_index = kTVMFFINone;
  r.status = TVMFFIFunctionCall(f, args.data(), int32_t(args.size()), &r.value);
  if (r.status != 0) {
    TVMFFIObjectHandle err = nullptr;
    TVMFFIErrorMoveFromRaised(&err);
    if (err != nullptr) {
      const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(err);
      r.kind.assign(cell->kind.data, cell->kind.size);
      r.message.assign(cell->message.data, cell->message.size);
      TVMFFIObjectDecRef(err);
    }
  }
  return r;
}

inline CallResult CallGlobalC(const char* name, std::vector<TVMFFIAny> args) {
  TVMFFIObjectHandle f = GetGlobal(name);
  if (f == nullptr) {
    CallResult r;
    r.status = -2;
    r.kind = "missing";
    return r;
  }
  CallResult r = CallC(f, std::move(args));
  TVMFFIObjectDecRef(f);
  return r;
}

inline bool Contains(const std::string& s, const char* sub) {
  return s.find(sub) != std::string::npos;
}

/* The whole text of a string value (small or object). */
inline std::string StrOf(const TVMFFIAny& v) {
  std::string_view content;
  if (!tvm_ffi_hpy::details::GetByteContent(&v, &content)) return "<not a string>";
  return std::string(content);
}

}  // namespace test_util

#endif  // TVM_FFI_HPY_TESTS_TEST_UTIL_H_
