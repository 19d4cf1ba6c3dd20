/*
 * tvm_ffi_hpy/typed.h -- element-typed views for signatures and fields.
 *
 * Array, Map and Function hold Any; these views say what they hold, so that
 * a function or field declared with them
 *   - checks what crosses (an Array whose items are not all T is refused with
 *     "expected Array[int]", before the body runs), and
 *   - has the precise type schema (type_schema.h): Array[int], Map[str, int],
 *     int | str, Callable[[int], None].
 *
 *   ArrayOf<T>            an Array whose items are T
 *   MapOf<K, V>           a Map from K to V
 *   Variant<T1, T2, ...>  a value that is one of T1, T2, ... (kept as it came)
 *   TypedFunction<R(A...)> a Function called with A... and returning R
 *
 * Each holds the untyped reference (array(), map(), value(), function()), so
 * no copy is made when one crosses: a check, then the same object.  Nothing
 * of this is in the C ABI: the value is the Array, Map or Function.
 */
#ifndef TVM_FFI_HPY_TYPED_H_
#define TVM_FFI_HPY_TYPED_H_

#include <tvm_ffi_hpy/containers.h>
#include <tvm_ffi_hpy/function.h>
#include <tvm_ffi_hpy/type_schema.h>

#include <string>
#include <utility>

namespace tvm_ffi_hpy {

template <typename T>
class ArrayOf {
 public:
  ArrayOf() = default;
  explicit ArrayOf(Array items) : items_(std::move(items)) {}

  const Array& array() const noexcept { return items_; }
  int64_t size() const noexcept { return items_.size(); }
  T operator[](int64_t i) const { return items_.at(i).template cast<T>(); }
  void push_back(T value) { items_.push_back(Any(std::move(value))); }

 private:
  Array items_;
};

template <typename K, typename V>
class MapOf {
 public:
  MapOf() = default;
  explicit MapOf(Map entries) : entries_(std::move(entries)) {}

  const Map& map() const noexcept { return entries_; }
  size_t size() const noexcept { return entries_.size(); }
  V at(const K& key) const { return entries_.at(AnyView(key)).template cast<V>(); }
  void Set(const K& key, V value) { entries_.Set(AnyView(key), Any(std::move(value))); }

 private:
  Map entries_;
};

template <typename... Ts>
class Variant {
 public:
  template <typename T, typename = std::enable_if_t<(std::is_same_v<std::decay_t<T>, Ts> || ...)>>
  Variant(T value) : value_(std::move(value)) {}  // NOLINT(*-explicit-*)

  const Any& value() const noexcept { return value_; }
  template <typename T>
  std::optional<T> as() const {
    return value_.template as<T>();
  }

  static Variant FromChecked(Any value) { return Variant(std::move(value), 0); }

 private:
  Variant(Any value, int) : value_(std::move(value)) {}
  Any value_;
};

template <typename Sig>
class TypedFunction;

template <typename R, typename... A>
class TypedFunction<R(A...)> {
 public:
  TypedFunction() = default;
  explicit TypedFunction(Function f) : f_(std::move(f)) {}

  const Function& function() const noexcept { return f_; }
  R operator()(A... args) const {
    if constexpr (std::is_void_v<R>) {
      f_(std::forward<A>(args)...);
    } else {
      return f_(std::forward<A>(args)...).template cast<R>();
    }
  }

