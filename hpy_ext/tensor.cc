/*
 * tensor.cc -- Tensor wrappers and DLPack capsules.
 *
 * The DLPack exchange protocol passes a managed tensor inside a capsule:
 *
 *   "dltensor_versioned"  DLManagedTensorVersioned* (DLPack >= 1.0)
 *   "dltensor"            DLManagedTensor* (older producers and consumers)
 *
 * A consumer takes the pointer and renames the capsule "used_<name>", which
 * tells the capsule's destructor that the managed tensor is no longer its to
 * delete.  A capsule that dies unconsumed deletes its managed tensor.
 * Capsules themselves go through the shim (shim.h): HPy's capsule API on
 * CPython, cpyext's on PyPy.
 */
#include <cstring>

#include "ext.h"
#include "shim.h"

namespace tvm_ffi_hpy_ext {

namespace {

constexpr const char* kVersioned = "dltensor_versioned";
constexpr const char* kUsedVersioned = "used_dltensor_versioned";
constexpr const char* kLegacy = "dltensor";
constexpr const char* kUsedLegacy = "used_dltensor";

// Destructor of the capsules we produce: delete what nobody consumed.
void destroy_exported(const char* name, void* pointer) {
  if (pointer == nullptr || name == nullptr) return;
  if (std::strcmp(name, kVersioned) == 0) {
    DLManagedTensorVersioned* m = static_cast<DLManagedTensorVersioned*>(pointer);
    if (m->deleter) m->deleter(m);
  } else if (std::strcmp(name, kLegacy) == 0) {
    DLManagedTensor* m = static_cast<DLManagedTensor*>(pointer);
    if (m->deleter) m->deleter(m);
  }
}

// The core handle of a Tensor wrapper, or NULL with TypeError/ValueError.
TVMFFIObject* tensor_handle(HPyContext* ctx, HPy h) {
  TVMFFIObject* obj = object_handle(ctx, h);
  if (obj != nullptr && obj->type_index != kTVMFFITensor) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "expected a Tensor");
    return nullptr;
  }
  return obj;
}

HPy int64_tuple(HPyContext* ctx, const int64_t* values, int32_t n) {
  HPyTupleBuilder b = HPyTupleBuilder_New(ctx, n);
  for (int32_t i = 0; i < n; ++i) {
    HPy v = HPyLong_FromInt64_t(ctx, values[i]);
    if (HPy_IsNull(v)) {
      HPyTupleBuilder_Cancel(ctx, b);
      return HPy_NULL;
    }
    HPyTupleBuilder_Set(ctx, b, i, v);
    HPy_Close(ctx, v);
  }
  return HPyTupleBuilder_Build(ctx, b);
}

}  // namespace

HPyDef_METH(tensor_from_dlpack, "tensor_from_dlpack", HPyFunc_VARARGS,
            .doc = "tensor_from_dlpack(capsule, require_alignment, require_contiguous): "
                   "a Tensor sharing the memory of a DLPack capsule, which is consumed.")
