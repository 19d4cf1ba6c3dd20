/*
 * tvm_ffi_hpy/reflection.h -- registering types, fields, methods and global
 * functions in a few lines.
 *
 *   TVM_FFI_HPY_STATIC_INIT_BLOCK() {
 *     namespace refl = tvm_ffi_hpy::refl;
 *     refl::ObjectDef<PairObj>()
 *         .def(refl::init<PairObj, int64_t, int64_t>())     // __ffi_init__(a, b)
 *         .def_ro("a", &PairObj::a, "first")                 // read-only
 *         .def_rw("b", &PairObj::b, refl::Default(0))        // writable, default 0
 *         .def("sum", &PairObj::Sum);                        // self.sum()
 *     refl::GlobalDef().def("my.add", [](int64_t x, int64_t y) { return x + y; });
 *   }
 *
 * Field extras, in any order: a `const char*` is the doc; refl::Default(v)
 * (or refl::default_value(v)) is the default; refl::default_factory(f) a
 * default made by calling f() for each new object; any other value is also
 * taken as the default (so a string default must be written
 * refl::Default("text")).  A default is converted to the field's type when
 * registered.  Flags (c_api.h, kTVMFFIFieldFlagBitMask*): refl::init(false)
 * (not a parameter of the generated constructor), refl::kw_only(true),
 * refl::repr(false), refl::compare(false), refl::hash(false);
 * refl::s_eq_hash::Ignore() / Def() / DefSimple() (structural equality).
 * A class declares its structural kind with a static member
 * `static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = ...;`.
 *
 * A default-constructible type without refl::init<T, ...> gets a generated
 * constructor, the type attribute "__ffi_init__" (core/src/type_attr.cc):
 * its parameters are the fields, ancestors' first, required positional ones
 * before defaulted ones, keyword-only ones by name only; init(false) fields
 * take their default.  refl::ObjectDef<T>(refl::init(false)) asks for none.
 * refl::Metadata{{"key", value}, ...} adds metadata entries.  Method and
 * global function extras: a `const char*` doc and refl::Metadata.
 *
 * Every field, method and global function registered here carries metadata
 * JSON with its "type_schema" (type_schema.h), as apache tvm-ffi's do.
 *
 * Every field gets a getter and a setter generated for its C++ type; the
 * setter raises TypeError "Cannot convert from type `X` to `Y`" on mismatch.
 * A constructor is the static method `__ffi_init__`.  A default-constructible
 * type also gets a metadata creator that default-constructs the object and
 * then applies every registered field default (own and inherited).
 */
#ifndef TVM_FFI_HPY_REFLECTION_H_
#define TVM_FFI_HPY_REFLECTION_H_

#include <tvm_ffi_hpy/containers.h>
#include <tvm_ffi_hpy/type_schema.h>

#include <cstdio>
#include <exception>
#include <limits>
#include <optional>

