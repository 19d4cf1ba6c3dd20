/*
 * Tensor: DLPack in and out, data-type names, ffi.TensorEmpty, and the C ABI
 * over them (tensor.h is inline over this).
 */
#include <cstdlib>
#include <cstring>
#include <new>

#include "internal.h"

namespace tvm_ffi_hpy {

/* The core's tensor: TensorObj (the ABI part) plus what owns the data.
 * Exactly one of the three owners is set once the tensor is complete. */
class TensorImpl : public TensorObj {
 public:
  DLManagedTensorVersioned* versioned_source = nullptr;
  DLManagedTensor* legacy_source = nullptr;
  void* owned_data = nullptr;  // std::free'd
  uint64_t dlpack_flags = 0;   // DLPACK_FLAG_BITMASK_READ_ONLY of the source, or 0

  TensorImpl() noexcept = default;
  ~TensorImpl() {
    if (versioned_source != nullptr && versioned_source->deleter != nullptr) {
      versioned_source->deleter(versioned_source);
    }
    if (legacy_source != nullptr && legacy_source->deleter != nullptr) {
      legacy_source->deleter(legacy_source);
    }
    std::free(owned_data);
  }
};

namespace {

// A managed tensor handed out by ToDLPack*: it owns one strong reference to
// the tensor, whose shape and strides it points at.
template <typename Managed>
struct Export {
  Managed managed;
  static void Delete(Managed* self) {
    Export* e = reinterpret_cast<Export*>(self);
    TVMFFIObjectDecRef(static_cast<TVMFFIObject*>(e->managed.manager_ctx));
    delete e;
  }
};

size_t CheckedProduct(const int64_t* shape, int32_t ndim) {
  size_t n = 1;
  for (int32_t i = 0; i < ndim; ++i) {
    if (shape[i] < 0) TVM_FFI_HPY_THROW(ValueError) << "Tensor: negative extent " << shape[i];
    if (shape[i] != 0 && n > SIZE_MAX / size_t(shape[i])) {
      TVM_FFI_HPY_THROW(ValueError) << "Tensor: shape too large";
    }
    n *= size_t(shape[i]);
  }
  return n;
}

// A tensor with room for ndim extents and strides, described by `src`
// (strides computed when src.strides is NULL); nothing owns the data yet.
ObjectPtr<TensorImpl> MakeTensor(const DLTensor& src) {
  if (src.ndim < 0) TVM_FFI_HPY_THROW(ValueError) << "Tensor: ndim " << src.ndim << " < 0";
  if (src.ndim > 0 && src.shape == nullptr) {
    TVM_FFI_HPY_THROW(ValueError) << "Tensor: DLTensor.shape is NULL with ndim " << src.ndim;
  }
  if (src.dtype.lanes == 0) TVM_FFI_HPY_THROW(ValueError) << "Tensor: dtype with 0 lanes";
  CheckedProduct(src.shape, src.ndim);
  ObjectPtr<TensorImpl> t = make_inplace_array_object<TensorImpl, int64_t>(2 * size_t(src.ndim));
  int64_t* shape = reinterpret_cast<int64_t*>(t.get() + 1);
  int64_t* strides = shape + src.ndim;
  t->dl = src;
  t->dl.shape = shape;
  t->dl.strides = strides;
  int64_t expected = 1;
  for (int32_t i = src.ndim - 1; i >= 0; --i) {
    shape[i] = src.shape[i];
    strides[i] = src.strides != nullptr ? src.strides[i] : expected;
    expected *= src.shape[i];
  }
  return t;
}

void CheckRequirements(const TensorObj& t, int32_t require_alignment, bool require_contiguous) {
  if (require_alignment < 0 || (require_alignment & (require_alignment - 1)) != 0) {
    TVM_FFI_HPY_THROW(ValueError) << "require_alignment must be 0 or a power of two, got "
                                  << require_alignment;
  }
  if (require_alignment > 0) {
    uintptr_t address = reinterpret_cast<uintptr_t>(t.dl.data) + t.dl.byte_offset;
    if (address % uintptr_t(require_alignment) != 0) {
      TVM_FFI_HPY_THROW(ValueError) << "Tensor data at 0x" << std::hex << address << std::dec
                                    << " is not aligned to " << require_alignment << " bytes";
    }
  }
  if (require_contiguous && !t.IsContiguous()) {
    TVM_FFI_HPY_THROW(ValueError) << "Tensor is not contiguous (compact row-major)";
  }
}

// Check everything first: on failure `from` stays the caller's.
template <typename Managed>
TVMFFIObject* Adopt(Managed* from, int32_t require_alignment, bool require_contiguous,
                    Managed* TensorImpl::*owner, uint64_t flags) {
  if (from == nullptr) TVM_FFI_HPY_THROW(ValueError) << "Tensor: NULL DLPack tensor";
  ObjectPtr<TensorImpl> t = MakeTensor(from->dl_tensor);
  CheckRequirements(*t, require_alignment, require_contiguous);
  (*t).*owner = from;  // from here on, the tensor calls from->deleter
  t->dlpack_flags = flags & DLPACK_FLAG_BITMASK_READ_ONLY;
  return details::HeaderOf(t.release());
}

const TensorImpl* TensorFromHandle(TVMFFIObjectHandle handle) {
  TVMFFIObject* obj = static_cast<TVMFFIObject*>(handle);
  if (obj == nullptr || obj->type_index != kTVMFFITensor) {
    TVM_FFI_HPY_THROW(TypeError) << "expected a Tensor handle";
  }
  return static_cast<const TensorImpl*>(details::ObjectUnsafe::FromHeader(obj));
}

template <typename Managed>
Export<Managed>* ExportOf(const TensorImpl* t) {
  Export<Managed>* e = new Export<Managed>();
  std::memset(&e->managed, 0, sizeof(Managed));
  e->managed.dl_tensor = t->dl;
  e->managed.deleter = &Export<Managed>::Delete;
  TVMFFIObject* header = details::HeaderOf(t);
  TVMFFIObjectIncRef(header);
  e->managed.manager_ctx = header;
  return e;
}

struct TypeName {
  const char* prefix;
  uint8_t code;
};
// Where one prefix starts another ("int" / "uint"), the longer one comes first.
constexpr TypeName kTypeNames[] = {
    {"bfloat", kDLBfloat}, {"float", kDLFloat}, {"uint", kDLUInt},
    {"int", kDLInt},       {"complex", kDLComplex},
};

DLDataType ParseDataType(const std::string& text) {
  if (text == "bool") return DLDataType{kDLBool, 8, 1};
  if (text == "handle") return DLDataType{kDLOpaqueHandle, 64, 1};
  for (const TypeName& name : kTypeNames) {
    size_t len = std::strlen(name.prefix);
    if (text.compare(0, len, name.prefix) != 0) continue;
    const char* p = text.c_str() + len;
    char* end = nullptr;
    unsigned long bits = std::strtoul(p, &end, 10);
    unsigned long lanes = 1;
    if (end != p && *end == 'x') {
      const char* q = end + 1;
      lanes = std::strtoul(q, &end, 10);
      if (end == q) lanes = 0;
    }
    if (end == p || *end != '\0' || bits == 0 || bits > 255 || lanes == 0 || lanes > 65535) break;
    return DLDataType{name.code, uint8_t(bits), uint16_t(lanes)};
  }
  TVM_FFI_HPY_THROW(ValueError) << "unknown data type `" << text
                                << "` (expected e.g. int32, uint8, float16, bfloat16, bool)";
}

std::string FormatDataType(DLDataType dtype) {
  std::string out;
  if (dtype.code == kDLBool && dtype.bits == 8) {
    out = "bool";
  } else if (dtype.code == kDLOpaqueHandle && dtype.bits == 64) {
    out = "handle";
  } else {
    const char* prefix = nullptr;
    for (const TypeName& name : kTypeNames) {
      if (name.code == dtype.code) prefix = name.prefix;
    }
    if (prefix == nullptr) {
      TVM_FFI_HPY_THROW(ValueError) << "data type code " << int(dtype.code) << " has no name";
    }
    out = prefix + std::to_string(dtype.bits);
  }
  if (dtype.lanes != 1) out += "x" + std::to_string(dtype.lanes);
  return out;
}

Tensor EmptyTensor(const Shape& shape, const std::string& dtype_name) {
  DLTensor proto{};
  proto.device = DLDevice{kDLCPU, 0};
  proto.ndim = int32_t(shape.size());
  proto.dtype = ParseDataType(dtype_name);
  proto.shape = const_cast<int64_t*>(shape.data());
  ObjectPtr<TensorImpl> t = MakeTensor(proto);
  size_t elem = DataTypeBytes(proto.dtype);
  size_t count = CheckedProduct(proto.shape, proto.ndim);
  if (count != 0 && elem > (SIZE_MAX - 64) / count) {
    TVM_FFI_HPY_THROW(ValueError) << "Tensor: shape too large";
  }
  size_t bytes = ((count * elem + 63) / 64) * 64;
  if (bytes == 0) bytes = 64;
  void* data = std::aligned_alloc(64, bytes);
  if (data == nullptr) throw std::bad_alloc();
  std::memset(data, 0, bytes);
  t->owned_data = data;
  t->dl.data = data;
  return Tensor(ObjectPtr<TensorObj>(std::move(t)));
}

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  // ffi.TensorEmpty(shape, dtype): a zero-filled CPU tensor, 64-byte aligned.
  refl::GlobalDef().def("ffi.TensorEmpty", &EmptyTensor);
}

}  // namespace tvm_ffi_hpy

