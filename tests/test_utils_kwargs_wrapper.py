"""tvm_ffi_hpy.utils: kwargs_wrapper (a Python signature in front of a
positional-only callable, an ffi.Function included) and unpack_dataclass
(stdlib dataclasses to nested tuples)."""
import dataclasses
import inspect
from collections import namedtuple
from typing import Any, Optional

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy.utils.kwargs_wrapper import (make_kwargs_wrapper,
                                              make_kwargs_wrapper_from_signature)
from tvm_ffi_hpy.utils.unpack_dataclass import (_extract_dataclass_to_tuple_schema,
                                                _validate_dataclass_to_tuple_schema,
                                                unpack_dataclass_to_tuple)


def collect(*args):
    return args


def test_positional_keyword_and_defaults():
    w = make_kwargs_wrapper(collect, ["x", "y", "z"], arg_defaults=(7,),
                            kwonly_names=["k", "j"], kwonly_defaults={"j": "J"})
    assert w(1, 2, k=3) == (1, 2, 7, 3, "J")
    assert w(z=9, y=2, x=1, k=0, j=None) == (1, 2, 9, 0, None)
    with pytest.raises(TypeError):
        w(1, 2)  # k is required
    with pytest.raises(TypeError):
        w(1, 2, 3, 4, k=1)  # k is keyword-only
    sig = inspect.signature(w)
    assert list(sig.parameters) == ["x", "y", "z", "k", "j"]
    assert sig.parameters["k"].kind is inspect.Parameter.KEYWORD_ONLY


def test_defaults_are_the_same_objects():
    default = object()
    w = make_kwargs_wrapper(collect, ["a", "b"], arg_defaults=(default,),
                            kwonly_names=["c"], kwonly_defaults={"c": default})
    result = w(1)
    assert result[1] is default and result[2] is default


def test_wraps_an_ffi_function():
    add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
    w = make_kwargs_wrapper(add_one, ["x"], arg_defaults=(41,))
    assert w() == 42
    assert w(x=1) == 2


def test_prototype_metadata():
    def proto(a: int, b: int = 3) -> int:
        """The doc."""
        return 0

    w = make_kwargs_wrapper(collect, ["a", "b"], arg_defaults=(3,), prototype=proto)
    assert w.__name__ == "proto" and w.__doc__ == "The doc."
    assert w.__annotations__ == proto.__annotations__
    assert not hasattr(w, "__wrapped__")


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(arg_names=["a", "a"]), ValueError, "Duplicate argument names"),
    (dict(arg_names=["a"], kwonly_names=["b", "b"]), ValueError,
     "Duplicate keyword-only argument names"),
    (dict(arg_names=[1]), TypeError, "must be a string"),
    (dict(arg_names=["a b"]), ValueError, "not a valid Python identifier"),
    (dict(arg_names=["for"]), ValueError, "is a Python keyword"),
    (dict(arg_names=["a"], arg_defaults=[1]), TypeError, "arg_defaults must be a tuple"),
    (dict(arg_names=["a"], arg_defaults=(1, 2)), ValueError, "arg_defaults has 2 values"),
    (dict(arg_names=["a"], kwonly_names=["a"]), ValueError,
     "both positional and keyword-only"),
    (dict(arg_names=["a"], kwonly_names=["b"], kwonly_defaults={"c": 1}), ValueError,
     "not in kwonly_names"),
    (dict(arg_names=["__i_target_func"]), ValueError, "conflict with internal names"),
])
def test_bad_specifications(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        make_kwargs_wrapper(collect, **kwargs)


def test_from_signature():
    def source(a, b=2, *, c, d=4):
        pass

    sig = inspect.signature(source)
    assert make_kwargs_wrapper_from_signature(collect, sig)(1, c=3) == (1, 2, 3, 4)
    w = make_kwargs_wrapper_from_signature(collect, sig, exclude_arg_names=["b", "d", "zz"])
    assert w(1, c=3) == (1, 3)
    with pytest.raises(ValueError, match=r"\*args not supported"):
        make_kwargs_wrapper_from_signature(collect, inspect.signature(lambda *a: 0))
    with pytest.raises(ValueError, match=r"\*\*kwargs not supported"):
        make_kwargs_wrapper_from_signature(collect, inspect.signature(lambda **k: 0))


def test_exceptions_pass_through():
    def fail(a):
        raise KeyError(a)

    with pytest.raises(KeyError, match="boom"):
        make_kwargs_wrapper(fail, ["a"])("boom")


@dataclasses.dataclass
class Point:
    x: int
    y: float


@dataclasses.dataclass
class Box:
    lo: Point
    hi: Optional[Point]
    tag: str
    extra: Any
    sizes: "list[int]"
    names: "dict[str, int]"


def test_schema_of_a_dataclass():
    assert _extract_dataclass_to_tuple_schema(Point) == {"x": None, "y": None}
    assert _extract_dataclass_to_tuple_schema(Box) == {
        "lo": {"x": None, "y": None}, "hi": "unpack", "tag": None, "extra": "unpack",
        "sizes": "unpack", "names": None}
    with pytest.raises(TypeError, match="Expected a dataclass class"):
        _extract_dataclass_to_tuple_schema(Point(1, 2))


def test_schema_validation():
    _validate_dataclass_to_tuple_schema({"a": None, "b": {"c": "unpack"}})
    with pytest.raises(TypeError, match="must be a dict"):
        _validate_dataclass_to_tuple_schema(("a",))
    with pytest.raises(TypeError, match="must be a string"):
        _validate_dataclass_to_tuple_schema({1: None})
    with pytest.raises(ValueError, match="not a valid Python identifier"):
        _validate_dataclass_to_tuple_schema({"b": {"x.y": None}})
    with pytest.raises(ValueError, match="is a Python keyword"):
        _validate_dataclass_to_tuple_schema({"def": None})


def test_unpack_values():
    leaf = object()
    box = Box(Point(1, 2.0), None, "t", [Point(3, 4.0), leaf], [5], {"k": 6})
    assert unpack_dataclass_to_tuple(box) == (
        (1, 2.0), None, "t", [(3, 4.0), leaf], [5], {"k": 6})
    assert unpack_dataclass_to_tuple(box)[3][1] is leaf
    Pair = namedtuple("Pair", "a b")
    out = unpack_dataclass_to_tuple({"p": Pair(Point(0, 1.0), 2), "t": (Point(5, 6.0),)})
    assert out == {"p": Pair((0, 1.0), 2), "t": ((5, 6.0),)}
    assert type(out["p"]) is Pair
    assert unpack_dataclass_to_tuple("s") == "s"


def test_recursive_dataclass():
    @dataclasses.dataclass
    class Node:
        value: int
        next: "Optional[Node]"

    assert unpack_dataclass_to_tuple(Node(1, Node(2, Node(3, None)))) == (1, (2, (3, None)))


def test_wrapper_maps_dataclasses_to_tuples():
    w = make_kwargs_wrapper(collect, ["a", "p"], kwonly_names=["q"],
                            kwonly_defaults={"q": Point(0, 0.0)},
                            map_dataclass_to_tuple=["p", "q"])
    p = Point(1, 2.0)
    assert w(p, p) == (p, (1, 2.0), (0, 0.0))
    echo = tvm_ffi_hpy.get_global_func("testing.echo")
    assert tuple(make_kwargs_wrapper(echo, ["p"], map_dataclass_to_tuple=["p"])(p)) == (1, 2.0)
