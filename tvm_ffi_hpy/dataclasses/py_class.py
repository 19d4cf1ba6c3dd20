"""apache tvm-ffi's module name for the py_class decorator
(``tvm_ffi.dataclasses.py_class``): `py_class` itself (tvm_ffi_hpy/dataclasses/
_decorators.py), `method`, and the names of the class attributes that
become type attributes of the core type rather than methods.

``_collect_py_methods(cls)`` lists what a py_class body gives the core type:
its ``__ffi_*`` hooks among `_FFI_TYPE_ATTR_NAMES` (and the class's own
``__ffi_type_attr_names__``), then the methods marked with `method`, as
``(name, function, is_static)``; None when there are none.
"""
from typing import Any, Optional

from ..typed_method import method
from ._decorators import py_class

__all__ = ["py_class", "method"]

#: Class attributes a py_class gives its core type as type attributes (the
#: hooks of the core's protocols), not as methods.
_FFI_TYPE_ATTR_NAMES: "frozenset[str]" = frozenset((
    "__ffi_repr__", "__ffi_hash__", "__ffi_eq__", "__ffi_compare__", "__ffi_convert__",
    "__ffi_convert_type_schema__", "__any_hash__", "__any_equal__", "__s_equal__", "__s_hash__",
    "__s_visit__", "__s_mutate__", "__s_maybe_inplace_mutate__", "__data_to_json__",
    "__data_from_json__"))


def _is_marked(value: Any) -> bool:
    func = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
    return callable(func) and getattr(func, "__ffi_method__", False) is True


def _collect_py_methods(cls: type, globalns: Any = None
                        ) -> "Optional[list[tuple[str, Any, bool]]]":
    names = _FFI_TYPE_ATTR_NAMES | frozenset(getattr(cls, "__ffi_type_attr_names__", ()))
    out: "list[tuple[str, Any, bool]]" = []
    for name, value in cls.__dict__.items():
        if name not in names and not _is_marked(value):
            continue
        if isinstance(value, classmethod):
            raise TypeError("%r of %s is a classmethod, which cannot be registered with the "
                            "core (its first argument would be the class)"
                            % (name, cls.__name__))
        is_static = isinstance(value, staticmethod)
        out.append((name, value.__func__ if is_static else value, is_static))
    return out or None
