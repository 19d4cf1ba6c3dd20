"""tvm_ffi_hpy.dataclasses: py_class / c_class options, field(), copy, replace, asdict."""
import copy
import pickle
from typing import Any, ClassVar

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, dataclasses, testing
from tvm_ffi_hpy.dataclasses import KW_ONLY, MISSING, Object, field, py_class

echo = tvm_ffi_hpy.get_global_func("testing.echo")
_keys = iter(range(10 ** 6))


def key(name):
    """A type key no other registration in this process uses."""
    return "test_dataclasses.%s_%d" % (name, next(_keys))


# Module-level classes: picklable by reference.
@py_class("test_dataclasses.Opts")
class Opts(Object):
    a: int
    b: int = field(default=7, init=False)
    _: KW_ONLY
    c: str = "c"


@py_class("test_dataclasses.FrozenInit", frozen=True)
class FrozenInit(Object):
    x: object = None

    def __init__(self, *parts):
        pass  # fields keep their defaults; objects come from pickle / replace


@py_class("test_dataclasses.Link")
class Link(Object):
    value: object
    next: object = None


class Payload:
    """An opaque Python value held by a core object."""

    def __init__(self, n):
        self.n = n


@pytest.fixture(autouse=True)
def restore_testing_classes():
    """c_class re-registers testing types: give them back their classes afterwards."""
    core = tvm_ffi_hpy.core
    saved = {}
    for k in ("testing.TestIntPair", "testing.TestObjectBase", "testing.TestObjectDerived",
              "testing.TestHolder"):
        idx = core._ffi.type_key_to_index(k)
        saved[idx] = core._ffi.registered_class(idx)
    yield
    for idx, cls in saved.items():
        core._ffi.register_class(idx, cls)


# ---------------------------------------------------------------------------
# field() and class options
# ---------------------------------------------------------------------------
def test_field_defaults_follow_tvm_ffi():
    f = field()
    assert isinstance(f, dataclasses.Field)
    assert f.default is MISSING and f.default_factory is MISSING
    assert (f.init, f.repr, f.compare, f.hash, f.kw_only) == (True, True, True, None, None)


def test_field_default_and_factory_are_exclusive():
    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=1, default_factory=list)
    with pytest.raises(TypeError, match="callable"):
        field(default_factory=3)


def test_default_factory_called_per_instance():
    calls = []

    @py_class(key("Factory"))
    class Factory(Object):
        items: object = field(default_factory=lambda: calls.append(1) or Payload(len(calls)))

    a, b = Factory(), Factory()
    assert len(calls) == 2
    assert a.items is not b.items and (a.items.n, b.items.n) == (1, 2)
    assert Factory(items=5).items == 5 and len(calls) == 2


def test_field_default_via_field():
    @py_class(key("FDef"))
    class FDef(Object):
        x: int
        y: int = field(default=3)

    assert FDef(1).y == 3
    assert FDef(1, 4).y == 4


def test_init_false_field_takes_default_and_is_not_a_parameter():
    o = Opts(1, c="z")
    assert (o.a, o.b, o.c) == (1, 7, "z")
    with pytest.raises(TypeError, match="unexpected keyword argument 'b'"):
        Opts(1, b=2)


def test_init_false_field_without_default_is_none():
    @py_class(key("NoDef"))
    class NoDef(Object):
        x: int
        cache: object = field(init=False)

    n = NoDef(1)
    assert n.cache is None
    n.cache = 5
    assert n.cache == 5


def test_kw_only_sentinel():
    with pytest.raises(TypeError, match="positional"):
        Opts(1, "c")
    assert Opts(1).c == "c"
    assert Opts.__match_args__ == ("a",)


def test_kw_only_required_after_default_is_allowed():
    @py_class(key("KwReq"))
    class KwReq(Object):
        a: int = 1
        _: KW_ONLY
        b: int

    with pytest.raises(TypeError, match="missing required keyword-only argument: 'b'"):
        KwReq()
    assert (KwReq(b=2).a, KwReq(5, b=2).b) == (1, 2)


