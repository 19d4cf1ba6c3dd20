/*
 * ext.h -- what the pieces of the HPy extension share.
 *
 * The extension is one HPy universal-ABI module (`_ffi.hpy0.so`) that talks to
 * the core through the C ABI only (core/include/tvm_ffi_hpy/c_api.h).  It is
 * split by concern:
 *
 *   module.cc          module definition, globals, the functions of `_ffi`
 *   binding.cc         object tying: one wrapper per object (allocator, keepers)
 *   object_type.cc     the Object wrapper type, the class factory, field accessors
 *   function_type.cc   the Function wrapper type, calls into the core
 *   callbacks.cc       Python callables called from the core; the callback service
 *   convert.cc         Python value <-> TVMFFIAny
 *   errors.cc          core Error <-> Python exception
 *   tensor.cc          Tensor: DLPack capsules in and out, metadata
 *   shim.h, shim.cc    the few things that differ between interpreters
 *   small_buffer.h     stack-first buffers for the call path
 *
 * Wrapper payload.  Every wrapper (an instance of Object or of any class the
 * factory made from it) carries one ObjectPayload: `handle` owns one strong
 * reference to its core object, or is NULL once the object was moved out
 * (`_move()`).  Function wrappers extend it with FunctionPayload.  The payload
 * of a class made by the factory is exactly the payload of its HPy base.
 *
 * Handles.  Every function here follows HPy's rule: a returned HPy is owned by
 * the caller, an HPy argument is borrowed.  Every `int` function returns 0 on
 * success and -1 with a Python exception set.
 */
#ifndef TVM_FFI_HPY_EXT_H_
#define TVM_FFI_HPY_EXT_H_

#include <hpy.h>
#include <tvm_ffi_hpy/c_api.h>

#include <cstdint>
#include <vector>

#include "shim.h"

