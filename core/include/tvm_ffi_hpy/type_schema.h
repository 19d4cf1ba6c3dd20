/*
 * tvm_ffi_hpy/type_schema.h -- the JSON that describes a C++ type, a typed
 * function, and the metadata of registered functions, fields and methods,
 * in apache tvm-ffi's shape:
 *
 *   TypeSchemaJSON<int64_t>()                 {"type":"int"}
 *   TypeSchemaJSON<std::optional<String>>()   {"type":"Optional","args":[{"type":"ffi.String"}]}
 *   FunctionSchemaJSON<F>()                   {"type":"ffi.Function","named_args":
 *                                               {"return":[R],"params":[A1,...]}}
 *   MetadataJSON(schema, extra)               {"type_schema":"<schema as a string>", ...}
 *
 * Type names: "None", "bool", "int", "float", "Any", "ffi.String",
 * "ffi.Bytes", "void*", and an object type's type key ("ffi.Object",
 * "ffi.Array", "ffi.Map", "ffi.Function", "ffi.Tensor", "my.Point").
 * Containers are untyped here, so an Array is {"type":"ffi.Array"}.
 *
 * refl::Metadata{{"key", value}, ...} adds entries (a bool, an integer, a
 * floating-point number or a string each) to what GlobalDef::def,
 * ObjectDef::def, def_ro and def_rw register.
 */
#ifndef TVM_FFI_HPY_TYPE_SCHEMA_H_
#define TVM_FFI_HPY_TYPE_SCHEMA_H_

#include <tvm_ffi_hpy/function.h>

#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace tvm_ffi_hpy {
namespace details {

/* `text` as a JSON string literal. */
inline std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

/* The schema name of a TypeTraits type name. */
inline std::string SchemaTypeName(const std::string& name) {
  if (name == "str") return "ffi.String";
  if (name == "bytes") return "ffi.Bytes";
  if (name == "dtype") return "DataType";
  return name;
}

template <typename T, typename = void>
struct TypeSchema {
  static std::string JSON() {
    return "{\"type\":" + JsonQuote(SchemaTypeName(TypeTraits<T>::TypeName())) + "}";
  }
};
template <>
struct TypeSchema<void> {
  static std::string JSON() { return "{\"type\":\"None\"}"; }
};
template <>
struct TypeSchema<Any> {
  static std::string JSON() { return "{\"type\":\"Any\"}"; }
};
template <>
struct TypeSchema<AnyView> {
  static std::string JSON() { return "{\"type\":\"Any\"}"; }
};
template <typename T>
struct TypeSchema<std::optional<T>> {
  static std::string JSON() {
    return "{\"type\":\"Optional\",\"args\":[" + TypeSchema<std::decay_t<T>>::JSON() + "]}";
  }
};

template <typename R, typename... A>
std::string FunctionSchemaJSONOf(std::tuple<A...>*) {
  std::string params;
  ((params += (params.empty() ? "" : ",") + TypeSchema<std::decay_t<A>>::JSON()), ...);
  return "{\"type\":\"ffi.Function\",\"named_args\":{\"return\":[" +
         TypeSchema<std::decay_t<R>>::JSON() + "],\"params\":[" + params + "]}}";
}

}  // namespace details

/* The schema of C++ type T. */
template <typename T>
std::string TypeSchemaJSON() {
  return details::TypeSchema<std::decay_t<T>>::JSON();
}

/* The schema of a typed callable F (a lambda, a function pointer). */
template <typename F>
std::string FunctionSchemaJSON() {
  using Sig = details::FuncSig<std::decay_t<F>>;
  return details::FunctionSchemaJSONOf<typename Sig::Ret>(
      static_cast<typename Sig::Args*>(nullptr));
}

/* The schema of a packed function: arguments and result unknown. */
inline std::string PackedFunctionSchemaJSON() { return "{\"type\":\"ffi.Function\"}"; }

namespace refl {

/* Extra metadata entries: refl::Metadata{{"bool_attr", true}, {"n", 1}, {"s", "text"}}. */
class Metadata {
 public:
  class Value {
   public:
    Value(bool v) : json_(v ? "true" : "false") {}  // NOLINT(*-explicit-*)
    template <typename I, typename = std::enable_if_t<std::is_integral_v<I> &&
                                                      !std::is_same_v<I, bool>>>
    Value(I v) : json_(std::to_string(v)) {}  // NOLINT(*-explicit-*)
    Value(double v) {  // NOLINT(*-explicit-*)
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", v);
      json_ = buf;
    }
    Value(const char* v) : json_(details::JsonQuote(v)) {}         // NOLINT(*-explicit-*)
    Value(const std::string& v) : json_(details::JsonQuote(v)) {}  // NOLINT(*-explicit-*)
    const std::string& json() const { return json_; }

   private:
    std::string json_;
  };

  Metadata(std::initializer_list<std::pair<std::string, Value>> entries)
      : entries_(entries.begin(), entries.end()) {}

  /* The entries as JSON members: "key":value,... (empty when none). */
  std::string members() const {
    std::string out;
    for (const auto& kv : entries_) {
      if (!out.empty()) out += ",";
      out += details::JsonQuote(kv.first) + ":" + kv.second.json();
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

}  // namespace refl

/* The metadata object of a function, field or method: its type schema (as a
 * JSON string, apache tvm-ffi's shape), then `extra` members. */
inline std::string MetadataJSON(const std::string& type_schema, const std::string& extra = {}) {
  std::string out = "{\"type_schema\":" + details::JsonQuote(type_schema);
  if (!extra.empty()) out += "," + extra;
  return out + "}";
}

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_TYPE_SCHEMA_H_
