/*
 * tvm_ffi_hpy/containers.h -- Array (of Any), Map (Any -> Any), Shape (int64).
 *
 * All three have value semantics over shared objects: mutating a reference
 * whose object is shared first copies it (copy-on-write), so an object that
 * was handed to someone else never changes under them.
 */
#ifndef TVM_FFI_HPY_CONTAINERS_H_
#define TVM_FFI_HPY_CONTAINERS_H_

#include <tvm_ffi_hpy/function.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace tvm_ffi_hpy {

/* ---------------------------------------------------------------------- */
/* Key semantics shared by Map and the core                                */
/* ---------------------------------------------------------------------- */
namespace details {

TVM_FFI_HPY_INLINE bool IsNumberIndex(int32_t i) noexcept {
  return i == kTVMFFIInt || i == kTVMFFIBool || i == kTVMFFIFloat;
}

/* An integral double that fits int64 is hashed and compared as that int. */
TVM_FFI_HPY_INLINE bool DoubleAsInt(double d, int64_t* out) noexcept {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::trunc(d)) {
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

TVM_FFI_HPY_INLINE uint64_t MixHash(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

/* Map key hash: numbers (int, bool, float, big ints) and None by value,
 * strings and bytes by content (every form of them alike), everything else
 * by address. */
inline uint64_t AnyHash(const TVMFFIAny* v) noexcept {
  int32_t t = v->type_index;
  if (t == kTVMFFINone) return 0x9e3779b97f4a7c15ULL;
  if (t == kTVMFFIInt || t == kTVMFFIBool) return MixHash(uint64_t(v->v_int64));
  if (t == kTVMFFIFloat) {
    int64_t as_int;
    if (DoubleAsInt(v->v_float64, &as_int)) return MixHash(uint64_t(as_int));
    return MixHash(v->v_uint64 ^ 0x5bd1e995ULL);
  }
  std::string_view content;
  if (GetByteContent(v, &content)) {
    uint64_t h = std::hash<std::string_view>()(content);
    return IsStrIndex(t) ? h : MixHash(h ^ 0x27d4eb2fULL);
  }
  if (t == kTVMFFIBigInt) {  // by value, like ints
    TVMFFIByteArray words = TVMFFIBigIntGetContentByteArray(v);
    return MixHash(std::hash<std::string_view>()(ToStringView(words)) ^ 0x85ebca6bULL);
  }
  return MixHash(v->v_uint64);
}

/* Map key equality, consistent with AnyHash (numbers compare numerically). */
inline bool AnyEqual(const TVMFFIAny* a, const TVMFFIAny* b) noexcept {
  int32_t ta = a->type_index, tb = b->type_index;
  if (IsNumberIndex(ta) && IsNumberIndex(tb)) {
    if (ta != kTVMFFIFloat && tb != kTVMFFIFloat) return a->v_int64 == b->v_int64;
    if (ta == kTVMFFIFloat && tb == kTVMFFIFloat) return a->v_float64 == b->v_float64;
    const TVMFFIAny* f = ta == kTVMFFIFloat ? a : b;
    const TVMFFIAny* i = ta == kTVMFFIFloat ? b : a;
    int64_t as_int;
    return DoubleAsInt(f->v_float64, &as_int) && as_int == i->v_int64;
  }
  bool a_str = IsStrIndex(ta), b_str = IsStrIndex(tb);
  bool a_bytes = IsBytesIndex(ta), b_bytes = IsBytesIndex(tb);
  if (a_str || a_bytes || b_str || b_bytes) {
    if (a_str != b_str || a_bytes != b_bytes) return false;
    std::string_view ca, cb;
    GetByteContent(a, &ca);
    GetByteContent(b, &cb);
    return ca == cb;
  }
  if (ta != tb) return false;
  if (ta == kTVMFFINone) return true;
  if (ta == kTVMFFIBigInt) {
    return ToStringView(TVMFFIBigIntGetContentByteArray(a)) ==
           ToStringView(TVMFFIBigIntGetContentByteArray(b));
  }
  return a->v_uint64 == b->v_uint64;
}

/* A short readable form of a value, for messages: 42, 'abc', None, ... */
inline std::string AnyRepr(const TVMFFIAny* v) {
  std::ostringstream os;
  std::string_view content;
  switch (v->type_index) {
    case kTVMFFINone: return "None";
    case kTVMFFIInt: return std::to_string(v->v_int64);
    case kTVMFFIBool: return v->v_int64 ? "True" : "False";
    case kTVMFFIFloat: os << v->v_float64; return os.str();
    default: break;
  }
  if (GetByteContent(v, &content)) {
    os << (IsBytesIndex(v->type_index) ? "b'" : "'") << content << "'";
    return os.str();
  }
  os << "<" << TypeIndexName(v->type_index) << " at " << v->v_ptr << ">";
  return os.str();
}

}  // namespace details

/* ---------------------------------------------------------------------- */
/* Array                                                                   */
/* ---------------------------------------------------------------------- */
class ArrayObj : public Object {
 public:
  /* ABI (offset 24): data points at `capacity` slots stored right after this
   * struct in the same block; slots [0, size) hold owned values, the rest
   * are None bits. */
  TVMFFISeqCell seq;

  ArrayObj() noexcept : seq{nullptr, 0, 0} {}
  ArrayObj(const ArrayObj&) = delete;
  ~ArrayObj() {
    for (int64_t i = 0; i < seq.size; ++i) Any::FromRawOwned(seq.data[i]);
  }

  int64_t size() const noexcept { return seq.size; }
  int64_t capacity() const noexcept { return seq.capacity; }
  const Any* begin() const noexcept { return reinterpret_cast<const Any*>(seq.data); }
  const Any* end() const noexcept { return begin() + seq.size; }
  /* IndexError "Array index out of range" outside [0, size). */
  const Any& at(int64_t i) const {
    if (TVM_FFI_HPY_UNLIKELY(i < 0 || i >= seq.size)) {
      throw Error("IndexError", "Array index out of range");
    }
    return begin()[i];
  }

  /* An empty array with room for `capacity` values. */
  static ObjectPtr<ArrayObj> Empty(int64_t capacity) {
    ObjectPtr<ArrayObj> arr = make_inplace_array_object<ArrayObj, TVMFFIAny>(size_t(capacity));
    arr->seq.data = reinterpret_cast<TVMFFIAny*>(arr.get() + 1);
    arr->seq.capacity = capacity;
    return arr;
  }
  /* Requires size < capacity. */
  void PushBackUnchecked(Any value) noexcept { seq.data[seq.size++] = value.release(); }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Array", ArrayObj, Object, kTVMFFIArray, true)
};

class Array : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Array, ObjectRef, ArrayObj)
  Array() : Array(ArrayObj::Empty(0)) {}
  Array(std::initializer_list<Any> items) : Array(ArrayObj::Empty(int64_t(items.size()))) {
    for (const Any& v : items) Mutable()->PushBackUnchecked(v);
  }
  template <typename It,
            typename = typename std::iterator_traits<It>::iterator_category>
  Array(It first, It last) : Array(ArrayObj::Empty(int64_t(std::distance(first, last)))) {
    for (; first != last; ++first) Mutable()->PushBackUnchecked(Any(*first));
  }
  explicit Array(const std::vector<Any>& items) : Array(items.begin(), items.end()) {}

