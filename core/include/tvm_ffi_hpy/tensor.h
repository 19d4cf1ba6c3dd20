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

/* A borrowed run of int64 extents (a tensor's shape or strides, a Shape's
 * dimensions): valid as long as what it points into. */
class ShapeView {
 public:
  ShapeView() noexcept = default;
  ShapeView(const int64_t* data, size_t size) noexcept : data_(data), size_(size) {}
  ShapeView(const Shape& shape) noexcept : data_(shape.data()), size_(shape.size()) {}  // NOLINT

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const int64_t* data() const noexcept { return data_; }
  const int64_t* begin() const noexcept { return data_; }
  const int64_t* end() const noexcept { return data_ + size_; }
  int64_t operator[](size_t i) const noexcept { return data_[i]; }
  /* IndexError "Shape index out of range". */
  int64_t at(size_t i) const {
    if (i >= size_) throw Error("IndexError", "Shape index out of range");
    return data_[i];
  }
  int64_t front() const { return at(0); }
  int64_t back() const { return at(size_ - 1); }
  int64_t Product() const noexcept {
    int64_t n = 1;
    for (int64_t d : *this) n *= d;
    return n;
  }
  operator Shape() const { return Shape(std::vector<int64_t>(begin(), end())); }  // NOLINT

 private:
  const int64_t* data_ = nullptr;
  size_t size_ = 0;
};

namespace details {
/* Index `idx` of `n` dimensions, negative from the end; IndexError outside. */
inline int64_t DimIndex(int64_t idx, int32_t n, const char* what) {
  int64_t i = idx < 0 ? idx + n : idx;
  if (i < 0 || i >= n) {
    throw Error("IndexError", std::string(what) + ": index " + std::to_string(idx) +
                                  " out of range for a tensor of " + std::to_string(n) +
                                  " dimensions");
  }
  return i;
}

/* The accessors shared by Tensor and TensorView, over `Self::dltensor()`. */
template <typename Self>
class TensorAccessors {
 public:
  void* data_ptr() const noexcept { return dlt().data; }
  DLDevice device() const noexcept { return dlt().device; }
  int32_t ndim() const noexcept { return dlt().ndim; }
  int32_t dim() const noexcept { return dlt().ndim; }
  DLDataType dtype() const noexcept { return dlt().dtype; }
  uint64_t byte_offset() const noexcept { return dlt().byte_offset; }
  ShapeView shape() const noexcept { return ShapeView(dlt().shape, size_t(dlt().ndim)); }
  ShapeView sizes() const noexcept { return shape(); }
  /* Never empty-handed: a tensor made by the core always has strides. */
  ShapeView strides() const noexcept { return ShapeView(dlt().strides, size_t(dlt().ndim)); }
  /* Extent / stride of dimension `idx` (negative counts from the end). */
  int64_t size(int64_t idx) const { return dlt().shape[DimIndex(idx, dlt().ndim, "size")]; }
  int64_t stride(int64_t idx) const { return dlt().strides[DimIndex(idx, dlt().ndim, "stride")]; }
  int64_t numel() const noexcept { return shape().Product(); }
  bool IsContiguous() const noexcept { return IsContiguousDL(dlt()); }
  bool is_contiguous() const noexcept { return IsContiguous(); }
  const DLTensor* GetDLTensorPtr() const noexcept { return &dlt(); }

  /* The rule of TensorObj::IsContiguous, for any DLTensor (NULL strides
   * mean compact row-major, as DLPack says). */
  static bool IsContiguousDL(const DLTensor& t) noexcept {
    if (t.strides == nullptr) return true;
    for (int32_t i = 0; i < t.ndim; ++i) {
      if (t.shape[i] == 0) return true;
    }
    int64_t expected = 1;
    for (int32_t i = t.ndim - 1; i >= 0; --i) {
      if (t.shape[i] != 1 && t.strides[i] != expected) return false;
      expected *= t.shape[i];
    }
    return true;
  }

