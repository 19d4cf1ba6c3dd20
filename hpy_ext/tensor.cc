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
#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

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
    HPy v = int_to_py(ctx, values[i]);
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

// ---------------------------------------------------------------------------
// Tensors made from a Python producer where a call takes a value
// ---------------------------------------------------------------------------
// A DLPack producer (a NumPy array, a torch tensor) passed to a call becomes
// a core Tensor that remembers it, and that Tensor comes back to Python as
// the producer itself: `f(x) is x`, `make_array(x)[0] is x`, also when C++
// kept the tensor and returns it later.  (ffi.from_dlpack(x) makes a plain
// Tensor: the caller asked for one.)
//
// The core gets a managed tensor of ours wrapping the producer's: same
// DLTensor, our deleter, and a strong reference to an OpaquePyObject of the
// producer, which keeps the producer alive as long as the tensor.  The core
// calls our deleter when the tensor dies, on any thread and without the GIL:
// it deletes the producer's managed tensor and drops the opaque reference
// (the Python object is released later, with a context: drain_released).
//
// g_producers maps each live such tensor to its opaque object; guarded by
// g_producers_mutex (the deleter may run on any thread).  An entry is added
// once the core made the tensor and removed by the deleter, so a tensor in
// the map is alive and so is its opaque object.  g_producer_count lets the
// common return path (no such tensor alive) skip the lock.
namespace {
std::mutex g_producers_mutex;
std::unordered_map<const TVMFFIObject*, TVMFFIObject*> g_producers;
std::atomic<size_t> g_producer_count{0};

template <typename Managed>
struct ProducerManaged {
  Managed managed;                 // what the core holds: the source's DLTensor, our deleter
  Managed* source;                 // the producer's, deleted with ours
  TVMFFIObject* opaque;            // OpaquePyObject of the producer (one strong reference)
  TVMFFIObject* tensor = nullptr;  // the core's tensor, once made

  static void Delete(Managed* self) {
    auto* pm = reinterpret_cast<ProducerManaged*>(self);
    if (pm->tensor != nullptr) {
      std::lock_guard<std::mutex> lock(g_producers_mutex);
      if (g_producers.erase(pm->tensor) != 0) g_producer_count.fetch_sub(1);
    }
    if (pm->source->deleter != nullptr) pm->source->deleter(pm->source);
    TVMFFIObjectDecRef(pm->opaque);
    delete pm;
  }
};

void copy_managed(DLManagedTensorVersioned* to, const DLManagedTensorVersioned* from) {
  to->version = from->version;
  to->flags = from->flags;
  to->dl_tensor = from->dl_tensor;
}
void copy_managed(DLManagedTensor* to, const DLManagedTensor* from) {
  to->dl_tensor = from->dl_tensor;
}
int core_from_dlpack(DLManagedTensorVersioned* m, TVMFFIObjectHandle* out) {
  return TVMFFITensorFromDLPackVersioned(m, 0, 0, out);
}
int core_from_dlpack(DLManagedTensor* m, TVMFFIObjectHandle* out) {
  return TVMFFITensorFromDLPack(m, 0, 0, out);
}

// The core tensor of the managed tensor `source` (taken from `capsule` under
// `name`), tied to `opaque`; 0, or -1 with an error set (then the capsule
// still owns `source`, and `opaque` keeps its reference).
template <typename Managed>
int tie_source(HPyContext* ctx, HPy capsule, Managed* source, const char* name,
               const char* used_name, TVMFFIObject* opaque, TVMFFIObject** out) {
  auto* pm = new ProducerManaged<Managed>();
  copy_managed(&pm->managed, source);
  pm->managed.manager_ctx = pm;
  pm->managed.deleter = &ProducerManaged<Managed>::Delete;
  pm->source = source;
  pm->opaque = opaque;
  TVMFFIObjectHandle made = nullptr;
  if (core_from_dlpack(&pm->managed, &made) != 0) {
    delete pm;
    raise_from_core(ctx);
    return -1;
  }
  capsule_take(ctx, capsule, name, used_name);  // ours now: the capsule must not delete it
  TVMFFIObject* tensor = static_cast<TVMFFIObject*>(made);
  pm->tensor = tensor;
  {
    std::lock_guard<std::mutex> lock(g_producers_mutex);
    g_producers.emplace(tensor, opaque);
    g_producer_count.fetch_add(1);
  }
  *out = tensor;
  return 0;
}
}  // namespace

int tensor_from_producer(HPyContext* ctx, HPy capsule, HPy producer, TVMFFIObject** out) {
  TVMFFIObject* opaque = nullptr;
  if (opaque_create(ctx, producer, kTVMFFIOpaquePyObject, nullptr, &opaque) < 0) return -1;
  int rc;
  if (void* p = capsule_take(ctx, capsule, kVersioned, nullptr)) {
    rc = tie_source(ctx, capsule, static_cast<DLManagedTensorVersioned*>(p), kVersioned,
                    kUsedVersioned, opaque, out);
  } else if (void* q = capsule_take(ctx, capsule, kLegacy, nullptr)) {
    rc = tie_source(ctx, capsule, static_cast<DLManagedTensor*>(q), kLegacy, kUsedLegacy, opaque,
                    out);
  } else {
    HPyErr_SetString(ctx, ctx->h_TypeError,
                     "__dlpack__() did not return a DLPack capsule (named 'dltensor_versioned' "
                     "or 'dltensor')");
    rc = -1;
  }
  if (rc < 0) TVMFFIObjectDecRef(opaque);
  return rc;
}

bool tensor_producer(HPyContext* ctx, const TVMFFIObject* tensor, HPy* producer) {
  if (g_producer_count.load(std::memory_order_relaxed) == 0) return false;
  TVMFFIObject* opaque = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_producers_mutex);
    auto it = g_producers.find(tensor);
    if (it != g_producers.end()) opaque = it->second;
  }
  if (opaque == nullptr) return false;
  // The caller holds the tensor, so its deleter has not run: `opaque` lives.
  *producer = opaque_get(ctx, opaque);
  return true;
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
