"""Property-based tests (hypothesis): conversions both ways, and bad input to
every public function of the package and of the `_ffi` module.

Conversions: a value goes Python -> C++ -> Python through a function argument
(testing.echo), a callback argument and a callback result (testing.apply), a
field (TestHolder.value) and convert(); it comes back equal (lists and tuples
as Array, dicts as Map), or the call raises the documented error: OverflowError
for ints outside int64, UnicodeError for strings with lone surrogates.

Bad input: random arguments (types and arity) to every public callable: a
value or a clean Python exception (an Exception subclass whose str() works),
never a crash, and the next call works.

Example counts: the profile "tvm_ffi_hpy" (default) keeps the file well under
a minute on PyPy; TVM_FFI_HPY_LONG=1 (ci/harden.sh) selects
"tvm_ffi_hpy-long", 20x more examples.
"""
import math
import operator
import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, Shape, core, dataclasses, testing
from conftest import GLOBAL_FUNCS_NOT_SWEPT, REENTRY_ABORTS, field_accessor, field_descriptor

_ffi = core._ffi

settings.register_profile(
    "tvm_ffi_hpy", max_examples=40, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture])
settings.register_profile("tvm_ffi_hpy-long", parent=settings.get_profile("tvm_ffi_hpy"),
                          max_examples=800)
settings.load_profile("tvm_ffi_hpy-long" if os.environ.get("TVM_FFI_HPY_LONG") == "1"
                      else "tvm_ffi_hpy")

echo = tvm_ffi_hpy.get_global_func("testing.echo")
apply = tvm_ffi_hpy.get_global_func("testing.apply")
add_one = tvm_ffi_hpy.get_global_func("testing.add_one")

INT64_MIN, INT64_MAX = -2**63, 2**63 - 1


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------
def _has_surrogate(text):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


# Any code point, lone surrogates included (hypothesis leaves them out by default).
clean_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)  # no surrogates
surrogate_text = st.tuples(clean_text, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                           clean_text).map("".join)
any_text = st.one_of(st.text(st.characters(exclude_categories=()), max_size=20), surrogate_text)
int64 = st.integers(INT64_MIN, INT64_MAX)
floats = st.floats(allow_nan=True, allow_infinity=True)
scalars = st.one_of(st.none(), st.booleans(), int64, floats, clean_text, st.binary(max_size=20),
                    st.lists(int64, max_size=4).map(Shape))
# Keys: str and int never compare equal to each other, so a dict of them is a
# faithful Map.
keys = st.one_of(clean_text, int64)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.lists(inner, max_size=5).map(tuple),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=20)


def same(expected, got):
    """`got` (what came back from the core) equals `expected` (what went in)."""
    if isinstance(expected, Shape):
        return type(got) is Shape and tuple(got) == tuple(expected)
    if isinstance(expected, (list, tuple)):
        return (isinstance(got, Array) and len(got) == len(expected)
                and all(same(e, g) for e, g in zip(expected, got)))
    if isinstance(expected, dict):
        if not isinstance(got, Map) or len(got) != len(expected):
            return False
        return all(k in got and same(v, got[k]) for k, v in expected.items())
    if isinstance(expected, float):
        if type(got) is not float:
            return False
        if math.isnan(expected):
            return math.isnan(got)
        return struct.pack("<d", expected) == struct.pack("<d", got)  # -0.0 keeps its sign
    return type(got) is type(expected) and got == expected


ROUND_TRIPS = {
    "argument": echo,
    "callback_argument": lambda v: apply(lambda x: x, v),
    "callback_result": lambda v: apply(lambda: v),
    "field": lambda v: testing.TestHolder(v).value,
    "convert": tvm_ffi_hpy.convert,
}


@pytest.mark.parametrize("path", sorted(ROUND_TRIPS))
@given(value=values)
def test_values_round_trip(path, value):
    got = ROUND_TRIPS[path](value)
    if path == "convert" and not isinstance(value, (list, tuple, dict)):
        assert same(value, got) or (value is None and got is None)
    else:
        assert same(value, got)


@pytest.mark.parametrize("path", sorted(ROUND_TRIPS))
@given(text=any_text)
def test_strings_with_any_code_point(path, text):
    if _has_surrogate(text):
        # Documented: a lone surrogate has no UTF-8 form; UnicodeError on both
        # interpreters (hpy_ext/shim.h, "Encoding").
        with pytest.raises(UnicodeError):
            ROUND_TRIPS[path](text)
    else:
        got = ROUND_TRIPS[path](text)
        assert type(got) is str and got == text


