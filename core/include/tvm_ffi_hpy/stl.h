/*
 * tvm_ffi_hpy/stl.h -- C++ standard library types as argument and return
 * types of typed functions (apache tvm-ffi's extra/stl.h, our own take).
 * Not part of ffi.h: include it where wanted.
 *
 *   C++ type                         accepts (argument)        gives (return)
 *   std::vector<T>, std::array<T,N>  an Array of T-convertible  a new Array
 *                                    items (N of them)
 *   std::tuple<T...>                 an Array of exactly        a new Array
 *                                    sizeof...(T) items, each
 *                                    converted to its T
 *   std::variant<T...>               a value the first T        that alternative's
 *                                    accepts (in order)         value
 *   std::map<K,V>,                   a Map whose keys/values    a new Map
 *   std::unordered_map<K,V>          convert to K/V
 *   std::function<R(A...)>           a Function (called with    a new Function
 *                                    A..., result cast to R)    (typed: arity and
 *                                                               argument checks)
 * std::optional<T> (any.h) and std::string (string.h) are in the core layer.
 *
 * These are conversions, not views: an argument is copied element by element
 * into the C++ value (a mismatch anywhere is the usual TypeError of a typed
 * call), and a return value is copied into new core containers.  They cannot
 * be passed as borrowed views (ToView): pass an Array/Map/Function to
 * Function calls instead.
 */
#ifndef TVM_FFI_HPY_STL_H_
#define TVM_FFI_HPY_STL_H_

#include <tvm_ffi_hpy/ffi.h>

#include <array>
#include <functional>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace tvm_ffi_hpy {
namespace details {

template <typename T>
std::optional<T> TryFromItem(const Any& item) {
  return TypeTraits<T>::TryFrom(&item.raw());
}

template <typename T>
Any ToAnyOwned(T value) {
  TVMFFIAny out;
  TypeTraits<T>::ToOwned(std::move(value), &out);
  return Any::FromRawOwned(out);
}

/* The Array a value holds, or nullptr. */
inline const ArrayObj* AsArray(const TVMFFIAny* v) noexcept {
  return static_cast<const ArrayObj*>(ObjectIfInstance<ArrayObj>(v));
}
inline const MapObj* AsMap(const TVMFFIAny* v) noexcept {
  return static_cast<const MapObj*>(ObjectIfInstance<MapObj>(v));
}

template <typename Seq>
Array SequenceToArray(Seq&& seq) {
  ObjectPtr<ArrayObj> arr = ArrayObj::Empty(int64_t(std::size(seq)));
  for (auto& item : seq) {
    using Item = std::decay_t<decltype(item)>;
    arr->PushBackUnchecked(ToAnyOwned<Item>(std::move(item)));
  }
  return Array(std::move(arr));
}

template <typename M>
struct StlMapTraits {
  using K = typename M::key_type;
  using V = typename M::mapped_type;
  static constexpr bool enabled = TypeTraits<K>::enabled && TypeTraits<V>::enabled;
  static void ToOwned(M v, TVMFFIAny* out) {
    Map result;
    for (auto& kv : v) result.Set(ToAnyOwned<K>(kv.first), ToAnyOwned<V>(std::move(kv.second)));
    TypeTraits<Map>::ToOwned(std::move(result), out);
  }
  static std::optional<M> TryFrom(const TVMFFIAny* v) {
    const MapObj* map = AsMap(v);
    if (map == nullptr) return std::nullopt;
    M result;
    for (const auto& kv : *map) {
      std::optional<K> key = TryFromItem<K>(kv.first);
      if (!key) return std::nullopt;
      std::optional<V> value = TryFromItem<V>(kv.second);
      if (!value) return std::nullopt;
      result.emplace(std::move(*key), std::move(*value));
    }
    return result;
  }
  static std::string TypeName() {
    return "Map[" + TypeTraits<K>::TypeName() + ", " + TypeTraits<V>::TypeName() + "]";
  }
  static int32_t FieldTypeIndex() { return kTVMFFIMap; }
};

}  // namespace details

template <typename T, typename Alloc>
struct TypeTraits<std::vector<T, Alloc>, std::enable_if_t<TypeTraits<T>::enabled>> {
  static constexpr bool enabled = true;
  static void ToOwned(std::vector<T, Alloc> v, TVMFFIAny* out) {
    TypeTraits<Array>::ToOwned(details::SequenceToArray(std::move(v)), out);
  }
  static std::optional<std::vector<T, Alloc>> TryFrom(const TVMFFIAny* v) {
    const ArrayObj* arr = details::AsArray(v);
    if (arr == nullptr) return std::nullopt;
    std::vector<T, Alloc> result;
    result.reserve(size_t(arr->size()));
    for (const Any& item : *arr) {
      std::optional<T> x = details::TryFromItem<T>(item);
      if (!x) return std::nullopt;
      result.push_back(std::move(*x));
    }
    return result;
  }
  static std::string TypeName() { return "Array[" + TypeTraits<T>::TypeName() + "]"; }
  static int32_t FieldTypeIndex() { return kTVMFFIArray; }
};

