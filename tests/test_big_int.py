"""Integers beyond int64 cross as kTVMFFIBigInt (c_api.h "Big integers")
and come back as plain ints."""
import json

import numpy as np
import pytest

import tvm_ffi_hpy as ffi

echo = ffi.get_global_func("testing.echo")
add = ffi.get_global_func("testing.big_int_add")
sub = ffi.get_global_func("testing.big_int_sub")
less = ffi.get_global_func("testing.big_int_less")

BIG = (1 << 255) | (0x0123456789ABCDEF << 128) | 0xFEDCBA9876543210
EDGES = [0, -1, (1 << 63) - 1, -(1 << 63), 1 << 63, -(1 << 63) - 1, 1 << 64, BIG, -BIG]


@pytest.mark.parametrize("value", EDGES)
def test_round_trip_is_a_plain_int(value):
    result = echo(value)
    assert type(result) is int and result == value


def test_arithmetic_promotes_and_demotes():
    assert add((1 << 63) - 1, 1) == 1 << 63
    assert add(-(1 << 63), -1) == -(1 << 63) - 1
    for value in EDGES:
        assert add(value, -value) == 0
        assert sub(value, 17) == value - 17
        assert less(value, value + 1) and not less(value, value)
    # the result of a demotion is an int64 again: it passes an int64 parameter
    assert ffi.get_global_func("testing.add_one")(add(BIG, 5 - BIG)) == 6


def test_int64_parameters_refuse_big_ints():
    with pytest.raises(TypeError, match="ffi.BigInt"):
        ffi.get_global_func("testing.add_one")(1 << 70)


def test_big_ints_in_containers_and_as_map_keys():
    values = [BIG, -BIG, 0, (1 << 63) - 1]
    assert list(echo(values)) == values
    mapping = echo({v: -v for v in values})
    for v in values:
        assert mapping[v] == -v and v in mapping
    assert (BIG + 1) not in mapping


def test_callbacks_receive_plain_ints():
    seen = []
    f = ffi.convert(lambda x: seen.append(x) or -x)
    assert f(BIG) == -BIG and seen == [BIG] and type(seen[0]) is int


def test_numpy_unsigned_integer():
    assert echo(np.uint64((1 << 64) - 1)) == (1 << 64) - 1


def test_type_schema_names_big_ints():
    meta = ffi.get_global_func_metadata("testing.big_int_add")
    assert json.loads(meta["type_schema"])["named_args"]["params"] == [
        {"type": "ffi.BigInt"}, {"type": "ffi.BigInt"}]