 private:
  Function f_;
};

namespace details {

template <typename T>
bool Converts(const TVMFFIAny* v) {
  if constexpr (std::is_same_v<T, Any> || std::is_same_v<T, AnyView>) {
    return true;
  } else {
    return TypeTraits<T>::TryFrom(v).has_value();
  }
}

template <typename T>
std::string NameOf() {
  return TypeTraits<T>::TypeName();
}

}  // namespace details

template <typename T>
struct TypeTraits<ArrayOf<T>> {
  static constexpr bool enabled = true;
  static void ToView(const ArrayOf<T>& v, TVMFFIAny* out) noexcept {
    TypeTraits<Array>::ToView(v.array(), out);
  }
  static void ToOwned(ArrayOf<T> v, TVMFFIAny* out) noexcept {
    TypeTraits<Array>::ToOwned(v.array(), out);
  }
  static std::optional<ArrayOf<T>> TryFrom(const TVMFFIAny* v) {
    std::optional<Array> items = TypeTraits<Array>::TryFrom(v);
    if (!items) return std::nullopt;
    for (const Any& item : *items) {
      if (!details::Converts<T>(&item.raw())) return std::nullopt;
    }
    return ArrayOf<T>(std::move(*items));
  }
  static std::string TypeName() { return "Array[" + details::NameOf<T>() + "]"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIArray; }
};

template <typename K, typename V>
struct TypeTraits<MapOf<K, V>> {
  static constexpr bool enabled = true;
  static void ToView(const MapOf<K, V>& v, TVMFFIAny* out) noexcept {
    TypeTraits<Map>::ToView(v.map(), out);
  }
  static void ToOwned(MapOf<K, V> v, TVMFFIAny* out) noexcept {
    TypeTraits<Map>::ToOwned(v.map(), out);
  }
  static std::optional<MapOf<K, V>> TryFrom(const TVMFFIAny* v) {
    std::optional<Map> entries = TypeTraits<Map>::TryFrom(v);
    if (!entries) return std::nullopt;
    for (const auto& entry : *entries) {
      if (!details::Converts<K>(&entry.first.raw()) || !details::Converts<V>(&entry.second.raw())) {
        return std::nullopt;
      }
    }
    return MapOf<K, V>(std::move(*entries));
  }
  static std::string TypeName() {
    return "Map[" + details::NameOf<K>() + ", " + details::NameOf<V>() + "]";
  }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIMap; }
};

template <typename... Ts>
struct TypeTraits<Variant<Ts...>> {
  static constexpr bool enabled = true;
  static void ToView(const Variant<Ts...>& v, TVMFFIAny* out) noexcept { *out = v.value().raw(); }
  static void ToOwned(Variant<Ts...> v, TVMFFIAny* out) noexcept {
    *out = Any(v.value()).release();
  }
  static std::optional<Variant<Ts...>> TryFrom(const TVMFFIAny* v) {
    if (!(details::Converts<Ts>(v) || ...)) return std::nullopt;
    return Variant<Ts...>::FromChecked(Any(AnyView::FromRaw(*v)));
  }
  static std::string TypeName() {
    std::string out;
    ((out += (out.empty() ? "" : " | ") + details::NameOf<Ts>()), ...);
    return out;
  }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIAny; }
};

template <typename R, typename... A>
struct TypeTraits<TypedFunction<R(A...)>> {
  static constexpr bool enabled = true;
  static void ToView(const TypedFunction<R(A...)>& v, TVMFFIAny* out) noexcept {
    TypeTraits<Function>::ToView(v.function(), out);
  }
  static void ToOwned(TypedFunction<R(A...)> v, TVMFFIAny* out) noexcept {
    TypeTraits<Function>::ToOwned(v.function(), out);
  }
  static std::optional<TypedFunction<R(A...)>> TryFrom(const TVMFFIAny* v) {
    std::optional<Function> f = TypeTraits<Function>::TryFrom(v);
    if (!f) return std::nullopt;
    return TypedFunction<R(A...)>(std::move(*f));
  }
  static std::string TypeName() { return "ffi.Function"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIFunction; }
};

/* Their schemas (type_schema.h). */
namespace details {

template <typename T>
struct TypeSchema<ArrayOf<T>> {
  static std::string JSON() {
    return "{\"type\":\"ffi.Array\",\"args\":[" + TypeSchema<T>::JSON() + "]}";
  }
};
template <typename K, typename V>
struct TypeSchema<MapOf<K, V>> {
  static std::string JSON() {
    return "{\"type\":\"ffi.Map\",\"args\":[" + TypeSchema<K>::JSON() + "," +
           TypeSchema<V>::JSON() + "]}";
  }
};
template <typename... Ts>
struct TypeSchema<Variant<Ts...>> {
  static std::string JSON() {
    std::string args;
    ((args += (args.empty() ? "" : ",") + TypeSchema<Ts>::JSON()), ...);
    return "{\"type\":\"Variant\",\"args\":[" + args + "]}";
  }
};
template <typename R, typename... A>
struct TypeSchema<TypedFunction<R(A...)>> {
  static std::string JSON() {
    return FunctionSchemaJSONOf<R>(static_cast<std::tuple<A...>*>(nullptr));
  }
};

}  // namespace details
}  // namespace tvm_ffi_hpy
#endif  // TVM_FFI_HPY_TYPED_H_
