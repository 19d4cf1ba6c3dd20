"""Dataclass enums: Enum, IntEnum, StrEnum, entry, auto, def_attr."""
from __future__ import annotations

import copy
import itertools
import pickle
from typing import ClassVar

import pytest

from tvm_ffi_hpy import Dict, List, Object, get_global_func, testing
from tvm_ffi_hpy.dataclasses import (Enum, EnumAttrMap, EnumState, IntEnum, StrEnum, auto, entry,
                                     fields, py_class)
from tvm_ffi_hpy.dataclasses.enum import ENUM_STATE_ATTR, _EnumEntry

_counter = itertools.count()
# An enum class keeps its variants (and its state) for as long as the
# process: classes of core types are never freed.
GROWS = pytest.mark.allow_core_growth
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def key(name):
    return "test_dataclass_enum.%s_%d" % (name, next(_counter))


class Shape(Enum, type_key="test_dataclass_enum.Shape"):
    sides: int = 0
    triangle: ClassVar[Shape] = entry(sides=3)
    square = entry(4)
    circle = auto()


class Level(IntEnum, type_key="test_dataclass_enum.Level"):
    LOW = 1
    HIGH = 10


class Space(StrEnum, type_key="test_dataclass_enum.Space"):
    SMEM = "smem"
    GMEM = "gmem"
    SHARED = "smem"  # an alias of SMEM


def test_plain_enum_variants_indices_and_payload():
    assert list(Shape) == [Shape.triangle, Shape.square, Shape.circle]
    assert len(Shape) == 3
    assert [(v._int_index, v._str_index, v.sides) for v in Shape] == [
        (0, "triangle", 3), (1, "square", 4), (2, "circle", 0)]
    assert Shape(1) is Shape.square and Shape("circle") is Shape.circle
    assert Shape.get(0) is Shape.triangle and Shape.get("square") is Shape.square
    assert type(Shape.square) is Shape and isinstance(Shape.square, Enum)
    assert repr(Shape.square) == "test_dataclass_enum.Shape.square"
    with pytest.raises(AttributeError):
        Shape.square.sides = 5
    with pytest.raises(ValueError):
        Shape("hexagon")
    with pytest.raises(KeyError):
        Shape.get(7)
    assert [f.name for f in fields(Shape)] == ["_int_index", "_str_index", "sides"]


@GROWS
def test_bare_classvar_declarations_and_entries():
    class Status(Enum, type_key=key("Status")):
        ready: ClassVar[Status]
        failed: ClassVar[Status]

    assert list(Status) == [Status.ready, Status.failed]
    assert Status.failed._int_index == 1
    assert isinstance(auto(), _EnumEntry) and auto() is not auto()
    assert repr(entry(1, code=2)) == "entry(1, code=2)"


@GROWS
def test_int_enum():
    assert (Level.HIGH.value, Level.HIGH.name) == (10, "HIGH")
    assert Level(10) is Level.HIGH and Level("LOW") is Level.LOW
    assert Level.LOW == 1 and Level.LOW != 10 and Level.LOW != Level.HIGH
    assert hash(Level.HIGH) == hash(10)
    assert str(Level.HIGH) == "10" and repr(Level.HIGH) == "Level.HIGH"

    class Limit(IntEnum, type_key=key("Limit")):
        MIN = INT64_MIN
        MAX = entry(value=INT64_MAX)

    assert Limit(INT64_MIN) is Limit.MIN and Limit.MAX.value == INT64_MAX
    for bad in (INT64_MIN - 1, INT64_MAX + 1):
        with pytest.raises(OverflowError):
            Limit(bad)
        with pytest.raises(OverflowError):
            Limit.get(bad)


def test_str_enum_and_aliases():
    assert Space.SMEM.name == Space.SMEM.value == "smem"
    assert Space.SHARED is Space.SMEM
    assert list(Space) == [Space.SMEM, Space.GMEM]
    assert Space("gmem") is Space.GMEM and Space.get(0) is Space.SMEM
    assert Space.SMEM == "smem" and str(Space.SMEM) == "smem"
    assert repr(Space.SMEM) == "Space.smem"
    with pytest.raises(ValueError):
        Space("SMEM")
    with pytest.raises(KeyError):
        Space.get("SMEM")


