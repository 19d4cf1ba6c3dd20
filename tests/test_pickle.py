"""Pickle: objects are rebuilt from their fields and tie like any other."""
import gc
import pickle

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, testing

from conftest import live_objects


def make_derived():
    return testing.create_object("testing.TestObjectDerived", v_i64=7, v_str="s",
                                 v_map={"a": testing.TestIntPair(1, 2)},
                                 v_array=[1, "two", testing.TestIntPair(3, 4)])


def test_reflected_object_round_trip():
    d = pickle.loads(pickle.dumps(make_derived()))
    assert type(d) is testing.TestObjectDerived
    assert (d.v_i64, d.v_f64, d.v_str) == (7, 10.0, "s")
    assert d.v_array[2].sum() == 7
    assert d.v_map["a"].sum() == 3


def test_read_only_field_restored():
    b = testing.create_object("testing.TestObjectBase", v_f64=2.5)
    assert pickle.loads(pickle.dumps(b)).v_f64 == 2.5


def test_constructor_type_round_trip():
    p = pickle.loads(pickle.dumps(testing.TestIntPair(5, 6)))
    assert type(p) is testing.TestIntPair and (p.a, p.b) == (5, 6)


def test_containers_round_trip():
    arr = pickle.loads(pickle.dumps(tvm_ffi_hpy.convert([1, [2, 3], {"k": 4}])))
    assert isinstance(arr, Array) and arr[0] == 1 and list(arr[1]) == [2, 3]
    assert isinstance(arr[2], Map) and arr[2]["k"] == 4


def test_restored_object_ties():
    r = pickle.loads(pickle.dumps(make_derived()))
    assert r.v_array is r.v_array
    i = id(r.v_array)
    gc.collect()
    junk = [testing.TestIntPair(k, k) for k in range(100)]
    assert id(r.v_array) == i
    assert r.v_array[2] is r.v_array[2]
    del junk


def test_two_hundred_round_trips_leave_no_objects_behind():
    before = live_objects()
    d = make_derived()
    for _ in range(200):
        d = pickle.loads(pickle.dumps(d))
    assert d.v_array[2].sum() == 7
    del d
    assert live_objects() == before


def test_functions_and_moved_objects_refuse():
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(tvm_ffi_hpy.get_global_func("testing.nop"))
    p = testing.TestIntPair(1, 2)
    kept = tvm_ffi_hpy.get_global_func("testing.echo")(p._move())
    with pytest.raises(TypeError, match="moved"):
        pickle.dumps(p)
    assert kept.sum() == 3
