"""Python-defined core object types: tvm_ffi_hpy.dataclasses.py_class."""
import gc
import inspect
import pickle

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import dataclasses, testing

from conftest import collect, live_objects

echo = tvm_ffi_hpy.get_global_func("testing.echo")
use_count = tvm_ffi_hpy.get_global_func("testing.object_use_count")


@dataclasses.py_class("test_py_class.Point")
class Point(dataclasses.Object):
    x: int
    y: int = 0

    def norm1(self):
        return abs(self.x) + abs(self.y)

    @property
    def swapped(self):
        return Point(self.y, self.x)


@dataclasses.py_class("test_py_class.Point3")
class Point3(Point):
    z: object = None

    def norm1(self):
        return super().norm1() + abs(self.z or 0)


@dataclasses.py_class("test_py_class.Point4")
class Point4(Point3):
    w: int = 4

    @classmethod
    def origin(cls):
        return cls(0)


@dataclasses.py_class("test_py_class.Frozen", frozen=True)
class Frozen(dataclasses.Object):
    a: int
    b: str = "b"


@dataclasses.py_class("test_py_class.Node")
class Node(dataclasses.Object):
    value: object
    next: object = None


def test_object_is_the_package_object():
    assert dataclasses.Object is tvm_ffi_hpy.Object
    assert issubclass(Point, tvm_ffi_hpy.Object)


def test_generated_init_positional_and_keyword():
    p = Point(1, y=2)
    assert (p.x, p.y) == (1, 2)
    assert Point(3).y == 0
    assert Point(y=5, x=4).norm1() == 9