@GROWS
def test_custom_repr_kept():
    class Prio(IntEnum, type_key=key("Prio")):
        A = 1

        def __repr__(self):
            return "Prio(%d)" % self.value

    assert repr(Prio.A) == "Prio(1)"


@GROWS
def test_declarations_are_checked():
    with pytest.raises(TypeError, match="reserves `value`"):
        class BadInt(IntEnum, type_key=key("BadInt")):
            value: int
            ONE = 1
    with pytest.raises(TypeError, match="expected a int"):
        class BadLiteral(IntEnum, type_key=key("BadLiteral")):
            ONE = "one"
    with pytest.raises(TypeError, match="expected a str"):
        class BadStr(StrEnum, type_key=key("BadStr")):
            ONE = 1
    with pytest.raises(TypeError):
        Enum(0)  # the base has no variants to look up
    with pytest.raises(TypeError):
        Level(1, 2)


def test_copies_and_pickles_keep_singletons():
    assert copy.deepcopy(Shape.square) is Shape.square
    assert copy.deepcopy([Level.LOW, {"k": Space.GMEM}]) == [Level.LOW, {"k": Space.GMEM}]
    assert pickle.loads(pickle.dumps(Level.HIGH)) is Level.HIGH
    duplicate = copy.copy(Shape.square)
    assert not duplicate.same_as(Shape.square) and duplicate.sides == 4


@pytest.mark.reenters_extension  # the class factory runs Python code
@GROWS
def test_attr_tables():
    class Op(Enum, type_key=key("Op")):
        ADD = auto()
        MUL = auto()

    cost = Op.def_attr("cost", default=-1)
    assert isinstance(cost, EnumAttrMap) and cost.name == "cost"
    assert cost[Op.ADD] == -1 and Op.ADD not in cost
    cost[Op.ADD] = None
    cost[Op.MUL] = 7
    assert Op.ADD in cost and cost[Op.ADD] is None and cost.get(Op.MUL) == 7
    assert Op.attr_dict["cost"][Op.MUL] == 7
    strict = Op.def_attr("strict")
    with pytest.raises(KeyError):
        strict[Op.ADD]
    assert strict.get(Op.ADD, 3) == 3
    with pytest.raises(TypeError):
        strict[Shape.square] = 1
    state = get_global_func("ffi.GetTypeAttr")(Op.__tvm_ffi_type_index__, ENUM_STATE_ATTR)
    assert isinstance(state, EnumState)
    assert {f.name for f in fields(state)} == {"entries", "indexes", "attrs"}
    assert list(state.entries) == [Op.ADD, Op.MUL]
    assert state.indexes[0].same_as(Op.ADD) and state.indexes["MUL"].same_as(Op.MUL)
    assert state.attrs["cost"][Op.MUL] == 7


@GROWS
def test_enum_typed_fields_take_indices():
    class Prio(IntEnum, type_key=key("FieldPrio")):
        low = entry(value=10)
        high = entry(value=20)

    @py_class(key("Instr"))
    class Instr(Object):
        prio: Prio
        space: Space = Space.GMEM

    i = Instr(20, "smem")
    assert i.prio is Prio.high and i.space is Space.SMEM
    i.prio = 10
    assert i.prio is Prio.low
    with pytest.raises(TypeError, match="expected"):
        i.prio = 99
    with pytest.raises(TypeError, match="int64 range"):
        Instr(INT64_MAX + 1)


# ---------------------------------------------------------------------------
# Enum types declared in C++ (core/testing/testing_enums.cc, enum.h)
# ---------------------------------------------------------------------------
class Variant(Enum, type_key="testing.TestEnumVariant"):
    Alpha: ClassVar[Variant]
    Beta: ClassVar[Variant]


def test_class_binds_to_the_variants_cxx_made():
    get = get_global_func("testing.enum_variant_get")
    assert get("Alpha") is Variant.Alpha and get("Beta") is Variant.Beta
    assert (Variant.Beta._int_index, Variant.Beta._str_index) == (1, "Beta")
    assert list(Variant) == [Variant.Alpha, Variant.Beta]
    assert Variant(0) is Variant.Alpha and Variant.get("Beta") is Variant.Beta
    assert Variant.attr_dict["code"] == {Variant.Alpha: 10, Variant.Beta: 20}
    with pytest.raises(ValueError, match='no variant with index "Gamma"'):
        get("Gamma")


