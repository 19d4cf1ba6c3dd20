"""The core's structural functions (core/src/structural.cc, deep_copy.cc,
repr.cc): ffi.RecursiveEq / RecursiveLt / Le / Gt / Ge / Compare /
RecursiveHash, ffi.DeepCopy, ffi.ReprPrint and ffi.ReplaceFields; the
per-type hooks (C++ and Python); cycles, depth and bad input."""
import ast
import copy
import math
import struct

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, Object, Shape, testing
from tvm_ffi_hpy._ffi_api import (DeepCopy, RecursiveCompare, RecursiveEq, RecursiveGe,
                                  RecursiveGt, RecursiveHash, RecursiveLe, RecursiveLt,
                                  ReplaceFields, ReprPrint)
from tvm_ffi_hpy.dataclasses import Enum, auto, field, py_class

create_object = testing.create_object


def node(i64=0, name="n", v_map=None, v_array=()):
    return create_object("testing.TestObjectDerived", v_i64=i64, v_str=name,
                         v_map=Map(v_map or {}), v_array=Array(v_array))


def break_cycles(*nodes):
    """Cycles through C++ are never collected: undone before the leak check."""
    for n in nodes:
        n.v_array = Array([])
        n.v_map = Map({})


def nan_with_payload(payload):
    return struct.unpack(">d", struct.pack(">Q", 0x7FF8000000000000 | payload))[0]


def test_a_thread_with_a_small_stack_gets_recursion_error_not_a_crash():
    # 4,000 levels fit under the depth limit but not in a 512 KB stack: the
    # walks check the thread's real stack bounds (internal.h, WalkDepthGuard).
    import threading
    value = nested(4000)
    outcomes = []

    def walk():
        for func in (lambda: RecursiveHash(value), lambda: DeepCopy(value),
                     lambda: ReprPrint(value)):
            try:
                func()
                outcomes.append("ok")
            except RecursionError as err:
                outcomes.append(str(err))

    old = threading.stack_size(512 * 1024)
    try:
        thread = threading.Thread(target=walk)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old)
    assert len(outcomes) == 3
    assert all(o == "ok" or "stack is nearly full" in o for o in outcomes), outcomes
    assert any("stack is nearly full" in o for o in outcomes)


# ---------------------------------------------------------------------------
# Plain values
# ---------------------------------------------------------------------------
def test_numbers_are_three_kinds():
    assert RecursiveEq(1, 1) and not RecursiveEq(1, 2)
    assert not RecursiveEq(1, 1.0) and not RecursiveEq(1, True) and not RecursiveEq(0.0, False)
    assert len({RecursiveHash(1), RecursiveHash(1.0), RecursiveHash(True)}) == 3
    with pytest.raises(TypeError, match="different types: int vs float"):
        RecursiveLt(1, 1.0)
    assert RecursiveLt(-(2**63), 2**63 - 1) and RecursiveGt(2**63 - 1, -1)


def test_float_edge_values():
    assert RecursiveEq(-0.0, 0.0) and RecursiveHash(-0.0) == RecursiveHash(0.0)
    assert RecursiveLe(-0.0, 0.0) and not RecursiveLt(-0.0, 0.0)
    a, b = nan_with_payload(1), nan_with_payload(2)
    assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b)
    assert not RecursiveEq(math.nan, 1.0)
    with pytest.raises(TypeError, match="Cannot order NaN"):
        RecursiveLt(math.nan, 1.0)
    with pytest.raises(TypeError, match="Cannot order NaN"):
        RecursiveGe(Array([1.0, math.nan]), Array([1.0, math.nan]))
    assert RecursiveLt(-math.inf, math.inf)


def test_none_orders_first_and_equals_only_itself():
    assert RecursiveEq(None, None) and not RecursiveEq(None, 0)
    assert RecursiveLt(None, "s") and RecursiveGt(3, None) and RecursiveLe(None, None)
    assert RecursiveHash(None) != RecursiveHash(0)


@pytest.mark.parametrize("small,large", [("1234567", "12345678"), (b"1234567", b"12345678")])
def test_every_form_of_a_string_is_one_kind(small, large):
    # 7 bytes are stored inline, 8 in an object: equal content is equal.
    assert RecursiveEq(small, type(small)(small)) and RecursiveLt(small, large)
    boxed = Array([large])[0]
    assert RecursiveEq(large, boxed) and RecursiveHash(large) == RecursiveHash(boxed)
    assert not RecursiveEq("abc", b"abc")
    with pytest.raises(TypeError):
        RecursiveLt("abc", b"abc")


