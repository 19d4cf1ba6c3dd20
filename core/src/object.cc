/*
 * Reference counting through the ABI, the live-object counter and opaque
 * objects (foreign handles such as Python objects).
 */
#include <tvm_ffi_hpy/ffi.h>

#include <atomic>
#include <utility>
#include <vector>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {
/* Objects constructed and not yet destructed, in this process. */
std::atomic<int64_t> g_live_objects{0};

/* The transition hook and the allocator it watches.  Written by
 * TVMFFISetRefTransitionHook, read on every 1->2 / 2->1 transition from any
 * thread; both are published together through g_hook_state. */
struct HookState {
  void (*space)(TVMFFICustomAllocHeader*);
  TVMFFIRefTransitionHook hook;
};
std::atomic<const HookState*> g_hook_state{nullptr};
}  // namespace

namespace {
// The destructions running on this thread and the ones queued (BeginDestroy
// in object.h).  Each queued entry holds one weak reference.
struct DestroyState {
  uint32_t depth = 0;
  std::vector<std::pair<TVMFFIObject*, int>> queued;
};
thread_local DestroyState t_destroy;
}  // namespace
}  // namespace tvm_ffi_hpy

using namespace tvm_ffi_hpy;
using details::DecWeak;
using details::IncWeak;
using details::kMaxNestedDestroy;

extern "C" {

void TVMFFILiveObjectCountAdd(int64_t delta) {
  g_live_objects.fetch_add(delta, std::memory_order_relaxed);
}

int TVMFFIObjectBeginDestroy(TVMFFIObject* obj, int flags) {
  DestroyState& st = t_destroy;
  if (st.depth < kMaxNestedDestroy) {
    ++st.depth;
    return 1;
  }
  try {
    st.queued.emplace_back(obj, flags);
  } catch (...) {  // out of memory: destroy it here, deeper on the stack
    ++st.depth;
    return 1;
  }
  // A strong-only destruction is followed by the caller's DecWeak, which
  // would free the memory: keep it until the queued destruction has run.
  if (!(flags & kTVMFFIObjectDeleterFlagBitMaskWeak)) IncWeak(obj);
  return 0;
}

void TVMFFIObjectEndDestroy(void) {
  DestroyState& st = t_destroy;
  if (st.depth == 1) {
    while (!st.queued.empty()) {
      auto [obj, flags] = st.queued.back();
      st.queued.pop_back();
      obj->deleter(obj, flags);
      if (!(flags & kTVMFFIObjectDeleterFlagBitMaskWeak)) DecWeak(obj);
    }
  }
  --st.depth;
}

void TVMFFIObjectRefTransition(TVMFFIObject* obj, uint32_t new_strong) {
  const HookState* st = g_hook_state.load(std::memory_order_acquire);
  if (st == nullptr) return;
  auto* header = reinterpret_cast<TVMFFICustomAllocHeader*>(obj) - 1;
  if (header->delete_space == st->space) st->hook(obj, new_strong);
}

int TVMFFIObjectIncRef(TVMFFIObjectHandle obj) {
  if (obj != nullptr) details::IncRef(static_cast<TVMFFIObject*>(obj));
  return 0;
}

int TVMFFIObjectDecRef(TVMFFIObjectHandle obj) {
  if (obj != nullptr) details::DecRef(static_cast<TVMFFIObject*>(obj));
  return 0;
}

int TVMFFISetRefTransitionHook(void (*delete_space)(TVMFFICustomAllocHeader*),
                               TVMFFIRefTransitionHook hook) {
  // States are never freed: a reader on another thread may still hold one.
  const HookState* st = hook ? new HookState{delete_space, hook} : nullptr;
  g_hook_state.store(st, std::memory_order_release);
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
