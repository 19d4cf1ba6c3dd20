"""C++ exceptions of any type thrown by user code, and Python exceptions
through nested callbacks: Python exceptions with the C++ message, the very same
exception object where it started in Python, and a traceback that shows both
sides (the Python frames of every level and the C++ frame that threw)."""
import traceback

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import core

throw_cpp = tvm_ffi_hpy.get_global_func("testing.throw_cpp")
call_rethrow = tvm_ffi_hpy.get_global_func("testing.call_rethrow")
live_guards = tvm_ffi_hpy.get_global_func("testing.live_guards")
apply = tvm_ffi_hpy.get_global_func("testing.apply")
add_one = tvm_ffi_hpy.get_global_func("testing.add_one")
ErrorThrower = core._class_for_index(core._ffi.type_key_to_index("testing.ErrorThrower"))

MSG = "message \u00e9 from C++"

# which -> (Python class, what the message must be or contain)
CASES = {
    "runtime_error": (RuntimeError, MSG),
    "logic_error": (RuntimeError, MSG),
    "overflow_error": (RuntimeError, MSG),
    "out_of_range": (IndexError, MSG),
    "invalid_argument": (ValueError, MSG),
    "system_error": (RuntimeError, MSG + ": "),
    "bad_alloc": (MemoryError, "std::bad_alloc"),
    "custom_std": (RuntimeError, "CustomStdError: " + MSG),
    "custom_plain": (RuntimeError, "unknown C++ exception of type "
                                   "tvm_ffi_hpy::testing::(anonymous namespace)::CustomPlainError"),
    "int": (RuntimeError, "unknown C++ exception of type int"),
    "enum": (RuntimeError, "unknown C++ exception of type "
                           "tvm_ffi_hpy::testing::(anonymous namespace)::Color"),
    "c_string": (RuntimeError, MSG),
    "std_string": (RuntimeError, MSG),
    "nested": (RuntimeError, "outer: %s (caused by: inner: %s)" % (MSG, MSG)),
    "error": (ValueError, MSG),
}


def _check(exc_info, which):
    cls, text = CASES[which]
    assert type(exc_info.value) is cls
    message = exc_info.value.args[0]
    assert isinstance(message, str)
    if which in ("system_error", "bad_alloc"):
        assert text in message
    else:
        assert message == text


def _frame_names(exc):
    return [frame.name for frame in traceback.extract_tb(exc.__traceback__)]


@pytest.mark.parametrize("which", sorted(CASES))
def test_cpp_exception_from_global_function(which):
    with pytest.raises(CASES[which][0]) as info:
        throw_cpp(which, MSG)
    _check(info, which)
    assert add_one(1) == 2  # the error slot is clean afterwards


@pytest.mark.parametrize("which", sorted(CASES))
def test_cpp_exception_from_method(which):
    thrower = ErrorThrower(3)
    with pytest.raises(CASES[which][0]) as info:
        thrower.fail(which, MSG)
    _check(info, which)
    assert thrower.mode == 3


def test_cpp_exception_from_constructor():
    with pytest.raises(RuntimeError) as info:
        ErrorThrower(-5)
    assert info.value.args[0] == "ErrorThrower: mode must be >= 0, got -5"


@pytest.mark.parametrize("which", sorted(CASES))
@pytest.mark.reenters_extension
def test_cpp_exception_inside_nested_callbacks(which):
    # Python -> C++ -> Python -> C++ -> Python -> C++ throws
    def level3():
        return throw_cpp(which, MSG)

    def level2():
        return call_rethrow(level3)

    with pytest.raises(CASES[which][0]) as info:
        apply(level2)
    _check(info, which)
    assert live_guards() == 0  # the C++ frames unwound (destructors ran)
    names = _frame_names(info.value)
    assert "level2" in names and "level3" in names


@pytest.mark.reenters_extension
def test_cpp_error_traceback_shows_the_cpp_frame():
    def caller():
        throw_cpp("error", MSG)

    with pytest.raises(ValueError) as info:
        apply(caller)
    frames = traceback.extract_tb(info.value.__traceback__)
    names = [f.name for f in frames]
    assert "test_cpp_error_traceback_shows_the_cpp_frame" in names
    assert "caller" in names
    last = frames[-1]
    assert last.filename.endswith("testing_errors.cc")
    assert last.name == "ThrowCpp"
    assert last.lineno > 0
    assert "testing_errors.cc" in info.value.__ffi_backtrace__
    text = "".join(traceback.format_exception(info.value))
    assert "testing_errors.cc" in text and "caller" in text and MSG in text


