"""py_class construction and field descriptors: FFIProperty, MISSING,
__init__'s order and signature, __ffi_init__, init_property, mixins,
method, and the __ffi_eq__/__ffi_hash__/__ffi_compare__/__ffi_repr__ hooks."""
import copy
import inspect
import itertools
from typing import ClassVar

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import core, dataclasses
from tvm_ffi_hpy.dataclasses import KW_ONLY, Object, field, fields, init_property, py_class

_counter = itertools.count()


def key(name):
    return "test_py_class_init.%s_%d" % (name, next(_counter))


# ---------------------------------------------------------------------------
# FFIProperty and MISSING
# ---------------------------------------------------------------------------
def test_fields_are_ffi_properties():
    @py_class(key("Pt"))
    class Pt(Object):
        x: int
        y: int = field(default=0, frozen=True)

    assert isinstance(Pt.__dict__["x"], core.FFIProperty)
    assert isinstance(Pt.__dict__["x"], property)
    assert Pt.__dict__["x"].fset is not None
    assert Pt.__dict__["y"].fset is None  # frozen: no setter
    p = Pt(1, 2)
    p.x = 5
    with pytest.raises(AttributeError):
        p.y = 3
    with pytest.raises(AttributeError):
        del p.x
    Pt.y.set(p, 9)  # the escape hatch writes a frozen field
    assert (p.x, p.y) == (5, 9)


def test_frozen_class_escape_hatch_and_copies_stay_frozen():
    @py_class(key("Fz"), frozen=True)
    class Fz(Object):
        a: int

        def __post_init__(self):
            type(self).a.set(self, self.a * 2)

    f = Fz(4)
    assert f.a == 8
    for other in (copy.copy(f), copy.deepcopy(f), f.__replace__(a=1)):
        with pytest.raises(AttributeError):
            other.a = 0
    assert f.__replace__(a=1).a == 1  # replace does not run __post_init__


def test_missing_is_one_object():
    assert core.MISSING is dataclasses.MISSING
    assert repr(core.MISSING) == "<MISSING>"
    assert copy.deepcopy(core.MISSING) is core.MISSING


# ---------------------------------------------------------------------------
# __init__: order, signature, errors
# ---------------------------------------------------------------------------
def test_required_fields_come_first_in_each_group():
    @py_class(key("Mixed"))
    class Mixed(Object):
        a: int = 0
        b: int
        _: KW_ONLY
        c: int = 10
        d: int

    sig = inspect.signature(Mixed.__init__)
    assert list(sig.parameters) == ["self", "b", "a", "d", "c"]
    assert sig.parameters["a"].default is core.MISSING
    assert sig.parameters["b"].default is inspect.Parameter.empty
    assert sig.parameters["d"].kind is inspect.Parameter.KEYWORD_ONLY
    m = Mixed(2, d=4)
    assert (m.a, m.b, m.c, m.d) == (0, 2, 10, 4)
    assert [f.name for f in fields(Mixed)] == ["a", "b", "c", "d"]
    assert Mixed(2, core.MISSING, d=4).a == 0  # MISSING: the default


