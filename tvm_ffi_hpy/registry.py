"""The global function registry under apache tvm-ffi's module name
(``tvm_ffi.registry``), with the metadata each function carries.

Functions registered in C++ with ``refl::GlobalDef().def`` carry JSON
metadata: their ``type_schema`` (itself JSON text, in apache tvm-ffi's shape:
``{"type":"ffi.Function","named_args":{"return":[...],"params":[...]}}``)
and any ``refl::Metadata`` entries. Python functions carry none.
"""
import json
import warnings
from typing import Any, Collection

from .core import _install_ffi_init_attr  # noqa: F401 (apache tvm-ffi's name here)
from .core import (get_global_func, list_global_func_names, register_global_func,
                   register_object, remove_global_func)
from .errors import register_error
from .type_converter import _lookup_type_attr

__all__ = ["get_global_func", "get_global_func_metadata", "get_registered_type_keys",
           "list_global_func_names", "register_error", "register_global_func", "register_object", "remove_global_func"]


def get_global_func_metadata(name: str) -> "dict[str, Any]":
    """The metadata of global function `name` as a dict (``{}`` when it has
    none); ValueError when there is no such function."""
    text: str = get_global_func("ffi.GetGlobalFuncMetadata")(name)
    if not text:
        return {}
    metadata: "dict[str, Any]" = json.loads(text)
    return metadata


def get_registered_type_keys() -> "list[str]":
    """The key of every type the core knows, by type index: the plain ones
    ("None", "int", "Device", ...), the objects ("ffi.Object", ...) and those
    registered since (C++ libraries, py_class)."""
    return list(get_global_func("ffi.GetRegisteredTypeKeys")())


# ---------------------------------------------------------------------------
# apache tvm-ffi's helpers behind its class decorators
# ---------------------------------------------------------------------------
def _add_class_attrs(type_cls: type, type_info: Any,
                     type_attr_names: "Collection[str]" = ()) -> type:
    """Put the type's reflected fields (properties), methods and
    ``__ffi_init__`` on the class, unless the class itself defines them."""
    for tf in type_info.fields or ():
        if tf.name not in type_cls.__dict__:
            setattr(type_cls, tf.name, tf.as_property(type_cls))
    ffi_init = None
    for method in type_info.methods or ():
        if method.name == "__ffi_init__":
            ffi_init = method.func
            continue
        if not hasattr(type_cls, method.name):
            setattr(type_cls, method.name, method.as_callable(type_cls))
    if ffi_init is None:
        ffi_init = _lookup_type_attr(type_info.type_index, "__ffi_init__")
    if ffi_init is not None:
        _install_ffi_init_attr(type_cls, type_info, ffi_init)
    _add_type_attr_class_attrs(type_cls, type_info, type_attr_names)
    return type_cls


def _add_type_attr_class_attrs(type_cls: type, type_info: Any,
                               type_attr_names: "Collection[str]") -> None:
    """The named type attributes of the type as class attributes (those the
    type has and the class does not define)."""
    for name in type_attr_names:
        value = _lookup_type_attr(type_info.type_index, name)
        if value is not None and name not in type_cls.__dict__:
            setattr(type_cls, name, value)


def _warn_missing_field_annotations(cls: type, type_info: Any, *, stacklevel: int) -> None:
    """UserWarning naming the type's own reflected fields that the class body
    does not annotate (annotations of the class itself, not its bases)."""
    names = {tf.name for tf in type_info.fields or ()}
    if not names:
        return
    annotations = cls.__dict__.get("__annotations__", {})
    missing = sorted(names - set(annotations))
    if missing:
        warnings.warn("@c_class(%r): class `%s` does not annotate the following reflected "
                      "field(s): %s. Add type annotations (e.g. `field_name: type`) to the "
                      "class body for IDE support and documentation."
                      % (type_info.type_key, cls.__qualname__, ", ".join(missing)),
                      UserWarning, stacklevel=stacklevel + 1)