namespace tvm_ffi_hpy {
namespace refl {

template <typename V>
struct DefaultValue {
  V value;
};
template <typename V>
DefaultValue<std::decay_t<V>> Default(V&& value) {
  return DefaultValue<std::decay_t<V>>{std::forward<V>(value)};
}

/* Tag for a constructor: def(refl::init<T, Args...>()).  refl::init(false)
 * (the empty specialisation) is a field flag (the field is not a parameter of
 * the generated constructor) or, given to ObjectDef, "no generated
 * constructor". */
template <typename... Args>
struct init {};
template <>
struct init<> {
  constexpr init() noexcept = default;
  explicit constexpr init(bool include) noexcept : include(include) {}
  bool include = true;
};
init(bool) -> init<>;

/* A field flag given as a bool: sets `mask` in the field's flags when the
 * bool equals `set_when` (c_api.h, kTVMFFIFieldFlagBitMask*). */
template <int64_t mask, bool set_when>
struct FieldFlag {
  explicit constexpr FieldFlag(bool on) noexcept : on(on) {}
  constexpr int64_t bits() const noexcept { return on == set_when ? mask : 0; }
  bool on;
};

/* Field flags: keyword-only in the generated constructor; left out of the
 * reflection-based repr, comparison or hashing. */
struct kw_only : FieldFlag<kTVMFFIFieldFlagBitMaskKwOnly, true> {
  using FieldFlag::FieldFlag;
};
struct repr : FieldFlag<kTVMFFIFieldFlagBitMaskReprOff, false> {
  using FieldFlag::FieldFlag;
};
struct compare : FieldFlag<kTVMFFIFieldFlagBitMaskCompareOff, false> {
  using FieldFlag::FieldFlag;
};
struct hash : FieldFlag<kTVMFFIFieldFlagBitMaskHashOff, false> {
  using FieldFlag::FieldFlag;
};

/* How a field takes part in ffi.StructuralEqual/StructuralHash
 * (core/src/structural_equal.cc): refl::s_eq_hash::Ignore() leaves it out,
 * Def() makes it a definition region (the vars in it are defined there),
 * DefSimple() a simple one (the vars, not what is inside them). */
struct s_eq_hash {
  int64_t bits;
  static constexpr s_eq_hash Ignore() noexcept { return {kTVMFFIFieldFlagBitMaskSEqHashIgnore}; }
  static constexpr s_eq_hash Def() noexcept { return {kTVMFFIFieldFlagBitMaskSEqHashDef}; }
  static constexpr s_eq_hash DefSimple() noexcept {
    return {kTVMFFIFieldFlagBitMaskSEqHashDefSimple};
  }
};

/* The default of a field; apache tvm-ffi's spelling of refl::Default(v). */
template <typename V>
DefaultValue<std::decay_t<V>> default_value(V&& value) {
  return DefaultValue<std::decay_t<V>>{std::forward<V>(value)};
}

/* A default made for each new object by calling `make()` (any callable
 * without arguments whose result converts to the field's type). */
template <typename F>
struct DefaultFactory {
  F make;
};
template <typename F>
DefaultFactory<std::decay_t<F>> default_factory(F&& make) {
  return DefaultFactory<std::decay_t<F>>{std::forward<F>(make)};
}

namespace details {
using namespace ::tvm_ffi_hpy::details;

template <typename V>
struct IsDefaultValue : std::false_type {};

/* The doc and the metadata members of method and function extras. */
struct CallableExtras {
  const char* doc = nullptr;
  std::string metadata;
  void apply(const char* d) { doc = d; }
  void apply(const Metadata& m) {
    std::string more = m.members();
    if (!more.empty()) metadata += (metadata.empty() ? "" : ",") + more;
  }
};
template <typename... Extra>
CallableExtras CollectExtras(Extra&&... extra) {
  CallableExtras out;
  (out.apply(std::forward<Extra>(extra)), ...);
  return out;
}
template <typename V>
struct IsDefaultValue<DefaultValue<V>> : std::true_type {};
template <typename V>
struct IsDefaultFactory : std::false_type {};
template <typename F>
struct IsDefaultFactory<DefaultFactory<F>> : std::true_type {};

/* Writes the field's default (calling its factory when it has one). */
inline void ApplyFieldDefault(Object* obj, const TVMFFIFieldInfo& f) {
  void* addr = reinterpret_cast<char*>(obj) + f.offset;
  if (f.flags & kTVMFFIFieldFlagBitMaskDefaultFromFactory) {
    Any value = AnyView::FromRaw(f.default_value).cast<Function>()();
    if (f.setter(addr, &value.raw()) != 0) ThrowRaised();
  } else if (f.setter(addr, &f.default_value) != 0) {
    ThrowRaised();
  }
}

/* A field type stored as kTVMFFIFieldFlagBitMaskPlainValue says (c_api.h):
 * bool, a signed integer of 1-8 bytes, float or double, or Any (a TVMFFIAny
 * in place: its one member). */
template <typename FieldT>
constexpr bool IsPlainValue() {
  if constexpr (std::is_same_v<FieldT, Any>) {
    return sizeof(Any) == sizeof(TVMFFIAny) && std::is_standard_layout_v<Any>;
  }
  if constexpr (std::is_same_v<FieldT, bool>) return sizeof(bool) == 1;
  if constexpr (std::is_integral_v<FieldT>) return std::is_signed_v<FieldT> && sizeof(FieldT) <= 8;
  if constexpr (std::is_floating_point_v<FieldT>) {
    return std::numeric_limits<FieldT>::is_iec559 && (sizeof(FieldT) == 4 || sizeof(FieldT) == 8);
  }
  return false;
}

template <typename FieldT>
int FieldGetter(void* field, TVMFFIAny* result) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *result = Any(*static_cast<const FieldT*>(field)).release();
  TVM_FFI_HPY_SAFE_CALL_END();
}

template <typename FieldT>
int FieldSetter(void* field, const TVMFFIAny* value) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  *static_cast<FieldT*>(field) = AnyView::FromRaw(*value).cast<FieldT>();
  TVM_FFI_HPY_SAFE_CALL_END();
}

/* Byte offset of `member` inside a T (member may belong to a base of T). */
template <typename T, typename Class, typename FieldT>
int64_t FieldOffset(FieldT Class::*member) noexcept {
  alignas(T) static char probe[sizeof(T)];
  const T* obj = reinterpret_cast<const T*>(probe);
  return reinterpret_cast<const char*>(&(obj->*member)) - probe;
}

/* Runs the setter of every field with a default, ancestors first. */
inline void ApplyFieldDefaults(Object* obj, int32_t type_index) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  for (int32_t d = 0; d <= info->type_depth; ++d) {
    const TVMFFITypeInfo* t = d < info->type_depth ? info->type_ancestors[d] : info;
    for (int32_t i = 0; i < t->num_fields; ++i) {
      const TVMFFIFieldInfo& f = t->fields[i];
      if (!(f.flags & kTVMFFIFieldFlagBitMaskHasDefault)) continue;
      ApplyFieldDefault(obj, f);
    }
  }
}