using namespace tvm_ffi_hpy;

extern "C" {

int TVMFFITensorFromDLPack(DLManagedTensor* from, int32_t require_alignment,
                           int32_t require_contiguous, TVMFFIObjectHandle* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *out = Adopt(from, require_alignment, require_contiguous != 0, &TensorImpl::legacy_source,
               uint64_t(0));
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFITensorFromDLPackVersioned(DLManagedTensorVersioned* from, int32_t require_alignment,
                                    int32_t require_contiguous, TVMFFIObjectHandle* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  if (from != nullptr && from->version.major != DLPACK_MAJOR_VERSION) {
    TVM_FFI_HPY_THROW(ValueError) << "DLPack version " << from->version.major << "."
                                  << from->version.minor << " is not supported (major "
                                  << DLPACK_MAJOR_VERSION << " expected)";
  }
  *out = Adopt(from, require_alignment, require_contiguous != 0, &TensorImpl::versioned_source,
               from ? from->flags : 0);
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFITensorToDLPack(TVMFFIObjectHandle from, DLManagedTensor** out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *out = &ExportOf<DLManagedTensor>(TensorFromHandle(from))->managed;
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFITensorToDLPackVersioned(TVMFFIObjectHandle from, DLManagedTensorVersioned** out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  const TensorImpl* t = TensorFromHandle(from);
  Export<DLManagedTensorVersioned>* e = ExportOf<DLManagedTensorVersioned>(t);
  e->managed.version = DLPackVersion{DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
  e->managed.flags = t->dlpack_flags;
  *out = &e->managed;
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIDataTypeFromString(const TVMFFIByteArray* str, DLDataType* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *out = ParseDataType(std::string(str->data, str->size));
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIDataTypeToString(const DLDataType* dtype, TVMFFIAny* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *out = Any(String(FormatDataType(*dtype))).release();
  TVM_FFI_HPY_SAFE_CALL_END();
}

}  // extern "C"
