/*
 * shim.h -- the one place where interpreter differences are handled.
 *
 * The extension is a single HPy universal binary; it never asks which
 * interpreter runs it.  What differs between CPython, PyPy and HPy's debug
 * mode and that the C++ code must respect is kept here:
 *
 *  - Closing HPy_NULL: tolerated by CPython's universal context, not
 *    something to rely on in debug mode.  close_h closes only live handles.
 *  - Getset errors: on PyPy 7.3.19 a getset getter that fails hands Python
 *    code None or an unrelated object (seen: a module), a failing setter
 *    returns normally, and the error stays pending until some later HPy call
 *    clears it (meanwhile the next C-API module to initialise fails with
 *    SystemError).  Reading such a getter from C aborts the process.  The
 *    extension offers both front ends for reflected fields (object_type.cc):
 *    getset descriptors made by make_type, and properties over a callable
 *    accessor.  getset_errors_reported() (below) says which one to use; the
 *    package reads it as _ffi.GETSET_FIELDS.  It is decided by a symbol
 *    lookup (PyPy's cpyext is in the process), not by a probe: a probe would
 *    have to trigger the bug it looks for.
 *  - Raising an exception that carries a traceback: PyPy's HPyErr_SetObject
 *    drops the traceback.  errors.cc raises such exceptions from Python code
 *    (the `reraise` hook), which keeps it on both interpreters.
 *  - C stack: PyPy aborts the process when re-entry through callbacks runs
 *    the C stack out; function_type.cc bounds that nesting (kMaxCallDepth)
 *    and raises RecursionError past it.
 *  - Subclasses: PyPy reads basicsize, tp_new and tp_destroy from the exact
 *    type only, and CPython runs tp_destroy once per level.  make_type repeats
 *    them in every spec and tp_destroy is idempotent (object_type.cc).
 *  - tp_destroy has no context: it may only touch core memory.  Python
 *    objects the core drops are released later with a context
 *    (convert.cc, drain_released).
 *  - Foreign threads: HPy 0.9 cannot attach a thread Python does not know.
 *    Callbacks from such threads go through the callback service
 *    (callbacks.cc).
 *  - Calls: HPy_Call returns garbage handles on PyPy 7.3.19 (seen here: a
 *    handle of 0xffffffff).  Calls go through call_positional: HPy_Call
 *    (CPython's vectorcall, no argument tuple: about 250 instructions less
 *    per callback) with CPython's own universal context only;
 *    HPy_CallTupleDict, which behaves the same everywhere, with every other
 *    context (PyPy's, and HPy's debug and trace contexts, whose HPy_Call
 *    wrappers add their own bookkeeping around the callee).
 *  - HPyDict_Keys fails on PyPy 7.3.19 ("expected string object"): the keys
 *    of a dict are taken as list(dict) through call_positional (dict_keys).
 *  - Decoding: HPyUnicode_FromEncodedObject crashes PyPy 7.3.19, and PyPy's
 *    HPyUnicode_FromString raises SystemError on invalid UTF-8.  Text is
 *    decoded with HPyUnicode_FromString only when it is valid, NUL-free UTF-8;
 *    otherwise by calling bytes.decode (UnicodeDecodeError, or `errors`).
 *    ASCII text takes HPyUnicode_DecodeASCII where that is the cheaper call
 *    (CPython: no strlen, no UTF-8 decoder; about 65 instructions less per
 *    str), and HPyUnicode_FromString where cpyext is in the process (PyPy
 *    7.3.19: DecodeASCII costs about 90 ns more per str); ascii_decode_cheap().
 *  - Encoding: PyPy's HPyUnicode_AsUTF8AndSize lets lone surrogates through
 *    (encoded as 0xED 0xA0..0xBF); CPython raises UnicodeEncodeError.
 *    utf8_from_unicode raises UnicodeError there (UnicodeEncodeError cannot
 *    be raised from a message alone on PyPy): a UnicodeError on both.  It
 *    scans for them only where cpyext is in the process.
 *  - Integers: PyPy 7.3.19's HPyLong_FromInt64_t (and FromSsize_t, FromSize_t,
 *    FromUInt32_t, FromUInt64_t) make an arbitrary-precision int
 *    (W_LongObject) whatever the value, which stays one through arithmetic
 *    and which the JIT cannot keep in a register; only HPyLong_FromInt32_t
 *    makes a machine int.  int_to_py takes FromInt32_t for values that fit
 *    (the same PyLong_FromLong on CPython).  Wider values stay big ints on
 *    PyPy: HPy 0.9 has no other call.
 *  - HPyType_IsSubtype returns garbage on PyPy 7.3.19 (a pointer-like value
 *    for any pair of types; HPy_TypeCheck is right).  type_is_subtype reads
 *    the type's __mro__ instead.
 *  - Capsules: the HPyCapsule_* slots of PyPy 7.3.19's universal context are
 *    unusable (HPyCapsule_New jumps to address 0x53; HPyCapsule_IsValid says
 *    0 for NumPy's capsules and HPyCapsule_GetName crashes).  DLPack needs
 *    capsules that C-API consumers such as NumPy understand, so where the
 *    process exports cpyext's capsule functions (PyPyCapsule_New, ...), the
 *    capsule_* helpers below reach them through HPy_AsPyObject /
 *    HPy_FromPyObject; everywhere else they use HPy's capsule API.  The
 *    choice is made once, by symbol lookup, not by interpreter name.
 *  - Stack: PyPy checks its stack inside most of its HPy functions, and when
 *    one finds it full, an internal StackOverflow escapes it without an HPy
 *    error: the function returns garbage (a handle of -1) and the next HPy
 *    call given that garbage aborts the process ("Fatal RPython error").
 *    Python code at the recursion limit raises RecursionError instead, and
 *    it can call the extension right there, with no room left.  So every
 *    entry point and every call into Python code first checks that the
 *    stack would be less than 15/16 full with 64 KB more on it
 *    (ensure_stack_headroom, with cpyext's Py_EnterRecursiveCall where the
 *    process exports it, found by symbol lookup) and raises RecursionError
 *    otherwise; the 64 KB leave PyPy's JIT room to unwind that exception.
 *    CPython's HPy functions check their own depth; there the check is a
 *    no-op.  The answer is cached per thread (about 90 ns per real check on
 *    PyPy); the package makes sys.setrecursionlimit invalidate it (core.py).
 *
 * Where each one is exercised (both interpreters, the normal test command):
 *   getset errors       tests/test_object.py, test_field_errors_reach_python_*
 *   raising, traceback  tests/test_cpp_exceptions.py, tests/test_callback.py
 *   C stack, Stack      tests/test_nesting.py, tests/test_recursion_limit.py
 *                       (a standalone HPy reproducer: docs/design.md,
 *                       "The recursion limit")
 *   subclasses          tests/test_tying.py, tests/test_object.py
 *   foreign threads     tests/test_threads.py
 *   calls, dict keys    every callback and dict test (tests/test_callback.py,
 *                       tests/test_conversion.py, test_dict_becomes_map)
 *   decoding, encoding  tests/test_conversion.py, tests/test_bad_input.py
 *   integers            tests/test_conversion.py, test_ints_are_machine_ints_*
 *   HPyType_IsSubtype   tests/test_bad_input.py (make_type's base checks)
 *   capsules            tests/test_tensor.py (NumPy <-> Tensor)
 *   context re-entry in PyPy's HPy debug mode (a 20-line HPy reproducer):
 *                       tests/conftest.py, `reenters_extension`
 */
