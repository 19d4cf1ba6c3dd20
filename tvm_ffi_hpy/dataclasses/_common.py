"""Names every module of the package uses: the core functions behind
py_class objects, and the type variables."""
from typing import Any, TypeVar

from ..core import Object, get_global_func

_O = TypeVar("_O", bound="type[Object]")
# The classes handled here are built by core._build_class (_ffi.make_type), and
# this package sets its own attributes on them (__tvm_ffi_dataclass_fields__,
# ...) at run time: they are typed as Any.
_Cls = Any

_new_py_class_object = get_global_func("ffi.NewPyClassObject")
_make_object_from_packed_args = get_global_func("ffi.MakeObjectFromPackedArgs")

