/*
 * errors.cc -- one uniform way to fail across the boundary.
 *
 * core -> Python.  A core call that returns -1 leaves an Error in the core's
 * per-thread slot.  raise_from_core takes it and raises
 *   - the very Python exception object that started it, when the error came
 *     from a Python callback (the object travels as the error's payload);
 *   - otherwise an instance of the class registered for the error's kind
 *     (g_error_classes: builtins such as TypeError, ValueError, IndexError,
 *     KeyError, AttributeError, plus `register_error` classes), or
 *     RuntimeError for unknown kinds, with the core's message as its only
 *     argument, the Error object in `__tvm_ffi_error__`, the core
 *     backtrace in `__ffi_backtrace__` and, when the
 *     error has a cause_chain, the cause's exception as `__cause__`.
 *   Both are raised by a Python helper (core.py, _CallbackError._reraise and
 *   _raise_with_backtrace): the exception keeps the traceback of the Python
 *   frames it crossed below the C++ call (PyPy's HPyErr_SetObject would drop
 *   it), and the C++ frames of a core backtrace appear as its innermost
 *   entries (File "core/src/x.cc", line 12, in Function).
 *
 * Python -> core.  A Python callback that raises is caught by the Python
 * trampoline; set_core_error_from_exception raises an Error made from the
 * exception: kind = the exception's class name, message = str(exc),
 * backtrace = its Python frames, payload = the exception itself.  An
 * exception passed as a value (convert, an argument, a list item, a
 * callback's return value) becomes the same kind of Error, not raised
 * (error_from_exception); error_py_error turns it back.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ext.h"
#include "shim.h"

namespace tvm_ffi_hpy_ext {

constexpr int kMaxCauseDepth = 64;  // __cause__ levels made from a cause chain

static HPy error_class_for(HPyContext* ctx, const TVMFFIByteArray& kind) {
  HPy classes = HPyGlobal_Load(ctx, g_error_classes);
  HPy key = py_str(ctx, kind);
  HPy cls = HPy_NULL;
  if (!HPy_IsNull(key) && HPy_Contains(ctx, classes, key) == 1) cls = HPy_GetItem(ctx, classes, key);
  if (HPy_IsNull(cls)) HPyErr_Clear(ctx);
  close_h(ctx, key);
  HPy_Close(ctx, classes);
  return HPy_IsNull(cls) ? HPy_Dup(ctx, ctx->h_RuntimeError) : cls;
}

// The Python exception for core error `err` (borrowed): the original Python
// exception when it carries one, else a new instance of the class registered
// for its kind, with __cause__ following the cause chain (up to `depth` more
// levels).  Unless `link` is false, the exception's __tvm_ffi_error__ is
// `err_h`, the wrapper of `err` when the caller has it, else a wrapper made
// here.  Returns a new handle, or HPy_NULL with an error set.
static HPy exception_from_error(HPyContext* ctx, TVMFFIObject* err, HPy err_h, int depth,
                                bool link = true) {
  TVMFFIAny payload;
  payload.type_index = kTVMFFINone;
  TVMFFIErrorGetPayload(err, &payload);
  if (payload.type_index == kTVMFFIOpaquePyObject) return opaque_get(ctx, payload.v_obj);
  const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(err);
  HPy cls = error_class_for(ctx, cell->kind);
  HPy msg = py_str(ctx, cell->message);
  HPy exc = HPy_IsNull(msg) ? HPy_NULL : call_positional(ctx, cls, &msg, 1);
  if (!HPy_IsNull(exc) && link) {  // apache tvm-ffi's link from the exception to its Error
    HPy made = HPy_IsNull(err_h) ? wrap_object(ctx, err, false) : HPy_NULL;
    HPy link = HPy_IsNull(err_h) ? made : err_h;
    if (HPy_IsNull(link) || HPy_SetAttr_s(ctx, exc, "__tvm_ffi_error__", link) < 0) {
      HPyErr_Clear(ctx);
    }
    close_h(ctx, made);
  }
  if (!HPy_IsNull(exc) && cell->backtrace.size > 0) {
    HPy bt = py_str(ctx, cell->backtrace);
    if (HPy_IsNull(bt) || HPy_SetAttr_s(ctx, exc, "__ffi_backtrace__", bt) < 0) HPyErr_Clear(ctx);
    close_h(ctx, bt);
  }
  TVMFFIObject* cause = static_cast<TVMFFIObject*>(cell->cause_chain);
  if (!HPy_IsNull(exc) && cause != nullptr && depth > 0) {
    HPy cause_exc = exception_from_error(ctx, cause, HPy_NULL, depth - 1);
    if (HPy_IsNull(cause_exc) || HPy_SetAttr_s(ctx, exc, "__cause__", cause_exc) < 0) {
      HPyErr_Clear(ctx);  // the error itself still gets through
    }
    close_h(ctx, cause_exc);
  }
  close_h(ctx, msg);
  HPy_Close(ctx, cls);
  return exc;
}

// Raise through a Python helper (the hooks reraise and raise_with_backtrace,
// module.cc): raising from Python code keeps the traceback an exception
// already carries (PyPy's HPyErr_SetObject drops it) and lets C++ frames
// appear in it.  False (nothing raised, no error set) when the hook is not
// installed yet (before set_hooks) or did not raise.
static bool raise_through_helper(HPyContext* ctx, HPyGlobal hook, HPy* args, size_t nargs) {
  HPy helper = HPyGlobal_Load(ctx, hook);
  if (HPy_Is(ctx, helper, ctx->h_None)) {
    HPy_Close(ctx, helper);
    return false;
  }
  HPy res = call_positional(ctx, helper, args, nargs);
  HPy_Close(ctx, helper);
  if (HPy_IsNull(res)) return true;
  HPy_Close(ctx, res);
  return false;
}

HPy raise_from_core(HPyContext* ctx) {
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  if (!err) {
    HPyErr_SetString(ctx, ctx->h_RuntimeError, "a core call failed without raising an error");
    return HPy_NULL;
  }
  TVMFFIObject* e = static_cast<TVMFFIObject*>(err);
  TVMFFIAny payload;
  payload.type_index = kTVMFFINone;
  TVMFFIErrorGetPayload(e, &payload);
  bool original = payload.type_index == kTVMFFIOpaquePyObject;
  const TVMFFIErrorCell* cell = TVMFFIErrorGetCellPtr(e);
  HPy bt = HPy_NULL;
  if (!original && cell->backtrace.size > 0) {
    bt = py_str(ctx, cell->backtrace);
    if (HPy_IsNull(bt)) HPyErr_Clear(ctx);
  }
  HPy exc = exception_from_error(ctx, e, HPy_NULL, kMaxCauseDepth, /*link=*/false);
  if (!original && !HPy_IsNull(exc)) {
    // __tvm_ffi_error__: a wrapper that takes our reference (the Error's only one).
    HPy err_h = wrap_object(ctx, e, true);
    if (HPy_IsNull(err_h) || HPy_SetAttr_s(ctx, exc, "__tvm_ffi_error__", err_h) < 0) {
      HPyErr_Clear(ctx);  // not worth losing the error for
    }
    close_h(ctx, err_h);
  } else {
    TVMFFIObjectDecRef(err);
  }
  if (!HPy_IsNull(exc)) {
    bool raised = false;
    if (original) {
      raised = raise_through_helper(ctx, g_reraise, &exc, 1);
    } else if (!HPy_IsNull(bt)) {
      HPy helper_args[2] = {exc, bt};
      raised = raise_through_helper(ctx, g_raise_with_backtrace, helper_args, 2);
    }
    if (!raised) {
      HPy type = HPy_Type(ctx, exc);
      HPyErr_SetObject(ctx, type, exc);
      HPy_Close(ctx, type);
    }
    HPy_Close(ctx, exc);
  }
  close_h(ctx, bt);
  return HPy_NULL;
}

