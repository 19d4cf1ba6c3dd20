/*
 * tvm_ffi_hpy/type_schema.h -- the type schema of a C++ type, as JSON.
 *
 * TypeSchemaJson<T>() is the JSON object apache tvm-ffi's TypeSchema reads
 * (Python: tvm_ffi_hpy.core.TypeSchema.from_json_str):
 *   bool -> {"type":"bool"}; integers -> "int"; floating point -> "float";
 *   void* -> "void*"; String, std::string, const char* -> "ffi.String";
 *   Bytes -> "ffi.Bytes"; Any, AnyView -> "Any"; void -> "None";
 *   an ObjectRef subclass or ObjectPtr<T> -> the type key of its object
 *   ("ffi.Array", "testing.TestIntPair"); std::optional<T> ->
 *   {"type":"Optional","args":[T]}; other types -> "Any".
 * FunctionTypeSchemaJson<F>() is the schema of a callable's signature:
 *   {"type":"ffi.Function","args":[return, params...]}.
 * TypeSchemaMetadata(json) is the metadata text of a field or method that
 * carries it: {"type_schema":"<the schema's JSON as a string>"}, the key
 * apache tvm-ffi uses.  Registration (reflection.h) writes it; nothing
 * reads it on a call path.
 */
#ifndef TVM_FFI_HPY_TYPE_SCHEMA_H_
#define TVM_FFI_HPY_TYPE_SCHEMA_H_

#include <tvm_ffi_hpy/any.h>
#include <tvm_ffi_hpy/function.h>
#include <tvm_ffi_hpy/string.h>

#include <optional>
#include <string>
#include <tuple>
#include <type_traits>

namespace tvm_ffi_hpy {
namespace details {

inline std::string SchemaOfName(const std::string& name) { return "{\"type\":\"" + name + "\"}"; }

template <typename T, typename = void>
struct SchemaOf {
  static std::string Json() { return SchemaOfName("Any"); }
};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_same_v<T, bool>>> {
  static std::string Json() { return SchemaOfName("bool"); }
};
template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static std::string Json() { return SchemaOfName("int"); }
};
template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static std::string Json() { return SchemaOfName("float"); }
};
template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_void_v<T>>> {
  static std::string Json() { return SchemaOfName("None"); }
};
template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_same_v<T, void*>>> {
  static std::string Json() { return SchemaOfName("void*"); }
};
template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_same_v<T, String> || std::is_same_v<T, std::string> ||
                                    std::is_same_v<T, const char*>>> {
  static std::string Json() { return SchemaOfName("ffi.String"); }
};
template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_same_v<T, Bytes>>> {
  static std::string Json() { return SchemaOfName("ffi.Bytes"); }
};
template <typename T>
struct SchemaOf<T, std::enable_if_t<std::is_base_of_v<ObjectRef, T>>> {
  static std::string Json() { return SchemaOfName(T::ContainerType::_type_key); }
};
template <typename T>
struct SchemaOf<ObjectPtr<T>, void> {
  static std::string Json() { return SchemaOfName(T::_type_key); }
};
template <typename T>
struct SchemaOf<std::optional<T>, void> {
  static std::string Json() {
    return "{\"type\":\"Optional\",\"args\":[" + SchemaOf<std::decay_t<T>>::Json() + "]}";
  }
};

template <typename R, typename... A>
std::string FunctionSchemaOf(std::tuple<A...>*) {
  std::string out = "{\"type\":\"ffi.Function\",\"args\":[" + SchemaOf<std::decay_t<R>>::Json();
  ((out += "," + SchemaOf<std::decay_t<A>>::Json()), ...);
  return out + "]}";
}

}  // namespace details

/* The schema of the C++ type T as JSON text. */
template <typename T>
std::string TypeSchemaJson() {
  return details::SchemaOf<std::decay_t<T>>::Json();
}

/* The schema of a callable's signature as JSON text. */
template <typename F>
std::string FunctionTypeSchemaJson() {
  using Sig = details::FuncSig<std::decay_t<F>>;
  return details::FunctionSchemaOf<typename Sig::Ret>(static_cast<typename Sig::Args*>(nullptr));
}

/* {"type_schema": "<json>"}: the metadata text carrying a schema. */
inline std::string TypeSchemaMetadata(const std::string& json) {
  std::string out = "{\"type_schema\":\"";
  for (char c : json) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}";
}

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_TYPE_SCHEMA_H_
