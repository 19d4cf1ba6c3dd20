"""The Python target's tables: how FFI origins read as Python annotations, and
which module an import of a registry prefix comes from.

The runtime package the generated stubs import (``RUNTIME_PACKAGE``) is
``tvm_ffi`` when that name is another name of this package (code written for
apache tvm-ffi, run with the ``tvm_ffi`` alias), else ``tvm_ffi_hpy``; the
environment variable ``TVM_FFI_HPY_STUB_RUNTIME`` sets it explicitly."""

from __future__ import annotations

import os
import sys
from typing import Dict


def _runtime_package() -> str:
    chosen = os.environ.get("TVM_FFI_HPY_STUB_RUNTIME")
    if chosen:
        return chosen
    ours = sys.modules.get("tvm_ffi_hpy")
    if ours is not None and sys.modules.get("tvm_ffi") is ours:
        return "tvm_ffi"
    return "tvm_ffi_hpy"


RUNTIME_PACKAGE = _runtime_package()

#: Output annotations: an FFI origin to the dotted Python name it reads as.
TY_MAP_DEFAULTS: Dict[str, str] = {
    "Any": "typing.Any",
    "Callable": "typing.Callable",
    "Array": "collections.abc.Sequence",
    "List": "collections.abc.MutableSequence",
    "Map": "collections.abc.Mapping",
    "Dict": "collections.abc.MutableMapping",
    "Object": "ffi.Object",
    "Tensor": "ffi.Tensor",
    "dtype": "ffi.dtype",
    "Device": "ffi.Device",
    "ffi.Enum": RUNTIME_PACKAGE + ".dataclasses.Enum",
}

#: Parameter annotations where they differ: a parameter accepts any sequence
#: or mapping, not only a mutable one.
TY_MAP_INPUT_DEFAULTS: Dict[str, str] = {
    "Array": "collections.abc.Sequence",
    "List": "collections.abc.Sequence",
    "Map": "collections.abc.Mapping",
    "Dict": "collections.abc.Mapping",
}

#: Registry prefixes that name modules of the runtime package.
MOD_MAP: Dict[str, str] = {
    "testing": RUNTIME_PACKAGE + ".testing",
    "ffi": RUNTIME_PACKAGE,
}
