/*
 * The type registry: type keys, indices, ancestors, reflected fields,
 * methods and metadata.
 *
 * Invariants:
 *  - a TypeEntry is created once and never moves nor dies, so the
 *    TVMFFITypeInfo* handed out stays valid forever;
 *  - info.type_ancestors[d] (d < type_depth) is the ancestor at depth d;
 *  - info.fields / info.methods always point at a complete array of
 *    num_fields / num_methods items; registering one more publishes a new
 *    array (pointer first, then count) and keeps the old ones alive, so a
 *    reader that raced with a registration still reads valid memory;
 *  - strings (keys, names, docs) and values (defaults, methods) referenced by
 *    the infos are owned by the entry.
 * Lookups by index are lock-free (two-level table of atomic pointers);
 * everything else takes a recursive mutex (creating an error may register a
 * type on first use).
 */
#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "internal.h"

namespace tvm_ffi_hpy {
namespace {

struct TypeEntry {
  TVMFFITypeInfo info{};
  std::string key;
  std::vector<const TVMFFITypeInfo*> ancestors;
  TVMFFITypeMetadata metadata{};
  std::deque<std::string> strings;
  std::deque<Any> values;
  std::vector<std::unique_ptr<TVMFFIFieldInfo[]>> field_arrays;
  std::vector<std::unique_ptr<TVMFFIMethodInfo[]>> method_arrays;

  TVMFFIByteArray Keep(const TVMFFIByteArray& s) {
    strings.emplace_back(s.data ? std::string(s.data, s.size) : std::string());
    return details::ToByteArray(strings.back());
  }
};

/* Publishes `items` plus `item` (replacing an item with the same name). */
template <typename Info>
void PublishWith(const Info* old_items, int32_t* count, const Info** items_slot,
                 std::vector<std::unique_ptr<Info[]>>* arrays, const Info& item) {
  int32_t n = *count;
  int32_t pos = n;
  std::string_view name = details::ToStringView(item.name);
  for (int32_t i = 0; i < n; ++i) {
    if (details::ToStringView(old_items[i].name) == name) pos = i;
  }
  int32_t new_count = pos == n ? n + 1 : n;
  std::unique_ptr<Info[]> fresh(new Info[size_t(new_count)]);
  for (int32_t i = 0; i < n; ++i) fresh[i] = old_items[i];
  fresh[pos] = item;
  __atomic_store_n(items_slot, fresh.get(), __ATOMIC_RELEASE);
  __atomic_store_n(count, new_count, __ATOMIC_RELEASE);
  arrays->push_back(std::move(fresh));
}

class TypeRegistry {
 public:
  static TypeRegistry& Global() {
    static TypeRegistry* registry = new TypeRegistry();  // never freed
    return *registry;
  }

  const TVMFFITypeInfo* Lookup(int32_t index) const noexcept {
    if (index < 0 || index >= kMaxTypes) return nullptr;
    Page* page = pages_[index / kPageSize].load(std::memory_order_acquire);
    if (page == nullptr) return nullptr;
    return page->slots[index % kPageSize].load(std::memory_order_acquire);
  }

  int32_t GetOrAlloc(std::string_view key, int32_t static_index, int32_t parent_index) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    auto it = by_key_.find(std::string(key));
    if (it != by_key_.end()) return it->second;
    const TVMFFITypeInfo* parent = nullptr;
    if (parent_index >= 0) {
      parent = Lookup(parent_index);
      if (parent == nullptr || parent_index < kTVMFFIStaticObjectBegin) {
        TVM_FFI_HPY_THROW(ValueError) << "Cannot register type `" << key << "`: parent index "
                                      << parent_index << " is not a registered object type";
      }
    }
    int32_t index;
    if (static_index >= 0) {
      if (Lookup(static_index) != nullptr) {
        TVM_FFI_HPY_THROW(ValueError)
            << "Cannot register type `" << key << "` at index " << static_index
            << ": the index belongs to `" << details::ToStringView(Lookup(static_index)->type_key)
            << "`";
      }
      index = static_index;
    } else {
      while (Lookup(next_dynamic_) != nullptr) ++next_dynamic_;
      index = next_dynamic_++;
    }
    if (index >= kMaxTypes) TVM_FFI_HPY_THROW(RuntimeError) << "too many types";
    Add(key, index, parent);
    return index;
  }

  /* Every registered type key, by type index. */
  std::vector<std::string> Keys() {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    std::vector<std::pair<int32_t, std::string>> found;
    for (const auto& [index, entry] : entries_) found.emplace_back(index, entry->key);
    std::sort(found.begin(), found.end());
    std::vector<std::string> keys;
    for (auto& item : found) keys.push_back(std::move(item.second));
    return keys;
  }

