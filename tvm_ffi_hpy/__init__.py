"""tvm_ffi_hpy: an FFI object system over one HPy universal binary.

The names follow apache tvm-ffi's Python API where the two overlap, so code
written for it ports by changing the import.
"""
_BINARY = "_ffi.hpy0.so"  # _loader.EXTENSION_FILE (not importable before __path__ is settled)


def _installed_copy() -> "str | None":
    """The installed tvm_ffi_hpy package, when this one is a source tree
    without its binary: `pip install . && python -m tvm_ffi_hpy` run from the
    clone's root imports the source tree first."""
    import importlib.machinery
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.exists(os.path.join(here, _BINARY)):
        return None
    parent = os.path.dirname(here)
    others = [p for p in sys.path if os.path.abspath(p or os.curdir) != parent]
    spec = importlib.machinery.PathFinder.find_spec(__name__, others)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if os.path.exists(os.path.join(location, _BINARY)):
            return str(location)
    return None


_installed = _installed_copy()
if _installed is not None:  # every module of the package then comes from there
    __path__[:] = [_installed]  # noqa: F821 (set by the import system)
del _installed, _installed_copy, _BINARY

from .core import (Object, Function, ObjectRValueRef, register_object, register_error,
                   get_global_func, register_global_func, list_global_func_names, init_ffi_api,
                   remove_global_func, convert, Error, ErrorObject)
from .containers import Array, List, Map, Dict, Shape, String, Bytes
from .module import Module, load_module
from .tensor import Tensor, Device, DLDeviceType, dtype, device, empty, from_dlpack
from ._loader import hpy_version as _hpy_version, extension_path as _extension_path

from . import access_path  # noqa: E402  (apache tvm-ffi's tvm_ffi.access_path)
from . import dataclasses  # noqa: E402
from . import _structural  # noqa: E402,F401  (hooks for plain Python objects)
from . import structural  # noqa: E402  (apache tvm-ffi's tvm_ffi.structural)
from .structural import (structural_equal, structural_hash,  # noqa: E402
                         get_first_structural_mismatch, StructuralKey, WalkOrder)
from .structural import (WalkResult, DefRegionKind, InplaceMode, VisitInterrupt,  # noqa: E402
                         StructuralVisitor, StructuralMutator, structural_walk,
                         structural_visit, structural_map, structural_mutate)
from . import error  # noqa: E402  (apache tvm-ffi's tvm_ffi.error)
from . import registry  # noqa: E402
from .registry import get_global_func_metadata  # noqa: E402
from .python_functions import convert_func  # noqa: E402
from .typed_method import method  # noqa: E402
from .stream import StreamContext, use_raw_stream, get_raw_stream, use_torch_stream  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Object", "Function", "ObjectRValueRef", "register_object", "register_error",
           "get_global_func", "register_global_func", "list_global_func_names", "init_ffi_api",
           "remove_global_func", "convert", "Array", "List", "Map", "Dict", "Shape", "String", "Bytes",
           "Error", "ErrorObject", "Module", "load_module", "Tensor", "Device", "DLDeviceType",
           "dtype", "device", "empty", "from_dlpack", "dataclasses",
           "get_global_func_metadata", "convert_func", "method", "StreamContext",
           "use_raw_stream", "get_raw_stream", "use_torch_stream", "structural_equal",
           "structural_hash", "get_first_structural_mismatch", "StructuralKey", "WalkOrder",
           "WalkResult", "DefRegionKind", "InplaceMode", "VisitInterrupt", "StructuralVisitor",
           "StructuralMutator", "structural_walk", "structural_visit", "structural_map",
           "structural_mutate"]


_LAZY_SUBMODULES = frozenset(("testing", "serialization", "access_path", "cpp", "utils",
                               "libinfo"))


def __getattr__(name: str) -> object:
    # Submodules imported on first use (testing loads the testing library),
    # as `tvm_ffi.serialization.to_json_graph_str(...)` expects.
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# apache tvm-ffi's module-level data types: tvm_ffi_hpy.int8, .float32, .bool,
# ... (last, since `bool` then names a dtype in this module's namespace).
from .tensor import BUILTIN_DTYPES as _BUILTIN_DTYPES  # noqa: E402
globals().update(_BUILTIN_DTYPES)
