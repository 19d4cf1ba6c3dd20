"""The core's structural functions meet plain Python objects.

A Python object that no direct conversion takes crosses as an opaque object
(kTVMFFIOpaquePyObject).  The core has no fields to look at in it, so this
module gives that type hooks (type attributes, core/src/structural.cc,
repr.cc, deep_copy.cc) that ask Python: ffi.RecursiveEq compares such
objects with ``==``, ffi.RecursiveHash uses ``hash``, ffi.RecursiveLt and
friends ``<``, ffi.ReprPrint prints ``repr(obj)`` and ffi.DeepCopy makes
``copy.deepcopy(obj)``.  (apache tvm-ffi treats every opaque object as equal
to every other and refuses to copy one; here a py_class whose field holds a
Python object compares, hashes, prints and copies that field the way Python
would.)
"""
import copy
from typing import Any, Callable

from .core import _ffi, get_global_func

__all__: "list[str]" = []


def _eq(a: Any, b: Any, fn_eq: Callable[..., Any]) -> bool:
    return bool(a is b or a == b)


def _hash(a: Any, fn_hash: Callable[..., Any]) -> int:
    return hash(a) & 0x7FFFFFFFFFFFFFFF  # an int64 for the core


def _compare(a: Any, b: Any, fn_cmp: Callable[..., Any]) -> int:
    if a is b or a == b:
        return 0
    return -1 if a < b else (1 if b < a else 0)


def _repr(a: Any, fn_repr: Callable[..., Any]) -> str:
    from .tensor import Device
    if isinstance(a, Device):  # printed as the core prints a device value: cpu:0
        return str(a)
    return repr(a)


def _deep_copy(a: Any) -> Any:
    return copy.deepcopy(a)


def _install() -> None:
    register = get_global_func("ffi.TypeRegisterAttr")
    index = _ffi.kTVMFFIOpaquePyObject
    for name, hook in (("__ffi_eq__", _eq), ("__ffi_hash__", _hash),
                       ("__ffi_compare__", _compare), ("__ffi_repr__", _repr),
                       ("__ffi_deep_copy__", _deep_copy)):
        register(index, name, hook)


_install()