def test_init_errors():
    with pytest.raises(TypeError, match="missing required argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="positional"):
        Point(1, 2, 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'q'"):
        Point(1, q=2)
    with pytest.raises(TypeError, match="multiple values"):
        Point(1, x=2)


def test_fields_live_in_the_core_object():
    p = Point(1, 2)
    info = tvm_ffi_hpy.core._ffi.type_info(p._type_index())
    assert info.type_key == "test_py_class.Point"
    assert [f.name for f in info.fields] == ["x", "y"]
    p.x = 41
    assert echo(p).x == 41  # read back through C++


def test_fields_hold_any_value():
    pair = testing.TestIntPair(1, 2)
    p = Point3(1, 2, z=pair)
    assert p.z is pair
    for value in [None, 1.5, "text", b"raw", [1, 2], {"k": "v"}]:
        p.z = value
        got = p.z
        assert got == value or list(got) == list(value) or dict(got.items()) == value


def test_subclass_two_levels():
    q = Point4(1, -2, z=3)
    assert isinstance(q, Point3) and isinstance(q, Point)
    assert (q.x, q.y, q.z, q.w) == (1, -2, 3, 4)
    assert q.norm1() == 6
    assert Point4.origin().norm1() == 0
    assert type(Point4.origin()) is Point4


def test_repr_lists_all_fields():
    assert repr(Point3(1, 2, z=3)) == "test_py_class.Point3(x=1, y=2, z=3)"


def test_methods_properties_and_super():
    p = Point(1, 2)
    assert p.swapped.x == 2 and p.swapped.y == 1
    assert Point3(1, 1, z=-5).norm1() == 7


def test_frozen_fields_are_read_only():
    f = Frozen(1)
    assert (f.a, f.b) == (1, "b")
    with pytest.raises(AttributeError, match="no setter|can.t set attribute"):  # 3.11+ | 3.10
        f.a = 2
    assert f.a == 1


def test_required_field_after_defaulted_one_comes_first_in_init():
    @dataclasses.py_class("test_py_class.Reordered")
    class Reordered(dataclasses.Object):
        a: int = 1
        b: int

    assert list(inspect.signature(Reordered.__init__).parameters) == ["self", "b", "a"]
    r = Reordered(5)
    assert (r.a, r.b) == (1, 5)
    assert [f.name for f in dataclasses.fields(Reordered)] == ["a", "b"]  # storage order


def test_duplicate_type_key_rejected():
    with pytest.raises(ValueError, match="already registered"):
        @dataclasses.py_class("test_py_class.Point")
        class Again(dataclasses.Object):
            x: int


def test_base_must_be_object_or_py_class():
    with pytest.raises(TypeError):
        @dataclasses.py_class("test_py_class.FromPair")
        class FromPair(testing.TestIntPair):
            c: int


def test_instances_tie():
    p = Point(1, 2)
    assert echo(p) is p
    holder = testing.TestHolder(p)
    assert holder.value is p
    assert use_count(p) == 2
    outer = Node(1, next=Node(2))
    assert outer.next is outer.next
    i = id(outer.next)
    gc.collect()
    assert id(outer.next) == i


def test_objects_are_freed():
    before = live_objects()
    nodes = Node(0)
    for k in range(1, 200):
        nodes = Node(k, next=nodes)
    assert live_objects() == before + 200
    del nodes
    assert live_objects() == before


def test_gc_stress_with_chains_and_cycles_through_python():
    before = live_objects()
    keep = []
    for k in range(3000):
        n = Node(k, next=Point3(k, k, z=Point(k)))
        if k % 100 == 0:
            keep.append(n)
        if k % 500 == 0:
            gc.collect()
    for n in keep:
        assert n.next.z.x == n.value
    del keep, n
    assert live_objects() == before


def test_pickle_round_trip():
    p = Point3(1, 2, z=Point(3, 4))
    for _ in range(50):
        p = pickle.loads(pickle.dumps(p))
    assert type(p) is Point3
    assert (p.x, p.y) == (1, 2) and p.z.norm1() == 7
    f = pickle.loads(pickle.dumps(Frozen(9, "z")))
    assert (f.a, f.b) == (9, "z")


def test_class_statement_without_decorator_cannot_instantiate():
    class Plain(dataclasses.Object):
        x: int
    with pytest.raises(TypeError, match="not registered"):
        Plain()


@dataclasses.py_class("test_py_class.Typed")
class Typed(dataclasses.Object):
    n: int
    ratio: float = 0.5
    name: str = ""


def test_annotated_fields_convert_and_refuse_their_values():
    t = Typed(True, 1)                     # bool -> int, int -> float
    assert (t.n, type(t.n), t.ratio, type(t.ratio)) == (1, int, 1.0, float)
    with pytest.raises(TypeError, match="expected int"):
        Typed("1")
    with pytest.raises(TypeError, match="expected str"):
        t.name = 3
    assert t.name == ""                    # a refused value leaves the field unchanged
    info = Typed.__tvm_ffi_type_info__
    assert [tf.dataclass_field._ty_schema.origin for tf in info.fields] == ["int", "float", "str"]
    assert Point3(1, 2, z=[1]).z is not None  # `object`: any value


def test_a_field_may_be_named_self():
    @dataclasses.py_class("test_py_class.SelfField")
    class SelfField(dataclasses.Object):
        self: int
        other: int = 0

    r = SelfField(self=7, other=1)
    assert (r.self, r.other) == (7, 1)
    assert list(inspect.signature(SelfField.__init__).parameters)[:2] == ["_self", "self"]
    blank = dataclasses.Object.__new__(SelfField)
    SelfField.__ffi_init__(blank, self=3)
    assert blank.self == 3


def test_conversion_errors_name_the_field():
    @dataclasses.py_class("test_py_class.BadDefault")
    class BadDefault(dataclasses.Object):
        a: int
        b: testing.TestIntPair = 5

    with pytest.raises(TypeError, match=r"__ffi_init__\(\) default for field 'b':\n  expected "
                                        r"testing.TestIntPair, got int"):
        BadDefault(1)
    with pytest.raises(TypeError, match=r"__ffi_init__\(\) field 'a':\n  expected int, got str"):
        BadDefault("x", testing.TestIntPair(1, 2))
    ok = BadDefault(1, testing.TestIntPair(1, 2))
    with pytest.raises(TypeError, match=r"^expected int, got str$"):
        ok.a = "x"


def test_fields_resolved_hooks_see_the_class_before_its_fields():
    seen = []

    @dataclasses.py_class("test_py_class.HookBase")
    class HookBase(dataclasses.Object):
        def __ffi_hook__(type_info, own_fields):
            assert type_info.type_cls is not None and not type_info.fields
            seen.append((type_info.type_key, [f.name for f in own_fields]))
            for f in own_fields:  # an extension consumes its own field options
                if "unit" in f.extra_kwargs:
                    f.metadata["unit"] = f.extra_kwargs.pop("unit")

        __ffi_hook__.__ffi_on_fields_resolved__ = True

    @dataclasses.py_class("test_py_class.HookChild")
    class HookChild(HookBase):
        x: int = dataclasses.field(default=0, unit="m")

    assert seen == [("test_py_class.HookBase", []), ("test_py_class.HookChild", ["x"])]
    assert dataclasses.fields(HookChild)[0].metadata == {"unit": "m"}
    assert HookChild(3).x == 3
    with pytest.raises(TypeError, match="unrecognized field options: unit"):
        @dataclasses.py_class("test_py_class.NoHook")
        class NoHook(dataclasses.Object):
            x: int = dataclasses.field(unit="m")
