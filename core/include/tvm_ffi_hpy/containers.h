/*
 * tvm_ffi_hpy/containers.h -- Array and List (of Any), Map and Dict
 * (Any -> Any, insertion-ordered), Shape (int64).
 *
 * Array, Map and Shape have value semantics over shared objects: mutating a
 * reference whose object is shared first copies it (copy-on-write), so an
 * object that was handed to someone else never changes under them.
 * List and Dict are their mutable twins, shared by reference: a mutation
 * through any holder is seen by every holder (no copy-on-write).  Like a
 * std::vector, they are not synchronised: threads that mutate one while
 * others read it need a lock of their own.  List has
 * Array's layout (a TVMFFISeqCell at offset 24) and Dict has Map's entry API
 * (size, begin/end, Find), so code that walks containers can treat
 * 71/75 as sequences and 72/76 as maps alike.
 */
#ifndef TVM_FFI_HPY_CONTAINERS_H_
#define TVM_FFI_HPY_CONTAINERS_H_

#include <tvm_ffi_hpy/function.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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

/* ffi.StructuralKey (core/src/structural_equal.cc): a value with its
 * StructuralHash, laid out as { header, Any key, int64_t hash_i64 }.  As a
 * Map key it hashes as that hash and equals another StructuralKey whose
 * value is structurally equal (ffi.StructuralKeyEqual).  Its type index is
 * dynamic: looked up by key until the core has registered it. */
struct StructuralKeyLayout {
  TVMFFIObject header;
  TVMFFIAny key;
  int64_t hash_i64;
};

inline int32_t StructuralKeyIndex() noexcept {
  static std::atomic<int32_t> cached{-1};
  int32_t index = cached.load(std::memory_order_relaxed);
  if (index >= 0) return index;
  static const char kKey[] = "ffi.StructuralKey";
  TVMFFIByteArray key{kKey, sizeof(kKey) - 1};
  if (TVMFFITypeKeyToIndex(&key, &index) != 0) {
    TVMFFIObjectHandle error = nullptr;
    TVMFFIErrorMoveFromRaised(&error);  // not registered yet
    if (error != nullptr) TVMFFIObjectDecRef(error);
    return -1;
  }
  cached.store(index, std::memory_order_relaxed);
  return index;
}

TVM_FFI_HPY_INLINE bool IsStructuralKey(int32_t t) noexcept {
  return t >= kTVMFFIDynObjectBegin && t == StructuralKeyIndex();
}

/* Two StructuralKey objects with equal hashes: their values structurally
 * equal.  Rule: a comparison that raises (only a type's __s_equal__ hook
 * can, the hashes having been computed) makes the keys unequal. */
inline bool StructuralKeysEqual(const TVMFFIAny* a, const TVMFFIAny* b) noexcept {
  try {
    static const Function* equal = new Function(Function::GetGlobalRequired("ffi.StructuralKeyEqual"));
    return (*equal)(AnyView::FromRaw(*a), AnyView::FromRaw(*b)).cast<bool>();
  } catch (...) {
    return false;
  }
}