@given(text=surrogate_text, before=st.lists(values, max_size=3))
def test_surrogate_inside_a_container_raises_and_releases(text, before):
    with pytest.raises(UnicodeError):
        echo(before + [{"k": [text]}])
    assert add_one(1) == 2


@given(data=st.binary(max_size=200))
def test_bytes_round_trip(data):
    got = echo(data)
    assert type(got) is bytes and got == data
    assert apply(lambda: data) == data


@given(value=st.integers() | st.sampled_from([INT64_MAX, INT64_MIN]))
def test_any_int(value):
    if INT64_MIN <= value <= INT64_MAX:
        assert echo(value) == value
        if value > INT64_MIN:
            assert add_one(value - 1) == value
        if value == INT64_MAX:
            with pytest.raises(OverflowError, match="overflows int64"):
                add_one(value)  # checked in C++, not wrapped around
    else:  # a big int (kTVMFFIBigInt): crosses, and int64 parameters refuse it
        assert echo(value) == value
        assert echo([1, {"k": value}])[1]["k"] == value
        assert apply(lambda: value) == value
        with pytest.raises(TypeError, match="ffi.BigInt"):
            add_one(value)


@given(value=floats)
def test_any_float(value):
    for path in ROUND_TRIPS.values():
        assert same(value, path(value))


@given(value=values)
def test_nested_values_survive_a_callback_that_returns_them(value):
    # Python -> C++ (as Array/Map) -> Python callback -> C++ -> Python
    got = apply(lambda x: x, tvm_ffi_hpy.convert([value]))
    assert isinstance(got, Array) and len(got) == 1 and same(value, got[0])


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------
class _Unprintable:
    def __repr__(self):
        raise RuntimeError("no repr")

    __str__ = __repr__


class _BadBool:
    def __bool__(self):
        raise ZeroDivisionError("no truth")


class _BadLen(list):
    def __len__(self):
        raise ZeroDivisionError("no len")


class _BadIter(dict):
    def __iter__(self):
        raise ZeroDivisionError("no iter")


def _moved_pair():
    pair = testing.TestIntPair(1, 2)
    echo(pair._move())
    return pair


def _raising_callable(*args):
    raise KeyError("from a callable argument")


class _Make:
    """An argument made only when the call happens: hypothesis keeps what it
    generates (for its reports), which on PyPy would keep core objects alive
    past the test and trip the leak check."""

    def __init__(self, make):
        self.make = make

    def __repr__(self):
        return "<made by %s>" % getattr(self.make, "__name__", "?")


# Fresh objects of every kind the package meets; made per call.
_FACTORIES = [
    lambda: testing.TestIntPair(1, 2),
    lambda: testing.TestHolder([1, "x"]),
    lambda: Array([1, [2]]),
    lambda: Map({"a": 1}),
    lambda: Shape((2, 3)),
    lambda: testing.TestIntPair(5, 6)._move(),
    _moved_pair,
    lambda: tvm_ffi_hpy.get_global_func("testing.nop"),
    lambda: tvm_ffi_hpy.Object(),
    lambda: object(),
    lambda: _Unprintable(),
    lambda: _BadBool(),
    lambda: _BadLen([1]),
    lambda: _BadIter(a=1),
    lambda: (lambda *a: None),
    lambda: _raising_callable,
    lambda: ValueError("an exception object"),
    lambda: int,
    lambda: [1, "two", 3.0],
    lambda: {"k": [1, 2]},
    lambda: {1: 2, "x": None},
    lambda: (1, 2),
    lambda: memoryview(b"abc"),
    lambda: bytearray(b"xy"),
    lambda: 1 + 2j,
    lambda: slice(1, 2),
]
# Classes of the package: a callee that calls one back (apply, call_n) enters
# the extension from Python code that it runs, which aborts PyPy 7.3.19 in
# HPy debug mode (conftest.REENTRY_ABORTS); there they are left out.
if not REENTRY_ABORTS:
    _FACTORIES += [lambda: testing.TestIntPair, lambda: tvm_ffi_hpy.Object]

arguments = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3),
    st.sampled_from([INT64_MAX, INT64_MIN, 2**64, -2**70, 10**30]),
    st.floats(), any_text, st.binary(max_size=12),
    st.sampled_from(["testing.nop", "testing.TestIntPair", "ffi.Object", "testing.NoSuchName",
                     "", "v_i64", "a" * 64, "testing.TestHolder", "value"]),
    st.sampled_from(_FACTORIES).map(lambda make: _Make(make)),
)
argument_lists = st.lists(arguments, max_size=4)


