/* tvm/ffi/extra/stl.h -- apache tvm-ffi's header name for the standard
 * library conversions (tvm_ffi_hpy/stl.h): std::vector, std::array,
 * std::tuple, std::variant, std::map, std::unordered_map, std::function as
 * typed-function arguments and returns.  See docs/cpp-compat.md. */
#ifndef TVM_FFI_HPY_COMPAT_EXTRA_STL_H_
#define TVM_FFI_HPY_COMPAT_EXTRA_STL_H_
#include <tvm/ffi/tvm_ffi.h>
#include <tvm_ffi_hpy/stl.h>
#endif
