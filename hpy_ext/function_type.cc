/*
 * function_type.cc -- the Function wrapper: calls into the core.
 *
 * Calling into the core (call_function): arguments become views in a stack
 * buffer; values the conversion had to create (strings, containers, Python
 * objects) are owned by an ArgTemps and released after the call; the result
 * is an owned value whose reference the Python result takes over.
 *
 * The GIL.  A Function with `release_gil = True` leaves Python execution
 * around the core call; the per-thread CallState (call_state.h) records what
 * the thread is doing, so that a callback knows how to get back into Python
 * (callbacks.cc).
 */
#include <atomic>

#include "call_state.h"
#include "ext.h"
#include "shim.h"
#include "small_buffer.h"

namespace tvm_ffi_hpy_ext {

thread_local CallState tls_call;
std::atomic<int> g_gil_holding_calls{0};

namespace {
// Only threads holding the GIL change the count, so the GIL orders the
// writers: a plain load and store (no locked read-modify-write on the hot
// path); the service's waiters on other threads only read it.
inline void gil_holding_calls_add(int delta) {
  g_gil_holding_calls.store(g_gil_holding_calls.load(std::memory_order_relaxed) + delta,
                            std::memory_order_relaxed);
}
}  // namespace

// Nesting bound for calls that re-enter through callbacks: each level costs C
// stack on top of the interpreter's own frames, and PyPy aborts the process
// when the C stack runs out, so deep recursion through the core stops here
// with a RecursionError instead.
static constexpr int kMaxCallDepth = 160;
// The hot path of every call from Python, inlined into its two entry points
// below (a plain call goes through one C frame of ours, not three).
__attribute__((always_inline)) static inline int call_core(HPyContext* ctx, TVMFFIObject* func,
                                                           const HPy* args, size_t nargs,
                                                           bool release_gil, TVMFFIAny* result) {
  CallState& st = tls_call;  // one TLS lookup for the whole call
  if (st.depth >= kMaxCallDepth) {
    HPyErr_SetString(ctx, ctx->h_RecursionError,
                     "maximum nesting depth of calls through the FFI exceeded");
    return -1;
  }
  maybe_drain_released(ctx);
  SmallBuffer<TVMFFIAny> views(nargs);
  result->type_index = kTVMFFINone;
  result->zero_padding = 0;
  result->v_int64 = 0;
  int rc;
  {
    ArgTemps temps(ctx);
    if (py_to_any_views(ctx, args, nargs, views.data(), &temps) < 0) return -1;
    TVMFFISafeCallType call = TVMFFIFunctionGetCellPtr(func)->safe_call;
    CallState saved_state = st;
    st.ctx = ctx;
    ++st.depth;
    if (release_gil) {
      st.released = true;
      st.saved = HPy_LeavePythonExecution(ctx);
      rc = call(func, views.data(), static_cast<int32_t>(nargs), result);
      HPy_ReenterPythonExecution(ctx, st.saved);
    } else {
      gil_holding_calls_add(1);
      rc = call(func, views.data(), static_cast<int32_t>(nargs), result);
      gil_holding_calls_add(-1);
    }
    st = saved_state;
  }
  if (rc != 0) {
    raise_from_core(ctx);
    return -1;
  }
  return 0;
}

int call_function_raw(HPyContext* ctx, TVMFFIObject* func, const HPy* args, size_t nargs,
                      bool release_gil, TVMFFIAny* result) {
  return call_core(ctx, func, args, nargs, release_gil, result);
}

__attribute__((always_inline)) static inline HPy call_and_convert(HPyContext* ctx,
                                                                  TVMFFIObject* func,
                                                                  const HPy* args, size_t nargs,
                                                                  bool release_gil) {
  InflightScope scope(ctx);  // the arguments stay findable until the result is wrapped
  TVMFFIAny result;
  if (call_core(ctx, func, args, nargs, release_gil, &result) < 0) return HPy_NULL;
  HPy res = any_owned_to_py(ctx, &result);
  if (!HPy_IsNull(res)) maybe_drain_released(ctx);
  return res;
}



// ---------------------------------------------------------------------------
// The Function type
// ---------------------------------------------------------------------------
static inline FunctionPayload* function_payload(HPyContext* ctx, HPy h) {
  return reinterpret_cast<FunctionPayload*>(ObjectPayload_AsStruct(ctx, h));
}

HPyDef_SLOT(Function_call, HPy_tp_call)
static HPy Function_call_impl(HPyContext* ctx, HPy self, const HPy* args, size_t nargs,
                              HPy kwnames) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (!HPy_IsNull(kwnames) && HPy_Length(ctx, kwnames) > 0) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "FFI functions take positional arguments only");
    return HPy_NULL;
  }
  FunctionPayload* p = function_payload(ctx, self);
  if (!p->base.handle) {
    HPyErr_SetString(ctx, ctx->h_ValueError,
                     "this function was moved out (_move()) and can no longer be called");
    return HPy_NULL;
  }
  return call_and_convert(ctx, p->base.handle, args, nargs, p->release_gil != 0);
}

