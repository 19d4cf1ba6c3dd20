"""Errors across the boundary: C++ -> Python kinds, and Python exceptions
through C++ and back as the very same object."""
import pytest

import tvm_ffi_hpy

raise_error = tvm_ffi_hpy.get_global_func("testing.test_raise_error")
apply = tvm_ffi_hpy.get_global_func("testing.apply")
add_one = tvm_ffi_hpy.get_global_func("testing.add_one")


# ---------------------------------------------------------------------------
# C++ -> Python
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind,cls", [
    ("ValueError", ValueError),
    ("TypeError", TypeError),
    ("IndexError", IndexError),
    ("KeyError", KeyError),
    ("AttributeError", AttributeError),
    ("RuntimeError", RuntimeError),
    ("NotImplementedError", NotImplementedError),
])
def test_core_error_kind_maps_to_python_class(kind, cls):
    with pytest.raises(cls) as info:
        raise_error(kind, "message of " + kind)
    assert type(info.value) is cls
    assert info.value.args[0] == "message of " + kind


@pytest.mark.parametrize("kind", ["SomethingUnknownError", "", "not an identifier"],
                         ids=["unknown_name", "empty", "spaces"])
def test_unknown_kind_becomes_runtime_error(kind):
    with pytest.raises(RuntimeError) as info:
        raise_error(kind, "unknown kind")
    assert "unknown kind" in str(info.value)


@pytest.mark.parametrize("message", [
    "",
    "short",
    "a much longer message that does not fit in any small buffer " * 20,
    "unicode \u00e9\u4f60\U0001F600",
    "multi\nline\nmessage",
], ids=["empty", "short", "long", "unicode", "multiline"])
def test_core_error_message_preserved(message):
    with pytest.raises(ValueError) as info:
        raise_error("ValueError", message)
    assert info.value.args[0] == message


def test_key_error_is_lookup_error():
    with pytest.raises(LookupError):
        raise_error("KeyError", "k")


def test_type_error_from_argument_mismatch_names_expected_type():
    with pytest.raises(TypeError) as info:
        add_one("not an int")
    assert "int" in str(info.value)


def test_error_state_is_cleared_after_raise():
    for kind in ("ValueError", "TypeError", "IndexError"):
        with pytest.raises(Exception):
            raise_error(kind, "x")
        assert add_one(1) == 2


@pytest.mark.reenters_extension
def test_core_error_inside_callback_propagates():
    with pytest.raises(IndexError) as info:
        apply(lambda: raise_error("IndexError", "from the inside"))
    assert info.value.args[0] == "from the inside"


@pytest.mark.reenters_extension
def test_core_error_inside_callback_is_same_object():
    seen = []

    def cb():
        try:
            raise_error("KeyError", "deep")
        except KeyError as err:
            seen.append(err)
            raise
    with pytest.raises(KeyError) as info:
        apply(cb)
    assert info.value is seen[0]


# ---------------------------------------------------------------------------
# register_error
# ---------------------------------------------------------------------------
def test_register_error_with_kind_and_class(restore_error_classes):
    class MyError(Exception):
        pass
    tvm_ffi_hpy.register_error("MyErrorKind", MyError)
    with pytest.raises(MyError) as info:
        raise_error("MyErrorKind", "custom")
    assert info.value.args[0] == "custom"


def test_register_error_as_decorator_uses_class_name(restore_error_classes):
    @tvm_ffi_hpy.register_error
    class DecoratedError(ValueError):
        pass
    with pytest.raises(DecoratedError) as info:
        raise_error("DecoratedError", "decorated")
    assert info.value.args[0] == "decorated"


def test_register_error_decorator_with_kind(restore_error_classes):
    @tvm_ffi_hpy.register_error("core.SpecialError")
    class SpecialError(RuntimeError):
        pass
    with pytest.raises(SpecialError):
        raise_error("core.SpecialError", "special")


def test_register_error_rejects_non_exception(restore_error_classes):
    with pytest.raises(TypeError):
        tvm_ffi_hpy.register_error("NotAnError", int)


