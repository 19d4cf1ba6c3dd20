"""Array, List, Map, Dict and Shape."""
import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Dict, List, Map, Shape, testing
from conftest import PYPY_DEBUG

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


def test_container_equality_is_structural_and_identity_is_kept():
    a, b = Array([1, 2]), Array([1, 2])
    assert a == b and not (a != b) and a is not b and echo(a) is a
    assert a != Array([1, 3]) and a != Array([1, 2, 3]) and a != Array([1.0, 2.0])
    assert a == [1, 2] and (1, 2) == a and a == List([1, 2]) and List([1, 2]) == (1, 2)
    assert a.__eq__("12") is NotImplemented and a.__eq__({1: 2}) is NotImplemented
    assert a != "12" and a != 12
    assert Array([Array([1]), "s"]) == Array([Array([1]), "s"])
    assert hash(a) == hash(b) and len({a, b, Array([2, 1])}) == 2
    assert {a: "x"}[b] == "x"
    m = Map({"k": Array([1])})
    assert m == Map({"k": (1,)}) and m != Map({"k": Array([2])}) and m != Map({})
    assert m.__eq__({"k": [1]}) is NotImplemented and m != {"k": [1]}
    assert m.__eq__(Dict({"k": [1]})) is NotImplemented
    assert hash(m) == hash(Map({"k": [1]}))
    d = Dict({"x": 1})
    assert d == Dict({"x": 1}) and d != Dict({"x": 2}) and hash(d) == hash(Dict({"x": 1}))
    assert ("BLOCK", 128) in Array([("BLOCK", 128)]) and (1,) in List([[1]])


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


# ---------------------------------------------------------------------------
# List: mutable, shared by reference
# ---------------------------------------------------------------------------
list_append = tvm_ffi_hpy.get_global_func("ffi.ListAppend")
list_setitem = tvm_ffi_hpy.get_global_func("ffi.ListSetItem")
dict_setitem = tvm_ffi_hpy.get_global_func("ffi.DictSetItem")


def test_list_is_a_mutable_sequence():
    import collections.abc
    lst = List([1, "a"])
    assert isinstance(lst, collections.abc.MutableSequence)
    assert isinstance(lst, tvm_ffi_hpy.Object)
    assert not isinstance(lst, Array) and not isinstance(Array(), List)
    assert len(lst) == 2 and lst[0] == 1 and lst[-1] == "a"
    assert lst[::-1] == ["a", 1]
    assert List() .__len__() == 0


def test_list_mutation_methods():
    lst = List([3, 1])
    lst.append(4)
    lst.insert(0, 0)
    lst.insert(-100, -1)   # clamped like list.insert
    lst.insert(100, 9)
    lst.extend((5, 6))
    lst += [7]
    assert list(lst) == [-1, 0, 3, 1, 4, 9, 5, 6, 7]
    assert lst.pop() == 7
    assert lst.pop(0) == -1
    assert lst.pop(-2) == 5
    lst.remove(9)
    lst.reverse()
    assert list(lst) == [6, 4, 1, 3, 0]
    assert lst.index(1) == 2
    assert lst.index(0, 1, 5) == 4
    with pytest.raises(ValueError):
        lst.index(42)
    with pytest.raises(ValueError):
        lst.remove(42)
    assert List([1, 2, 1, 1]).count(1) == 3
    assert list(reversed(List([1, 2, 3]))) == [3, 2, 1]
    lst.clear()
    assert len(lst) == 0 and not lst


@pytest.mark.parametrize("index", [
    0, 3, -1, -6, slice(None), slice(1, 4), slice(4, 1), slice(None, None, 2),
    slice(None, None, -1), slice(5, 0, -2), slice(-2, None), slice(1, 1)])
def test_list_setitem_delitem_match_python_list(index):
    ref = [0, 1, 2, 3, 4, 5]
    lst = List(ref)
    if isinstance(index, slice):
        size = len(range(*index.indices(6)))
        step = index.step or 1
        new = [10 + i for i in range(size)] if step != 1 else [10, 11, 12]
    else:
        new = 10
    ref[index] = new
    lst[index] = new
    assert list(lst) == ref
    del ref[index]
    del lst[index]
    assert list(lst) == ref


