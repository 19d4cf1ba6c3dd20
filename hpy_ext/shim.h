/*
 * shim.h -- the one place where interpreter differences are handled.
 *
 * The extension is a single HPy universal binary; it never asks which
 * interpreter runs it.  What differs between CPython, PyPy and HPy's debug
 * mode and that the C++ code must respect is kept here:
 *
 *  - Closing HPy_NULL: tolerated by CPython's universal context, not
 *    something to rely on in debug mode.  close_h closes only live handles.
 *  - Getter errors: on PyPy a getset getter that fails returns None with the
 *    error lost.  Reflected fields therefore use a callable accessor
 *    (object_type.cc), never HPyDef_GET / HPyDef_GETSET with a failing path.
 *  - Subclasses: PyPy reads basicsize, tp_new and tp_destroy from the exact
 *    type only, and CPython runs tp_destroy once per level.  make_type repeats
 *    them in every spec and tp_destroy is idempotent (object_type.cc).
 *  - tp_destroy has no context: it may only touch core memory.  Python
 *    objects the core drops are released later with a context
 *    (convert.cc, drain_released).
 *  - Foreign threads: HPy 0.9 cannot attach a thread Python does not know.
 *    Callbacks from such threads fail cleanly (function_type.cc).
 *  - Calls: HPy_Call returns garbage handles on PyPy 7.3.19 (seen here: a
 *    handle of 0xffffffff), so calls go through call_positional, built on
 *    HPy_CallTupleDict, which behaves the same everywhere.
 *  - Decoding: HPyUnicode_FromEncodedObject crashes PyPy 7.3.19, so text is
 *    decoded with HPyUnicode_FromString (NUL-free UTF-8) or, for text with
 *    embedded NULs or invalid UTF-8, by calling bytes.decode.
 */
#ifndef TVM_FFI_HPY_SHIM_H_
#define TVM_FFI_HPY_SHIM_H_

#include <hpy.h>

#include <cstring>
#include <string>

namespace tvm_ffi_hpy_ext {

inline void close_h(HPyContext* ctx, HPy h) {
  if (!HPy_IsNull(h)) HPy_Close(ctx, h);
}

// callable(*args) -> new handle, or HPy_NULL with an error set.
inline HPy call_positional(HPyContext* ctx, HPy callable, const HPy* args, size_t nargs) {
  HPy tuple = HPyTuple_FromArray(ctx, const_cast<HPy*>(args), static_cast<HPy_ssize_t>(nargs));
  if (HPy_IsNull(tuple)) return HPy_NULL;
  HPy result = HPy_CallTupleDict(ctx, callable, tuple, HPy_NULL);
  HPy_Close(ctx, tuple);
  return result;
}

// A str from `size` bytes of UTF-8 at `data`; `errors` as for bytes.decode
// ("strict", "replace", ...).  `nul_terminated`: data[size] == '\0'.
inline HPy unicode_from_utf8(HPyContext* ctx, const char* data, size_t size, bool nul_terminated,
                             const char* errors) {
  if (std::memchr(data, 0, size) == nullptr) {
    HPy s = nul_terminated ? HPyUnicode_FromString(ctx, data)
                           : HPyUnicode_FromString(ctx, std::string(data, size).c_str());
    if (!HPy_IsNull(s) || std::strcmp(errors, "strict") == 0) return s;
    HPyErr_Clear(ctx);  // invalid UTF-8: decode below with the caller's `errors`
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

}  // namespace tvm_ffi_hpy_ext

#endif  // TVM_FFI_HPY_SHIM_H_
