"""Objects that no direct conversion takes cross through apache tvm-ffi's
protocols (conversion_protocols.py): __tvm_ffi_object__, __tvm_ffi_value__, __tvm_ffi_int__,
__tvm_ffi_float__, __dlpack_data_type__, __dlpack_device__, NumPy scalars,
opaque pointers (ctypes.c_void_p, __tvm_ffi_opaque_ptr__, handlers); and
convert_func."""
import ctypes

import numpy as np
import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import core
from conftest import collect

echo = ffi.get_global_func("testing.echo")
use_count = ffi.get_global_func("testing.object_use_count")


class Value:
    def __init__(self, value):
        self.value = value

    def __tvm_ffi_value__(self):
        return self.value


class AsInt:
    def __tvm_ffi_int__(self):
        return 7


class AsFloat:
    def __tvm_ffi_float__(self):
        return 2


def test_value_protocol():
    assert echo(Value(10)) == 10
    arr = echo(Value([1, Value(2), Value(Value("three"))]))
    assert isinstance(arr, ffi.Array) and tuple(arr) == (1, 2, "three")
    m = ffi.convert({"k": Value([Value(1)])})
    assert tuple(m["k"]) == (1,)
    pair = ffi.testing.TestIntPair(1, 2)
    assert echo(Value(pair)) is pair  # the wrapper stays the identity


class Backed:
    def __init__(self, backend):
        self.backend = backend

    def __tvm_ffi_object__(self):
        return self.backend


def test_object_protocol_crosses_as_its_object():
    lst = ffi.List([1])
    assert echo(Backed(lst)) is lst
    arr = echo([Backed(lst)])
    assert arr[0] is lst
    with pytest.raises(TypeError, match="returned int, not an object"):
        echo(Backed(5))


def test_value_protocol_that_never_ends():
    class Forever:
        def __tvm_ffi_value__(self):
            return self

    with pytest.raises(TypeError, match="nest too deeply"):
        echo(Forever())

    class Boom:
        def __tvm_ffi_value__(self):
            raise KeyError("from the protocol")

    with pytest.raises(KeyError, match="from the protocol"):
        echo(Boom())


def test_number_protocols_and_numpy_scalars():
    for value, expected, kind in [(AsInt(), 7, int), (AsFloat(), 2.0, float),
                                  (np.int32(5), 5, int), (np.uint8(255), 255, int),
                                  (np.float32(0.5), 0.5, float), (np.float64(2.5), 2.5, float),
                                  (np.bool_(True), True, bool)]:
        result = echo(value)
        assert type(result) is kind and result == expected


def test_dtype_and_device_protocols():
    class DType:
        def __dlpack_data_type__(self):
            return (2, 32, 1)

    class OnDevice:
        def __dlpack_device__(self):
            return (2, 1)

    result = echo(DType())
    assert type(result) is ffi.dtype and result == ffi.dtype("float32")
    assert ffi.convert(DType()) == "float32"
    device = echo(OnDevice())
    assert type(device) is ffi.Device and device == ffi.device("cuda", 1)


def test_opaque_pointers():
    result = echo(ctypes.c_void_p(0x1234))
    assert isinstance(result, ctypes.c_void_p) and result.value == 0x1234
    assert echo(ctypes.c_void_p(0)).value is None

    class Handle:
        def __tvm_ffi_opaque_ptr__(self):
            return 0xBEEF

    assert echo(Handle()).value == 0xBEEF

    class Foreign:
        __slots__ = ("address",)

        def __init__(self, address):
            self.address = address

    core._OPAQUE_PTR_HANDLERS[Foreign] = lambda f: f.address
    try:
        assert echo(Foreign(0xCAFE)).value == 0xCAFE
    finally:
        del core._OPAQUE_PTR_HANDLERS[Foreign]
    plain = Foreign(1)
    assert echo(plain) is plain  # without a handler: the object itself


def test_plain_objects_and_callables_are_unchanged():
    class Plain:
        pass

    p = Plain()
    assert echo(p) is p
    f = echo(lambda x: x + 1)
    assert isinstance(f, ffi.Function) and f(1) == 2