def test_strings_order_by_unsigned_bytes():
    assert RecursiveLt("a\x00b", "a\x00c") and RecursiveLt(b"\x00", b"\xff")
    assert RecursiveLt("z", "\u00e9")  # 0x7a < 0xc3 (UTF-8 of e-acute)


# ---------------------------------------------------------------------------
# Containers and objects
# ---------------------------------------------------------------------------
def test_shapes_and_arrays_compare_item_by_item():
    assert RecursiveEq(Shape((2, 3)), Shape((2, 3))) and RecursiveLt(Shape((2, 3)), Shape((2, 4)))
    assert RecursiveLt(Shape((2,)), Shape((2, 0)))
    assert RecursiveEq(Array([1, [2, "x"]]), Array([1, [2, "x"]]))
    assert RecursiveLt(Array([1, 2]), Array([1, 2, 0])) and RecursiveGt(Array([2]), Array([1, 9]))
    assert not RecursiveEq(Array([1, 2]), Shape((1, 2)))
    assert RecursiveHash(Array([1, 2])) != RecursiveHash(Array([2, 1]))


def test_maps_equal_by_content_and_hash_in_any_order():
    a = Map({"x": 1, "y": Array([2])})
    b = Map({"y": Array([2]), "x": 1})
    assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b)
    assert RecursiveLe(a, b) and RecursiveGe(a, b) and not RecursiveLt(a, b)
    assert not RecursiveEq(a, Map({"x": 1}))
    assert RecursiveHash(Map({"a": 0, "b": 1})) != RecursiveHash(Map({"a": 1, "b": 0}))
    with pytest.raises(TypeError, match="Cannot order Map"):
        RecursiveLt(Map({"x": 1}), Map({"x": 2}))


def test_map_keys_must_be_the_same_kind():
    # The Map finds the key 1 under True (one key for Python too), but the
    # structural functions see an int and a bool: unequal, as their hashes.
    a, b = Map({1: "v"}), Map({True: "v"})
    assert not RecursiveEq(a, b)
    assert RecursiveEq(a, Map({1: "v"})) and RecursiveHash(a) == RecursiveHash(Map({1: "v"}))


def test_reflected_fields_and_their_flags():
    assert RecursiveEq(testing.TestIntPair(1, 2), testing.TestIntPair(1, 2))
    assert RecursiveLt(testing.TestIntPair(1, 9), testing.TestIntPair(2, 0))
    # TestCompare.ignored_field is CompareOff (so also left out of the hash).
    a, b = testing.TestCompare(1, "x", 100), testing.TestCompare(1, "x", 999)
    assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b)
    # TestHash.hash_ignored is HashOff only: compared, not hashed.
    c, d = testing.TestHash(1, "x", 100), testing.TestHash(1, "x", 999)
    assert not RecursiveEq(c, d) and RecursiveHash(c) == RecursiveHash(d)
    with pytest.raises(TypeError, match="testing.TestIntPair vs testing.TestCompare"):
        RecursiveLt(testing.TestIntPair(1, 2), a)
    assert not RecursiveEq(testing.TestIntPair(1, 2), a)


def test_objects_without_fields_are_all_equal():
    f, g = tvm_ffi_hpy.get_global_func("testing.add_one"), tvm_ffi_hpy.get_global_func("testing.nop")
    assert RecursiveEq(f, g) and RecursiveHash(f) == RecursiveHash(g)
    assert RecursiveCompare(f, g) == 0


def test_cxx_hooks():
    a, b = testing.TestCustomCompare(1, "zzz"), testing.TestCustomCompare(1, "aaa")
    assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b) and RecursiveLe(a, b)
    assert RecursiveLt(testing.TestCustomCompare(1, "z"), testing.TestCustomCompare(2, "a"))
    # __ffi_eq__ without __ffi_compare__: ordering uses the fields.
    e, f = testing.TestEqWithoutHash(4, "a"), testing.TestEqWithoutHash(4, "b")
    assert RecursiveEq(e, f) and RecursiveLt(e, f)
    with pytest.raises(ValueError, match="__ffi_eq__ or __ffi_compare__ but not __ffi_hash__"):
        RecursiveHash(Array([e]))


# ---------------------------------------------------------------------------
# Python hooks
# ---------------------------------------------------------------------------
@py_class("testing.structural.Keyed", eq=True, order=True, unsafe_hash=True)
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