  int64_t size() const noexcept { return get()->size(); }
  bool empty() const noexcept { return size() == 0; }
  const Any* begin() const noexcept { return get()->begin(); }
  const Any* end() const noexcept { return get()->end(); }
  const Any& operator[](int64_t i) const { return get()->at(i); }
  const Any& at(int64_t i) const { return get()->at(i); }

  void push_back(Any value) {
    ArrayObj* arr = CopyOnWrite(size() + 1);
    arr->PushBackUnchecked(std::move(value));
  }
  void Set(int64_t i, Any value) {
    get()->at(i);  // range check
    ArrayObj* arr = CopyOnWrite(size());
    Any::FromRawOwned(arr->seq.data[i]);  // drops the old value
    arr->seq.data[i] = value.release();
  }
  /* The object, made unique and with room for `min_capacity` values. */
  ArrayObj* CopyOnWrite(int64_t min_capacity) {
    ArrayObj* cur = Mutable();
    bool unique = data_.unique();
    if (unique && cur->seq.capacity >= min_capacity) return cur;
    int64_t capacity = std::max(min_capacity, cur->seq.size);
    if (capacity > cur->seq.capacity) capacity = std::max(capacity, cur->seq.capacity * 2);
    ObjectPtr<ArrayObj> fresh = ArrayObj::Empty(capacity);
    if (unique) {  // steal the values: no reference count traffic
      std::copy(cur->seq.data, cur->seq.data + cur->seq.size, fresh->seq.data);
      fresh->seq.size = cur->seq.size;
      cur->seq.size = 0;
    } else {
      for (const Any& v : *cur) fresh->PushBackUnchecked(v);
    }
    data_ = ObjectPtr<Object>(std::move(fresh));
    return Mutable();
  }

 private:
  ArrayObj* Mutable() const noexcept { return const_cast<ArrayObj*>(get()); }
};

/* ---------------------------------------------------------------------- */
/* Map                                                                     */
/* ---------------------------------------------------------------------- */
class MapObj : public Object {
 public:
  using Entry = std::pair<Any, Any>;

  MapObj() = default;
  MapObj(const MapObj&) = default;  // copies entries (new references); fresh header

  size_t size() const noexcept { return entries_.size(); }
  const Entry* begin() const noexcept { return entries_.data(); }
  const Entry* end() const noexcept { return entries_.data() + entries_.size(); }

