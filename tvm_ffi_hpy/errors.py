"""Errors across the FFI: exception classes for core error kinds, and the
Python side of raising with full tracebacks.

- ``register_error(kind, cls)``: a core Error of `kind` is raised as `cls`
  (builtin exception classes are known by their names).
- The callback trampoline and its marker ``_CallbackError``: a Python
  callback called from C++ runs inside the trampoline, which turns what it
  raises into a marker the extension carries through the core.
- The helpers the extension raises through (the hooks ``reraise``,
  ``raise_with_backtrace`` and ``backtrace_of``, hpy_ext/module.cc): an
  exception raised from Python code keeps its traceback (PyPy's
  HPyErr_SetObject drops it), and the frames of a C++ backtrace appear as
  its innermost traceback entries (docs/design.md, "Tracebacks: both sides").
"""
import builtins
import re
from typing import Any, Callable, Optional, TypeVar, Union, overload

_E = TypeVar("_E", bound="type[BaseException]")

__all__ = ["register_error"]

_error_classes: "dict[str, type[BaseException]]" = {name: value for name, value in vars(builtins).items()
                  if isinstance(value, type) and issubclass(value, BaseException)}


@overload
def register_error(kind: _E, cls: None = None) -> _E: ...
@overload
def register_error(kind: Optional[str], cls: _E) -> _E: ...
@overload
def register_error(kind: Optional[str] = None, cls: None = None) -> Callable[[_E], _E]: ...


def register_error(kind: "Union[str, type[BaseException], None]" = None,
                   cls: "Optional[type[BaseException]]" = None
                   ) -> "Union[type[BaseException], Callable[[_E], _E]]":
    """Raise `cls` for core errors of `kind` (default: the class name).

    Usable as a decorator: ``@register_error("MyError") class MyError(Exception): ...``
    """
    def register(klass: _E) -> _E:
        if not (isinstance(klass, type) and issubclass(klass, BaseException)):
            raise TypeError("register_error takes an exception class")
        _error_classes[kind if isinstance(kind, str) else klass.__name__] = klass
        return klass

    if isinstance(kind, type):
        return register(kind)
    return register(cls) if cls is not None else register


# "  File "<file>", line <n>, in <function>": one frame of a core backtrace.
_CPP_FRAME = re.compile(r'^\s*File "([^"\n]*)", line (\d+)(?:, in ([^\n]*))?$', re.MULTILINE)
_cpp_frame_codes: "dict[tuple[str, int, str, bool], Any]" = {}


def _cpp_frame_code(filename: str, line: int, func: str, last: bool) -> Any:
    """A code object that stands for one C++ frame in a Python traceback:
    its file, line and function name are the C++ ones."""
    key = (filename, line, func, last)
    code = _cpp_frame_codes.get(key)
    if code is None:
        body = "raise _exc" if last else "exec(_inner, _scope)"
        code = compile("\n" * (line - 1) + body, filename, "exec").replace(co_name=func)
        if len(_cpp_frame_codes) < 1024:
            _cpp_frame_codes[key] = code
    return code


class _CallbackError:
    """Carries an exception raised by a Python callback through the core.

    Its static methods are how the extension raises errors (HPy 0.9 cannot
    attach a traceback to an exception it raises, and PyPy's HPyErr_SetObject
    drops the one an exception already has): raising from Python code keeps
    the traceback an exception carries and lets C++ frames appear in it.
    """

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    @staticmethod
    def _reraise(exc: BaseException) -> None:
        """Raise an exception that came back through C++ (its traceback already
        holds the Python frames below the C++ call; this adds the ones above)."""
        raise exc

    @staticmethod
    def _backtrace_of(exc: BaseException) -> str:
        """The backtrace of a core Error made from `exc`: a line per frame of
        its traceback, outermost first, in the core's format (C++ frames that
        `_raise_with_backtrace` put there included)."""
        lines = []
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            lines.append('  File "%s", line %s, in %s\n'
                         % (code.co_filename, tb.tb_lineno, code.co_name))
            tb = tb.tb_next
        return "".join(lines)

    @staticmethod
    def _raise_with_backtrace(exc: BaseException, backtrace: str) -> None:
        """Raise a C++ error with its C++ frames as the innermost traceback
        entries: ``File "core/src/x.cc", line 12, in Function``."""
        frames = [(f, int(n), fn or "<C++>") for f, n, fn in _CPP_FRAME.findall(backtrace)
                  if 0 < int(n) < 200000]
        if not frames:
            raise exc
        scope: "dict[str, Any]" = {"_exc": exc, "__builtins__": builtins}
        scopes = [scope]
        filename, line, func = frames[-1]
        code = _cpp_frame_code(filename, line, func, True)
        for filename, line, func in reversed(frames[:-1]):
            scope = {"_inner": code, "_scope": scope, "__builtins__": builtins}
            scopes.append(scope)
            code = _cpp_frame_code(filename, line, func, False)
        try:
            exec(code, scope)
        finally:
            # The traceback keeps these frames and their globals, and PyPy's
            # cached code objects keep the last globals they ran with: empty
            # them so that neither keeps the exception (and the frames it
            # crossed, with their locals) alive.
            for s in scopes:
                s.clear()
        raise exc  # not reached: the innermost frame raises


def _callback_trampoline(func: Callable[..., Any], *args: Any) -> Any:
    try:
        return func(*args)
    except BaseException as exc:  # noqa: B902 - it is re-raised in the caller
        return _CallbackError(exc)


# The same for exactly 0..3 arguments: the extension picks one by arity, which
# spares the *args tuple and its unpacking (a third of the trampoline's cost
# on CPython).  Each must behave exactly as _callback_trampoline.
def _callback_trampoline_0(func: Callable[..., Any]) -> Any:
    try:
        return func()
    except BaseException as exc:  # noqa: B902
        return _CallbackError(exc)


def _callback_trampoline_1(func: Callable[..., Any], a: Any) -> Any:
    try:
        return func(a)
    except BaseException as exc:  # noqa: B902
        return _CallbackError(exc)


def _callback_trampoline_2(func: Callable[..., Any], a: Any, b: Any) -> Any:
    try:
        return func(a, b)
    except BaseException as exc:  # noqa: B902
        return _CallbackError(exc)


def _callback_trampoline_3(func: Callable[..., Any], a: Any, b: Any, c: Any) -> Any:
    try:
        return func(a, b, c)
    except BaseException as exc:  # noqa: B902
        return _CallbackError(exc)
