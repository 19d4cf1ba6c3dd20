"""The global function registry under apache tvm-ffi's module name
(``tvm_ffi.registry``), with the metadata each function carries.

Functions registered in C++ with ``refl::GlobalDef().def`` carry JSON
metadata: their ``type_schema`` (itself JSON text, in apache tvm-ffi's shape:
``{"type":"ffi.Function","named_args":{"return":[...],"params":[...]}}``)
and any ``refl::Metadata`` entries. Python functions carry none.
"""
import json
from typing import Any

from .core import (get_global_func, list_global_func_names, register_global_func,
                   register_object, remove_global_func)
from .errors import register_error

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