namespace tvm_ffi_hpy_ext {

// Checks of invariants that are not free (the binding's [B6], binding.cc):
// compiled in with TVM_FFI_HPY_CHECKS (setup.py defines it for
// TVM_FFI_HPY_CHECKS=1 and TVM_FFI_HPY_SANITIZE=1 builds).  A failed check
// prints where and what, then aborts: it is a bug of the extension.
[[noreturn]] void ext_check_failed(const char* file, int line, const char* what);  // errors.cc
#ifdef TVM_FFI_HPY_CHECKS
#define EXT_CHECK(cond, what) \
  ((cond) ? (void)0 : ::tvm_ffi_hpy_ext::ext_check_failed(__FILE__, __LINE__, what))
#else
#define EXT_CHECK(cond, what) ((void)0)
#endif

struct ObjectPayload {
  TVMFFIObject* handle;  // owned strong reference, or NULL when moved out
};
HPyType_HELPERS(ObjectPayload)

// The object a wrapper's payload holds, or NULL with ValueError set when it
// was moved out.  Inline: every object argument of every call passes here.
void raise_moved_out(HPyContext* ctx);  // object_type.cc
inline TVMFFIObject* live_handle(HPyContext* ctx, const ObjectPayload* payload) {
  TVMFFIObject* obj = payload->handle;
  if (__builtin_expect(obj == nullptr, 0)) raise_moved_out(ctx);
  return obj;
}

struct FunctionPayload {
  ObjectPayload base;
  int32_t release_gil;  // release the GIL around calls of this function
};

struct FieldAccessorPayload {
  const TVMFFIFieldInfo* info;  // lives as long as the core (never freed)
  const TVMFFITypeInfo* owner;  // the type that registered the field
};
HPyType_HELPERS(FieldAccessorPayload)

// ---- module globals (module.cc) ------------------------------------------
extern HPyGlobal g_ObjectType;         // the Object wrapper type
extern HPyGlobal g_FunctionType;       // the Function wrapper type
extern HPyGlobal g_FieldAccessorType;  // callable used as property fget/fset
extern HPyGlobal g_class_table;        // list: type index -> Python class or None
extern HPyGlobal g_factory_types;      // dict: classes made by make_type -> True
// The opaque table's keepers: chunk c -> the keeper owning its fields
// (convert.cc, "The opaque table").  20 chunks of 1024 << c fields:
// about 10**9 Python objects held by the core at once.
constexpr int kOpaqueChunks = 20;
extern HPyGlobal g_opaque_keepers[kOpaqueChunks];
extern HPyGlobal g_KeeperType;         // owner type of HPyFields outside objects (binding.cc)
// The keepers of the pinned wrappers' slabs (binding.cc): slab s <
// kGlobalSlabs -> g_slab_keepers[s], one global load away (the first
// 262,144 pinned wrappers); later slabs -> g_keepers[s - kGlobalSlabs].
constexpr uint32_t kGlobalSlabs = 256;
extern HPyGlobal g_slab_keepers[kGlobalSlabs];
extern HPyGlobal g_keepers;            // list: keepers of slabs kGlobalSlabs and on
// The hooks: Python-level pieces, set by name at import (module.cc, kHooks,
// which says what each must be).  None until then.
extern HPyGlobal g_class_factory;      // callable(type_index) -> class
extern HPyGlobal g_trampoline;         // callable(f, *args) catching exceptions
constexpr int kFixedArityTrampolines = 4;
extern HPyGlobal g_trampoline_n[kFixedArityTrampolines];  // the same for 0..3 arguments
extern HPyGlobal g_CallbackError;      // class of the trampoline's error marker
extern HPyGlobal g_reraise;            // callable(exc): raises it from Python code
extern HPyGlobal g_raise_with_backtrace;  // callable(exc, text): raises with C++ frames
extern HPyGlobal g_backtrace_of;       // callable(exc) -> backtrace text
extern HPyGlobal g_RValueRef;          // class returned by Object._move()
extern HPyGlobal g_ShapeClass;         // Python class built from a tuple of ints
extern HPyGlobal g_protocol_value;     // obj -> (kind, value): conversion protocols
extern HPyGlobal g_plain_types;        // dict: types protocol_value leaves as they are
extern HPyGlobal g_protocol_types;     // dict: types protocol_value changes
extern HPyGlobal g_plain_flag_name;    // str: kPlainFlagName
extern HPyGlobal g_last_plain_type;    // the plain-type cache: a type or None (convert.cc)
// The class attribute by which protocol_value marks a class defined inside a
// function as plain (its value: the class itself, so that subclasses do not
// inherit the answer).  Such classes stay out of the dicts above, which would
// keep them (and their closures) alive (conversion_protocols.py).
constexpr const char* kPlainFlagName = "__tvm_ffi_plain__";
extern HPyGlobal g_opaque_ptr_to_py;   // address or None -> ctypes.c_void_p
extern HPyGlobal g_dtype_from_fields;  // (code, bits, lanes, name) -> dtype
extern HPyGlobal g_device_from_fields; // (type, index) -> Device
extern HPyGlobal g_int_to_words;       // int -> bytes (big integer words)
extern HPyGlobal g_int_from_words;     // bytes -> int
extern HPyGlobal g_error_classes;      // dict: error kind -> exception class
extern HPyGlobal g_TypeInfoClass;      // TypeInfo/TypeField/TypeMethod classes,
extern HPyGlobal g_TypeFieldClass;     //   called with keywords by type_info()
extern HPyGlobal g_TypeMethodClass;

// ---- binding.cc -----------------------------------------------------------
extern HPyType_Spec Keeper_spec;
// A keeper owning the HPyFields of a slab of pinned wrappers (binding.cc) or
// of a chunk of the opaque table (convert.cc); the fields must be in place.
enum KeeperKind : uint32_t { kSlabKeeper = 1, kOpaqueKeeper = 2 };
HPy new_keeper(HPyContext* ctx, KeeperKind kind, uint32_t index);
// tp_traverse of the opaque table's chunk `chunk_index` (convert.cc).
int opaque_chunk_traverse(uint32_t chunk_index, HPyFunc_visitproc visit, void* arg);
// Install the allocator and the transition hook (module init).
int binding_init(HPyContext* ctx);
// The wrapper of `obj`: the pinned one, the caller's own (arguments in
// flight), or a new one.  `steal`: take over the caller's reference (it is
// released on failure too); otherwise take a new one.
HPy wrap_object(HPyContext* ctx, TVMFFIObject* obj, bool steal);
// Make `wrapper` hold `obj` (stealing the reference), releasing what it held.
int adopt_object(HPyContext* ctx, HPy wrapper, TVMFFIObject* obj);
// `wrapper` is about to lose `obj` (moved out): unpin and forget it.
void detach(HPyContext* ctx, HPy wrapper, TVMFFIObject* obj);
// After a call that might have moved `obj` out of `wrapper`: bind it again
// if the wrapper still holds it.
void reattach_if_kept(HPyContext* ctx, HPy wrapper, TVMFFIObject* obj);
// True when a live wrapper holds `obj` (pinned, or unpinned and in use).
bool has_live_wrapper(TVMFFIObject* obj);
// tp_destroy of a wrapper of `obj` (no context available).
void wrapper_destroyed(TVMFFIObject* obj);
// Arguments in flight on this thread.  Every entry point that converts
// Python arguments takes a mark first and calls inflight_release at the end,
// which applies the queued pin/unpin transitions and pops its entries.
void inflight_push(TVMFFIObject* obj, ObjectPayload* payload, HPy wrapper);
size_t inflight_mark();
void inflight_release(HPyContext* ctx, size_t mark);
void settle_bindings(HPyContext* ctx);
bool bindings_pending();  // this thread's settle queue is not empty
int64_t binding_header_bytes();
int64_t pinned_count();

class InflightScope {
 public:
  explicit InflightScope(HPyContext* ctx) : ctx_(ctx), mark_(inflight_mark()) {}
  ~InflightScope() { inflight_release(ctx_, mark_); }
  InflightScope(const InflightScope&) = delete;
  InflightScope& operator=(const InflightScope&) = delete;

