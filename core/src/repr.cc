/*
 * ffi.ReprPrint(value) -> str: the text apache tvm-ffi prints for a value
 * (C++: tvm_ffi_hpy::ReprPrint, structural.h); the Python package's repr of
 * objects and containers.
 *
 *   None True 42 3.14 1e+10 (floats as C's %g)   "text" (escaped: \" \\ \n
 *   \r \t, other control bytes \xNN, non-ASCII \uXXXX / \UXXXXXXXX)
 *   b"by\x00tes" (printable ASCII but " and \ as is, the rest \xNN)
 *   float32 (DataType)   cuda:1 (Device)   Shape(2, 3)   float32[3, 4]@cpu:0
 *   (1, 2) (1,) () for an Array, [1, 2] for a List, {"k": 1} for a Map/Dict
 *   testing.TestIntPair(a=1, b=2) for a reflected object: its fields,
 *     ancestors' first, without those flagged ReprOff; the type key alone
 *     when none is left (ffi.Function, ffi.Error, ...)
 *   the type's "__ffi_repr__"(self, fn_repr) -> str hook when it has one
 *     (inherited by subtypes; fn_repr(x) prints x within this walk)
 *
 * Shared objects print in full each time; an object met again inside its
 * own printing (a cycle) prints as `...`.  With the environment variable
 * TVM_FFI_REPR_WITH_ADDR set to a non-empty value other than "0", objects
 * and containers carry their address: testing.TestIntPair@0x...(a=1, b=2),
 * (1, 2)@0x..., ...@0x... for a cycle.
 */
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include <tvm_ffi_hpy/structural.h>

#include "structural_internal.h"

namespace tvm_ffi_hpy {
namespace structural {
namespace {

const char* DeviceName(int32_t type) {
  switch (type) {
    case kDLCPU: return "cpu";
    case kDLCUDA: return "cuda";
    case kDLCUDAHost: return "cuda_host";
    case kDLOpenCL: return "opencl";
    case kDLVulkan: return "vulkan";
    case kDLMetal: return "metal";
    case kDLVPI: return "vpi";
    case kDLROCM: return "rocm";
    case kDLROCMHost: return "rocm_host";
    case kDLExtDev: return "ext_dev";
    case kDLCUDAManaged: return "cuda_managed";
    case kDLOneAPI: return "oneapi";
    case kDLWebGPU: return "webgpu";
    case kDLHexagon: return "hexagon";
    case kDLMAIA: return "maia";
    case 18: return "trn";  // DLPack 1.2's kDLTrn
    default: return "unknown";
  }
}

bool WithAddress() {
  const char* v = std::getenv("TVM_FFI_REPR_WITH_ADDR");
  return v != nullptr && v[0] != '\0' && !(v[0] == '0' && v[1] == '\0');
}

void AppendHex(std::string* out, unsigned value, int digits) {
  static const char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(value >> (4 * i)) & 0xf]);
}

/* Length of the valid UTF-8 sequence at s[i] (its code point in *cp), or 0. */
size_t Utf8At(std::string_view s, size_t i, uint32_t* cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t v;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, v = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, v = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, v = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    v = (v << 6) | (d & 0x3f);
  }
  if ((n == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) || (n == 4 && (v < 0x10000 || v > 0x10ffff))) {
    return 0;
  }
  *cp = v;
  return n;
}

void AppendStr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': *out += "\\\""; ++i; continue;
      case '\\': *out += "\\\\"; ++i; continue;
      case '\n': *out += "\\n"; ++i; continue;
      case '\r': *out += "\\r"; ++i; continue;
      case '\t': *out += "\\t"; ++i; continue;
      default: break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out->push_back(char(c));
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = c >= 0x80 ? Utf8At(s, i, &cp) : 0;
    if (n == 0) {  // control byte, DEL, or a byte that is not UTF-8
      *out += "\\x";
      AppendHex(out, c, 2);
      ++i;
      continue;
    }
    if (cp <= 0xffff) {
      *out += "\\u";
      AppendHex(out, cp, 4);
    } else {
      *out += "\\U";
      AppendHex(out, cp, 8);
    }
    i += n;
  }
  out->push_back('"');
}

void AppendBytes(std::string* out, std::string_view s) {
  *out += "b\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out->push_back(ch);
    } else {
      *out += "\\x";
      AppendHex(out, c, 2);
    }
  }
  out->push_back('"');
}

void AppendFloat(std::string* out, double d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", d);
  *out += buf;
}

class Printer {
 public:
  Printer() : with_addr_(WithAddress()) {}

  void Print(const TVMFFIAny& v, std::string* out) {
    switch (v.type_index) {
      case kTVMFFINone: *out += "None"; return;
      case kTVMFFIInt: *out += std::to_string(v.v_int64); return;
      case kTVMFFIBool: *out += v.v_int64 ? "True" : "False"; return;
      case kTVMFFIFloat: AppendFloat(out, v.v_float64); return;
      case kTVMFFIDataType: {
        TVMFFIAny s = details::NoneAny();
        if (TVMFFIDataTypeToString(&v.v_dtype, &s) != 0) details::ThrowRaised();
        Any owned = Any::FromRawOwned(s);
        std::string_view text;
        details::GetByteContent(&owned.raw(), &text);
        *out += text;
        return;
      }
      case kTVMFFIDevice: AppendDevice(out, v.v_device); return;
      case kTVMFFIObjectRValueRef: {
        TVMFFIObject* obj = *static_cast<TVMFFIObject**>(v.v_ptr);
        if (obj == nullptr) {
          *out += "None";
          return;
        }
        TVMFFIAny as_obj = details::NoneAny();
        as_obj.type_index = obj->type_index;
        as_obj.v_obj = obj;
        Print(as_obj, out);
        return;
      }
      default: break;
    }
    std::string_view content;
    if (details::GetByteContent(&v, &content)) {
      if (details::IsStrIndex(v.type_index)) {
        AppendStr(out, content);
      } else {
        AppendBytes(out, content);
      }
      return;
    }
    if (!details::IsObjectIndex(v.type_index)) {
      *out += details::TypeIndexName(v.type_index);  // opaque pointers: "void*"
      return;
    }
    PrintObject(details::ObjectUnsafe::FromHeader(v.v_obj), v, out);
  }

