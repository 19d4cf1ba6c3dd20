"""The `testing` set, with apache tvm-ffi's names: functions and types the
test suites use, in a library of their own (core/testing/,
``libtvm_ffi_hpy_testing.so``) that this module loads like any user library.

Functions are reached by name (``get_global_func("testing.echo")``) once this
module is imported; the classes below are registered for the testing types.
"""
from typing import TYPE_CHECKING, Any

from . import libinfo
from .core import Object, register_object, get_global_func
from .module import load_module

__all__ = ["TestIntPair", "TestObjectBase", "TestObjectDerived", "TestHolder",
           "create_object", "live_object_count"]


#: The testing library, a user library of the core like any other: loading it
#: registers the "testing.*" functions and types.
library = load_module(libinfo.find_testing_lib())


@register_object("testing.TestIntPair")
class TestIntPair(Object):
    """TestIntPair(a, b): read-only ints `a` and `b`, method `sum()`."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        @property
        def a(self) -> int: ...
        @property
        def b(self) -> int: ...
        def sum(self) -> int: ...


@register_object("testing.TestObjectBase")
class TestObjectBase(Object):
    """v_i64 (rw, 10), v_f64 (ro, 10.0), v_str (rw, "hello"), method add_i64(x)."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        v_i64: int
        @property
        def v_f64(self) -> float: ...
        v_str: str
        def add_i64(self, x: int) -> int: ...


@register_object("testing.TestObjectDerived")
class TestObjectDerived(TestObjectBase):
    """TestObjectBase plus read-write v_map and v_array."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        v_map: Any
        v_array: Any


@register_object("testing.TestHolder")
class TestHolder(Object):
    """TestHolder(value): one read-write field `value` of any type."""

    if TYPE_CHECKING:  # reflected from C++ when the class is built
        value: Any


def create_object(type_key: str, **fields: Any) -> Any:
    """Create an object of a reflected type from its fields (defaults apply)."""
    args: "list[Any]" = [type_key]
    for name, value in fields.items():
        args.append(name)
        args.append(value)
    return get_global_func("ffi.MakeObjectFromPackedArgs")(*args)


def live_object_count() -> int:
    """Number of core objects alive now (after releasing what Python dropped)."""
    from .core import _ffi
    return _ffi.live_object_count()