template <typename T, size_t N>
struct TypeTraits<std::array<T, N>, std::enable_if_t<TypeTraits<T>::enabled>> {
  static constexpr bool enabled = true;
  static void ToOwned(std::array<T, N> v, TVMFFIAny* out) {
    TypeTraits<Array>::ToOwned(details::SequenceToArray(std::move(v)), out);
  }
  static std::optional<std::array<T, N>> TryFrom(const TVMFFIAny* v) {
    const ArrayObj* arr = details::AsArray(v);
    if (arr == nullptr || arr->size() != int64_t(N)) return std::nullopt;
    std::array<std::optional<T>, N> items;
    for (size_t i = 0; i < N; ++i) {
      items[i] = details::TryFromItem<T>(arr->at(int64_t(i)));
      if (!items[i]) return std::nullopt;
    }
    return Unwrap(items, std::make_index_sequence<N>());
  }
  static std::string TypeName() { return "Array[" + TypeTraits<T>::TypeName() + "]"; }
  static int32_t FieldTypeIndex() { return kTVMFFIArray; }

 private:
  template <size_t... I>
  static std::array<T, N> Unwrap(std::array<std::optional<T>, N>& items,
                                 std::index_sequence<I...>) {
    return std::array<T, N>{std::move(*items[I])...};
  }
};

template <typename... Ts>
struct TypeTraits<std::tuple<Ts...>, std::enable_if_t<(TypeTraits<Ts>::enabled && ...)>> {
  static constexpr bool enabled = true;
  static void ToOwned(std::tuple<Ts...> v, TVMFFIAny* out) {
    ObjectPtr<ArrayObj> arr = ArrayObj::Empty(int64_t(sizeof...(Ts)));
    std::apply([&](auto&... item) {
      (arr->PushBackUnchecked(details::ToAnyOwned<std::decay_t<decltype(item)>>(std::move(item))),
       ...);
    }, v);
    TypeTraits<Array>::ToOwned(Array(std::move(arr)), out);
  }
  static std::optional<std::tuple<Ts...>> TryFrom(const TVMFFIAny* v) {
    const ArrayObj* arr = details::AsArray(v);
    if (arr == nullptr || arr->size() != int64_t(sizeof...(Ts))) return std::nullopt;
    return Convert(arr, std::index_sequence_for<Ts...>());
  }
  static std::string TypeName() {
    std::string out = "tuple[";
    size_t i = 0;
    ((out += (i++ ? ", " : "") + TypeTraits<Ts>::TypeName()), ...);
    return out + "]";
  }
  static int32_t FieldTypeIndex() { return kTVMFFIArray; }

 private:
  template <size_t... I>
  static std::optional<std::tuple<Ts...>> Convert(const ArrayObj* arr, std::index_sequence<I...>) {
    std::tuple<std::optional<Ts>...> items{details::TryFromItem<Ts>(arr->at(int64_t(I)))...};
    if (!(std::get<I>(items).has_value() && ...)) return std::nullopt;
    return std::tuple<Ts...>(std::move(*std::get<I>(items))...);
  }
};

template <typename... Ts>
struct TypeTraits<std::variant<Ts...>, std::enable_if_t<(TypeTraits<Ts>::enabled && ...)>> {
  static constexpr bool enabled = true;
  static void ToOwned(std::variant<Ts...> v, TVMFFIAny* out) {
    std::visit([&](auto&& x) { TypeTraits<std::decay_t<decltype(x)>>::ToOwned(std::move(x), out); },
               std::move(v));
  }
  static std::optional<std::variant<Ts...>> TryFrom(const TVMFFIAny* v) {
    return TryEach<0>(v);
  }
  static std::string TypeName() {
    std::string out = "Union[";
    size_t i = 0;
    ((out += (i++ ? ", " : "") + TypeTraits<Ts>::TypeName()), ...);
    return out + "]";
  }
  static int32_t FieldTypeIndex() { return kTVMFFIAny; }

 private:
  template <size_t I>
  static std::optional<std::variant<Ts...>> TryEach(const TVMFFIAny* v) {
    if constexpr (I == sizeof...(Ts)) {
      return std::nullopt;
    } else {
      using Alt = std::variant_alternative_t<I, std::variant<Ts...>>;
      if (std::optional<Alt> x = TypeTraits<Alt>::TryFrom(v)) {
        return std::variant<Ts...>(std::in_place_index<I>, std::move(*x));
      }
      return TryEach<I + 1>(v);
    }
  }
};

template <typename K, typename V, typename C, typename A>
struct TypeTraits<std::map<K, V, C, A>,
                  std::enable_if_t<TypeTraits<K>::enabled && TypeTraits<V>::enabled>>
    : details::StlMapTraits<std::map<K, V, C, A>> {};

template <typename K, typename V, typename H, typename E, typename A>
struct TypeTraits<std::unordered_map<K, V, H, E, A>,
                  std::enable_if_t<TypeTraits<K>::enabled && TypeTraits<V>::enabled>>
    : details::StlMapTraits<std::unordered_map<K, V, H, E, A>> {};

template <typename R, typename... A>
struct TypeTraits<std::function<R(A...)>> {
  static constexpr bool enabled = true;
  /* An empty std::function gives None. */
  static void ToOwned(std::function<R(A...)> f, TVMFFIAny* out) {
    if (!f) {
      *out = details::NoneAny();
      return;
    }
    TypeTraits<Function>::ToOwned(Function::FromTyped(std::move(f)), out);
  }
  static std::optional<std::function<R(A...)>> TryFrom(const TVMFFIAny* v) {
    std::optional<Function> f = TypeTraits<Function>::TryFrom(v);
    if (!f || !f->defined()) return std::nullopt;
    return std::function<R(A...)>([fn = std::move(*f)](A... args) -> R {
      if constexpr (std::is_void_v<R>) {
        fn(std::forward<A>(args)...);
      } else {
        return fn(std::forward<A>(args)...).template cast<R>();
      }
    });
  }
  static std::string TypeName() { return "Callable"; }
  static int32_t FieldTypeIndex() { return kTVMFFIFunction; }
};

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_STL_H_
