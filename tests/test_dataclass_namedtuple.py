"""dataclasses.common._make_namedtuple: a named tuple typed by dataclass fields."""
import collections
import copy
import inspect

import pytest

from tvm_ffi_hpy import Array, Map, testing
from tvm_ffi_hpy.dataclasses import Object, fields, py_class
from tvm_ffi_hpy.dataclasses.common import _make_namedtuple


@py_class("test_dataclass_namedtuple.Reading")
class Reading(Object):
    count: int
    scale: float
    tags: Map[str, float]


@py_class("test_dataclass_namedtuple.Holder")
class Holder(Object):
    pair: testing.TestIntPair
    items: Array[int]


def test_plain_tuple_with_converted_items():
    rec = _make_namedtuple("ReadingFields", fields(Reading))
    assert rec.__bases__ == (tuple,) and rec._fields == ("count", "scale", "tags")
    assert str(inspect.signature(rec)) == "(count, scale, tags)"
    assert rec.__annotations__ == {"count": int, "scale": float, "tags": Map[str, float]}
    value = rec(True, 3, {"a": 1})
    assert value.count == 1 and type(value.count) is int
    assert value.scale == 3.0 and type(value.scale) is float
    assert isinstance(value.tags, Map) and type(value.tags["a"]) is float
    assert repr(rec(1, 2.5, {})).startswith("ReadingFields(count=1, scale=2.5, tags=")
    assert copy.copy(value) == value and rec._field_defaults == {}
    assert not hasattr(rec, "__tvm_ffi_type_info__")


def test_make_and_replace_convert_too():
    rec = _make_namedtuple("ReadingFields", fields(Reading))
    made = rec._make(v for v in (1, 2, {}))
    assert type(made) is rec and type(made.scale) is float
    replaced = made._replace(scale=7)
    assert type(replaced.scale) is float and replaced.scale == 7.0

    class Sub(rec):
        __slots__ = ()
    assert type(Sub._make([1, 2, {}])._replace(scale=3)) is Sub


def test_errors_name_the_field_and_keep_the_cause():
    rec = _make_namedtuple("ReadingFields", fields(Reading))
    with pytest.raises(TypeError, match=r"ReadingFields\.scale: .*expected float") as err:
        rec(1, "x", {})
    assert isinstance(err.value.__cause__, TypeError)
    with pytest.raises(TypeError, match=r"ReadingFields\.tags: .*value for key 'a'"):
        rec(1, 2, {"a": "x"})
    native = collections.namedtuple("ReadingFields", ("count", "scale", "tags"))
    for bad in ([1], [1, 2, 3, 4]):   # the native messages
        with pytest.raises(TypeError) as want:
            native._make(bad)
        with pytest.raises(TypeError, match=str(want.value)):
            rec._make(bad)
    with pytest.raises(TypeError):
        rec(1, 2)
    # an unknown name in _replace: ValueError up to CPython 3.12 and on PyPy,
    # TypeError from CPython 3.13 on; the same as the native namedtuple's
    with pytest.raises(Exception) as want:
        native(1, 2, {})._replace(other=3)
    with pytest.raises(type(want.value)):
        rec(1, 2, {})._replace(other=3)


def test_selected_fields_and_c_class_fields():
    count, scale, _ = fields(Reading)
    sel = _make_namedtuple("Sel", (scale, count))
    assert tuple(sel(1, 2)) == (1.0, 2)
    assert _make_namedtuple("Empty", ())() == ()
    obj = _make_namedtuple("Obj", fields(Holder))(testing.TestIntPair(1, 2), [1, 2])
    assert isinstance(obj.pair, testing.TestIntPair) and type(obj.items) is Array
    with pytest.raises(TypeError, match=r"Obj\.pair: "):
        _make_namedtuple("Obj", fields(Holder))(5, [])
