/*
 * Object types private to the core (their layouts are ABI only up to the
 * cells declared in c_api.h).
 */
#ifndef TVM_FFI_HPY_SRC_INTERNAL_H_
#define TVM_FFI_HPY_SRC_INTERNAL_H_

#include <tvm_ffi_hpy/ffi.h>

#include <pthread.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tvm_ffi_hpy {

/* An instance of a class defined from Python (py_class.cc) with every slot
 * None (a native parent's part default-built); null when `type_index` is not
 * such a class. */
ObjectPtr<Object> NewPyClassInstance(int32_t type_index);
bool IsPyClassType(int32_t type_index);
/* The slot layout of py_class.cc for types the core or a C++ library
 * defines: a new type with these slot fields after its parent's (the parent
 * is ffi.Object or a slot type); an already allocated type that adds no
 * field to its slot-type parent (a C++ class declared over one); an instance
 * from one value per slot. */
int32_t DefineSlotType(const String& type_key, int32_t parent_index,
                       const std::vector<std::string>& field_names, bool frozen);
void AdoptSlotType(int32_t type_index);
ObjectRef MakeSlotObject(int32_t type_index, const AnyView* values, int64_t num_values);
/* The slots of an object of a slot type without a native parent (they
 * start at offset 32; enum.cc, serialization.cc's enums). */
inline TVMFFIAny* SlotValues(const Object* obj) {
  return reinterpret_cast<TVMFFIAny*>(reinterpret_cast<char*>(const_cast<Object*>(obj)) + 32);
}

/* Recursive walks of values (structural.cc, deep_copy.cc, repr.cc,
 * serialization.cc) go one C++ frame per nesting level.  WalkDepthGuard
 * raises RecursionError "maximum nesting depth (N) exceeded" past kMaxDepth
 * levels, or earlier when the thread's stack has less than kStackReserve
 * bytes left (the frames are bigger in sanitizer builds, and threads may
 * have small stacks): the bounds come from pthread_getattr_np, once per
 * thread. */
class WalkDepthGuard {
 public:
  static constexpr int kMaxDepth = 5000;
  static constexpr uintptr_t kStackReserve = 256 * 1024;

  explicit WalkDepthGuard(int* depth) : depth_(depth) {
    if (++*depth_ > kMaxDepth || StackNearlyFull()) {
      --*depth_;
      TVM_FFI_HPY_THROW(RecursionError)
          << "maximum nesting depth (" << kMaxDepth << ") exceeded while walking a value"
          << (*depth_ + 1 > kMaxDepth ? "" : " (the thread's stack is nearly full)");
    }
  }
  ~WalkDepthGuard() { --*depth_; }
  WalkDepthGuard(const WalkDepthGuard&) = delete;
  WalkDepthGuard& operator=(const WalkDepthGuard&) = delete;

  static bool StackNearlyFull() {
    thread_local const uintptr_t low_water = LowWater();
    char here;
    return reinterpret_cast<uintptr_t>(&here) < low_water;
  }

 private:
  static uintptr_t LowWater() {
    pthread_attr_t attr;
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;  // unknown: depth only
    int rc = pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0 || addr == nullptr) return 0;
    return reinterpret_cast<uintptr_t>(addr) + kStackReserve;
  }

  int* depth_;
};

/* Every reflected field of a type, ancestors' first. */
inline std::vector<const TVMFFIFieldInfo*> AllFields(const TVMFFITypeInfo* info) {
  std::vector<const TVMFFIFieldInfo*> fields;
  for (int32_t d = 0; d <= info->type_depth; ++d) {
    const TVMFFITypeInfo* t = d < info->type_depth ? info->type_ancestors[d] : info;
    for (int32_t i = 0; i < t->num_fields; ++i) fields.push_back(&t->fields[i]);
  }
  return fields;
}

/* True when the tensor's DLPack source was marked read-only (tensor.cc). */

/* { header, TVMFFIErrorCell, owned payload Any }.  The cell's byte arrays
 * point into the std::string members (the object never moves); the cell owns
 * cause_chain and extra_context. */
class ErrorObj : public Object {
 public:
  TVMFFIErrorCell cell;  // ABI (offset 24)
  TVMFFIAny payload;     // owned; None when unset

  ErrorObj(std::string_view kind, std::string_view message, std::string_view backtrace)
      : kind_(kind), message_(message), backtrace_(backtrace) {
    cell.kind = details::ToByteArray(kind_);
    cell.message = details::ToByteArray(message_);
    cell.backtrace = details::ToByteArray(backtrace_);
    cell.update_backtrace = &UpdateBacktrace;
    cell.cause_chain = nullptr;
    cell.extra_context = nullptr;
    payload = details::NoneAny();
  }
  ~ErrorObj() {
    Any::FromRawOwned(payload);
    if (cell.cause_chain != nullptr) TVMFFIObjectDecRef(cell.cause_chain);
    if (cell.extra_context != nullptr) TVMFFIObjectDecRef(cell.extra_context);
  }

  static void UpdateBacktrace(TVMFFIObjectHandle self, const TVMFFIByteArray* backtrace,
                              int32_t update_mode);

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Error", ErrorObj, Object, kTVMFFIError, true)

 private:
  std::string kind_, message_, backtrace_;
};

/* { header, TVMFFIOpaqueObjectCell }: owns a foreign handle. */
class OpaqueObj : public Object {
 public:
  TVMFFIOpaqueObjectCell cell;  // ABI (offset 24)

  OpaqueObj(void* handle, void (*deleter)(void*)) : deleter_(deleter) { cell.handle = handle; }
  ~OpaqueObj() {
    if (deleter_ != nullptr) deleter_(cell.handle);
  }

  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.OpaquePyObject", OpaqueObj, Object,
                                         kTVMFFIOpaquePyObject, false)

 private:
  void (*deleter_)(void*);
};

/* A function made in C (TVMFFIFunctionCreate): cell.safe_call forwards to
 * the C callback with the user's `self`. */
class ExternCFunctionObj : public FunctionObj {
 public:
  ExternCFunctionObj(void* self, TVMFFISafeCallType call, void (*deleter)(void*))
      : self_(self), call_(call), deleter_(deleter) {
    cell.safe_call = &Forward;
    cell.cpp_call = nullptr;
  }
  ~ExternCFunctionObj() {
    if (deleter_ != nullptr) deleter_(self_);
  }

 private:
  static int Forward(void* handle, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* result) {
    auto* f = static_cast<ExternCFunctionObj*>(details::ObjectUnsafe::FromHeader(handle));
    return f->call_(f->self_, args, num_args, result);
  }
  void* self_;
  TVMFFISafeCallType call_;
  void (*deleter_)(void*);
};

static_assert(offsetof(TVMFFIObject, type_index) == 8, "header layout");

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_SRC_INTERNAL_H_
