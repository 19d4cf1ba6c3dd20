"""Python callables called from C++."""
import threading
import weakref

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, Shape, testing
from conftest import collect, released

apply = tvm_ffi_hpy.get_global_func("testing.apply")
use_count = tvm_ffi_hpy.get_global_func("testing.object_use_count")


def test_apply_sum():
    assert apply(lambda *a: sum(a), 1, 2, 3) == 6


def test_apply_no_arguments():
    assert apply(lambda: 42) == 42


def test_apply_returns_none():
    assert apply(lambda: None) is None


# ---------------------------------------------------------------------------
# What a callback receives
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", [None, True, 7, -2**63, 2.5, "s", "a long string argument",
                                   "nul\0in", b"\0bytes", b"longer bytes value"],
                         ids=["none", "bool", "int", "int64_min", "float", "small_str",
                              "long_str", "nul_str", "small_bytes", "long_bytes"])
def test_callback_receives_value(value):
    got = []
    apply(lambda x: got.append(x), value)
    assert len(got) == 1
    assert got[0] == value
    assert type(got[0]) is type(value)


@pytest.mark.reenters_extension
def test_callback_receives_object():
    pair = testing.TestIntPair(1, 2)
    assert apply(lambda p: p.same_as(pair) and type(p) is testing.TestIntPair, pair) is True
    assert apply(lambda p: p.sum(), pair) == 3


@pytest.mark.reenters_extension
def test_callback_receives_array():
    got = apply(lambda a: (type(a) is Array, list(a)), [1, "x"])
    assert got[0] is True
    assert list(got[1]) == [1, "x"]


@pytest.mark.reenters_extension
def test_callback_receives_map():
    assert apply(lambda m: isinstance(m, Map) and m["k"] == "v", {"k": "v"}) is True


def test_callback_receives_shape():
    assert apply(lambda s: type(s) is Shape and s == (2, 3), Shape((2, 3))) is True


def test_callback_receives_python_object_identical():
    marker = object()
    assert apply(lambda o: o is marker, marker) is True


@pytest.mark.reenters_extension
def test_callback_receives_function():
    add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
    assert apply(lambda f: f(10), add_one) == 11


# ---------------------------------------------------------------------------
# What a callback returns
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, False, 0, 2**63 - 1, -1.25, "", "r", "returned string!",
                                   b"", b"returned bytes!"],
                         ids=["true", "false", "zero", "int64_max", "float", "empty_str",
                              "small_str", "long_str", "empty_bytes", "long_bytes"])
def test_callback_returns_value(value):
    out = apply(lambda: value)
    assert out == value
    assert type(out) is type(value)


def test_callback_returns_list_as_array():
    out = apply(lambda: [1, [2, 3]])
    assert isinstance(out, Array)
    assert out[1][1] == 3


def test_callback_returns_dict_as_map():
    out = apply(lambda: {"a": [1]})
    assert isinstance(out, Map)
    assert out["a"][0] == 1


def test_callback_returns_object():
    pair = testing.TestIntPair(5, 6)
    out = apply(lambda: pair)
    assert out.same_as(pair)


@pytest.mark.reenters_extension
def test_callback_returns_new_object():
    out = apply(lambda: testing.TestIntPair(2, 2))
    assert type(out) is testing.TestIntPair
    assert out.sum() == 4


def test_callback_returns_moved_object():
    pair = testing.TestIntPair(7, 8)
    out = apply(lambda: pair._move())
    assert pair.__chandle__() == 0
    assert out.sum() == 15


def test_callback_returns_python_object_identical():
    class Thing:
        pass
    thing = Thing()
    assert apply(lambda: thing) is thing


def test_callback_returns_shape():
    out = apply(lambda: Shape((1, 1)))
    assert type(out) is Shape
    assert out == (1, 1)


def test_callback_returns_callable():
    out = apply(lambda: (lambda x: x * 5))
    assert isinstance(out, tvm_ffi_hpy.Function)
    assert out(3) == 15


# ---------------------------------------------------------------------------
# Kinds of callables
# ---------------------------------------------------------------------------
def test_bound_method_callback():
    class Acc:
        def __init__(self):
            self.total = 0

        def add(self, x):
            self.total += x
            return self.total
    acc = Acc()
    apply(acc.add, 3)
    assert apply(acc.add, 4) == 7
    assert acc.total == 7


def test_callable_instance_callback():
    class Mul:
        def __call__(self, a, b):
            return a * b
    assert apply(Mul(), 6, 7) == 42


def test_closure_state():
    counter = [0]

    def bump():
        counter[0] += 1
        return counter[0]
    for _ in range(5):
        apply(bump)
    assert counter[0] == 5


def test_callback_with_many_arguments():
    args = list(range(30))
    assert apply(lambda *a: a == tuple(args), *args) is True


