/*
 * A plain C library written against apache tvm-ffi's C header only
 * (<tvm/ffi/c_api.h> from the apache-tvm-ffi wheel), linked against the
 * tvm_ffi_hpy core and loaded with tvm_ffi_hpy.load_module().
 *
 * It uses nothing of ours: every type, constant and function comes from the
 * upstream header.  tests/test_tvm_ffi_c_abi.py builds and drives it.
 *
 * Conventions of TVMFFISafeCallType (upstream's, and ours): the arguments are
 * views (borrowed for the call), *result must hold an owned value on return 0,
 * and on return -1 an error waits in the thread's slot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tvm/ffi/c_api.h>

#define EXPORT TVM_FFI_DLL_EXPORT

static int check_num_args(const char* fname, int32_t num_args, int32_t expected) {
  if (num_args != expected) {
    char msg[128];
    snprintf(msg, sizeof(msg), "%s expects %d argument(s), got %d", fname, (int)expected,
             (int)num_args);
    TVMFFIErrorSetRaisedFromCStr("TypeError", msg);
    return -1;
  }
  return 0;
}

static int check_type(const char* fname, const TVMFFIAny* arg, int32_t type_index,
                      const char* type_name) {
  if (arg->type_index != type_index) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: expected %s, got a value of type index %d", fname, type_name,
             (int)arg->type_index);
    TVMFFIErrorSetRaisedFromCStr("TypeError", msg);
    return -1;
  }
  return 0;
}

/* add_one(x: int) -> int */
EXPORT int __tvm_ffi_add_one(void* self, const TVMFFIAny* args, int32_t num_args,
                             TVMFFIAny* result) {
  (void)self;
  if (check_num_args("add_one", num_args, 1) != 0) return -1;
  if (check_type("add_one", &args[0], kTVMFFIInt, "int") != 0) return -1;
  result->type_index = kTVMFFIInt;
  result->zero_padding = 0;
  result->v_int64 = args[0].v_int64 + 1;
  return 0;
}

/* raise_value_error(): always raises ValueError */
EXPORT int __tvm_ffi_raise_value_error(void* self, const TVMFFIAny* args, int32_t num_args,
                                       TVMFFIAny* result) {
  (void)self;
  (void)args;
  (void)num_args;
  (void)result;
  TVMFFIErrorSetRaisedFromCStr("ValueError", "raised from plain C through the tvm-ffi C ABI");
  return -1;
}

/* array_roundtrip(arr: Array) -> Array: the same object.  The argument is a
 * view; the result must own a reference, so take one. */
EXPORT int __tvm_ffi_array_roundtrip(void* self, const TVMFFIAny* args, int32_t num_args,
                                     TVMFFIAny* result) {
  (void)self;
  if (check_num_args("array_roundtrip", num_args, 1) != 0) return -1;
  if (check_type("array_roundtrip", &args[0], kTVMFFIArray, "Array") != 0) return -1;
  if (TVMFFIObjectIncRef(args[0].v_obj) != 0) return -1;
  *result = args[0];
  return 0;
}

/* array_first(arr: Array) -> Any: arr[0], fetched through the global
 * function "ffi.ArrayGetItem". */
EXPORT int __tvm_ffi_array_first(void* self, const TVMFFIAny* args, int32_t num_args,
                                 TVMFFIAny* result) {
  static const char kName[] = "ffi.ArrayGetItem";
  TVMFFIByteArray name;
  TVMFFIObjectHandle get_item = NULL;
  TVMFFIAny call_args[2];
  int rc;
  (void)self;
  if (check_num_args("array_first", num_args, 1) != 0) return -1;
  if (check_type("array_first", &args[0], kTVMFFIArray, "Array") != 0) return -1;
  name.data = kName;
  name.size = sizeof(kName) - 1;
  if (TVMFFIFunctionGetGlobal(&name, &get_item) != 0) return -1;
  if (get_item == NULL) {
    TVMFFIErrorSetRaisedFromCStr("RuntimeError", "global function ffi.ArrayGetItem not found");
    return -1;
  }
  call_args[0] = args[0]; /* a view of the array: passed on as a view */
  call_args[1].type_index = kTVMFFIInt;
  call_args[1].zero_padding = 0;
  call_args[1].v_int64 = 0;
  result->type_index = kTVMFFINone;
  result->zero_padding = 0;
  result->v_int64 = 0;
  /* On success *result owns the item, which we hand on to our caller. */
  rc = TVMFFIFunctionCall(get_item, call_args, 2, result);
  /* TVMFFIFunctionGetGlobal gave us a reference to the function. */
  TVMFFIObjectDecRef(get_item);
  return rc;
}

/* call_back(f: Function, x: Any) -> Any: f(x); an error raised by f stays in
 * the thread's slot and travels on unchanged. */
EXPORT int __tvm_ffi_call_back(void* self, const TVMFFIAny* args, int32_t num_args,
                               TVMFFIAny* result) {
  TVMFFIAny call_args[1];
  (void)self;
  if (check_num_args("call_back", num_args, 2) != 0) return -1;
  if (check_type("call_back", &args[0], kTVMFFIFunction, "Function") != 0) return -1;
  call_args[0] = args[1];
  result->type_index = kTVMFFINone;
  result->zero_padding = 0;
  result->v_int64 = 0;
  return TVMFFIFunctionCall(args[0].v_obj, call_args, 1, result);
}

