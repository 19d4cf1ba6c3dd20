/*
 * testing.schema_id_* for containers (apache tvm-ffi's names): identity
 * functions over Array / List / Map / Dict parameters.  The parameter's
 * TypeTraits convert a twin (a List given for an Array, a Map for a Dict,
 * ...); the item types a name promises (arr_int: ints) are checked here,
 * since the core's containers are untyped.
 */
#include <string>

#include <tvm_ffi_hpy/ffi.h>

namespace tvm_ffi_hpy {
namespace testing {
namespace {

enum class Item { kAny, kInt, kStr, kObject };

const char* ItemName(Item k) {
  switch (k) {
    case Item::kInt: return "int";
    case Item::kStr: return "str";
    case Item::kObject: return "Object";
    default: return "Any";
  }
}

void CheckItem(const char* fn, const std::string& where, const Any& v, Item k) {
  bool ok = true;
  switch (k) {
    case Item::kInt: ok = v.type_index() == kTVMFFIInt || v.type_index() == kTVMFFIBool; break;
    case Item::kStr: ok = v.as<String>().has_value(); break;
    case Item::kObject: ok = v.type_index() >= kTVMFFIStaticObjectBegin; break;
    default: break;
  }
  if (!ok) {
    TVM_FFI_HPY_THROW(TypeError) << "Mismatched type when calling `" << fn << "`: " << where
                                 << ": expected `" << ItemName(k) << "` but got `"
                                 << v.type_name() << "`";
  }
}

template <typename Seq>
Seq CheckSeq(const char* fn, Seq seq, Item k) {
  int64_t i = 0;
  for (const Any& v : seq) CheckItem(fn, "element [" + std::to_string(i++) + "]", v, k);
  return seq;
}

template <typename M>
M CheckMap(const char* fn, M m, Item key, Item value) {
  for (const auto& kv : m) {
    CheckItem(fn, "key " + details::AnyRepr(&kv.first.raw()), kv.first, key);
    CheckItem(fn, "value for key " + details::AnyRepr(&kv.first.raw()), kv.second, value);
  }
  return m;
}

}  // namespace

TVM_FFI_HPY_STATIC_INIT_BLOCK() {
  namespace refl = ::tvm_ffi_hpy::refl;
#define SEQ_ID(NAME, T, KIND) \
  .def("testing." NAME, [](T x) { return CheckSeq<T>("testing." NAME, std::move(x), KIND); })
#define MAP_ID(NAME, T, K, V) \
  .def("testing." NAME, [](T x) { return CheckMap<T>("testing." NAME, std::move(x), K, V); })
  refl::GlobalDef()
      SEQ_ID("schema_id_arr", Array, Item::kAny)
      SEQ_ID("schema_id_arr_int", Array, Item::kInt)
      SEQ_ID("schema_id_arr_str", Array, Item::kStr)
      SEQ_ID("schema_id_arr_obj", Array, Item::kObject)
      SEQ_ID("schema_id_list_int", List, Item::kInt)
      SEQ_ID("schema_id_list_str", List, Item::kStr)
      MAP_ID("schema_id_map", Map, Item::kAny, Item::kAny)
      MAP_ID("schema_id_map_str_int", Map, Item::kStr, Item::kInt)
      MAP_ID("schema_id_map_str_str", Map, Item::kStr, Item::kStr)
      MAP_ID("schema_id_map_str_obj", Map, Item::kStr, Item::kObject)
      MAP_ID("schema_id_dict_str_int", Dict, Item::kStr, Item::kInt)
      MAP_ID("schema_id_dict_str_str", Dict, Item::kStr, Item::kStr);
#undef SEQ_ID
#undef MAP_ID
}

}  // namespace testing
}  // namespace tvm_ffi_hpy
