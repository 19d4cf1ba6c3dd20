"""tvm_ffi_hpy: an FFI object system over one HPy universal binary.

The names follow apache tvm-ffi's Python API where the two overlap, so code
written for it ports by changing the import.
"""
from .core import (Object, Function, ObjectRValueRef, register_object, register_error,
                   get_global_func, register_global_func, list_global_func_names,
                   remove_global_func, convert, Error, ErrorObject)
from .containers import Array, Map, Shape, String, Bytes
from .module import Module, load_module
from .tensor import Tensor, Device, DLDeviceType, dtype, device, empty, from_dlpack
from ._loader import hpy_version as _hpy_version, extension_path as _extension_path

from . import testing  # noqa: E402  (registers the testing classes)
from . import dataclasses  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Object", "Function", "ObjectRValueRef", "register_object", "register_error",
           "get_global_func", "register_global_func", "list_global_func_names",
           "remove_global_func", "convert", "Array", "Map", "Shape", "String", "Bytes",
           "Error", "ErrorObject", "Module", "load_module", "Tensor", "Device", "DLDeviceType",
           "dtype", "device", "empty", "from_dlpack", "testing", "dataclasses"]
