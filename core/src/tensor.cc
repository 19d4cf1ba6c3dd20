/*
 * Tensor: DLPack in and out, data-type names, ffi.TensorEmpty, and the C ABI
 * over them (tensor.h is inline over this).
 */
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string_view>

#include "internal.h"

namespace tvm_ffi_hpy {

/* The core's tensor: TensorObj (the ABI part) plus what owns the data.
 * Exactly one of the three owners is set once the tensor is complete. */
class TensorImpl : public TensorObj {
 public:
  DLManagedTensorVersioned* versioned_source = nullptr;
  DLManagedTensor* legacy_source = nullptr;
  void* owned_data = nullptr;  // std::free'd; dl.data may lie a little past it (EmptyTensor)
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

/* Data type names.  A name is
 *   a family with its bits        int32, uint8, float16, bfloat16, complex64
 *   or a fixed name               bool, handle, float8_e4m3fn, float4_e2m1fn
 * then optionally lanes:          x4 (also _x4), or xvscalex4 (scalable: the
 *                                 lanes field holds -4 as uint16)
 * Short spellings are accepted and kept as the user wrote them in Python
 * (i32, u8, f16, bf16, fp8_e5m2, f4_e2m1fn_x2). */
struct Family {
  const char* prefix;
  uint8_t code;
};
// Where one prefix starts another ("int" / "uint"), the longer one comes first.
constexpr Family kFamilies[] = {
    {"bfloat", kDLBfloat}, {"float", kDLFloat}, {"uint", kDLUInt},
    {"int", kDLInt},       {"complex", kDLComplex},
};
struct FixedName {
  const char* name;
  uint8_t code;
  uint8_t bits;
};
constexpr FixedName kFixedNames[] = {
    {"bool", kDLBool, 8},           {"handle", kDLOpaqueHandle, 64},
    {"float8_e3m4", 7, 8},          {"float8_e4m3", 8, 8},
    {"float8_e4m3b11fnuz", 9, 8},   {"float8_e4m3fn", 10, 8},
    {"float8_e4m3fnuz", 11, 8},     {"float8_e5m2", 12, 8},
    {"float8_e5m2fnuz", 13, 8},     {"float8_e8m0fnu", 14, 8},
    {"float6_e2m3fn", 15, 6},       {"float6_e3m2fn", 16, 6},
    {"float4_e2m1fn", 17, 4},
};
struct Alias {
  const char* shorthand;
  const char* full;
};
// Longer shorthands first ("bf" before "f", "fp" before "f").
constexpr Alias kAliases[] = {{"bf", "bfloat"}, {"fp", "float"}, {"f", "float"},
                              {"i", "int"},     {"u", "uint"}};

bool ParseUnsigned(std::string_view text, unsigned long max, unsigned long* out) {
  if (text.empty() || text.size() > 6) return false;
  unsigned long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v == 0 || v > max) return false;
  *out = v;
  return true;
}

/* Splits "<base>" from a lanes suffix; false on a malformed suffix. */
bool SplitLanes(std::string_view text, std::string_view* base, uint16_t* lanes) {
  *base = text;
  *lanes = 1;
  size_t x = text.rfind('x');
  if (x == std::string_view::npos || x + 1 >= text.size() || text[x + 1] < '0' ||
      text[x + 1] > '9') {
    return true;
  }
  unsigned long n;
  if (!ParseUnsigned(text.substr(x + 1), 65535, &n)) return false;
  std::string_view head = text.substr(0, x);
  constexpr std::string_view kVscale = "xvscale";
  if (head.size() > kVscale.size() && head.substr(head.size() - kVscale.size()) == kVscale) {
    if (n > 32768) return false;
    *base = head.substr(0, head.size() - kVscale.size());
    *lanes = uint16_t(65536 - n);
    return true;
  }
  if (!head.empty() && head.back() == '_') head.remove_suffix(1);
  *base = head;
  *lanes = uint16_t(n);
  return true;
}

std::optional<DLDataType> ParseBase(std::string_view base, uint16_t lanes) {
  for (const FixedName& f : kFixedNames) {
    if (base == f.name) return DLDataType{f.code, f.bits, lanes};
  }
  for (const Family& family : kFamilies) {
    size_t len = std::strlen(family.prefix);
    if (base.substr(0, len) != family.prefix) continue;
    unsigned long bits;
    if (!ParseUnsigned(base.substr(len), 255, &bits)) return std::nullopt;
    return DLDataType{family.code, uint8_t(bits), lanes};
  }
  return std::nullopt;
}

/* A name without lanes, in full or short form. */
std::optional<DLDataType> ParseWithAliases(std::string_view base, uint16_t lanes) {
  if (std::optional<DLDataType> t = ParseBase(base, lanes)) return t;
  for (const Alias& a : kAliases) {
    size_t len = std::strlen(a.shorthand);
    if (base.size() <= len || base.substr(0, len) != a.shorthand || base[len] < '0' ||
        base[len] > '9') {
      continue;
    }
    return ParseBase(std::string(a.full) + std::string(base.substr(len)), lanes);
  }
  return std::nullopt;
}

DLDataType ParseDataType(const std::string& text) {
  if (text == "void") return DLDataType{kDLOpaqueHandle, 0, 0};
  // The whole text first: an 'x' may belong to the name ("complex64").
  if (std::optional<DLDataType> t = ParseWithAliases(text, 1)) return *t;
  std::string_view base;
  uint16_t lanes;
  if (SplitLanes(text, &base, &lanes)) {
    if (std::optional<DLDataType> t = ParseWithAliases(base, lanes)) return *t;
  }
  TVM_FFI_HPY_THROW(ValueError) << "unknown data type `" << text
                                << "` (expected e.g. int32, uint8, float16, bfloat16, bool, "
                                   "float8_e4m3fn, float32x4)";
}

std::string FormatDataType(DLDataType dtype) {
  if (dtype.code == kDLOpaqueHandle && dtype.bits == 0 && dtype.lanes == 0) return "void";
  std::string out;
  for (const FixedName& f : kFixedNames) {
    if (f.code == dtype.code && f.bits == dtype.bits) out = f.name;
  }
  if (out.empty()) {
    for (const Family& family : kFamilies) {
      if (family.code == dtype.code) out = family.prefix + std::to_string(dtype.bits);
    }
  }
  if (out.empty()) {
    TVM_FFI_HPY_THROW(ValueError) << "data type code " << int(dtype.code) << " has no name";
  }
  if (dtype.lanes >= 32768) {
    out += "xvscalex" + std::to_string(65536 - int(dtype.lanes));
  } else if (dtype.lanes != 1) {
    out += "x" + std::to_string(dtype.lanes);
  }
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
  if (count != 0 && elem > (SIZE_MAX - 128) / count) {  // room to round up and align
    TVM_FFI_HPY_THROW(ValueError) << "Tensor: shape too large";
  }
  size_t bytes = ((count * elem + 63) / 64) * 64;
  if (bytes == 0) bytes = 64;
  // calloc, aligned by hand: zero pages come lazily from the system (a large
  // calloc is a fresh mapping that the C library does not clear), so an
  // empty tensor costs no resident memory until it is written.  Clearing it
  // here instead touched every page: a large shape committed all of it at
  // once, and one the machine could not hold made the kernel kill the process
  // instead of raising MemoryError (found by tests/test_properties.py).
  void* raw = std::calloc(1, bytes + 64);
  if (raw == nullptr) throw std::bad_alloc();
  auto address = reinterpret_cast<uintptr_t>(raw);
  t->owned_data = raw;
  t->dl.data = reinterpret_cast<void*>((address + 63) & ~uintptr_t(63));
  return Tensor(ObjectPtr<TensorObj>(std::move(t)));
}

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  // ffi.TensorEmpty(shape, dtype): a zero-filled CPU tensor, 64-byte aligned.
  refl::GlobalDef()
      .def("ffi.TensorEmpty", &EmptyTensor)
      // (code, bits, lanes) of a data type name, and back (tvm_ffi_hpy.dtype).
      .def("ffi.DataTypeFields",
           [](const std::string& text) {
             DLDataType t = ParseDataType(text);
             return Shape({int64_t(t.code), int64_t(t.bits), int64_t(t.lanes)});
           })
      .def("ffi.DataTypeName", [](int64_t code, int64_t bits, int64_t lanes) {
        if (code < 0 || code > 255 || bits < 0 || bits > 255 || lanes < 0 || lanes > 65535) {
          TVM_FFI_HPY_THROW(ValueError) << "data type fields out of range: (" << code << ", "
                                        << bits << ", " << lanes << ")";
        }
        return FormatDataType(DLDataType{uint8_t(code), uint8_t(bits), uint16_t(lanes)});
      });
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
