/*
 * Values through the ABI: view -> owned conversion, strings and bytes.
 */
#include "internal.h"

using namespace tvm_ffi_hpy;

extern "C" {

int TVMFFIAnyViewToOwnedAny(const TVMFFIAny* any_view, TVMFFIAny* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  const TVMFFIAny& v = *any_view;
  switch (v.type_index) {
    case kTVMFFIRawStr:
      details::MakeByteValue<kTVMFFISmallStr, StringObj>(v.v_c_str, std::strlen(v.v_c_str), out);
      break;
    case kTVMFFIByteArrayPtr: {
      const auto* b = static_cast<const TVMFFIByteArray*>(v.v_ptr);
      details::MakeByteValue<kTVMFFISmallBytes, BytesObj>(b->data, b->size, out);
      break;
    }
    case kTVMFFIObjectRValueRef: {
      // Steal the caller's reference: *slot becomes NULL.
      TVMFFIObject** slot = static_cast<TVMFFIObject**>(v.v_ptr);
      if (slot == nullptr || *slot == nullptr) {
        TVM_FFI_HPY_THROW(ValueError) << "object was moved";
      }
      TVMFFIObject* obj = *slot;
      *slot = nullptr;
      out->type_index = obj->type_index;
      out->zero_padding = 0;
      out->v_obj = obj;
      break;
    }
    default:
      *out = v;
      details::IncRefIfObject(*out);
  }
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIStringFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  details::MakeByteValue<kTVMFFISmallStr, StringObj>(input->data, input->size, out);
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIBytesFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  details::MakeByteValue<kTVMFFISmallBytes, BytesObj>(input->data, input->size, out);
  TVM_FFI_HPY_SAFE_CALL_END();
}

}  // extern "C"