// UTF-8 text of str(h) (or of h.__name__ when `name`), into *out.
static bool text_of(HPyContext* ctx, HPy h, bool name, HPy* keep, const char** out) {
  *keep = name ? HPy_GetAttr_s(ctx, h, "__name__") : HPy_Str(ctx, h);
  if (HPy_IsNull(*keep)) return false;
  HPy_ssize_t size;
  *out = HPyUnicode_AsUTF8AndSize(ctx, *keep, &size);
  return *out != nullptr;
}

// The backtrace text of `exc` (the Python frames of its traceback, in the
// core's format) from the backtrace_of hook, into *out; "" when the hook is
// not installed yet or fails: a backtrace is never worth losing the error for.
static void backtrace_of(HPyContext* ctx, HPy exc, HPy* keep, const char** out) {
  *out = "";
  HPy helper = HPyGlobal_Load(ctx, g_backtrace_of);
  *keep = HPy_Is(ctx, helper, ctx->h_None) ? HPy_NULL : call_positional(ctx, helper, &exc, 1);
  close_h(ctx, helper);
  HPy_ssize_t size;
  const char* text = HPy_IsNull(*keep) || !HPyUnicode_Check(ctx, *keep)
                         ? nullptr
                         : HPyUnicode_AsUTF8AndSize(ctx, *keep, &size);
  if (text != nullptr) {
    *out = text;
  } else {
    HPyErr_Clear(ctx);
  }
}