#ifndef TVM_FFI_HPY_SHIM_H_
#define TVM_FFI_HPY_SHIM_H_

#include <hpy.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>

namespace tvm_ffi_hpy_ext {

inline void close_h(HPyContext* ctx, HPy h) {
  if (!HPy_IsNull(h)) HPy_Close(ctx, h);
}

// Raises `type` with a printf-style message (vsnprintf: no %R or %S) and
// returns HPy_NULL.  The extension's own HPyErr_Format, so that it needs
// only HPy's headers and none of its runtime sources.
HPy raise_format(HPyContext* ctx, HPy type, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

// ---- stack headroom (see the top: "Stack") ----------------------------------
// Per thread: the deepest stack address at which the interpreter's check said
// "room left" (UINTPTR_MAX: none yet; 0: this interpreter needs no check), and
// the limit epoch it was made under.  The stack grows down on every platform
// this builds for.
struct StackCache {
  uintptr_t safe_sp;
  uint32_t epoch;
};
extern __thread StackCache t_stack_cache;  // shim.cc
extern std::atomic<uint32_t> g_stack_epoch;  // bumped by stack_limit_changed
int ensure_stack_headroom_slow(HPyContext* ctx, uintptr_t sp);  // shim.cc
// sys.setrecursionlimit was called: every thread checks again (core.py).
void stack_limit_changed();

// 0 when the interpreter's stack has room for the extension to work and run
// Python code; -1 with RecursionError set when it is nearly full.  Every
// entry point from Python starts with it (ext.h, EXT_ENTRY), and so does every
// call into Python code (call_positional).  Fast path: no deeper than a
// point already checked under the current limit.
inline int ensure_stack_headroom(HPyContext* ctx) {
  uintptr_t sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  const StackCache& c = t_stack_cache;
  if (__builtin_expect(sp >= c.safe_sp &&
                       c.epoch == g_stack_epoch.load(std::memory_order_relaxed), 1)) {
    return 0;
  }
  return ensure_stack_headroom_slow(ctx, sp);
}

// Whether HPy_Call may be used with `ctx` ("Calls" above): only CPython's
// universal context.  Under the GIL; cached per context.
inline bool plain_vectorcall(HPyContext* ctx) {
  static HPyContext* checked = nullptr;
  static bool ok = false;
  if (ctx != checked) {
    ok = ctx->name != nullptr &&
         std::strcmp(ctx->name, "HPy Universal ABI (CPython backend)") == 0;
    checked = ctx;
  }
  return ok;
}

// callable(*args) -> new handle, or HPy_NULL with an error set.
inline HPy call_positional(HPyContext* ctx, HPy callable, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (plain_vectorcall(ctx)) return HPy_Call(ctx, callable, args, nargs, HPy_NULL);
  HPy tuple = HPyTuple_FromArray(ctx, const_cast<HPy*>(args), static_cast<HPy_ssize_t>(nargs));
  if (HPy_IsNull(tuple)) return HPy_NULL;
  HPy result = HPy_CallTupleDict(ctx, callable, tuple, HPy_NULL);
  HPy_Close(ctx, tuple);
  return result;
}

// callable(**{names[i]: values[i]}) -> new handle, or HPy_NULL with an error
// set.  Takes the values over (closes them); a null value fails the call (its
// error is already set).  Keywords go through a dict and HPy_CallTupleDict, as
// positional calls do (HPy_Call's kwnames form is the one that misbehaves).
inline HPy call_keywords(HPyContext* ctx, HPy callable, const char* const* names, HPy* values,
                         size_t n) {
  bool ok = ensure_stack_headroom(ctx) == 0;
  for (size_t i = 0; i < n; ++i) ok = ok && !HPy_IsNull(values[i]);
  HPy kwargs = ok ? HPyDict_New(ctx) : HPy_NULL;
  ok = ok && !HPy_IsNull(kwargs);
  for (size_t i = 0; i < n && ok; ++i) ok = HPy_SetItem_s(ctx, kwargs, names[i], values[i]) == 0;
  HPy empty = ok ? HPyTuple_FromArray(ctx, nullptr, 0) : HPy_NULL;
  HPy result = HPy_IsNull(empty) ? HPy_NULL : HPy_CallTupleDict(ctx, callable, empty, kwargs);
  close_h(ctx, empty);
  close_h(ctx, kwargs);
  for (size_t i = 0; i < n; ++i) close_h(ctx, values[i]);
  return result;
}

// The keys of a dict as a new list, or HPy_NULL with an error set: list(d),
// not HPyDict_Keys (see above).
inline HPy dict_keys(HPyContext* ctx, HPy dict) {
  return call_positional(ctx, ctx->h_ListType, &dict, 1);
}

// True when the errors of getset descriptors reach Python code (see "Getset
// errors" above): false where PyPy's cpyext is in the process.
bool getset_errors_reported();  // shim.cc

// True when HPyUnicode_DecodeASCII is the cheaper way to make a str of ASCII
// text (see "Decoding" above): false where PyPy's cpyext is in the process.
bool cpyext_in_process();  // shim.cc
inline bool ascii_decode_cheap() {
  static const bool cheap = !cpyext_in_process();
  return cheap;
}

// True when [data, data+size) is valid UTF-8 (no surrogates, no overlongs).
inline bool utf8_valid(const char* data, size_t size) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data);
  const unsigned char* end = p + size;
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((*p & 0xE0) == 0xC0) { n = 1; cp = *p & 0x1F; }
    else if ((*p & 0xF0) == 0xE0) { n = 2; cp = *p & 0x0F; }
    else if ((*p & 0xF8) == 0xF0) { n = 3; cp = *p & 0x07; }
    else return false;
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static const uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

// The UTF-8 text of a str (valid for the life of `h`), or NULL with
// UnicodeEncodeError (lone surrogates) or another error set.
inline const char* utf8_from_unicode(HPyContext* ctx, HPy h, HPy_ssize_t* size) {
  const char* data = HPyUnicode_AsUTF8AndSize(ctx, h, size);
  if (!data) return nullptr;
  // Only PyPy gets here with surrogates, always encoded as 0xED 0xA0..0xBF;
  // CPython has raised already (no scan there).
  static const bool surrogates_pass = cpyext_in_process();
  if (!surrogates_pass) return data;
  const char* p = data;
  const char* end = data + *size;
  while ((p = static_cast<const char*>(std::memchr(p, '\xED', end - p))) != nullptr) {
    if (p + 1 < end && (static_cast<unsigned char>(p[1]) & 0xE0) == 0xA0) {
      HPyErr_SetString(ctx, ctx->h_UnicodeError,
                       "'utf-8' codec can't encode a lone surrogate: surrogates not allowed");
      return nullptr;
    }
    ++p;
  }
  return data;
}

// True when the `size` bytes at `data` are all ASCII (NUL included).
inline bool ascii_only(const char* data, size_t size) {
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    if (word & kHighBits) return false;
  }
  for (; i < size; ++i) {
    if (static_cast<unsigned char>(data[i]) & 0x80) return false;
  }
  return true;
}