def test_backtrace_parser_ignores_malformed_frames():
    exc = ValueError("x")
    with pytest.raises(ValueError) as info:
        core._CallbackError._raise_with_backtrace(exc, "no frames here\nFile \"x\", line zero")
    assert info.value is exc
    exc = ValueError("fresh")  # a raised exception's traceback grows with each raise
    with pytest.raises(ValueError) as info:
        core._CallbackError._raise_with_backtrace(
            exc, '  File "a.cc", line 3, in outer\n  File "b.cc", line 9, in inner\n')
    frames = traceback.extract_tb(info.value.__traceback__)
    assert [(f.filename, f.lineno, f.name) for f in frames[-2:]] == [("a.cc", 3, "outer"),
                                                                      ("b.cc", 9, "inner")]


class DeepError(Exception):
    pass


@pytest.mark.reenters_extension
def test_python_exception_three_levels_deep_is_the_same_object():
    # Python -> C++ -> Python -> C++ -> Python -> C++ -> Python raising
    exc = DeepError("raised three levels down")

    def level3():
        raise exc

    def level2():
        return apply(level3)

    def level1():
        return call_rethrow(level2)

    with pytest.raises(DeepError) as info:
        apply(level1)
    assert info.value is exc
    assert live_guards() == 0
    names = _frame_names(info.value)
    # Python frames of every level, outermost first, with one crossing of
    # the trampoline per C++ -> Python call.
    expected = ["test_python_exception_three_levels_deep_is_the_same_object",
                "level1", "level2", "level3"]
    assert [n for n in names if n in expected] == expected
    assert sum(n.startswith("_callback_trampoline") for n in names) == 3
    assert names[-1] == "level3"


@pytest.mark.reenters_extension
def test_python_exception_three_levels_deep_with_release_gil():
    exc = DeepError("with the GIL released on the way")
    releasing_apply = tvm_ffi_hpy.get_global_func("testing.apply")
    releasing_apply.release_gil = True
    try:
        def level3():
            raise exc

        def level2():
            return releasing_apply(level3)

        def level1():
            return call_rethrow(level2)

        for _ in range(3):
            with pytest.raises(DeepError) as info:
                releasing_apply(level1)
            assert info.value is exc
    finally:
        releasing_apply.release_gil = False
    assert _frame_names(info.value)[-1] == "level3"


@pytest.mark.reenters_extension
def test_python_exception_caught_and_replaced_in_the_middle():
    first = KeyError("first")

    def level3():
        raise first

    def level2():
        try:
            call_rethrow(level3)
        except KeyError as err:
            assert err is first
            raise LookupError("second") from err

    with pytest.raises(LookupError) as info:
        apply(lambda: call_rethrow(level2))
    assert info.value.__cause__ is first
    assert str(info.value) == "second"


@pytest.mark.reenters_extension
def test_cpp_exception_from_python_callback_called_by_cpp_is_catchable_in_python():
    seen = []

    def level2():
        try:
            throw_cpp("runtime_error", "inner")
        except RuntimeError as err:
            seen.append(err)
        return 5

    assert apply(lambda: call_rethrow(level2)) == 5
    assert seen and seen[0].args[0] == "inner"


def test_error_with_cpp_frames_releases_what_its_frames_held():
    # The C++ frames are exec'd code objects (cached); the exception must not
    # stay reachable from them once it is gone, or it would keep the frames it
    # crossed, and their locals, alive (PyPy caches the last globals of a
    # code object).
    from conftest import live_objects

    def caller():
        held = tvm_ffi_hpy.testing.TestIntPair(1, 2)  # a local of a crossed frame
        try:
            throw_cpp("error", MSG)
        except ValueError as err:
            assert err.__traceback__ is not None
        return held.a

    before = live_objects()
    assert caller() == 1
    assert live_objects() == before
