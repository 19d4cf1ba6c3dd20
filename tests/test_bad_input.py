"""Bad input raises clear Python exceptions and never crashes the process."""
import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Array, Map, Shape, testing
from conftest import GLOBAL_FUNCS_NOT_SWEPT, field_accessor, field_descriptor

echo = tvm_ffi_hpy.get_global_func("testing.echo")
add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
apply = tvm_ffi_hpy.get_global_func("testing.apply")
use_count = tvm_ffi_hpy.get_global_func("testing.object_use_count")


@pytest.mark.parametrize("name", [123, None, b"testing.echo", ["testing.echo"]],
                         ids=["int", "none", "bytes", "list"])
def test_get_global_func_non_str_name(name):
    with pytest.raises(TypeError):
        tvm_ffi_hpy.get_global_func(name)


def test_remove_global_func_non_str_name():
    with pytest.raises(TypeError):
        tvm_ffi_hpy.remove_global_func(42)


@pytest.mark.parametrize("value", ["one", "a string longer than seven bytes", None, 1.5, [1],
                                   {"a": 1}, b"1"],
                         ids=["small_str", "long_str", "none", "float", "list", "dict", "bytes"])
def test_add_one_wrong_type(value):
    with pytest.raises(TypeError) as info:
        add_one(value)
    assert "int" in str(info.value)


def test_add_one_wrong_type_object():
    with pytest.raises(TypeError):
        add_one(testing.TestIntPair(1, 2))


@pytest.mark.parametrize("args", [(), (1, 2), (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)],
                         ids=["none", "two", "ten"])
def test_add_one_wrong_arity(args):
    with pytest.raises(TypeError):
        add_one(*args)


def test_echo_wrong_arity():
    with pytest.raises(TypeError):
        echo()
    with pytest.raises(TypeError):
        echo(1, 2)


def test_kwargs_on_core_function():
    with pytest.raises(TypeError):
        echo(1, extra=2)
    with pytest.raises(TypeError):
        tvm_ffi_hpy.get_global_func("testing.nop")(a=1)


def test_apply_non_function():
    with pytest.raises(TypeError):
        apply(1, 2)


def test_apply_without_arguments():
    with pytest.raises(TypeError):
        apply()


def test_use_count_of_non_object():
    with pytest.raises(TypeError):
        use_count(5)


def test_raise_error_wrong_argument_types():
    raise_error = tvm_ffi_hpy.get_global_func("testing.test_raise_error")
    with pytest.raises(TypeError):
        raise_error(1, 2)


class _Unconvertible:
    """Its conversion protocol fails: the argument cannot cross."""

    def __tvm_ffi_int__(self):
        raise ArithmeticError("no int for you")


def test_failing_argument_after_valid_ones_does_not_leak():
    pair = testing.TestIntPair(1, 2)
    with pytest.raises(ArithmeticError, match="no int for you"):
        apply(lambda *a: None, pair, "a long string that lives on the heap", [1, 2],
              2**64, _Unconvertible())
    assert use_count(pair) == 1


def test_failing_argument_in_nested_container():
    with pytest.raises(ArithmeticError):
        echo({"a": [1, {"b": 2**65, "c": _Unconvertible()}]})


def test_shape_overflow():
    with pytest.raises(TypeError, match="ffi.BigInt"):
        echo(Shape((1, 2**64)))


def test_lone_surrogate_string():
    text = "bad \ud800 surrogate"
    try:
        out = echo(text)
    except UnicodeError:
        return
    assert out == text


def test_moved_object_passed_to_function():
    pair = testing.TestIntPair(1, 2)
    kept = echo(pair._move())
    with pytest.raises(ValueError, match="moved"):
        add_one(pair)
    with pytest.raises(ValueError, match="moved"):
        tvm_ffi_hpy.convert([pair])
    assert kept.sum() == 3


@pytest.mark.reenters_extension  # some global functions run Python hooks
def test_every_global_function_takes_a_moved_argument_cleanly():
    # A moved object (x._move()) in every position of 1 to 3 arguments of
    # every global function: a result or a clean exception, never a crash.
    # A typed C++ parameter that only views its argument (AnyView) once saw
    # the moved object freed before the call (a double free).
    makers = [lambda: testing.TestIntPair(5, 6), lambda: Array([1, "a"]),
              lambda: Map({"k": 1}), lambda: testing.TestHolder(testing.TestIntPair(1, 2))]
    names = sorted(set(tvm_ffi_hpy.list_global_func_names()) - set(GLOBAL_FUNCS_NOT_SWEPT))
    assert len(names) > 100
    for name in names:
        f = tvm_ffi_hpy.get_global_func(name)
        for make in makers:
            for n in range(1, 4):
                for pos in range(n):
                    moved = make()
                    args = [make() for _ in range(n)]
                    args[pos] = moved._move()
                    try:
                        f(*args)
                    except Exception as err:  # noqa: BLE001 - any clean exception
                        assert isinstance(str(err), str)
                    # taken (the wrapper is empty) or given back (still usable)
                    assert isinstance(repr(moved), str)
    assert add_one(41) == 42