def test_list_slice_assignment_of_itself():
    lst = List([0, 1, 2, 3, 4])
    lst[1:3] = lst
    assert list(lst) == [0, 0, 1, 2, 3, 4, 3, 4]
    lst.extend(lst)
    assert len(lst) == 16


def test_list_bad_input():
    lst = List([1, 2, 3])
    for bad in (3, -4):
        with pytest.raises(IndexError):
            lst[bad]
        with pytest.raises(IndexError):
            lst[bad] = 0
        with pytest.raises(IndexError):
            del lst[bad]
        with pytest.raises(IndexError):
            lst.pop(bad)
    with pytest.raises(IndexError, match="pop from empty list"):
        List().pop()
    with pytest.raises(TypeError):
        lst["a"]
    with pytest.raises(TypeError):
        lst["a"] = 1
    with pytest.raises(ValueError, match="extended slice of size 2"):
        lst[::2] = [1, 2, 3]
    with pytest.raises(TypeError):
        List(1)
    with pytest.raises(TypeError, match="ffi.List"):
        tvm_ffi_hpy.get_global_func("ffi.ListAppend")(Array(), 1)
    with pytest.raises(IndexError, match="List index out of range"):
        tvm_ffi_hpy.get_global_func("ffi.ListInsert")(lst, 10, 1)
    with pytest.raises(TypeError, match="List or an Array"):
        tvm_ffi_hpy.get_global_func("ffi.ListReplaceSlice")(lst, 0, 1, 5)
    assert list(lst) == [1, 2, 3]


def test_list_shared_by_reference_with_cpp():
    lst = List([1])
    holder = Map({"l": lst})   # C++ holds the List: one wrapper
    assert holder["l"] is lst
    assert echo(lst) is lst
    holder["l"].append(2)      # through the holder
    list_append(lst, 3)        # through a C++ function
    list_setitem(lst, 0, "x")
    assert list(lst) == ["x", 2, 3]
    assert list(holder["l"]) == ["x", 2, 3]


def test_list_items_keep_identity():
    obj = testing.TestIntPair(1, 2)
    lst = List([obj, [1, 2]])
    assert lst[0] is obj
    assert lst[1] is lst[1]
    assert isinstance(lst[1], Array)   # a Python list inside becomes an Array
    lst[0] = lst[1]
    assert lst[0] is lst[1]
    assert obj in List([obj]) and 5 not in lst


def test_list_iteration_sees_mutation():
    lst = List([1, 2])
    seen = []
    for item in lst:
        seen.append(item)
        if item == 1:
            lst.append(3)
    assert seen == [1, 2, 3]


def test_list_add_and_repr():
    lst = List([1, 2])
    assert isinstance(lst + [3], List) and list(lst + [3]) == [1, 2, 3]
    assert isinstance([0] + lst, List) and list([0] + lst) == [0, 1, 2]
    assert repr(List([1, "a", List()])) == '[1, "a", []]'  # ffi.ReprPrint
    assert str(List()) == "[]"


def test_list_pickle_copy_deepcopy():
    import copy
    import pickle
    inner = List([1])
    lst = List([inner, "s", {"k": 2}, inner])
    back = pickle.loads(pickle.dumps(lst))
    assert isinstance(back, List) and back[1] == "s" and back[2]["k"] == 2
    assert back[0] is back[3] and not back[0].same_as(inner)   # sharing kept
    shallow = copy.copy(lst)
    assert isinstance(shallow, List) and not shallow.same_as(lst)
    assert shallow[0] is inner
    shallow.append(1)
    assert len(lst) == 4
    deep = copy.deepcopy(lst)
    assert deep[0] is deep[3] and not deep[0].same_as(inner)
    assert list(deep[0]) == [1]


def test_list_holding_itself_pickles_and_prints():
    import copy
    import pickle
    lst = List([1])
    lst.append(lst)
    try:
        assert repr(lst) == "[1, ...]"
        back = pickle.loads(pickle.dumps(lst))
        assert back[1] is back
        deep = copy.deepcopy(lst)
        assert deep[1] is deep and not deep.same_as(lst)
    finally:  # break the core cycles
        lst.clear()
        if "back" in locals():
            back.clear()
        if "deep" in locals():
            deep.clear()


