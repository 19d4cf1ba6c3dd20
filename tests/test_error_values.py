"""Errors as apache tvm-ffi's Python API shows them: the Error constructor,
the exception's ``__tvm_ffi_error__``, pickling and copying of errors and of
the exceptions that carry them, and tvm_ffi_hpy.error._parse_backtrace."""
import copy
import pickle

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import error as error_module

raise_error = tvm_ffi_hpy.get_global_func("testing.test_raise_error")
throw_cpp = tvm_ffi_hpy.get_global_func("testing.throw_cpp")
echo = tvm_ffi_hpy.get_global_func("testing.echo")
apply = tvm_ffi_hpy.get_global_func("testing.apply")


def raised_from_cpp(kind="ValueError", message="error XYZ"):
    try:
        raise_error(kind, message)
    except BaseException as exc:  # noqa: B902
        return exc
    raise AssertionError("expected the call to raise")


def test_error_constructor():
    err = tvm_ffi_hpy.Error("TypeError", "boom", 'File "a.py", line 1, in f\n')
    assert isinstance(err, tvm_ffi_hpy.core.Error)
    assert (err.kind, err.message) == ("TypeError", "boom")
    assert err.backtrace == 'File "a.py", line 1, in f\n'
    assert err.extra_context is None
    assert tvm_ffi_hpy.Error("KeyError", "m").backtrace == ""
    exc = err.py_error()
    assert type(exc) is TypeError and exc.args == ("boom",)
    assert exc.__tvm_ffi_error__ is err
    assert echo(err) is err  # an ordinary object for C++


def test_raised_exception_carries_its_error():
    exc = raised_from_cpp()
    err = exc.__tvm_ffi_error__
    assert isinstance(err, tvm_ffi_hpy.Error)
    assert (err.kind, err.message) == ("ValueError", "error XYZ")
    with pytest.raises(RuntimeError) as info:
        throw_cpp("runtime_error", "from std")
    assert info.value.__tvm_ffi_error__.kind == "RuntimeError"


@pytest.mark.reenters_extension  # Python run by the extension calls it again
def test_python_exception_keeps_its_error_through_cpp():
    def callback():
        raise raised_from_cpp()

    with pytest.raises(ValueError) as info:
        apply(callback)
    assert info.value.__tvm_ffi_error__.message == "error XYZ"
    plain = ValueError("python")
    with pytest.raises(ValueError) as info:
        apply(lambda: (_ for _ in ()).throw(plain))
    assert info.value is plain and not hasattr(plain, "__tvm_ffi_error__")


def test_error_pickle_and_copy():
    err = tvm_ffi_hpy.Error("IndexError", "out", 'File "b.cc", line 7, in g\n')
    for restored in (pickle.loads(pickle.dumps(err)), copy.deepcopy(err), copy.copy(err)):
        assert type(restored) is tvm_ffi_hpy.Error
        assert (restored.kind, restored.message, restored.backtrace) == (
            "IndexError", "out", 'File "b.cc", line 7, in g\n')
        assert not restored.same_as(err)
    empty = tvm_ffi_hpy.Error.__new__(tvm_ffi_hpy.Error)
    assert empty.__chandle__() == 0
    assert pickle.loads(pickle.dumps(empty)).__chandle__() == 0


def test_exception_pickle_roundtrip():
    exc = raised_from_cpp("KeyError", "k")
    for restored in (pickle.loads(pickle.dumps(exc)), copy.deepcopy(exc)):
        assert type(restored) is KeyError and restored.args == exc.args
        assert restored.__tvm_ffi_error__.kind == "KeyError"
        assert restored.__tvm_ffi_error__.message == "k"

    restored = pickle.loads(pickle.dumps(raised_from_cpp()))

    def callback():
        raise restored

    with pytest.raises(ValueError, match="error XYZ") as info:
        tvm_ffi_hpy.convert(callback)()
    assert info.value is restored


def test_parse_backtrace():
    text = ('  File "x.py", line 3, in <module>\n'
            'not a frame\n'
            'File "core/src/a.cc", line 12, in void f(int)\n'
            '  File "y.py", line 9\n')
    assert error_module._parse_backtrace(text) == [
        ("x.py", 3, "<module>"), ("core/src/a.cc", 12, "void f(int)"), ("y.py", 9, "")]
    assert error_module._parse_backtrace("") == []
    assert error_module.register_error is tvm_ffi_hpy.register_error


def test_error_constructor_bad_input():
    with pytest.raises(TypeError):
        tvm_ffi_hpy.Error("ValueError", 3)
    with pytest.raises(TypeError):
        tvm_ffi_hpy.Error()
