/*
 * shim.cc -- the parts of the interpreter shim (shim.h) that need a body:
 * capsules through HPy, or through cpyext where HPy's capsules are broken;
 * the stack-headroom check before Python code is run; formatted errors.
 */
#include <dlfcn.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>

#include "shim.h"

namespace tvm_ffi_hpy_ext {

namespace {

// *out = the process's symbol `name` (cpyext's, found by lookup: shim.h);
// false when the process has none.
template <typename F>
bool bind(const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
  return *out != nullptr;
}

// cpyext's capsule functions, when this process has them (shim.h).
struct CpyextCapsules {
  using PyObj = void;
  PyObj* (*New)(void* pointer, const char* name, void (*destructor)(PyObj*));
  int (*IsValid)(PyObj* capsule, const char* name);
  const char* (*GetName)(PyObj* capsule);
  void* (*GetPointer)(PyObj* capsule, const char* name);
  int (*SetName)(PyObj* capsule, const char* name);
  void* (*GetContext)(PyObj* capsule);
  int (*SetContext)(PyObj* capsule, void* context);
  void (*DecRef)(PyObj* obj);

  // NULL where the HPy capsule API is used.
  static const CpyextCapsules* get() {
    static const CpyextCapsules* api = load();
    return api;
  }

 private:
  static const CpyextCapsules* load() {
    static CpyextCapsules api;
    bool ok = bind("PyPyCapsule_New", &api.New) && bind("PyPyCapsule_IsValid", &api.IsValid) &&
              bind("PyPyCapsule_GetName", &api.GetName) &&
              bind("PyPyCapsule_GetPointer", &api.GetPointer) &&
              bind("PyPyCapsule_SetName", &api.SetName) &&
              bind("PyPyCapsule_GetContext", &api.GetContext) &&
              bind("PyPyCapsule_SetContext", &api.SetContext) && bind("PyPy_DecRef", &api.DecRef);
    return ok ? &api : nullptr;
  }
};

// HPy form: the destroy function travels as the capsule's context.
HPyCapsule_DESTRUCTOR(hpy_destructor)
static void hpy_destructor_impl(const char* name, void* pointer, void* context) {
  if (context != nullptr) reinterpret_cast<CapsuleDestroy>(context)(name, pointer);
}

// cpyext form: the same, read back from the capsule.
void cpyext_destructor(void* capsule) {
  const CpyextCapsules* api = CpyextCapsules::get();
  const char* name = api->GetName(capsule);
  void* context = api->GetContext(capsule);
  if (context != nullptr) {
    reinterpret_cast<CapsuleDestroy>(context)(name, api->GetPointer(capsule, name));
  }
}
}  // namespace

HPy capsule_new(HPyContext* ctx, void* pointer, const char* name, CapsuleDestroy destroy) {
  const CpyextCapsules* api = CpyextCapsules::get();
  if (api == nullptr) {
    HPy cap = HPyCapsule_New(ctx, pointer, name, &hpy_destructor);
    if (!HPy_IsNull(cap) &&
        HPyCapsule_SetContext(ctx, cap, reinterpret_cast<void*>(destroy)) < 0) {
      HPy_Close(ctx, cap);  // context still NULL: the destructor does nothing
      return HPy_NULL;
    }
    return cap;
  }
  void* obj = api->New(pointer, name, &cpyext_destructor);
  if (obj == nullptr) {
    HPyErr_SetString(ctx, ctx->h_MemoryError, "cannot create a capsule");
    return HPy_NULL;
  }
  api->SetContext(obj, reinterpret_cast<void*>(destroy));
  HPy cap = HPy_FromPyObject(ctx, static_cast<cpy_PyObject*>(obj));
  api->DecRef(obj);
  return cap;
}

void* capsule_take(HPyContext* ctx, HPy h, const char* name, const char* rename) {
  const CpyextCapsules* api = CpyextCapsules::get();
  if (api == nullptr) {
    if (!HPyCapsule_IsValid(ctx, h, name)) return nullptr;
    void* pointer = HPyCapsule_GetPointer(ctx, h, name);
    if (pointer != nullptr && rename != nullptr) HPyCapsule_SetName(ctx, h, rename);
    return pointer;
  }
  void* obj = HPy_AsPyObject(ctx, h);
  void* pointer = nullptr;
  if (obj != nullptr) {
    if (api->IsValid(obj, name)) {
      pointer = api->GetPointer(obj, name);
      if (pointer != nullptr && rename != nullptr) api->SetName(obj, rename);
    }
    api->DecRef(obj);
  }
  return pointer;
}

// ---- errors --------------------------------------------------------------------
HPy raise_format(HPyContext* ctx, HPy type, const char* fmt, ...) {
  char small[256];
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(small, sizeof small, fmt, args);
  va_end(args);
  if (n < 0) {
    HPyErr_SetString(ctx, type, fmt);
  } else if (static_cast<size_t>(n) < sizeof small) {
    HPyErr_SetString(ctx, type, small);
  } else {
    std::string big(static_cast<size_t>(n) + 1, '\0');
    va_start(args, fmt);
    vsnprintf(big.data(), big.size(), fmt, args);
    va_end(args);
    HPyErr_SetString(ctx, type, big.c_str());
  }
  return HPy_NULL;
}

// ---- stack headroom ----------------------------------------------------------
__thread StackCache t_stack_cache = {UINTPTR_MAX, 0};
std::atomic<uint32_t> g_stack_epoch{1};

namespace {
// cpyext's recursion check, where this process has it (PyPy): nonzero, with
// RecursionError in cpyext's own error slot, when the interpreter's stack is
// more than 15/16 full.  One call costs about 90 ns on PyPy 7.3.19, hence
// the cache in front of it (shim.h).
struct CpyextRecursionCheck {
  int (*Enter)(const char* where);
  void (*ErrClear)();
  static const CpyextRecursionCheck* get() {
    static const CpyextRecursionCheck* api = load();
    return api;
  }

