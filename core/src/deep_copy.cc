/*
 * ffi.DeepCopy(value): a copy that shares nothing mutable with the value
 * (C++: tvm_ffi_hpy::DeepCopy, structural.h).
 *
 * Rules:
 *  - Plain values are returned as they are; strings, bytes and Shapes are
 *    immutable and returned as they are (the same object), and so are enum
 *    variants (singletons).
 *  - A type with the "__ffi_deep_copy__" type attribute (its own, not an
 *    ancestor's) is copied by calling it: fn(value) -> copy.  The frontend
 *    uses it for opaque Python objects (copy.deepcopy).
 *  - Sequences and maps (container_access.h) become new containers of the
 *    same type whose items, keys and values are deep copies.
 *  - Other objects are copied with their type's "__ffi_shallow_copy__"
 *    (registered for every C++ type with a copy constructor, and for every
 *    py_class type), then each reflected field that holds an object is
 *    replaced by its deep copy, through the field's setter (read-only fields
 *    included).  A type without one is a RuntimeError ("... is not
 *    copy-constructible"): functions, tensors, errors, modules too.
 *  - Sharing and cycles: every object is copied once per call (a memo from
 *    the original to its copy), and a copy enters the memo before what it
 *    contains is copied, so an object reached again through its own
 *    contents gets its copy (`c.v_array[0] is c`), and a cycle through an
 *    Array or Map comes back to the new container.  A new container is
 *    filled in place while only this walk can reach it.
 */
#include <unordered_map>

#include <tvm_ffi_hpy/structural.h>

#include "enum_internal.h"
#include "structural_internal.h"

namespace tvm_ffi_hpy {
namespace structural {
namespace {

class Copier {
 public:
  Any Copy(const TVMFFIAny& raw) {
    AnyView view = AnyView::FromRaw(raw);
    if (!details::IsObjectIndex(raw.type_index) || details::IsStrIndex(raw.type_index) ||
        details::IsBytesIndex(raw.type_index) || raw.type_index == kTVMFFIShape ||
        EnumKindOf(raw.type_index) >= 0) {
      return Any(view);  // plain values, raw strings copied; immutable objects and enum
                         // variants (singletons) shared
    }
    const Object* obj = view.object();
    auto hit = memo_.find(obj);
    if (hit != memo_.end()) return hit->second.second;
    DepthGuard depth(&depth_);
    int32_t t = obj->type_index();
    Any own = TypeAttrOf(t, "__ffi_deep_copy__");
    if (!own.is_none()) {
      Any copy = own.cast<Function>()(view);
      Remember(view, copy);
      return copy;
    }
    if (IsSeqIndex(t)) {
      SeqView items = GetSeq(obj);
      ObjectPtr<Object> fresh = NewSeq(t, items.size);
      Object* out = fresh.get();
      Any result(ObjectRef(std::move(fresh)));
      Remember(view, result);
      for (int64_t i = 0; i < items.size; ++i) SeqAppend(out, Copy(items.data[i]));
      return result;
    }
    if (IsMapIndex(t)) {
      ObjectPtr<Object> fresh = NewMap(t);
      Object* out = fresh.get();
      Any result(ObjectRef(std::move(fresh)));
      Remember(view, result);
      VisitMap(obj, [&](const auto& m) {
        for (auto it = m.begin(); it != m.end(); ++it) {
          Any key = Copy(it->first.raw());
          MapInsert(out, key, Copy(it->second.raw()));
        }
      });
      return result;
    }
    return Reflected(view, t);
  }

 private:
  Any Reflected(const AnyView& view, int32_t t) {
    Any shallow = TypeAttrOf(t, "__ffi_shallow_copy__");
    if (shallow.is_none()) {
      TVM_FFI_HPY_THROW(RuntimeError) << "Cannot deep copy object of type \"" << TypeKeyOf(t)
                                      << "\" because it is not copy-constructible";
    }
    Any result = shallow.cast<Function>()(view);
    const Object* copy = result.object();
    if (copy == nullptr || copy->type_index() != t) {
      TVM_FFI_HPY_THROW(TypeError) << "__ffi_shallow_copy__ of " << TypeKeyOf(t)
                                   << " returned " << result.type_name();
    }
    Remember(view, result);
    Object* out = const_cast<Object*>(copy);
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {
      Any value = ReadField(out, f);
      const Object* inner = value.object();
      if (inner == nullptr) return;
      Any fresh = Copy(value.raw());
      if (fresh.object() != inner) WriteField(out, f, fresh);
    });
    return result;
  }

  void Remember(const AnyView& original, const Any& copy) {
    memo_[original.object()] = {Any(original), copy};
  }

  int depth_ = 0;
  /* original -> (original, its copy).  Invariant: the original is held, so
   * its address is not reused by another object during the walk (a hook may
   * make and drop objects). */
  std::unordered_map<const Object*, std::pair<Any, Any>> memo_;
};

/* ffi.ReplaceFields(obj, name, value, ...): a shallow copy of obj (its
 * type's __ffi_shallow_copy__) with the named fields set through their
 * setters, read-only fields included (Python's __replace__). */
void ReplaceFields(const AnyView* args, int32_t num_args, Any* rv) {
  const Object* obj = num_args >= 1 ? args[0].object() : nullptr;
  if (obj == nullptr || details::IsStrIndex(args[0].type_index()) ||
      details::IsBytesIndex(args[0].type_index())) {
    TVM_FFI_HPY_THROW(TypeError) << "ffi.ReplaceFields(obj, name, value, ...): obj must be an "
                                 << "object, got " << (num_args ? args[0].type_name() : "nothing");
  }
  if (num_args % 2 != 1) {
    TVM_FFI_HPY_THROW(TypeError) << "ffi.ReplaceFields takes name/value pairs after the object";
  }
  int32_t t = obj->type_index();
  Any shallow = TypeAttrOf(t, "__ffi_shallow_copy__");
  if (shallow.is_none()) {
    TVM_FFI_HPY_THROW(TypeError) << "Type `" << TypeKeyOf(t) << "` does not support copy. The "
                                 << "underlying C++ type is not copy-constructible.";
  }
  Any result = shallow.cast<Function>()(args[0]);
  Object* out = const_cast<Object*>(result.object());
  if (out == nullptr || out->type_index() != t) {
    TVM_FFI_HPY_THROW(TypeError) << "__ffi_shallow_copy__ of " << TypeKeyOf(t) << " returned "
                                 << result.type_name();
  }
  for (int32_t i = 1; i < num_args; i += 2) {
    std::optional<String> name = args[i].as<String>();
    if (!name) TVM_FFI_HPY_THROW(TypeError) << "ffi.ReplaceFields: field names must be str";
    const TVMFFIFieldInfo* found = nullptr;
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {  // the most derived field of that name
      if (details::ToStringView(f.name) == name->view()) found = &f;
    });
    if (found == nullptr) {
      TVM_FFI_HPY_THROW(TypeError) << TypeKeyOf(t) << " has no field '" << name->view() << "'";
    }
    WriteField(out, *found, Any(args[i + 1]));
  }
  *rv = std::move(result);
}

}  // namespace
}  // namespace structural

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::GlobalDef()
      .def("ffi.DeepCopy", [](AnyView v) { return structural::Copier().Copy(v.raw()); })
      .def_packed("ffi.ReplaceFields", &structural::ReplaceFields);
}

}  // namespace tvm_ffi_hpy
