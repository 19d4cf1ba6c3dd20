/*
 * Functions made in C, calling through the ABI, and the global function
 * registry.
 *
 * Registry invariant: every value in the table is a live ffi.Function with
 * one reference owned by the table.  Functions are never released while the
 * lock is held (a deleter may run arbitrary code, even re-enter us).
 */
#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

class GlobalFunctionTable {
 public:
  /* Never destroyed: functions may be looked up during process teardown. */
  static GlobalFunctionTable& Global() {
    static GlobalFunctionTable* table = new GlobalFunctionTable();
    return *table;
  }

  ObjectPtr<Object> Get(std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(std::string(name));
    return it == table_.end() ? ObjectPtr<Object>() : it->second.func;
  }

  /* False when there is no such function. */
  bool GetMetadata(std::string_view name, std::string* out) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(std::string(name));
    if (it == table_.end()) return false;
    *out = it->second.metadata;
    return true;
  }

  /* Returns false (and changes nothing) when the name exists and
   * !allow_override; *old receives a replaced function. */
  bool Set(std::string_view name, ObjectPtr<Object> f, std::string metadata,
           bool allow_override, ObjectPtr<Object>* old) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = table_.try_emplace(std::string(name));
    if (!inserted) {
      if (!allow_override) return false;
      *old = std::move(it->second.func);
    }
    it->second.func = std::move(f);
    it->second.metadata = std::move(metadata);
    return true;
  }

  ObjectPtr<Object> Remove(std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(std::string(name));
    if (it == table_.end()) return ObjectPtr<Object>();
    ObjectPtr<Object> f = std::move(it->second.func);
    table_.erase(it);
    return f;
  }

  std::vector<std::string> Names() {
    std::vector<std::string> names;
    {
      std::lock_guard<std::mutex> lock(mu_);
      names.reserve(table_.size());
      for (const auto& kv : table_) names.push_back(kv.first);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  struct Entry {
    ObjectPtr<Object> func;
    std::string metadata;  // JSON text, "" for none
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> table_;
};

std::string_view NameOf(const TVMFFIByteArray* name) {
  if (name == nullptr) TVM_FFI_HPY_THROW(ValueError) << "function name is NULL";
  return details::ToStringView(*name);
}

}  // namespace
}  // namespace tvm_ffi_hpy

using namespace tvm_ffi_hpy;

extern "C" {

int TVMFFIFunctionCreate(void* self, TVMFFISafeCallType safe_call, void (*deleter)(void* self),
                         TVMFFIObjectHandle* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  if (safe_call == nullptr) TVM_FFI_HPY_THROW(ValueError) << "safe_call is NULL";
  ObjectPtr<ExternCFunctionObj> f = make_object<ExternCFunctionObj>(self, safe_call, deleter);
  *out = details::HeaderOf(f.release());
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIFunctionCall(TVMFFIObjectHandle func, TVMFFIAny* args, int32_t num_args,
                       TVMFFIAny* result) {
  const TVMFFIFunctionCell* cell = TVMFFIFunctionGetCellPtr(func);
  *result = details::NoneAny();
  return cell->safe_call(func, args, num_args, result);
}

int TVMFFIFunctionGetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  Object* f = GlobalFunctionTable::Global().Get(NameOf(name)).release();
  *out = f ? details::HeaderOf(f) : nullptr;
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIFunctionSetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle f,
                            int allow_override) {
  return TVMFFIFunctionSetGlobalWithMetadata(name, f, nullptr, allow_override);
}

int TVMFFIFunctionSetGlobalWithMetadata(const TVMFFIByteArray* name, TVMFFIObjectHandle f,
                                        const TVMFFIByteArray* metadata, int allow_override) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  std::string_view n = NameOf(name);
  auto* header = static_cast<TVMFFIObject*>(f);
  if (header == nullptr || header->type_index != kTVMFFIFunction) {
    TVM_FFI_HPY_THROW(TypeError) << "Global function `" << n << "` must be an ffi.Function";
  }
  ObjectPtr<Object> old;  // released after the lock is dropped
  if (!GlobalFunctionTable::Global().Set(
          n, ObjectPtr<Object>::NewRef(details::ObjectUnsafe::FromHeader(f)),
          metadata ? std::string(details::ToStringView(*metadata)) : std::string(),
          allow_override != 0, &old)) {
    TVM_FFI_HPY_THROW(ValueError) << "Global function `" << n
                                  << "` is already registered (pass allow_override to replace it)";
  }
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIFunctionRemoveGlobal(const TVMFFIByteArray* name, int* out_removed) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  ObjectPtr<Object> removed = GlobalFunctionTable::Global().Remove(NameOf(name));
  if (out_removed != nullptr) *out_removed = removed ? 1 : 0;
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIFunctionGetGlobalMetadata(const TVMFFIByteArray* name, TVMFFIAny* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  std::string_view n = NameOf(name);
  std::string metadata;
  if (!GlobalFunctionTable::Global().GetMetadata(n, &metadata)) {
    TVM_FFI_HPY_THROW(ValueError) << "Cannot find global function " << n;
  }
  *out = Any(String(metadata)).release();
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFIFunctionListGlobalNames(TVMFFIAny* out) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  std::vector<std::string> names = GlobalFunctionTable::Global().Names();
  ObjectPtr<ArrayObj> arr = ArrayObj::Empty(int64_t(names.size()));
  for (const std::string& n : names) arr->PushBackUnchecked(Any(String(n)));
  *out = Any(Array(std::move(arr))).release();
  TVM_FFI_HPY_SAFE_CALL_END();
}

}  // extern "C"
