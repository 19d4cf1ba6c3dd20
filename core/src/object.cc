/*
 * Reference counting through the ABI, the live-object counter and opaque
 * objects (foreign handles such as Python objects).
 */
#include <tvm_ffi_hpy/ffi.h>

#include <atomic>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {
/* Objects constructed and not yet destructed, in this process. */
std::atomic<int64_t> g_live_objects{0};
}  // namespace

namespace details {
void LiveObjectCountAdd(int64_t delta) noexcept {
  g_live_objects.fetch_add(delta, std::memory_order_relaxed);
}
}  // namespace details
}  // namespace tvm_ffi_hpy

using namespace tvm_ffi_hpy;

extern "C" {

int TVMFFIObjectIncRef(TVMFFIObjectHandle obj) {
  if (obj != nullptr) details::IncRef(static_cast<TVMFFIObject*>(obj));
  return 0;
}

int TVMFFIObjectDecRef(TVMFFIObjectHandle obj) {
  if (obj != nullptr) details::DecRef(static_cast<TVMFFIObject*>(obj));
  return 0;
}

int64_t TVMFFIGetLiveObjectCount(void) {
  return g_live_objects.load(std::memory_order_relaxed);
}

int TVMFFIObjectCreateOpaque(void* handle, int32_t type_index, void (*deleter)(void* handle),
                             TVMFFIObjectHandle* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (type_index < kTVMFFIStaticObjectBegin || info == nullptr) {
    TVM_FFI_HPY_THROW(ValueError) << "TVMFFIObjectCreateOpaque: " << type_index
                                  << " is not a registered object type index";
  }
  ObjectPtr<OpaqueObj> obj = make_object<OpaqueObj>(handle, deleter);
  details::HeaderOf(obj.get())->type_index = type_index;
  *out = details::HeaderOf(obj.release());
  TVM_FFI_HPY_SAFE_CALL_END();
}

}  // extern "C"