def _clean_call(f, args):
    """f(*args) returns a value or raises an Exception whose str() works."""
    args = [a.make() if isinstance(a, _Make) else a for a in args]
    try:
        f(*args)
    except Exception as err:  # noqa: BLE001 - any clean exception is fine
        assert isinstance(str(err), str)
    assert add_one(41) == 42  # nothing left half-done


# Functions that change the process when they succeed are wrapped below so
# that each example undoes its effect; functions that block or run unbounded
# work on some arguments have bounded tests of their own.
_NOT_FUZZED = GLOBAL_FUNCS_NOT_SWEPT  # conftest.py says why each is left out
_NOT_FUZZED_FFI = {
    "serve_callbacks": "runs the callback service until stop_serving(); blocks",
    "stop_serving": "stops the callback service the package relies on",
}


def _package_global_names():
    """The global functions of the core and its testing set (other test
    modules register their own, and remove them, while this file runs)."""
    return [n for n in tvm_ffi_hpy.list_global_func_names() if n.startswith(("ffi.", "testing."))]


def _global_function_targets():
    out = []
    for name in _package_global_names():
        if name not in _NOT_FUZZED:
            out.append(("global " + name, tvm_ffi_hpy.get_global_func(name)))
    return out


def _restoring_register_class(*args):
    try:
        index = operator.index(args[0]) if args else -1
    except TypeError:
        index = -1
    known = 0 <= index < 2**31 and _known_index(index)
    before = _ffi.registered_class(index) if known else None
    try:
        return _ffi.register_class(*args)
    finally:
        if known:  # put the package's class back
            _ffi.register_class(index, before)


def _known_index(index):
    try:
        _ffi.type_info(index)
        return True
    except Exception:  # noqa: BLE001
        return False


def _set_hooks_never_complete(*args):
    if len(args) == 1 and isinstance(args[0], dict):  # a full set would replace the package's
        args = (dict(args[0], not_a_hook=None),)
    return _ffi.set_hooks(*args)


def _without_existing_names(f):
    existing = set(tvm_ffi_hpy.list_global_func_names())

    def call(*args):
        if args and isinstance(args[0], str) and args[0] in existing:
            args = ("test_properties.not_" + args[0],) + args[1:]
        return f(*args)
    return call


def _ffi_targets():
    out = []
    for name in sorted(dir(_ffi)):
        if name.startswith("__") or name in _NOT_FUZZED_FFI:
            continue
        f = getattr(_ffi, name)
        if not callable(f):
            continue
        if name == "register_class":
            f = _restoring_register_class
        elif name == "set_hooks":
            f = _set_hooks_never_complete
        elif name in ("remove_global_func", "set_global_func"):
            f = _without_existing_names(f)
        out.append(("_ffi." + name, f))
    return out


def _package_targets():
    out = []
    for name in sorted(tvm_ffi_hpy.__all__):
        f = getattr(tvm_ffi_hpy, name)
        if name in ("testing", "dataclasses") or not callable(f):
            continue
        if name in ("remove_global_func", "register_global_func"):
            f = _without_existing_names(f)
        out.append((name, f))
    for name in testing.__all__:
        out.append(("testing." + name, getattr(testing, name)))
    for name in ("field", "fields", "asdict", "astuple", "replace", "is_dataclass"):
        out.append(("dataclasses." + name, getattr(dataclasses, name)))
    return out


def _descriptor_set(make, cls, name):
    """The class's descriptor of a field (getset or property) written through
    __set__ with any arguments, on a live object."""
    descriptor = field_descriptor(cls, name)
    return lambda *args: descriptor.__set__(make(), *args)


def _descriptor_get(cls, name):
    """The class's descriptor of a field read through __get__ with any arguments."""
    descriptor = field_descriptor(cls, name)
    return lambda *args: descriptor.__get__(*args)


