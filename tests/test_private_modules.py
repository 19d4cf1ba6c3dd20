"""The private module names apache tvm-ffi's code imports: _ffi_api and
dataclasses.common."""
import collections

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import _ffi_api
from tvm_ffi_hpy.dataclasses import Object, asdict, astuple, py_class
from tvm_ffi_hpy.dataclasses import common


def test_ffi_api_gives_the_ffi_globals():
    assert _ffi_api.Array is tvm_ffi_hpy.get_global_func("ffi.Array")
    assert list(_ffi_api.Array(1, 2)) == [1, 2]
    assert "Array" in dir(_ffi_api)


def test_ffi_api_missing_name_fails_to_import():
    with pytest.raises(AttributeError, match="ffi.NoSuchFunction"):
        _ffi_api.NoSuchFunction
    with pytest.raises(ImportError):
        from tvm_ffi_hpy._ffi_api import NoSuchFunction  # noqa: F401


@py_class("test_private_modules.Rec")
class Rec(Object):
    a: object
    b: object = None


def test_common_is_the_same_helpers():
    assert common.asdict is asdict and common.astuple is astuple
    dd = collections.defaultdict(list, {"k": [1]})
    out = common._asdict_inner(dd, dict)
    assert type(out) is collections.defaultdict and out.default_factory is list
    assert dict(out) == {"k": [1]}
    out = common._astuple_inner(dd, tuple)
    assert type(out) is collections.defaultdict and dict(out) == {"k": [1]}


def test_asdict_keeps_named_tuples():
    Point = collections.namedtuple("Point", "x y")
    r = Rec(Point(1, Rec(2)))
    # a named tuple stored in a field comes back as an Array: rebuild one by hand
    assert asdict(Rec(1, 2)) == {"a": 1, "b": 2}
    got = common._asdict_inner(Point(1, Rec(2)), dict)
    assert type(got) is Point and got == Point(1, {"a": 2, "b": None})
    assert r.a[0] == 1


def test_error_messages_follow_upstream():
    with pytest.raises(TypeError, match="c_class or py_class type or instance"):
        common.fields(3)
    with pytest.raises(TypeError, match="c_class / py_class instances"):
        asdict(3)
    with pytest.raises(TypeError, match="c_class / py_class instances"):
        astuple(Rec)