def test_decorator_kw_only_and_field_override():
    @py_class(key("AllKw"), kw_only=True)
    class AllKw(Object):
        a: int
        b: int = field(default=0, kw_only=False)

    with pytest.raises(TypeError, match="positional"):
        AllKw(1, 2)
    o = AllKw(2, a=1)
    assert (o.a, o.b) == (1, 2)
    assert [f.kw_only for f in dataclasses.fields(AllKw)] == [True, False]


def test_classvar_is_not_a_field():
    @py_class(key("CV"))
    class CV(Object):
        count: ClassVar[int] = 3
        x: int = 0

    assert [f.name for f in dataclasses.fields(CV)] == ["x"]
    assert CV.count == 3
    assert CV(x=2).x == 2


def test_type_key_keyword_and_bare_decorator():
    k = key("ByKw")

    @py_class(type_key=k)
    class ByKw(Object):
        x: int

    assert ByKw.__tvm_ffi_type_key__ == k

    @py_class
    class Bare(Object):
        x: int

    assert Bare.__tvm_ffi_type_key__ == "%s.%s" % (__name__, Bare.__qualname__)
    assert Bare(3).x == 3


def test_redefining_an_inherited_field_is_refused():
    @py_class(key("P"))
    class P(Object):
        x: int

    with pytest.raises(TypeError, match="already a field"):
        @py_class(key("Q"))
        class Q(P):
            x: int


def test_order_requires_eq():
    with pytest.raises(ValueError, match="order=True requires eq=True"):
        py_class(key("Ord"), order=True)


# ---------------------------------------------------------------------------
# __init__ variants
# ---------------------------------------------------------------------------
def test_post_init_runs_after_fields_are_set():
    seen = []

    @py_class(key("Post"))
    class Post(Object):
        x: int
        y: int = 0

        def __post_init__(self):
            seen.append((self.x, self.y))
            self.y = self.x * 10

    p = Post(2)
    assert seen == [(2, 0)] and p.y == 20


def test_user_init_runs_on_allocated_object():
    @py_class(key("UserInit"))
    class UserInit(Object):
        a: int
        b: int = 5

        def __init__(self, total):
            self.a = total - self.b

    u = UserInit(12)
    assert (u.a, u.b) == (7, 5)
    assert echo(u) is u


def test_super_init_sets_the_parents_fields():
    @py_class(key("Parent"))
    class Parent(Object):
        x: int = 1

    @py_class(key("Child"))
    class Child(Parent):
        y: int = 2

        def __init__(self, y):
            super().__init__(100)
            self.y = y

    c = Child(9)
    assert (c.x, c.y) == (100, 9)  # super().__init__(100) wrote the parent's field
    assert type(c) is Child


def test_init_false_class_cannot_be_called():
    @py_class(key("NoInit"), init=False)
    class NoInit(Object):
        x: int = 0

    with pytest.raises(TypeError, match="cannot be constructed directly"):
        NoInit()


# ---------------------------------------------------------------------------
# repr
# ---------------------------------------------------------------------------
def test_repr_uses_type_key_and_repr_fields():
    k = key("Rep")

    @py_class(k)
    class Rep(Object):
        x: int
        secret: str = field(default="s", repr=False)
        label: str = "l"

    assert repr(Rep(1)) == '%s(x=1, label="l")' % k  # the core's printing (ffi.ReprPrint)


def test_repr_false_gives_plain_form():
    k = key("NoRep")

    @py_class(k, repr=False)
    class NoRep(Object):
        x: int

    r = repr(NoRep(1))
    assert r.startswith("<%s object at 0x" % k) and "x=" not in r


def test_user_repr_is_kept():
    @py_class(key("MyRep"))
    class MyRep(Object):
        x: int

        def __repr__(self):
            return "MyRep!"

    assert repr(MyRep(1)) == "MyRep!"


def test_repr_of_a_cycle_terminates():
    a = Link(1)
    a.next = a
    try:
        assert repr(a) == "test_dataclasses.Link(value=1, next=...)"
    finally:
        a.next = None


