"""structural_equal / structural_hash / get_first_structural_mismatch /
StructuralKey: kinds, free vars, definition regions, mismatch paths
(core/src/structural_equal.cc, docs/structural.md)."""
import itertools

import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import (Array, Dict, List, Map, Shape, StructuralKey,
                         get_first_structural_mismatch, structural_equal, structural_hash)
from tvm_ffi_hpy.access_path import AccessKind
from tvm_ffi_hpy.dataclasses import Object, field, py_class

_counter = itertools.count()


def key(name):
    return "test_structural_equal.%s_%d" % (name, next(_counter))


@py_class(key("Var"), structural_eq="var")
class Var(Object):
    name: str = field(structural_eq="ignore")


@py_class(key("Lit"))  # "tree" by default
class Lit(Object):
    value: int


@py_class(key("Lambda"))
class Lambda(Object):
    params: list = field(structural_eq="def")
    body: object
    note: str = field(structural_eq="ignore", default="")


@py_class(key("Let"))
class Let(Object):
    var: Var = field(structural_eq="def-simple")
    value: object
    body: object


@py_class(key("Node"), structural_eq="dag")
class Node(Object):
    value: int


@py_class(key("Const"), structural_eq="const-tree")
class Const(Object):
    value: int


@py_class(key("Token"), structural_eq="singleton")
class Token(Object):
    value: int


@py_class(key("Opaque"), structural_eq=None)
class Opaque(Object):
    value: int


def steps(path):
    return [(s.kind, s.key) for s in path._to_steps()]


# --- values ----------------------------------------------------------------

def test_values_by_kind_and_content():
    assert structural_equal([1, "a", b"b", None, 2.5], Array([1, "a", b"b", None, 2.5]))
    assert not structural_equal(1, 1.0)
    assert not structural_equal(1, True)
    assert not structural_equal("a", b"a")
    assert structural_equal(float("nan"), float("nan"))
    assert not structural_equal(0.0, -0.0)
    assert structural_hash(float("nan")) == structural_hash(float("nan"))
    assert structural_equal(2 ** 80, 2 ** 80) and not structural_equal(2 ** 80, 2 ** 80 + 1)
    assert structural_equal("x" * 100, "x" * 100)  # object strings, not small ones
    assert structural_equal(Shape((2, 3)), Shape((2, 3)))
    assert not structural_equal(Shape((2, 3)), Shape((3, 2)))
    assert structural_equal(ffi.dtype("float32"), ffi.dtype("float32"))
    assert not structural_equal(ffi.dtype("float32"), ffi.dtype("float16"))


def test_containers():
    assert structural_equal({"a": [1, 2], "b": {"c": 3}}, {"b": {"c": 3}, "a": [1, 2]})
    assert structural_hash({"a": 1, "b": 2}) == structural_hash({"b": 2, "a": 1})
    assert not structural_equal({"a": 1}, {"a": 2})
    assert not structural_equal(Map({"a": 1}), Dict({"a": 1}))  # different types
    assert not structural_equal(Array([1]), List([1]))
    assert structural_equal(List([1, [2]]), List([1, [2]]))
    assert structural_hash([1, 2]) != structural_hash([2, 1])


def test_hash_is_unsigned_64_bit_and_stable():
    h = structural_hash([1, "a", {"k": 2.5}])
    assert 0 <= h < 2 ** 64
    assert h == structural_hash([1, "a", {"k": 2.5}])


# --- kinds -----------------------------------------------------------------

def test_tree_compares_fields_and_skips_ignored():
    assert structural_equal(Lit(1), Lit(1))
    assert structural_hash(Lit(1)) == structural_hash(Lit(1))
    assert not structural_equal(Lit(1), Lit(2))
    x = Var("x")
    assert structural_equal(Lambda([x], x, note="a"), Lambda([x], x, note="b"))


def test_unsupported_kind_is_type_error():
    with pytest.raises(TypeError, match="structural"):
        structural_equal(Opaque(1), Opaque(1))
    o = Opaque(1)
    with pytest.raises(TypeError, match="structural"):
        structural_equal(o, o)
    with pytest.raises(TypeError, match="structural"):
        structural_hash(o)
    with pytest.raises(TypeError):
        get_first_structural_mismatch([o], [o])


def test_invalid_kind_names():
    with pytest.raises(ValueError, match="structural_eq"):
        py_class(structural_eq="graph")


def test_kind_reaches_the_core():
    kind_of = ffi.get_global_func("ffi.TypeGetStructuralEqHashKind")
    assert kind_of(Var.__tvm_ffi_type_index__) == "var"
    assert kind_of(Lit.__tvm_ffi_type_index__) == "tree"
    assert kind_of(Node.__tvm_ffi_type_index__) == "dag"
    assert kind_of(Opaque.__tvm_ffi_type_index__) == "unsupported"
    with pytest.raises(ValueError, match="kind must be"):
        ffi.get_global_func("ffi.TypeSetStructuralEqHashKind")(Lit.__tvm_ffi_type_index__, 9)
    with pytest.raises(ValueError, match="no object type"):
        ffi.get_global_func("ffi.TypeSetStructuralEqHashKind")(1, 1)


