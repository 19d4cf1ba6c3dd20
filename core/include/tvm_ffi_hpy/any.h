/*
 * tvm_ffi_hpy/any.h -- AnyView (borrowed 16-byte value), Any (owned 16-byte
 * value) and TypeTraits, the table that says how a C++ type maps to them.
 *
 * Invariants:
 *  - AnyView and Any are exactly a TVMFFIAny (arrays of them are arrays of
 *    TVMFFIAny; the core relies on that when it hands out arguments).
 *  - An owned Any never holds kTVMFFIRawStr, kTVMFFIByteArrayPtr or
 *    kTVMFFIObjectRValueRef; converting a view to an owned value copies the
 *    string, or steals the object of an rvalue reference.
 *  - Strings of at most 7 bytes are always stored small (kTVMFFISmallStr /
 *    kTVMFFISmallBytes) by the core; longer ones are Str/Bytes objects.
 *
 * A TypeTraits<T> specialisation with `enabled = true` provides
 *   ToView(const T&, TVMFFIAny*)    a borrowed view (no reference taken)
 *   ToOwned(T, TVMFFIAny*)          moves an owned value out of T
 *   TryFrom(const TVMFFIAny*)       converting read; std::nullopt on mismatch
 *   TypeName()                      for messages ("int", "str", "ffi.Array")
 *   FieldTypeIndex()                TVMFFIFieldInfo::field_static_type_index
 * Conversions accepted by TryFrom: int <- int/bool; bool <- bool/int;
 * float <- float/int/bool; str <- any string form; bytes <- any bytes form;
 * ObjectRef subclasses <- objects of the type or a subtype (None only for
 * the nullable ObjectRef itself); std::optional<T> <- None or T.
 */
#ifndef TVM_FFI_HPY_ANY_H_
#define TVM_FFI_HPY_ANY_H_

#include <tvm_ffi_hpy/error.h>

#include <optional>
#include <type_traits>

namespace tvm_ffi_hpy {

template <typename T, typename = void>
struct TypeTraits {
  static constexpr bool enabled = false;
};

namespace details {

/* The type whose TypeTraits convert a T: std::decay_t, except that char
 * arrays (string literals) become const char*. */
template <typename T, typename U = std::remove_reference_t<T>>
using ValueTypeOf =
    std::conditional_t<std::is_array_v<U>, const std::remove_extent_t<U>*, std::decay_t<T>>;

template <typename T>
struct TraitsEnabled : std::bool_constant<TypeTraits<T>::enabled> {};

/* T converts through TypeTraits (Any and AnyView themselves excluded, and
 * checked first so their traits are not instantiated too early). */
template <typename T>
constexpr bool kIsValueType =
    std::conjunction_v<std::negation<std::is_same<std::decay_t<T>, Any>>,
                       std::negation<std::is_same<std::decay_t<T>, AnyView>>,
                       TraitsEnabled<ValueTypeOf<T>>>;

/* The user-facing name of the type a value holds ("int", "str", "ffi.Array"). */
inline std::string TypeIndexName(int32_t type_index) {
  switch (type_index) {
    case kTVMFFINone: return "None";
    case kTVMFFIInt: return "int";
    case kTVMFFIBool: return "bool";
    case kTVMFFIFloat: return "float";
    case kTVMFFIOpaquePtr: return "void*";
    case kTVMFFIDataType: return "dtype";
    case kTVMFFIDevice: return "Device";
    case kTVMFFIRawStr:
    case kTVMFFISmallStr:
    case kTVMFFIStr: return "str";
    case kTVMFFIByteArrayPtr:
    case kTVMFFISmallBytes:
    case kTVMFFIBytes: return "bytes";
    default: break;
  }
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  if (info != nullptr) return std::string(ToStringView(info->type_key));
  return "<unknown type " + std::to_string(type_index) + ">";
}

TVM_FFI_HPY_INLINE void IncRefIfObject(const TVMFFIAny& v) noexcept {
  if (IsObjectIndex(v.type_index)) IncRef(v.v_obj);
}

}  // namespace details

/* A borrowed value: valid as long as what it was made from. */
class AnyView {
 public:
  AnyView() noexcept : data_(details::NoneAny()) {}
  AnyView(std::nullptr_t) noexcept : data_(details::NoneAny()) {}  // NOLINT
  AnyView(const Any& value) noexcept;                              // NOLINT
  template <typename T, typename = std::enable_if_t<details::kIsValueType<T>>>
  AnyView(const T& value) noexcept {  // NOLINT(*-explicit-*)
    TypeTraits<details::ValueTypeOf<T>>::ToView(value, &data_);
  }

