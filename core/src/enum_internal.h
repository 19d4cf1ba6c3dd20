/*
 * What the core's other walks need to know about enums (enum.cc).
 */
#ifndef TVM_FFI_HPY_SRC_ENUM_INTERNAL_H_
#define TVM_FFI_HPY_SRC_ENUM_INTERNAL_H_

#include "internal.h"

namespace tvm_ffi_hpy {

/* -1: not an enum type; 0: derives from ffi.Enum only; 1: ffi.IntEnum;
 * 2: ffi.StrEnum.  A variant's index in serialized form is its int index
 * for kind 1, its string index otherwise. */
int32_t EnumKindOf(int32_t type_index);

/* The int index of a variant (slot 0 of the slot layout, enum.h). */
inline int64_t EnumIntIndex(const Object* variant) { return SlotValues(variant)[0].v_int64; }

/* The variant of a concrete enum type with this int or str index
 * (ValueError when there is none, TypeError for another kind of index). */
ObjectRef EnumGet(int32_t type_index, const AnyView& index);

}  // namespace tvm_ffi_hpy

#endif  // TVM_FFI_HPY_SRC_ENUM_INTERNAL_H_
