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
 *   ArrayOf<T>, ListOf<T>         an Array (List) whose items are T
 *   MapOf<K, V>, DictOf<K, V>     a Map (Dict) from K to V
 *   Variant<T1, T2, ...>  a value that is one of T1, T2, ... (kept as it came)
 *   TypedFunction<R(A...)> a Function called with A... and returning R
 *
 * Each holds the untyped reference (container(), value(), function()), so
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

/* The user-facing and schema names of the untyped containers. */
template <typename C>
struct ContainerNames;
template <>
struct ContainerNames<Array> {
  static constexpr const char* kName = "Array";
  static constexpr const char* kKey = "ffi.Array";
};
template <>
struct ContainerNames<List> {
  static constexpr const char* kName = "List";
  static constexpr const char* kKey = "ffi.List";
};
template <>
struct ContainerNames<Map> {
  static constexpr const char* kName = "Map";
  static constexpr const char* kKey = "ffi.Map";
};
template <>
struct ContainerNames<Dict> {
  static constexpr const char* kName = "Dict";
  static constexpr const char* kKey = "ffi.Dict";
};

/* A sequence container C (Array or List) whose items are T. */
template <typename C, typename T>
class SeqOf {
 public:
  SeqOf() = default;
  explicit SeqOf(C items) : items_(std::move(items)) {}

  const C& container() const noexcept { return items_; }
  int64_t size() const noexcept { return items_.size(); }
  T operator[](int64_t i) const { return items_.at(i).template cast<T>(); }
  void push_back(T value) { items_.push_back(Any(std::move(value))); }

 private:
  C items_;
};
template <typename T>
using ArrayOf = SeqOf<Array, T>;
template <typename T>
using ListOf = SeqOf<List, T>;

/* A mapping container C (Map or Dict) from K to V. */
template <typename C, typename K, typename V>
class KeyValueOf {
 public:
  KeyValueOf() = default;
  explicit KeyValueOf(C entries) : entries_(std::move(entries)) {}

  const C& container() const noexcept { return entries_; }
  size_t size() const noexcept { return entries_.size(); }
  V at(const K& key) const { return entries_.at(AnyView(key)).template cast<V>(); }
  void Set(const K& key, V value) { entries_.Set(AnyView(key), Any(std::move(value))); }

 private:
  C entries_;
};
template <typename K, typename V>
using MapOf = KeyValueOf<Map, K, V>;
template <typename K, typename V>
using DictOf = KeyValueOf<Dict, K, V>;

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

template <typename C, typename T>
struct TypeTraits<SeqOf<C, T>> {
  static constexpr bool enabled = true;
  static void ToView(const SeqOf<C, T>& v, TVMFFIAny* out) noexcept {
    TypeTraits<C>::ToView(v.container(), out);
  }
  static void ToOwned(SeqOf<C, T> v, TVMFFIAny* out) noexcept {
    TypeTraits<C>::ToOwned(v.container(), out);
  }
  static std::optional<SeqOf<C, T>> TryFrom(const TVMFFIAny* v) {
    std::optional<C> items = TypeTraits<C>::TryFrom(v);
    if (!items) return std::nullopt;
    for (const Any& item : *items) {
      if (!details::Converts<T>(&item.raw())) return std::nullopt;
    }
    return SeqOf<C, T>(std::move(*items));
  }
  static std::string TypeName() {
    return std::string(ContainerNames<C>::kName) + "[" + details::NameOf<T>() + "]";
  }
  static int32_t FieldTypeIndex() noexcept { return TypeTraits<C>::FieldTypeIndex(); }
};

template <typename C, typename K, typename V>
struct TypeTraits<KeyValueOf<C, K, V>> {
  static constexpr bool enabled = true;
  static void ToView(const KeyValueOf<C, K, V>& v, TVMFFIAny* out) noexcept {
    TypeTraits<C>::ToView(v.container(), out);
  }
  static void ToOwned(KeyValueOf<C, K, V> v, TVMFFIAny* out) noexcept {
    TypeTraits<C>::ToOwned(v.container(), out);
  }
  static std::optional<KeyValueOf<C, K, V>> TryFrom(const TVMFFIAny* v) {
    std::optional<C> entries = TypeTraits<C>::TryFrom(v);
    if (!entries) return std::nullopt;
    for (const auto& entry : *entries) {
      if (!details::Converts<K>(&entry.first.raw()) || !details::Converts<V>(&entry.second.raw())) {
        return std::nullopt;
      }
    }
    return KeyValueOf<C, K, V>(std::move(*entries));
  }
  static std::string TypeName() {
    return std::string(ContainerNames<C>::kName) + "[" + details::NameOf<K>() + ", " +
           details::NameOf<V>() + "]";
  }
  static int32_t FieldTypeIndex() noexcept { return TypeTraits<C>::FieldTypeIndex(); }
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

template <typename C, typename T>
struct TypeSchema<SeqOf<C, T>> {
  static std::string JSON() {
    return std::string("{\"type\":\"") + ContainerNames<C>::kKey + "\",\"args\":[" +
           TypeSchema<T>::JSON() + "]}";
  }
};
template <typename C, typename K, typename V>
struct TypeSchema<KeyValueOf<C, K, V>> {
  static std::string JSON() {
    return std::string("{\"type\":\"") + ContainerNames<C>::kKey + "\",\"args\":[" +
           TypeSchema<K>::JSON() + "," + TypeSchema<V>::JSON() + "]}";
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
