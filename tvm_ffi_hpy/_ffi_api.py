"""The core's ``ffi.*`` global functions as attributes: ``_ffi_api.Array`` is
``get_global_func("ffi.Array")`` (apache tvm-ffi's ``tvm_ffi._ffi_api``).

Looked up on first use, so a function the core registers later (or a library
loaded later) is found too; a name the core does not have raises
AttributeError (``from tvm_ffi_hpy._ffi_api import X`` then raises
ImportError).
"""
from typing import Any

from .core import get_global_func, list_global_func_names

_PREFIX = "ffi."


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    func = get_global_func(_PREFIX + name, allow_missing=True)
    if func is None:
        raise AttributeError("module %r has no attribute %r (the core has no global function "
                             "%r)" % (__name__, name, _PREFIX + name))
    globals()[name] = func  # found once: later reads are plain attribute reads
    return func


def __dir__() -> "list[str]":
    return sorted(n[len(_PREFIX):] for n in list_global_func_names() if n.startswith(_PREFIX))
