/* tvm/ffi/big_int.h -- apache tvm-ffi's header name; tvm_ffi_hpy provides its
 * C++ API as one unit: see tvm/ffi/tvm_ffi.h and docs/cpp-compat.md. */
#ifndef TVM_FFI_HPY_COMPAT_BIG_INT_H
#define TVM_FFI_HPY_COMPAT_BIG_INT_H
#include <tvm/ffi/tvm_ffi.h>
#endif
