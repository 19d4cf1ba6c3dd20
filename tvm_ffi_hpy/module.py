"""Shared libraries of user functions and types: ``load_module(path)``.

The loading is the core's (``ffi.ModuleLoadFromFile``, core/src/module.cc);
this class only gives a Module object Python access to the functions the
library exports (``TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(name, fn)`` in C++, the C
symbol ``__tvm_ffi_<name>``)::

    mod = tvm_ffi_hpy.load_module("build/libmy_lib.so")
    mod.add_one(1)            # attribute access
    mod["add_one"](1)         # item access

Global functions and types the library registers in its static-init blocks
are in the process-wide registries from then on (``get_global_func``).  A
loaded library stays loaded until the process exits (docs/user_library.md).
"""
import json
import os
from typing import TYPE_CHECKING, Any, Dict, Optional, Union, cast

from .core import Function, Object, register_object, get_global_func

__all__ = ["Module", "load_module"]

SYMBOL_PREFIX = "__tvm_ffi_"


@register_object("ffi.Module")
class Module(Object):
    """A loaded shared library (from ``load_module``).  ``path`` is where it
    was loaded from; exported functions are attributes and items."""

    if TYPE_CHECKING:  # the reflected field, installed when the class is built
        @property
        def path(self) -> str: ...

    def get_function(self, name: str, allow_missing: bool = False) -> Optional[Function]:
        """The exported function `name`; None (allow_missing) or AttributeError when missing."""
        if not isinstance(name, str):
            raise TypeError("function names are str, got %s" % type(name).__name__)
        func: Optional[Function] = get_global_func("ffi.ModuleGetFunction")(self, name)
        if func is None and not allow_missing:
            raise AttributeError("module %s exports no function %r (no symbol %s%s)"
                                 % (self.path, name, SYMBOL_PREFIX, name))
        return func

    def get_function_metadata(self, name: str, query_imports: bool = False) -> "Optional[Dict[str, Any]]":
        """The metadata of the exported function `name` (a dict with its
        ``type_schema`` JSON text), or None when the library was built without
        metadata (``TVM_FFI_DLL_EXPORT_INCLUDE_METADATA``) or has no such
        function.  `query_imports` is accepted for apache tvm-ffi's signature
        (a Module has no imports here)."""
        text = self._exported_text("_metadata_" + name)
        return None if text is None else json.loads(text)

    def get_function_doc(self, name: str, query_imports: bool = False) -> Optional[str]:
        """The docstring exported for `name` (``TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_DOC``),
        or None."""
        return self._exported_text("_doc_" + name)

    def _exported_text(self, symbol: str) -> Optional[str]:
        func = self.get_function(symbol, allow_missing=True)
        return None if func is None else str(func())

    def implements_function(self, name: str) -> bool:
        """True when the library exports a function `name`."""
        return self.get_function(name, allow_missing=True) is not None

    def __getattr__(self, name: str) -> Function:
        # Only reached for names the class does not define.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return cast(Function, self.get_function(name))  # it raises rather than give None

    def __getitem__(self, name: str) -> Function:
        func = self.get_function(name, allow_missing=True)
        if func is None:
            raise KeyError("module %s exports no function %r (no symbol %s%s)"
                           % (self.path, name, SYMBOL_PREFIX, name))
        return func

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.implements_function(name)

    def __repr__(self) -> str:
        return "<tvm_ffi_hpy.Module %s>" % (self.path if self.__chandle__() else "(moved out)")


def load_module(path: "Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]") -> Module:
    """Load the shared library at `path` and return its Module.

    The library's static initialisers run now (registering its global
    functions and types).  A missing or unloadable file raises OSError with
    the dynamic loader's message.  Loading a file again returns a new Module
    for the library already loaded; nothing is ever unloaded."""
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if os.path.exists(name):
        name = os.path.abspath(name)  # dlopen searches the library path for bare names
    module: Module = get_global_func("ffi.ModuleLoadFromFile")(name)
    return module
