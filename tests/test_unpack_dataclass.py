"""tvm_ffi_hpy.utils.unpack_dataclass: standard-library dataclasses to tuples."""
import collections
import dataclasses
from typing import Any, Dict, List, Optional, Tuple

import pytest

from tvm_ffi_hpy.utils.unpack_dataclass import (_extract_dataclass_to_tuple_schema,
                                                _validate_dataclass_to_tuple_schema,
                                                unpack_dataclass_to_tuple)


@dataclasses.dataclass
class Pair:
    x: int
    y: int


@dataclasses.dataclass
class Outer:
    value: int
    pair: Pair
    data: Any
    pairs: List[Pair]
    names: Dict[str, int]
    maybe: Optional[int]
    both: Tuple[Pair, int]


@dataclasses.dataclass
class Linked:
    value: int
    next: Optional["Linked"]


Point = collections.namedtuple("Point", "a b")


def test_unpack_nested_values():
    o = Outer(1, Pair(2, 3), [Pair(4, 5), {"k": Pair(6, 7)}], [Pair(8, 9)], {"n": 1}, None,
              (Pair(0, 1), 2))
    assert unpack_dataclass_to_tuple(o) == (
        1, (2, 3), [(4, 5), {"k": (6, 7)}], [(8, 9)], {"n": 1}, None, ((0, 1), 2))


def test_leaves_are_not_copied_and_named_tuples_keep_their_type():
    leaf = object()
    assert unpack_dataclass_to_tuple(leaf) is leaf
    out = unpack_dataclass_to_tuple([Point(Pair(1, 2), leaf)])
    assert type(out[0]) is Point and out[0] == Point((1, 2), leaf) and out[0].b is leaf
    assert unpack_dataclass_to_tuple(Linked(1, Linked(2, None))) == (1, (2, None))


def test_schema():
    assert _extract_dataclass_to_tuple_schema(Pair) == {"x": None, "y": None}
    assert _extract_dataclass_to_tuple_schema(Outer) == {
        "value": None, "pair": {"x": None, "y": None}, "data": "unpack", "pairs": "unpack",
        "names": None, "maybe": None, "both": "unpack"}
    assert _extract_dataclass_to_tuple_schema(Linked) == {"value": None, "next": "unpack"}
    with pytest.raises(TypeError, match="Expected a dataclass class"):
        _extract_dataclass_to_tuple_schema(int)


def test_schema_validation():
    _validate_dataclass_to_tuple_schema({"a": None, "b": {"c": "unpack"}})
    with pytest.raises(TypeError, match="must be a dict"):
        _validate_dataclass_to_tuple_schema([])
    with pytest.raises(TypeError, match="must be a string"):
        _validate_dataclass_to_tuple_schema({1: None})
    with pytest.raises(ValueError, match="not a valid Python identifier"):
        _validate_dataclass_to_tuple_schema({"a": {"b-c": None}})
    with pytest.raises(ValueError, match="is a Python keyword"):
        _validate_dataclass_to_tuple_schema({"def": None})
    with pytest.raises(ValueError, match="must be None, .unpack. or a dict, got 3"):
        _validate_dataclass_to_tuple_schema({"a": 3})