def test_repr_and_deepcopy_of_cycles_through_containers():
    a = Link(1)
    a.next = tvm_ffi_hpy.Array([tvm_ffi_hpy.Map({"back": a}), a])
    try:
        assert repr(a) == 'test_dataclasses.Link(value=1, next=({"back": ...}, ...))'
        c = copy.deepcopy(a)
        assert c is not a and c.next[1] is c and c.next[0]["back"] is c
    finally:
        a.next = None
        c.next = None


# ---------------------------------------------------------------------------
# eq, hash, order
# ---------------------------------------------------------------------------
def test_default_eq_is_identity():
    a, b = Link(1), Link(1)
    assert a != b
    assert a == a and echo(a) == a
    assert hash(a) == hash(echo(a))


def test_eq_compares_fields():
    @py_class(key("Eq"), eq=True)
    class Eq(Object):
        x: int
        items: object = None
        note: str = field(default="", compare=False)

    assert Eq(1, [1, 2], note="a") == Eq(1, [1, 2], note="b")
    assert Eq(1, [1, 2]) != Eq(1, [1, 3])
    assert Eq(1, {"k": [1]}) == Eq(1, {"k": [1]})
    assert Eq(1, {"k": [1]}) != Eq(1, {"k": [2]})
    assert Eq(1) != Eq(2)
    assert (Eq(1) == 1) is False


def test_eq_nested_objects_and_subclasses():
    @py_class(key("EqBase"), eq=True)
    class EqBase(Object):
        x: Any  # an int or an EqBase

    @py_class(key("EqSub"), eq=True)
    class EqSub(EqBase):
        y: int = 0

    assert EqBase(EqBase(1)) == EqBase(EqBase(1))
    assert EqBase(1) != EqSub(1)
    assert EqSub(1, 2) == EqSub(1, 2)


def test_eq_on_mutable_class_makes_it_unhashable():
    @py_class(key("EqMut"), eq=True)
    class EqMut(Object):
        x: int

    with pytest.raises(TypeError, match="unhashable"):
        hash(EqMut(1))


def test_eq_frozen_is_hashable_by_value():
    @py_class(key("EqFrozen"), eq=True, frozen=True)
    class EqFrozen(Object):
        x: int
        xs: object = ()

    assert hash(EqFrozen(1, [1, 2])) == hash(EqFrozen(1, [1, 2]))
    assert len({EqFrozen(1), EqFrozen(1), EqFrozen(2)}) == 2


def test_unsafe_hash_respects_field_flags():
    @py_class(key("Hash"), eq=True, unsafe_hash=True)
    class Hash(Object):
        x: int
        y: int = field(default=0, hash=False)
        z: int = field(default=0, compare=False)

    assert hash(Hash(1, 2, 3)) == hash(Hash(1, 5, 6))
    assert hash(Hash(1)) != hash(Hash(2))
    assert len({Hash(1, 1), Hash(1, 1)}) == 1
    assert [f.hash for f in dataclasses.fields(Hash)] == [True, False, False]


def test_order():
    @py_class(key("Ord"), eq=True, order=True)
    class Ord(Object):
        x: int
        y: str = ""

    items = [Ord(2), Ord(1, "b"), Ord(1, "a")]
    assert [(o.x, o.y) for o in sorted(items)] == [(1, "a"), (1, "b"), (2, "")]
    assert Ord(1) <= Ord(1) and Ord(2) > Ord(1) and Ord(1) >= Ord(1)
    with pytest.raises(TypeError):
        Ord(1) < 3  # noqa: B015


# ---------------------------------------------------------------------------
# frozen
# ---------------------------------------------------------------------------
def test_frozen_class_refuses_assignment():
    @py_class(key("Fz"), frozen=True)
    class Fz(Object):
        x: int

    f = Fz(1)
    with pytest.raises(AttributeError, match="no setter|can.t set attribute"):  # 3.11+ | 3.10
        f.x = 2
    assert f.x == 1
    assert all(fl.frozen for fl in dataclasses.fields(Fz))


def test_frozen_field_in_mutable_class():
    @py_class(key("FzField"))
    class FzField(Object):
        x: int = field(default=0, frozen=True)
        y: int = 0

    o = FzField(1, 2)
    o.y = 3
    with pytest.raises(AttributeError, match="no setter|can.t set attribute"):  # 3.11+ | 3.10
        o.x = 5
    assert (o.x, o.y) == (1, 3)
    assert dataclasses.replace(o, x=9).x == 9


