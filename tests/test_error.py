"""Errors across the boundary: C++ -> Python kinds, Python exceptions
through C++ and back as the very same object, and exceptions as values
(Error objects)."""
import weakref

import pytest

import tvm_ffi_hpy
from conftest import released

raise_error = tvm_ffi_hpy.get_global_func("testing.test_raise_error")
apply = tvm_ffi_hpy.get_global_func("testing.apply")
add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
echo = tvm_ffi_hpy.get_global_func("testing.echo")
throw_error = tvm_ffi_hpy.get_global_func("testing.throw_error")
make_error = tvm_ffi_hpy.get_global_func("testing.make_error")


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


def test_callback_returning_a_big_int():
    assert apply(lambda: 2**70) == 2**70


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



# ---------------------------------------------------------------------------
# Exceptions as values: Error objects
# ---------------------------------------------------------------------------
class BaseUserError(Exception):
    pass


class SubUserError(BaseUserError):
    pass


def test_error_class_names():
    assert tvm_ffi_hpy.Error is tvm_ffi_hpy.ErrorObject
    assert tvm_ffi_hpy.core.Error is tvm_ffi_hpy.Error  # apache tvm-ffi: tvm_ffi.core.Error
    assert tvm_ffi_hpy.containers.ErrorObject is tvm_ffi_hpy.Error
    assert tvm_ffi_hpy.Error.__tvm_ffi_type_key__ == "ffi.Error"


def test_convert_exception_gives_error_object():
    exc = ValueError("x")
    err = tvm_ffi_hpy.convert(exc)
    assert isinstance(err, tvm_ffi_hpy.Error)
    assert err.kind == "ValueError" and err.message == "x"
    assert err.backtrace == ""  # never raised: no frames
    assert err.py_error() is exc
    assert repr(err) == "ErrorObject(kind='ValueError', message='x')"


@pytest.mark.parametrize("route", ["convert", "argument", "list", "dict", "callback_return"])
def test_exception_value_becomes_error_on_every_route(route):
    exc = KeyError("k")
    if route == "convert":
        err = tvm_ffi_hpy.convert(exc)
    elif route == "argument":
        err = echo(exc)
    elif route == "list":
        err = tvm_ffi_hpy.convert([1, exc])[1]
    elif route == "dict":
        err = tvm_ffi_hpy.convert({"e": exc})["e"]
    else:
        err = apply(lambda: exc)  # returned, not raised: a value
    assert isinstance(err, tvm_ffi_hpy.Error)
    assert err.kind == "KeyError" and err.message == "'k'"
    assert err.py_error() is exc


def test_error_keeps_the_exception_alive_while_cpp_holds_it():
    exc = SubUserError("held")
    ref = weakref.ref(exc)
    arr = tvm_ffi_hpy.Array([exc, "other"])
    del exc
    assert not released(ref)  # the Array's Error holds it
    err = arr[0]
    assert err.kind == "SubUserError" and err.message == "held"
    assert err.py_error() is ref()
    assert arr[0] is err  # tying: one wrapper per Error object
    assert echo(err) is err
    del err, arr
    assert released(ref)


def test_each_conversion_is_a_new_error_of_the_same_exception():
    exc = ValueError("twice")
    a, b = tvm_ffi_hpy.convert(exc), tvm_ffi_hpy.convert(exc)
    assert not a.same_as(b)
    assert a.py_error() is b.py_error() is exc


def test_raising_the_error_in_cpp_raises_the_same_exception():
    exc = SubUserError("thrown by C++")
    err = tvm_ffi_hpy.convert(exc)
    with pytest.raises(BaseUserError) as info:
        throw_error(err)
    assert info.value is exc
    # an Error that a callback returns travels as a value
    back = apply(lambda: err)
    assert back is err and back.py_error() is exc
    # exc's traceback holds this frame, whose locals hold the Error, which
    # holds exc: a cycle through C++ that no collector sees (docs/design.md)
    del err, back


