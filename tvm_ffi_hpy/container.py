"""apache tvm-ffi's module name for the containers (``tvm_ffi.container``):
the same classes as `tvm_ffi_hpy.containers`, and the ``MISSING`` sentinel."""
from .containers import Array, List, Map, Dict, Shape, String, Bytes  # noqa: F401
from .missing import MISSING  # noqa: F401

__all__ = ["Array", "List", "Map", "Dict", "Shape", "String", "Bytes", "MISSING"]