/* TVMFFIInPlaceOps of T (c_api.h): T's own constructors and destructor at
 * a given address, for the core's py_class objects deriving from T. */
template <typename T>
int ConstructInPlace(void* mem) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  T* obj = new (mem) T();
  try {
    ApplyFieldDefaults(obj, T::RuntimeTypeIndex());
  } catch (...) {
    obj->~T();
    throw;
  }
  TVM_FFI_HPY_SAFE_CALL_END();
}
template <typename T>
int CopyInPlace(void* mem, const void* src) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  if constexpr (std::is_copy_constructible_v<T>) new (mem) T(*static_cast<const T*>(src));
  TVM_FFI_HPY_SAFE_CALL_END();
}
template <typename T>
void DestroyInPlace(void* obj) {
  static_cast<T*>(obj)->~T();
}
template <typename T>
const TVMFFIInPlaceOps* InPlaceOpsOf() {
  static const TVMFFIInPlaceOps ops{
      1, int32_t(sizeof(T)), &ConstructInPlace<T>,
      std::is_copy_constructible_v<T> ? &CopyInPlace<T> : nullptr, &DestroyInPlace<T>};
  return &ops;
}

template <typename T>
int CreateWithDefaults(TVMFFIObjectHandle* result) {
  TVM_FFI_HPY_SAFE_CALL_BEGIN();
  ObjectPtr<T> obj = make_object<T>();
  ApplyFieldDefaults(obj.get(), T::RuntimeTypeIndex());
  *result = HeaderOf(obj.release());
  TVM_FFI_HPY_SAFE_CALL_END();
}

/* Runs a static-init block; a failure is reported, not fatal. */
inline void RunStaticInit(void (*fn)(), const char* file) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tvm_ffi_hpy: registration in %s failed: %s\n", file, e.what());
  }
}

}  // namespace details

/* Registers fields, methods and the metadata of object type T. */
namespace details {
/* The class's _type_s_eq_hash_kind if it declares one, else Unsupported. */
template <typename T>
constexpr auto SEqHashKindOf(int) -> decltype(TVMFFISEqHashKind(T::_type_s_eq_hash_kind)) {
  return TVMFFISEqHashKind(T::_type_s_eq_hash_kind);
}
template <typename T>
constexpr TVMFFISEqHashKind SEqHashKindOf(long) {
  return kTVMFFISEqHashKindUnsupported;
}
}  // namespace details

template <typename T>
class ObjectDef {
 public:
  explicit ObjectDef(const char* doc = nullptr) : type_index_(T::RuntimeTypeIndex()) {
    RegisterMetadata(doc);
  }
  /* ObjectDef<T>(refl::init(false)): no generated constructor. */
  explicit ObjectDef(init<> generated, const char* doc = nullptr)
      : type_index_(T::RuntimeTypeIndex()), has_explicit_init_(!generated.include) {
    RegisterMetadata(doc);
  }
  ObjectDef(const ObjectDef&) = delete;
  ObjectDef& operator=(const ObjectDef&) = delete;

