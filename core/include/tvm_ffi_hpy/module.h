/*
 * tvm_ffi_hpy/module.h -- shared libraries written against the core.
 *
 * A user library is an ordinary shared library that links the core
 * (libtvm_ffi_hpy_core.so).  It makes functions reachable in two ways:
 *
 *  - global functions and types registered in a TVM_FFI_HPY_STATIC_INIT_BLOCK
 *    (reflection.h) land in the process-wide registries when the library is
 *    loaded;
 *  - exported functions: TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(name, callable)
 *    defines the C symbol `__tvm_ffi_<name>` with the TVMFFISafeCallType
 *    signature (apache tvm-ffi's convention), which a loaded Module hands out
 *    by `name`:
 *
 *        int64_t AddOne(int64_t x) { return x + 1; }
 *        TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(add_one, AddOne);
 *        TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(scale, [](double x, double k) { return x * k; });
 *
 * Loading (core/src/module.cc): the global function ffi.ModuleLoadFromFile(path)
 * dlopens the library (RTLD_NOW | RTLD_LOCAL) and returns an ffi.Module
 * object (kTVMFFIModule); ffi.ModuleGetFunction(module, name) returns the
 * exported function `name` as a Function, or None.  A loaded library is never
 * unloaded: objects and functions it made keep pointers into its code.
 */
#ifndef TVM_FFI_HPY_MODULE_H_
#define TVM_FFI_HPY_MODULE_H_

#include <tvm_ffi_hpy/function.h>
#include <tvm_ffi_hpy/string.h>
#include <tvm_ffi_hpy/type_schema.h>

/* The prefix of the C symbol behind an exported function. */
#define TVM_FFI_HPY_EXPORT_SYMBOL_PREFIX "__tvm_ffi_"

namespace tvm_ffi_hpy {
namespace details {

/* The body of an exported typed function: arity and argument types are
 * checked as for Function::FromTyped; failures become the raised error. */
template <typename F>
int ExportedTypedCall(F& f, const std::string& name, const TVMFFIAny* args, int32_t num_args,
                      TVMFFIAny* result) noexcept {
  using Sig = FuncSig<std::decay_t<F>>;
  return SafeCallInto(result, [&](Any* rv) {
    CallTyped<F, typename Sig::Ret>(f, name, reinterpret_cast<const AnyView*>(args), num_args, rv,
                                    static_cast<typename Sig::Args*>(nullptr),
                                    std::make_index_sequence<Sig::kArity>());
  });
}

/* The body of an exported packed function: f(const AnyView*, int32_t, Any*). */
template <typename F>
int ExportedPackedCall(F& f, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) noexcept {
  return SafeCallInto(result, [&](Any* rv) { f(reinterpret_cast<const AnyView*>(args), num_args, rv); });
}

}  // namespace details
}  // namespace tvm_ffi_hpy

/* Metadata of exported functions (apache tvm-ffi's convention): when the
 * translation unit defines TVM_FFI_HPY_DLL_EXPORT_INCLUDE_METADATA (or
 * apache's spelling TVM_FFI_DLL_EXPORT_INCLUDE_METADATA) to a nonzero value
 * before including this header,
 *  - TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(name, fn) also defines
 *    `__tvm_ffi__metadata_<name>`, a function of no arguments returning the
 *    JSON text {"type_schema": "<fn's type schema as JSON>"}
 *    (Module.get_function_metadata);
 *  - TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_DOC(name, "text") defines
 *    `__tvm_ffi__doc_<name>`, returning the text (Module.get_function_doc).
 * Otherwise neither symbol exists (and the DOC macro expands to nothing).
 * `fn` must then be a name (decltype of a lambda expression is C++20). */
#ifndef TVM_FFI_HPY_DLL_EXPORT_INCLUDE_METADATA
#if defined(TVM_FFI_DLL_EXPORT_INCLUDE_METADATA)
#define TVM_FFI_HPY_DLL_EXPORT_INCLUDE_METADATA TVM_FFI_DLL_EXPORT_INCLUDE_METADATA
#else
#define TVM_FFI_HPY_DLL_EXPORT_INCLUDE_METADATA 0
#endif
#endif

#if TVM_FFI_HPY_DLL_EXPORT_INCLUDE_METADATA
#define TVM_FFI_HPY_DLL_EXPORT_METADATA_(ExportName, Callable)                                \
  TVM_FFI_HPY_DLL_EXPORT_PACKED_FUNC(                                                         \
      _metadata_##ExportName, [](const ::tvm_ffi_hpy::AnyView*, int32_t, ::tvm_ffi_hpy::Any* rv) { \
        *rv = ::tvm_ffi_hpy::String(::tvm_ffi_hpy::MetadataJSON(                              \
            ::tvm_ffi_hpy::FunctionSchemaJSON<std::decay_t<decltype(Callable)>>()));          \
      })
#define TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_DOC(ExportName, DocString)                          \
  TVM_FFI_HPY_DLL_EXPORT_PACKED_FUNC(                                                         \
      _doc_##ExportName, [](const ::tvm_ffi_hpy::AnyView*, int32_t, ::tvm_ffi_hpy::Any* rv) { \
        *rv = ::tvm_ffi_hpy::String(std::string(DocString));                                  \
      })
#else
#define TVM_FFI_HPY_DLL_EXPORT_METADATA_(ExportName, Callable)
#define TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_DOC(ExportName, DocString)
#endif

/* Exports `Callable` (a function or a lambda with TypeTraits-enabled argument
 * and return types) as the C symbol __tvm_ffi_<ExportName>.  Use it at
 * namespace scope, once per name and library; the trailing `;` is optional
 * (every export macro expands to complete definitions). */
#define TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(ExportName, Callable)                                  \
  TVM_FFI_HPY_DLL_EXPORT_METADATA_(ExportName, Callable)                                         \
  TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_IMPL_(ExportName, Callable)

#define TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_IMPL_(ExportName, Callable)                            \
  extern "C" TVM_FFI_DLL int __tvm_ffi_##ExportName(void* self, const TVMFFIAny* args,          \
                                                    int32_t num_args, TVMFFIAny* result) {      \
    (void)self;                                                                                  \
    static auto tvm_ffi_hpy_exported_fn = (Callable);                                           \
    static const std::string tvm_ffi_hpy_exported_name = #ExportName;                           \
    return ::tvm_ffi_hpy::details::ExportedTypedCall(tvm_ffi_hpy_exported_fn,                   \
                                                     tvm_ffi_hpy_exported_name, args, num_args, \
                                                     result);                                    \
  }

/* Same for a packed callable: void(const AnyView* args, int32_t num_args, Any* rv). */
#define TVM_FFI_HPY_DLL_EXPORT_PACKED_FUNC(ExportName, Callable)                                 \
  extern "C" TVM_FFI_DLL int __tvm_ffi_##ExportName(void* self, const TVMFFIAny* args,          \
                                                    int32_t num_args, TVMFFIAny* result) {      \
    (void)self;                                                                                  \
    static auto tvm_ffi_hpy_exported_fn = (Callable);                                           \
    return ::tvm_ffi_hpy::details::ExportedPackedCall(tvm_ffi_hpy_exported_fn, args, num_args,  \
                                                      result);                                   \
  }

#endif  // TVM_FFI_HPY_MODULE_H_