  static AnyView FromRaw(const TVMFFIAny& raw) noexcept {
    AnyView v;
    v.data_ = raw;
    return v;
  }

  int32_t type_index() const noexcept { return data_.type_index; }
  bool is_none() const noexcept { return data_.type_index == kTVMFFINone; }
  std::string type_name() const { return details::TypeIndexName(data_.type_index); }
  const TVMFFIAny& raw() const noexcept { return data_; }
  /* apache tvm-ffi's name: a copy of raw(). */
  TVMFFIAny CopyToTVMFFIAny() const noexcept { return data_; }
  /* The object held, or nullptr for plain values (borrowed). */
  const Object* object() const noexcept {
    return details::IsObjectIndex(data_.type_index) ? details::ObjectUnsafe::FromHeader(data_.v_obj)
                                                    : nullptr;
  }

  template <typename T>
  std::optional<T> as() const {
    return TypeTraits<T>::TryFrom(&data_);
  }
  template <typename T>
  T cast() const;

 private:
  TVMFFIAny data_;
};

/* An owned value (one strong reference when it holds an object). */
class Any {
 public:
  Any() noexcept : data_(details::NoneAny()) {}
  Any(std::nullptr_t) noexcept : data_(details::NoneAny()) {}  // NOLINT
  Any(const Any& other) noexcept : data_(other.data_) { details::IncRefIfObject(data_); }
  Any(Any&& other) noexcept : data_(other.data_) { other.data_ = details::NoneAny(); }
  /* Owned copy of a view: strings are copied, objects get a new reference,
   * an rvalue reference is stolen (ValueError "object was moved" when empty). */
  Any(const AnyView& view) {  // NOLINT(*-explicit-*)
    const TVMFFIAny& v = view.raw();
    switch (v.type_index) {
      case kTVMFFIRawStr:
      case kTVMFFIByteArrayPtr:
      case kTVMFFIObjectRValueRef:
        data_ = details::NoneAny();
        if (TVMFFIAnyViewToOwnedAny(&v, &data_) != 0) details::ThrowRaised();
        break;
      default:
        data_ = v;
        details::IncRefIfObject(data_);
    }
  }
  template <typename T, typename = std::enable_if_t<details::kIsValueType<T>>>
  Any(T&& value) {  // NOLINT(*-explicit-*)
    TypeTraits<details::ValueTypeOf<T>>::ToOwned(std::forward<T>(value), &data_);
  }
  ~Any() { reset(); }

  Any& operator=(Any other) noexcept {
    std::swap(data_, other.data_);
    return *this;
  }
  void swap(Any& other) noexcept { std::swap(data_, other.data_); }
  void reset() noexcept {
    if (details::IsObjectIndex(data_.type_index)) details::DecRef(data_.v_obj);
    data_ = details::NoneAny();
  }

  /* Adopts an owned raw value. */
  static Any FromRawOwned(const TVMFFIAny& raw) noexcept {
    Any a;
    a.data_ = raw;
    return a;
  }
  /* Gives the owned raw value away; *this becomes None. */
  TVMFFIAny release() noexcept {
    TVMFFIAny out = data_;
    data_ = details::NoneAny();
    return out;
  }

  int32_t type_index() const noexcept { return data_.type_index; }
  bool is_none() const noexcept { return data_.type_index == kTVMFFINone; }
  std::string type_name() const { return details::TypeIndexName(data_.type_index); }
  const TVMFFIAny& raw() const noexcept { return data_; }
  AnyView view() const noexcept { return AnyView::FromRaw(data_); }
  const Object* object() const noexcept { return view().object(); }

  template <typename T>
  std::optional<T> as() const {
    return TypeTraits<T>::TryFrom(&data_);
  }
  template <typename T>
  T cast() const {
    return view().cast<T>();
  }

