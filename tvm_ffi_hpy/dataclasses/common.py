"""apache tvm-ffi's module name for the dataclass helpers
(``tvm_ffi.dataclasses.common``): the same functions as
``tvm_ffi_hpy.dataclasses``, and asdict/astuple's recursions."""
from ._functions import (_asdict_inner, _astuple_inner, asdict, astuple, fields, is_dataclass,
                         replace)

__all__ = ["asdict", "astuple", "fields", "is_dataclass", "replace", "_asdict_inner",
           "_astuple_inner"]