def _method_targets():
    """Methods and accessors of live wrappers."""
    def on(make, attr):
        return lambda *args: getattr(make(), attr)(*args)
    pair = lambda: testing.TestIntPair(1, 2)  # noqa: E731
    base = lambda: testing.create_object("testing.TestObjectBase")  # noqa: E731
    return [
        ("TestIntPair.same_as", on(pair, "same_as")),
        ("TestIntPair.sum", on(pair, "sum")),
        ("TestIntPair.__init_handle_by_constructor__",
         on(pair, "__init_handle_by_constructor__")),
        ("TestIntPair.__reduce__", on(pair, "__reduce__")),
        ("TestIntPair.__eq__", on(pair, "__eq__")),
        ("TestObjectBase.add_i64", on(base, "add_i64")),
        ("TestObjectBase.v_i64 accessor", field_accessor(testing.TestObjectBase, "v_i64")),
        ("TestObjectBase.v_str accessor", field_accessor(testing.TestObjectBase, "v_str")),
        ("TestObjectBase.v_f64 accessor", field_accessor(testing.TestObjectBase, "v_f64")),
        ("TestHolder.value accessor", field_accessor(testing.TestHolder, "value")),
        ("TestObjectBase.v_i64 descriptor set", _descriptor_set(base, testing.TestObjectBase,
                                                                "v_i64")),
        ("TestHolder.value descriptor set", _descriptor_set(
            lambda: testing.TestHolder(None), testing.TestHolder, "value")),
        ("TestIntPair.a descriptor get", _descriptor_get(testing.TestIntPair, "a")),
        ("Array.__getitem__", on(lambda: Array([1, 2, 3]), "__getitem__")),
        ("Array.__contains__", on(lambda: Array([1, 2, 3]), "__contains__")),
        ("Map.__getitem__", on(lambda: Map({"a": 1, 2: "b"}), "__getitem__")),
        ("Map.get", on(lambda: Map({"a": 1}), "get")),
        ("Map.__contains__", on(lambda: Map({"a": 1}), "__contains__")),
        ("Function.__call__", on(lambda: tvm_ffi_hpy.get_global_func("testing.echo"),
                                  "__call__")),
        ("Function.release_gil", _set_release_gil),
    ]


def _set_release_gil(*args):
    f = tvm_ffi_hpy.convert(lambda: None)
    f.release_gil = args[0] if args else None
    return f.release_gil


_REGISTERING = ("_ffi.make_type", "_ffi.set_global_func", "register_object", "register_error",
                "register_global_func")
PURE_TARGETS = _global_function_targets() + _method_targets() + [
    t for t in _ffi_targets() + _package_targets() if t[0] not in _REGISTERING]
REGISTERING_TARGETS = [t for t in _ffi_targets() + _package_targets() if t[0] in _REGISTERING]


def test_every_public_callable_is_fuzzed():
    fuzzed = {name for name, _ in PURE_TARGETS + REGISTERING_TARGETS}
    for name in _package_global_names():
        assert "global " + name in fuzzed or name in _NOT_FUZZED
    for name in dir(_ffi):
        if not name.startswith("__") and callable(getattr(_ffi, name)):
            assert "_ffi." + name in fuzzed or name in _NOT_FUZZED_FFI
    assert len(fuzzed) > 60


@pytest.mark.reenters_extension  # some public callables now run Python code the extension calls
@given(data=st.data())
def test_bad_input_to_public_callables(data):
    # Every target, each with its own random arguments, in every example.
    for name, f in PURE_TARGETS:
        _clean_call(f, data.draw(argument_lists, label=name))


@pytest.mark.allow_core_growth  # register_object / make_type may build classes for good
@given(data=st.data())
def test_bad_input_to_registering_callables(restore_error_classes, data):
    for name, f in REGISTERING_TARGETS:
        before = set(tvm_ffi_hpy.list_global_func_names())
        _clean_call(f, data.draw(argument_lists, label=name))
        for extra in set(tvm_ffi_hpy.list_global_func_names()) - before:
            tvm_ffi_hpy.remove_global_func(extra)


@pytest.mark.parametrize("name", ["testing.call_n", "testing.make_array_of"])
@given(n=st.one_of(st.integers(-5, 5), st.sampled_from([-2**63, 2**64, 10**30])),
       x=arguments)
def test_bounded_counts(name, n, x):
    _clean_call(tvm_ffi_hpy.get_global_func(name),
                (x, n) if name == "testing.call_n" else (n, x))


def test_make_array_of_huge_count_is_a_clean_error():
    with pytest.raises((MemoryError, ValueError, OverflowError)):
        tvm_ffi_hpy.get_global_func("testing.make_array_of")(2**62, 1)


@given(threads=st.integers(-3, 3), calls=st.integers(-3, 3), f=arguments)
def test_call_from_threads_bounded(threads, calls, f):
    call_from_threads = tvm_ffi_hpy.get_global_func("testing.call_from_threads")
    call_from_threads.release_gil = True
    try:
        _clean_call(call_from_threads, (f, threads, calls))
    finally:
        call_from_threads.release_gil = False


