"""Python values -> core values -> Python values."""
import math
import weakref

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import testing
from conftest import collect, released

echo = tvm_ffi_hpy.get_global_func("testing.echo")


# ---------------------------------------------------------------------------
# POD values
# ---------------------------------------------------------------------------
def test_none_round_trips():
    assert echo(None) is None
    assert tvm_ffi_hpy.convert(None) is None


@pytest.mark.parametrize("value", [True, False])
def test_bool_stays_bool(value):
    out = echo(value)
    assert type(out) is bool
    assert out is value


@pytest.mark.parametrize("value", [0, 1, -1, 2**31, -2**31 - 1, 2**63 - 1, -2**63],
                         ids=["zero", "one", "minus_one", "above_int32", "below_int32",
                              "int64_max", "int64_min"])
def test_int_round_trips(value):
    out = echo(value)
    assert type(out) is int
    assert out == value


def test_int_and_bool_are_not_confused():
    assert type(echo(1)) is int
    assert type(echo(0)) is int
    assert type(echo(True)) is bool


@pytest.mark.parametrize("value", [2**63, -2**63 - 1, 2**100, -2**200],
                         ids=["int64_max_plus_one", "int64_min_minus_one", "huge", "huge_negative"])
def test_int_out_of_int64_is_a_big_int(value):
    # kTVMFFIBigInt in the core (tests/test_big_int.py), a plain int back
    assert echo(value) == value and type(echo(value)) is int
    assert tvm_ffi_hpy.convert(value) == value


def test_int_subclass_converts_to_its_value():
    class MyInt(int):
        pass
    out = echo(MyInt(12))
    assert isinstance(out, int)
    assert out == 12


@pytest.mark.parametrize("value", [0.0, 1.5, -2.25, 1e308, 5e-324, 1.0 / 3.0],
                         ids=["zero", "one_and_half", "negative", "large", "denormal", "third"])
def test_float_round_trips_exactly(value):
    out = echo(value)
    assert type(out) is float
    assert out == value


def test_float_negative_zero_keeps_sign():
    out = echo(-0.0)
    assert out == 0.0
    assert math.copysign(1.0, out) == -1.0


def test_float_nan():
    out = echo(float("nan"))
    assert type(out) is float
    assert math.isnan(out)


@pytest.mark.parametrize("value", [float("inf"), float("-inf")], ids=["inf", "minus_inf"])
def test_float_infinities(value):
    out = echo(value)
    assert math.isinf(out)
    assert out == value


def test_integral_float_stays_float():
    out = echo(2.0)
    assert type(out) is float
    assert out == 2.0


# ---------------------------------------------------------------------------
# Strings and bytes: small (<= 7 bytes) and heap forms, boundaries, NULs
# ---------------------------------------------------------------------------
STRINGS = {
    "empty": "",
    "one_char": "a",
    "seven_bytes": "abcdefg",
    "eight_bytes": "abcdefgh",
    "long": "x" * 1000,
    "very_long": "tvm-ffi " * 10000,
    "latin1": "h\u00e9llo w\u00f6rld",
    "cjk": "\u4f60\u597d\u4e16\u754c",
    "emoji": "\U0001F600 smile \U0001F680",
    "multibyte_at_small_boundary": "ab\u00e9\u00e9\u00e9",  # 2 + 3*2 = 8 bytes
    "nul_only": "\0",
    "nul_inside_small": "a\0b",
    "nul_inside_long": "before\0after the nul byte",
    "trailing_nul": "abcdefghij\0",
    "leading_nul": "\0abcdefghij",
}


@pytest.mark.parametrize("value", list(STRINGS.values()), ids=list(STRINGS))
def test_str_round_trips(value):
    out = echo(value)
    assert type(out) is str
    assert out == value
    assert len(out) == len(value)


BYTES = {
    "empty": b"",
    "nul": b"\0",
    "seven": b"1234567",
    "eight": b"12345678",
    "binary_small": b"\xff\x00\x01",
    "all_byte_values": bytes(range(256)),
    "long_with_nuls": b"\0\1\2" * 5000,
}


@pytest.mark.parametrize("value", list(BYTES.values()), ids=list(BYTES))
def test_bytes_round_trips(value):
    out = echo(value)
    assert type(out) is bytes
    assert out == value


def test_str_and_bytes_stay_distinct():
    assert type(echo("abc")) is str
    assert type(echo(b"abc")) is bytes
    assert echo("abc") != echo(b"abc")


def test_string_and_bytes_subclasses_come_back_plain():
    s = echo(tvm_ffi_hpy.String("hello world"))
    b = echo(tvm_ffi_hpy.Bytes(b"raw bytes!"))
    assert type(s) is str and s == "hello world"
    assert type(b) is bytes and b == b"raw bytes!"


def test_convert_passes_scalars_through():
    assert tvm_ffi_hpy.convert(5) == 5
    assert tvm_ffi_hpy.convert(2.5) == 2.5
    assert tvm_ffi_hpy.convert("s") == "s"
    assert tvm_ffi_hpy.convert(b"b") == b"b"
    assert tvm_ffi_hpy.convert(True) is True


# ---------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------
def test_list_becomes_array():
    out = echo([1, "two", 3.0, None, True])
    assert isinstance(out, tvm_ffi_hpy.Array)
    assert list(out) == [1, "two", 3.0, None, True]
    assert type(out[4]) is bool


def test_tuple_becomes_array():
    out = tvm_ffi_hpy.convert((1, 2, 3))
    assert isinstance(out, tvm_ffi_hpy.Array)
    assert list(out) == [1, 2, 3]


