"""Functions of the core: lookup, calling, release_gil, functions as values."""
import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import testing

echo = tvm_ffi_hpy.get_global_func("testing.echo")
add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
apply = tvm_ffi_hpy.get_global_func("testing.apply")


def test_get_global_func_returns_function():
    f = tvm_ffi_hpy.get_global_func("testing.nop")
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert isinstance(f, tvm_ffi_hpy.Object)
    assert f.__chandle__() != 0


def test_function_is_object_subclass():
    assert issubclass(tvm_ffi_hpy.Function, tvm_ffi_hpy.Object)


def test_get_global_func_missing_raises_value_error():
    with pytest.raises(ValueError, match="Cannot find global function testing.no_such_thing"):
        tvm_ffi_hpy.get_global_func("testing.no_such_thing")


def test_get_global_func_missing_allowed_returns_none():
    assert tvm_ffi_hpy.get_global_func("testing.no_such_thing", allow_missing=True) is None


def test_get_global_func_twice_gives_same_core_function():
    f1 = tvm_ffi_hpy.get_global_func("testing.echo")
    f2 = tvm_ffi_hpy.get_global_func("testing.echo")
    assert f1.same_as(f2)
    assert f1 == f2
    assert not f1.same_as(add_one)


def test_nop_returns_none():
    assert tvm_ffi_hpy.get_global_func("testing.nop")() is None


@pytest.mark.parametrize("value,expected", [(0, 1), (41, 42), (-1, 0), (-2**63, -2**63 + 1),
                                            (2**63 - 2, 2**63 - 1)],
                         ids=["zero", "answer", "minus_one", "int64_min", "near_int64_max"])
def test_add_one(value, expected):
    assert add_one(value) == expected


def test_add_one_accepts_bool_as_int():
    # The core's documented conversions: int <- int/bool.
    assert add_one(True) == 2


def test_function_repr_mentions_function():
    assert "Function" in repr(add_one)


def test_kwargs_rejected():
    with pytest.raises(TypeError, match="positional"):
        add_one(x=1)


def test_release_gil_default_false_and_settable():
    f = tvm_ffi_hpy.get_global_func("testing.add_one")
    assert f.release_gil is False
    f.release_gil = True
    assert f.release_gil is True
    assert f(1) == 2
    f.release_gil = False
    assert f.release_gil is False
    assert f(2) == 3


def test_release_gil_takes_truthiness():
    f = tvm_ffi_hpy.get_global_func("testing.add_one")
    f.release_gil = 1
    assert f.release_gil is True
    f.release_gil = ""
    assert f.release_gil is False


def test_release_gil_cannot_be_deleted():
    f = tvm_ffi_hpy.get_global_func("testing.add_one")
    with pytest.raises((AttributeError, TypeError)):
        del f.release_gil
    assert f.release_gil is False


def test_function_as_argument_and_result():
    f = echo(add_one)
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert f.same_as(add_one)
    assert f(10) == 11


def test_apply_core_function():
    assert apply(add_one, 5) == 6


def test_python_function_round_trip_via_echo():
    def triple(x):
        return 3 * x
    f = echo(triple)
    assert isinstance(f, tvm_ffi_hpy.Function)
    assert f(7) == 21
    assert echo(f).same_as(f)


def test_many_arguments_beyond_inline_buffer():
    args = list(range(20))
    assert list(apply(lambda *a: list(a), *args)) == args
    out = apply(lambda *a: sum(a), *args)
    assert out == sum(args)


def test_many_mixed_arguments_are_passed_in_order():
    args = [1, "two", 3.0, None, b"five", True, [7], {"eight": 8}, testing.TestIntPair(9, 9),
            "ten-is-longer", 11]
    seen = []

    def record(*a):
        seen.extend(a)
        return len(a)
    assert apply(record, *args) == len(args)
    assert seen[:6] == [1, "two", 3.0, None, b"five", True]
    assert list(seen[6]) == [7]
    assert seen[7]["eight"] == 8
    assert seen[8].same_as(args[8])
    assert seen[9:] == ["ten-is-longer", 11]


def test_make_array_of():
    arr = tvm_ffi_hpy.get_global_func("testing.make_array_of")(3, "x")
    assert isinstance(arr, tvm_ffi_hpy.Array)
    assert list(arr) == ["x", "x", "x"]


def test_make_array_of_zero():
    arr = tvm_ffi_hpy.get_global_func("testing.make_array_of")(0, 1)
    assert len(arr) == 0


def test_make_array_of_shares_object():
    pair = testing.TestIntPair(1, 2)
    arr = tvm_ffi_hpy.get_global_func("testing.make_array_of")(4, pair)
    assert len(arr) == 4
    assert all(item.same_as(pair) for item in arr)


def test_call_n_calls_n_times():
    calls = []
    tvm_ffi_hpy.get_global_func("testing.call_n")(lambda *a: calls.append(a), 5)
    assert len(calls) == 5


def test_call_n_zero_does_not_call():
    calls = []
    tvm_ffi_hpy.get_global_func("testing.call_n")(lambda *a: calls.append(a), 0)
    assert calls == []


def test_function_results_independent_of_previous_errors():
    with pytest.raises(TypeError):
        add_one("nope")
    assert add_one(1) == 2


def test_function_over_a_c_safe_call_symbol():
    import gc
    address = tvm_ffi_hpy.get_global_func("testing.get_add_one_c_symbol")()
    add_one = tvm_ffi_hpy.Function.__from_extern_c__(address)
    assert add_one(1) == 2 and add_one(41) == 42
    with pytest.raises(TypeError, match="add_one expects one int"):
        add_one(None)

    class Engine:
        pass

    engine = Engine()
    import weakref
    alive = weakref.ref(engine)
    add_one = tvm_ffi_hpy.Function.__from_extern_c__(address, keep_alive_object=engine)
    del engine
    gc.collect()
    assert alive() is not None and add_one(2) == 3  # the function keeps it
    del add_one
    for _ in range(3):
        gc.collect()
    assert alive() is None
    with pytest.raises(ValueError):
        tvm_ffi_hpy.Function.__from_extern_c__(0)
    with pytest.raises(TypeError):
        tvm_ffi_hpy.Function.__from_extern_c__("not an address")


def test_function_over_an_mlir_packed_symbol():
    address = tvm_ffi_hpy.get_global_func("testing.get_mlir_add_one_c_symbol")()
    add_one = tvm_ffi_hpy.Function.__from_mlir_packed_safe_call__(address)
    assert add_one(9) == 10
    with pytest.raises(TypeError):
        add_one("x")


def test_function_from_extern_c_wraps_a_c_safe_call():
    # ffi.FunctionFromExternC(self, safe_call, deleter): a new Function over a
    # C safe call; here the safe call (TVMFFIFunctionCell at offset 24) and
    # handle of an existing Function, which stays alive meanwhile.
    import ctypes
    add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
    handle = add_one.__chandle__()
    safe_call = ctypes.c_void_p.from_address(handle + 24).value
    make = tvm_ffi_hpy.get_global_func("ffi.FunctionFromExternC")
    f = make(ctypes.c_void_p(handle), ctypes.c_void_p(safe_call), None)
    assert isinstance(f, tvm_ffi_hpy.Function) and f is not add_one
    assert f(41) == 42
    with pytest.raises(TypeError, match="Expected `int` but got `str`"):
        f("x")
    with pytest.raises(ValueError, match="safe_call is NULL"):
        make(None, None, None)
