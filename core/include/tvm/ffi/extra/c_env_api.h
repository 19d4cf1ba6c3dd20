/*
 * tvm/ffi/extra/c_env_api.h -- apache tvm-ffi's header name for the
 * environment part of the C ABI tvm_ffi_hpy provides: the per-thread current
 * stream of each device (TVMFFIEnvSetStream / TVMFFIEnvGetStream, declared in
 * tvm_ffi_hpy/c_api.h).  Usable from C.
 */
#ifndef TVM_FFI_HPY_COMPAT_EXTRA_C_ENV_API_H_
#define TVM_FFI_HPY_COMPAT_EXTRA_C_ENV_API_H_
#include <tvm/ffi/c_api.h>
#endif