def test_list_dict_annotations():
    from tvm_ffi_hpy.type_schema import TypeSchema
    assert TypeSchema.from_annotation(List[int]).repr() == "List[int]"
    assert TypeSchema.from_annotation(Dict[str, int]).repr() == "Dict[str, int]"
    converted = TypeSchema.from_annotation(List[int]).convert(Array([1, 2]))
    assert converted.type_index == tvm_ffi_hpy.core._ffi.kTVMFFIList
    with pytest.raises(TypeError, match="element \\[0\\]: expected int"):
        TypeSchema.from_annotation(List[int]).convert(List(["x"]))


def test_python_list_and_dict_still_convert_to_array_and_map():
    assert type(echo([1])) is Array
    assert type(echo({"a": 1})) is Map
    assert type(tvm_ffi_hpy.convert([1])) is Array


# ---------------------------------------------------------------------------
# Dict: mutable, shared by reference
# ---------------------------------------------------------------------------
def test_dict_is_a_mutable_mapping():
    import collections.abc
    d = Dict({"a": 1, 2: "b"})
    assert isinstance(d, collections.abc.MutableMapping)
    assert not isinstance(d, Map) and not isinstance(Map(), Dict)
    assert len(d) == 2 and d["a"] == 1 and d[2] == "b" and d[2.0] == "b"
    assert "a" in d and "z" not in d
    assert len(Dict()) == 0 and not Dict() and len(Dict(None)) == 0
    assert dict(Dict([("x", 1)], y=2)) == {"x": 1, "y": 2}


def test_dict_mutation_methods():
    d = Dict({"a": 1})
    d["b"] = 2
    d["a"] = 10                     # replaced in place: order kept
    assert list(d) == ["a", "b"]
    assert d.setdefault("a", 5) == 10
    assert d.setdefault("c") is None
    assert d.pop("c") is None
    assert d.pop("zz", 7) == 7
    d.update({"x": 1}, y=2)
    d.update([("z", 3)])
    assert list(d.items()) == [("a", 10), ("b", 2), ("x", 1), ("y", 2), ("z", 3)]
    assert d.popitem() == ("z", 3)      # the last inserted, as dict
    del d["b"]
    assert list(d.keys()) == ["a", "x", "y"]
    assert list(d.values()) == [10, 1, 2]
    assert d.get("a") == 10 and d.get("q") is None and d.get("q", 0) == 0
    d.clear()
    assert len(d) == 0
    with pytest.raises(KeyError):
        d.popitem()


def test_dict_views_are_live():
    d = Dict({"a": 1})
    keys, items = d.keys(), d.items()
    d["b"] = 2
    assert len(keys) == 2 and "b" in keys and ("b", 2) in items and ("b", 3) not in items
    assert set(keys) == {"a", "b"} and 2 in d.values()


def test_dict_bad_input():
    d = Dict({"a": 1})
    with pytest.raises(KeyError, match="'zz'"):
        d["zz"]
    with pytest.raises(KeyError):
        del d["zz"]
    with pytest.raises(KeyError):
        d.pop("zz")
    with pytest.raises(ValueError, match="even number"):
        tvm_ffi_hpy.get_global_func("ffi.Dict")(1)
    with pytest.raises(TypeError, match="ffi.Dict"):
        dict_setitem(Map(), 1, 2)
    with pytest.raises(TypeError):
        Dict([1, 2])      # not pairs
    assert dict(d) == {"a": 1}


def test_dict_shared_by_reference_with_cpp():
    d = Dict()
    holder = List([d])
    assert holder[0] is d and echo(d) is d
    holder[0]["a"] = 1
    dict_setitem(d, "b", [1])
    assert dict(d.items()) == {"a": 1, "b": d["b"]} and d["b"] is d["b"]
    obj = testing.TestIntPair(1, 2)
    d[obj] = obj            # objects as keys by identity
    assert d[obj] is obj and testing.TestIntPair(1, 2) not in d