/* Map key hash: numbers (int, bool, float, big ints) and None by value,
 * strings and bytes by content (every form of them alike), a StructuralKey
 * by its structural hash, everything else by address. */
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
  if (IsStructuralKey(t)) {
    return MixHash(uint64_t(reinterpret_cast<const StructuralKeyLayout*>(v->v_obj)->hash_i64));
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
  if (a->v_uint64 == b->v_uint64) return true;
  if (IsStructuralKey(ta)) {
    return reinterpret_cast<const StructuralKeyLayout*>(a->v_obj)->hash_i64 ==
               reinterpret_cast<const StructuralKeyLayout*>(b->v_obj)->hash_i64 &&
           StructuralKeysEqual(a, b);
  }
  return false;
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
namespace details {

/* The entries of a Map or Dict: key -> value pairs in insertion order, found
 * by AnyHash/AnyEqual.  A value or key dropped by Set/Erase/Clear is released
 * only once the table is consistent again (its release may run arbitrary
 * code, which may read this table). */
class OrderedAnyTable {
 public:
  using Entry = std::pair<Any, Any>;

  size_t size() const noexcept { return entries_.size(); }
  const Entry* begin() const noexcept { return entries_.data(); }
  const Entry* end() const noexcept { return entries_.data() + entries_.size(); }

  /* The value stored under `key`, or nullptr. */
  const Any* Find(const AnyView& key) const noexcept {
    int64_t pos = Position(key, AnyHash(&key.raw()));
    return pos < 0 ? nullptr : &entries_[size_t(pos)].second;
  }
  /* Inserts at the end, or replaces the value in place (order unchanged). */
  void Set(const AnyView& key, Any value) {
    uint64_t h = AnyHash(&key.raw());
    int64_t pos = Position(key, h);
    if (pos >= 0) {
      Any old = std::move(entries_[size_t(pos)].second);
      entries_[size_t(pos)].second = std::move(value);
      return;  // `old` is released here, the table already updated
    }
    entries_.emplace_back(Any(key), std::move(value));
    index_.emplace(h, entries_.size() - 1);
  }
  /* O(size): later entries shift down to keep the insertion order. */
  bool Erase(const AnyView& key) {
    int64_t pos = Position(key, AnyHash(&key.raw()));
    if (pos < 0) return false;
    Entry removed = std::move(entries_[size_t(pos)]);
    entries_.erase(entries_.begin() + pos);
    index_.clear();
    for (size_t i = 0; i < entries_.size(); ++i) {
      index_.emplace(AnyHash(&entries_[i].first.raw()), i);
    }
    return true;  // `removed` is released here
  }
  void Clear() noexcept {
    std::vector<Entry> removed;
    removed.swap(entries_);
    index_.clear();
  }

 private:
  int64_t Position(const AnyView& key, uint64_t h) const noexcept {
    auto range = index_.equal_range(h);
    for (auto it = range.first; it != range.second; ++it) {
      if (AnyEqual(&entries_[it->second].first.raw(), &key.raw())) {
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

}  // namespace details

class MapObj : public Object {
 public:
  using Entry = details::OrderedAnyTable::Entry;

  MapObj() = default;
  MapObj(const MapObj&) = default;  // copies entries (new references); fresh header

  size_t size() const noexcept { return table_.size(); }
  const Entry* begin() const noexcept { return table_.begin(); }
  const Entry* end() const noexcept { return table_.end(); }
  /* The value stored under `key`, or nullptr. */
  const Any* Find(const AnyView& key) const noexcept { return table_.Find(key); }
  /* Inserts at the end, or replaces the value in place (order unchanged). */
  void Set(const AnyView& key, Any value) { table_.Set(key, std::move(value)); }
  /* O(size): later entries shift down to keep the insertion order. */
  bool Erase(const AnyView& key) { return table_.Erase(key); }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Map", MapObj, Object, kTVMFFIMap, true)

 private:
  details::OrderedAnyTable table_;
};

namespace details {
/* The read side Map and Dict share (Ref is the derived reference; its get()
 * is the object, with size/begin/end/Find). */
template <typename Ref>
class KeyValueReader {
 public:
  size_t size() const noexcept { return obj()->size(); }
  bool empty() const noexcept { return size() == 0; }
  auto begin() const noexcept { return obj()->begin(); }
  auto end() const noexcept { return obj()->end(); }
  int64_t count(const AnyView& key) const noexcept { return obj()->Find(key) ? 1 : 0; }
  std::optional<Any> Get(const AnyView& key) const {
    const Any* v = obj()->Find(key);
    if (v == nullptr) return std::nullopt;
    return *v;
  }
  /* KeyError "key <repr> is not in the Map" (or Dict) when missing. */
  const Any& at(const AnyView& key) const {
    const Any* v = obj()->Find(key);
    if (TVM_FFI_HPY_UNLIKELY(v == nullptr)) {
      throw Error("KeyError", "key " + AnyRepr(&key.raw()) + " is not in the " +
                                  Ref::kContainerName);
    }
    return *v;
  }

 private:
  auto obj() const noexcept { return static_cast<const Ref*>(this)->get(); }
};
}  // namespace details

class Map : public ObjectRef, public details::KeyValueReader<Map> {
 public:
  static constexpr const char* kContainerName = "Map";
  using Entry = MapObj::Entry;
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Map, ObjectRef, MapObj)
  Map() : Map(make_object<MapObj>()) {}
  Map(std::initializer_list<Entry> items) : Map() {
    for (const Entry& e : items) Mutable()->Set(e.first, e.second);
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
/* List: a mutable Array, shared by reference                              */
/* ---------------------------------------------------------------------- */
class ListObj : public Object {
 public:
  /* ABI (offset 24, as ArrayObj): slots [0, size) at `data` hold owned
   * values.  `data` is a malloc'ed buffer of `capacity` slots apart from the
   * object (nullptr while capacity is 0); growing replaces it, so a pointer
   * into it is valid only until the next mutation.  Every mutation updates
   * the cell before it releases a dropped value (a release may run code that
   * reads or mutates this List). */
  TVMFFISeqCell seq;

  ListObj() noexcept : seq{nullptr, 0, 0} {}
  ListObj(const ListObj&) = delete;
  ~ListObj() { Clear(); }

  int64_t size() const noexcept { return seq.size; }
  int64_t capacity() const noexcept { return seq.capacity; }
  const Any* begin() const noexcept { return reinterpret_cast<const Any*>(seq.data); }
  const Any* end() const noexcept { return begin() + seq.size; }
  /* IndexError "List index out of range" outside [0, size). */
  const Any& at(int64_t i) const {
    CheckIndex(i, seq.size);
    return begin()[i];
  }

  /* Room for at least `n` values (grows geometrically). */
  void Reserve(int64_t n) {
    if (n <= seq.capacity) return;
    constexpr int64_t kMaxSlots = int64_t(PTRDIFF_MAX / sizeof(TVMFFIAny));
    if (TVM_FFI_HPY_UNLIKELY(n > kMaxSlots)) {
      TVM_FFI_HPY_THROW(ValueError) << "List capacity " << n << " is too large";
    }
    int64_t cap = std::max<int64_t>(n, std::max<int64_t>(4, std::min(kMaxSlots, seq.capacity * 2)));
    void* fresh = std::realloc(seq.data, size_t(cap) * sizeof(TVMFFIAny));
    if (fresh == nullptr) throw std::bad_alloc();
    seq.data = static_cast<TVMFFIAny*>(fresh);
    seq.capacity = cap;
  }
  void PushBack(Any value) {
    Reserve(seq.size + 1);
    seq.data[seq.size++] = value.release();
  }
  /* Before position i, 0 <= i <= size (IndexError otherwise). */
  void Insert(int64_t i, Any value) {
    CheckIndex(i, seq.size + 1);
    Reserve(seq.size + 1);
    std::memmove(seq.data + i + 1, seq.data + i, size_t(seq.size - i) * sizeof(TVMFFIAny));
    seq.data[i] = value.release();
    ++seq.size;
  }
  void Set(int64_t i, Any value) {
    CheckIndex(i, seq.size);
    Any old = Any::FromRawOwned(seq.data[i]);
    seq.data[i] = value.release();
  }
  /* Removes and returns item i. */
  Any Pop(int64_t i) {
    CheckIndex(i, seq.size);
    Any out = Any::FromRawOwned(seq.data[i]);
    std::memmove(seq.data + i, seq.data + i + 1, size_t(seq.size - i - 1) * sizeof(TVMFFIAny));
    --seq.size;
    return out;
  }
  /* Removes [first, last), 0 <= first <= last <= size (IndexError otherwise). */
  void EraseRange(int64_t first, int64_t last) { ReplaceRange(first, last, nullptr, 0); }
  /* Replaces [first, last) by `n` values copied from `items` (which may point
   * into this List: they are copied before anything moves). */
  void ReplaceRange(int64_t first, int64_t last, const Any* items, int64_t n) {
    if (TVM_FFI_HPY_UNLIKELY(first < 0 || last < first || last > seq.size)) {
      TVM_FFI_HPY_THROW(IndexError) << "List range [" << first << ", " << last
                                    << ") out of bounds for size " << seq.size;
    }
    std::vector<Any> incoming(items, items + n);
    std::vector<Any> removed;
    removed.reserve(size_t(last - first));
    int64_t new_size = seq.size - (last - first) + n;
    Reserve(new_size);
    for (int64_t i = first; i < last; ++i) removed.push_back(Any::FromRawOwned(seq.data[i]));
    std::memmove(seq.data + first + n, seq.data + last,
                 size_t(seq.size - last) * sizeof(TVMFFIAny));
    for (int64_t i = 0; i < n; ++i) seq.data[first + i] = incoming[size_t(i)].release();
    seq.size = new_size;
  }  // `removed` is released here, the cell already updated
  void Reverse() noexcept { std::reverse(seq.data, seq.data + seq.size); }
  /* Keeps no buffer: the old one is detached first, then its values released. */
  void Clear() noexcept {
    TVMFFIAny* old = seq.data;
    int64_t n = seq.size;
    seq = TVMFFISeqCell{nullptr, 0, 0};
    for (int64_t i = 0; i < n; ++i) Any::FromRawOwned(old[i]);
    std::free(old);
  }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.List", ListObj, Object, kTVMFFIList, true)

 private:
  static void CheckIndex(int64_t i, int64_t bound) {
    if (TVM_FFI_HPY_UNLIKELY(i < 0 || i >= bound)) {
      throw Error("IndexError", "List index out of range");
    }
  }
};

class List : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(List, ObjectRef, ListObj)
  List() : List(make_object<ListObj>()) {}
  List(std::initializer_list<Any> items) : List() {
    Mutable()->Reserve(int64_t(items.size()));
    for (const Any& v : items) Mutable()->PushBack(v);
  }
  template <typename It,
            typename = typename std::iterator_traits<It>::iterator_category>
  List(It first, It last) : List() {
    for (; first != last; ++first) Mutable()->PushBack(Any(*first));
  }
  explicit List(const std::vector<Any>& items) : List(items.begin(), items.end()) {}

  int64_t size() const noexcept { return get()->size(); }
  bool empty() const noexcept { return size() == 0; }
  const Any* begin() const noexcept { return get()->begin(); }
  const Any* end() const noexcept { return get()->end(); }
  const Any& operator[](int64_t i) const { return get()->at(i); }
  const Any& at(int64_t i) const { return get()->at(i); }

  /* Mutations act on the shared object: every holder sees them. */
  void push_back(Any value) const { Mutable()->PushBack(std::move(value)); }
  void insert(int64_t i, Any value) const { Mutable()->Insert(i, std::move(value)); }
  void Set(int64_t i, Any value) const { Mutable()->Set(i, std::move(value)); }
  Any pop(int64_t i) const { return Mutable()->Pop(i); }
  Any pop_back() const { return Mutable()->Pop(size() - 1); }
  void erase(int64_t i) const { Mutable()->Pop(i); }
  void erase(int64_t first, int64_t last) const { Mutable()->EraseRange(first, last); }
  void reserve(int64_t n) const { Mutable()->Reserve(n); }
  void reverse() const noexcept { Mutable()->Reverse(); }
  void clear() const noexcept { Mutable()->Clear(); }

 private:
  ListObj* Mutable() const noexcept { return const_cast<ListObj*>(get()); }
};

/* ---------------------------------------------------------------------- */
/* Dict: a mutable Map, shared by reference                                */
/* ---------------------------------------------------------------------- */
class DictObj : public Object {
 public:
  using Entry = details::OrderedAnyTable::Entry;

  DictObj() = default;
  DictObj(const DictObj&) = delete;

  size_t size() const noexcept { return table_.size(); }
  const Entry* begin() const noexcept { return table_.begin(); }
  const Entry* end() const noexcept { return table_.end(); }
  /* The value stored under `key`, or nullptr (valid until the next mutation). */
  const Any* Find(const AnyView& key) const noexcept { return table_.Find(key); }
  /* Inserts at the end, or replaces the value in place (order unchanged). */
  void Set(const AnyView& key, Any value) { table_.Set(key, std::move(value)); }
  /* O(size): later entries shift down to keep the insertion order. */
  bool Erase(const AnyView& key) { return table_.Erase(key); }
  void Clear() noexcept { table_.Clear(); }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Dict", DictObj, Object, kTVMFFIDict, true)

 private:
  details::OrderedAnyTable table_;
};

class Dict : public ObjectRef, public details::KeyValueReader<Dict> {
 public:
  static constexpr const char* kContainerName = "Dict";
  using Entry = DictObj::Entry;
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Dict, ObjectRef, DictObj)
  Dict() : Dict(make_object<DictObj>()) {}
  Dict(std::initializer_list<Entry> items) : Dict() {
    for (const Entry& e : items) Mutable()->Set(e.first, e.second);
  }

  /* Mutations act on the shared object: every holder sees them. */
  void Set(const AnyView& key, Any value) const { Mutable()->Set(key, std::move(value)); }
  bool erase(const AnyView& key) const { return Mutable()->Erase(key); }
  void clear() const noexcept { Mutable()->Clear(); }

 private:
  DictObj* Mutable() const noexcept { return const_cast<DictObj*>(get()); }
};

/* ---------------------------------------------------------------------- */
/* Conversions between twins                                               */
/* ---------------------------------------------------------------------- */
namespace details {

inline Array CopyAsTwin(const ListObj* src, Array*) { return Array(src->begin(), src->end()); }
inline List CopyAsTwin(const ArrayObj* src, List*) { return List(src->begin(), src->end()); }
inline Map CopyAsTwin(const DictObj* src, Map*) {
  ObjectPtr<MapObj> m = make_object<MapObj>();
  for (const auto& kv : *src) m->Set(kv.first, kv.second);
  return Map(std::move(m));
}
inline Dict CopyAsTwin(const MapObj* src, Dict*) {
  Dict d;
  for (const auto& kv : *src) d.Set(kv.first, kv.second);
  return d;
}

/* The TypeTraits of Array, List, Map and Dict: as any object reference,
 * and a value holding the twin (List for Array, Array for List, Dict for
 * Map, Map for Dict) converts too, copied into a new container of T (the
 * items are shared), as apache tvm-ffi's.  So a function taking an Array
 * accepts a List, and one taking a List accepts an Array (or a Python list,
 * which arrives as an Array). */
template <typename T, typename TwinObj>
struct TwinContainerTraits {
  using Container = typename T::ContainerType;
  static constexpr bool enabled = true;
  static void ToView(const T& v, TVMFFIAny* out) noexcept { SetObject(out, v.get()); }
  static void ToOwned(T v, TVMFFIAny* out) noexcept {
    SetObject(out, ObjectRefUnsafe::Data(v).release());
  }
  static std::optional<T> TryFrom(const TVMFFIAny* v) {
    if (v->type_index == Container::_type_index) {
      Object* obj = ObjectUnsafe::FromHeader(v->v_obj);
      return ObjectRefUnsafe::FromPtr<T>(ObjectPtr<Object>::NewRef(obj));
    }
    if (v->type_index == TwinObj::_type_index) {
      return CopyAsTwin(static_cast<const TwinObj*>(ObjectUnsafe::FromHeader(v->v_obj)),
                        static_cast<T*>(nullptr));
    }
    return std::nullopt;
  }
  static std::string TypeName() { return Container::_type_key; }
  static int32_t FieldTypeIndex() { return Container::_type_index; }
};

}  // namespace details

template <>
struct TypeTraits<Array> : details::TwinContainerTraits<Array, ListObj> {};
template <>
struct TypeTraits<List> : details::TwinContainerTraits<List, ArrayObj> {};
template <>
struct TypeTraits<Map> : details::TwinContainerTraits<Map, DictObj> {};
template <>
struct TypeTraits<Dict> : details::TwinContainerTraits<Dict, MapObj> {};

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