static HPy tensor_from_dlpack_impl(HPyContext* ctx, HPy, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (!check_nargs(ctx, "tensor_from_dlpack", nargs, 3)) return HPy_NULL;
  long alignment = HPyLong_AsLong(ctx, args[1]);
  if (alignment == -1 && HPyErr_Occurred(ctx)) return HPy_NULL;
  int contiguous = HPy_IsTrue(ctx, args[2]);
  if (contiguous < 0) return HPy_NULL;
  if (alignment < 0 || alignment > INT32_MAX) {
    HPyErr_SetString(ctx, ctx->h_ValueError, "require_alignment out of range");
    return HPy_NULL;
  }
  TVMFFIObjectHandle out = nullptr;
  int rc;
  if (void* p = capsule_take(ctx, args[0], kVersioned, nullptr)) {
    rc = TVMFFITensorFromDLPackVersioned(static_cast<DLManagedTensorVersioned*>(p),
                                         int32_t(alignment), contiguous, &out);
    if (rc == 0) capsule_take(ctx, args[0], kVersioned, kUsedVersioned);
  } else if (void* q = capsule_take(ctx, args[0], kLegacy, nullptr)) {
    rc = TVMFFITensorFromDLPack(static_cast<DLManagedTensor*>(q), int32_t(alignment), contiguous,
                                &out);
    if (rc == 0) capsule_take(ctx, args[0], kLegacy, kUsedLegacy);
  } else {
    bool used = capsule_take(ctx, args[0], kUsedVersioned, nullptr) != nullptr ||
                capsule_take(ctx, args[0], kUsedLegacy, nullptr) != nullptr;
    HPyErr_SetString(ctx, used ? ctx->h_ValueError : ctx->h_TypeError,
                     used ? "this DLPack capsule was already consumed (a capsule can be used once)"
                          : "expected a DLPack capsule (named 'dltensor_versioned' or 'dltensor')");
    return HPy_NULL;
  }
  if (rc != 0) return raise_from_core(ctx);
  return wrap_object(ctx, static_cast<TVMFFIObject*>(out), /*steal=*/true);
}

HPyDef_METH(tensor_to_dlpack, "tensor_to_dlpack", HPyFunc_VARARGS,
            .doc = "tensor_to_dlpack(tensor, versioned): a DLPack capsule sharing the "
                   "tensor's memory ('dltensor_versioned' or 'dltensor').")
static HPy tensor_to_dlpack_impl(HPyContext* ctx, HPy, const HPy* args, size_t nargs) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  if (!check_nargs(ctx, "tensor_to_dlpack", nargs, 2)) return HPy_NULL;
  TVMFFIObject* obj = tensor_handle(ctx, args[0]);
  if (!obj) return HPy_NULL;
  int versioned = HPy_IsTrue(ctx, args[1]);
  if (versioned < 0) return HPy_NULL;
  void* managed = nullptr;
  int rc = versioned ? TVMFFITensorToDLPackVersioned(
                           obj, reinterpret_cast<DLManagedTensorVersioned**>(&managed))
                     : TVMFFITensorToDLPack(obj, reinterpret_cast<DLManagedTensor**>(&managed));
  if (rc != 0) return raise_from_core(ctx);
  HPy cap = capsule_new(ctx, managed, versioned ? kVersioned : kLegacy, &destroy_exported);
  if (HPy_IsNull(cap)) destroy_exported(versioned ? kVersioned : kLegacy, managed);
  return cap;
}

HPyDef_METH(tensor_info, "tensor_info", HPyFunc_O,
            .doc = "tensor_info(tensor): (data, shape, strides, (code, bits, lanes), "
                   "(device_type, device_id), byte_offset).")
static HPy tensor_info_impl(HPyContext* ctx, HPy, HPy tensor) {
  if (ensure_stack_headroom(ctx) < 0) return HPy_NULL;
  TVMFFIObject* obj = tensor_handle(ctx, tensor);
  if (!obj) return HPy_NULL;
  const DLTensor* dl = TVMFFITensorGetDLTensorPtr(obj);
  const int64_t dtype[3] = {dl->dtype.code, dl->dtype.bits, dl->dtype.lanes};
  const int64_t device[2] = {dl->device.device_type, dl->device.device_id};
  HPy items[6] = {
      HPyLong_FromUInt64_t(ctx, reinterpret_cast<uintptr_t>(dl->data)),
      int64_tuple(ctx, dl->shape, dl->ndim),
      int64_tuple(ctx, dl->strides, dl->ndim),
      int64_tuple(ctx, dtype, 3),
      int64_tuple(ctx, device, 2),
      HPyLong_FromUInt64_t(ctx, dl->byte_offset),
  };
  HPy result = HPy_NULL;
  bool ok = true;
  for (HPy h : items) ok = ok && !HPy_IsNull(h);
  if (ok) result = HPyTuple_FromArray(ctx, items, 6);
  for (HPy h : items) close_h(ctx, h);
  return result;
}

}  // namespace tvm_ffi_hpy_ext