@py_class("testing.structural.CompareOnly")
class CompareOnly(Object):
    key: int
    label: str

    def __ffi_compare__(self, other, fn_cmp):
        return fn_cmp(self.key, other.key)

    def __ffi_hash__(self, fn_hash):
        return fn_hash(self.key)


class HookError(Exception):
    pass


@py_class("testing.structural.Raising")
class Raising(Object):
    x: int

    def __ffi_eq__(self, other, fn_eq):
        raise HookError("eq hook failed for %d" % self.x)

    def __ffi_hash__(self, fn_hash):
        raise HASH_ERROR

    def __ffi_repr__(self, fn_repr):
        raise HookError("repr hook failed")


HASH_ERROR = HookError("hash hook failed")


@py_class("testing.structural.Keeper")
class Keeper(Object):
    x: int

    def __ffi_hash__(self, fn_hash):
        Keeper.kept = fn_hash
        return 1


@pytest.mark.reenters_extension
def test_python_hooks_are_the_core_types_hooks():
    a, b = Keyed(1, "a"), Keyed(1, "b")
    assert RecursiveEq(a, b) and a == b and hash(a) == hash(b)
    assert RecursiveHash(Array([a])) == RecursiveHash(Array([b]))
    assert Keyed(1, "z") < Keyed(2, "a") and RecursiveLt(Keyed(1, "z"), Keyed(2, "a"))
    assert ReprPrint(Array([a])) == "(<Keyed 1>,)" and repr(a) == "<Keyed 1>"
    # the C++ API sees them too
    eq, same_hash, text, _, cmp = tvm_ffi_hpy.get_global_func("testing.structural_via_cpp")(a, b)
    assert eq and same_hash and text == "<Keyed 1>" and cmp == 0


@pytest.mark.reenters_extension
def test_a_compare_hook_also_decides_equality():
    a, b, c = CompareOnly(1, "a"), CompareOnly(1, "b"), CompareOnly(2, "a")
    assert RecursiveEq(a, b) and not RecursiveEq(a, c)
    assert RecursiveLe(a, b) and RecursiveLt(b, c) and RecursiveGt(c, a)
    assert RecursiveEq(Map({"k": Array([a])}), Map({"k": Array([b])}))


@pytest.mark.reenters_extension
def test_a_raising_hook_raises_its_own_exception():
    a, b = Raising(1), Raising(2)
    with pytest.raises(HookError, match="eq hook failed for 1") as info:
        RecursiveEq(Array([a]), Array([b]))
    assert type(info.value) is HookError
    try:
        with pytest.raises(HookError, match="hash hook failed") as info:
            RecursiveHash(Map({"k": a}))
        assert info.value is HASH_ERROR  # the very exception, through C++
    finally:
        HASH_ERROR.__traceback__ = None  # its frames hold this test's objects
        del info
    with pytest.raises(HookError, match="repr hook failed"):
        repr(Array([a]))
    assert RecursiveEq(a, a)  # the same object: no hook needed


@pytest.mark.reenters_extension
def test_a_hook_function_kept_past_its_call_refuses_to_run():
    RecursiveHash(Keeper(1))
    with pytest.raises(RuntimeError, match="fn_hash was called after"):
        Keeper.kept(1)
    del Keeper.kept


@pytest.mark.allow_core_growth  # the hook becomes the core type's, for good
@pytest.mark.reenters_extension
def test_a_hook_returning_the_wrong_type_is_a_type_error():
    @py_class("testing.structural.BadHook")
    class BadHook(Object):
        x: int

        def __ffi_hash__(self, fn_hash):
            return "not an int"

        def __ffi_repr__(self, fn_repr):
            return 42

    with pytest.raises(TypeError, match="__ffi_hash__ must return an int"):
        RecursiveHash(BadHook(1))
    with pytest.raises(TypeError, match="__ffi_repr__ must return a str"):
        ReprPrint(BadHook(1))


class Plain:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return isinstance(other, Plain) and self.v == other.v

    def __hash__(self):
        return hash(self.v)

    def __repr__(self):
        return "Plain(%d)" % self.v


def test_python_objects_inside_compare_print_and_copy_as_python_does():
    a, b = Array([Plain(1)]), Array([Plain(1)])
    assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b)
    assert not RecursiveEq(a, Array([Plain(2)]))
    assert ReprPrint(a) == "(Plain(1),)"
    c = DeepCopy(a)
    assert c[0] == a[0] and c[0] is not a[0]


