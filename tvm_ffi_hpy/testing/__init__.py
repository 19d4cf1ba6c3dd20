"""The `testing` set, with apache tvm-ffi's names (``tvm_ffi.testing``):
functions and types the test suites use, in a library of their own
(core/testing/, ``libtvm_ffi_hpy_testing.so``) that this package loads like
any user library.

Importing it registers the "testing.*" global functions and the testing
types; ``tvm_ffi_hpy.get_global_func("testing.x")`` imports it on its first
miss of such a name.  The classes are in the submodule ``testing`` (apache
tvm-ffi's layout) and re-exported here; any other name ``tvm_ffi_hpy.testing.f``
is the global function "testing.f".
"""
from typing import Any

from .. import libinfo
from ..module import load_module

#: The testing library, a user library of the core like any other: loading it
#: registers the "testing.*" functions and types.
library = load_module(libinfo.find_testing_lib())

from ._locking import run_with_gpu_lock  # noqa: E402
from .testing import *  # noqa: E402,F401,F403
from .testing import __all__ as _testing_names  # noqa: E402

__all__ = ["library", "run_with_gpu_lock"] + list(_testing_names)


def __getattr__(name: str) -> Any:
    # tvm_ffi.testing.echo and friends: the global function "testing.<name>".
    if not name.startswith("__"):
        from ..core import get_global_func
        func = get_global_func("testing." + name, allow_missing=True)
        if func is not None:
            return func
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