  /* Once every field is registered: the generated constructor, for a type
   * that has a creator and no explicit one (core/src/type_attr.cc). */
  ~ObjectDef() noexcept(false) {
    if (std::uncaught_exceptions() != 0) return;
    if constexpr (std::is_copy_constructible_v<T>) {  // copy.copy, replace
      attr("__ffi_shallow_copy__",
           Function::FromTyped([](ObjectPtr<T> self) { return make_object<T>(*self); },
                               QualifiedName("__ffi_shallow_copy__")));
    }
    if constexpr (std::is_default_constructible_v<T>) {
      attr("__ffi_new__", Function::FromTyped([]() { return make_object<T>(); },
                                              QualifiedName("__ffi_new__")));
      if (!has_explicit_init_) {
        // Absent only while the core itself starts (its own types get none).
        if (std::optional<Function> make = Function::GetGlobal("ffi._RegisterFFIInit")) {
          (*make)(int64_t(type_index_));
        }
      }
    }
  }

 private:
  void RegisterMetadata(const char* doc) {
    TVMFFITypeMetadata meta{};
    meta.doc = details::ToByteArray(doc ? doc : "");
    meta.total_size = int32_t(sizeof(T));
    // A class declares its kind with a static member (apache tvm-ffi's
    // spelling): static constexpr TVMFFISEqHashKind _type_s_eq_hash_kind = ...;
    meta.structural_eq_hash_kind = details::SEqHashKindOf<T>(0);
    if constexpr (std::is_default_constructible_v<T>) {
      meta.creator = &details::CreateWithDefaults<T>;
    } else {
      meta.creator = nullptr;
    }
    if (TVMFFITypeRegisterMetadata(type_index_, &meta) != 0) details::ThrowRaised();
    // T's in-place constructors (c_api.h, TVMFFIInPlaceOps): a py_class may
    // then derive from T (core/src/py_class.cc).  A final class has none:
    // C++ would not take a subclass's object for a T.
    if constexpr (std::is_default_constructible_v<T> && !T::_type_final) {
      TVMFFIByteArray key = details::ToByteArray("__ffi_in_place_ops__");
      TVMFFIAny ops{};
      ops.type_index = kTVMFFIOpaquePtr;
      ops.v_ptr = const_cast<TVMFFIInPlaceOps*>(details::InPlaceOpsOf<T>());
      if (TVMFFITypeRegisterAttr(type_index_, &key, &ops) != 0) details::ThrowRaised();
    }
    // Whether the type may have subclasses, for tools that read the registry
    // (the stub generator); a type registered without an ObjectDef has none.
    attr("__ffi_type_final__", bool(T::_type_final));
  }

 public:
  template <typename Class, typename FieldT, typename... Extra>
  ObjectDef& def_ro(const char* name, FieldT Class::*member, Extra&&... extra) {
    RegisterField(name, member, false, std::forward<Extra>(extra)...);
    return *this;
  }
  template <typename Class, typename FieldT, typename... Extra>
  ObjectDef& def_rw(const char* name, FieldT Class::*member, Extra&&... extra) {
    RegisterField(name, member, true, std::forward<Extra>(extra)...);
    return *this;
  }