// A new core Error standing for the Python exception `exc`: kind = its class
// name, message = str(exc), backtrace = its Python frames, payload = `exc`
// itself (an OpaquePyObject), so that it becomes that very object again in
// Python.  Without `need_payload`, a payload that cannot be made is left out.
// 0 with *out owned, or -1 with a Python error set.
static int build_error(HPyContext* ctx, HPy exc, bool need_payload, TVMFFIObject** out) {
  HPy type = HPy_Type(ctx, exc);
  HPy kind_h = HPy_NULL, msg_h = HPy_NULL, bt_h = HPy_NULL;
  const char* kind = "RuntimeError";
  const char* msg = "<exception with an unprintable message>";
  const char* bt = "";
  if (!text_of(ctx, type, true, &kind_h, &kind)) {
    HPyErr_Clear(ctx);
    kind = "RuntimeError";
  }
  if (!text_of(ctx, exc, false, &msg_h, &msg)) {
    HPyErr_Clear(ctx);
    msg = "<exception with an unprintable message>";
  }
  backtrace_of(ctx, exc, &bt_h, &bt);
  TVMFFIByteArray kind_ba{kind, std::strlen(kind)};
  TVMFFIByteArray msg_ba{msg, std::strlen(msg)};
  TVMFFIByteArray bt_ba{bt, std::strlen(bt)};
  TVMFFIObjectHandle err = nullptr;
  int rc = 0;
  if (TVMFFIErrorCreate(&kind_ba, &msg_ba, &bt_ba, &err) != 0) {
    raise_from_core(ctx);
    rc = -1;
  } else {
    TVMFFIObject* opaque = nullptr;
    if (opaque_create(ctx, exc, kTVMFFIOpaquePyObject, nullptr, &opaque) == 0) {
      TVMFFIAny payload;
      payload.type_index = kTVMFFIOpaquePyObject;
      payload.zero_padding = 0;
      payload.v_obj = opaque;
      TVMFFIErrorSetPayload(err, &payload);
      TVMFFIObjectDecRef(opaque);
    } else if (need_payload) {
      TVMFFIObjectDecRef(err);
      err = nullptr;
      rc = -1;
    } else {
      HPyErr_Clear(ctx);
    }
  }
  close_h(ctx, bt_h);
  close_h(ctx, msg_h);
  close_h(ctx, kind_h);
  HPy_Close(ctx, type);
  *out = static_cast<TVMFFIObject*>(err);
  return rc;
}

int error_from_exception(HPyContext* ctx, HPy exc, TVMFFIObject** out) {
  return build_error(ctx, exc, true, out);
}

void set_core_error_from_exception(HPyContext* ctx, HPy exc) {
  TVMFFIObject* err = nullptr;
  if (build_error(ctx, exc, false, &err) == 0) {
    TVMFFIErrorSetRaised(err);
    TVMFFIObjectDecRef(err);
  } else {
    HPyErr_Clear(ctx);
    TVMFFIErrorSetRaisedFromCStr("MemoryError", "out of memory while recording an error");
  }
}

HPyDef_METH(error_py_error, "error_py_error", HPyFunc_O,
            .doc = "error_py_error(err) -> the Python exception of a core Error object: the "
                   "very exception it was made from, else a new one of the class registered "
                   "for its kind.")
static HPy error_py_error_impl(HPyContext* ctx, HPy, HPy err) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  TVMFFIObject* obj = object_handle_of(ctx, err, kTVMFFIError, "an Error object");
  if (!obj) return HPy_NULL;
  return exception_from_error(ctx, obj, err, kMaxCauseDepth);
}

void set_core_error(const char* kind, const char* message) {
  TVMFFIErrorSetRaisedFromCStr(kind, message);
}

void ext_check_failed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "tvm_ffi_hpy: internal check failed at %s:%d: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

}  // namespace tvm_ffi_hpy_ext