def test_dict_pickle_copy_deepcopy_repr():
    import copy
    import pickle
    inner = List([1])
    d = Dict({"a": inner, "b": inner})
    back = pickle.loads(pickle.dumps(d))
    assert isinstance(back, Dict) and back["a"] is back["b"] and list(back["a"]) == [1]
    shallow = copy.copy(d)
    assert shallow["a"] is inner and not shallow.same_as(d)
    deep = copy.deepcopy(d)
    assert deep["a"] is deep["b"] and not deep["a"].same_as(inner)
    assert repr(Dict({"a": 1, 2: List()})) == '{"a": 1, 2: []}'
    d2 = Dict()
    d2["self"] = d2
    try:
        assert repr(d2) == '{"self": ...}'
        back2 = pickle.loads(pickle.dumps(d2))
        assert back2["self"] is back2
    finally:  # break the core cycles
        d2.clear()
        if "back2" in locals():
            back2.clear()


def test_dict_many_entries_and_erase_keeps_order():
    d = Dict({"k%d" % i: i for i in range(500)})
    for i in range(0, 500, 2):
        del d["k%d" % i]
    assert list(d.values()) == list(range(1, 500, 2))
    assert all(d["k%d" % i] == i for i in range(1, 500, 50))


# ---------------------------------------------------------------------------
# Twins: a C++ parameter of type Array takes a List (copied), and so on
# ---------------------------------------------------------------------------
def test_cpp_array_parameter_takes_a_list_and_back():
    lst = List([10, 20])
    arr = testing.schema_id_arr_int(lst)
    assert type(arr) is Array and list(arr) == [10, 20]
    lst.append(30)                      # the Array is a copy
    assert len(arr) == 2
    back = testing.schema_id_list_int(arr)
    assert type(back) is List and list(back) == [10, 20] and not back.same_as(lst)
    assert testing.schema_id_list_int(lst) is lst      # no copy for a List
    assert type(testing.schema_id_list_str(["a"])) is List  # a Python list too
    with pytest.raises(TypeError, match=r"Expected `Array\[int\]` but got `ffi.List`"):
        testing.schema_id_arr_int(List(["x"]))
    with pytest.raises(TypeError, match=r"Expected `List\[int\]` but got `ffi.Map`"):
        testing.schema_id_list_int(Map())


def test_cpp_map_parameter_takes_a_dict_and_back():
    d = Dict({"a": 1})
    m = testing.schema_id_map_str_int(d)
    assert type(m) is Map and dict(m.items()) == {"a": 1}
    d["a"] = 2                          # the Map is a copy
    assert m["a"] == 1
    d2 = testing.schema_id_dict_str_int(m)
    assert type(d2) is Dict and d2["a"] == 1
    assert testing.schema_id_dict_str_int(d) is d
    assert type(testing.schema_id_dict_str_str({"k": "v"})) is Dict
    with pytest.raises(TypeError, match=r"Expected `Dict\[str, int\]` but got `ffi.Map`"):
        testing.schema_id_dict_str_int(Map({"a": "x"}))


@pytest.mark.skipif(PYPY_DEBUG, reason="2**20 items through HPy calls: hours in PyPy's HPy "
                    "debug mode (conftest.PYPY_DEBUG); every other lane runs it")
@pytest.mark.parametrize("cls", [Array, List, Map, Dict])
def test_constructors_take_more_items_than_a_call_has_room_for(cls):
    # HPy's CPython runtime copies a call's positional arguments to the C
    # stack: 2**20 of them overflowed it (a crash) when the constructors
    # passed their items one argument each.  They pass one list now.
    n = (1 << 20) + 3
    if cls in (Map, Dict):
        c = cls({k: -k for k in range(n)})
        assert len(c) == n and c[0] == 0 and c[n - 1] == -(n - 1)
    else:
        c = cls(iter(range(n)))  # any iterable, not only a list
        assert len(c) == n and c[0] == 0 and c[n - 1] == n - 1


def test_items_constructor_refuses_anything_but_a_list_or_tuple():
    ctor = tvm_ffi_hpy.get_global_func("ffi.Array")
    a = Array([1])
    with pytest.raises(TypeError, match="list or tuple"):
        a._init_handle_by_constructor_items(ctor, 5)
    with pytest.raises(TypeError, match="list or tuple"):
        a._init_handle_by_constructor_items(ctor)
    assert list(Array((1, 2))) == [1, 2]  # a tuple is taken as it is
