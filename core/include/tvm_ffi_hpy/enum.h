/*
 * Enums: object types whose instances are a fixed set of singletons, the
 * variants.  A variant has a canonical integer index and a canonical string
 * index; two variants of one type never share either.
 *
 *   ffi.Enum      int index = position of declaration, string index = name
 *   ffi.IntEnum   int index = the value (int64), string index = name
 *   ffi.StrEnum   int index = position, string index = the value
 *
 * A concrete enum type derives from one of the three.  Variants are made by
 * the core (core/src/enum.cc) with the slot layout of Python-defined classes
 * (core/src/py_class.cc), so that an enum type may be declared in C++ (here)
 * or in Python (tvm_ffi_hpy.dataclasses.Enum, which may add payload fields):
 *
 *   offset 0    TVMFFIObject header
 *   offset 24   int64 number of slots
 *   offset 32   TVMFFIAny `_int_index` (an int)
 *   offset 48   TVMFFIAny `_str_index` (a str)
 *   offset 64.. payload slots of a Python-declared enum
 *
 * Each concrete type keeps its variants in the type attribute
 * "__ffi_enum__", an ffi.EnumState object with three fields:
 * `entries` (List, in order), `indexes` (Dict: int index and string index ->
 * variant) and `attrs` (Dict: attribute name -> Dict variant -> value).
 * Serialization writes a variant as its index (int for IntEnum, string
 * otherwise) and reads it back as the same singleton; structural equality
 * and hashing treat variants by identity; deep copy keeps them.
 *
 * A C++ enum type: declare the object class over EnumObj / IntEnumObj /
 * StrEnumObj (no data members of its own), then add its variants:
 *
 *   class ColorObj : public EnumObj {
 *     TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("my.Color", ColorObj, EnumObj)
 *   };
 *   TVM_FFI_HPY_STATIC_INIT_BLOCK() {
 *     Enum red = EnumDef<ColorObj>("red");          // int index 0
 *     EnumDef<ColorObj>("green").set_attr("rgb", 0x00ff00);
 *   }
 *
 * and in Python `class Color(Enum, type_key="my.Color"): red: ClassVar[Color]`
 * binds the class to them (or, for a C++ type with no variants yet, the
 * class body declares them).
 */
#ifndef TVM_FFI_HPY_ENUM_H_
#define TVM_FFI_HPY_ENUM_H_

#include <tvm_ffi_hpy/containers.h>
#include <tvm_ffi_hpy/function.h>

#include <string>
#include <type_traits>
#include <utility>

namespace tvm_ffi_hpy {

namespace details {
/* The type index of ffi.Enum (0), ffi.IntEnum (1) or ffi.StrEnum (2): the
 * core defines them with the slot layout before anyone asks. */
inline int32_t EnumBaseTypeIndex(int kind) {
  static const Function base = Function::GetGlobalRequired("ffi.EnumBaseTypeIndex");
  return int32_t(base(int64_t(kind)).cast<int64_t>());  // the core caches them (enum.cc)
}
}  // namespace details

#define TVM_FFI_HPY_ENUM_BASE_INFO_(TypeKey, Self, Parent, Kind)                                  \
  TVM_FFI_HPY_OBJECT_INFO_COMMON_(TypeKey, Self, Parent, 0)                                      \
  static constexpr bool _type_final = false;                                                     \
  static int32_t RuntimeTypeIndex() { return ::tvm_ffi_hpy::details::EnumBaseTypeIndex(Kind); }

/* A variant.  Made only by the core (EnumDef, or a Python enum class). */
class EnumObj : public Object {
 public:
  static constexpr bool _type_is_enum = true;  // an index converts (any.h)
  int64_t int_index() const { return slots_[0].v_int64; }
  String str_index() const { return AnyView::FromRaw(slots_[1]).cast<String>(); }
  TVM_FFI_HPY_ENUM_BASE_INFO_("ffi.Enum", EnumObj, Object, 0)

 protected:
  EnumObj() = delete;

 private:
  int64_t num_slots_;
  TVMFFIAny slots_[2];  // _int_index, _str_index (offsets 32 and 48)
};

class IntEnumObj : public EnumObj {
  TVM_FFI_HPY_ENUM_BASE_INFO_("ffi.IntEnum", IntEnumObj, EnumObj, 1)
};

class StrEnumObj : public EnumObj {
  TVM_FFI_HPY_ENUM_BASE_INFO_("ffi.StrEnum", StrEnumObj, EnumObj, 2)
};
#undef TVM_FFI_HPY_ENUM_BASE_INFO_

/* A reference to a variant (null only when made with UnsafeInit, as the
 * default value of a field that a constructor sets). */
class Enum : public ObjectRef {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(Enum, ObjectRef, EnumObj)

  /* The variant of `EnumCls` with this int or string index (ValueError when
   * there is none). */
  template <typename EnumClsObj>
  static Enum Get(const AnyView& index) {
    return Function::GetGlobalRequired("ffi.EnumGet")(EnumClsObj::RuntimeTypeIndex(), index)
        .template cast<Enum>();
  }

  /* Sets the attribute `name` of this variant (its column in the state's attrs). */
  const Enum& set_attr(std::string_view name, Any value) const {
    Function::GetGlobalRequired("ffi.EnumSetAttr")(*this, String(name), std::move(value));
    return *this;
  }
};

class IntEnum : public Enum {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(IntEnum, Enum, IntEnumObj)
};

class StrEnum : public Enum {
 public:
  TVM_FFI_HPY_DEFINE_OBJECT_REF_METHODS(StrEnum, Enum, StrEnumObj)
};

namespace details {
inline ObjectPtr<Object> EnumFromIndex(int32_t type_index, const TVMFFIAny* v) noexcept {
  try {
    static const Function find = Function::GetGlobalRequired("ffi.EnumFind");
    Any found = find(int64_t(type_index), AnyView::FromRaw(*v));
    if (std::optional<ObjectRef> ref = found.as<ObjectRef>()) {
      return ObjectRefUnsafe::Data(*ref);
    }
  } catch (...) {
  }
  return ObjectPtr<Object>();
}
}  // namespace details

/* Makes the C++ enum type EnumClsObj an enum type of the core (once), and
 * returns its type index.  Needed before its first variant; EnumDef does it. */
template <typename EnumClsObj>
int32_t EnumRegisterType() {
  static_assert(std::is_base_of_v<EnumObj, EnumClsObj>, "an enum type derives from EnumObj");
  static const int32_t index = int32_t(Function::GetGlobalRequired("ffi.EnumRegisterType")(
                                           EnumClsObj::RuntimeTypeIndex())
                                           .template cast<int64_t>());
  return index;
}

/* Adds the variant `name` to EnumClsObj: int index = its position for an
 * Enum or StrEnum, `int_index` for an IntEnum; string index = `name` (the
 * value of a StrEnum).  Returns it (set_attr chains). */
template <typename EnumClsObj>
Enum EnumDef(std::string_view name, int64_t int_index = -1) {
  int32_t index = EnumRegisterType<EnumClsObj>();
  return Function::GetGlobalRequired("ffi.EnumAddEntry")(index, int_index, String(name))
      .template cast<Enum>();
}

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_ENUM_H_