@GROWS
def test_binding_names_variants_by_string_index():
    with pytest.raises(RuntimeError, match="string index is 'Gamma'"):
        class Typo(Enum, type_key="testing.TestEnumVariant"):
            Gamma: ClassVar[Typo]


def test_cxx_enum_whose_variants_python_declares():
    high = testing._TestCxxIntEnum.high
    assert (high.value, high.name) == (20, "high")
    assert testing._TestCxxIntEnum(20) is high
    assert testing._TestCxxStrEnum("*") is testing._TestCxxStrEnum.mul
    assert testing._TestCxxStrEnum.mul.value == "*"


def test_cxx_enum_field_takes_an_index():
    holder = testing._TestCxxEnumHolder(priority=20, opcode="+")
    assert holder.priority is testing._TestCxxIntEnum.high
    assert holder.opcode is testing._TestCxxStrEnum.add
    holder.priority = 10
    assert holder.priority is testing._TestCxxIntEnum.low
    with pytest.raises(TypeError, match="has no such variant"):
        holder.priority = 99
    with pytest.raises(TypeError, match="has no such variant"):
        holder.opcode = "/"
    assert holder.priority is testing._TestCxxIntEnum.low
    with pytest.raises(TypeError, match="Cannot convert from type `float`"):
        holder.priority = 1.5


def test_serialization_writes_the_index_and_reads_the_singleton():
    from tvm_ffi_hpy.serialization import from_json_graph_str, to_json_graph_str
    import json
    holder = testing._TestCxxEnumHolder(priority=20, opcode="*")
    text = to_json_graph_str(holder)
    nodes = json.loads(text)["nodes"]
    assert {"type": "testing.TestCxxIntEnum", "data": 20} in nodes
    assert {"type": "testing.TestCxxStrEnum", "data": "*"} in nodes
    back = from_json_graph_str(text)
    assert back is not holder
    assert back.priority is holder.priority and back.opcode is holder.opcode
    assert from_json_graph_str(to_json_graph_str(Variant.Beta)) is Variant.Beta
    with pytest.raises(ValueError, match="no variant with index 7"):
        from_json_graph_str('{"root_index": 0, "nodes": [{"type": "testing.TestCxxIntEnum", '
                            '"data": 7}]}')


def test_variants_are_singletons_for_structural_functions():
    eq = get_global_func("ffi.RecursiveEq")
    h = get_global_func("ffi.RecursiveHash")
    assert eq(Variant.Alpha, Variant.Alpha)
    assert not eq(Variant.Alpha, Variant.Beta)
    twin = copy.copy(Shape.square)
    assert twin is not Shape.square and not eq(twin, Shape.square)
    assert h(Variant.Alpha) == h(Variant.Alpha) and h(Variant.Alpha) != h(Variant.Beta)
    assert get_global_func("ffi.DeepCopy")(List([Variant.Alpha]))[0] is Variant.Alpha


def test_lists_and_dicts_round_trip_through_json():
    from tvm_ffi_hpy.serialization import from_json_graph_str, to_json_graph_str
    value = Dict({"a": List([1, "x"]), "b": Dict({})})
    back = from_json_graph_str(to_json_graph_str(value))
    assert type(back) is Dict and type(back["a"]) is List and type(back["b"]) is Dict
    assert list(back["a"]) == [1, "x"] and len(back["b"]) == 0


def test_enum_core_functions_refuse_bad_input():
    add = get_global_func("ffi.EnumAddEntry")
    idx = testing._TestCxxIntEnum.__tvm_ffi_type_index__
    with pytest.raises(ValueError, match="already has a variant with int index 20"):
        add(idx, 20, "again")
    base = get_global_func("ffi.EnumBaseTypeIndex")(1)
    with pytest.raises(TypeError, match="a base of enums"):
        add(base, 1, "x")
    with pytest.raises(TypeError, match="is not an enum type"):
        add(testing.TestIntPair.__tvm_ffi_type_index__, 1, "x")
    with pytest.raises(TypeError, match="an int or a str"):
        get_global_func("ffi.EnumGet")(idx, 1.5)