# ---------------------------------------------------------------------------
# copy, deepcopy, replace
# ---------------------------------------------------------------------------
def test_copy_is_a_new_object_sharing_values():
    inner = Link(0)
    a = Link(inner, next=[1, 2])
    b = copy.copy(a)
    assert b is not a and type(b) is Link
    assert b.value is inner and b.next is a.next
    b.value = 5
    assert a.value is inner


def test_deepcopy_copies_recursively():
    p = Payload(3)
    a = Link(Link(p), next=[Link(1)])
    b = copy.deepcopy(a)
    assert b is not a and b.value is not a.value
    assert b.value.value is not p and b.value.value.n == 3
    assert b.next is not a.next and len(b.next) == 1
    assert b.next[0] is not a.next[0] and b.next[0].value == 1


def test_deepcopy_keeps_sharing():
    shared = Link("s")
    a = Link(shared, next=[shared, shared])
    b = copy.deepcopy(a)
    assert b.value is not shared
    assert b.next[0] is b.value and b.next[1] is b.value


def test_deepcopy_reproduces_cycles():
    a = Link(1)
    b = Link(2, next=a)
    a.next = b
    try:
        c = copy.deepcopy(a)
        assert c is not a and c.next is not b
        assert c.next.next is c and c.next.value == 2
    finally:
        a.next = None
        c.next.next = None


def test_deepcopy_frozen_and_memo_shared_across_calls():
    @py_class(key("DFz"), frozen=True)
    class DFz(Object):
        x: object
        y: object = None

    leaf = Link(1)
    a = DFz(leaf, y=leaf)
    b = copy.deepcopy(a)
    assert b.x is b.y and b.x is not leaf
    memo = {}
    c1, c2 = copy.deepcopy(leaf, memo), copy.deepcopy(leaf, memo)
    assert c1 is c2


def test_replace():
    o = Opts(1, c="x")
    r = dataclasses.replace(o, a=2, b=8)
    assert r is not o and (r.a, r.b, r.c) == (2, 8, "x")
    assert (o.a, o.b) == (1, 7)
    assert o.__replace__(c="y").c == "y"
    with pytest.raises(TypeError, match="no field 'q'"):
        dataclasses.replace(o, q=1)
    with pytest.raises(TypeError):
        dataclasses.replace(5, a=1)


def test_replace_on_frozen_and_init_free_class():
    f = FrozenInit()
    assert f.x is None
    g = dataclasses.replace(f, x=4)
    assert type(g) is FrozenInit and g.x == 4
    with pytest.raises(AttributeError):
        g.x = 5


# ---------------------------------------------------------------------------
# fields, asdict, astuple, is_dataclass
# ---------------------------------------------------------------------------
def test_fields_lists_every_field_parent_first():
    fs = dataclasses.fields(Opts)
    assert [f.name for f in fs] == ["a", "b", "c"]
    assert [f.init for f in fs] == [True, False, True]
    assert [f.kw_only for f in fs] == [False, False, True]
    assert fs[0].default is MISSING and fs[1].default == 7 and fs[2].default == "c"
    assert dataclasses.fields(Opts(1)) == fs
    with pytest.raises(TypeError):
        dataclasses.fields(testing.TestHolder)  # register_object: no dataclass

    @py_class(key("FSub"))
    class FSub(Link):
        extra: int = field(default_factory=int, repr=False)

    names = [f.name for f in dataclasses.fields(FSub)]
    assert names == ["value", "next", "extra"]
    assert dataclasses.fields(FSub)[2].default_factory is int
    assert dataclasses.fields(FSub)[2].repr is False


def test_asdict_recurses():
    a = Link(Link(1, next=[Link(2)]), next={"k": [3, 4]})
    d = dataclasses.asdict(a)
    assert d == {"value": {"value": 1, "next": [{"value": 2, "next": None}]},
                 "next": {"k": [3, 4]}}
    assert type(d["next"]) is dict and type(d["next"]["k"]) is list
    with pytest.raises(TypeError):
        dataclasses.asdict(Link)


