"""Pure-Python helpers with apache tvm-ffi's names: ``kwargs_wrapper``
(a Python signature with keywords and defaults in front of a positional-only
callable, such as an ffi.Function) and ``unpack_dataclass`` (stdlib
dataclasses turned into nested tuples before they cross the FFI) and
``lockfile`` (``FileLock``: an exclusive lock between processes)."""
from . import kwargs_wrapper, lockfile, unpack_dataclass

__all__ = ["kwargs_wrapper", "lockfile", "unpack_dataclass"]