/* tensor_sum(t: Tensor) -> float: the sum of a float64 CPU tensor, read
 * through the DLTensor that follows the object header (upstream's layout:
 * { TVMFFIObject, DLTensor, ... }), honouring strides. */
EXPORT int __tvm_ffi_tensor_sum(void* self, const TVMFFIAny* args, int32_t num_args,
                                TVMFFIAny* result) {
  const DLTensor* dl;
  int64_t n = 1, k, d, index[8] = {0};
  double total = 0;
  (void)self;
  if (check_num_args("tensor_sum", num_args, 1) != 0) return -1;
  if (check_type("tensor_sum", &args[0], kTVMFFITensor, "Tensor") != 0) return -1;
  dl = (const DLTensor*)((const char*)args[0].v_obj + sizeof(TVMFFIObject));
  if (dl->dtype.code != kDLFloat || dl->dtype.bits != 64 || dl->dtype.lanes != 1 ||
      dl->ndim > 8 || dl->device.device_type != kDLCPU) {
    TVMFFIErrorSetRaisedFromCStr("TypeError", "tensor_sum: expected a float64 CPU tensor");
    return -1;
  }
  for (d = 0; d < dl->ndim; ++d) n *= dl->shape[d];
  for (k = 0; k < n; ++k) {
    int64_t offset = 0;
    for (d = 0; d < dl->ndim; ++d) {
      offset += index[d] * (dl->strides ? dl->strides[d] : 1); /* ours: never NULL */
    }
    total += ((const double*)((const char*)dl->data + dl->byte_offset))[offset];
    for (d = dl->ndim - 1; d >= 0; --d) {
      if (++index[d] < dl->shape[d]) break;
      index[d] = 0;
    }
  }
  result->type_index = kTVMFFIFloat;
  result->zero_padding = 0;
  result->v_float64 = total;
  return 0;
}

/* A producer: iota(n) -> Tensor of n float64 values 0..n-1, handed to the
 * core with TVMFFITensorFromDLPackVersioned.  The deleter frees everything
 * and counts its calls (iota_deleted()). */
static int64_t g_iota_deleted = 0;

typedef struct {
  DLManagedTensorVersioned managed;
  int64_t shape[1];
  double values[];
} IotaBlock;

static void iota_delete(DLManagedTensorVersioned* self) {
  ++g_iota_deleted;
  free(self->manager_ctx);
}

EXPORT int __tvm_ffi_iota(void* self, const TVMFFIAny* args, int32_t num_args,
                          TVMFFIAny* result) {
  IotaBlock* block;
  TVMFFIObjectHandle tensor = NULL;
  int64_t i, n;
  (void)self;
  if (check_num_args("iota", num_args, 1) != 0) return -1;
  if (check_type("iota", &args[0], kTVMFFIInt, "int") != 0) return -1;
  n = args[0].v_int64;
  if (n < 0 || n > (1 << 20)) {
    TVMFFIErrorSetRaisedFromCStr("ValueError", "iota: n out of range");
    return -1;
  }
  block = (IotaBlock*)calloc(1, sizeof(IotaBlock) + (size_t)n * sizeof(double));
  if (block == NULL) {
    TVMFFIErrorSetRaisedFromCStr("MemoryError", "iota: out of memory");
    return -1;
  }
  for (i = 0; i < n; ++i) block->values[i] = (double)i;
  block->shape[0] = n;
  block->managed.version.major = DLPACK_MAJOR_VERSION;
  block->managed.version.minor = DLPACK_MINOR_VERSION;
  block->managed.manager_ctx = block;
  block->managed.deleter = iota_delete;
  block->managed.dl_tensor.data = block->values;
  block->managed.dl_tensor.device.device_type = kDLCPU;
  block->managed.dl_tensor.device.device_id = 0;
  block->managed.dl_tensor.ndim = 1;
  block->managed.dl_tensor.dtype.code = kDLFloat;
  block->managed.dl_tensor.dtype.bits = 64;
  block->managed.dl_tensor.dtype.lanes = 1;
  block->managed.dl_tensor.shape = block->shape;
  block->managed.dl_tensor.strides = NULL;
  if (TVMFFITensorFromDLPackVersioned(&block->managed, 0, 0, &tensor) != 0) {
    free(block); /* on failure the producer keeps its tensor */
    return -1;
  }
  result->type_index = kTVMFFITensor;
  result->zero_padding = 0;
  result->v_obj = (TVMFFIObject*)tensor;
  return 0;
}

/* iota_deleted() -> int: how many iota tensors were deleted so far. */
EXPORT int __tvm_ffi_iota_deleted(void* self, const TVMFFIAny* args, int32_t num_args,
                                  TVMFFIAny* result) {
  (void)self;
  (void)args;
  if (check_num_args("iota_deleted", num_args, 0) != 0) return -1;
  result->type_index = kTVMFFIInt;
  result->zero_padding = 0;
  result->v_int64 = g_iota_deleted;
  return 0;
}