def test_asdict_and_astuple_turn_list_and_dict_into_builtins():
    # The mutable containers recurse as Array and Map do: List -> list, Dict -> dict.
    value = tvm_ffi_hpy.Dict({"k": tvm_ffi_hpy.List([Link(1), 2])})
    d = dataclasses.asdict(Link(tvm_ffi_hpy.List([value])))
    assert d == {"value": [{"k": [{"value": 1, "next": None}, 2]}], "next": None}
    assert type(d["value"]) is list and type(d["value"][0]) is dict
    assert type(d["value"][0]["k"]) is list
    t = dataclasses.astuple(Link(tvm_ffi_hpy.Dict({"a": tvm_ffi_hpy.List([3])})))
    assert t == ({"a": [3]}, None) and type(t[0]) is dict and type(t[0]["a"]) is list


def test_asdict_deep_copies_other_values():
    p = Payload(1)
    d = dataclasses.asdict(Link(p))
    assert d["value"] is not p and d["value"].n == 1


def test_astuple():
    assert dataclasses.astuple(Link(Link(1), next=[2])) == ((1, None), [2])


def test_is_dataclass():
    assert dataclasses.is_dataclass(Link) and dataclasses.is_dataclass(Link(1))
    assert dataclasses.is_dataclass(testing.TestIntPair)  # a c_class
    assert not dataclasses.is_dataclass(testing.TestHolder)  # register_object
    assert not dataclasses.is_dataclass(Array([1]))


# ---------------------------------------------------------------------------
# pickle
# ---------------------------------------------------------------------------
def test_pickle_with_init_false_and_kw_only_fields():
    o = Opts(1, c="q")
    o.b = 99
    r = pickle.loads(pickle.dumps(o))
    assert type(r) is Opts and (r.a, r.b, r.c) == (1, 99, "q")


def test_pickle_with_custom_init():
    f = dataclasses.replace(FrozenInit(), x=Link(3))
    r = pickle.loads(pickle.dumps(f))
    assert type(r) is FrozenInit and r.x.value == 3


# ---------------------------------------------------------------------------
# c_class
# ---------------------------------------------------------------------------
def test_c_class_init_through_creator_applies_defaults():
    @dataclasses.c_class("testing.TestObjectBase")
    class Base(Object):
        v_i64: int
        v_f64: float
        v_str: str

    b = Base()
    assert type(b) is Base
    assert (b.v_i64, b.v_f64, b.v_str) == (10, 10.0, "hello")
    b2 = Base(1, 2.5, v_str="x")   # v_f64 is read-only, set by the creator
    assert (b2.v_i64, b2.v_f64, b2.v_str) == (1, 2.5, "x")
    assert repr(b2) == 'testing.TestObjectBase(v_i64=1, v_f64=2.5, v_str="x")'
    assert type(testing.create_object("testing.TestObjectBase")) is Base


def test_c_class_required_fields_come_first():
    @dataclasses.c_class("testing.TestObjectDerived")
    class Derived(Object):
        v_map: Any
        v_array: Any

    d = Derived({"k": 1}, [1, 2], v_i64=3)
    assert dict(d.v_map.items()) == {"k": 1} and list(d.v_array) == [1, 2]
    assert d.v_i64 == 3 and d.v_str == "hello"
    assert Derived.__match_args__[:2] == ("v_map", "v_array")
    with pytest.raises(TypeError, match="missing required argument: 'v_array'"):
        Derived({"k": 1})
    with pytest.raises(TypeError, match="unexpected keyword"):
        Derived({}, [], nope=1)


def test_c_class_with_ffi_init_accepts_keywords():
    @dataclasses.c_class("testing.TestIntPair", eq=True, unsafe_hash=True, order=True)
    class Pair(Object):
        a: int
        b: int

    p = Pair(b=2, a=1)
    assert (p.a, p.b, p.sum()) == (1, 2, 3)
    assert repr(p) == "testing.TestIntPair(a=1, b=2)"
    assert Pair(1, 2) == p and Pair(1, 3) != p
    assert hash(Pair(1, 2)) == hash(p)
    assert Pair(1, 2) < Pair(1, 3) < Pair(2, 0)