 private:
  static const CpyextRecursionCheck* load() {
    static CpyextRecursionCheck api;
    bool ok = bind("PyPy_EnterRecursiveCall", &api.Enter) && bind("PyPyErr_Clear", &api.ErrClear);
    return ok ? &api : nullptr;
  }
};
}  // namespace

bool cpyext_in_process() {
  static const bool present = dlsym(RTLD_DEFAULT, "PyPyErr_Occurred") != nullptr;
  return present;
}

bool getset_errors_reported() { return !cpyext_in_process(); }

// The check is asked from kStackMargin bytes further down the stack than the
// caller.  An exception raised by an HPy function with almost no stack left
// makes PyPy 7.3.19's JIT abort later, when the blackhole interpreter unwinds
// compiled frames ("Fatal RPython error: AssertionError" in jit_rvmprof_code).
// The margin makes that abort rare, not impossible: it depends on the stack
// position and on what the JIT compiled (docs/design.md, "The recursion
// limit", has the measurements and a reproducer).
static constexpr size_t kStackMargin = 64 * 1024;

__attribute__((noinline)) static int check_with_margin(const CpyextRecursionCheck* api) {
  volatile char* room = static_cast<volatile char*>(__builtin_alloca(kStackMargin));
  room[0] = 0;  // the block is used, so it is not optimised away
  return api->Enter("");
}

int ensure_stack_headroom_slow(HPyContext* ctx, uintptr_t sp) {
  const CpyextRecursionCheck* api = CpyextRecursionCheck::get();
  uint32_t epoch = g_stack_epoch.load(std::memory_order_relaxed);
  if (api == nullptr) {  // no check needed: every depth is fine
    t_stack_cache = {0, epoch};
    return 0;
  }
  if (check_with_margin(api) == 0) {
    // Room left down to here, for as long as the limit stays (epoch).
    t_stack_cache = {sp, epoch};
    return 0;
  }
  api->ErrClear();  // cpyext's error slot, not HPy's
  HPyErr_SetString(ctx, ctx->h_RecursionError,
                   "maximum recursion depth exceeded (the interpreter's stack is nearly full)");
  return -1;
}

void stack_limit_changed() {
  g_stack_epoch.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace tvm_ffi_hpy_ext