@pytest.mark.allow_core_growth  # a successful DefinePyClass registers a type for good
@given(args=argument_lists)
def test_define_py_class_bad_input(args):
    _clean_call(tvm_ffi_hpy.get_global_func("ffi.DefinePyClass"), args)


@pytest.mark.allow_core_growth  # a successful call registers a type (or fields) for good
@given(args=argument_lists)
def test_define_py_class_in_two_steps_bad_input(args):
    _clean_call(tvm_ffi_hpy.get_global_func("ffi.DefinePyClassType"), args)
    _clean_call(tvm_ffi_hpy.get_global_func("ffi.DefinePyClassFields"), args)


# ---------------------------------------------------------------------------
# Cycles and depth (issue 10): no shape or size crashes the process
# ---------------------------------------------------------------------------
def _mutable_containers(root):
    """(container, its chain of ancestors, root first) for every list and dict
    inside `root`, walked without recursion."""
    found, todo = [], [(root, ())]
    while todo:
        node, chain = todo.pop()
        if isinstance(node, (list, dict)):
            found.append((node, chain))
        if isinstance(node, (list, tuple, dict)):
            items = node.values() if isinstance(node, dict) else node
            todo.extend((item, chain + (node,)) for item in items)
    return found


@pytest.mark.parametrize("path", sorted(ROUND_TRIPS))
@given(value=values, data=st.data())
def test_a_python_cycle_anywhere_raises_value_error(path, value, data):
    root = [value]
    node, chain = data.draw(st.sampled_from(_mutable_containers(root)))
    target = data.draw(st.sampled_from(chain + (node,)))  # an ancestor, or itself
    if isinstance(node, list):
        node.append(target)
    else:
        node[data.draw(keys)] = target
    # A callback's result fails to convert after the callback returned, where
    # HPy 0.9 cannot read the message (docs/design.md): only the kind is kept.
    message = ("cannot cross the FFI" if path == "callback_result" else "contains itself")
    with pytest.raises(ValueError, match=message):
        ROUND_TRIPS[path](root)
    assert add_one(1) == 2


def _holder_ring(kinds, leaf):
    """len(kinds) TestHolder objects in a ring: holder i's value leads to
    holder i+1 through the container kind kinds[i], the last back to the first."""
    holders = [testing.TestHolder(None) for _ in kinds]
    for i, kind in enumerate(kinds):
        nxt = holders[(i + 1) % len(holders)]
        holders[i].value = {"direct": nxt, "array": Array([leaf, nxt]),
                            "map": Map({"next": nxt, "leaf": leaf}),
                            "nested": Array([Map({"n": Array([nxt])})])}[kind]
    return holders


def _next_holder(value, kind):
    return {"direct": lambda: value, "array": lambda: value[1], "map": lambda: value["next"],
            "nested": lambda: value[0]["n"][0]}[kind]()


@given(kinds=st.lists(st.sampled_from(["direct", "array", "map", "nested"]), min_size=1,
                      max_size=5),
       leaf=scalars)
def test_core_cycles_repr_and_deepcopy(kinds, leaf):
    import copy
    holders = _holder_ring(kinds, leaf)
    try:
        text = repr(holders[0])
        assert "..." in text and text.startswith("testing.TestHolder(")
        clone = copy.deepcopy(holders[0])
        node = clone
        for kind in kinds:  # the copy is a ring of the same length and shape
            assert node is not None and not node.same_as(holders[0])
            node = _next_holder(node.value, kind)
        assert node is clone
        cloned = [clone]
        for kind in kinds[:-1]:
            cloned.append(_next_holder(cloned[-1].value, kind))
    finally:
        for h in holders:  # C++ reference cycles are never collected
            h.value = None
        for h in locals().get("cloned", []):
            h.value = None


@given(kinds=st.lists(st.sampled_from(["list", "tuple", "dict"]), min_size=1, max_size=3000),
       leaf=scalars)
def test_any_nesting_depth_round_trips(kinds, leaf):
    value = leaf
    for kind in reversed(kinds):
        value = {"list": lambda v: [v], "tuple": lambda v: (v,),
                 "dict": lambda v: {"k": v}}[kind](value)
    for path in ("argument", "convert"):
        got = ROUND_TRIPS[path](value)
        for kind in kinds:  # walked without recursion
            assert isinstance(got, Map if kind == "dict" else Array) and len(got) == 1
            got = got["k"] if kind == "dict" else got[0]
        assert same(leaf, got)