  int32_t IndexOf(std::string_view key) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    auto it = by_key_.find(std::string(key));
    if (it == by_key_.end()) TVM_FFI_HPY_THROW(KeyError) << "Cannot find type `" << key << "`";
    return it->second;
  }

  void RegisterField(int32_t index, const TVMFFIFieldInfo& field) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    TypeEntry& e = Entry(index);
    TVMFFIFieldInfo f = field;
    f.name = e.Keep(field.name);
    f.doc = e.Keep(field.doc);
    f.metadata = e.Keep(field.metadata);
    if (f.flags & kTVMFFIFieldFlagBitMaskHasDefault) {
      e.values.emplace_back(AnyView::FromRaw(field.default_value));
      f.default_value = e.values.back().raw();
    } else {
      f.default_value = details::NoneAny();
    }
    if (f.getter == nullptr || f.setter == nullptr) {
      TVM_FFI_HPY_THROW(ValueError) << "field `" << details::ToStringView(f.name) << "` of `"
                                    << e.key << "` needs a getter and a setter";
    }
    if ((f.flags & kTVMFFIFieldFlagBitMaskPlainValue) && !IsPlainLayout(f)) {
      TVM_FFI_HPY_THROW(ValueError)
          << "field `" << details::ToStringView(f.name) << "` of `" << e.key
          << "` is flagged PlainValue but its static type and size are not a plain "
             "int (1, 2, 4, 8 bytes), float (4, 8), bool (1) or Any (16)";
    }
    PublishWith(e.info.fields, &e.info.num_fields, &e.info.fields, &e.field_arrays, f);
  }

  // What kTVMFFIFieldFlagBitMaskPlainValue promises frontends (c_api.h): they
  // read and write `size` bytes at `offset` themselves, so a field flagged
  // with a kind or size they cannot read is refused here.
  static bool IsPlainLayout(const TVMFFIFieldInfo& f) {
    switch (f.field_static_type_index) {
      case kTVMFFIInt:
        return f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8;
      case kTVMFFIFloat:
        return f.size == 4 || f.size == 8;
      case kTVMFFIBool:
        return f.size == 1;
      case kTVMFFIAny:
        return f.size == int64_t(sizeof(TVMFFIAny));
      default:
        return false;
    }
  }

  void RegisterMethod(int32_t index, const TVMFFIMethodInfo& method) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    TypeEntry& e = Entry(index);
    if (method.method.type_index != kTVMFFIFunction) {
      TVM_FFI_HPY_THROW(TypeError) << "method `" << details::ToStringView(method.name) << "` of `"
                                   << e.key << "` must be an ffi.Function";
    }
    TVMFFIMethodInfo m = method;
    m.name = e.Keep(method.name);
    m.doc = e.Keep(method.doc);
    m.metadata = e.Keep(method.metadata);
    e.values.emplace_back(AnyView::FromRaw(method.method));
    m.method = e.values.back().raw();
    PublishWith(e.info.methods, &e.info.num_methods, &e.info.methods, &e.method_arrays, m);
  }

  void RegisterMetadata(int32_t index, const TVMFFITypeMetadata& meta) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    TypeEntry& e = Entry(index);
    e.metadata = meta;
    e.metadata.doc = e.Keep(meta.doc);
    __atomic_store_n(&e.info.metadata, &e.metadata, __ATOMIC_RELEASE);
  }

 private:
  static constexpr int32_t kPageSize = 256;
  static constexpr int32_t kMaxTypes = kPageSize * 256;
  struct Page {
    std::atomic<const TVMFFITypeInfo*> slots[kPageSize];
  };

  TypeRegistry() {
    static const char* const kPlainKeys[] = {
        "None",        "int",              "bool",            "float",        "void*",
        "DataType",    "Device",           "DLTensor*",       "const char*",  "TVMFFIByteArray*",
        "ObjectRValueRef", "ffi.SmallStr", "ffi.SmallBytes"};
    for (int32_t i = 0; i <= kTVMFFISmallBytes; ++i) Add(kPlainKeys[i], i, nullptr);
    Add("ffi.Object", kTVMFFIObject, nullptr);
    const TVMFFITypeInfo* object = Lookup(kTVMFFIObject);
    static const std::pair<const char*, int32_t> kBuiltins[] = {
        {"ffi.String", kTVMFFIStr},     {"ffi.Bytes", kTVMFFIBytes},
        {"ffi.Error", kTVMFFIError},    {"ffi.Function", kTVMFFIFunction},
        {"ffi.Shape", kTVMFFIShape},    {"ffi.Tensor", kTVMFFITensor},
        {"ffi.Array", kTVMFFIArray},    {"ffi.Map", kTVMFFIMap},
        {"ffi.Module", kTVMFFIModule},  {"ffi.OpaquePyObject", kTVMFFIOpaquePyObject},
        {"ffi.List", kTVMFFIList},      {"ffi.Dict", kTVMFFIDict},
        {"ffi.BigInt", kTVMFFIBigInt}};
    for (const auto& [key, index] : kBuiltins) Add(key, index, object);
  }

  TypeEntry& Entry(int32_t index) {
    auto it = entries_.find(index);
    if (it == entries_.end()) TVM_FFI_HPY_THROW(KeyError) << "unknown type index " << index;
    return *it->second;
  }

  /* Creates and publishes the entry; the caller holds the lock. */
  void Add(std::string_view key, int32_t index, const TVMFFITypeInfo* parent) {
    auto entry = std::make_unique<TypeEntry>();
    TypeEntry& e = *entry;
    e.key = std::string(key);
    if (parent != nullptr) {
      e.ancestors.assign(parent->type_ancestors, parent->type_ancestors + parent->type_depth);
      e.ancestors.push_back(parent);
    }
    e.info.type_index = index;
    e.info.type_depth = int32_t(e.ancestors.size());
    e.info.type_key = details::ToByteArray(e.key);
    e.info.type_ancestors = e.ancestors.data();
    e.info.type_key_hash = std::hash<std::string>()(e.key);
    e.info.num_fields = 0;
    e.info.num_methods = 0;
    e.info.fields = nullptr;
    e.info.methods = nullptr;
    e.info.metadata = nullptr;
    by_key_.emplace(e.key, index);
    const TVMFFITypeInfo* published = &e.info;
    entries_.emplace(index, std::move(entry));
    int32_t page_no = index / kPageSize;
    Page* page = pages_[page_no].load(std::memory_order_acquire);
    if (page == nullptr) {
      page = new Page();
      for (auto& slot : page->slots) slot.store(nullptr, std::memory_order_relaxed);
      pages_[page_no].store(page, std::memory_order_release);
    }
    page->slots[index % kPageSize].store(published, std::memory_order_release);
  }

  std::recursive_mutex mu_;
  std::unordered_map<std::string, int32_t> by_key_;
  std::unordered_map<int32_t, std::unique_ptr<TypeEntry>> entries_;
  std::atomic<Page*> pages_[kMaxTypes / kPageSize] = {};
  int32_t next_dynamic_ = kTVMFFIDynObjectBegin;
};

}  // namespace