# ---------------------------------------------------------------------------
# Cycles and depth
# ---------------------------------------------------------------------------
def test_cycles_compare_hash_print_and_copy():
    a, b = node(1), node(1)
    a.v_array, b.v_array = Array([a]), Array([b])
    try:
        assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b)
        with pytest.raises(ValueError, match="cyclic reference"):
            RecursiveLt(a, b)
        assert RecursiveEq(a, a) and not RecursiveLt(a, a)  # the same object: no walk
        assert ReprPrint(a) == ('testing.TestObjectDerived(v_i64=1, v_f64=10, v_str="n", '
                                'v_map={}, v_array=(...,))')
        c = DeepCopy(a)
        assert c is not a and c.v_array[0] is c and a.v_array[0] is a
    finally:
        break_cycles(a, b, c)


def test_repr_with_addresses(monkeypatch):
    monkeypatch.setenv("TVM_FFI_REPR_WITH_ADDR", "1")
    a = node(2)
    a.v_array = Array([a])
    try:
        addr = "%#x" % a.__chandle__()
        text = ReprPrint(a)
        assert text.startswith("testing.TestObjectDerived@%s(" % addr)
        assert "v_array=(...@%s,)@0x" % addr in text
    finally:
        break_cycles(a)
    monkeypatch.setenv("TVM_FFI_REPR_WITH_ADDR", "0")
    assert ReprPrint(Array([1])) == "(1,)"


