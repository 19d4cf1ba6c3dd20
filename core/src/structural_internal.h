/*
 * What the structural algorithms share: reading reflected fields, finding
 * the per-type hooks (type attributes), the depth limit, and the closure
 * handed to a hook so it can recurse (structural.cc, deep_copy.cc, repr.cc).
 */
#ifndef TVM_FFI_HPY_SRC_STRUCTURAL_INTERNAL_H_
#define TVM_FFI_HPY_SRC_STRUCTURAL_INTERNAL_H_

#include <atomic>
#include <memory>
#include <string_view>

#include "container_access.h"
#include "internal.h"

namespace tvm_ffi_hpy {
namespace structural {

/* Nesting deeper than WalkDepthGuard::kMaxDepth, or close to the end of the
 * thread's stack, raises RecursionError (internal.h). */
constexpr int kMaxDepth = WalkDepthGuard::kMaxDepth;
using DepthGuard = WalkDepthGuard;

/* The column of type attribute `name`, or nullptr while none is registered.
 * A column, once made, lives (at the same address) for the process: the few
 * names asked here are looked up by name until they exist, then never again. */
inline const TVMFFITypeAttrColumn* CachedColumn(std::string_view name) {
  static constexpr size_t kSlots = 8;
  static std::atomic<const TVMFFITypeAttrColumn*> columns[kSlots];
  static std::string_view names[kSlots] = {"__ffi_eq__",           "__ffi_compare__",
                                           "__ffi_hash__",         "__ffi_repr__",
                                           "__ffi_shallow_copy__", "__ffi_deep_copy__"};
  for (size_t i = 0; i < kSlots && !names[i].empty(); ++i) {
    if (names[i] != name) continue;
    const TVMFFITypeAttrColumn* col = columns[i].load(std::memory_order_acquire);
    if (col == nullptr) {
      TVMFFIByteArray key = details::ToByteArray(name);
      col = TVMFFIGetTypeAttrColumn(&key);
      if (col != nullptr) columns[i].store(col, std::memory_order_release);
    }
    return col;
  }
  TVMFFIByteArray key = details::ToByteArray(name);
  return TVMFFIGetTypeAttrColumn(&key);
}

/* The value of type attribute `name` for exactly `type_index` (None when
 * unset). */
inline Any TypeAttrOf(int32_t type_index, std::string_view name) {
  const TVMFFITypeAttrColumn* col = CachedColumn(name);
  if (col == nullptr || type_index < col->begin_index ||
      type_index >= col->begin_index + col->size) {
    return Any();
  }
  return Any(AnyView::FromRaw(col->data[type_index - col->begin_index]));
}

/* The hook `name` of the object's type, or of its nearest ancestor that has
 * one (a Python subclass inherits its parent's methods; so do hooks). */
inline Any FindHook(int32_t type_index, std::string_view name) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info == nullptr) return Any();
  Any own = TypeAttrOf(type_index, name);
  if (!own.is_none()) return own;
  for (int32_t d = info->type_depth - 1; d >= 1; --d) {  // depth 0 is ffi.Object
    Any up = TypeAttrOf(info->type_ancestors[d]->type_index, name);
    if (!up.is_none()) return up;
  }
  return Any();
}

/* Calls f(const TVMFFIFieldInfo&) for every reflected field of the type,
 * ancestors' first. */
template <typename F>
void ForEachField(int32_t type_index, F&& f) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info == nullptr) return;
  for (int32_t d = 0; d <= info->type_depth; ++d) {
    const TVMFFITypeInfo* t = d < info->type_depth ? info->type_ancestors[d] : info;
    for (int32_t i = 0; i < t->num_fields; ++i) f(t->fields[i]);
  }
}

inline Any ReadField(const Object* obj, const TVMFFIFieldInfo& field) {
  TVMFFIAny out = details::NoneAny();
  void* addr = reinterpret_cast<char*>(const_cast<Object*>(obj)) + field.offset;
  if (field.getter(addr, &out) != 0) details::ThrowRaised();
  return Any::FromRawOwned(out);
}

inline void WriteField(Object* obj, const TVMFFIFieldInfo& field, const Any& value) {
  void* addr = reinterpret_cast<char*>(obj) + field.offset;
  if (field.setter(addr, &value.raw()) != 0) details::ThrowRaised();
}

inline std::string TypeKeyOf(int32_t type_index) { return details::TypeIndexName(type_index); }

/* What every structural hash here is built from (RecursiveHash in
 * structural.cc, StructuralHash in structural_equal.cc):
 *  - Fmix, the 64-bit finalizer of MurmurHash3: a full mix, used once per
 *    object type key and for pointers, never per element;
 *  - Combine, a running hash taking one more value: one multiply on the
 *    dependency chain (rotate, xor, multiply, fold the high half down).  It
 *    is order-sensitive (Combine(Combine(t, a), b) differs from the swapped
 *    chain) and not symmetric (Combine(a, b) != Combine(b, a)), which the
 *    order-free map sums need.  It is on every element's path: a full Fmix
 *    of both inputs here took half of a StructuralHash of a small tree;
 *  - TagOf, the seed for a value of type index t (a multiply, no mix). */
inline uint64_t Fmix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
inline uint64_t Combine(uint64_t h, uint64_t v) {
  uint64_t x = (((h << 5) | (h >> 59)) ^ v) * 0x9e3779b97f4a7c15ULL;
  return x ^ (x >> 32);
}
inline uint64_t TagOf(int32_t t) { return (uint64_t(uint32_t(t)) + 0x84222325ULL) * 0xff51afd7ed558ccdULL; }

/* A Function handed to a hook (fn_eq, fn_hash, fn_cmp, fn_repr) that
 * continues the walk the hook was called from.  It holds the walk through a
 * shared cell that the walk clears when the hook returns, so a hook that
 * keeps the function and calls it later gets an error, not a dangling
 * pointer. */
template <typename Walker>
struct HookScope {
  std::shared_ptr<Walker*> cell;
  explicit HookScope(Walker* w) : cell(std::make_shared<Walker*>(w)) {}
  ~HookScope() { *cell = nullptr; }
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;

  static Walker* Get(const std::shared_ptr<Walker*>& cell, const char* what) {
    if (*cell == nullptr) {
      TVM_FFI_HPY_THROW(RuntimeError) << what << " was called after the hook it was given to "
                                      << "returned";
    }
    return *cell;
  }
};

}  // namespace structural
}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_SRC_STRUCTURAL_INTERNAL_H_