 private:
  TVMFFIAny data_;
};

static_assert(sizeof(AnyView) == sizeof(TVMFFIAny) && sizeof(Any) == sizeof(TVMFFIAny),
              "Any/AnyView must be exactly a TVMFFIAny");

inline AnyView::AnyView(const Any& value) noexcept : data_(value.raw()) {}

namespace details {
/* Enum types (enum.h) take their variant's int or string index where a
 * reference to them is expected: EnumFromIndex, defined in enum.h, finds the
 * variant (null when there is none). */
template <typename C, typename = void>
struct IsEnumContainer : std::false_type {};
template <typename C>
struct IsEnumContainer<C, std::void_t<decltype(C::_type_is_enum)>> : std::true_type {};
inline ObjectPtr<Object> EnumFromIndex(int32_t type_index, const TVMFFIAny* v) noexcept;
template <typename T, typename = void>
struct HasContainer : std::false_type {};
template <typename T>
struct HasContainer<T, std::void_t<typename T::ContainerType>> : std::true_type {};
/* Whether T is a reference to an enum type (an index converts to it). */
template <typename T>
constexpr bool EnumIndexConverts() {
  if constexpr (HasContainer<T>::value) {
    return IsEnumContainer<typename T::ContainerType>::value;
  } else {
    return false;
  }
}

}  // namespace details

template <typename T>
T AnyView::cast() const {
  std::optional<T> result = TypeTraits<T>::TryFrom(&data_);
  if (TVM_FFI_HPY_UNLIKELY(!result.has_value())) {
    std::string expected = TypeTraits<T>::TypeName();
    if constexpr (details::EnumIndexConverts<T>()) {
      int32_t t = data_.type_index;
      if (t == kTVMFFIInt || t == kTVMFFISmallStr || t == kTVMFFIStr || t == kTVMFFIRawStr) {
        throw Error("TypeError", "Cannot convert from type `" + type_name() + "` to `" +
                                     expected + "`: expected a variant of " + expected +
                                     " or the index of one, and it has no such variant");
      }
    }
    throw Error("TypeError", "Cannot convert from type `" + type_name() + "` to `" + expected + "`");
  }
  return std::move(*result);
}

/* ---------------------------------------------------------------------- */
/* TypeTraits for plain values                                             */
/* ---------------------------------------------------------------------- */
namespace details {
TVM_FFI_HPY_INLINE void SetPod(TVMFFIAny* out, int32_t type_index, int64_t bits) noexcept {
  out->type_index = type_index;
  out->zero_padding = 0;
  out->v_int64 = bits;
}
}  // namespace details

template <>
struct TypeTraits<std::nullptr_t> {
  static constexpr bool enabled = true;
  static void ToView(std::nullptr_t, TVMFFIAny* out) noexcept { *out = details::NoneAny(); }
  static void ToOwned(std::nullptr_t, TVMFFIAny* out) noexcept { *out = details::NoneAny(); }
  static std::optional<std::nullptr_t> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFINone) return nullptr;
    return std::nullopt;
  }
  static std::string TypeName() { return "None"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFINone; }
};

template <>
struct TypeTraits<bool> {
  static constexpr bool enabled = true;
  static void ToView(bool v, TVMFFIAny* out) noexcept { details::SetPod(out, kTVMFFIBool, v); }
  static void ToOwned(bool v, TVMFFIAny* out) noexcept { ToView(v, out); }
  static std::optional<bool> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFIBool || v->type_index == kTVMFFIInt) return v->v_int64 != 0;
    return std::nullopt;
  }
  static std::string TypeName() { return "bool"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIBool; }
};

template <typename T>
struct TypeTraits<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static constexpr bool enabled = true;
  static void ToView(T v, TVMFFIAny* out) noexcept {
    details::SetPod(out, kTVMFFIInt, static_cast<int64_t>(v));
  }
  static void ToOwned(T v, TVMFFIAny* out) noexcept { ToView(v, out); }
  static std::optional<T> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFIInt || v->type_index == kTVMFFIBool) {
      return static_cast<T>(v->v_int64);
    }
    return std::nullopt;
  }
  static std::string TypeName() { return "int"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIInt; }
};

template <typename T>
struct TypeTraits<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static constexpr bool enabled = true;
  static void ToView(T v, TVMFFIAny* out) noexcept {
    out->type_index = kTVMFFIFloat;
    out->zero_padding = 0;
    out->v_float64 = static_cast<double>(v);
  }
  static void ToOwned(T v, TVMFFIAny* out) noexcept { ToView(v, out); }
  static std::optional<T> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFIFloat) return static_cast<T>(v->v_float64);
    if (v->type_index == kTVMFFIInt || v->type_index == kTVMFFIBool) {
      return static_cast<T>(v->v_int64);
    }
    return std::nullopt;
  }
  static std::string TypeName() { return "float"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIFloat; }
};

