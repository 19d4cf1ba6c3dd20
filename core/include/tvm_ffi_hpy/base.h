/*
 * tvm_ffi_hpy/base.h -- macros and tiny helpers shared by every C++ header.
 *
 * The C++ layer is header-only on top of the C ABI (c_api.h): the core
 * exports C functions only (TVMFFI*).
 */
#ifndef TVM_FFI_HPY_BASE_H_
#define TVM_FFI_HPY_BASE_H_

#include <tvm_ffi_hpy/c_api.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#if defined(__GNUC__) || defined(__clang__)
#define TVM_FFI_HPY_INLINE inline __attribute__((always_inline))
#define TVM_FFI_HPY_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TVM_FFI_HPY_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define TVM_FFI_HPY_INLINE inline
#define TVM_FFI_HPY_UNLIKELY(x) (x)
#define TVM_FFI_HPY_LIKELY(x) (x)
#endif

#define TVM_FFI_HPY_CONCAT_IMPL(a, b) a##b
#define TVM_FFI_HPY_CONCAT(a, b) TVM_FFI_HPY_CONCAT_IMPL(a, b)

namespace tvm_ffi_hpy {

class Object;
class ObjectRef;
class Any;
class AnyView;
class String;
class Bytes;
class Function;
class Array;
class Map;
class Shape;
class Error;

namespace details {

/* Tag for the "construct without allocating" constructors of references. */
struct UnsafeInit {};

TVM_FFI_HPY_INLINE TVMFFIByteArray ToByteArray(std::string_view s) noexcept {
  return TVMFFIByteArray{s.data(), s.size()};
}
TVM_FFI_HPY_INLINE std::string_view ToStringView(const TVMFFIByteArray& b) noexcept {
  return std::string_view(b.data, b.size);
}

/* A None value; every field the ABI wants zero is zero. */
TVM_FFI_HPY_INLINE TVMFFIAny NoneAny() noexcept {
  TVMFFIAny v;
  v.type_index = kTVMFFINone;
  v.zero_padding = 0;
  v.v_int64 = 0;
  return v;
}

TVM_FFI_HPY_INLINE bool IsObjectIndex(int32_t type_index) noexcept {
  return type_index >= kTVMFFIStaticObjectBegin;
}

}  // namespace details
}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_BASE_H_
