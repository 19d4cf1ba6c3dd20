"""The `testing` set of the core, with apache tvm-ffi's names.

Functions are reached by name (``get_global_func("testing.echo")``); the
classes below are registered for the core's testing types.
"""
from .core import Object, register_object, get_global_func

__all__ = ["TestIntPair", "TestObjectBase", "TestObjectDerived", "TestHolder",
           "create_object", "live_object_count"]


@register_object("testing.TestIntPair")
class TestIntPair(Object):
    """TestIntPair(a, b): read-only ints `a` and `b`, method `sum()`."""


@register_object("testing.TestObjectBase")
class TestObjectBase(Object):
    """v_i64 (rw, 10), v_f64 (ro, 10.0), v_str (rw, "hello"), method add_i64(x)."""


@register_object("testing.TestObjectDerived")
class TestObjectDerived(TestObjectBase):
    """TestObjectBase plus read-write v_map and v_array."""


@register_object("testing.TestHolder")
class TestHolder(Object):
    """TestHolder(value): one read-write field `value` of any type."""


def create_object(type_key, **fields):
    """Create an object of a reflected type from its fields (defaults apply)."""
    args = [type_key]
    for name, value in fields.items():
        args.append(name)
        args.append(value)
    return get_global_func("ffi.MakeObjectFromPackedArgs")(*args)


def live_object_count():
    """Number of core objects alive now (after releasing what Python dropped)."""
    from .core import _ffi
    return _ffi.live_object_count()