template <>
struct TypeTraits<void*> {
  static constexpr bool enabled = true;
  static void ToView(void* v, TVMFFIAny* out) noexcept {
    if (v == nullptr) {
      *out = details::NoneAny();
      return;
    }
    out->type_index = kTVMFFIOpaquePtr;
    out->zero_padding = 0;
    out->v_ptr = v;
  }
  static void ToOwned(void* v, TVMFFIAny* out) noexcept { ToView(v, out); }
  static std::optional<void*> TryFrom(const TVMFFIAny* v) noexcept {
    if (v->type_index == kTVMFFIOpaquePtr) return v->v_ptr;
    if (v->type_index == kTVMFFINone) return static_cast<void*>(nullptr);
    return std::nullopt;
  }
  static std::string TypeName() { return "void*"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIOpaquePtr; }
};

/* ---------------------------------------------------------------------- */
/* TypeTraits for Any, AnyView, objects and optionals                      */
/* ---------------------------------------------------------------------- */
template <>
struct TypeTraits<Any> {
  static constexpr bool enabled = true;
  static void ToView(const Any& v, TVMFFIAny* out) noexcept { *out = v.raw(); }
  static void ToOwned(Any v, TVMFFIAny* out) noexcept { *out = v.release(); }
  static std::optional<Any> TryFrom(const TVMFFIAny* v) { return Any(AnyView::FromRaw(*v)); }
  static std::string TypeName() { return "Any"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIAny; }
};

template <>
struct TypeTraits<AnyView> {
  static constexpr bool enabled = true;
  static void ToView(const AnyView& v, TVMFFIAny* out) noexcept { *out = v.raw(); }
  static void ToOwned(const AnyView& v, TVMFFIAny* out) { *out = Any(v).release(); }
  static std::optional<AnyView> TryFrom(const TVMFFIAny* v) noexcept {
    return AnyView::FromRaw(*v);
  }
  static std::string TypeName() { return "Any"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIAny; }
};

namespace details {
TVM_FFI_HPY_INLINE void SetObject(TVMFFIAny* out, const Object* obj) noexcept {
  if (obj == nullptr) {
    *out = NoneAny();
    return;
  }
  out->type_index = obj->type_index();
  out->zero_padding = 0;
  out->v_obj = HeaderOf(obj);
}
/* The object a value holds when it is an instance of T, else nullptr. */
template <typename T>
TVM_FFI_HPY_INLINE Object* ObjectIfInstance(const TVMFFIAny* v) noexcept {
  if (!IsObjectIndex(v->type_index)) return nullptr;
  Object* obj = ObjectUnsafe::FromHeader(v->v_obj);
  return IsInstance<T>(obj) ? obj : nullptr;
}
}  // namespace details

template <typename T>
struct TypeTraits<T, std::enable_if_t<std::is_base_of_v<ObjectRef, T>>> {
  using Container = typename T::ContainerType;
  static constexpr bool enabled = true;
  static void ToView(const T& v, TVMFFIAny* out) noexcept { details::SetObject(out, v.get()); }
  static void ToOwned(T v, TVMFFIAny* out) noexcept {
    details::SetObject(out, details::ObjectRefUnsafe::Data(v).release());
  }
  static std::optional<T> TryFrom(const TVMFFIAny* v) noexcept {
    if (Object* obj = details::ObjectIfInstance<Container>(v)) {
      return details::ObjectRefUnsafe::FromPtr<T>(ObjectPtr<Object>::NewRef(obj));
    }

    if constexpr (T::_type_is_nullable) {
      if (v->type_index == kTVMFFINone) return T(details::UnsafeInit{});
    }
    if constexpr (details::IsEnumContainer<Container>::value) {
      int32_t t = v->type_index;
      if (t == kTVMFFIInt || t == kTVMFFISmallStr || t == kTVMFFIStr || t == kTVMFFIRawStr) {
        ObjectPtr<Object> variant = details::EnumFromIndex(Container::RuntimeTypeIndex(), v);
        if (variant) return details::ObjectRefUnsafe::FromPtr<T>(std::move(variant));
      }
    }
    return std::nullopt;
  }
  static std::string TypeName() { return Container::_type_key; }
  static int32_t FieldTypeIndex() { return Container::RuntimeTypeIndex(); }
};

