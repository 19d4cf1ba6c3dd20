"""Array, Map and Shape."""
import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, Shape, testing

echo = tvm_ffi_hpy.get_global_func("testing.echo")
make_array_of = tvm_ffi_hpy.get_global_func("testing.make_array_of")


# ---------------------------------------------------------------------------
# Array
# ---------------------------------------------------------------------------
def test_array_len():
    assert len(Array([1, 2, 3])) == 3
    assert len(Array()) == 0


def test_array_iteration():
    assert [x for x in Array(["a", "b", "c"])] == ["a", "b", "c"]


def test_array_indexing():
    arr = Array([10, 20, 30])
    assert arr[0] == 10
    assert arr[2] == 30


def test_array_negative_index():
    arr = Array([10, 20, 30])
    assert arr[-1] == 30
    assert arr[-3] == 10


@pytest.mark.parametrize("index", [3, 100, -4, -100])
def test_array_index_out_of_range(index):
    with pytest.raises(IndexError):
        Array([10, 20, 30])[index]


def test_empty_array_index():
    with pytest.raises(IndexError):
        Array()[0]


@pytest.mark.parametrize("sl,expected", [
    (slice(1, 3), [1, 2]),
    (slice(None, None, -1), [4, 3, 2, 1, 0]),
    (slice(None, None, 2), [0, 2, 4]),
    (slice(-2, None), [3, 4]),
    (slice(10, 20), []),
], ids=["range", "reverse", "step", "negative_start", "out_of_range"])
def test_array_slicing_returns_list(sl, expected):
    out = Array(list(range(5)))[sl]
    assert type(out) is list
    assert out == expected


def test_array_contains():
    arr = Array([1, "two", 3.5])
    assert 1 in arr
    assert "two" in arr
    assert 3.5 in arr
    assert 4 not in arr
    assert "three" not in arr


def test_array_contains_object():
    pair = testing.TestIntPair(1, 2)
    other = testing.TestIntPair(1, 2)
    arr = Array([pair])
    assert pair in arr
    assert other not in arr


def test_array_repr():
    # The core's printing (ffi.ReprPrint): an Array prints as a tuple.
    assert repr(Array([1, "a", None])) == '(1, "a", None)'
    assert repr(Array([7])) == "(7,)"
    assert repr(Array()) == "()"


def test_nested_array():
    arr = Array([[1, 2], [3, [4, 5]]])
    assert isinstance(arr[0], Array)
    assert list(arr[0]) == [1, 2]
    assert arr[1][1][0] == 4
    assert repr(arr) == "((1, 2), (3, (4, 5)))"


def test_deeply_nested_array():
    value = 0
    for _ in range(100):
        value = [value]
    arr = tvm_ffi_hpy.convert(value)
    for _ in range(100):
        assert isinstance(arr, Array) and len(arr) == 1
        arr = arr[0]
    assert arr == 0


def test_array_from_tuple_and_generator():
    assert list(Array((1, 2))) == [1, 2]
    assert list(Array(x * x for x in range(4))) == [0, 1, 4, 9]


def test_array_from_array_copies():
    a = Array([1, 2])
    b = Array(a)
    assert list(b) == [1, 2]
    assert not b.same_as(a)


def test_array_mixed_item_types():
    arr = Array([1, 2.5, "s", b"b", None, True, {"k": 1}])
    assert [type(x) for x in arr[:6]] == [int, float, str, bytes, type(None), bool]
    assert isinstance(arr[6], Map)


def test_array_of_objects_keeps_identity():
    pairs = [testing.TestIntPair(i, i) for i in range(3)]
    arr = Array(pairs)
    for p, q in zip(pairs, arr):
        assert p.same_as(q)


def test_array_equality_is_identity():
    a = Array([1, 2])
    b = Array([1, 2])
    assert a != b
    assert a == echo(a)


def test_array_is_immutable():
    arr = Array([1, 2])
    with pytest.raises(TypeError):
        arr[0] = 5
    assert arr[0] == 1


def test_array_index_with_non_int():
    arr = Array([1, 2])
    with pytest.raises(TypeError):
        arr["0"]
    with pytest.raises(TypeError):
        arr[1.0]


def test_make_array_of_items():
    arr = make_array_of(5, 1.5)
    assert list(arr) == [1.5] * 5


def test_large_array():
    arr = Array(range(10000))
    assert len(arr) == 10000
    assert arr[9999] == 9999
    assert sum(arr) == sum(range(10000))


# ---------------------------------------------------------------------------
# Map
# ---------------------------------------------------------------------------
def test_map_len():
    assert len(Map({"a": 1, "b": 2})) == 2
    assert len(Map()) == 0