def test_init_errors_name_the_type():
    @py_class(key("Err"))
    class Err(Object):
        a: int
        _: KW_ONLY
        k: int

    with pytest.raises(TypeError, match=r"__ffi_init__\(\) missing required argument: 'a'"):
        Err(k=1)
    with pytest.raises(TypeError, match="missing required keyword-only argument: 'k'"):
        Err(1)
    with pytest.raises(TypeError, match="takes at most 1 positional argument"):
        Err(1, 2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Err(1, k=1, z=2)
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        Err(1, a=1, k=1)


def test_init_false_class_message():
    @py_class(key("NoInit"), init=False)
    class NoInit(Object):
        x: int = 0

    with pytest.raises(TypeError, match="`NoInit` cannot be constructed directly"):
        NoInit()


def test_user_init_calls_ffi_init():
    calls = []

    @py_class(key("User"))
    class User(Object):
        a: int
        b: int = 3

        def __init__(self, a):
            self.__ffi_init__(a, b=a + 1)

        def __post_init__(self):
            calls.append("post")  # not run: the body __init__ replaces the generated one

    u = User(5)
    assert (u.a, u.b) == (5, 6)
    assert calls == []
    assert list(inspect.signature(User.__ffi_init__).parameters) == ["self", "a", "b"]


def test_fields_not_given_start_at_zero():
    @py_class(key("Zero"), init=False)
    class Zero(Object):
        i: int
        f: float
        b: bool
        o: object

        def __init__(self):
            pass

    z = Zero()
    assert (z.i, z.f, z.b, z.o) == (0, 0.0, False, None)
    assert type(z.f) is float and type(z.b) is bool


def test_super_init_with_arguments_sets_the_parents_fields():
    @py_class(key("Parent"))
    class Parent(Object):
        x: int

    @py_class(key("Child"), init=False)
    class Child(Parent):
        y: str

        def __init__(self, x, y):
            super().__init__(x)
            self.y = y

    c = Child(3, "s")
    assert (c.x, c.y, type(c)) == (3, "s", Child)


def test_string_annotations_are_resolved():
    @py_class(key("Ann"))
    class Ann(Object):
        a: "int"
        b: "str" = "x"
        c: "NotDefinedAnywhere" = None  # noqa: F821 (kept as the string)

    assert [f.type for f in fields(Ann)] == [int, str, "NotDefinedAnywhere"]
    info = Ann.__tvm_ffi_type_info__
    assert info.fields[1].dataclass_field is fields(Ann)[1]


def test_every_call_shape_builds_the_same_object():
    """__init__ builds the common call (all fields positionally, in order, on
    the class itself) in its own frame (_py_init.make_init): it must agree
    with __ffi_init__'s general path field by field, converters, their
    errors and __post_init__ included."""
    seen = []

    def to_int(v):
        return int(v)

    @py_class(key("Shapes"))
    class Shapes(Object):
        n: int = field(converter=to_int)
        s: str
        v: object

        def __post_init__(self):
            seen.append((type(self).__name__, self.n, self.s))

    @py_class(key("ShapesSub"))
    class Sub(Shapes):  # three of four fields given: the general path
        w: int = 9

    payload = [1, 2]
    built = [Shapes("4", "x", payload),                # the common call
             Shapes(n="4", s="x", v=payload),          # keywords: the general path
             Shapes("4", "x", v=payload),
             Sub("4", "x", payload)]                   # a subclass: the general path
    for obj in built:
        assert (obj.n, obj.s, list(obj.v)) == (4, "x", [1, 2])
    assert built[3].w == 9 and Sub("4", "x", payload, 3).w == 3  # the last: Sub's common call
    seen.pop()
    assert seen == [("Shapes", 4, "x")] * 3 + [("Sub", 4, "x")]
    for make in (lambda: Shapes("four", "x", None), lambda: Shapes(n="four", s="x", v=None)):
        with pytest.raises(ValueError, match="four"):  # the converter's own error
            make()
    with pytest.raises(TypeError, match="field 's'"):  # a schema error names the field
        Shapes(1, 2, None)
    with pytest.raises(TypeError, match="field 's'"):
        Shapes(n=1, s=2, v=None)
    with pytest.raises(TypeError):
        Shapes(1, "x")  # too few: the general path reports it
    again = built[0]
    Shapes.__init__(again, "5", "y", None)  # built already: the fields are written
    assert (again.n, again.s, again.v) == (5, "y", None)


# ---------------------------------------------------------------------------
# init_property
# ---------------------------------------------------------------------------
def test_init_property_computed_once_and_stored():
    calls = []

    @py_class(key("Box"))
    class Box(Object):
        w: int
        h: int = 2

        @init_property
        def area(self):
            calls.append(1)
            return self.w * self.h

    b = Box(3)
    assert (b.area, b.area, len(calls)) == (6, 6, 1)
    assert [f.name for f in fields(Box)] == ["w", "h", "area"]
    area = fields(Box)[2]
    assert (area.init, area.compare) == (False, False)
    assert "area" not in inspect.signature(Box.__init__).parameters
    with pytest.raises(AttributeError):
        b.area = 1
    assert copy.copy(b).area == 6 and len(calls) == 1  # copies take the stored value


def test_init_property_inherited_and_overridden():
    order = []

    @py_class(key("P"))
    class P(Object):
        x: int = 1

        @init_property
        def first(self):
            order.append("P.first")
            return self.x + 100

        @init_property
        def value(self):
            order.append("P.value")
            return 1

    @py_class(key("C"))
    class C(P):
        @init_property
        def second(self):
            order.append("C.second")
            return self.first + 1

        @init_property
        def value(self):
            order.append("C.value")
            return 2

    c = C(x=5)
    assert (c.first, c.second, c.value) == (105, 106, 2)
    assert order == ["P.first", "C.value", "C.second"]
    assert [f.name for f in fields(C)] == ["x", "first", "value", "second"]


# ---------------------------------------------------------------------------
# Mixins
# ---------------------------------------------------------------------------
def test_mixin_bases_give_fields_and_methods():
    class Describe:
        def describe(self):
            return "%s:%d" % (type(self).__name__, self.total())

    @py_class(key("Node"))
    class Node(Object):
        x: int

    class BinOp(Node):  # not decorated: its annotations are fields of the py_class below
        kind: ClassVar[str] = "binop"
        lhs: int
        hidden: int = field(default=99, init=False)
        _: KW_ONLY
        rhs: int

    @py_class(key("Add"))
    class Add(Describe, BinOp):
        scale: int  # keyword-only: KW_ONLY in BinOp carries on

        def total(self):
            return self.lhs + self.rhs

    a = Add(0, 1, rhs=3, scale=2)
    assert (a.x, a.lhs, a.hidden, a.rhs, a.scale) == (0, 1, 99, 3, 2)
    assert a.describe() == "Add:4"
    assert Add.kind == "binop"
    assert [f.name for f in fields(Add)] == ["x", "lhs", "hidden", "rhs", "scale"]
    assert [f.name for f in Add.__tvm_ffi_type_info__.fields] == ["lhs", "hidden", "rhs", "scale"]
    with pytest.raises(TypeError):
        Add(0, 1, 2, rhs=3)


def test_mixin_field_redeclared_keeps_its_place():
    @py_class(key("Base"))
    class Base(Object):
        x: int

    class Mid(Base):
        a: int
        b: int

    @py_class(key("Leaf"))
    class Leaf(Mid):
        b: str
        c: int

    leaf = Leaf(x=0, a=1, b="two", c=3)
    assert [f.name for f in fields(Leaf)] == ["x", "a", "b", "c"]
    assert fields(Leaf)[2].type is str and leaf.b == "two"


def test_a_class_outside_object_is_refused():
    with pytest.raises(TypeError, match="must inherit from"):
        @py_class(key("Plain"))
        class Plain:
            x: int


# ---------------------------------------------------------------------------
# method
# ---------------------------------------------------------------------------
@pytest.mark.reenters_extension
@pytest.mark.allow_core_growth  # the reflected methods' Functions live with the class
def test_method_is_listed_in_type_info():
    @py_class(key("Labelled"))
    class Labelled(Object):
        x: int

        @tvm_ffi_hpy.method
        def label(self):
            return "N(%d)" % self.x

        @dataclasses.method
        @staticmethod
        def twice(v):
            return 2 * v

        def plain(self):
            return 0

    methods = {m.name: m for m in Labelled.__tvm_ffi_type_info__.methods}
    assert set(methods) == {"label", "twice"}
    assert methods["twice"].is_static and not methods["label"].is_static
    assert methods["label"].func(Labelled(7)) == "N(7)"
    assert methods["twice"].func(4) == 8
    assert Labelled(2).label() == "N(2)"


def test_method_refuses_classmethods_and_non_callables():
    with pytest.raises(TypeError, match="classmethod"):
        tvm_ffi_hpy.method(classmethod(lambda cls: None))
    with pytest.raises(TypeError, match="callable"):
        tvm_ffi_hpy.method(3)


# ---------------------------------------------------------------------------
# The class's own structural hooks
# ---------------------------------------------------------------------------
@pytest.mark.allow_core_growth  # the hooks become the core type's, for good
@pytest.mark.reenters_extension  # the core calls the hooks, which call fn_eq & co. back
def test_ffi_hooks_drive_eq_hash_order_repr():
    @py_class(key("Keyed"), eq=True, order=True, unsafe_hash=True)
    class Keyed(Object):
        key: int
        label: str

        def __ffi_eq__(self, other, fn_eq):
            return fn_eq(self.key, other.key)

        def __ffi_hash__(self, fn_hash):
            return fn_hash(self.key)

        def __ffi_compare__(self, other, fn_cmp):
            return fn_cmp(self.key, other.key)

        def __ffi_repr__(self, fn_repr):
            return "<Keyed %s>" % fn_repr(self.key)

    assert Keyed(1, "a") == Keyed(1, "b")
    assert Keyed(1, "a") != Keyed(2, "a")
    assert hash(Keyed(1, "a")) == hash(Keyed(1, "b"))
    assert Keyed(1, "z") < Keyed(2, "a") and Keyed(2, "a") >= Keyed(2, "b")
    assert repr(Keyed(3, "x")) == "<Keyed 3>"


def test_structural_eq_option_is_recorded():
    @py_class(key("Tree"), structural_eq="tree")
    class Tree(Object):
        x: int

    assert Tree.__tvm_ffi_structural_eq__ == "tree"


def test_field_keeps_converter_structural_eq_and_metadata():
    def conv(v):
        return int(v)

    meta = {"example.option": 1}
    f = field(converter=conv, structural_eq="ignore", metadata=meta)
    assert (f.converter, f.structural_eq, f.metadata) == (conv, "ignore", meta)
    assert f.metadata is not meta  # a copy

    @py_class(key("Conv"))
    class Conv(Object):
        n: int = field(default="7", converter=conv)

    assert Conv().n == 7 and Conv("12").n == 12