// release_gil is a Python property over these two (core.py): a failing
// getset setter loses its error on PyPy (shim.h), and bool(value) can fail.
HPyDef_METH(Function_get_release_gil, "_get_release_gil", HPyFunc_NOARGS)
static HPy Function_get_release_gil_impl(HPyContext* ctx, HPy self) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  return HPyBool_FromBool(ctx, function_payload(ctx, self)->release_gil != 0);
}

HPyDef_METH(Function_set_release_gil, "_set_release_gil", HPyFunc_O)
static HPy Function_set_release_gil_impl(HPyContext* ctx, HPy self, HPy value) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  int truth = HPy_IsTrue(ctx, value);
  if (truth < 0) return HPy_NULL;
  function_payload(ctx, self)->release_gil = truth;
  return HPy_Dup(ctx, ctx->h_None);
}

// ---------------------------------------------------------------------------
// Functions over C entry points: Function.__from_extern_c__ (a safe-call
// function: int(void* self, const TVMFFIAny* args, int32_t n, TVMFFIAny* rv),
// which must ignore self) and Function.__from_mlir_packed_safe_call__ (MLIR's
// packed form of the same: void(void** a), a = {&self, &args, &n, &rv, &rc}).
// `keep` (an opaque Python object, or NULL) lives as long as the function.
// ---------------------------------------------------------------------------
namespace {
struct CEntry {
  TVMFFISafeCallType safe_call;  // exactly one of the two is set
  void (*mlir_packed)(void**);
  TVMFFIObject* keep;
};

int c_entry_call(void* self, const TVMFFIAny* args, int32_t num_args, TVMFFIAny* rv) {
  const CEntry* entry = static_cast<const CEntry*>(self);
  if (entry->safe_call) return entry->safe_call(nullptr, args, num_args, rv);
  int rc = 0;
  void* handle = nullptr;
  void* packed[] = {&handle, const_cast<TVMFFIAny**>(&args), &num_args, &rv, &rc};
  entry->mlir_packed(packed);
  return rc;
}

void c_entry_delete(void* self) {
  CEntry* entry = static_cast<CEntry*>(self);
  if (entry->keep) TVMFFIObjectDecRef(entry->keep);
  delete entry;
}
}  // namespace

HPyDef_METH(function_from_c_entry, "function_from_c_entry", HPyFunc_VARARGS,
            .doc = "function_from_c_entry(address, mlir_packed, keep_alive) -> Function over "
                   "the C function at `address` (a safe call, or MLIR's packed form of one); "
                   "keep_alive (or None) lives as long as the function.")
static HPy function_from_c_entry_impl(HPyContext* ctx, HPy, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (nargs != 3) {
    return raise_format(ctx, ctx->h_TypeError, "function_from_c_entry takes 3 arguments");
  }
  uint64_t address = HPyLong_AsUInt64_t(ctx, args[0]);
  if (HPyErr_Occurred(ctx)) return HPy_NULL;
  if (address == 0) {
    return raise_format(ctx, ctx->h_ValueError, "a C function address cannot be NULL");
  }
  int mlir = HPy_IsTrue(ctx, args[1]);
  if (mlir < 0) return HPy_NULL;
  TVMFFIObject* keep = nullptr;
  if (!HPy_Is(ctx, args[2], ctx->h_None) &&
      opaque_create(ctx, args[2], kTVMFFIOpaquePyObject, nullptr, &keep) < 0) {
    return HPy_NULL;
  }
  CEntry* entry = new CEntry{nullptr, nullptr, keep};
  void* fn = reinterpret_cast<void*>(static_cast<uintptr_t>(address));
  if (mlir) {
    entry->mlir_packed = reinterpret_cast<void (*)(void**)>(fn);
  } else {
    entry->safe_call = reinterpret_cast<TVMFFISafeCallType>(fn);
  }
  TVMFFIObjectHandle out = nullptr;
  if (TVMFFIFunctionCreate(entry, &c_entry_call, &c_entry_delete, &out) != 0) {
    c_entry_delete(entry);
    return raise_from_core(ctx);
  }
  return wrap_object(ctx, static_cast<TVMFFIObject*>(out), true);
}

extern HPyDef Object_new;
extern HPyDef Object_destroy;
extern HPyDef Object_finalize;

static HPyDef* Function_defines[] = {&Object_new, &Object_destroy, &Object_finalize, &Function_call,
                                     &Function_get_release_gil, &Function_set_release_gil,
                                     nullptr};

HPyType_Spec Function_spec = {
    .name = "tvm_ffi_hpy.core.Function",
    .basicsize = sizeof(FunctionPayload),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    .builtin_shape = HPyType_BuiltinShape_Object,
    .defines = Function_defines,
    .doc = "A function of the core: call it with positional arguments.",
};

}  // namespace tvm_ffi_hpy_ext