 private:
  HPyContext* ctx_;
  size_t mark_;
};

// ---- object_type.cc ------------------------------------------------------
extern HPyType_Spec Object_spec;
extern HPyType_Spec FieldAccessor_spec;
// The class of wrappers of objects of `type_index` (a new handle).
HPy class_for_type_index(HPyContext* ctx, int32_t type_index);
// The handle of an Object wrapper: NULL with TypeError if `h` is no wrapper,
// NULL with ValueError if it was moved out.
TVMFFIObject* object_handle(HPyContext* ctx, HPy h);
// The same, and TypeError "expected <what>" unless the object is of `type_index`.
TVMFFIObject* object_handle_of(HPyContext* ctx, HPy h, int32_t type_index, const char* what);
HPy make_type(HPyContext* ctx, HPy self, const HPy* args, size_t nargs);

// ---- callbacks.cc ---------------------------------------------------------
// Create a core Function that calls the Python callable `callable`.
int function_from_callable(HPyContext* ctx, HPy callable, TVMFFIObject** out);
// The callback service (a Python thread running callbacks that C++ threads
// make): serve_callbacks runs it until stop_serving is called.
HPy serve_callbacks(HPyContext* ctx);
void stop_serving();

// ---- function_type.cc ----------------------------------------------------
extern HPyType_Spec Function_spec;
extern HPyDef function_from_c_entry;  // (address, mlir_packed, keep_alive) -> Function
// Call a core function with Python arguments, leaving the owned result in
// *result (0, or -1 with an error set).  Function objects themselves are
// called through their tp_call (function_type.cc), which also converts it.
int call_function_raw(HPyContext* ctx, TVMFFIObject* func, const HPy* args, size_t nargs,
                      bool release_gil, TVMFFIAny* result);

// ---- convert.cc ------------------------------------------------------------
// Values that the conversion of call arguments created and the call must
// release afterwards.  Small calls never touch the heap.
class ArgTemps {
 public:
  explicit ArgTemps(HPyContext* ctx) : ctx_(ctx) {}
  // Most calls make no temporaries: one test, and the rest out of line.
  ~ArgTemps() {
    if (size_ != 0 || !moved_.empty()) release();
  }
  ArgTemps(const ArgTemps&) = delete;
  ArgTemps& operator=(const ArgTemps&) = delete;
  void own(TVMFFIObject* obj);  // aborts the process only on out-of-memory
  // The container conversion uses the caller's temps as a stack: what a
  // nested container's items made is released once the container holds it.
  int mark() const { return size_; }
  void release_from(int mark);
  // A wrapper passed as x._move(): rebound after the call unless moved out.
  void moved(HPy wrapper, TVMFFIObject* obj);
  // Nesting of conversions through the protocol_value hook (convert.cc).
  int protocol_depth = 0;

 private:
  struct Moved {
    HPy wrapper;  // owned
    TVMFFIObject* obj;
  };
  void release();