def test_c_class_frozen_refuses_python_setters():
    @dataclasses.c_class("testing.TestObjectBase", frozen=True)
    class FrozenBase(Object):
        v_i64: int
        v_f64: float
        v_str: str

    b = FrozenBase(v_i64=4)
    with pytest.raises(AttributeError, match="read-only"):
        b.v_i64 = 5
    with pytest.raises(AttributeError, match="read-only"):
        b.v_str = "no"
    r = dataclasses.replace(b, v_i64=6, v_f64=1.5)
    assert (r.v_i64, r.v_f64, b.v_i64) == (6, 1.5, 4)


def test_c_class_fields_reflect_cpp_defaults():
    @dataclasses.c_class("testing.TestObjectDerived")
    class Derived(Object):
        v_map: Any
        v_array: Any

    fs = dataclasses.fields(Derived)
    assert [f.name for f in fs] == ["v_i64", "v_f64", "v_str", "v_map", "v_array"]
    assert [f.default for f in fs[:3]] == [10, 10.0, "hello"]
    assert fs[3].default is MISSING
    assert fs[1].frozen and not fs[0].frozen  # v_f64 is read-only in C++


def test_c_class_copy_and_deepcopy():
    @dataclasses.c_class("testing.TestObjectDerived")
    class Derived(Object):
        v_map: Any
        v_array: Any

    inner = Link(1)
    d = Derived({"k": inner}, [inner, 2], v_f64=3.0)
    c = copy.copy(d)
    assert c is not d and c.v_array is d.v_array and c.v_f64 == 3.0
    e = copy.deepcopy(d)
    assert e is not d and e.v_array is not d.v_array and e.v_f64 == 3.0
    assert e.v_array[0] is not inner and e.v_array[0] is e.v_map["k"]
    assert e.v_array[0].value == 1


def test_c_class_asdict():
    @dataclasses.c_class("testing.TestObjectDerived")
    class Derived(Object):
        v_map: Any
        v_array: Any

    d = dataclasses.asdict(Derived({"k": [1]}, [Link(2)]))
    assert d == {"v_i64": 10, "v_f64": 10.0, "v_str": "hello", "v_map": {"k": [1]},
                 "v_array": [{"value": 2, "next": None}]}


def test_c_class_init_false_and_user_methods():
    @dataclasses.c_class("testing.TestIntPair", init=False)
    class Pair(Object):
        a: int
        b: int

        def double(self):
            return 2 * self.sum()

    with pytest.raises(TypeError, match="cannot be constructed directly"):
        Pair(1, 2)
    info = tvm_ffi_hpy.core._ffi.type_info(Pair.__tvm_ffi_type_index__)
    ctor = info.constructor
    q = ctor(3, 4)  # made by the core: wrapped in the registered class
    assert type(q) is Pair and q.double() == 14
    assert type(copy.copy(q)) is Pair and copy.copy(q).a == 3


def test_c_class_rejects_unknown_type():
    with pytest.raises(ValueError, match="no type"):
        @dataclasses.c_class("testing.NoSuchType")
        class Nope(Object):
            pass


def test_string_annotations_kw_only_and_classvar():
    source = (
        "from __future__ import annotations\n"
        "from typing import ClassVar\n"
        "from tvm_ffi_hpy.dataclasses import KW_ONLY, Object, py_class\n"
        "@py_class(%r)\n"
        "class Lazy(Object):\n"
        "    n: ClassVar[int] = 1\n"
        "    a: int\n"
        "    _: KW_ONLY\n"
        "    b: int = 2\n" % key("Lazy"))
    namespace = {"__name__": __name__}
    exec(source, namespace)
    Lazy = namespace["Lazy"]
    assert [f.name for f in dataclasses.fields(Lazy)] == ["a", "b"]
    assert Lazy.n == 1 and Lazy(1, b=3).b == 3
    with pytest.raises(TypeError, match="positional"):
        Lazy(1, 3)
