/*
 * The one place where the structural algorithms (structural.cc, deep_copy.cc,
 * repr.cc) learn which objects are sequences and which are maps.
 *
 * Sequences: every type whose payload is a TVMFFISeqCell at offset 24
 * (c_api.h): kTVMFFIArray (immutable, printed as a tuple) and kTVMFFIList
 * (mutable, printed as a list).  Maps: kTVMFFIMap and kTVMFFIDict, with
 * MapObj's entry API (size/begin/end/Find/Set).
 *
 * Invariant the walks rely on: a container does not change while it is
 * walked.  Array and Map are immutable once shared (copy-on-write), and the
 * walk holds a reference to what it walks.  A List or Dict can be mutated
 * by a hook called during the walk (Python code): for them GetSeq and
 * VisitMap hand out an owned snapshot of the items.
 */
#ifndef TVM_FFI_HPY_SRC_CONTAINER_ACCESS_H_
#define TVM_FFI_HPY_SRC_CONTAINER_ACCESS_H_

#include <tvm_ffi_hpy/containers.h>

#include <vector>

namespace tvm_ffi_hpy {
namespace structural {

/* ---- sequences ---- */
inline bool IsSeqIndex(int32_t type_index) noexcept {
  return type_index == kTVMFFIArray || type_index == kTVMFFIList;
}
/* Whether a sequence type prints as a tuple (immutable) or a list. */
inline bool SeqIsMutable(int32_t type_index) noexcept {
  return type_index != kTVMFFIArray;
}

struct SeqView {
  const TVMFFIAny* data;
  int64_t size;
  std::vector<Any> snapshot;  // a List's items, owned: hooks may mutate it
};
/* The items of a sequence object: an Array's borrowed (it is immutable once
 * shared), a List's copied (a hook called by the walk may change it). */
inline SeqView GetSeq(const Object* obj) {
  const TVMFFISeqCell* cell = TVMFFISeqGetCellPtr(details::HeaderOf(obj));
  if (obj->type_index() != kTVMFFIList) return SeqView{cell->data, cell->size, {}};
  SeqView view{nullptr, cell->size, {}};
  view.snapshot.reserve(size_t(cell->size));
  for (int64_t i = 0; i < cell->size; ++i) {
    view.snapshot.push_back(Any(AnyView::FromRaw(cell->data[i])));
  }
  view.data = reinterpret_cast<const TVMFFIAny*>(view.snapshot.data());
  return view;
}

/* A new, empty sequence of the given type with room for `capacity` items,
 * and the way to append to it while it is being built (the builder holds
 * the only reference, or shares it only with objects made by the same
 * walk). */
inline ObjectPtr<Object> NewSeq(int32_t type_index, int64_t capacity) {
  if (type_index == kTVMFFIList) {
    ObjectPtr<ListObj> list = make_object<ListObj>();
    list->Reserve(capacity);
    return ObjectPtr<Object>(std::move(list));
  }
  return ObjectPtr<Object>(ArrayObj::Empty(capacity));
}
inline void SeqAppend(Object* seq, Any value) {
  if (seq->type_index() == kTVMFFIList) {
    static_cast<ListObj*>(seq)->PushBack(std::move(value));
  } else {
    static_cast<ArrayObj*>(seq)->PushBackUnchecked(std::move(value));
  }
}

/* ---- maps ---- */
inline bool IsMapIndex(int32_t type_index) noexcept {
  return type_index == kTVMFFIMap || type_index == kTVMFFIDict;
}
/* f(const MapObj-like&): size(), begin()/end() over pairs (first, second),
 * Find(key) -> const Any* or nullptr. */
template <typename F>
decltype(auto) VisitMap(const Object* obj, F&& f) {
  switch (obj->type_index()) {
    case kTVMFFIDict: {  // a snapshot: a hook called by the walk may change the Dict
      ObjectPtr<MapObj> snapshot = make_object<MapObj>();
      for (const auto& entry : *static_cast<const DictObj*>(obj)) {
        snapshot->Set(entry.first, entry.second);
      }
      return f(*static_cast<const MapObj*>(snapshot.get()));
    }
    default: return f(*static_cast<const MapObj*>(obj));
  }
}
inline ObjectPtr<Object> NewMap(int32_t type_index) {
  if (type_index == kTVMFFIDict) return ObjectPtr<Object>(make_object<DictObj>());
  return ObjectPtr<Object>(make_object<MapObj>());
}
inline void MapInsert(Object* map, const Any& key, Any value) {
  if (map->type_index() == kTVMFFIDict) {
    static_cast<DictObj*>(map)->Set(key, std::move(value));
  } else {
    static_cast<MapObj*>(map)->Set(key, std::move(value));
  }
}

}  // namespace structural
}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_SRC_CONTAINER_ACCESS_H_