// apache tvm-ffi's name: the keys of every registered type, plain ones
// ("int", "Device", ...) included, by type index.
TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  refl::GlobalDef().def("ffi.GetRegisteredTypeKeys", []() {
    std::vector<std::string> keys = TypeRegistry::Global().Keys();
    ObjectPtr<ArrayObj> out = ArrayObj::Empty(int64_t(keys.size()));
    for (const std::string& k : keys) out->PushBackUnchecked(Any(String(k)));
    return Array(std::move(out));
  });
}

}  // namespace tvm_ffi_hpy

using namespace tvm_ffi_hpy;

extern "C" {

int32_t TVMFFITypeGetOrAllocIndex(const TVMFFIByteArray* type_key, int32_t static_type_index,
                                  int32_t /*type_depth*/, int32_t /*num_child_slots*/,
                                  int32_t /*child_slots_can_overflow*/,
                                  int32_t parent_type_index) {
  try {
    return TypeRegistry::Global().GetOrAlloc(details::ToStringView(*type_key), static_type_index,
                                             parent_type_index);
  } catch (...) {
    return details::SetRaisedFromCurrentException();
  }
}

const TVMFFITypeInfo* TVMFFIGetTypeInfo(int32_t type_index) {
  return TypeRegistry::Global().Lookup(type_index);
}

int TVMFFITypeKeyToIndex(const TVMFFIByteArray* type_key, int32_t* out_tindex) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *out_tindex = -1;
  *out_tindex = TypeRegistry::Global().IndexOf(details::ToStringView(*type_key));
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFITypeRegisterField(int32_t type_index, const TVMFFIFieldInfo* info) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  TypeRegistry::Global().RegisterField(type_index, *info);
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFITypeRegisterMethod(int32_t type_index, const TVMFFIMethodInfo* info) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  TypeRegistry::Global().RegisterMethod(type_index, *info);
  TVM_FFI_HPY_SAFE_CALL_END();
}

int TVMFFITypeRegisterMetadata(int32_t type_index, const TVMFFITypeMetadata* metadata) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  TypeRegistry::Global().RegisterMetadata(type_index, *metadata);
  TVM_FFI_HPY_SAFE_CALL_END();
}

}  // extern "C"
