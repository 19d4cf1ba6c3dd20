/*
 * tvm_ffi_hpy/object.h -- Object (the 24-byte header), ObjectPtr, ObjectRef,
 * WeakObjectPtr, make_object and the type declaration macros.
 *
 * Rules every C++ object type follows:
 *  - it derives (single, non-virtual inheritance, no virtual functions) from
 *    Object, so the TVMFFIObject header sits at offset 0;
 *  - its alignment is at most 8 (the allocator contract);
 *  - it declares its type with one of the TVM_FFI_HPY_DECLARE_*_OBJECT_INFO
 *    macros; the runtime index is allocated lazily, on first use;
 *  - it is created with make_object / make_inplace_array_object only, which
 *    go through the installed allocator and set type_index and deleter.
 */
#ifndef TVM_FFI_HPY_OBJECT_H_
#define TVM_FFI_HPY_OBJECT_H_

#include <tvm_ffi_hpy/base.h>

#include <new>

namespace tvm_ffi_hpy {
namespace details {

/* The live-object counter behind TVMFFIGetLiveObjectCount (c_api.h). */
TVM_FFI_HPY_INLINE void LiveObjectCountAdd(int64_t delta) noexcept {
  TVMFFILiveObjectCountAdd(delta);
}
/* Throws the error waiting in this thread's slot (defined in error.h). */
[[noreturn]] void ThrowRaised();

/* Report a 1->2 or 2->1 change of the strong count to the hook installed
 * with TVMFFISetRefTransitionHook (if the object is the hook owner's).  Only
 * reached on those two transitions, off the fast path. */
TVM_FFI_HPY_INLINE void RefCountTransition(TVMFFIObject* obj, uint32_t new_strong) noexcept {
  TVMFFIObjectRefTransition(obj, new_strong);
}

/* Destruction without deep recursion (object.cc).  Destroying an object
 * releases what it holds, which may destroy more objects: a chain of a
 * million nested Arrays would recurse a million frames deep and overflow the
 * C stack.  So a thread runs at most kMaxNestedDestroy destructions inside
 * one another; a deeper one is queued (a weak reference keeps its memory)
 * and run, in a loop, by the thread's outermost destruction once its own
 * destructor has returned.  Shallow graphs are destroyed exactly as before,
 * depth first.  BeginDestroy returns false when `obj` was queued: the
 * deleter must then return at once.  Every BeginDestroy that returns true is
 * paired with one EndDestroy after the destructor. */
constexpr uint32_t kMaxNestedDestroy = 128;
TVM_FFI_HPY_INLINE bool BeginDestroy(TVMFFIObject* obj, int flags) noexcept {
  return TVMFFIObjectBeginDestroy(obj, flags) != 0;
}
TVM_FFI_HPY_INLINE void EndDestroy() noexcept { TVMFFIObjectEndDestroy(); }

/* combined_ref_count: strong count in the low 32 bits, weak count in the
 * high 32 bits; all strong references together hold one weak reference. */
constexpr uint64_t kStrongOne = 1;
constexpr uint64_t kWeakOne = uint64_t(1) << 32;
constexpr uint64_t kFreshRefCount = kStrongOne | kWeakOne;
constexpr uint64_t kStrongMask = 0xffffffffu;

TVM_FFI_HPY_INLINE void IncRef(TVMFFIObject* obj) noexcept {
  uint64_t prev = __atomic_fetch_add(&obj->combined_ref_count, kStrongOne, __ATOMIC_RELAXED);
  if (__builtin_expect((prev & kStrongMask) == 1, 0)) RefCountTransition(obj, 2);
}

TVM_FFI_HPY_INLINE void DecWeak(TVMFFIObject* obj) noexcept {
  uint64_t prev = __atomic_fetch_sub(&obj->combined_ref_count, kWeakOne, __ATOMIC_ACQ_REL);
  if ((prev >> 32) == 1) obj->deleter(obj, kTVMFFIObjectDeleterFlagBitMaskWeak);
}

TVM_FFI_HPY_INLINE void DecRef(TVMFFIObject* obj) noexcept {
  // Fast path: the only strong reference and no weak one.  Nobody else can
  // reach the object, so no other thread can race with us.
  if (__atomic_load_n(&obj->combined_ref_count, __ATOMIC_ACQUIRE) == kFreshRefCount) {
    obj->deleter(obj, kTVMFFIObjectDeleterFlagBitMaskBoth);
    return;
  }
  uint64_t prev = __atomic_fetch_sub(&obj->combined_ref_count, kStrongOne, __ATOMIC_ACQ_REL);
  if ((prev & kStrongMask) == 1) {
    obj->deleter(obj, kTVMFFIObjectDeleterFlagBitMaskStrong);
    DecWeak(obj);  // the implicit weak reference of the strong ones
  } else if (__builtin_expect((prev & kStrongMask) == 2, 0)) {
    RefCountTransition(obj, 1);
  }
}

TVM_FFI_HPY_INLINE void IncWeak(TVMFFIObject* obj) noexcept {
  __atomic_fetch_add(&obj->combined_ref_count, kWeakOne, __ATOMIC_RELAXED);
}

/* Adds a strong reference if the object is still alive. */
TVM_FFI_HPY_INLINE bool TryPromoteWeak(TVMFFIObject* obj) noexcept {
  uint64_t count = __atomic_load_n(&obj->combined_ref_count, __ATOMIC_RELAXED);
  do {
    if ((count & kStrongMask) == 0) return false;
  } while (!__atomic_compare_exchange_n(&obj->combined_ref_count, &count, count + kStrongOne,
                                        /*weak=*/true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if ((count & kStrongMask) == 1) RefCountTransition(obj, 2);
  return true;
}

struct ObjectUnsafe;
struct ObjectRefUnsafe;

}  // namespace details

/* The base of every object: exactly the 24-byte TVMFFIObject header. */
class Object {
 public:
  static constexpr const char* _type_key = "ffi.Object";
  static constexpr int32_t _type_depth = 0;
  static constexpr bool _type_final = false;
  static constexpr int32_t _type_child_slots = 0;
  static int32_t RuntimeTypeIndex() noexcept { return kTVMFFIObject; }

  Object() noexcept { InitHeader(); }
  // The header is identity, never value: copies start with a fresh header.
  Object(const Object&) noexcept { InitHeader(); }
  Object& operator=(const Object&) noexcept { return *this; }

  int32_t type_index() const noexcept { return header_.type_index; }
  /* The registered type key ("ffi.Array", ...). */
  std::string_view type_key() const noexcept {
    const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(header_.type_index);
    return info ? details::ToStringView(info->type_key) : std::string_view("<unknown>");
  }
  uint32_t use_count() const noexcept {
    return uint32_t(__atomic_load_n(&header_.combined_ref_count, __ATOMIC_RELAXED) &
                    details::kStrongMask);
  }
  uint32_t weak_use_count() const noexcept {
    return uint32_t(__atomic_load_n(&header_.combined_ref_count, __ATOMIC_RELAXED) >> 32);
  }

 protected:
  TVMFFIObject header_;

 private:
  void InitHeader() noexcept {
    header_.combined_ref_count = details::kFreshRefCount;
    header_.type_index = kTVMFFIObject;
    header_.__padding = 0;
    header_.deleter = nullptr;
  }
  friend struct details::ObjectUnsafe;
};
static_assert(sizeof(Object) == sizeof(TVMFFIObject), "Object must be exactly the header");
static_assert(std::is_standard_layout_v<Object>, "the header must sit at offset 0");

namespace details {
/* The one place that converts between Object* and the C header. */
struct ObjectUnsafe {
  static TVMFFIObject* Header(const Object* obj) noexcept {
    return const_cast<TVMFFIObject*>(&obj->header_);
  }
  static Object* FromHeader(const void* handle) noexcept {
    return reinterpret_cast<Object*>(const_cast<void*>(handle));
  }
};
TVM_FFI_HPY_INLINE TVMFFIObject* HeaderOf(const Object* obj) noexcept {
  return ObjectUnsafe::Header(obj);
}
}  // namespace details

/* An owning pointer to an object of type T (intrusive strong reference). */
template <typename T>
class ObjectPtr {
 public:
  ObjectPtr() noexcept = default;
  ObjectPtr(std::nullptr_t) noexcept {}  // NOLINT(*-explicit-*)
  ObjectPtr(const ObjectPtr& other) noexcept : ptr_(other.ptr_) { IncIfSet(); }
  ObjectPtr(ObjectPtr&& other) noexcept : ptr_(other.ptr_) { other.ptr_ = nullptr; }
  template <typename U, typename = std::enable_if_t<std::is_base_of_v<T, U>>>
  ObjectPtr(const ObjectPtr<U>& other) noexcept : ptr_(other.get()) {  // NOLINT
    IncIfSet();
  }
  template <typename U, typename = std::enable_if_t<std::is_base_of_v<T, U>>>
  ObjectPtr(ObjectPtr<U>&& other) noexcept : ptr_(other.release()) {}  // NOLINT
  ~ObjectPtr() { reset(); }

  ObjectPtr& operator=(ObjectPtr other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }

  /* Adopts a reference the caller already owns. */
  static ObjectPtr Steal(T* ptr) noexcept {
    ObjectPtr p;
    p.ptr_ = ptr;
    return p;
  }
  /* Takes a new reference. */
  static ObjectPtr NewRef(T* ptr) noexcept {
    ObjectPtr p;
    p.ptr_ = ptr;
    p.IncIfSet();
    return p;
  }

  T* get() const noexcept { return ptr_; }
  T* operator->() const noexcept { return ptr_; }
  T& operator*() const noexcept { return *ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }
  bool operator==(const ObjectPtr& o) const noexcept { return ptr_ == o.ptr_; }
  bool operator!=(const ObjectPtr& o) const noexcept { return ptr_ != o.ptr_; }
  bool operator==(std::nullptr_t) const noexcept { return ptr_ == nullptr; }
  bool operator!=(std::nullptr_t) const noexcept { return ptr_ != nullptr; }

  uint32_t use_count() const noexcept { return ptr_ ? ptr_->use_count() : 0; }
  bool unique() const noexcept { return use_count() == 1; }

  /* Gives the reference away; the caller now owns it. */
  T* release() noexcept {
    T* p = ptr_;
    ptr_ = nullptr;
    return p;
  }
  void reset() noexcept {
    if (ptr_ != nullptr) {
      details::DecRef(details::HeaderOf(ptr_));
      ptr_ = nullptr;
    }
  }

 private:
  void IncIfSet() noexcept {
    if (ptr_ != nullptr) details::IncRef(details::HeaderOf(ptr_));
  }
  T* ptr_ = nullptr;
};

/* A weak reference: keeps the memory, not the value, alive. */
template <typename T>
class WeakObjectPtr {
 public:
  WeakObjectPtr() noexcept = default;
  explicit WeakObjectPtr(const ObjectPtr<T>& strong) noexcept : ptr_(strong.get()) {
    if (ptr_) details::IncWeak(details::HeaderOf(ptr_));
  }
  WeakObjectPtr(const WeakObjectPtr& o) noexcept : ptr_(o.ptr_) {
    if (ptr_) details::IncWeak(details::HeaderOf(ptr_));
  }
  WeakObjectPtr(WeakObjectPtr&& o) noexcept : ptr_(o.ptr_) { o.ptr_ = nullptr; }
  WeakObjectPtr& operator=(WeakObjectPtr o) noexcept {
    std::swap(ptr_, o.ptr_);
    return *this;
  }
  ~WeakObjectPtr() { reset(); }

  /* A strong reference, or null when the object already died. */
  ObjectPtr<T> lock() const noexcept {
    if (ptr_ && details::TryPromoteWeak(details::HeaderOf(ptr_))) {
      return ObjectPtr<T>::Steal(ptr_);
    }
    return ObjectPtr<T>();
  }
  bool expired() const noexcept { return ptr_ == nullptr || ptr_->use_count() == 0; }
  void reset() noexcept {
    if (ptr_) details::DecWeak(details::HeaderOf(ptr_));
    ptr_ = nullptr;
  }

 private:
  T* ptr_ = nullptr;
};

/* O(1) subtype test through the ancestor table of the object's type. */
template <typename T>
inline bool IsInstance(const Object* obj) noexcept {
  if constexpr (std::is_same_v<T, Object>) {
    return true;
  } else {
    int32_t have = obj->type_index();
    int32_t want = T::RuntimeTypeIndex();
    if (have == want) return true;
    if constexpr (T::_type_final) {
      return false;
    } else {
      const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(have);
      return info != nullptr && info->type_depth > T::_type_depth &&
             info->type_ancestors[T::_type_depth]->type_index == want;
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Allocation                                                              */
/* ---------------------------------------------------------------------- */
namespace details {

inline void* AllocObjectSpace(size_t size) {
  const TVMFFICustomAllocator* alloc = TVMFFIGetCustomAllocator();
  void* mem = alloc->allocate(alloc->ctx, size);
  if (mem == nullptr) throw std::bad_alloc();
  return mem;
}

/* Frees an object's block through the allocator that made it. */
TVM_FFI_HPY_INLINE void FreeObjectSpace(void* obj) noexcept {
  TVMFFICustomAllocHeader* header = static_cast<TVMFFICustomAllocHeader*>(obj) - 1;
  header->delete_space(header);
}

template <typename T>
void ObjectDeleter(void* self, int flags) {
  if (flags & kTVMFFIObjectDeleterFlagBitMaskStrong) {
    if (!BeginDestroy(static_cast<TVMFFIObject*>(self), flags)) return;  // queued
    static_cast<T*>(ObjectUnsafe::FromHeader(self))->~T();
    LiveObjectCountAdd(-1);
    EndDestroy();
  }
  if (flags & kTVMFFIObjectDeleterFlagBitMaskWeak) FreeObjectSpace(self);
}

/* Allocates `bytes` (>= sizeof(T)) and constructs a T at the front. */
template <typename T, typename... Args>
T* ConstructObject(size_t bytes, Args&&... args) {
  static_assert(std::is_base_of_v<Object, T>, "objects derive from Object");
  static_assert(alignof(T) <= 8, "objects are 8-aligned");
  int32_t type_index = T::RuntimeTypeIndex();
  void* mem = AllocObjectSpace(bytes);
  T* obj;
  try {
    obj = new (mem) T(std::forward<Args>(args)...);
  } catch (...) {
    FreeObjectSpace(mem);
    throw;
  }
  TVMFFIObject* header = HeaderOf(obj);
  header->type_index = type_index;
  header->deleter = &ObjectDeleter<T>;
  LiveObjectCountAdd(1);
  return obj;
}

}  // namespace details

template <typename T, typename... Args>
ObjectPtr<T> make_object(Args&&... args) {
  return ObjectPtr<T>::Steal(details::ConstructObject<T>(sizeof(T), std::forward<Args>(args)...));
}

/* An object followed by `num_elems` elements of type Elem in the same block
 * (strings, arrays, shapes).  The elements start zeroed, at (T*)obj + 1. */
template <typename T, typename Elem, typename... Args>
ObjectPtr<T> make_inplace_array_object(size_t num_elems, Args&&... args) {
  static_assert(sizeof(T) % alignof(Elem) == 0, "elements must be aligned after T");
  // A count whose size does not fit (or a negative count cast to size_t)
  // must not wrap around to a small block; allocators add their headers, so
  // keep far from SIZE_MAX.
  if (num_elems > (SIZE_MAX / 4 - sizeof(T)) / sizeof(Elem)) throw std::bad_alloc();
  size_t bytes = sizeof(T) + num_elems * sizeof(Elem);
  return ObjectPtr<T>::Steal(details::ConstructObject<T>(bytes, std::forward<Args>(args)...));
}

/* ---------------------------------------------------------------------- */
/* ObjectRef                                                               */
/* ---------------------------------------------------------------------- */

/* A nullable strong reference to any object; typed references derive from it
 * (TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS) and add no data. */
class ObjectRef {
 public:
  using ContainerType = Object;
  static constexpr bool _type_is_nullable = true;

  ObjectRef() noexcept = default;
  explicit ObjectRef(ObjectPtr<Object> data) noexcept : data_(std::move(data)) {}
  explicit ObjectRef(details::UnsafeInit) noexcept {}

  const Object* get() const noexcept { return data_.get(); }
  const Object* operator->() const noexcept { return data_.get(); }
  bool defined() const noexcept { return data_ != nullptr; }
  bool same_as(const ObjectRef& other) const noexcept { return data_ == other.data_; }
  uint32_t use_count() const noexcept { return data_.use_count(); }
  /* kTVMFFINone for a null reference. */
  int32_t type_index() const noexcept {
    return data_ ? data_->type_index() : int32_t(kTVMFFINone);
  }
  /* The object as T when it is one, else nullptr. */
  template <typename T>
  const T* as() const noexcept {
    if (data_ && IsInstance<T>(data_.get())) return static_cast<const T*>(data_.get());
    return nullptr;
  }

 protected:
  ObjectPtr<Object> data_;
  friend struct details::ObjectRefUnsafe;
};

namespace details {
struct ObjectRefUnsafe {
  template <typename Ref>
  static Ref FromPtr(ObjectPtr<Object> ptr) noexcept {
    Ref ref{UnsafeInit{}};
    static_cast<ObjectRef&>(ref).data_ = std::move(ptr);
    return ref;
  }
  static const ObjectPtr<Object>& Data(const ObjectRef& ref) noexcept { return ref.data_; }
  static ObjectPtr<Object>& Data(ObjectRef& ref) noexcept { return ref.data_; }
};
}  // namespace details

}  // namespace tvm_ffi_hpy

/* ---------------------------------------------------------------------- */
/* Type declaration macros (inside the object class body)                  */
/* ---------------------------------------------------------------------- */
#define TVM_FFI_HPY_OBJECT_INFO_COMMON_(TypeKey, Self, Parent, ChildSlots)                       \
 public:                                                                                         \
  static constexpr const char* _type_key = TypeKey;                                              \
  using _type_parent = Parent;                                                                   \
  static constexpr int32_t _type_depth = Parent::_type_depth + 1;                                \
  static constexpr int32_t _type_child_slots = ChildSlots;                                       \
  static int32_t _RegisterTypeIndex(int32_t static_index) {                                      \
    static_assert(std::is_base_of_v<Parent, Self>, "Parent must be a base of " #Self);          \
    TVMFFIByteArray key{TypeKey, std::char_traits<char>::length(TypeKey)};                      \
    int32_t index = TVMFFITypeGetOrAllocIndex(&key, static_index, _type_depth, ChildSlots, 1,    \
                                              Parent::RuntimeTypeIndex());                      \
    if (index < 0) ::tvm_ffi_hpy::details::ThrowRaised();                                        \
    return index;                                                                                \
  }

/* A type whose index is allocated at run time (from kTVMFFIDynObjectBegin). */
#define TVM_FFI_HPY_DECLARE_OBJECT_INFO(TypeKey, Self, Parent)                                   \
  TVM_FFI_HPY_OBJECT_INFO_COMMON_(TypeKey, Self, Parent, 0)                                      \
  static constexpr bool _type_final = false;                                                     \
  static int32_t RuntimeTypeIndex() {                                                            \
    static const int32_t index = _RegisterTypeIndex(-1);                                         \
    return index;                                                                                \
  }

/* Same, for a type that has no subtypes (IsInstance becomes one compare). */
#define TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO(TypeKey, Self, Parent)                             \
  TVM_FFI_HPY_OBJECT_INFO_COMMON_(TypeKey, Self, Parent, 0)                                      \
  static constexpr bool _type_final = true;                                                      \
  static int32_t RuntimeTypeIndex() {                                                            \
    static const int32_t index = _RegisterTypeIndex(-1);                                         \
    return index;                                                                                \
  }

/* A type with a fixed index (the built-ins of c_api.h). */
#define TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO(TypeKey, Self, Parent, Index, Final)              \
  TVM_FFI_HPY_OBJECT_INFO_COMMON_(TypeKey, Self, Parent, 0)                                      \
  static constexpr bool _type_final = Final;                                                     \
  static constexpr int32_t _type_index = Index;                                                  \
  static int32_t RuntimeTypeIndex() {                                                            \
    static const int32_t index = _RegisterTypeIndex(Index);                                      \
    return index;                                                                                \
  }

/* Constructors and accessors of a typed reference Ref to objects of type Obj.
 * The class still declares its own default constructor (null or a fresh
 * object, as fits the type). */
#define TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Ref, Parent, Obj)                                  \
 public:                                                                                         \
  using ContainerType = Obj;                                                                     \
  static constexpr bool _type_is_nullable = false;                                               \
  explicit Ref(::tvm_ffi_hpy::details::UnsafeInit tag) noexcept : Parent(tag) {}                 \
  explicit Ref(::tvm_ffi_hpy::ObjectPtr<Obj> ptr) noexcept                                       \
      : Parent(::tvm_ffi_hpy::details::UnsafeInit{}) {                                           \
    data_ = ::tvm_ffi_hpy::ObjectPtr<::tvm_ffi_hpy::Object>(std::move(ptr));                     \
  }                                                                                              \
  const Obj* get() const noexcept { return static_cast<const Obj*>(data_.get()); }              \
  const Obj* operator->() const noexcept { return get(); }

#endif  // TVM_FFI_HPY_OBJECT_H_
