/* tvm/ffi/rvalue_ref.h -- apache tvm-ffi's header name; tvm_ffi_hpy provides its
 * C++ API as one unit: see tvm/ffi/tvm_ffi.h and docs/cpp-compat.md. */
#ifndef TVM_FFI_HPY_COMPAT_RVALUE_REF_H
#define TVM_FFI_HPY_COMPAT_RVALUE_REF_H
#include <tvm/ffi/tvm_ffi.h>
#endif
