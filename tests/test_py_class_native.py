"""py_class types deriving from a C++ class with fields of its own (a
"native parent": core/src/py_class.cc, docs/dataclasses.md)."""
import copy
import gc

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import core, dataclasses, serialization, testing

from conftest import live_objects

echo = tvm_ffi_hpy.get_global_func("testing.echo")
use_count = tvm_ffi_hpy.get_global_func("testing.object_use_count")
DeepCopy = tvm_ffi_hpy.get_global_func("ffi.DeepCopy")
RecursiveEq = tvm_ffi_hpy.get_global_func("ffi.RecursiveEq")


@dataclasses.py_class("test_py_class_native.Leaf", eq=True)
class Leaf(testing.TestObjectBase):
    extra: int
    note: str = "n"

    def total(self):
        return self.add_i64(self.extra)  # the C++ method, on the C++ part


@dataclasses.py_class("test_py_class_native.SubLeaf", eq=True)
class SubLeaf(Leaf):
    more: object = None


@dataclasses.py_class("test_py_class_native.Holding")
class Holding(testing.TestObjectPtrHolder):
    extra: int


def _info(cls):
    return cls.__tvm_ffi_type_info__


def test_fields_follow_the_cxx_part():
    parent = _info(testing.TestObjectBase)
    end = max(f.offset + f.size for f in parent.fields)
    own = _info(Leaf).fields
    assert [f.name for f in own] == ["extra", "note"]
    assert own[0].offset >= end and own[0].offset % 8 == 0
    assert own[1].offset == own[0].offset + 16
    assert _info(SubLeaf).fields[0].offset == own[1].offset + 16  # the slots extend
    assert _info(Leaf).parent_type_info is parent
    assert [f.name for f in dataclasses.fields(SubLeaf)] == [
        "v_i64", "v_f64", "v_str", "extra", "note", "more"]


def test_construct_read_write_and_cxx_defaults():
    leaf = Leaf(v_i64=1, v_f64=2.5, v_str="s", extra=7)
    assert (leaf.v_i64, leaf.v_f64, leaf.v_str, leaf.extra, leaf.note) == (1, 2.5, "s", 7, "n")
    leaf.v_i64 = 40
    leaf.extra = 2
    assert (leaf.v_i64, leaf.extra) == (40, 2)
    assert leaf.add_i64(1) == 41 and leaf.total() == 42
    plain = Leaf(extra=0)  # the C++ fields' defaults
    assert (plain.v_i64, plain.v_f64, plain.v_str) == (10, 10.0, "hello")
    assert isinstance(leaf, testing.TestObjectBase)
    with pytest.raises(TypeError):
        Leaf(v_i64="not an int", extra=1)


def test_identity_and_cxx_typed_fields():
    leaf = SubLeaf(extra=1, more=[1, 2])
    assert echo(leaf) is leaf
    holder = testing.TestObjectPtrHolder(leaf)  # a field typed TestObjectBase takes it
    assert holder.value is leaf
    assert use_count(leaf) == 2
    del holder
    gc.collect()
    assert use_count(leaf) == 1


def test_copy_deepcopy_eq_repr():
    leaf = SubLeaf(v_i64=3, v_str="x", extra=4, more=tvm_ffi_hpy.convert([1, 2]))
    for dup in (copy.copy(leaf), copy.deepcopy(leaf), DeepCopy(leaf)):
        assert type(dup) is SubLeaf and not dup.same_as(leaf)
        assert (dup.v_i64, dup.v_str, dup.extra, list(dup.more)) == (3, "x", 4, [1, 2])
        assert dup == leaf and RecursiveEq(dup, leaf)
        dup.v_i64 = 99  # no aliasing of the C++ part
        assert leaf.v_i64 == 3 and dup != leaf
    assert copy.copy(leaf).more.same_as(leaf.more)
    assert not copy.deepcopy(leaf).more.same_as(leaf.more)
    text = repr(leaf)
    assert "v_i64=3" in text and "extra=4" in text, text


def test_structural_equal_and_hash_see_both_parts():
    a = SubLeaf(v_i64=1, extra=2)
    b = SubLeaf(v_i64=1, extra=2)
    c = SubLeaf(v_i64=5, extra=2)
    d = SubLeaf(v_i64=1, extra=3)
    assert tvm_ffi_hpy.structural_equal(a, b)
    assert tvm_ffi_hpy.structural_hash(a) == tvm_ffi_hpy.structural_hash(b)
    assert not tvm_ffi_hpy.structural_equal(a, c)
    assert not tvm_ffi_hpy.structural_equal(a, d)


def test_serialization_round_trip():
    leaf = SubLeaf(v_i64=8, v_f64=0.5, v_str="j", extra=9, note="z", more="m")
    back = serialization.from_json_graph_str(serialization.to_json_graph_str(leaf))
    assert type(back) is SubLeaf
    assert (back.v_i64, back.v_f64, back.v_str, back.extra, back.note, back.more) == \
        (8, 0.5, "j", 9, "z", "m")


def test_object_fields_of_the_cxx_part_are_released():
    target = testing.TestObjectBase(v_i64=5)
    h = Holding(value=target, optional_value=None, extra=1)
    assert use_count(target) == 2
    dup = copy.copy(h)  # the C++ copy constructor takes a reference
    assert use_count(target) == 3 and dup.value is target
    deep = copy.deepcopy(h)
    assert deep.value is not target and deep.value.v_i64 == 5
    del dup, deep
    gc.collect()
    assert use_count(target) == 2
    h.optional_value = target
    assert use_count(target) == 3
    del h
    live_objects()
    assert use_count(target) == 1


def test_instances_are_freed():
    before = live_objects()
    objs = [SubLeaf(extra=i, more=tvm_ffi_hpy.convert([i])) for i in range(10)]
    assert live_objects() == before + 20
    del objs
    assert live_objects() == before


def test_parents_that_cannot_be_derived_from():
    with pytest.raises(TypeError, match="not final"):
        @dataclasses.py_class("test_py_class_native.FromFinal")
        class FromFinal(testing.TestIntPair):  # final in C++
            c: int
    with pytest.raises(TypeError, match=r"\(`testing.TestObjectDerived`\) must be ffi.Object"):
        @dataclasses.py_class("test_py_class_native.Retry")
        class FromFinalChild(testing.TestObjectDerived):  # final too
            c: int

    # The refused statement registered nothing: the key is still free.
    @dataclasses.py_class("test_py_class_native.Retry")
    class Retry(testing.TestObjectBase):
        c: int = 0

    assert Retry(c=2).c == 2
    define_type = core.get_global_func("ffi.DefinePyClassType")
    with pytest.raises(TypeError, match="cannot be derived from"):
        define_type("test_py_class_native.FromArray", tvm_ffi_hpy.Array.__tvm_ffi_type_index__)
    with pytest.raises(TypeError, match="not a registered type"):
        define_type("test_py_class_native.FromNowhere", 1 << 40)
    with pytest.raises(TypeError, match="not a registered type"):
        define_type("test_py_class_native.FromArray", -5)  # the key is still free


def test_low_level_values_native_fields_first():
    new = core.get_global_func("ffi.NewPyClassObject")
    index = _info(Leaf).type_index
    obj = new(index, 1, 2.0, "c", 4, "e")
    assert (obj.v_i64, obj.v_f64, obj.v_str, obj.extra, obj.note) == (1, 2.0, "c", 4, "e")
    with pytest.raises(TypeError, match="takes 5 field values"):
        new(index, 1, 2)
    with pytest.raises(TypeError, match="Cannot set field `v_f64`"):
        new(index, 1, "no", "c", 4, "e")
