/*
 * tvm_ffi_hpy/structural.h -- structural equality, ordering, hashing, deep
 * copy and printing of values (apache tvm-ffi's ffi.RecursiveEq, ...).
 *
 *   bool        RecursiveEq(a, b)        equal structure and values
 *   int         RecursiveCompare(a, b)   -1 / 0 / 1; TypeError for values
 *                                        that do not order (maps, NaN,
 *                                        different types), ValueError on a
 *                                        cycle
 *   int64_t     RecursiveHash(v)         consistent with RecursiveEq
 *   Any         DeepCopy(v)              new objects and containers, sharing
 *                                        and cycles kept; RuntimeError for a
 *                                        type that cannot be copied
 *   std::string ReprPrint(v)             e.g. testing.TestIntPair(a=1, b=2),
 *                                        (1, 2) for an Array, {"k": 1} for a Map
 *
 * The rules are written next to the code: core/src/structural.cc (eq, order,
 * hash), core/src/deep_copy.cc, core/src/repr.cc.  Per-type behaviour comes
 * from reflected fields (flags CompareOff, HashOff, ReprOff of c_api.h) and
 * from type attributes (TVMFFITypeRegisterAttr): "__ffi_eq__"(self, other,
 * fn_eq) -> bool, "__ffi_compare__"(self, other, fn_cmp) -> int,
 * "__ffi_hash__"(self, fn_hash) -> int, "__ffi_repr__"(self, fn_repr) -> str
 * (these four are inherited by subtypes), "__ffi_shallow_copy__"(self) ->
 * new object and "__ffi_deep_copy__"(self) -> value (the type's own only).
 *
 * These functions live in the core library, which exports only the C ABI:
 * they call the global functions "ffi.RecursiveEq", ... by name.
 */
#ifndef TVM_FFI_HPY_STRUCTURAL_H_
#define TVM_FFI_HPY_STRUCTURAL_H_

#include <tvm_ffi_hpy/function.h>

#include <string>

namespace tvm_ffi_hpy {

namespace details {
/* The global function `name`, looked up once and kept for the process. */
inline const Function& StructuralGlobal(const char* name) {
  return *new Function(Function::GetGlobalRequired(name));
}
}  // namespace details

inline bool RecursiveEq(const AnyView& a, const AnyView& b) {
  static const Function& f = details::StructuralGlobal("ffi.RecursiveEq");
  return f(a, b).cast<bool>();
}
inline int RecursiveCompare(const AnyView& a, const AnyView& b) {
  static const Function& f = details::StructuralGlobal("ffi.RecursiveCompare");
  return int(f(a, b).cast<int64_t>());
}
inline int64_t RecursiveHash(const AnyView& v) {
  static const Function& f = details::StructuralGlobal("ffi.RecursiveHash");
  return f(v).cast<int64_t>();
}
inline Any DeepCopy(const AnyView& v) {
  static const Function& f = details::StructuralGlobal("ffi.DeepCopy");
  return f(v);
}
inline std::string ReprPrint(const AnyView& v) {
  static const Function& f = details::StructuralGlobal("ffi.ReprPrint");
  return std::string(f(v).cast<String>().view());
}

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_STRUCTURAL_H_