def test_convert_func():
    def fail(x):
        raise ValueError("boom %d" % x)

    f = ffi.convert_func(fail)
    assert isinstance(f, ffi.Function)
    with pytest.raises(ValueError, match="boom 42"):
        f(42)
    assert ffi.convert_func(lambda a, b: a * b)(6, 7) == 42
    with pytest.raises(TypeError, match="__dlpack_c_exchange_api__"):
        ffi.convert_func(lambda x: x, tensor_cls=object)
    with pytest.raises(TypeError, match="callable"):
        ffi.convert_func(3)


def test_register_global_func_returns_the_function():
    @ffi.register_global_func("test_conversion_protocols.echo")
    def echo_py(x):
        return x

    try:
        assert isinstance(echo_py, ffi.Function)
        assert echo_py.same_as(ffi.get_global_func("test_conversion_protocols.echo"))
        assert "test_conversion_protocols.echo" in ffi.registry.list_global_func_names()
    finally:
        assert ffi.registry.remove_global_func("test_conversion_protocols.echo")
    assert ffi.get_global_func("test_conversion_protocols.echo", allow_missing=True) is None



class ModuleLevelPlain:
    pass


def test_plain_types_are_remembered_and_a_new_handler_wins():
    from tvm_ffi_hpy import conversion_protocols

    class Local:
        pass

    local = Local()
    assert echo(local) is local
    assert Local not in conversion_protocols.PLAIN_TYPES  # would keep its closure alive
    assert Local.__dict__["__tvm_ffi_plain__"] is Local  # marked: the mark dies with it
    assert echo(local) is local
    core._OPAQUE_PTR_HANDLERS[Local] = lambda o: 0xBEEF  # takes it out too
    try:
        assert "__tvm_ffi_plain__" not in Local.__dict__
        assert echo(local).value == 0xBEEF
    finally:
        del core._OPAQUE_PTR_HANDLERS[Local]
    assert echo(local) is local
    assert Local.__dict__["__tvm_ffi_plain__"] is Local
    obj = ModuleLevelPlain()
    assert echo(obj) is obj
    assert ModuleLevelPlain in conversion_protocols.PLAIN_TYPES  # the next crossing skips the hook
    assert "__tvm_ffi_plain__" not in ModuleLevelPlain.__dict__  # a module's class is not marked
    assert echo(obj) is obj
    core._OPAQUE_PTR_HANDLERS[ModuleLevelPlain] = lambda o: 0xF00D  # takes it out of the cache
    try:
        assert ModuleLevelPlain not in conversion_protocols.PLAIN_TYPES
        assert echo(obj).value == 0xF00D
        assert ModuleLevelPlain in conversion_protocols.PROTOCOL_TYPES
    finally:
        del core._OPAQUE_PTR_HANDLERS[ModuleLevelPlain]
    assert echo(obj) is obj
    assert ModuleLevelPlain in conversion_protocols.PLAIN_TYPES
    assert ModuleLevelPlain not in conversion_protocols.PROTOCOL_TYPES


def test_a_marked_local_class_skips_the_hook_and_its_subclasses_do_not():
    from tvm_ffi_hpy import conversion_protocols

    class Local:
        pass

    local = Local()
    assert echo(local) is local  # marked plain
    Local.__tvm_ffi_value__ = lambda self: 7  # added after a crossing: not seen (documented)
    assert echo(local) is local  # proves that the hook was not asked
    del Local.__tvm_ffi_plain__  # forgotten (with the extension's cache): the hook decides again
    conversion_protocols.forget_types()
    assert echo(local) == 7
    assert Local.__dict__["__tvm_ffi_plain__"] is None  # special: the hook is always asked
    assert echo(local) == 7

    class Base:
        pass

    assert echo(Base()).__class__ is Base
    assert Base.__dict__["__tvm_ffi_plain__"] is Base

    class Sub(Base):  # inherits the attribute, not the answer
        def __tvm_ffi_value__(self):
            return "sub"

    assert echo(Sub()) == "sub"
    assert Sub.__dict__["__tvm_ffi_plain__"] is None


def test_a_local_class_that_refuses_the_mark_is_remembered_weakly():
    from tvm_ffi_hpy import conversion_protocols

    class Locked(type):
        def __setattr__(cls, name, value):
            raise AttributeError("locked")

    class Local(metaclass=Locked):
        pass

    local = Local()
    assert echo(local) is local
    assert "__tvm_ffi_plain__" not in Local.__dict__
    assert conversion_protocols._LOCAL_PLAIN[id(Local)]() is Local
    assert Local not in conversion_protocols.PLAIN_TYPES
    assert echo(local) is local


