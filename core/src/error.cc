/*
 * Error objects and the per-thread "raised error" slot.
 *
 * Invariant: the slot holds at most one error, owned by the slot; setting a
 * new one releases the previous one; MoveFromRaised empties it.
 */
#include <string>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

thread_local ObjectPtr<Object> t_raised;

ErrorObj* AsError(TVMFFIObjectHandle handle) {
  auto* header = static_cast<TVMFFIObject*>(handle);
  if (header == nullptr || header->type_index != kTVMFFIError) {
    TVM_FFI_HPY_THROW(TypeError) << "expected an ffi.Error object";
  }
  return static_cast<ErrorObj*>(details::ObjectUnsafe::FromHeader(handle));
}

}  // namespace

void ErrorObj::UpdateBacktrace(TVMFFIObjectHandle self, const TVMFFIByteArray* backtrace,
                               int32_t update_mode) {
  auto* err = static_cast<ErrorObj*>(details::ObjectUnsafe::FromHeader(self));
  std::string_view extra = backtrace ? details::ToStringView(*backtrace) : std::string_view();
  if (update_mode == kTVMFFIBacktraceUpdateModeAppend) {
    err->backtrace_.append(extra);
  } else {
    err->backtrace_.assign(extra);
  }
  err->cell.backtrace = details::ToByteArray(err->backtrace_);
}

}  // namespace tvm_ffi_hpy

using namespace tvm_ffi_hpy;

extern "C" {

void TVMFFIErrorMoveFromRaised(TVMFFIObjectHandle* result) {
  Object* err = t_raised.release();
  *result = err ? details::HeaderOf(err) : nullptr;
}

void TVMFFIErrorSetRaised(TVMFFIObjectHandle error) {
  t_raised = ObjectPtr<Object>::NewRef(details::ObjectUnsafe::FromHeader(error));
}

void TVMFFIErrorSetRaisedFromCStr(const char* kind, const char* message) {
  try {
    t_raised = make_object<ErrorObj>(kind ? kind : "RuntimeError", message ? message : "", "");
  } catch (...) {
    // Out of memory: nothing sensible is left to record.
  }
}

void TVMFFIErrorSetRaisedFromCStrParts(const char* kind, const char** message_parts,
                                       int32_t num_parts) {
  try {
    std::string message;
    for (int32_t i = 0; i < num_parts; ++i) {
      if (message_parts != nullptr && message_parts[i] != nullptr) message += message_parts[i];
    }
    t_raised = make_object<ErrorObj>(kind ? kind : "RuntimeError", message, "");
  } catch (...) {
    // Out of memory: nothing sensible is left to record.
  }
}

int TVMFFIErrorCreateWithCauseAndExtraContext(const TVMFFIByteArray* kind,
                                              const TVMFFIByteArray* message,
                                              const TVMFFIByteArray* backtrace,
                                              TVMFFIObjectHandle cause_chain,
                                              TVMFFIObjectHandle extra_context,
                                              TVMFFIObjectHandle* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  auto view = [](const TVMFFIByteArray* b) {
    return b ? details::ToStringView(*b) : std::string_view();
  };
  TVMFFIObject* cause = static_cast<TVMFFIObject*>(cause_chain);
  if (cause != nullptr && cause->type_index != kTVMFFIError) {
    TVM_FFI_HPY_THROW(TypeError) << "the cause of an error must be an Error";
  }
  ObjectPtr<ErrorObj> err = make_object<ErrorObj>(view(kind), view(message), view(backtrace));
  if (cause_chain != nullptr) TVMFFIObjectIncRef(cause_chain);
  if (extra_context != nullptr) TVMFFIObjectIncRef(extra_context);
  err->cell.cause_chain = cause_chain;
  err->cell.extra_context = extra_context;
  *out = details::HeaderOf(err.release());
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIErrorCreate(const TVMFFIByteArray* kind, const TVMFFIByteArray* message,
                      const TVMFFIByteArray* backtrace, TVMFFIObjectHandle* out) {
  return TVMFFIErrorCreateWithCauseAndExtraContext(kind, message, backtrace, nullptr, nullptr,
                                                   out);
}

const TVMFFIByteArray* TVMFFIBacktrace(const char* filename, int lineno, const char* func,
                                       int /*cross_ffi_boundary*/) {
  // One frame, "  File "<file>", line <n>, in <func>\n"; no stack unwinding.
  thread_local std::string text;
  thread_local TVMFFIByteArray result;
  text.clear();
  if (filename != nullptr) {
    text += "  File \"";
    text += filename;
    text += "\", line ";
    text += std::to_string(lineno);
    if (func != nullptr) {
      text += ", in ";
      text += func;
    }
    text += "\n";
  }
  result = details::ToByteArray(text);
  return &result;
}

int TVMFFIErrorSetPayload(TVMFFIObjectHandle error, const TVMFFIAny* payload) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  ErrorObj* err = AsError(error);
  Any owned(AnyView::FromRaw(payload ? *payload : details::NoneAny()));
  Any old = Any::FromRawOwned(err->payload);  // released when we return
  err->payload = owned.release();
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIErrorGetPayload(TVMFFIObjectHandle error, TVMFFIAny* out_view) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *out_view = AsError(error)->payload;
  TVM_FFI_HPY_SAFE_CALL_END();
}

}  // extern "C"
