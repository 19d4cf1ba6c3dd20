/*
 * The one place where the structural algorithms (structural.cc, deep_copy.cc,
 * repr.cc) learn which objects are sequences and which are maps.
 *
 * Sequences: every type whose payload is a TVMFFISeqCell at offset 24
 * (c_api.h): kTVMFFIArray (immutable, printed as a tuple).  Maps: every type
 * with MapObj's entry API (size/begin/end/Find/Set): kTVMFFIMap.
 *
 * The mutable List (type index 75) and Dict (76) share these layouts; when
 * they land, supporting them in every algorithm is: add their index to
 * IsSeqIndex / IsMapIndex, a `case` to VisitMap, and their constructors to
 * NewSeq / NewMap below (nothing else in the three .cc files changes).
 *
 * Invariant the walks rely on: a container does not change while it is
 * walked.  Array and Map are immutable once shared (copy-on-write), and the
 * walk holds a reference to what it walks.  A List or Dict can be mutated
 * by a hook called during the walk (Python code): for them GetSeq's view
 * must be re-read per item (take an owned copy of the item before
 * recursing) and VisitMap must hand out a snapshot of the entries.
 */
#ifndef TVM_FFI_HPY_SRC_CONTAINER_ACCESS_H_
#define TVM_FFI_HPY_SRC_CONTAINER_ACCESS_H_

#include <tvm_ffi_hpy/containers.h>

namespace tvm_ffi_hpy {
namespace structural {

/* ---- sequences ---- */
inline bool IsSeqIndex(int32_t type_index) noexcept {
  return type_index == kTVMFFIArray;  // List (75): `|| type_index == kTVMFFIList`
}
/* Whether a sequence type prints as a tuple (immutable) or a list. */
inline bool SeqIsMutable(int32_t type_index) noexcept {
  return type_index != kTVMFFIArray;
}

struct SeqView {
  const TVMFFIAny* data;
  int64_t size;
};
/* The items of a sequence object (borrowed; valid while the object is not
 * mutated). */
inline SeqView GetSeq(const Object* obj) noexcept {
  const TVMFFISeqCell* cell = TVMFFISeqGetCellPtr(details::HeaderOf(obj));
  return SeqView{cell->data, cell->size};
}

/* A new, empty sequence of the given type with room for `capacity` items,
 * and the way to append to it while it is being built (the builder holds
 * the only reference, or shares it only with objects made by the same
 * walk). */
inline ObjectPtr<Object> NewSeq(int32_t type_index, int64_t capacity) {
  // List (75): make the ListObj here.
  (void)type_index;
  return ObjectPtr<Object>(ArrayObj::Empty(capacity));
}
inline void SeqAppend(Object* seq, Any value) {
  // List (75): same cell; its own push_back when its capacity can grow.
  static_cast<ArrayObj*>(seq)->PushBackUnchecked(std::move(value));
}

/* ---- maps ---- */
inline bool IsMapIndex(int32_t type_index) noexcept {
  return type_index == kTVMFFIMap;  // Dict (76): `|| type_index == kTVMFFIDict`
}
/* f(const MapObj-like&): size(), begin()/end() over pairs (first, second),
 * Find(key) -> const Any* or nullptr. */
template <typename F>
decltype(auto) VisitMap(const Object* obj, F&& f) {
  switch (obj->type_index()) {
    // case kTVMFFIDict: return f(*static_cast<const DictObj*>(obj));
    default: return f(*static_cast<const MapObj*>(obj));
  }
}
inline ObjectPtr<Object> NewMap(int32_t type_index) {
  // Dict (76): make the DictObj here.
  (void)type_index;
  return ObjectPtr<Object>(make_object<MapObj>());
}
inline void MapInsert(Object* map, const Any& key, Any value) {
  // Dict (76): the same Set.
  static_cast<MapObj*>(map)->Set(key, std::move(value));
}

}  // namespace structural
}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_SRC_CONTAINER_ACCESS_H_
