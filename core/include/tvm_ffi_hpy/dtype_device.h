/*
 * tvm_ffi_hpy/dtype_device.h -- DLDataType and DLDevice as values.
 *
 * Both are plain 8-byte values inside a TVMFFIAny (no object, no refcount):
 *
 *   kTVMFFIDataType  v_dtype   {code, bits, lanes}        Python: tvm_ffi_hpy.dtype
 *   kTVMFFIDevice    v_device  {device_type, device_id}   Python: tvm_ffi_hpy.Device
 *
 * The unused bytes of the 8-byte slot are zero, so two equal values have
 * equal bits (Map keys hash and compare them by their bits).
 *
 * A function parameter of either type also takes text, as apache tvm-ffi's
 * do: "float32", "int8x4", "bool" for a data type (TVMFFIDataTypeFromString),
 * "cpu", "cuda:1" for a device.
 */
#ifndef TVM_FFI_HPY_DTYPE_DEVICE_H_
#define TVM_FFI_HPY_DTYPE_DEVICE_H_

#include <tvm_ffi_hpy/any.h>
#include <tvm_ffi_hpy/string.h>

#include <optional>
#include <string>
#include <string_view>

namespace tvm_ffi_hpy {
namespace details {

/* DLPack device type codes and the names Python uses for them. */
struct DeviceName {
  int32_t code;
  const char* name;
};
inline constexpr DeviceName kDeviceNames[] = {
    {kDLCPU, "cpu"},         {kDLCUDA, "cuda"},           {3, "cuda_host"},
    {4, "opencl"},           {7, "vulkan"},               {8, "metal"},
    {9, "vpi"},              {10, "rocm"},                {11, "rocm_host"},
    {12, "ext_dev"},         {13, "cuda_managed"},        {14, "oneapi"},
    {15, "webgpu"},          {16, "hexagon"},             {17, "maia"},
};

/* "cpu", "cuda:1" -> the device; nullopt for anything else. */
inline std::optional<DLDevice> ParseDevice(std::string_view text) noexcept {
  std::string_view name = text, index;
  size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    name = text.substr(0, colon);
    index = text.substr(colon + 1);
    if (index.empty() || index.size() > 9) return std::nullopt;
  }
  int32_t id = 0;
  for (char c : index) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  for (const DeviceName& d : kDeviceNames) {
    if (name == d.name) return DLDevice{static_cast<DLDeviceType>(d.code), id};
  }
  return std::nullopt;
}

inline std::string DeviceToString(DLDevice dev) {
  for (const DeviceName& d : kDeviceNames) {
    if (d.code == static_cast<int32_t>(dev.device_type)) {
      return std::string(d.name) + ":" + std::to_string(dev.device_id);
    }
  }
  return "device(" + std::to_string(dev.device_type) + "):" + std::to_string(dev.device_id);
}

/* The data type spelled by `text`, or nullopt (any error is dropped). */
inline std::optional<DLDataType> ParseDataType(std::string_view text) noexcept {
  TVMFFIByteArray bytes{text.data(), text.size()};
  DLDataType out{};
  if (TVMFFIDataTypeFromString(&bytes, &out) != 0) {
    TVMFFIObjectHandle dropped = nullptr;
    TVMFFIErrorMoveFromRaised(&dropped);
    if (dropped) TVMFFIObjectDecRef(dropped);
    return std::nullopt;
  }
  return out;
}

TVM_FFI_HPY_INLINE void SetZeroed(TVMFFIAny* out, int32_t type_index) noexcept {
  out->type_index = type_index;
  out->zero_padding = 0;
  out->v_int64 = 0;
}

}  // namespace details

template <>
struct TypeTraits<DLDataType> {
  static constexpr bool enabled = true;
  static void ToView(DLDataType v, TVMFFIAny* out) noexcept {
    details::SetZeroed(out, kTVMFFIDataType);
    out->v_dtype = v;
  }
  static void ToOwned(DLDataType v, TVMFFIAny* out) noexcept { ToView(v, out); }
  static std::optional<DLDataType> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFIDataType) return v->v_dtype;
    std::string_view text;
    if (details::IsStrIndex(v->type_index) && details::GetByteContent(v, &text)) {
      return details::ParseDataType(text);
    }
    return std::nullopt;
  }
  static std::string TypeName() { return "dtype"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIDataType; }
};

template <>
struct TypeTraits<DLDevice> {
  static constexpr bool enabled = true;
  static void ToView(DLDevice v, TVMFFIAny* out) noexcept {
    details::SetZeroed(out, kTVMFFIDevice);
    out->v_device = v;
  }
  static void ToOwned(DLDevice v, TVMFFIAny* out) noexcept { ToView(v, out); }
  static std::optional<DLDevice> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFIDevice) return v->v_device;
    std::string_view text;
    if (details::IsStrIndex(v->type_index) && details::GetByteContent(v, &text)) {
      return details::ParseDevice(text);
    }
    return std::nullopt;
  }
  static std::string TypeName() { return "Device"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIDevice; }
};

}  // namespace tvm_ffi_hpy

/* Field-wise comparison of the DLPack structs (global, next to the structs,
 * so argument-dependent lookup finds them anywhere). */
inline bool operator==(const DLDataType& a, const DLDataType& b) noexcept {
  return a.code == b.code && a.bits == b.bits && a.lanes == b.lanes;
}
inline bool operator!=(const DLDataType& a, const DLDataType& b) noexcept { return !(a == b); }
inline bool operator==(const DLDevice& a, const DLDevice& b) noexcept {
  return a.device_type == b.device_type && a.device_id == b.device_id;
}
inline bool operator!=(const DLDevice& a, const DLDevice& b) noexcept { return !(a == b); }

#endif  // TVM_FFI_HPY_DTYPE_DEVICE_H_
