/*
 * tvm/ffi/c_api.h -- apache tvm-ffi's C ABI header name for tvm_ffi_hpy's C
 * ABI (tvm_ffi_hpy/c_api.h), usable from C.  Adds apache's
 * TVM_FFI_DLL_EXPORT (a symbol exported from a user library).
 */
#ifndef TVM_FFI_HPY_COMPAT_C_API_H_
#define TVM_FFI_HPY_COMPAT_C_API_H_

#include <tvm_ffi_hpy/c_api.h>

#ifndef TVM_FFI_DLL_EXPORT
#if defined(_MSC_VER)
#define TVM_FFI_DLL_EXPORT __declspec(dllexport)
#else
#define TVM_FFI_DLL_EXPORT __attribute__((visibility("default")))
#endif
#endif

#endif  // TVM_FFI_HPY_COMPAT_C_API_H_