  /* Instance methods: self comes first when called through the ABI.  Extras:
   * a `const char*` doc, refl::Metadata. */
  template <typename Class, typename R, typename... Args, typename... Extra>
  ObjectDef& def(const char* name, R (Class::*method)(Args...) const, Extra&&... extra) {
    auto fn = [method](ObjectPtr<T> self, Args... args) -> R {
      return ((*self).*method)(std::forward<Args>(args)...);
    };
    return RegisterTyped(name, std::move(fn), false, std::forward<Extra>(extra)...);
  }
  template <typename Class, typename R, typename... Args, typename... Extra>
  ObjectDef& def(const char* name, R (Class::*method)(Args...), Extra&&... extra) {
    auto fn = [method](ObjectPtr<T> self, Args... args) -> R {
      return ((*self).*method)(std::forward<Args>(args)...);
    };
    return RegisterTyped(name, std::move(fn), false, std::forward<Extra>(extra)...);
  }
  /* A callable whose first parameter is the object (e.g. ObjectPtr<T>). */
  template <typename F, typename... Extra,
            typename = std::enable_if_t<!std::is_member_function_pointer_v<F>>>
  ObjectDef& def(const char* name, F fn, Extra&&... extra) {
    return RegisterTyped(name, std::move(fn), false, std::forward<Extra>(extra)...);
  }
  /* The constructor: static method __ffi_init__(args...) -> new object. */
  template <typename... Args, typename... Extra>
  ObjectDef& def(init<T, Args...>, Extra&&... extra) {
    has_explicit_init_ = true;
    auto fn = [](Args... args) -> ObjectPtr<T> {
      return make_object<T>(std::forward<Args>(args)...);
    };
    details::CallableExtras extras = details::CollectExtras(std::forward<Extra>(extra)...);
    std::string metadata = MetadataJSON(FunctionSchemaJSON<decltype(fn)>(), extras.metadata);
    Function ctor = Function::FromTyped(fn, QualifiedName("__ffi_init__"));
    attr("__ffi_init__", ctor);  // also a type attribute, as the generated one is
    return RegisterMethod("__ffi_init__", ctor, true, extras.doc, metadata);
  }
  /* A type attribute (c_api.h, TVMFFITypeRegisterAttr): e.g. the hooks
   * "__ffi_hash__", "__ffi_eq__", "__ffi_compare__". */
  ObjectDef& attr(const char* name, const Any& value) {
    TVMFFIByteArray key = details::ToByteArray(name);
    if (TVMFFITypeRegisterAttr(type_index_, &key, &value.raw()) != 0) details::ThrowRaised();
    return *this;
  }
  /* Names the reference type of T (apache tvm-ffi's `.ref<TRef>()`): the
   * type attribute "__ffi_convert__" becomes a function value -> TRef, which
   * Python's type converter calls for a value that is not already a T (the
   * reference type's TypeTraits decide what else converts; none: TypeError). */
  template <typename TRef = ObjectPtr<T>>
  ObjectDef& ref() {
    auto convert = [](AnyView value) -> Any { return Any(value.cast<TRef>()); };
    return attr("__ffi_convert__", Function::FromTyped(convert, QualifiedName("__ffi_convert__")));
  }
  template <typename F, typename... Extra>
  ObjectDef& def_static(const char* name, F fn, Extra&&... extra) {
    return RegisterTyped(name, std::move(fn), true, std::forward<Extra>(extra)...);
  }

 private:
  static std::string QualifiedName(const char* name) {
    return std::string(T::_type_key) + "." + name;
  }

  template <typename Class, typename FieldT, typename... Extra>
  void RegisterField(const char* name, FieldT Class::*member, bool writable, Extra&&... extra) {
    static_assert(std::is_base_of_v<Class, T>, "the field must belong to T or a base of T");
    static_assert(TypeTraits<FieldT>::enabled, "the field type needs TypeTraits");
    TVMFFIFieldInfo info{};
    info.name = details::ToByteArray(name);
    info.doc = details::ToByteArray("");
    info.flags = writable ? kTVMFFIFieldFlagBitMaskWritable : 0;
    if constexpr (details::IsPlainValue<FieldT>()) info.flags |= kTVMFFIFieldFlagBitMaskPlainValue;
    info.size = int64_t(sizeof(FieldT));
    info.alignment = int64_t(alignof(FieldT));
    info.offset = details::FieldOffset<T>(member);
    info.getter = &details::FieldGetter<FieldT>;
    info.setter = &details::FieldSetter<FieldT>;
    info.default_value = details::NoneAny();
    info.field_static_type_index = TypeTraits<FieldT>::FieldTypeIndex();
    Any default_holder;  // the registry keeps its own copy
    std::string extra_metadata;
    (ApplyFieldExtra<FieldT>(&info, &default_holder, &extra_metadata, std::forward<Extra>(extra)),
     ...);
    std::string metadata = MetadataJSON(TypeSchemaJSON<FieldT>(), extra_metadata);
    info.metadata = details::ToByteArray(metadata);
    if (TVMFFITypeRegisterField(type_index_, &info) != 0) details::ThrowRaised();
  }