def test_const_tree_and_singleton():
    c = Const(1)
    assert structural_equal(c, c) and structural_equal(Const(1), Const(1))
    assert not structural_equal(Const(1), Const(2))
    t = Token(1)
    assert structural_equal(t, t)
    assert not structural_equal(Token(1), Token(1))  # identity only
    assert structural_hash(t) == structural_hash(t)


def test_dag_sharing_must_correspond():
    a, b = Node(1), Node(1)
    assert structural_equal([a, a], [b, b])
    assert structural_hash([a, a]) == structural_hash([b, b])
    c, d = Node(1), Node(1)
    assert not structural_equal([a, a], [c, d])
    assert not structural_equal([c, d], [a, a])  # the reverse direction too
    assert structural_hash([a, a]) != structural_hash([c, d])
    assert structural_equal([a, b], [c, d])


# --- free vars and definition regions --------------------------------------

def test_free_vars():
    x, y = Var("x"), Var("y")
    assert structural_equal(x, x)
    assert not structural_equal(x, y)
    assert structural_equal(x, y, map_free_vars=True)
    assert structural_hash(x) != structural_hash(y)
    assert structural_hash(x, map_free_vars=True) == structural_hash(y, map_free_vars=True)
    # once mapped, a var stays mapped: [x, x] vs [x, y] differs
    assert not structural_equal([x, x], [x, y], map_free_vars=True)
    assert not structural_equal([x, y], [y, y], map_free_vars=True)


def test_def_region_alpha_equivalence():
    x, y, a, b = Var("x"), Var("y"), Var("a"), Var("b")
    f = Lambda([x, y], [x, y])
    assert structural_equal(f, Lambda([a, b], [a, b]))
    assert structural_hash(f) == structural_hash(Lambda([a, b], [a, b]))
    assert not structural_equal(f, Lambda([a, b], [b, a]))
    assert not structural_equal(Lambda([x, y], [x, x]), Lambda([a, b], [a, b]))
    # a var used without being defined is itself only
    assert not structural_equal(Lambda([x], [y]), Lambda([a], [b]))
    assert structural_equal(Lambda([x], [y]), Lambda([a], [y]))
    assert structural_hash(Lambda([x], [y])) == structural_hash(Lambda([a], [y]))
    assert structural_hash(Lambda([x], [y])) != structural_hash(Lambda([a], [b]))


# The dict's object keys are hashed by the extension's own tp_hash while the
# extension converts the dict: a nested call (see conftest.py).
@pytest.mark.reenters_extension
def test_nested_definitions_and_map_keys():
    x, y = Var("x"), Var("y")
    assert structural_equal(Lambda([], Lambda([x], x)), Lambda([], Lambda([y], y)))
    # a defined var used as a map key is looked up as its partner
    assert structural_equal(Lambda([x], {x: 1}), Lambda([y], {y: 1}))
    assert not structural_equal(Lambda([x], {x: 1}), Lambda([y], {y: 2}))


def test_def_simple_region():
    x, y = Var("x"), Var("y")
    assert structural_equal(Let(x, 1, [x]), Let(y, 1, [y]))
    assert structural_hash(Let(x, 1, [x])) == structural_hash(Let(y, 1, [y]))
    assert not structural_equal(Let(x, 1, [x]), Let(y, 1, [x]))


# --- mismatch paths --------------------------------------------------------

def test_mismatch_paths():
    assert get_first_structural_mismatch([1, {"k": 2}], [1, {"k": 2}]) is None
    lhs, rhs = get_first_structural_mismatch([1, {"k": [2, 3]}], [1, {"k": [2, 4]}])
    assert steps(lhs) == steps(rhs) == [(AccessKind.ARRAY_ITEM, 1), (AccessKind.MAP_ITEM, "k"),
                                        (AccessKind.ARRAY_ITEM, 1)]
    lhs, rhs = get_first_structural_mismatch([1], [1, 2])
    assert steps(lhs) == [(AccessKind.ARRAY_ITEM_MISSING, 1)]
    assert steps(rhs) == [(AccessKind.ARRAY_ITEM, 1)]
    lhs, rhs = get_first_structural_mismatch({"a": 1}, {"b": 1})
    assert steps(lhs) == [(AccessKind.MAP_ITEM, "a")]
    assert steps(rhs) == [(AccessKind.MAP_ITEM_MISSING, "a")]
    lhs, rhs = get_first_structural_mismatch({"a": 1}, {"a": 1, "b": 2})
    assert steps(lhs) == [(AccessKind.MAP_ITEM_MISSING, "b")]
    assert steps(rhs) == [(AccessKind.MAP_ITEM, "b")]
    x, y = Var("x"), Var("y")
    lhs, rhs = get_first_structural_mismatch(Lambda([x], [x, Lit(1)]), Lambda([y], [y, Lit(2)]))
    assert steps(lhs) == [(AccessKind.ATTR, "body"), (AccessKind.ARRAY_ITEM, 1),
                          (AccessKind.ATTR, "value")]
    lhs, rhs = get_first_structural_mismatch(1, "1")
    assert steps(lhs) == steps(rhs) == []