def nested(depth, leaf=0):
    """Arrays nested `depth` deep, made in one conversion (one wrapper: on
    PyPy a chain of wrappers would be released one link per collection)."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return tvm_ffi_hpy.convert(value)


def test_deep_nesting_works_and_too_deep_is_an_error():
    a, b = nested(1000), nested(1000)
    assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b)
    assert ReprPrint(nested(3)) == "(((0,),),)"
    too_deep = nested(6000)
    for func in (lambda: RecursiveEq(too_deep, nested(6000)), lambda: RecursiveHash(too_deep),
                 lambda: ReprPrint(too_deep), lambda: DeepCopy(too_deep)):
        with pytest.raises(RecursionError, match="maximum nesting depth"):
            func()


# ---------------------------------------------------------------------------
# DeepCopy
# ---------------------------------------------------------------------------
def test_deep_copy_makes_new_objects_and_keeps_sharing():
    shared = testing.TestIntPair(7, 8)
    inner = Array([1, 2])
    obj = node(3, v_map={"p": shared, "arr": inner}, v_array=[shared, inner, "x" * 20])
    c = DeepCopy(obj)
    assert c is not obj and type(c) is type(obj) and RecursiveEq(c, obj)
    assert c.v_array[0] is c.v_map["p"] and c.v_array[0] is not shared
    assert c.v_array[1] is c.v_map["arr"] and not c.v_array[1].same_as(inner)
    assert c.v_array[0].a == 7 and c.v_array[2] == "x" * 20
    assert copy.deepcopy(obj).v_array[0] is not shared  # copy.deepcopy is DeepCopy
    assert DeepCopy(Shape((1, 2))) == (1, 2) and DeepCopy(None) is None
    assert DeepCopy(3.5) == 3.5 and DeepCopy("s") == "s"


def test_deep_copy_refuses_what_cannot_be_copied():
    with pytest.raises(RuntimeError, match='"testing.TestNonCopyable" because it is not copy'):
        DeepCopy(Array([testing.TestNonCopyable(1)]))
    with pytest.raises(RuntimeError, match="ffi.Function"):
        DeepCopy(Array([tvm_ffi_hpy.get_global_func("testing.nop")]))
    with pytest.raises(TypeError, match="does not support copy"):
        copy.copy(testing.TestNonCopyable(1))


@pytest.mark.allow_core_growth  # enum variants live as long as their class
def test_deep_copy_keeps_enum_variants_and_copies_py_classes():
    class Color(Enum, type_key="testing.structural.Color"):
        red = auto()

    @py_class("testing.structural.Holder")
    class Holder(Object):
        color: object
        items: object = field(default=None, repr=False)

    h = Holder(Color.red, [1, [2]])
    c = DeepCopy(h)
    assert c is not h and c.color is Color.red
    assert list(c.items[1]) == [2] and not c.items.same_as(h.items)
    assert repr(h) == "testing.structural.Holder(color=%s)" % ReprPrint(Color.red)


def test_replace_fields_copies_then_sets():
    p = testing.TestIntPair(3, 4)
    q = ReplaceFields(p, "a", 10)  # a read-only field: set on the copy
    assert (q.a, q.b, p.a) == (10, 4, 3) and q is not p
    assert p.__replace__(b=1).b == 1
    with pytest.raises(TypeError, match="has no field 'c'"):
        ReplaceFields(p, "c", 1)
    with pytest.raises(TypeError, match="does not support copy"):
        ReplaceFields(testing.TestNonCopyable(1))


# ---------------------------------------------------------------------------
# ReprPrint
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("value,text", [
    (None, "None"), (True, "True"), (-7, "-7"), (3.14, "3.14"), (0.0, "0"), (1e10, "1e+10"),
    (1 / 3, "0.333333"), ("hi", '"hi"'), (b"a\x00\"", 'b"a\\x00\\x22"'),
    (Array([]), "()"), (Array([1]), "(1,)"), (Map({}), "{}"), (Shape((5, 6)), "Shape(5, 6)"),
    (Map({"k": Array([None, False])}), '{"k": (None, False)}'),
    (testing.TestIntPair(1, 2), "testing.TestIntPair(a=1, b=2)"),
])
def test_repr_print_formats(value, text):
    assert ReprPrint(value) == text


@pytest.mark.parametrize("s", ['a"b', "a\\b", "a\nb\rc\td", "\x1b\x7f", "a\x00b", "\u00e9\u65e5",
                               "\U0001F600"])
def test_repr_print_strings_are_python_literals(s):
    assert ast.literal_eval(ReprPrint(s)) == s
    assert ast.literal_eval(ReprPrint(Array([s]))) == (s,)


def test_repr_leaves_out_repr_off_fields_and_prints_the_key_alone():
    obj = testing._TestCxxClassDerived(1, 2, 3.5, 4.5)  # v_i64, v_i32 are ReprOff
    assert ReprPrint(obj) == "testing.TestCxxClassDerived(v_f64=3.5, v_f32=4.5)"
    assert ReprPrint(testing._TestCxxClassBase(v_i64=1, v_i32=2)) == "testing.TestCxxClassBase"
    assert ReprPrint(tvm_ffi_hpy.get_global_func("testing.nop")) == "ffi.Function"


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("func,args", [
    (RecursiveEq, (1,)), (RecursiveLt, (1, 2, 3)), (RecursiveHash, ()), (DeepCopy, (1, 2)),
    (ReprPrint, ()), (ReplaceFields, ()), (ReplaceFields, (1, "a", 2)),
    (ReplaceFields, (testing.TestIntPair(1, 2), "a")),
    (ReplaceFields, (testing.TestIntPair(1, 2), 5, 1)),
])
def test_bad_arguments_are_type_errors(func, args):
    with pytest.raises(TypeError):
        func(*args)


def test_type_register_attr_refuses_bad_input():
    register = tvm_ffi_hpy.get_global_func("ffi.TypeRegisterAttr")
    with pytest.raises(ValueError, match="unknown type index"):
        register(10**6, "__ffi_repr__", None)
    with pytest.raises(TypeError):
        register("testing.TestIntPair", "__ffi_repr__", None)
    with pytest.raises(TypeError):
        register(1, 2, None)


def test_the_cpp_api_agrees_with_the_globals():
    via_cpp = tvm_ffi_hpy.get_global_func("testing.structural_via_cpp")
    a, b = Array([1, "x"]), Array([1, "y"])
    eq, same_hash, text, copied, cmp = via_cpp(a, b)
    assert (eq, same_hash, text, cmp) == (False, False, '(1, "x")', -1)
    assert RecursiveEq(copied, a) and not copied.same_as(a)
    with pytest.raises(TypeError, match="different types"):
        via_cpp(1, "x")


def test_list_and_dict_are_walked_like_array_and_map():
    from tvm_ffi_hpy import Dict, List
    from tvm_ffi_hpy._ffi_api import DeepCopy, RecursiveEq, RecursiveHash
    a = List([1, Dict({"k": List([2])})])
    b = List([1, Dict({"k": List([2])})])
    assert RecursiveEq(a, b) and RecursiveHash(a) == RecursiveHash(b)
    assert not RecursiveEq(a, List([1, Dict({"k": List([3])})]))
    c = DeepCopy(a)
    assert type(c) is List and type(c[1]) is Dict and RecursiveEq(a, c)
    c[1]["k"].append(5)  # a real copy
    assert len(a[1]["k"]) == 1
    assert repr(a) == '[1, {"k": [2]}]'