  /* The value stored under `key`, or nullptr. */
  const Any* Find(const AnyView& key) const noexcept {
    int64_t pos = Position(key, details::AnyHash(&key.raw()));
    return pos < 0 ? nullptr : &entries_[size_t(pos)].second;
  }
  /* Inserts at the end, or replaces the value in place (order unchanged). */
  void Set(const AnyView& key, Any value) {
    uint64_t h = details::AnyHash(&key.raw());
    int64_t pos = Position(key, h);
    if (pos >= 0) {
      entries_[size_t(pos)].second = std::move(value);
      return;
    }
    entries_.emplace_back(Any(key), std::move(value));
    index_.emplace(h, entries_.size() - 1);
  }
  /* O(size): later entries shift down to keep the insertion order. */
  bool Erase(const AnyView& key) {
    int64_t pos = Position(key, details::AnyHash(&key.raw()));
    if (pos < 0) return false;
    entries_.erase(entries_.begin() + pos);
    index_.clear();
    for (size_t i = 0; i < entries_.size(); ++i) {
      index_.emplace(details::AnyHash(&entries_[i].first.raw()), i);
    }
    return true;
  }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Map", MapObj, Object, kTVMFFIMap, true)

 private:
  int64_t Position(const AnyView& key, uint64_t h) const noexcept {
    auto range = index_.equal_range(h);
    for (auto it = range.first; it != range.second; ++it) {
      if (details::AnyEqual(&entries_[it->second].first.raw(), &key.raw())) {
        return int64_t(it->second);
      }
    }
    return -1;
  }
  /* Invariants: entries_ holds the pairs in insertion order, keys unique
   * under AnyEqual and owned (never raw strings); index_ has exactly one
   * (AnyHash(key), position) item per entry. */
  std::vector<Entry> entries_;
  std::unordered_multimap<uint64_t, size_t> index_;
};

class Map : public ObjectRef {
 public:
  using Entry = MapObj::Entry;
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Map, ObjectRef, MapObj)
  Map() : Map(make_object<MapObj>()) {}
  Map(std::initializer_list<Entry> items) : Map() {
    for (const Entry& e : items) Mutable()->Set(e.first, e.second);
  }

  size_t size() const noexcept { return get()->size(); }
  bool empty() const noexcept { return size() == 0; }
  const Entry* begin() const noexcept { return get()->begin(); }
  const Entry* end() const noexcept { return get()->end(); }
  int64_t count(const AnyView& key) const noexcept { return get()->Find(key) ? 1 : 0; }
  std::optional<Any> Get(const AnyView& key) const {
    const Any* v = get()->Find(key);
    if (v == nullptr) return std::nullopt;
    return *v;
  }
  /* KeyError "key <repr> is not in the Map" when missing. */
  const Any& at(const AnyView& key) const {
    const Any* v = get()->Find(key);
    if (TVM_FFI_HPY_UNLIKELY(v == nullptr)) {
      throw Error("KeyError", "key " + details::AnyRepr(&key.raw()) + " is not in the Map");
    }
    return *v;
  }
  void Set(const AnyView& key, Any value) { CopyOnWrite()->Set(key, std::move(value)); }
  bool erase(const AnyView& key) {
    if (!count(key)) return false;
    return CopyOnWrite()->Erase(key);
  }
  MapObj* CopyOnWrite() {
    if (!data_.unique()) data_ = ObjectPtr<Object>(make_object<MapObj>(*get()));
    return Mutable();
  }

 private:
  MapObj* Mutable() const noexcept { return const_cast<MapObj*>(get()); }
};

/* ---------------------------------------------------------------------- */
/* Shape                                                                   */
/* ---------------------------------------------------------------------- */
class ShapeObj : public Object {
 public:
  /* ABI (offset 24): data points at `size` int64 stored right after this
   * struct in the same block; immutable after creation. */
  TVMFFIShapeCell cell;

  ShapeObj() noexcept : cell{nullptr, 0} {}
  static ObjectPtr<ShapeObj> Make(const int64_t* dims, size_t n) {
    ObjectPtr<ShapeObj> s = make_inplace_array_object<ShapeObj, int64_t>(n);
    int64_t* data = reinterpret_cast<int64_t*>(s.get() + 1);
    if (n != 0) std::memcpy(data, dims, n * sizeof(int64_t));
    s->cell = TVMFFIShapeCell{data, n};
    return s;
  }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Shape", ShapeObj, Object, kTVMFFIShape, true)
};

class Shape : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Shape, ObjectRef, ShapeObj)
  Shape() : Shape(ShapeObj::Make(nullptr, 0)) {}
  Shape(std::initializer_list<int64_t> dims) : Shape(ShapeObj::Make(dims.begin(), dims.size())) {}
  explicit Shape(const std::vector<int64_t>& dims) : Shape(ShapeObj::Make(dims.data(), dims.size())) {}

  size_t size() const noexcept { return get()->cell.size; }
  const int64_t* data() const noexcept { return get()->cell.data; }
  const int64_t* begin() const noexcept { return data(); }
  const int64_t* end() const noexcept { return data() + size(); }
  int64_t operator[](size_t i) const { return at(i); }
  /* IndexError "Shape index out of range". */
  int64_t at(size_t i) const {
    if (i >= size()) throw Error("IndexError", "Shape index out of range");
    return data()[i];
  }
  /* Product of the dimensions. */
  int64_t numel() const noexcept {
    int64_t n = 1;
    for (int64_t d : *this) n *= d;
    return n;
  }
};

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_CONTAINERS_H_
