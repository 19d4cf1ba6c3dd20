"""``@method``: Python methods of a py_class that become methods of its core
type (TypeInfo.methods), callable by name from any FFI consumer (apache
tvm-ffi's ``tvm_ffi.method``).

``method(f)`` only marks `f` (``f.__ffi_method__ = True``; for a
staticmethod, the function inside it) and returns it unchanged, so the
Python attribute works as before. The class decorator then calls
``register_marked_methods(cls)`` once the core type exists: each marked
callable of the class body is registered with the core
(``TVMFFITypeRegisterMethod``: an instance method takes the object first; a
staticmethod is static) and the class's ``__tvm_ffi_type_info__`` is read
again. Names that apache tvm-ffi routes to type attributes (``__ffi_repr__``,
...) are not registered as methods; other names, dunders included, are.
``@classmethod`` is refused: its first argument would be the class.
"""
from typing import Any, Callable, TypeVar

from .core import _ffi, get_global_func

__all__ = ["method", "register_marked_methods"]

_T = TypeVar("_T")

MARKER = "__ffi_method__"

# Names of type attributes in apache tvm-ffi (TypeAttrColumn): not methods.
_TYPE_ATTR_NAMES = frozenset([
    "__ffi_repr__", "__ffi_hash__", "__ffi_eq__", "__ffi_compare__", "__ffi_shallow_copy__",
    "__ffi_convert__", "__ffi_init__", "__s_equal__", "__s_hash__", "__any_hash__",
    "__any_equal__", "__data_to_json__", "__data_from_json__",
])


def method(func: _T) -> _T:
    """Mark a method of a py_class for registration with the core type."""
    if isinstance(func, classmethod):
        raise TypeError("@method: @classmethod is not supported (its first argument is the "
                        "class, not the object)")
    target: Any = func.__func__ if isinstance(func, staticmethod) else func
    if not callable(target):
        raise TypeError("@method expected a callable, got %s" % type(func).__name__)
    setattr(target, MARKER, True)
    return func


def _marked(value: Any) -> bool:
    return bool(getattr(value, MARKER, False))


def register_marked_methods(cls: type) -> int:
    """Register the ``@method`` callables of `cls`'s own body with its core
    type (py_class calls it); returns how many were registered (names the
    type has already are skipped)."""
    found: "list[tuple[str, Callable[..., Any], bool]]" = []
    for name, value in cls.__dict__.items():
        if isinstance(value, classmethod):
            if _marked(value.__func__):
                raise TypeError("%s.%s: a @method is wrapped by @classmethod, which is not "
                                "supported" % (cls.__qualname__, name))
            continue
        if isinstance(value, staticmethod):
            if _marked(value.__func__):
                found.append((name, value.__func__, True))
        elif callable(value) and _marked(value):
            found.append((name, value, False))
    type_index: int = getattr(cls, "__tvm_ffi_type_index__")
    known = {m.name for m in _ffi.type_info(type_index).methods}  # registered already
    found = [entry for entry in found
             if entry[0] not in _TYPE_ATTR_NAMES and entry[0] not in known]
    if not found:
        return 0
    register = get_global_func("ffi.TypeRegisterMethod")
    for name, func, is_static in found:
        register(type_index, name, func, is_static, getattr(func, "__doc__", None) or "")
    info = _ffi.type_info(type_index)
    info.type_cls = cls
    setattr(cls, "__tvm_ffi_type_info__", info)
    return len(found)
