"""``method``: mark a py_class method for reflection.

A marked method (plain or ``staticmethod``) of a py_class body stays an
ordinary method of the class, and is also listed in the class's
``__tvm_ffi_type_info__.methods`` as a ``TypeMethod`` whose ``func`` is a
core Function over it (``func(obj, *args)`` calls ``obj.name(*args)``)::

    @py_class("my.Node")
    class Node(Object):
        x: int

        @method
        def label(self) -> str:
            return "N(%d)" % self.x
"""
from typing import Any

from ..core import convert
from ..type_info import TypeMethod

_MARK = "__ffi_method__"


def method(fn: Any) -> Any:
    """Mark `fn` (a plain function or a staticmethod) for reflection."""
    if isinstance(fn, classmethod):
        raise TypeError("@method: a classmethod cannot be reflected (its first argument is "
                        "the class); use a staticmethod or an instance method")
    target = fn.__func__ if isinstance(fn, staticmethod) else fn
    if not callable(target):
        raise TypeError("@method: expected a callable, got %s" % type(fn).__name__)
    setattr(target, _MARK, True)
    return fn


def marked_methods(namespace: "dict[str, Any]") -> "list[TypeMethod]":
    """The TypeMethods of the marked methods of a class body."""
    out = []
    for name, value in namespace.items():
        is_static = isinstance(value, staticmethod)
        func = value.__func__ if is_static else value
        if not callable(func) or getattr(func, _MARK, False) is not True:
            continue
        out.append(TypeMethod(name=name, doc=getattr(func, "__doc__", None) or "",
                              func=convert(func), metadata={}, is_static=is_static, flags=0))
    return out