/* An object handed to a Function call as movable (kTVMFFIObjectRValueRef,
 * c_api.h): `f(RValueRef(std::move(ref)))`.  Making one moves the object out
 * of `ref`; the callee may take the reference over (nothing is left to
 * release), else the RValueRef releases it when it goes.  Only an argument:
 * it has no owned form and converts from nothing. */
template <typename TObjRef = ObjectRef>
class RValueRef {
  static_assert(std::is_base_of_v<ObjectRef, TObjRef>, "RValueRef holds an ObjectRef");

 public:
  explicit RValueRef(TObjRef&& ref) noexcept {
    TObjRef taken(std::move(ref));
    header_ = taken.defined()
                  ? details::HeaderOf(details::ObjectRefUnsafe::Data(taken).release())
                  : nullptr;
  }
  RValueRef(const RValueRef&) = delete;
  RValueRef& operator=(const RValueRef&) = delete;
  ~RValueRef() {
    if (header_) TVMFFIObjectDecRef(header_);
  }
  /* The slot the callee may empty (TVMFFIAny::v_ptr of the argument). */
  TVMFFIObject** slot() const noexcept { return &header_; }

 private:
  mutable TVMFFIObject* header_;
};

template <typename TObjRef>
struct TypeTraits<RValueRef<TObjRef>> {
  static constexpr bool enabled = true;
  static void ToView(const RValueRef<TObjRef>& v, TVMFFIAny* out) noexcept {
    out->type_index = kTVMFFIObjectRValueRef;
    out->zero_padding = 0;
    out->v_ptr = v.slot();
  }
  static std::string TypeName() { return "ObjectRValueRef"; }
  static int32_t FieldTypeIndex() noexcept { return kTVMFFIAny; }
};

template <typename T>
struct TypeTraits<ObjectPtr<T>> {
  static constexpr bool enabled = true;
  static void ToView(const ObjectPtr<T>& v, TVMFFIAny* out) noexcept {
    details::SetObject(out, v.get());
  }
  static void ToOwned(ObjectPtr<T> v, TVMFFIAny* out) noexcept {
    details::SetObject(out, v.release());
  }
  static std::optional<ObjectPtr<T>> TryFrom(const TVMFFIAny* v) noexcept {
    if (Object* obj = details::ObjectIfInstance<T>(v)) {
      return ObjectPtr<T>::NewRef(static_cast<T*>(obj));
    }
    return std::nullopt;
  }
  static std::string TypeName() { return T::_type_key; }
  static int32_t FieldTypeIndex() { return T::RuntimeTypeIndex(); }
};

template <typename T>
struct TypeTraits<std::optional<T>, std::enable_if_t<TypeTraits<T>::enabled>> {
  static constexpr bool enabled = true;
  static void ToView(const std::optional<T>& v, TVMFFIAny* out) noexcept {
    if (v.has_value()) {
      TypeTraits<T>::ToView(*v, out);
    } else {
      *out = details::NoneAny();
    }
  }
  static void ToOwned(std::optional<T> v, TVMFFIAny* out) {
    if (v.has_value()) {
      TypeTraits<T>::ToOwned(std::move(*v), out);
    } else {
      *out = details::NoneAny();
    }
  }
  static std::optional<std::optional<T>> TryFrom(const TVMFFIAny* v) {
    using Result = std::optional<std::optional<T>>;
    if (v->type_index == kTVMFFINone) return Result(std::in_place);  // engaged, holds nullopt
    std::optional<T> inner = TypeTraits<T>::TryFrom(v);
    if (!inner.has_value()) return std::nullopt;
    return Result(std::in_place, std::move(inner));
  }
  static std::string TypeName() { return "Optional[" + TypeTraits<T>::TypeName() + "]"; }
  static int32_t FieldTypeIndex() { return TypeTraits<T>::FieldTypeIndex(); }
};

/* ---------------------------------------------------------------------- */
/* Error payload (needs Any)                                               */
/* ---------------------------------------------------------------------- */
inline Any Error::payload() const {
  TVMFFIAny view;
  if (TVMFFIErrorGetPayload(raw(), &view) != 0) details::ThrowRaised();
  return Any(AnyView::FromRaw(view));
}
inline void Error::set_payload(const AnyView& value) const {
  if (TVMFFIErrorSetPayload(raw(), &value.raw()) != 0) details::ThrowRaised();
}

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_ANY_H_