def test_moved_array_operations():
    arr = Array([1, 2, 3])
    kept = echo(arr._move())
    with pytest.raises(ValueError, match="moved"):
        len(arr)
    with pytest.raises(ValueError, match="moved"):
        arr[0]
    assert "moved" in repr(arr)
    assert list(kept) == [1, 2, 3]


def test_moved_map_operations():
    m = Map({"a": 1})
    kept = echo(m._move())
    with pytest.raises(ValueError, match="moved"):
        m["a"]
    assert "moved" in repr(m)
    assert kept["a"] == 1


def test_field_accessor_on_wrong_type():
    pair = testing.TestIntPair(1, 2)
    accessor = field_accessor(testing.TestObjectBase, "v_i64")
    with pytest.raises(TypeError, match="does not apply"):
        accessor(pair)
    with pytest.raises(TypeError, match="does not apply"):
        accessor(pair, 3)
    assert pair.a == 1


def test_field_descriptor_on_wrong_type():
    pair = testing.TestIntPair(1, 2)
    descriptor = field_descriptor(testing.TestObjectBase, "v_i64")
    with pytest.raises(TypeError):
        descriptor.__get__(pair)
    with pytest.raises(TypeError):
        descriptor.__set__(pair, 3)
    assert pair.a == 1


def test_field_accessor_on_non_object():
    with pytest.raises(TypeError):
        field_accessor(testing.TestIntPair, "a")(42)
    with pytest.raises(TypeError):
        field_descriptor(testing.TestIntPair, "a").__get__(42)


def test_create_object_unknown_type():
    with pytest.raises((ValueError, KeyError, TypeError)):
        testing.create_object("testing.NoSuchType")


def test_create_object_wrong_field_type():
    with pytest.raises(TypeError):
        testing.create_object("testing.TestObjectBase", v_i64="ten")


def test_unregistered_type_key_lookup():
    with pytest.raises(Exception):
        tvm_ffi_hpy.core._ffi.type_key_to_index("testing.NoSuchType")


def test_register_class_bad_index():
    with pytest.raises(ValueError):
        tvm_ffi_hpy.core._ffi.register_class(10**6, testing.TestIntPair)


def test_release_gil_with_failing_bool():
    class Bad:
        def __bool__(self):
            raise ZeroDivisionError("no truth")
    f = tvm_ffi_hpy.get_global_func("testing.nop")
    with pytest.raises(ZeroDivisionError):
        f.release_gil = Bad()
    assert f.release_gil is False


def test_callback_error_then_normal_calls():
    def bad():
        raise ValueError("bad callback")
    for _ in range(3):
        with pytest.raises(ValueError):
            apply(bad)
    assert apply(lambda: "fine") == "fine"


def test_object_constructor_wrong_arguments():
    with pytest.raises(TypeError):
        testing.TestIntPair()
    with pytest.raises(TypeError):
        testing.TestIntPair(1, 2, 3)
    # A c_class binds keywords to the fields its C++ constructor takes in order.
    assert testing.TestIntPair(a=1, b=2).sum() == 3
    with pytest.raises(TypeError, match="unexpected keyword argument 'c'"):
        testing.TestIntPair(a=1, c=2)
    with pytest.raises(TypeError, match="multiple values"):
        testing.TestIntPair(1, a=2)


def test_map_missing_unhashable_like_key():
    m = Map({"a": 1})
    with pytest.raises(KeyError):
        m[[1, 2]]


def test_array_huge_index():
    with pytest.raises((IndexError, OverflowError)):
        Array([1])[2**70]


def test_make_type_refuses_a_base_outside_object():
    # A class not derived from Object is refused on both interpreters (PyPy's
    # HPyType_IsSubtype is broken; the check reads __mro__).
    from tvm_ffi_hpy import core
    for base in (int, object, type("Plain", (), {})):
        with pytest.raises(TypeError, match="the base must derive from Object"):
            core._ffi.make_type("X", base)
    with pytest.raises(TypeError, match="a str and a class"):
        core._ffi.make_type("X", 5)


def test_make_type_refuses_fields_that_are_not_bound_accessors():
    # make_type's fields become getset descriptors; anything but a tuple of
    # FieldAccessor objects from type_info is refused before a class is made.
    from tvm_ffi_hpy import core
    accessor = field_accessor(testing.TestIntPair, "a")
    for fields in ([accessor], (accessor, 1), (core._ffi.FieldAccessor(),), ("a",)):
        with pytest.raises(TypeError, match="fields"):
            core._ffi.make_type("X", tvm_ffi_hpy.Object, fields)