def test_empty_list_becomes_empty_array():
    out = tvm_ffi_hpy.convert([])
    assert isinstance(out, tvm_ffi_hpy.Array)
    assert len(out) == 0


def test_dict_becomes_map():
    out = echo({"a": 1, "b": "x"})
    assert isinstance(out, tvm_ffi_hpy.Map)
    assert len(out) == 2
    assert out["a"] == 1 and out["b"] == "x"


def test_nested_list_and_dict():
    out = tvm_ffi_hpy.convert({"k": [1, [2, {"z": 3}]]})
    inner = out["k"]
    assert isinstance(inner, tvm_ffi_hpy.Array)
    assert inner[0] == 1
    assert isinstance(inner[1], tvm_ffi_hpy.Array)
    assert isinstance(inner[1][1], tvm_ffi_hpy.Map)
    assert inner[1][1]["z"] == 3


def test_shape_round_trips_as_shape():
    shape = tvm_ffi_hpy.Shape((1, 2, 3))
    out = echo(shape)
    assert type(out) is tvm_ffi_hpy.Shape
    assert out == (1, 2, 3)
    assert isinstance(out, tuple)


def test_shape_is_not_an_array():
    out = tvm_ffi_hpy.convert(tvm_ffi_hpy.Shape([4, 5]))
    assert not isinstance(out, tvm_ffi_hpy.Array)
    assert out == (4, 5)


def test_shape_with_int64_extremes():
    shape = tvm_ffi_hpy.Shape((2**63 - 1, 0, -1))
    assert echo(shape) == (2**63 - 1, 0, -1)


def test_array_with_a_big_int_item():
    assert list(tvm_ffi_hpy.convert([1, 2, 2**64])) == [1, 2, 2**64]


def test_map_with_a_big_int_value():
    assert dict(tvm_ffi_hpy.convert({"ok": 1, "big": 2**64}).items()) == {"ok": 1, "big": 2**64}


# ---------------------------------------------------------------------------
# Objects
# ---------------------------------------------------------------------------
def test_object_round_trips_to_same_core_object():
    pair = testing.TestIntPair(1, 2)
    out = echo(pair)
    assert out.same_as(pair)
    assert out == pair
    assert hash(out) == hash(pair)
    assert out.__chandle__() == pair.__chandle__()
    assert isinstance(out, testing.TestIntPair)


def test_convert_of_object_is_same_core_object():
    pair = testing.TestIntPair(5, 6)
    assert tvm_ffi_hpy.convert(pair).same_as(pair)


def test_array_convert_identity():
    arr = tvm_ffi_hpy.convert([1, 2])
    assert tvm_ffi_hpy.convert(arr).same_as(arr)
    assert echo(arr).same_as(arr)


# ---------------------------------------------------------------------------
# Callables and other Python objects
# ---------------------------------------------------------------------------
def test_callable_becomes_function():
    f = tvm_ffi_hpy.convert(lambda x: x * 3)
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert f(4) == 12


def test_builtin_callable_becomes_function():
    f = tvm_ffi_hpy.convert(len)
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert f("abcd") == 4


def test_class_is_callable_and_becomes_function():
    class Box:
        def __init__(self, v):
            self.v = v
    f = echo(Box)
    assert isinstance(f, tvm_ffi_hpy.Function)
    box = f(9)
    assert isinstance(box, Box)
    assert box.v == 9


class Opaque:
    def __init__(self, tag):
        self.tag = tag


@pytest.mark.parametrize("make", [
    lambda: Opaque("t"),
    lambda: object(),
    lambda: {1, 2, 3},
    lambda: frozenset("ab"),
    lambda: 1 + 2j,
    lambda: bytearray(b"abc"),
    lambda: range(3),
    lambda: Ellipsis,
], ids=["instance", "object", "set", "frozenset", "complex", "bytearray", "range", "ellipsis"])
def test_other_python_objects_come_back_identical(make):
    value = make()
    assert echo(value) is value


def test_opaque_object_inside_array_keeps_identity():
    a, b = Opaque("a"), Opaque("b")
    arr = tvm_ffi_hpy.convert([a, b, a])
    assert arr[0] is a
    assert arr[1] is b
    assert arr[2] is a


def test_opaque_object_kept_alive_by_core_and_then_released():
    value = Opaque("kept")
    ref = weakref.ref(value)
    arr = tvm_ffi_hpy.convert([value])
    del value
    collect()
    assert ref() is not None
    assert arr[0].tag == "kept"
    del arr
    assert released(ref)


def test_many_python_objects_held_at_once_across_table_chunks():
    # The extension keeps Python objects held by the core in a table of
    # chunks of 1024, 2048, 4096, ... slots (hpy_ext/convert.cc): 5,000
    # objects fill the first two and part of the third; every one comes back
    # as itself and all are released with the array, twice (the second round
    # reuses the freed slots).
    for round_ in range(2):
        values = [Opaque(i) for i in range(5000)]
        refs = [weakref.ref(v) for v in values[::499]]
        arr = tvm_ffi_hpy.convert(values)
        for i in (0, 1023, 1024, 3071, 3072, 4999):
            assert arr[i] is values[i]
        assert [arr[i].tag for i in range(0, 5000, 250)] == list(range(0, 5000, 250))
        del values
        collect()
        assert all(r() is not None for r in refs)     # the core holds them
        del arr
        assert all(released(r) for r in refs), round_


def test_temporary_conversions_release_python_objects():
    value = Opaque("temp")
    ref = weakref.ref(value)
    for _ in range(10):
        assert echo(value) is value
    del value
    assert released(ref)