# --- StructuralKey ---------------------------------------------------------

def test_structural_key_in_python_dict():
    k1 = StructuralKey({"a": [1, 2]})
    k2 = StructuralKey({"a": [1, 2]})
    k3 = StructuralKey({"a": [1, 3]})
    assert k1 == k2 and k1 != k3 and not (k1 == {"a": [1, 2]})
    assert k1.__hash__() == k2.__hash__() == structural_hash(k1.key)
    assert hash(k1) == hash(k2)
    d = {k1: "one", k3: "three"}
    assert d[k2] == "one" and d[k3] == "three"
    assert structural_equal(k1, k2)  # the key object itself is a tree
    with pytest.raises(TypeError):
        StructuralKey(Opaque(1))


def test_structural_key_in_core_maps():
    k1 = StructuralKey([1, {"a": 2}])
    k2 = StructuralKey([1, {"a": 2}])
    k3 = StructuralKey([1, {"a": 3}])
    m = Map({k1: "first", k2: "second", k3: "third"})
    assert len(m) == 2 and m[k1] == "second" and m[k3] == "third"
    d = Dict()
    d[k1] = 1
    d[k2] = 2
    assert len(d) == 1 and d[k1] == 2
    assert StructuralKey([1, {"a": 2}]) in m
    assert StructuralKey([9]) not in m
    # other object keys stay by identity
    a, b = Lit(1), Lit(1)
    assert len(Map({a: 1, b: 2})) == 2


# --- tensors, hooks, bad input ---------------------------------------------

def test_tensors():
    np = pytest.importorskip("numpy")
    a = ffi.from_dlpack(np.array([1.0, 2.0], dtype="float32"))
    b = ffi.from_dlpack(np.array([1.0, 3.0], dtype="float32"))
    c = ffi.from_dlpack(np.array([1.0, 2.0], dtype="float32"))
    assert structural_equal(a, c) and structural_hash(a) == structural_hash(c)
    assert not structural_equal(a, b)
    assert structural_equal(a, b, skip_tensor_content=True)
    assert structural_hash(a, skip_tensor_content=True) == structural_hash(
        b, skip_tensor_content=True)
    d = ffi.from_dlpack(np.array([1.0, 2.0], dtype="float64"))
    assert not structural_equal(a, d, skip_tensor_content=True)
    strided = ffi.from_dlpack(np.arange(8, dtype="float32")[::2])
    same_shape = ffi.from_dlpack(np.arange(4, dtype="float32"))
    with pytest.raises(ValueError, match="contiguous"):
        structural_equal(strided, same_shape)


@pytest.mark.allow_core_growth  # the hooks stay registered with their type
@pytest.mark.reenters_extension  # the hooks are Python code C++ calls, and they call back
def test_s_equal_and_s_hash_hooks():
    calls = []

    @py_class(key("Hooked"))
    class Hooked(Object):
        a: int
        b: int

        def __s_equal__(self, other, fn):
            calls.append("eq")
            return fn(self.a, other.a, 0, "a")  # b does not count

        def __s_hash__(self, init, fn):
            return fn(self.a, init, 0)

    assert structural_equal(Hooked(1, 2), Hooked(1, 3))
    assert not structural_equal(Hooked(1, 2), Hooked(2, 2))
    assert structural_hash(Hooked(1, 2)) == structural_hash(Hooked(1, 3))
    assert calls
    lhs, _ = get_first_structural_mismatch(Hooked(1, 2), Hooked(2, 2))
    assert steps(lhs) == [(AccessKind.ATTR, "a")]


@pytest.mark.allow_core_growth
@pytest.mark.reenters_extension  # the hook calls fn, a core function, from a callback
def test_bad_hooks_raise():
    @py_class(key("BadHook"))
    class BadHook(Object):
        a: int

        def __s_equal__(self, other, fn):
            return fn(self.a, other.a)  # too few arguments

    with pytest.raises(TypeError, match="4 arguments"):
        structural_equal(BadHook(1), BadHook(1))


def test_deep_nesting_is_recursion_error():
    nested = [0]
    for _ in range(6000):
        nested = [nested]
    deep = ffi.convert(nested)  # one conversion, one wrapper (PyPy frees a chain slowly)
    with pytest.raises(RecursionError, match="maximum nesting depth"):
        structural_equal(deep, deep)
    with pytest.raises(RecursionError, match="maximum nesting depth"):
        structural_hash(deep)
    with pytest.raises(RecursionError, match="maximum nesting depth"):
        get_first_structural_mismatch(deep, deep)


def test_functions_are_unsupported():
    f = ffi.get_global_func("ffi.StructuralHash")
    with pytest.raises(TypeError, match="ffi.Function"):
        structural_hash(f)