// A str from `size` bytes of UTF-8 at `data`; `errors` as for bytes.decode
// ("strict", "replace", ...).  `nul_terminated`: data[size] == '\0'.
// ASCII text (the common case) is decoded as such: no scan for NUL, no
// UTF-8 validation, no strlen.
inline HPy unicode_from_utf8(HPyContext* ctx, const char* data, size_t size, bool nul_terminated,
                             const char* errors) {
  if (ascii_decode_cheap() && ascii_only(data, size)) {
    return HPyUnicode_DecodeASCII(ctx, data, static_cast<HPy_ssize_t>(size), errors);
  }
  if (std::memchr(data, 0, size) == nullptr && utf8_valid(data, size)) {
    return nul_terminated ? HPyUnicode_FromString(ctx, data)
                          : HPyUnicode_FromString(ctx, std::string(data, size).c_str());
  }
  HPy args[3] = {HPyBytes_FromStringAndSize(ctx, data, static_cast<HPy_ssize_t>(size)),
                 HPyUnicode_FromString(ctx, "utf-8"), HPyUnicode_FromString(ctx, errors)};
  HPy decode = HPy_IsNull(args[0]) ? HPy_NULL : HPy_GetAttr_s(ctx, args[0], "decode");
  HPy s = HPy_NULL;
  if (!HPy_IsNull(decode) && !HPy_IsNull(args[1]) && !HPy_IsNull(args[2])) {
    s = call_positional(ctx, decode, args + 1, 2);
  }
  close_h(ctx, decode);
  for (HPy h : args) close_h(ctx, h);
  return s;
}