 private:
  const DLTensor& dlt() const noexcept { return static_cast<const Self*>(this)->dltensor(); }
};
}  // namespace details

class Tensor : public ObjectRef, public details::TensorAccessors<Tensor> {
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
  const DLTensor& dltensor() const noexcept { return get()->dl; }
  using details::TensorAccessors<Tensor>::numel;
  using details::TensorAccessors<Tensor>::IsContiguous;

 private:
  static Tensor FromHandle(TVMFFIObjectHandle h) {
    return Tensor(ObjectPtr<TensorObj>::Steal(
        static_cast<TensorObj*>(details::ObjectUnsafe::FromHeader(h))));
  }
};

/* The accessor base is empty: a Tensor is still one pointer, like every
 * ObjectRef (containers and Any rely on that). */
static_assert(sizeof(Tensor) == sizeof(ObjectRef), "Tensor must stay one pointer");

/* A borrowed tensor: the DLTensor of a Tensor argument (or any DLTensor the
 * caller keeps alive), for functions that only read and write the memory.
 * It takes no reference: valid for the duration of the call that handed it
 * out.  As an argument type it accepts a Tensor (NumPy arrays and other
 * DLPack producers cross as Tensors) and its type schema is "Tensor"
 * (apache tvm-ffi's TensorView). */
class TensorView : public details::TensorAccessors<TensorView> {
 public:
  TensorView(const Tensor& tensor) noexcept  // NOLINT(runtime/explicit)
      : tensor_(tensor.dltensor()), obj_(tensor.get()) {}
  explicit TensorView(const DLTensor* tensor) noexcept : tensor_(*tensor), obj_(nullptr) {}
  explicit TensorView(const TensorObj* obj) noexcept : tensor_(obj->dl), obj_(obj) {}

  const DLTensor& dltensor() const noexcept { return tensor_; }
  /* The Tensor object viewed, or nullptr for a view of a bare DLTensor. */
  const TensorObj* object() const noexcept { return obj_; }

 private:
  DLTensor tensor_;  // a copy of the header: shape/strides/data still borrowed
  const TensorObj* obj_;
};

template <>
struct TypeTraits<TensorView> {
  static constexpr bool enabled = true;
  static void ToView(const TensorView& v, TVMFFIAny* out) noexcept {
    if (v.object() != nullptr) {
      details::SetObject(out, v.object());
    } else {
      out->type_index = kTVMFFIDLTensorPtr;
      out->zero_padding = 0;
      out->v_ptr = const_cast<DLTensor*>(v.GetDLTensorPtr());
    }
  }
  /* Returning a view hands back the viewed Tensor (a new reference); a view
   * of a bare DLTensor has no owner to hand back. */
  static void ToOwned(const TensorView& v, TVMFFIAny* out) {
    if (v.object() == nullptr) {
      throw Error("TypeError", "a TensorView of a bare DLTensor cannot be returned");
    }
    const Object* obj = v.object();
    details::IncRef(details::HeaderOf(obj));
    details::SetObject(out, obj);
  }
  static std::optional<TensorView> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFITensor) {
      return TensorView(static_cast<const TensorObj*>(details::ObjectUnsafe::FromHeader(v->v_obj)));
    }
    if (v->type_index == kTVMFFIDLTensorPtr && v->v_ptr != nullptr) {
      return TensorView(static_cast<const DLTensor*>(v->v_ptr));
    }
    return std::nullopt;
  }
  static std::string TypeName() { return TensorObj::_type_key; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFITensor; }
};

}  // namespace tvm_ffi_hpy

/* "float32", for messages and checks. */
inline std::ostream& operator<<(std::ostream& os, const DLDataType& dtype) {
  return os << ::tvm_ffi_hpy::DataTypeToString(dtype);
}
inline std::ostream& operator<<(std::ostream& os, const DLDevice& device) {
  return os << "Device(" << int(device.device_type) << ", " << device.device_id << ")";
}

#endif  // TVM_FFI_HPY_TENSOR_H_
