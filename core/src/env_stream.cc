/*
 * The per-thread current stream of each device (TVMFFIEnvSetStream /
 * TVMFFIEnvGetStream, c_api.h) and its global functions for frontends.
 */
#include <map>
#include <utility>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

/* (device_type, device_id) -> stream; entries are never NULL (a NULL set
 * erases).  Thread-local: each thread has its own current streams. */
std::map<std::pair<int32_t, int32_t>, void*>& StreamTable() {
  thread_local std::map<std::pair<int32_t, int32_t>, void*> table;
  return table;
}

int64_t EnvSetStream(int32_t device_type, int32_t device_id, int64_t stream) {
  void* previous = nullptr;
  if (TVMFFIEnvSetStream(device_type, device_id, reinterpret_cast<void*>(stream), &previous) != 0) {
    details::ThrowRaised();
  }
  return reinterpret_cast<int64_t>(previous);
}

int64_t EnvGetStream(int32_t device_type, int32_t device_id) {
  return reinterpret_cast<int64_t>(TVMFFIEnvGetStream(device_type, device_id));
}

}  // namespace
}  // namespace tvm_ffi_hpy

extern "C" int TVMFFIEnvSetStream(int32_t device_type, int32_t device_id,
                                  TVMFFIStreamHandle stream,
                                  TVMFFIStreamHandle* opt_out_original_stream) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  auto& table = tvm_ffi_hpy::StreamTable();
  auto key = std::make_pair(device_type, device_id);
  auto it = table.find(key);
  if (opt_out_original_stream != nullptr) {
    *opt_out_original_stream = it == table.end() ? nullptr : it->second;
  }
  if (stream == nullptr) {
    if (it != table.end()) table.erase(it);
  } else if (it != table.end()) {
    it->second = stream;
  } else {
    table.emplace(key, stream);
  }
  TVM_FFI_HPY_SAFE_CALL_END();
}

extern "C" TVMFFIStreamHandle TVMFFIEnvGetStream(int32_t device_type, int32_t device_id) {
  auto& table = tvm_ffi_hpy::StreamTable();
  auto it = table.find(std::make_pair(device_type, device_id));
  return it == table.end() ? nullptr : it->second;
}

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  tvm_ffi_hpy::refl::GlobalDef()
      .def("ffi.EnvSetStream", tvm_ffi_hpy::EnvSetStream)
      .def("ffi.EnvGetStream", tvm_ffi_hpy::EnvGetStream);
}