# ---------------------------------------------------------------------------
# Python -> C++ -> Python: the same exception object
# ---------------------------------------------------------------------------
class CustomError(Exception):
    def __init__(self, code):
        super().__init__("custom code %d" % code)
        self.code = code


class NotAnException(BaseException):
    pass


@pytest.mark.parametrize("make", [
    lambda: ValueError("plain"),
    lambda: KeyError("key"),
    lambda: CustomError(7),
    lambda: NotAnException("base"),
    lambda: ValueError(1, 2, 3),
    lambda: RuntimeError(),
], ids=["value_error", "key_error", "custom_class", "base_exception", "multi_args", "no_args"])
def test_callback_exception_is_same_object(make):
    exc = make()

    def cb():
        raise exc
    with pytest.raises(type(exc)) as info:
        apply(cb)
    assert info.value is exc


def test_callback_exception_keeps_attributes():
    def cb():
        raise CustomError(42)
    with pytest.raises(CustomError) as info:
        apply(cb)
    assert info.value.code == 42
    assert str(info.value) == "custom code 42"


@pytest.mark.parametrize("depth", [2, 3, 6])
@pytest.mark.reenters_extension
def test_callback_exception_nested_through_apply(depth):
    exc = CustomError(depth)

    def innermost():
        raise exc

    def wrap(f):
        return lambda: apply(f)
    f = innermost
    for _ in range(depth - 1):
        f = wrap(f)
    with pytest.raises(CustomError) as info:
        apply(f)
    assert info.value is exc


class UnprintableError(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")


def test_callback_exception_with_failing_str_is_same_object():
    exc = UnprintableError()

    def cb():
        raise exc
    with pytest.raises(UnprintableError) as info:
        apply(cb)
    assert info.value is exc


@pytest.mark.reenters_extension
def test_exception_caught_between_levels():
    exc = ValueError("inner")

    def inner():
        raise exc

    def middle():
        try:
            apply(inner)
        except ValueError as err:
            return "caught same" if err is exc else "caught other"
        return "not caught"
    assert apply(middle) == "caught same"


def test_callback_exception_with_release_gil():
    f = tvm_ffi_hpy.get_global_func("testing.apply")
    f.release_gil = True
    exc = CustomError(3)

    def cb():
        raise exc
    with pytest.raises(CustomError) as info:
        f(cb)
    assert info.value is exc


def test_callback_exception_through_call_n():
    exc = CustomError(5)
    calls = []

    def cb(*args):
        calls.append(args)
        if len(calls) == 2:
            raise exc
    with pytest.raises(CustomError) as info:
        tvm_ffi_hpy.get_global_func("testing.call_n")(cb, 4)
    assert info.value is exc
    assert len(calls) == 2


def test_exception_raised_by_registered_global_function():
    exc = CustomError(11)

    def bad():
        raise exc
    tvm_ffi_hpy.register_global_func("test_error.bad", bad)
    try:
        with pytest.raises(CustomError) as info:
            tvm_ffi_hpy.get_global_func("test_error.bad")()
        assert info.value is exc
    finally:
        assert tvm_ffi_hpy.remove_global_func("test_error.bad")


def test_callback_wrong_arity_type_error_is_python_error():
    with pytest.raises(TypeError):
        apply(lambda: 1, 5)
    with pytest.raises(TypeError):
        apply(lambda x, y: x + y, 1)


def test_callback_returning_unconvertible_int_raises_overflow():
    with pytest.raises(OverflowError):
        apply(lambda: 2**70)


def test_cause_chain_becomes_dunder_cause():
    # An error raised in C++ from another error (TVMFFIErrorCell.cause_chain)
    # arrives with __cause__ set, so Python's traceback shows both.
    raise_with_cause = tvm_ffi_hpy.get_global_func("testing.test_raise_with_cause")
    with pytest.raises(ValueError, match="^outer$") as info:
        raise_with_cause("ValueError", "outer", "KeyError", "inner")
    cause = info.value.__cause__
    assert isinstance(cause, KeyError) and cause.args == ("inner",)
    assert cause.__cause__ is None
    import traceback
    text = "".join(traceback.format_exception(info.value))
    assert "direct cause of the following exception" in text
    assert "KeyError: 'inner'" in text
