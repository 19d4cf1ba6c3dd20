/*
 * tensor.h -- Tensor: a DLPack tensor as an object (kTVMFFITensor).
 *
 * A tensor never owns a copy of the data: it shares the memory of the
 * producer it was made from (a DLPack managed tensor, whose deleter it calls
 * when it dies) or of an allocation the core made for it (Tensor::Empty).
 * The DLTensor right after the header is the C ABI
 * (TVMFFITensorGetDLTensorPtr); everything here is inline over c_api.h.
 */
#ifndef TVM_FFI_HPY_TENSOR_H_
#define TVM_FFI_HPY_TENSOR_H_

#include <tvm_ffi_hpy/any.h>
#include <tvm_ffi_hpy/containers.h>
#include <tvm_ffi_hpy/error.h>
#include <tvm_ffi_hpy/function.h>
#include <tvm_ffi_hpy/object.h>
#include <tvm_ffi_hpy/string.h>
#include <tvm_ffi_hpy/dtype_device.h>

#include <string>
#include <vector>

namespace tvm_ffi_hpy {

class TensorObj : public Object {
 public:
  /* ABI (offset 24): immutable after creation; shape and strides point into
   * the tensor object itself, and strides are never NULL.  The core keeps
   * what owns the data after this struct. */
  DLTensor dl;

  int64_t numel() const noexcept {
    int64_t n = 1;
    for (int32_t i = 0; i < dl.ndim; ++i) n *= dl.shape[i];
    return n;
  }
  /* Compact row-major: dimensions of extent 1 may have any stride, and an
   * empty tensor (some extent 0) has no element to misplace, so it is
   * contiguous whatever its strides (as in NumPy, PyTorch, apache tvm-ffi). */
  bool IsContiguous() const noexcept {
    for (int32_t i = 0; i < dl.ndim; ++i) {
      if (dl.shape[i] == 0) return true;
    }
    int64_t expected = 1;
    for (int32_t i = dl.ndim - 1; i >= 0; --i) {
      if (dl.shape[i] != 1 && dl.strides[i] != expected) return false;
      expected *= dl.shape[i];
    }
    return true;
  }
  TVM_FFI_HPY_DECLARE_STATIC_OBJECT_INFO("ffi.Tensor", TensorObj, Object, kTVMFFITensor, true)

 protected:
  TensorObj() noexcept : dl{} {}  // made by the core only
};

/* "float32" <-> {kDLFloat, 32, 1} (TVMFFIDataType*String); ValueError on
 * unknown names. */
inline DLDataType StringToDataType(std::string_view text) {
  TVMFFIByteArray bytes = details::ToByteArray(text);
  DLDataType out{};
  if (TVMFFIDataTypeFromString(&bytes, &out) != 0) details::ThrowRaised();
  return out;
}
inline std::string DataTypeToString(DLDataType dtype) {
  TVMFFIAny out{};
  if (TVMFFIDataTypeToString(&dtype, &out) != 0) details::ThrowRaised();
  return std::string(Any::FromRawOwned(out).cast<String>().view());
}
/* Bytes of one element (lanes included), rounded up to whole bytes. */
inline size_t DataTypeBytes(DLDataType dtype) noexcept {
  return (size_t(dtype.bits) * dtype.lanes + 7) / 8;
}

class Tensor : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Tensor, ObjectRef, TensorObj)

  /* A new zero-filled CPU tensor, 64-byte aligned (global ffi.TensorEmpty). */
  static Tensor Empty(const std::vector<int64_t>& shape, DLDataType dtype) {
    static const Function empty = Function::GetGlobalRequired("ffi.TensorEmpty");
    return empty(Shape(shape), String(DataTypeToString(dtype))).cast<Tensor>();
  }
  /* Take over a DLPack tensor (TVMFFITensorFromDLPack*: on failure the
   * caller keeps it). */
  static Tensor FromDLPack(DLManagedTensor* from, int32_t require_alignment = 0,
                           bool require_contiguous = false) {
    TVMFFIObjectHandle h = nullptr;
    if (TVMFFITensorFromDLPack(from, require_alignment, require_contiguous, &h) != 0) {
      details::ThrowRaised();
    }
    return FromHandle(h);
  }
  static Tensor FromDLPackVersioned(DLManagedTensorVersioned* from, int32_t require_alignment = 0,
                                    bool require_contiguous = false) {
    TVMFFIObjectHandle h = nullptr;
    if (TVMFFITensorFromDLPackVersioned(from, require_alignment, require_contiguous, &h) != 0) {
      details::ThrowRaised();
    }
    return FromHandle(h);
  }
  /* New managed tensors holding a reference to this tensor. */
  DLManagedTensor* ToDLPack() const {
    DLManagedTensor* out = nullptr;
    if (TVMFFITensorToDLPack(details::HeaderOf(get()), &out) != 0) details::ThrowRaised();
    return out;
  }
  DLManagedTensorVersioned* ToDLPackVersioned() const {
    DLManagedTensorVersioned* out = nullptr;
    if (TVMFFITensorToDLPackVersioned(details::HeaderOf(get()), &out) != 0) {
      details::ThrowRaised();
    }
    return out;
  }

  const DLTensor& dl() const noexcept { return get()->dl; }
  int64_t numel() const noexcept { return get()->numel(); }
  bool IsContiguous() const noexcept { return get()->IsContiguous(); }

 private:
  static Tensor FromHandle(TVMFFIObjectHandle h) {
    return Tensor(ObjectPtr<TensorObj>::Steal(
        static_cast<TensorObj*>(details::ObjectUnsafe::FromHeader(h))));
  }
};

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_TENSOR_H_