def test_map_getitem_str_keys():
    m = Map({"a": 1, "b": "bee"})
    assert m["a"] == 1
    assert m["b"] == "bee"


def test_map_getitem_long_str_key_equal_not_identical():
    key = "a key that is longer than seven bytes"
    m = Map({key: "v"})
    lookup = "".join(["a key that is longer ", "than seven bytes"])
    assert lookup is not key
    assert m[lookup] == "v"


def test_map_int_keys():
    m = Map({1: "one", -2: "minus two", 2**40: "big"})
    assert m[1] == "one"
    assert m[-2] == "minus two"
    assert m[2**40] == "big"


def test_map_int_and_str_keys_are_distinct():
    m = Map({1: "int", "1": "str"})
    assert len(m) == 2
    assert m[1] == "int"
    assert m["1"] == "str"


def test_map_missing_key_raises_key_error():
    m = Map({"a": 1})
    with pytest.raises(KeyError):
        m["b"]
    with pytest.raises(KeyError):
        m[1]


def test_empty_map_missing_key():
    with pytest.raises(KeyError):
        Map()["x"]


def test_map_contains():
    m = Map({"a": 1, 2: "two"})
    assert "a" in m
    assert 2 in m
    assert "b" not in m
    assert 3 not in m


def test_map_keys_values_items():
    m = Map({"a": 1, "b": 2, "c": 3})
    assert sorted(m.keys()) == ["a", "b", "c"]
    assert sorted(m.values()) == [1, 2, 3]
    assert sorted(m.items()) == [("a", 1), ("b", 2), ("c", 3)]


def test_map_keys_and_values_are_aligned():
    m = Map({str(i): i for i in range(50)})
    assert [int(k) for k in m.keys()] == list(m.values())
    assert all(m[k] == v for k, v in m.items())


def test_map_iteration_yields_keys():
    m = Map({"x": 1, "y": 2})
    assert sorted(iter(m)) == ["x", "y"]
    assert sorted(k for k in m) == ["x", "y"]


def test_map_get():
    m = Map({"a": 1, "n": None})
    assert m.get("a") == 1
    assert m.get("missing") is None
    assert m.get("missing", "default") == "default"
    assert m.get("n", "default") is None


def test_map_nested_values():
    m = Map({"list": [1, 2], "dict": {"inner": {"deep": 3}}})
    assert isinstance(m["list"], Array)
    assert list(m["list"]) == [1, 2]
    assert isinstance(m["dict"], Map)
    assert m["dict"]["inner"]["deep"] == 3


def test_map_object_values_keep_identity():
    pair = testing.TestIntPair(1, 2)
    m = Map({"p": pair})
    assert m["p"].same_as(pair)


def test_map_object_keys_by_identity():
    p1 = testing.TestIntPair(1, 2)
    p2 = testing.TestIntPair(1, 2)
    m = Map({p1: "first"})
    assert m[p1] == "first"
    assert m[echo(p1)] == "first"
    assert p2 not in m


def test_map_from_pairs_and_map():
    m = Map([("a", 1), ("b", 2)])
    assert m["a"] == 1 and m["b"] == 2
    copy = Map(m)
    assert copy["b"] == 2
    assert not copy.same_as(m)


def test_map_repr():
    assert repr(Map({"a": 1})) == '{"a": 1}'
    assert repr(Map({1: Array([b"x"])})) == '{1: (b"x",)}'
    assert repr(Map()) == "{}"


def test_map_round_trip_identity():
    m = Map({"a": 1})
    assert echo(m).same_as(m)
    assert isinstance(echo(m), Map)


def test_map_many_entries():
    data = {"key%d" % i: i for i in range(1000)}
    m = Map(data)
    assert len(m) == 1000
    assert all(m["key%d" % i] == i for i in range(0, 1000, 37))


# ---------------------------------------------------------------------------
# Shape
# ---------------------------------------------------------------------------
def test_shape_tuple_behaviour():
    s = Shape((1, 2, 3))
    assert isinstance(s, tuple)
    assert len(s) == 3
    assert s[1] == 2
    assert s == (1, 2, 3)
    assert list(s) == [1, 2, 3]
    assert hash(s) == hash((1, 2, 3))


def test_shape_repr():
    assert repr(Shape((1, 2))) == "Shape([1, 2])"


def test_shape_from_list_and_empty():
    assert Shape([4, 5]) == (4, 5)
    assert Shape() == ()
    assert echo(Shape()) == ()
    assert type(echo(Shape())) is Shape


def test_shape_rejects_non_ints():
    with pytest.raises(TypeError):
        Shape((1, 2.5))


def test_shape_inside_array():
    arr = Array([Shape((2, 3)), (2, 3)])
    assert type(arr[0]) is Shape
    assert isinstance(arr[1], Array)
