/*
 * tvm_ffi_hpy/access_path.h -- AccessStep and AccessPath (apache tvm-ffi's
 * "ffi.reflection.AccessStep" / "ffi.reflection.AccessPath"): how to reach a
 * value inside another (obj.layer.weight[2]["k"]), for diagnostics such as
 * the first mismatch of a structural comparison.
 *
 * A path is an immutable chain: each node holds its parent, the step that
 * leads from the parent to it, and its depth (the root: no parent, no step,
 * depth 0).  Extending a path makes a new node and shares the parent.
 */
#ifndef TVM_FFI_HPY_ACCESS_PATH_H_
#define TVM_FFI_HPY_ACCESS_PATH_H_

#include <tvm_ffi_hpy/containers.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace tvm_ffi_hpy {

/* The kinds of step, numbered as apache tvm-ffi's AccessKind. */
enum class AccessKind : int64_t {
  kAttr = 0,              // key: the attribute name (str)
  kArrayItem = 1,         // key: the index (int)
  kMapItem = 2,           // key: the map key
  kAttrMissing = 3,       // the attribute exists on one side only
  kArrayItemMissing = 4,  // the index exists on one side only
  kMapItemMissing = 5,    // the key exists on one side only
};

class AccessStepObj : public Object {
 public:
  int64_t kind;  // an AccessKind
  Any key;

  AccessStepObj(AccessKind k, Any key) : kind(int64_t(k)), key(std::move(key)) {}
  /* Same kind and same key (keys compare as Map keys: numbers by value,
   * strings by content, objects by identity). */
  bool SameAs(const AccessStepObj& other) const noexcept {
    return kind == other.kind && details::AnyEqual(&key.raw(), &other.key.raw());
  }

  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("ffi.reflection.AccessStep", AccessStepObj, Object)
};

class AccessStep : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(AccessStep, ObjectRef, AccessStepObj)
  AccessStep(AccessKind kind, Any key)
      : AccessStep(make_object<AccessStepObj>(kind, std::move(key))) {}
};

class AccessPathObj : public Object {
 public:
  std::optional<ObjectRef> parent;  // an AccessPath; none at the root
  std::optional<AccessStep> step;   // none at the root
  int64_t depth = 0;

  AccessPathObj() = default;
  AccessPathObj(ObjectRef parent, AccessStep step, int64_t depth)
      : parent(std::move(parent)), step(std::move(step)), depth(depth) {}

  const AccessPathObj* parent_path() const noexcept {
    return parent ? static_cast<const AccessPathObj*>(parent->get()) : nullptr;
  }

  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("ffi.reflection.AccessPath", AccessPathObj, Object)
};

class AccessPath : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(AccessPath, ObjectRef, AccessPathObj)

  static AccessPath Root() { return AccessPath(make_object<AccessPathObj>()); }
  AccessPath Extend(AccessStep step) const {
    return AccessPath(make_object<AccessPathObj>(ObjectRef(*this), std::move(step),
                                                 get()->depth + 1));
  }
  AccessPath Attr(String name) const { return Extend(AccessStep(AccessKind::kAttr, Any(name))); }
  AccessPath ArrayItem(int64_t i) const {
    return Extend(AccessStep(AccessKind::kArrayItem, Any(i)));
  }
  AccessPath MapItem(Any key) const {
    return Extend(AccessStep(AccessKind::kMapItem, std::move(key)));
  }
  AccessPath AttrMissing(String name) const {
    return Extend(AccessStep(AccessKind::kAttrMissing, Any(name)));
  }
  AccessPath ArrayItemMissing(int64_t i) const {
    return Extend(AccessStep(AccessKind::kArrayItemMissing, Any(i)));
  }
  AccessPath MapItemMissing(Any key) const {
    return Extend(AccessStep(AccessKind::kMapItemMissing, std::move(key)));
  }

  /* The steps from the root down to this node. */
  std::vector<AccessStep> ToSteps() const {
    std::vector<AccessStep> steps;
    steps.reserve(size_t(get()->depth));
    for (const AccessPathObj* p = get(); p != nullptr && p->step; p = p->parent_path()) {
      steps.push_back(*p->step);
    }
    std::reverse(steps.begin(), steps.end());
    return steps;
  }
  /* Whether this path's steps begin `other`'s steps. */
  bool IsPrefixOf(const AccessPath& other) const noexcept {
    const AccessPathObj* o = other.get();
    while (o != nullptr && o->depth > get()->depth) o = o->parent_path();
    return o != nullptr && SameSteps(get(), o);
  }
  bool PathEqual(const AccessPath& other) const noexcept {
    return get()->depth == other.get()->depth && SameSteps(get(), other.get());
  }

 private:
  /* a and b at the same depth: every step alike. */
  static bool SameSteps(const AccessPathObj* a, const AccessPathObj* b) noexcept {
    for (; a != nullptr && b != nullptr; a = a->parent_path(), b = b->parent_path()) {
      if (a == b) return true;  // a shared prefix
      if (a->step.has_value() != b->step.has_value()) return false;
      if (a->step && !(*a->step)->SameAs(*(*b->step).get())) return false;
    }
    return a == nullptr && b == nullptr;
  }
};

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_ACCESS_PATH_H_
