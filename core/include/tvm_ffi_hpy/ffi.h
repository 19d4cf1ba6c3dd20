/*
 * tvm_ffi_hpy/ffi.h -- the whole C++ layer.
 *
 *   base.h        macros, forward declarations
 *   object.h      Object, ObjectPtr, WeakObjectPtr, ObjectRef, make_object, type macros
 *   error.h       Error, TVM_FFI_HPY_THROW, the safe-call boundary
 *   any.h         AnyView, Any, TypeTraits
 *   string.h      String, Bytes
 *   function.h    Function (packed and typed), global registry access
 *   containers.h  Array, List, Map, Dict, Shape
 *   access_path.h AccessStep, AccessPath: where in a value (diagnostics)
 *   type_schema.h the JSON type schema of types and typed functions, refl::Metadata
 *   reflection.h  refl::ObjectDef, refl::GlobalDef, TVM_FFI_HPY_STATIC_INIT_BLOCK
 *   module.h      TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC: functions a loaded library exports
 */
#ifndef TVM_FFI_HPY_FFI_H_
#define TVM_FFI_HPY_FFI_H_

#include <tvm_ffi_hpy/base.h>
#include <tvm_ffi_hpy/object.h>
#include <tvm_ffi_hpy/error.h>
#include <tvm_ffi_hpy/any.h>
#include <tvm_ffi_hpy/string.h>
#include <tvm_ffi_hpy/dtype_device.h>
#include <tvm_ffi_hpy/big_int.h>
#include <tvm_ffi_hpy/typed.h>
#include <tvm_ffi_hpy/function.h>
#include <tvm_ffi_hpy/containers.h>
#include <tvm_ffi_hpy/reflection.h>
#include <tvm_ffi_hpy/module.h>
#include <tvm_ffi_hpy/tensor.h>
#include <tvm_ffi_hpy/access_path.h>

#endif  // TVM_FFI_HPY_FFI_H_