@pytest.mark.reenters_extension
def test_callback_raising_py_error_gives_the_same_exception():
    exc = ValueError("raised again")
    err = tvm_ffi_hpy.convert(exc)

    def cb():
        raise err.py_error()
    with pytest.raises(ValueError) as info:
        apply(cb)
    assert info.value is exc
    del err  # see test_raising_the_error_in_cpp_raises_the_same_exception


def test_subclass_of_user_exception_class(restore_error_classes):
    tvm_ffi_hpy.register_error(BaseUserError)
    exc = SubUserError("sub")
    err = tvm_ffi_hpy.convert(exc)
    assert err.kind == "SubUserError"  # the class itself, not the registered base
    assert err.py_error() is exc
    with pytest.raises(BaseUserError) as info:
        throw_error(err)
    assert type(info.value) is SubUserError and info.value is exc
    del err  # see test_raising_the_error_in_cpp_raises_the_same_exception


@pytest.mark.parametrize("make,message", [
    (lambda: ValueError(1, None, [2]), "(1, None, [2])"),
    (lambda: RuntimeError(3.5), "3.5"),
    (lambda: KeyError(("a", 1)), "('a', 1)"),
    (lambda: Exception(), ""),
    (lambda: ValueError("unicode \u00e9\u4f60\U0001F600"), "unicode \u00e9\u4f60\U0001F600"),
    (lambda: KeyboardInterrupt("not raised"), "not raised"),
], ids=["tuple_args", "float_arg", "tuple_key", "no_args", "unicode", "base_exception"])
def test_error_message_is_str_of_the_exception(make, message):
    exc = make()
    err = tvm_ffi_hpy.convert(exc)
    assert err.kind == type(exc).__name__
    assert err.message == message == str(exc)
    back = err.py_error()
    assert back is exc and back.args == exc.args


def test_exception_with_failing_str_still_converts():
    exc = UnprintableError()
    err = tvm_ffi_hpy.convert(exc)
    assert err.kind == "UnprintableError"
    assert "unprintable" in err.message
    assert err.py_error() is exc


def _raise_here():
    raise ValueError("deep")


def _catch():
    try:
        _raise_here()
    except ValueError as e:
        return e


def test_backtrace_lists_the_frames_raised_through():
    exc = _catch()
    err = tvm_ffi_hpy.convert(exc)
    bt = err.backtrace
    assert 'in _catch\n' in bt and 'in _raise_here\n' in bt
    assert bt.index("_catch") < bt.index("_raise_here")  # outermost first
    assert bt.startswith('  File "') and __file__ in bt
    # a traceback keeps the frames it crossed and their callers (this one):
    # this frame's `err` holds exc through C++, a cycle (docs/design.md)
    del err


def test_error_from_cpp_as_a_value():
    err = make_error("IndexError", "from C++")
    assert isinstance(err, tvm_ffi_hpy.Error)
    assert (err.kind, err.message) == ("IndexError", "from C++")
    exc = err.py_error()
    assert type(exc) is IndexError and exc.args == ("from C++",)
    assert err.py_error() is not exc  # made anew each time, like apache tvm-ffi
    unknown = make_error("NoSuchKindError", "m").py_error()
    assert type(unknown) is RuntimeError and unknown.args == ("m",)
    with pytest.raises(IndexError, match=r"from C\+\+"):
        throw_error(err)


def test_error_bad_input():
    with pytest.raises(TypeError, match="Error"):
        throw_error(tvm_ffi_hpy.Array([]))
    with pytest.raises(TypeError):
        tvm_ffi_hpy.Error.py_error(tvm_ffi_hpy.Array([]))
    with pytest.raises(TypeError):
        tvm_ffi_hpy.Error(1, "kind must be a str")
    with pytest.raises(TypeError):
        tvm_ffi_hpy.Error("ValueError")  # message missing
    assert isinstance(tvm_ffi_hpy.convert(ValueError), tvm_ffi_hpy.Function)  # a class: callable
    err = tvm_ffi_hpy.convert(ValueError("moved"))
    echo(err._move())
    assert repr(err) == "<ErrorObject (moved out)>"
    with pytest.raises(ValueError, match="moved"):
        err.py_error()