@pytest.mark.parametrize("arity", range(7))
def test_callback_of_every_arity_returns_and_raises(arity):
    # 0..3 arguments go through a trampoline of that arity, more through the
    # general one: each returns the value and carries the exception.
    args = [testing.TestIntPair(i, i) for i in range(arity)]
    seen = []

    def callback(*a):
        seen.append(a)
        return len(a)

    assert apply(callback, *args) == arity
    assert len(seen[0]) == arity and all(x is y for x, y in zip(seen[0], args))

    def failing(*a):
        raise KeyError("raised with %d arguments" % len(a))

    with pytest.raises(KeyError, match="raised with %d arguments" % arity):
        apply(failing, *args)

    def wrong_arity(only):
        return only

    if arity != 1:
        with pytest.raises(TypeError):
            apply(wrong_arity, *args)


# ---------------------------------------------------------------------------
# Nesting and Functions from callables
# ---------------------------------------------------------------------------
@pytest.mark.reenters_extension
def test_nested_apply():
    assert apply(lambda x: apply(lambda y: y * 2, x) + 1, 5) == 11


@pytest.mark.reenters_extension
def test_deeply_nested_apply():
    def level(n):
        if n == 0:
            return 0
        return apply(level, n - 1) + 1
    assert apply(level, 30) == 30


@pytest.mark.reenters_extension
def test_callback_calls_other_core_functions():
    add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
    assert apply(lambda x: add_one(add_one(x)), 1) == 3


def test_convert_callable_to_function():
    f = tvm_ffi_hpy.convert(lambda x: x + 1)
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert f(1) == 2
    assert apply(f, 41) == 42


def test_function_from_callable_rejects_kwargs():
    f = tvm_ffi_hpy.convert(lambda x=0: x)
    with pytest.raises(TypeError):
        f(x=1)


def test_function_from_callable_keeps_callable_alive():
    def cb(x):
        return x
    ref = weakref.ref(cb)
    f = tvm_ffi_hpy.convert(cb)
    del cb
    collect()
    assert ref() is not None
    assert f(3) == 3
    del f
    assert released(ref)


# ---------------------------------------------------------------------------
# The GIL and threads
# ---------------------------------------------------------------------------
def test_release_gil_with_callback_on_same_thread():
    f = tvm_ffi_hpy.get_global_func("testing.apply")
    f.release_gil = True
    assert f(lambda x: x + 1, 1) == 2


@pytest.mark.reenters_extension
def test_release_gil_nested():
    f = tvm_ffi_hpy.get_global_func("testing.apply")
    f.release_gil = True
    assert f(lambda: f(lambda: f(lambda: "deep"))) == "deep"


def test_release_gil_call_n():
    f = tvm_ffi_hpy.get_global_func("testing.call_n")
    f.release_gil = True
    calls = []
    f(lambda *a: calls.append(a), 4)
    assert len(calls) == 4


@pytest.mark.reenters_extension
def test_release_gil_then_normal_call_on_inner_level():
    outer = tvm_ffi_hpy.get_global_func("testing.apply")
    outer.release_gil = True
    assert outer(lambda: apply(lambda: 9)) == 9


@pytest.mark.reenters_extension
@pytest.mark.gil_released_in_several_threads
def test_callbacks_from_several_python_threads():
    f = tvm_ffi_hpy.get_global_func("testing.apply")
    f.release_gil = True
    results = [None] * 4
    errors = []

    def work(i):
        try:
            total = 0
            for j in range(50):
                total += f(lambda a, b: a + b, i, j)
            results[i] = total
        except BaseException as err:  # reported below
            errors.append(err)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [50 * i + sum(range(50)) for i in range(4)]


def _apply_to_moved_pair():
    # The core objects stay inside this frame, so a failure does not keep them alive.
    pair = testing.TestIntPair(1, 2)
    try:
        return apply(lambda p: p.sum(), pair._move())
    except Exception as err:  # reported by the caller
        return "%s: %s" % (type(err).__name__, err)


@pytest.mark.reenters_extension
def test_callback_receives_moved_argument():
    assert _apply_to_moved_pair() == 3


def test_callback_takes_moved_argument():
    # x._move() hands the object over: the callee holds the only reference
    # and x is empty afterwards, as with a C++ callee.
    pair = testing.TestIntPair(1, 2)
    seen = []
    apply(seen.append, pair._move())
    assert seen[0] is not pair
    assert use_count(seen[0]) == 1
    with pytest.raises(ValueError, match="moved out"):
        pair.a
    assert (seen[0].a, seen[0].b) == (1, 2)


@pytest.mark.reenters_extension
def test_callback_sees_moved_argument_use_count_one():
    pair = testing.TestIntPair(1, 2)
    assert apply(lambda p: use_count(p), pair._move()) == 1
    with pytest.raises(ValueError, match="moved out"):
        pair.sum()


def test_callback_given_moved_out_object_raises():
    pair = testing.TestIntPair(1, 2)
    kept = apply(lambda p: p, pair._move())
    assert use_count(kept) == 1
    with pytest.raises(ValueError, match="moved out"):
        apply(lambda p: p, pair._move())


def test_function_held_in_object_field():
    holder = testing.TestHolder(lambda x: x + 1)
    f = holder.value
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert f(1) == 2


@pytest.mark.reenters_extension
def test_unbounded_recursion_through_core_raises_instead_of_crashing():
    def rec():
        return apply(rec)
    with pytest.raises(RuntimeError):  # RecursionError is a RuntimeError
        rec()
    assert apply(lambda: "still fine") == "still fine"