def test_a_getattr_error_of_a_metaclass_reaches_the_caller():
    class Broken(type):
        def __getattr__(cls, name):
            raise KeyError(name)  # not an AttributeError: a bug to report

    class Local(metaclass=Broken):
        pass

    with pytest.raises(KeyError, match="__tvm_ffi_plain__"):
        echo(Local())


def test_a_local_plain_class_is_not_kept_alive():
    import weakref
    from tvm_ffi_hpy import conversion_protocols

    def make():
        class Local:
            pass
        obj = Local()
        assert echo(obj) is obj
        return weakref.ref(Local), id(Local)

    ref, key = make()
    collect()
    assert ref() is None
    assert key not in conversion_protocols._LOCAL_PLAIN


class ModuleLevelStr(str):
    pass


def test_the_plain_type_cache_answers_like_the_lookups_it_skips():
    """The extension remembers the last plain type (hpy_ext/convert.cc): the
    next object of it must cross exactly as the full checks would take it."""
    from tvm_ffi_hpy import conversion_protocols

    class LocalA:
        pass

    class LocalB:
        pass

    a, b, m = LocalA(), LocalB(), ModuleLevelPlain()
    for _ in range(3):  # alternating types: each replaces the cached one
        assert echo(a) is a and echo(b) is b and echo(m) is m
        assert echo(a) is a and echo(a) is a
    # A plain str subclass is remembered too, and still crosses as a string.
    s = ModuleLevelStr("text")
    for _ in range(2):
        back = echo(s)
        assert back == "text" and type(back) is str
    assert echo([a, s, m, a]) == [a, "text", m, a]
    # Objects of other kinds that come after a cached type are not taken for it.
    assert echo(a) is a
    assert echo(3) == 3 and echo(None) is None and echo([a]) == [a]
    assert echo(ValueError("v")).kind == "ValueError"  # an Error object, not an opaque one
    f = echo(lambda: 5)
    assert f() == 5
    # A handler added for the cached type wins at once, and so does a rule
    # found after forget_types().
    assert echo(m) is m
    core._OPAQUE_PTR_HANDLERS[ModuleLevelPlain] = lambda o: 0xABC
    try:
        assert echo(m).value == 0xABC
    finally:
        del core._OPAQUE_PTR_HANDLERS[ModuleLevelPlain]
    assert echo(m) is m and echo(m) is m
    ModuleLevelPlain.__tvm_ffi_value__ = lambda self: 11
    try:
        assert echo(m) is m  # not seen until the types are forgotten (documented)
        conversion_protocols.forget_types()
        assert echo(m) == 11
    finally:
        del ModuleLevelPlain.__tvm_ffi_value__
        conversion_protocols.forget_types()
    assert echo(m) is m


def test_the_plain_type_cache_is_emptied_at_each_collection():
    import gc
    import weakref
    from tvm_ffi_hpy import conversion_protocols

    def make():
        class Local:
            pass
        obj = Local()
        for _ in range(3):  # crosses through the cache (on CPython)
            assert echo(obj) is obj
        return weakref.ref(Local)

    ref = make()
    if hasattr(gc, "callbacks"):  # CPython: the cache holds Local until a collection starts
        assert conversion_protocols._forget_at_collection in gc.callbacks
    collect()
    assert ref() is None


class ModuleLevelValue:
    def __init__(self, v):
        self.v = v

    def __tvm_ffi_value__(self):
        return self.v


def test_the_rule_of_a_class_is_found_once_and_applied_per_object():
    from tvm_ffi_hpy import conversion_protocols

    assert echo(ModuleLevelValue(5)) == 5
    rule = conversion_protocols.PROTOCOL_TYPES[ModuleLevelValue]
    assert echo(ModuleLevelValue("x")) == "x"  # the same rule, this object's value
    assert conversion_protocols.PROTOCOL_TYPES[ModuleLevelValue] is rule
    assert rule(ModuleLevelValue(2)) == (conversion_protocols.REPLACE, 2)
    assert echo(np.int64(7)) == 7 and type(echo(np.int64(7))) is int
    assert np.int64 in conversion_protocols.PROTOCOL_TYPES
    conversion_protocols.forget_types()
    assert ModuleLevelValue not in conversion_protocols.PROTOCOL_TYPES
    assert echo(ModuleLevelValue(3)) == 3