  template <typename FieldT, typename E>
  static void ApplyFieldExtra(TVMFFIFieldInfo* info, Any* holder, std::string* metadata,
                              E&& extra) {
    using D = std::decay_t<E>;
    if constexpr (std::is_convertible_v<D, const char*>) {
      info->doc = details::ToByteArray(extra);
    } else if constexpr (std::is_same_v<D, Metadata>) {
      std::string more = extra.members();
      if (!more.empty()) *metadata += (metadata->empty() ? "" : ",") + more;
    } else if constexpr (std::is_same_v<D, init<>>) {
      if (!extra.include) info->flags |= kTVMFFIFieldFlagBitMaskInitOff;
    } else if constexpr (std::is_same_v<D, kw_only> || std::is_same_v<D, repr> ||
                         std::is_same_v<D, compare> || std::is_same_v<D, hash>) {
      info->flags |= extra.bits();
    } else if constexpr (std::is_same_v<D, s_eq_hash>) {
      info->flags |= extra.bits;
    } else if constexpr (details::IsDefaultFactory<D>::value) {
      auto make = std::forward<E>(extra).make;
      *holder = Any(Function::FromTyped([make]() -> FieldT { return FieldT(make()); },
                                        std::string("default_factory")));
      info->flags |= kTVMFFIFieldFlagBitMaskHasDefault | kTVMFFIFieldFlagBitMaskDefaultFromFactory;
      info->default_value = holder->raw();
    } else {
      if constexpr (details::IsDefaultValue<D>::value) {
        *holder = Any(FieldT(std::forward<E>(extra).value));
      } else {
        *holder = Any(FieldT(std::forward<E>(extra)));
      }
      info->flags |= kTVMFFIFieldFlagBitMaskHasDefault;
      info->default_value = holder->raw();
    }
  }

  template <typename F, typename... Extra>
  ObjectDef& RegisterTyped(const char* name, F fn, bool is_static, Extra&&... extra) {
    details::CallableExtras extras = details::CollectExtras(std::forward<Extra>(extra)...);
    std::string metadata = MetadataJSON(FunctionSchemaJSON<F>(), extras.metadata);
    return RegisterMethod(name, Function::FromTyped(std::move(fn), QualifiedName(name)),
                          is_static, extras.doc, metadata);
  }

  ObjectDef& RegisterMethod(const char* name, const Function& fn, bool is_static,
                            const char* doc, const std::string& metadata) {
    TVMFFIMethodInfo info{};
    info.name = details::ToByteArray(name);
    info.doc = details::ToByteArray(doc ? doc : "");
    info.metadata = details::ToByteArray(metadata);
    info.flags = is_static ? kTVMFFIFieldFlagBitMaskIsStaticMethod : 0;
    info.method = AnyView(fn).raw();
    if (TVMFFITypeRegisterMethod(type_index_, &info) != 0) details::ThrowRaised();
    return *this;
  }

  int32_t type_index_;
  bool has_explicit_init_ = false;
};

/* Registers global functions (an existing name is an error unless
 * allow_override). */
class GlobalDef {
 public:
  explicit GlobalDef(bool allow_override = false) : allow_override_(allow_override) {}
  /* A typed callable; arity and argument types are checked on each call.
   * Extras: a `const char*` doc, refl::Metadata.  Its metadata holds its
   * type schema (get_global_func_metadata in Python). */
  template <typename F, typename... Extra>
  GlobalDef& def(const char* name, F fn, Extra&&... extra) {
    details::CallableExtras extras = details::CollectExtras(std::forward<Extra>(extra)...);
    Function::SetGlobal(name, Function::FromTyped(std::move(fn), name), allow_override_,
                        MetadataJSON(FunctionSchemaJSON<F>(), extras.metadata));
    return *this;
  }
  /* A packed callable: void(const AnyView* args, int32_t num_args, Any* rv). */
  template <typename F, typename... Extra>
  GlobalDef& def_packed(const char* name, F fn, Extra&&... extra) {
    details::CallableExtras extras = details::CollectExtras(std::forward<Extra>(extra)...);
    Function::SetGlobal(name, Function::FromPacked(std::move(fn)), allow_override_,
                        MetadataJSON(PackedFunctionSchemaJSON(), extras.metadata));
    return *this;
  }

 private:
  bool allow_override_;
};

}  // namespace refl
}  // namespace tvm_ffi_hpy

/* A block of code run once when the library is loaded:
 *   TVM_FFI_HPY_STATIC_INIT_BLOCK() { ...registrations... } */
#define TVM_FFI_HPY_STATIC_INIT_BLOCK() \
  TVM_FFI_HPY_STATIC_INIT_BLOCK_IMPL_(TVM_FFI_HPY_CONCAT(tvm_ffi_hpy_static_init_, __COUNTER__))
#define TVM_FFI_HPY_STATIC_INIT_BLOCK_IMPL_(Name)                                               \
  static void Name();                                                                            \
  [[maybe_unused]] static const bool TVM_FFI_HPY_CONCAT(Name, _done) =                           \
      (::tvm_ffi_hpy::refl::details::RunStaticInit(&Name, __FILE__), true);                      \
  static void Name()

#endif  // TVM_FFI_HPY_REFLECTION_H_