// A Python int for `v` (see "Integers" at the top).
inline HPy int_to_py(HPyContext* ctx, int64_t v) {
  if (v == static_cast<int32_t>(v)) return HPyLong_FromInt32_t(ctx, static_cast<int32_t>(v));
  return HPyLong_FromInt64_t(ctx, v);
}

// 1 when the class `type` is `base` or derives from it, 0 when not, -1 with an
// error set (HPyType_IsSubtype is broken on PyPy 7.3.19; see the top).
inline int type_is_subtype(HPyContext* ctx, HPy type, HPy base) {
  HPy mro = HPy_GetAttr_s(ctx, type, "__mro__");
  if (HPy_IsNull(mro)) return -1;
  HPy_ssize_t n = HPy_Length(ctx, mro);
  int found = n < 0 ? -1 : 0;
  for (HPy_ssize_t i = 0; i < n && found == 0; ++i) {
    HPy item = HPy_GetItem_i(ctx, mro, i);
    if (HPy_IsNull(item)) {
      found = -1;
      break;
    }
    found = HPy_Is(ctx, item, base) ? 1 : 0;
    HPy_Close(ctx, item);
  }
  HPy_Close(ctx, mro);
  return found;
}

// ---- capsules (shim.cc) -----------------------------------------------------
// A capsule's destructor: called once when the capsule dies, with its final
// name and its pointer.  It runs without a context and must not call Python.
using CapsuleDestroy = void (*)(const char* name, void* pointer);

// A new capsule holding `pointer` (non-NULL) under `name` (a string literal:
// capsules keep the pointer, not a copy).  Returns HPy_NULL with an error set.
HPy capsule_new(HPyContext* ctx, void* pointer, const char* name, CapsuleDestroy destroy);

// The pointer of `h` when it is a capsule named `name` (else NULL, no error
// set); with `rename` (a string literal), the capsule is renamed on success.
void* capsule_take(HPyContext* ctx, HPy h, const char* name, const char* rename);

}  // namespace tvm_ffi_hpy_ext

#endif  // TVM_FFI_HPY_SHIM_H_
