/*
 * tvm/ffi/tvm_ffi.h -- the part of apache tvm-ffi's C++ API that
 * tvm_ffi_hpy provides, under apache's names (docs/cpp-compat.md).
 *
 * Every header of this tree (tvm/ffi/function.h, tvm/ffi/container/tensor.h,
 * ...) includes this one, so any of apache's include lines gives the same
 * thing: the whole tvm_ffi_hpy C++ layer (tvm_ffi_hpy/ffi.h), the namespace
 * name `tvm::ffi` for `tvm_ffi_hpy` (an alias: `tvm::ffi::String` IS
 * `tvm_ffi_hpy::String`), and apache's macro names as aliases of ours.  Our
 * names (TVM_FFI_HPY_*, tvm_ffi_hpy::) are the primary ones; nothing here
 * adds behaviour.  Names of apache's API that are not listed in
 * docs/cpp-compat.md are not provided and fail to compile.
 */
#ifndef TVM_FFI_HPY_COMPAT_TVM_FFI_H_
#define TVM_FFI_HPY_COMPAT_TVM_FFI_H_

#include <tvm/ffi/c_api.h>
#include <tvm/ffi/extra/c_env_api.h>
#include <tvm_ffi_hpy/ffi.h>

namespace tvm {
namespace ffi = ::tvm_ffi_hpy;
}  // namespace tvm

// apache tvm-ffi's `detail::` names that its public examples and tests use.
namespace tvm_ffi_hpy {
namespace detail {
/* The error the last failed C call raised, to throw (details::TakeRaised). */
inline Error MoveFromSafeCallRaised() { return details::TakeRaised(); }
struct AnyUnsafe {
  /* An Any owning the reference `raw` holds (Any::FromRawOwned). */
  static Any MoveTVMFFIAnyRawToAny(const TVMFFIAny& raw) noexcept {
    return Any::FromRawOwned(raw);
  }
};
}  // namespace detail
}  // namespace tvm_ffi_hpy

// Errors and checks (error.h).
#define TVM_FFI_THROW(Kind) TVM_FFI_HPY_THROW(Kind)
#define TVM_FFI_CHECK(cond, Kind) TVM_FFI_HPY_CHECK(cond, Kind)
#define TVM_FFI_ICHECK(cond) TVM_FFI_HPY_ICHECK(cond)
#define TVM_FFI_ICHECK_EQ(x, y) TVM_FFI_HPY_ICHECK_EQ(x, y)
#define TVM_FFI_ICHECK_NE(x, y) TVM_FFI_HPY_ICHECK_NE(x, y)
#define TVM_FFI_ICHECK_LT(x, y) TVM_FFI_HPY_ICHECK_LT(x, y)
#define TVM_FFI_ICHECK_LE(x, y) TVM_FFI_HPY_ICHECK_LE(x, y)
#define TVM_FFI_ICHECK_GT(x, y) TVM_FFI_HPY_ICHECK_GT(x, y)
#define TVM_FFI_ICHECK_GE(x, y) TVM_FFI_HPY_ICHECK_GE(x, y)
#define TVM_FFI_ICHECK_NOTNULL(x) TVM_FFI_HPY_ICHECK_NOTNULL(x)
#define TVM_FFI_SAFE_CALL_BEGIN() TVM_FFI_HPY_SAFE_CALL_BEGIN()
#define TVM_FFI_SAFE_CALL_END() TVM_FFI_HPY_SAFE_CALL_END()

// Exported functions of a library (module.h).
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC(ExportName, Callable) \
  TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(ExportName, Callable)
#define TVM_FFI_DLL_EXPORT_TYPED_FUNC_DOC(ExportName, DocString) \
  TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_DOC(ExportName, DocString)

// Registration at load time (reflection.h).
#define TVM_FFI_STATIC_INIT_BLOCK() TVM_FFI_HPY_STATIC_INIT_BLOCK()

#endif  // TVM_FFI_HPY_COMPAT_TVM_FFI_H_