 private:
  void AppendDevice(std::string* out, const DLDevice& d) {
    *out += DeviceName(int32_t(d.device_type));
    *out += ":";
    *out += std::to_string(d.device_id);
  }

  void Address(const Object* obj, std::string* out) {
    if (!with_addr_) return;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "@%#" PRIxPTR,
                  reinterpret_cast<uintptr_t>(details::HeaderOf(obj)));
    *out += buf;
  }

  void PrintObject(const Object* obj, const TVMFFIAny& v, std::string* out) {
    int32_t t = obj->type_index();
    if (t == kTVMFFIShape) {
      const TVMFFIShapeCell* s = TVMFFIShapeGetCellPtr(details::HeaderOf(obj));
      *out += "Shape(";
      for (size_t i = 0; i < s->size; ++i) {
        if (i) *out += ", ";
        *out += std::to_string(s->data[i]);
      }
      *out += ")";
      return;
    }
    if (t == kTVMFFITensor) {
      const DLTensor* dl = TVMFFITensorGetDLTensorPtr(details::HeaderOf(obj));
      TVMFFIAny dtype = details::NoneAny();
      dtype.type_index = kTVMFFIDataType;
      dtype.v_dtype = dl->dtype;
      Print(dtype, out);
      *out += "[";
      for (int32_t i = 0; i < dl->ndim; ++i) {
        if (i) *out += ", ";
        *out += std::to_string(dl->shape[i]);
      }
      *out += "]@";
      AppendDevice(out, dl->device);
      Address(obj, out);
      return;
    }
    if (active_.count(obj)) {
      *out += "...";
      Address(obj, out);
      return;
    }
    DepthGuard depth(&depth_);
    active_.insert(obj);
    struct Leave {
      Printer* self;
      const Object* obj;
      ~Leave() { self->active_.erase(obj); }
    } leave{this, obj};
    if (IsSeqIndex(t)) {
      SeqView items = GetSeq(obj);
      bool is_list = SeqIsMutable(t);
      *out += is_list ? "[" : "(";
      for (int64_t i = 0; i < items.size; ++i) {
        if (i) *out += ", ";
        Print(items.data[i], out);
      }
      if (!is_list && items.size == 1) *out += ",";
      *out += is_list ? "]" : ")";
      Address(obj, out);
      return;
    }
    if (IsMapIndex(t)) {
      *out += "{";
      VisitMap(obj, [&](const auto& m) {
        bool first = true;
        for (auto it = m.begin(); it != m.end(); ++it) {
          if (!first) *out += ", ";
          first = false;
          Print(it->first.raw(), out);
          *out += ": ";
          Print(it->second.raw(), out);
        }
      });
      *out += "}";
      Address(obj, out);
      return;
    }
    Any hook = FindHook(t, "__ffi_repr__");
    if (!hook.is_none()) {
      Hook(hook, v, out);
      return;
    }
    std::string key = TypeKeyOf(t);
    *out += key;
    Address(obj, out);
    bool any = false;
    ForEachField(t, [&](const TVMFFIFieldInfo& f) {
      if (f.flags & kTVMFFIFieldFlagBitMaskReprOff) return;
      *out += any ? ", " : "(";
      any = true;
      *out += details::ToStringView(f.name);
      *out += "=";
      Any value = ReadField(obj, f);
      Print(value.raw(), out);
    });
    if (any) *out += ")";
  }

  void Hook(const Any& hook, const TVMFFIAny& v, std::string* out) {
    std::optional<Function> f = hook.as<Function>();
    if (!f) {
      TVM_FFI_HPY_THROW(TypeError) << "the __ffi_repr__ hook of " << TypeKeyOf(v.type_index)
                                   << " is not a function";
    }
    HookScope<Printer> scope(this);
    std::shared_ptr<Printer*> cell = scope.cell;
    Function fn = Function::FromPacked([cell](const AnyView* args, int32_t n, Any* rv) {
      if (n != 1) TVM_FFI_HPY_THROW(TypeError) << "fn_repr takes 1 argument, got " << n;
      std::string text;
      HookScope<Printer>::Get(cell, "fn_repr")->Print(args[0].raw(), &text);
      *rv = Any(String(text));
    });
    Any r = (*f)(AnyView::FromRaw(v), fn);
    std::optional<String> s = r.as<String>();
    if (!s) TVM_FFI_HPY_THROW(TypeError) << "__ffi_repr__ must return a str, got " << r.type_name();
    *out += s->view();
  }

  bool with_addr_;
  int depth_ = 0;
  std::unordered_set<const Object*> active_;
};

}  // namespace
}  // namespace structural

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::GlobalDef().def("ffi.ReprPrint", [](AnyView v) {
    std::string out;
    structural::Printer().Print(v.raw(), &out);
    return String(out);
  });
}

}  // namespace tvm_ffi_hpy
