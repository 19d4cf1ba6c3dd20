/*
 * Big integers (kTVMFFIBigInt; c_api.h "Big integers", big_int.h).
 */
#include <cstring>

#include "internal.h"

using namespace tvm_ffi_hpy;

extern "C" {

int TVMFFIBigIntFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  if (input->size % sizeof(int64_t) != 0) {
    TVM_FFI_HPY_THROW(ValueError) << "BigInt content must be whole 64-bit words, got "
                                  << input->size << " bytes";
  }
  size_t n = input->size / sizeof(int64_t);
  auto word = [&](size_t i) {
    int64_t w;
    std::memcpy(&w, input->data + i * sizeof(int64_t), sizeof(w));
    return w;
  };
  // Drop redundant sign-extension words: the top word is all zeros (all
  // ones) and the word below it already says the sign is + (-).
  while (n > 1) {
    int64_t top = word(n - 1), next = word(n - 2);
    if ((top == 0 && next >= 0) || (top == -1 && next < 0)) --n;
    else break;
  }
  if (n <= 1) {
    out->type_index = kTVMFFIInt;
    out->zero_padding = 0;
    out->v_int64 = n == 0 ? 0 : word(0);
  } else {
    ObjectPtr<BigIntObj> obj = make_inplace_array_object<BigIntObj, int64_t>(n, n);
    std::memcpy(obj->words(), input->data, n * sizeof(int64_t));
    *out = Any(ObjectRef(ObjectPtr<Object>(std::move(obj)))).release();
  }
  TVM_FFI_HPY_SAFE_CALL_END();
}

TVMFFIByteArray TVMFFIBigIntGetContentByteArray(const TVMFFIAny* value) {
  if (value->type_index == kTVMFFIInt) {
    return TVMFFIByteArray{reinterpret_cast<const char*>(&value->v_int64), sizeof(int64_t)};
  }
  if (value->type_index == kTVMFFIBigInt && value->v_obj != nullptr) {
    const BigIntObj* obj =
        static_cast<const BigIntObj*>(details::ObjectUnsafe::FromHeader(value->v_obj));
    return TVMFFIByteArray{reinterpret_cast<const char*>(obj->words()),
                           obj->num_words * sizeof(int64_t)};
  }
  return TVMFFIByteArray{nullptr, 0};
}

}  // extern "C"