  HPyContext* ctx_;
  std::vector<Moved> moved_;
  static constexpr int kInline = 8;
  TVMFFIObject* inline_[kInline];
  TVMFFIObject** heap_ = nullptr;
  int size_ = 0;
  int capacity_ = kInline;
};

// Python -> view.  Objects created on the way are recorded in `temps`.
int py_to_any_view(HPyContext* ctx, HPy h, TVMFFIAny* out, ArgTemps* temps);
// The same for n values at once (the Object type is looked up once).
int py_to_any_views(HPyContext* ctx, const HPy* items, size_t n, TVMFFIAny* out, ArgTemps* temps);
// Python -> owned value (the caller releases it).
int py_to_any_owned(HPyContext* ctx, HPy h, TVMFFIAny* out);
// Value -> Python: `view` keeps its reference, `owned` hands its reference over.
HPy any_view_to_py(HPyContext* ctx, const TVMFFIAny* view);
HPy any_owned_to_py(HPyContext* ctx, TVMFFIAny* owned);
void any_release(TVMFFIAny* v);
// Keep `h` alive from the core: a new object of `type_index` (an opaque
// object), or, with `call` given, a Function whose self is the table key.
int opaque_create(HPyContext* ctx, HPy h, int32_t type_index, TVMFFISafeCallType call,
                  TVMFFIObject** out);
// The Python object an OpaquePyObject (or a table key) stands for (a new handle).
HPy opaque_get(HPyContext* ctx, TVMFFIObject* opaque);
HPy opaque_key_get(HPyContext* ctx, int64_t key);
// Empty the plain-type cache (convert.cc, known_plain); remember_marked: it
// may hold classes found by their plain mark from now on.
void forget_plain_type(HPyContext* ctx, bool remember_marked);
// Look up the core functions the conversions call (ffi.Array, ffi.Map, ...).
int convert_init(HPyContext* ctx);
// Release the Python objects that the core dropped since the last call.
void drain_released(HPyContext* ctx);
extern volatile int g_released_pending;  // fast check on the call path
inline void maybe_drain_released(HPyContext* ctx) {
  if (g_released_pending) drain_released(ctx);
}
// settle_bindings and drain_released until both are done (Object_finalize).
void release_dropped(HPyContext* ctx);
const char* type_key_of(int32_t type_index);
// A Python str from UTF-8 bytes (invalid bytes are replaced).
HPy py_str(HPyContext* ctx, const TVMFFIByteArray& text);

// ---- tensor.cc -------------------------------------------------------------
extern HPyDef tensor_from_dlpack;  // (capsule, require_alignment, require_contiguous)
extern HPyDef tensor_to_dlpack;    // (tensor, versioned) -> capsule
extern HPyDef tensor_info;         // (tensor) -> metadata tuple
// A core Tensor (one reference, in *out) over the DLPack capsule that the
// Python object `producer` gave, tied to it: it comes back to Python as
// `producer` (tensor_producer).  0, or -1 with an error set.
int tensor_from_producer(HPyContext* ctx, HPy capsule, HPy producer, TVMFFIObject** out);
// Whether a core Tensor was made from a producer; if so, *producer is it (a
// new handle, or HPy_NULL with an error set).
bool tensor_producer(HPyContext* ctx, const TVMFFIObject* tensor, HPy* producer);

// ---- module.cc -----------------------------------------------------------
// TypeError "name() takes N arguments (M given)" unless nargs == expected.
inline bool check_nargs(HPyContext* ctx, const char* name, size_t nargs, size_t expected) {
  if (nargs == expected) return true;
  raise_format(ctx, ctx->h_TypeError, "%s() takes %d arguments (%d given)", name,
               static_cast<int>(expected), static_cast<int>(nargs));
  return false;
}

// ---- errors.cc -----------------------------------------------------------
// Raise the error waiting in the core's per-thread slot; returns HPy_NULL.
HPy raise_from_core(HPyContext* ctx);
// Turn the Python exception carried by the trampoline's marker into a core
// error (the exception object travels with it as the error's payload).
void set_core_error_from_exception(HPyContext* ctx, HPy exc);
// A new core Error (owned, into *out) made from the Python exception `exc`:
// kind = class name, message = str(exc), backtrace = its Python frames,
// payload = `exc` itself.  How an exception crosses as a value.
int error_from_exception(HPyContext* ctx, HPy exc, TVMFFIObject** out);
extern HPyDef error_py_error;  // (err) -> the exception it stands for
// Raise a core error with `kind` and `message` on this thread.
void set_core_error(const char* kind, const char* message);

}  // namespace tvm_ffi_hpy_ext

#endif  // TVM_FFI_HPY_EXT_H_
